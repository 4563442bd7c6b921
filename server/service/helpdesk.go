package service

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/store"
)

// HelpDeskQuestion is a question as the Help Desk API shows it.
type HelpDeskQuestion struct {
	ID          int64
	URL         string
	Status      string // "CLOSED" or "N answers"
	IsEscalated bool
	Answers     []Answer
}

// Answer is one response, as the Help Desk API shows it.
type Answer struct {
	ID         int64
	Text       string
	AuthorName string
	IsAccepted bool
	CreatedAt  time.Time
}

// SaveHelpDeskQuestion creates the question of a help desk ticket, or, when the tenant already
// saved one for this helpDeskId, returns that one unchanged (first write wins). A new question
// is routed to the experts most likely to resolve it.
func (s *Service) SaveHelpDeskQuestion(ctx context.Context, t store.Tenant, nq question.NewQuestion) (HelpDeskQuestion, error) {
	meta, err := nq.Metadata.MarshalJSON()
	if err != nil {
		return HelpDeskQuestion{}, err
	}
	st, err := s.settings(ctx, t.ID)
	if err != nil {
		return HelpDeskQuestion{}, err
	}
	if err := st.CheckCategory("questionCategory", nq.Category); err != nil {
		return HelpDeskQuestion{}, err
	}
	newQ := store.Question{
		TenantID: t.ID, Channel: question.ChannelHelpDesk, HelpDeskID: nq.HelpDeskID,
		Subject: nq.Subject, Text: nq.Text, Language: question.DefaultLanguage, AuthorEmail: nq.Email,
		Category: nq.Category, EliteOnly: nq.EliteOnly, Metadata: meta,
	}
	// Ranked before the transaction, as in Ask: on SQLite its reads then do not hold the only
	// write lock. A save of a ticket already saved does not use it.
	ranked, err := rank(ctx, tenantReads{s.Store, t.ID}, &newQ, st)
	if err != nil {
		return HelpDeskQuestion{}, err
	}
	var out HelpDeskQuestion
	now := s.Clock.Now()
	create := func(tx *store.TenantTx) error {
		q, err := tx.QuestionByHelpDeskID(ctx, nq.HelpDeskID, false)
		if err == nil {
			out, err = s.helpDeskView(ctx, tx, t, q)
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		cust, err := tx.UpsertCustomer(ctx, nq.Email, nq.Name, now)
		if err != nil {
			return err
		}
		nqq := new(store.Question)
		*nqq = newQ
		nqq.UUID, nqq.CustomerID, nqq.AuthorName = store.NewID(), cust.ID, cust.Name
		c, ch := question.NewConversation(nqq, nil, st.Timers(nq.Category), now)
		if err := persistNew(ctx, tx, c, ch, st, now, ranked); err != nil {
			return err
		}
		out = HelpDeskQuestion{ID: nqq.Number, URL: s.url(t, *nqq), Status: question.HelpDeskStatus(nqq.Status, 0), Answers: []Answer{}}
		return nil
	}
	err = s.Store.InTenantTx(ctx, t.ID, create)
	if errors.Is(err, store.ErrConflict) {
		// Another request saved the same helpDeskId between our read and our insert: answer with its question.
		err = s.Store.InTenantTx(ctx, t.ID, create)
	}
	return out, err
}

// CloseHelpDeskQuestion closes the question of a help desk ticket. Closing a question that is
// already over changes nothing and succeeds.
func (s *Service) CloseHelpDeskQuestion(ctx context.Context, t store.Tenant, helpDeskID string) (HelpDeskQuestion, error) {
	var out HelpDeskQuestion
	now := s.Clock.Now()
	err := s.Store.InTenantTx(ctx, t.ID, func(tx *store.TenantTx) error {
		q, err := tx.QuestionByHelpDeskID(ctx, helpDeskID, true)
		if err != nil {
			return notFound(err, "no question for helpDeskId %q", helpDeskID)
		}
		c, err := s.conversationOf(ctx, tx, &q)
		if err != nil {
			return err
		}
		if err := persist(ctx, tx, c, c.Close(now), now); err != nil {
			return err
		}
		out = HelpDeskQuestion{ID: q.Number, URL: s.url(t, q), Status: question.HelpDeskStatus(q.Status, 0)}
		return nil
	})
	return out, err
}

func (s *Service) helpDeskView(ctx context.Context, tx *store.TenantTx, t store.Tenant, q store.Question) (HelpDeskQuestion, error) {
	responses, err := tx.Responses(ctx, q.UUID)
	if err != nil {
		return HelpDeskQuestion{}, err
	}
	ids := make([]uuid.UUID, len(responses))
	for i, r := range responses {
		ids[i] = r.UUID
	}
	first, err := tx.ThreadOpeners(ctx, q.UUID, ids) // a response's text is its thread's first message
	if err != nil {
		return HelpDeskQuestion{}, err
	}
	answers := make([]Answer, 0, len(responses))
	for _, r := range responses {
		answers = append(answers, Answer{ID: r.Number, Text: first[r.UUID].Body, AuthorName: r.AuthorName, IsAccepted: r.IsAccepted, CreatedAt: r.CreatedAt})
	}
	return HelpDeskQuestion{
		ID: q.Number, URL: s.url(t, q), Status: question.HelpDeskStatus(q.Status, len(answers)),
		IsEscalated: question.IsEscalated(q.Status), Answers: answers,
	}, nil
}

func (s *Service) url(t store.Tenant, q store.Question) string {
	return question.PublicURL(t.Subdomain, s.PublicDomain, q.Subject, q.Number)
}
