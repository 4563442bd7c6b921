package service

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/textrule"
	"github.com/switchboard-dev/switchboard/store"
)

// ExpertInput creates or changes an expert; nil fields are left as they are (or defaulted).
type ExpertInput struct {
	Name                          *string
	Languages, Categories, Topics *[]string
	IsElite, IsActive             *bool
	Capacity                      *int
}

// ExpertRecord is an expert with its current load.
type ExpertRecord struct {
	store.Expert
	OpenLoad int
}

var isoLanguage = regexp.MustCompile(`^[a-z]{2}$`)

func (in ExpertInput) apply(e *store.Expert) error {
	if in.Name != nil {
		name, err := question.CheckLimit("name", *in.Name, question.MaxAuthorNameLen, true)
		if err != nil {
			return err
		}
		e.Name = name
	}
	clean := func(field string, v *[]string, dst *[]string) error {
		if v == nil {
			return nil
		}
		out := []string{}
		for i, s := range *v {
			s = textrule.Trim(s)
			if s == "" {
				return apierr.Invalidf("%s[%d]: must not be blank", field, i)
			}
			if field == "languages" && !isoLanguage.MatchString(s) {
				return apierr.Invalidf("%s[%d]: must be a lowercase ISO 639-1 code such as en (got %q)", field, i, s)
			}
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		*dst = out
		return nil
	}
	if err := clean("languages", in.Languages, &e.Languages); err != nil {
		return err
	}
	if err := clean("categories", in.Categories, &e.Categories); err != nil {
		return err
	}
	if err := clean("topics", in.Topics, &e.Topics); err != nil {
		return err
	}
	if in.IsElite != nil {
		e.IsElite = *in.IsElite
	}
	if in.IsActive != nil {
		e.IsActive = *in.IsActive
	}
	if in.Capacity != nil {
		if *in.Capacity < 0 {
			return apierr.Invalidf("capacity: must be 0 (unlimited) or more")
		}
		e.Capacity = *in.Capacity
	}
	return nil
}

// CreateExpert adds an expert to a tenant. Active by default.
func (s *Service) CreateExpert(ctx context.Context, tenantID uuid.UUID, in ExpertInput) (ExpertRecord, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return ExpertRecord{}, err
	}
	if in.Name == nil {
		return ExpertRecord{}, apierr.Invalidf("name: is required")
	}
	now := s.Clock.Now().Truncate(time.Second)
	e := store.Expert{TenantID: tenantID, UUID: uuid.New(), IsActive: true, Languages: []string{}, Categories: []string{}, Topics: []string{}, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&e); err != nil {
		return ExpertRecord{}, err
	}
	if err := s.Store.InsertExpert(ctx, &e); err != nil {
		return ExpertRecord{}, err
	}
	return ExpertRecord{Expert: e}, nil
}

// UpdateExpert changes the given fields of an expert.
func (s *Service) UpdateExpert(ctx context.Context, tenantID, id uuid.UUID, in ExpertInput) (ExpertRecord, error) {
	e, err := s.expert(ctx, tenantID, id)
	if err != nil {
		return ExpertRecord{}, err
	}
	if err := in.apply(&e.Expert); err != nil {
		return ExpertRecord{}, err
	}
	e.UpdatedAt = s.Clock.Now().Truncate(time.Second)
	if err := s.Store.UpdateExpert(ctx, &e.Expert); err != nil {
		return ExpertRecord{}, notFound(err, "expert %s not found", id)
	}
	return e, nil
}

// Experts lists a tenant's experts with their loads.
func (s *Service) Experts(ctx context.Context, tenantID uuid.UUID) ([]ExpertRecord, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return nil, err
	}
	es, err := s.Store.Experts(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	loads, err := s.Store.ExpertLoads(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]ExpertRecord, len(es))
	for i, e := range es {
		out[i] = ExpertRecord{Expert: e, OpenLoad: loads[e.UUID]}
	}
	return out, nil
}

