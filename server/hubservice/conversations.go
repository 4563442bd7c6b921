package hubservice

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/store"
)

// Established is a conversation as the engine API shows it.
type Established struct {
	store.HubConversation
	IsNew *bool // set by Establish only
}

// newTokenID is a customer's opaque token in a conversation: base64 of 16 random bytes.
func newTokenID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Establish finds or creates the open conversation of a customer integration for a binding
// (§6.1), in one write transaction. A match that went dormant is closed then, and a new
// conversation is opened.
func (s *Service) Establish(ctx context.Context, p Principal, e hubrules.Establish) (Established, error) {
	now := s.Clock.Now().UTC()
	var out Established
	err := s.Store.InTenantTx(ctx, p.TenantID, func(tx *store.TenantTx) error {
		in, err := tx.HubIntegration(ctx, e.IntegrationID)
		if err != nil {
			return notFound(err, hubrules.EngIntegrationUnknown, "Integration '%s' does not exist.", e.IntegrationID)
		}
		h, err := tx.Hub(ctx, in.HubID)
		if err != nil {
			return notFound(err, hubrules.EngHubNotFound, "Hub '%s' does not exist.", in.HubID)
		}
		if err := hubrules.CheckEstablish(in, h); err != nil {
			return err
		}
		c, err := tx.OpenHubConversation(ctx, in.ID, e.Binding)
		switch {
		case err == nil && hubrules.Closed(c, h, now):
			if err := tx.CloseHubConversation(ctx, c.ID, hubrules.DormantAt(c, h)); err != nil {
				return err
			}
		case err == nil:
			c.Profile, c.Additional = hubrules.MergeProperties(c, e, s.funName)
			if err := tx.SetHubConversationProperties(ctx, c.ID, c.Profile, c.Additional); err != nil {
				return err
			}
			no := false
			out = Established{HubConversation: c, IsNew: &no}
			return nil
		case !errors.Is(err, store.ErrNotFound):
			return err
		}
		c = store.HubConversation{ID: uuid.New(), HubID: h.ID, IntegrationID: in.ID, Binding: e.Binding, TokenID: newTokenID(),
			OpenedAt: now, LastActivityAt: now}
		c.Profile, c.Additional = hubrules.MergeProperties(c, e, s.funName)
		if err := tx.InsertHubConversation(ctx, &c); err != nil {
			return err
		}
		yes := true
		out = Established{HubConversation: c, IsNew: &yes}
		return nil
	})
	if errors.Is(err, store.ErrConflict) {
		// Another request opened the conversation for this binding first: answer that one.
		return s.Establish(ctx, p, e)
	}
	return out, err
}

// Conversation returns one of the tenant's conversations (ENG006500 when there is none), with
// ClosedAt set when it closed, explicitly or by dormancy.
func (s *Service) Conversation(ctx context.Context, p Principal, id uuid.UUID) (store.HubConversation, error) {
	c, err := s.Store.HubConversation(ctx, p.TenantID, id)
	if err != nil {
		return c, notFound(err, hubrules.EngConversationGone, "Conversation '%s' does not exist.", id)
	}
	h, err := s.Store.Hub(ctx, p.TenantID, c.HubID)
	if err != nil {
		return c, err
	}
	c.ClosedAt = closedAt(c, h, s.Clock.Now())
	return c, nil
}

// ConversationPageSize is how many conversations one read of a hub's open conversations takes.
const ConversationPageSize = 256

// OpenConversations returns the reader of a hub's open conversations (ENG005500 when there is no
// such hub): each Next is the next page. Conversations gone dormant are left out (they close on
// their next access).
func (s *Service) OpenConversations(ctx context.Context, p Principal, hubID uuid.UUID) (*OpenConversationList, error) {
	h, err := s.Store.Hub(ctx, p.TenantID, hubID)
	if err != nil {
		return nil, notFound(err, hubrules.EngHubNotFound, "Hub '%s' does not exist.", hubID)
	}
	return &OpenConversationList{store: s.Store, tenant: p.TenantID, hub: h, now: s.Clock.Now()}, nil
}

// OpenConversationList reads a hub's open conversations in creation order, a page at a time:
// a listing of any length holds one page. Each page is its own read, so a conversation opened
// while a listing runs may appear at its end.
type OpenConversationList struct {
	store  *store.Store
	tenant uuid.UUID
	hub    store.Hub
	now    time.Time
	after  int64 // the Seq of the last conversation read
	done   bool
}

// Next returns the next page of open conversations, empty when there is no more.
func (l *OpenConversationList) Next(ctx context.Context) ([]store.HubConversation, error) {
	for !l.done {
		page, err := l.store.OpenHubConversationPage(ctx, l.tenant, l.hub.ID, l.after, ConversationPageSize)
		if err != nil {
			return nil, err
		}
		l.done = len(page) < ConversationPageSize
		if len(page) > 0 {
			l.after = page[len(page)-1].Seq
		}
		out := page[:0]
		for _, c := range page {
			if !hubrules.Closed(c, l.hub, l.now) {
				out = append(out, c)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
	return nil, nil
}

// MaxActivities is the most activities one poll returns.
const MaxActivities = 500

// Activities returns a conversation's stored activities involving a kind of integration, after an
// eventId (§6.2).
func (s *Service) Activities(ctx context.Context, p Principal, id uuid.UUID, q hubrules.ActivityQuery) ([]store.HubActivity, error) {
	if _, err := s.Conversation(ctx, p, id); err != nil {
		return nil, err
	}
	return s.Store.HubActivities(ctx, p.TenantID, id, q.Kind, q.Leid, MaxActivities)
}

// closedAt is when a conversation closed (its explicit close, else its dormancy once past), nil
// while open.
func closedAt(c store.HubConversation, h store.Hub, now time.Time) *time.Time {
	if c.ClosedAt != nil {
		return c.ClosedAt
	}
	if hubrules.Closed(c, h, now) {
		t := hubrules.DormantAt(c, h)
		return &t
	}
	return nil
}
