package hubservice

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/server/outbox"
	"github.com/switchboard-dev/switchboard/store"
)

// TopicActivity is the outbox topic of the Direct API's webhooks.
const TopicActivity = "hub.activity"

// Accepted is what the Direct API answers for an accepted activity.
type Accepted struct {
	EventID        int64
	ExternalID     *string
	HubID          uuid.UUID
	ConversationID uuid.UUID
	IntegrationID  uuid.UUID  // the sender
	InteractionID  *uuid.UUID // messages only
}

// Send accepts an activity that passed steps 1–6 (token, rate, path, body, envelope, content) and
// runs steps 7–12 of the validation order in ONE write transaction: the conversation (404, or 410
// when closed), its hub (paused or canceled: ENG006503), the sender (§4.2; inactive: ENG006502),
// role and commands, routing (ENG005501); then it assigns the eventId and interactionId, stores the
// activity (messages and payload events), records the takeover, and queues the webhooks. Any
// failure rolls everything back; a committed activity's webhooks are in the outbox.
func (s *Service) Send(ctx context.Context, p Principal, conversationID uuid.UUID, a hubrules.Activity, business bool) (Accepted, error) {
	now := s.Clock.Now().UTC() // outside the transaction: the virtual clock reads the database
	var out Accepted
	queued := 0
	err := s.Store.InTenantTx(ctx, p.TenantID, func(tx *store.TenantTx) error {
		c, err := tx.LockHubConversation(ctx, conversationID)
		if err != nil {
			return notFound(err, hubrules.EngConversationGone, "Conversation '%s' does not exist.", conversationID)
		}
		h, err := tx.Hub(ctx, c.HubID)
		if err != nil {
			return notFound(err, hubrules.EngHubNotFound, "Hub '%s' does not exist.", c.HubID)
		}
		if err := hubrules.CheckConversation(c, h, now); err != nil {
			return err
		}
		hub, err := tx.HubIntegrations(ctx, h.ID)
		if err != nil {
			return err
		}
		customer := find(hub, c.IntegrationID)
		if customer == nil {
			return fmt.Errorf("hub: conversation %s: its customer integration %s is not in hub %s", c.ID, c.IntegrationID, h.ID)
		}
		var named *store.HubIntegration // nil when not of this hub: another hub's, another tenant's, or none look alike
		if a.SenderID != nil {
			named = find(hub, *a.SenderID)
		}
		sender, err := hubrules.ResolveSender(a, *customer, named, business)
		if err != nil {
			return err
		}
		if err := hubrules.CheckRole(a, sender); err != nil {
			return err
		}
		route, err := hubrules.Routing(a, sender, *customer, c.ActiveBusinessID, hub)
		if err != nil {
			return err
		}

		stamp := hubrules.Stamp{EventID: hubrules.NextEventID(now, c.LastEventID)}
		if a.Type == hubrules.TypeMessage {
			stamp.InteractionID = uuid.New()
			out.InteractionID = &stamp.InteractionID
		}
		act := hubrules.Enrich(a, stamp, sender, route.Recipient, c, false)
		if a.Stored() {
			body, err := hubrules.Marshal(act)
			if err != nil {
				return err
			}
			if err := tx.InsertHubActivity(ctx, &store.HubActivity{ConversationID: c.ID, EventID: stamp.EventID, Type: a.Type,
				SenderID: sender.ID, SenderKind: sender.Kind, RecipientID: route.Recipient.ID, RecipientKind: route.Recipient.Kind,
				Body: body, CreatedAt: now}); err != nil {
				return err
			}
		}
		var takeover *uuid.UUID
		if route.Takeover {
			takeover = &sender.ID
		}
		if err := tx.AdvanceHubConversation(ctx, c.ID, stamp.EventID, now, takeover); err != nil {
			return err
		}
		hooks, err := hubrules.Webhooks(route, sender, c, p.TenantID, act, hubrules.Enrich(a, stamp, sender, route.Recipient, c, true))
		if err != nil {
			return err
		}
		msgs := make([]outbox.Message, len(hooks))
		for i, w := range hooks {
			msgs[i] = outbox.Message{Topic: TopicActivity, URL: w.To.WebhookURL, Headers: w.Headers, Body: w.Body,
				Subject:         fmt.Sprintf("conversation %s event %d to %s integration %s", c.ID, stamp.EventID, w.To.Kind, w.To.ID),
				SignatureHeader: hubrules.SignatureHeader, Key: []byte(w.To.PrivateKey)}
		}
		if err := tx.EnqueueDeliveries(ctx, outbox.Prepare(now, msgs...)); err != nil {
			return err
		}
		queued = len(msgs)
		out = Accepted{EventID: stamp.EventID, ExternalID: a.ExternalID, HubID: h.ID, ConversationID: c.ID,
			IntegrationID: sender.ID, InteractionID: out.InteractionID}
		return nil
	})
	if err != nil {
		return Accepted{}, err
	}
	if queued > 0 {
		s.kick()
	}
	return out, nil
}

func find(l []store.HubIntegration, id uuid.UUID) *store.HubIntegration {
	for i := range l {
		if l[i].ID == id {
			return &l[i]
		}
	}
	return nil
}