// Expert returns one expert with its load.
func (s *Service) Expert(ctx context.Context, tenantID, id uuid.UUID) (ExpertRecord, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return ExpertRecord{}, err
	}
	return s.expert(ctx, tenantID, id)
}

func (s *Service) expert(ctx context.Context, tenantID, id uuid.UUID) (ExpertRecord, error) {
	e, err := s.Store.Expert(ctx, tenantID, id)
	if err != nil {
		return ExpertRecord{}, notFound(err, "expert %s not found", id)
	}
	load, err := s.Store.ExpertLoad(ctx, tenantID, id)
	if err != nil {
		return ExpertRecord{}, err
	}
	return ExpertRecord{Expert: e, OpenLoad: load}, nil
}

// ExpertView is a question as one expert sees it (the handler hides email, refId and nested
// metadata), with the offer that brought it to the expert.
type ExpertView struct {
	View
	Expert uuid.UUID
	Offer  *store.Offer
}

// ExpertQueue lists the questions offered to an expert that are still open to it: UNRESOLVED
// and unclaimed, or claimed by this expert. Oldest offer first.
func (s *Service) ExpertQueue(ctx context.Context, tenantID, expertID uuid.UUID) ([]ExpertView, error) {
	if _, err := s.Expert(ctx, tenantID, expertID); err != nil {
		return nil, err
	}
	st, err := s.settings(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	qs, offers, err := s.Store.ExpertQueue(ctx, tenantID, expertID)
	if err != nil {
		return nil, err
	}
	cs, err := s.conversations(ctx, tenantID, qs)
	if err != nil {
		return nil, err
	}
	out := make([]ExpertView, len(cs))
	for i, c := range cs {
		o := offers[i]
		out[i] = ExpertView{View: View{Conversation: c, Markdown: st.Markdown}, Expert: expertID, Offer: &o}
	}
	return out, nil
}

// ExpertQuestion returns a question offered to the expert (not found otherwise).
func (s *Service) ExpertQuestion(ctx context.Context, tenantID, expertID, questionID uuid.UUID) (ExpertView, error) {
	_, o, err := s.offerTo(ctx, tenantID, expertID, questionID, false)
	if err != nil {
		return ExpertView{}, err
	}
	v, err := s.readView(ctx, tenantID, questionID, "")
	if err != nil {
		return ExpertView{}, err
	}
	return ExpertView{View: v, Expert: expertID, Offer: &o}, nil
}

// offerTo returns the expert and its offer of the question. Not found when the tenant or the
// expert is unknown or the question was not offered to the expert; with active, an inactive
// expert is forbidden (checked before the offer).
func (s *Service) offerTo(ctx context.Context, tenantID, expertID, questionID uuid.UUID, active bool) (store.Expert, store.Offer, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return store.Expert{}, store.Offer{}, err
	}
	e, err := s.Store.Expert(ctx, tenantID, expertID)
	if err != nil {
		return store.Expert{}, store.Offer{}, notFound(err, "expert %s not found", expertID)
	}
	if active && !e.IsActive {
		return store.Expert{}, store.Offer{}, apierr.Forbiddenf("expert %s is inactive", expertID)
	}
	o, err := s.Store.Offer(ctx, tenantID, questionID, expertID)
	if errors.Is(err, store.ErrNotFound) {
		return store.Expert{}, store.Offer{}, apierr.NotFoundf("question %s was not offered to expert %s", questionID, expertID)
	}
	return e, o, err
}

