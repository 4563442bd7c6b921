package hubrules

import (
	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
)

// FlowProcess is every activity's flowProcess: v1 has no auto-reply, so always Default.
const FlowProcess = "Default"

// SourceSystem is the x-source-system header of every webhook.
const SourceSystem = "engine.hubster.io"

// TokenID is an integration's opaque token in a conversation: the conversation's own token for its
// customer, "<conversationId>.<integrationId>" for an agent or a bot (the shapes of ACT's examples).
func TokenID(in store.HubIntegration, c store.HubConversation) string {
	if in.Kind == Customer {
		return c.TokenID
	}
	return c.ID.String() + "." + in.ID.String()
}

// Party is an activity's sender or recipient.
func Party(in store.HubIntegration, c store.HubConversation) Out {
	var o Out
	o.Add("integrationId", in.ID.String())
	o.Add("integrationType", in.Kind)
	o.Add("channelType", ChannelDirect)
	o.Add("tokenId", TokenID(in, c))
	return o
}

// Stamp is what the server adds to an accepted activity.
type Stamp struct {
	EventID       int64
	InteractionID uuid.UUID // messages only; uuid.Nil for events
}

// Enrich builds the activity as stored and delivered (§5.4), in Hubster's member order. isEcho is
// true only on the sender's echo copy.
func Enrich(a Activity, s Stamp, sender, recipient store.HubIntegration, c store.HubConversation, isEcho bool) Out {
	var o Out
	o.Add("type", a.Type)
	o.Add("eventTrigger", Trigger(a.Type, sender.Kind))
	o.Add("eventId", s.EventID)
	if a.ExternalID != nil {
		o.Add("externalId", *a.ExternalID)
	}
	o.Add("isEcho", isEcho)
	if a.Type == TypeMessage {
		o.Add("interactionId", s.InteractionID.String())
	}
	o.Add("flowProcess", FlowProcess)
	o.Add("sender", Party(sender, c))
	o.Add("recipient", Party(recipient, c))
	if a.Type == TypeMessage {
		o.Add("message", a.Message.Body)
	} else {
		o.Add("event", a.Event.Body)
	}
	return o
}

// Webhook is one POST to make: to whom, the exact body, the headers besides the signature, and
// the key that signs it.
type Webhook struct {
	To      store.HubIntegration
	Body    []byte
	Headers map[string]string
}

// SignatureHeader carries the HMAC-SHA256 signature of a webhook body (§7.4).
const SignatureHeader = "x-hubster-signature"

// Webhooks plans the deliveries of an accepted activity (§7.3, §7.5, §7.6): the recipient, when
// active with a webhookUrl; the sender's echo copy, when its configuration asks for echoes and it
// has a webhookUrl; one copy per matching System integration. activity is the stored activity, echo
// the sender's copy. Integrations without a webhookUrl poll instead.
func Webhooks(r Route, sender store.HubIntegration, c store.HubConversation, tenant uuid.UUID, activity, echo Out) ([]Webhook, error) {
	var out []Webhook
	add := func(to store.HubIntegration, key string, value any) error {
		body, err := webhookBody(to, c, tenant, key, value)
		if err != nil {
			return err
		}
		out = append(out, Webhook{To: to, Body: body, Headers: webhookHeaders(to, c)})
		return nil
	}
	if r.Recipient.WebhookURL != "" && r.Recipient.StatusID == IntegrationActive {
		if err := add(r.Recipient, "activity", activity); err != nil {
			return nil, err
		}
	}
	if r.Echo && sender.WebhookURL != "" {
		if err := add(sender, "activity", echo); err != nil {
			return nil, err
		}
	}
	for _, sys := range r.Systems {
		if sys.WebhookURL == "" {
			continue
		}
		if err := add(sys, "activities", []Out{activity}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// webhookBody is DirectOutboundDataModel (or SystemOutboundDataModel, with activities): integrationId
// is the integration called, like x-integration-id.
func webhookBody(to store.HubIntegration, c store.HubConversation, tenant uuid.UUID, key string, value any) ([]byte, error) {
	var o Out
	o.Add("hubId", c.HubID.String())
	o.Add("tenantId", tenant.String())
	o.Add("integrationId", to.ID.String())
	o.Add("conversationId", c.ID.String())
	o.Add("conversationProperties", Properties(c))
	o.Add(key, value)
	return Marshal(o)
}

func webhookHeaders(to store.HubIntegration, c store.HubConversation) map[string]string {
	return map[string]string{
		"Content-Type":         "application/json; charset=utf-8",
		"x-source-system":      SourceSystem,
		"x-hub-id":             c.HubID.String(),
		"x-conversation-id":    c.ID.String(),
		"x-integration-id":     to.ID.String(),
		"x-hubster-public-key": to.PublicKey,
	}
}

// Properties is a conversation's properties as sent: profile, then additional (keys sorted).
func Properties(c store.HubConversation) Out {
	var o Out
	o.Add("profile", nonNil(c.Profile))
	o.Add("additional", nonNil(c.Additional))
	return o
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
