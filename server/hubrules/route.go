package hubrules

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/textrule"
	"github.com/switchboard-dev/switchboard/store"
)

// Conversation state checks (steps 7–9 of the validation order).

// Closed reports whether a conversation is closed at now: closed explicitly, or dormant longer
// than its hub's closeDormantConversation days (when that is above 0).
func Closed(c store.HubConversation, h store.Hub, now time.Time) bool {
	if c.ClosedAt != nil {
		return true
	}
	return h.CloseDormantDays > 0 && !now.Before(DormantAt(c, h))
}

// DormantAt is when a conversation without further activity closes (meaningful when the hub's
// closeDormantConversation is above 0).
func DormantAt(c store.HubConversation, h store.Hub) time.Time {
	return c.LastActivityAt.Add(time.Duration(h.CloseDormantDays) * 24 * time.Hour)
}

// CheckConversation is steps 7 and 8: the conversation is open and its hub active.
func CheckConversation(c store.HubConversation, h store.Hub, now time.Time) error {
	if Closed(c, h, now) {
		return Fail(EngNotAvailable, "Conversation '%s' is closed; establish a new one.", c.ID)
	}
	if h.StatusID != HubActive {
		return Fail(EngConversationPaused, "Conversation '%s' is paused: its hub is %s.", c.ID, hubStatusName(h.StatusID))
	}
	return nil
}

func hubStatusName(id int) string {
	switch id {
	case HubCanceled:
		return "canceled"
	case HubPaused:
		return "paused"
	}
	return "not active"
}

// ResolveSender is step 9 and the sender part of step 10 (§4.2): who sends. named is the
// integration sender.integrationId names (nil when it names none of the tenant's), customer the
// conversation's customer integration. On the business path the sender must be an agent or a bot.
func ResolveSender(a Activity, customer store.HubIntegration, named *store.HubIntegration, business bool) (store.HubIntegration, error) {
	sender := customer
	if a.SenderID != nil && *a.SenderID != customer.ID {
		switch {
		case named == nil || named.HubID != customer.HubID:
			return store.HubIntegration{}, Fail(EngIntegrationUnknown, "Integration '%s' (sender.integrationId) does not exist in this conversation's hub.", *a.SenderID)
		case named.Kind == System:
			return store.HubIntegration{}, Fail(EngNotAllowed, "Integration '%s' is a System integration: it only receives activities.", named.ID)
		case named.Kind == Customer:
			return store.HubIntegration{}, Fail(EngForbidden, "Integration '%s' is the customer integration of other conversations, not of this one.", named.ID)
		}
		sender = *named
	}
	if business && !Business(sender.Kind) {
		return store.HubIntegration{}, Fail(EngNotAllowed, "The business path takes agents' and bots' activities; integration '%s' is a %s integration (use /inbound/customer/…).", sender.ID, sender.Kind)
	}
	if sender.StatusID != IntegrationActive {
		return store.HubIntegration{}, Fail(EngIntegrationOff, "Integration '%s' is not active (statusId %d).", sender.ID, sender.StatusID)
	}
	return sender, nil
}

// CheckRole is step 10: customers may not send carousels or lists; an agent's or bot's text
// starting with "::" is a command, and v1 has none.
func CheckRole(a Activity, sender store.HubIntegration) error {
	if a.Message == nil {
		return nil
	}
	if sender.Kind == Customer && BusinessOnly(a.Message.Type) {
		return Fail(EngNotAllowed, "A customer may not send a '%s' message; only agents and bots may.", a.Message.Type)
	}
	if text := textrule.Trim(a.Message.Text); Business(sender.Kind) && a.Message.Type == MsgText && strings.HasPrefix(text, "::") {
		if blank(strings.TrimPrefix(text, "::")) {
			return Fail(EngNoCommand, "The text '::' names no command.")
		}
		return Fail(EngNoCommands, "The text starts with '::', which sends a command, and this hub has no commands.")
	}
	return nil
}

// Route is where an activity goes (§7.1).
type Route struct {
	Recipient store.HubIntegration   // the primary recipient
	Takeover  bool                   // the sender becomes the conversation's active business integration
	Echo      bool                   // the sender gets a copy (isEcho)
	Systems   []store.HubIntegration // System integrations whose filter matches (messages only)
}

// Routing is step 11. hub lists the hub's integrations, oldest first. A customer's activity goes to
// the active business integration: the agent or bot that last spoke in the conversation if it is
// still active, else the hub's oldest active bot, else its oldest active agent (ENG005501 when the
// hub has none). An agent's or bot's goes to the customer, and an agent's or bot's message makes it
// the active business integration (takeover). Events do not take over: a typing indicator is not
// speaking.
func Routing(a Activity, sender, customer store.HubIntegration, active *uuid.UUID, hub []store.HubIntegration) (Route, error) {
	r := Route{Echo: sender.Echo}
	if sender.Kind == Customer {
		rec, ok := activeBusiness(active, hub)
		if !ok {
			return Route{}, Fail(EngNoBusiness, "Hub '%s' has no active agent or bot integration to receive the customer's activity.", sender.HubID)
		}
		r.Recipient = rec
	} else {
		r.Recipient = customer
		r.Takeover = a.Type == TypeMessage && (active == nil || *active != sender.ID)
	}
	if a.Type == TypeMessage {
		trigger := Trigger(a.Type, sender.Kind)
		for _, in := range hub {
			if in.Kind == System && in.StatusID == IntegrationActive && wants(in.Events, trigger) {
				r.Systems = append(r.Systems, in)
			}
		}
	}
	return r, nil
}

func activeBusiness(active *uuid.UUID, hub []store.HubIntegration) (store.HubIntegration, bool) {
	if active != nil {
		for _, in := range hub {
			if in.ID == *active && Business(in.Kind) && in.StatusID == IntegrationActive {
				return in, true
			}
		}
	}
	for _, kind := range []string{Bot, Agent} {
		for _, in := range hub {
			if in.Kind == kind && in.StatusID == IntegrationActive {
				return in, true
			}
		}
	}
	return store.HubIntegration{}, false
}

// Trigger is an activity's eventTrigger: "message:customer", "event:bot", ….
func Trigger(activityType, senderKind string) string {
	return activityType + ":" + strings.ToLower(senderKind)
}

// System event filters.
var systemEvents = []string{"message", "message:customer", "message:agent", "message:bot"}

// wants reports whether a System integration's filters match an event trigger: "message" matches
// every message, "message:agent" an agent's.
func wants(filters []string, trigger string) bool {
	for _, f := range filters {
		if f == trigger || f == TypeMessage && strings.HasPrefix(trigger, TypeMessage+":") {
			return true
		}
	}
	return false
}

// NextEventID is a new activity's eventId: Unix milliseconds at intake, or the conversation's
// last eventId + 1 when the clock has not moved past it (eventIds strictly increase per
// conversation, so that polling with leid never misses or repeats one).
func NextEventID(now time.Time, last int64) int64 {
	if ms := now.UnixMilli(); ms > last {
		return ms
	}
	return last + 1
}