// expertAct runs an expert action in the question's transaction: the expert must be active and
// have been offered the question.
func (s *Service) expertAct(ctx context.Context, tenantID, expertID, questionID uuid.UUID,
	rule func(tx *store.TenantTx, c *question.Conversation, e question.Actor, st Settings, now time.Time) (*question.Change, error)) (ExpertView, error) {
	e, o, err := s.offerTo(ctx, tenantID, expertID, questionID, true)
	if err != nil {
		return ExpertView{}, err
	}
	actor := question.Actor{UUID: e.UUID, Name: e.Name}
	v, _, err := s.actTx(ctx, tenantID, questionID, "", func(tx *store.TenantTx, c *question.Conversation, st Settings, now time.Time) (*question.Change, error) {
		return rule(tx, c, actor, st, now)
	})
	if v, err = s.whole(ctx, v, err); err != nil {
		return ExpertView{}, err
	}
	return ExpertView{View: v, Expert: expertID, Offer: &o}, nil
}

// Claim gives the question to the expert. An expert at capacity cannot claim more; the check
// and the claim happen in one transaction that holds the expert's row, so two claims by one
// expert cannot both pass it.
func (s *Service) Claim(ctx context.Context, tenantID, expertID, questionID uuid.UUID) (ExpertView, error) {
	return s.expertAct(ctx, tenantID, expertID, questionID, func(tx *store.TenantTx, c *question.Conversation, a question.Actor, _ Settings, now time.Time) (*question.Change, error) {
		e, load, err := tx.LockExpertLoad(ctx, expertID)
		if err != nil {
			return nil, notFound(err, "expert %s not found", expertID)
		}
		if e.Capacity > 0 && load >= e.Capacity && (c.Q.ClaimedBy == nil || *c.Q.ClaimedBy != expertID) {
			return nil, apierr.Forbiddenf("expert %s is at capacity (%d open questions)", expertID, e.Capacity)
		}
		return c.Claim(a, now)
	})
}

// Release gives up the expert's claim.
func (s *Service) Release(ctx context.Context, tenantID, expertID, questionID uuid.UUID) (ExpertView, error) {
	return s.expertAct(ctx, tenantID, expertID, questionID, func(_ *store.TenantTx, c *question.Conversation, a question.Actor, st Settings, now time.Time) (*question.Change, error) {
		return c.Release(&a.UUID, st.Timers(c.Q.Category), now)
	})
}

// Respond adds the expert's response.
func (s *Service) Respond(ctx context.Context, tenantID, expertID, questionID uuid.UUID, text string) (ExpertView, error) {
	text, err := question.CheckBody("text", text)
	if err != nil {
		return ExpertView{}, err
	}
	return s.expertAct(ctx, tenantID, expertID, questionID, func(_ *store.TenantTx, c *question.Conversation, a question.Actor, _ Settings, now time.Time) (*question.Change, error) {
		return c.Respond(a, text, now)
	})
}

// PostExpertMessage adds a message to the expert's own thread.
func (s *Service) PostExpertMessage(ctx context.Context, tenantID, expertID, questionID uuid.UUID, body string) (ExpertView, error) {
	body, err := question.CheckBody("body", body)
	if err != nil {
		return ExpertView{}, err
	}
	return s.expertAct(ctx, tenantID, expertID, questionID, func(_ *store.TenantTx, c *question.Conversation, a question.Actor, _ Settings, now time.Time) (*question.Change, error) {
		return c.ExpertMessage(a, body, now)
	})
}

// MarkResolved marks the expert's response as resolving the question.
func (s *Service) MarkResolved(ctx context.Context, tenantID, expertID, questionID uuid.UUID) (ExpertView, error) {
	return s.expertAct(ctx, tenantID, expertID, questionID, func(_ *store.TenantTx, c *question.Conversation, a question.Actor, _ Settings, now time.Time) (*question.Change, error) {
		return c.MarkResolved(a, now)
	})
}

// RerouteByExpert sends the question back to the company's team, with a required reason.
func (s *Service) RerouteByExpert(ctx context.Context, tenantID, expertID, questionID uuid.UUID, reason string) (ExpertView, error) {
	reason, err := question.CheckLimit("reason", reason, question.MaxReasonLen, true)
	if err != nil {
		return ExpertView{}, err
	}
	return s.expertAct(ctx, tenantID, expertID, questionID, func(_ *store.TenantTx, c *question.Conversation, a question.Actor, _ Settings, now time.Time) (*question.Change, error) {
		if c.Q.ClaimedBy != nil && *c.Q.ClaimedBy != a.UUID {
			return nil, apierr.Forbiddenf("the question is claimed by another expert")
		}
		return c.Reroute(question.ByExpert, &a.UUID, reason, now)
	})
}

