package admin

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/routing"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// The converters from domain values to the operator API's bodies. They decide nothing: every
// rule (who sees what, states, defaults) is the service's or package question's; here values
// only change shape. Lists are never nil (an empty list is written [], not null) and times are
// written by utc.

// visibleMetadata is what experts see of a question's stored metadata.
func visibleMetadata(stored []byte) (json.RawMessage, error) {
	return question.VisibleMetadataJSON(stored)
}

// metadata is the stored metadata as a JSON object, hidden entries included.
func metadata(stored []byte) json.RawMessage {
	if len(stored) == 0 {
		return json.RawMessage("{}")
	}
	return json.RawMessage(stored)
}

// list makes a nil list empty, so that it is written [].
func list[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// orNil is nil for the zero value, so that it is written null.
func orNil[T comparable](v T) *T {
	var zero T
	if v == zero {
		return nil
	}
	return &v
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := utc(*t)
	return &v
}

// ---------------------------------------------------------------------------
// Questions.

// expertQuestion is a question as one expert sees it: never the customer's email or refId (the
// schema has no field for them), only the visible metadata.
//
// Threads: the expert sees every response's header (who answered, accepted, marked resolved) but
// the messages of only their own thread and of automated responses (the company's canned answer
// the customer already got). Another expert's thread is that expert's private exchange with the
// customer; showing it would let experts copy each other and would leak what the customer told
// someone else. Question-level messages (the customer's follow-ups and the system messages) are
// all shown.
func expertQuestion(v service.ExpertView) (gen.ExpertQuestion, error) {
	q := v.Q
	visible, err := question.VisibleMetadataJSON(q.Metadata)
	if err != nil {
		return gen.ExpertQuestion{}, err
	}
	out := gen.ExpertQuestion{
		Uuid: q.UUID, Id: q.Number, Channel: gen.Channel(q.Channel),
		Subject: q.Subject, Text: q.Text, Language: q.Language, AuthorName: q.AuthorName,
		Category: q.Category, IsEliteOnly: q.EliteOnly, VisibleMetadata: visible,
		Status:    gen.QuestionStatus(q.Status),
		IsClaimed: q.ClaimedBy != nil, ClaimedByMe: q.ClaimedBy != nil && *q.ClaimedBy == v.Expert,
		CreatedAt: utc(q.CreatedAt), LastUpdated: utc(q.LastUpdated),
		Responses: make([]gen.ExpertThread, 0, len(v.Responses)),
		Messages:  []gen.ThreadMessage{},
	}
	if o := v.Offer; o != nil {
		out.Offer = &gen.ExpertOffer{Tier: o.Tier, Rank: o.Rank, Score: o.Score, OfferedAt: utc(o.OfferedAt)}
	}
	shown := map[uuid.UUID]int{} // thread → index in out.Responses, for the threads whose messages are shown
	for _, r := range v.Responses {
		mine := r.AuthorUUID != nil && *r.AuthorUUID == v.Expert
		if mine || r.Type == question.ResponseAutomated {
			shown[r.UUID] = len(out.Responses)
		}
		out.Responses = append(out.Responses, gen.ExpertThread{
			Uuid: r.UUID, Type: gen.ResponseType(r.Type), AuthorName: r.AuthorName,
			IsAccepted: r.IsAccepted, IsMarkedAsResolved: r.IsMarkedAsResolved, IsMine: mine,
			CreatedAt: utc(r.CreatedAt), Messages: []gen.ThreadMessage{},
		})
	}
	for _, m := range v.Messages {
		tm := gen.ThreadMessage{
			Uuid: m.UUID, Type: gen.MessageType(m.Type), AuthorType: gen.AuthorType(m.AuthorType),
			AuthorName: m.AuthorName, Body: m.Body, CreatedAt: utc(m.CreatedAt),
		}
		if m.ResponseUUID == nil {
			out.Messages = append(out.Messages, tm)
		} else if i, ok := shown[*m.ResponseUUID]; ok {
			out.Responses[i].Messages = append(out.Responses[i].Messages, tm)
		}
	}
	return out, nil
}

// tenantQuestionDetail is a question as the operator sees it: everything stored. url is the
// public address of a Help Desk question ("" otherwise).
func tenantQuestionDetail(v service.View, url string) (gen.TenantQuestionDetail, error) {
	q := v.Q
	visible, err := question.VisibleMetadataJSON(q.Metadata)
	if err != nil {
		return gen.TenantQuestionDetail{}, err
	}
	out := gen.TenantQuestionDetail{
		Uuid: q.UUID, Id: q.Number, Channel: gen.Channel(q.Channel),
		Subject: q.Subject, Text: q.Text, Language: q.Language,
		Author:   gen.QuestionAuthor{Name: q.AuthorName, Email: q.AuthorEmail},
		Category: q.Category, IsEliteOnly: q.EliteOnly,
		Metadata: metadata(q.Metadata), VisibleMetadata: visible,
		Status: gen.QuestionStatus(q.Status), IsEscalated: question.IsEscalated(q.Status),
		IsClaimed: q.ClaimedBy != nil, ClaimedBy: q.ClaimedBy,
		ReroutedBy: orNil(q.ReroutedBy), ReroutedAt: utcPtr(q.ReroutedAt), RerouteReason: orNil(q.RerouteReason),
		CreatedAt: utc(q.CreatedAt), LastUpdated: utc(q.LastUpdated),
		Responses: make([]gen.AdminResponse, len(v.Responses)),
		Messages:  make([]gen.AdminMessage, len(v.Messages)),
	}
	if q.Channel == question.ChannelHelpDesk {
		id := q.HelpDeskID
		out.HelpDeskId, out.Url = &id, &url
	}
	for i, r := range v.Responses {
		out.Responses[i] = gen.AdminResponse{
			Uuid: r.UUID, Type: gen.ResponseType(r.Type), AuthorUuid: r.AuthorUUID, AuthorName: r.AuthorName,
			IsAccepted: r.IsAccepted, IsMarkedAsResolved: r.IsMarkedAsResolved,
			Rating: orNil(r.Rating), Testimonial: orNil(r.Testimonial), CreatedAt: utc(r.CreatedAt),
		}
	}
	for i, m := range v.Messages {
		out.Messages[i] = gen.AdminMessage{
			Uuid: m.UUID, ResponseUuid: m.ResponseUUID, Type: gen.MessageType(m.Type),
			AuthorType: gen.AuthorType(m.AuthorType), AuthorUuid: m.AuthorUUID, AuthorName: m.AuthorName,
			Body: m.Body, IsRead: m.IsRead, CreatedAt: utc(m.CreatedAt),
		}
	}
	return out, nil
}

// offer is one routing offer with its score breakdown (routing.Breakdown, stored as JSON).
func offer(o service.OfferRecord) (gen.Offer, error) {
	var b routing.Breakdown
	if len(o.Breakdown) > 0 {
		if err := json.Unmarshal(o.Breakdown, &b); err != nil {
			return gen.Offer{}, fmt.Errorf("offer breakdown of expert %s: %w", o.ExpertUUID, err)
		}
	}
	return gen.Offer{
		ExpertUuid: o.ExpertUUID, ExpertName: o.ExpertName, Tier: o.Tier, Rank: o.Rank, OfferedAt: utc(o.OfferedAt),
		Score: gen.OfferScore{
			Total: o.Score, Category: b.Category, Language: b.Language,
			Acceptance: b.Acceptance, Rating: b.Rating, Load: b.Load,
		},
	}, nil
}

// ---------------------------------------------------------------------------
// Experts, settings, credentials, events.

func expert(e service.ExpertRecord) gen.Expert {
	return gen.Expert{
		Uuid: e.UUID, Name: e.Name,
		Languages: list(e.Languages), Categories: list(e.Categories), Topics: list(e.Topics),
		IsElite: e.IsElite, IsActive: e.IsActive, Capacity: e.Capacity, OpenLoad: e.OpenLoad,
		CreatedAt: utc(e.CreatedAt), UpdatedAt: utc(e.UpdatedAt),
	}
}

func settings(st service.Settings) gen.Settings {
	out := gen.Settings{
		UnansweredTimeoutSeconds:  int(st.UnansweredTimeoutSeconds),
		UnansweredTimeoutAction:   gen.UnansweredTimeoutAction(st.UnansweredTimeoutAction),
		ReroutePromptAfterSeconds: int(st.ReroutePromptAfterSeconds),
		OfferTopK:                 st.OfferTopK,
		OfferWaitSeconds:          int(st.OfferWaitSeconds),
		RoutingWeights: gen.RoutingWeights{
			Category: st.RoutingWeights.Category, Language: st.RoutingWeights.Language,
			Acceptance: st.RoutingWeights.Acceptance, Rating: st.RoutingWeights.Rating, Load: st.RoutingWeights.Load,
		},
		TokenTtlSeconds:         int(st.TokenTTLSeconds),
		Markdown:                st.Markdown,
		ClassificationThreshold: st.ClassificationThreshold,
		Classes:                 make([]gen.TextClass, len(st.Classes)),
		AgentOnlyKeywords:       list(st.AgentOnlyKeywords),
		Categories:              make([]gen.CategorySettings, len(st.Categories)),
		TrainingFileQuotaBytes:  st.TrainingFileQuotaBytes,
	}
	for i, c := range st.Classes {
		out.Classes[i] = gen.TextClass{Name: c.Name, Keywords: list(c.Keywords), Answer: gen.ClassAnswer{Title: c.Answer.Title, Body: c.Answer.Body}}
	}
	for i, c := range st.Categories {
		cs := gen.CategorySettings{Name: c.Name, ExpertUuids: list(c.ExpertUUIDs)}
		if c.UnansweredTimeoutSeconds != nil {
			n := int(*c.UnansweredTimeoutSeconds)
			cs.UnansweredTimeoutSeconds = &n
		}
		out.Categories[i] = cs
	}
	return out
}

func scopes(sc []string) []gen.OAuthScope {
	out := make([]gen.OAuthScope, len(sc))
	for i, s := range sc {
		out[i] = gen.OAuthScope(s)
	}
	return out
}

func oauthClient(c store.OAuthClient) gen.OAuthClient {
	return gen.OAuthClient{ClientId: c.ClientID, Name: c.Name, Scopes: scopes(c.Scopes), CreatedAt: utc(c.CreatedAt)}
}

func event(e store.Event) gen.Event {
	data := json.RawMessage(e.Data)
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return gen.Event{
		Seq: e.Seq, Type: gen.EventType(e.Type), QuestionUuid: e.QuestionUUID, ExpertUuid: e.ExpertUUID,
		Data: data, CreatedAt: utc(e.CreatedAt),
	}
}

func clockState(c service.ClockState) gen.Clock {
	return gen.Clock{Now: utc(c.Now), Mode: gen.ClockMode(c.Mode), JobsRun: c.JobsRun}
}