// ---------------------------------------------------------------------------
// Operator view and customer actions (any channel).

// TenantQuestion returns any question of the tenant with its threads.
func (s *Service) TenantQuestion(ctx context.Context, tenantID, questionID uuid.UUID) (View, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return View{}, err
	}
	return s.readView(ctx, tenantID, questionID, "")
}

// OfferRecord is an offer with the expert's name.
type OfferRecord struct {
	store.Offer
	ExpertName string
}

// QuestionOffers lists who was offered a question, when, and why (tier, rank, score).
func (s *Service) QuestionOffers(ctx context.Context, tenantID, questionID uuid.UUID) ([]OfferRecord, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return nil, err
	}
	if _, err := s.Store.Question(ctx, tenantID, questionID); err != nil {
		return nil, notFound(err, "question %s not found", questionID)
	}
	offers, err := s.Store.QuestionOffers(ctx, tenantID, questionID)
	if err != nil {
		return nil, err
	}
	experts, err := s.Store.Experts(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	names := map[uuid.UUID]string{}
	for _, e := range experts {
		names[e.UUID] = e.Name
	}
	out := make([]OfferRecord, len(offers))
	for i, o := range offers {
		out[i] = OfferRecord{Offer: o, ExpertName: names[o.ExpertUUID]}
	}
	return out, nil
}

func (s *Service) operatorAct(ctx context.Context, tenantID, questionID uuid.UUID,
	rule func(c *question.Conversation, st Settings, now time.Time) (*question.Change, error)) (View, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return View{}, err
	}
	v, _, err := s.act(ctx, tenantID, questionID, "", rule)
	return s.whole(ctx, v, err)
}

// ReleaseByOperator releases whoever holds the question.
func (s *Service) ReleaseByOperator(ctx context.Context, tenantID, questionID uuid.UUID) (View, error) {
	return s.operatorAct(ctx, tenantID, questionID, func(c *question.Conversation, st Settings, now time.Time) (*question.Change, error) {
		return c.Release(nil, st.Timers(c.Q.Category), now)
	})
}

// CustomerMessage posts a message as the question's end user (any channel).
func (s *Service) CustomerMessage(ctx context.Context, tenantID, questionID uuid.UUID, responseID *uuid.UUID, body string) (View, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return View{}, err
	}
	v, _, err := s.postUserMessage(ctx, tenantID, questionID, "", responseID, body)
	return s.whole(ctx, v, err)
}

// CustomerAccept accepts a response as the end user (any channel).
func (s *Service) CustomerAccept(ctx context.Context, tenantID, questionID, responseID uuid.UUID) (View, error) {
	return s.operatorAct(ctx, tenantID, questionID, func(c *question.Conversation, _ Settings, now time.Time) (*question.Change, error) {
		return c.Accept(responseID, now)
	})
}

// CustomerReroute reroutes as the end user (any channel).
func (s *Service) CustomerReroute(ctx context.Context, tenantID, questionID uuid.UUID, reason string) (View, error) {
	reason, err := question.CheckLimit("reason", reason, question.MaxReasonLen, false)
	if err != nil {
		return View{}, err
	}
	return s.operatorAct(ctx, tenantID, questionID, func(c *question.Conversation, _ Settings, now time.Time) (*question.Change, error) {
		return c.Reroute(question.ByUser, nil, reason, now)
	})
}

// Events lists a tenant's event log.
func (s *Service) Events(ctx context.Context, tenantID uuid.UUID, f store.EventFilter) ([]store.Event, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return nil, err
	}
	return s.Store.Events(ctx, tenantID, f)
}
