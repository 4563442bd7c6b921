package hubrules

import (
	"encoding/json"
	"strings"
)

// Event types (ACT; Hubster.Abstractions DirectEventType).
const (
	EventPayload   = "payload"
	EventSeen      = "seen"
	EventTypingOn  = "typing_on"
	EventTypingOff = "typing_off"
)

var eventTypes = []string{EventPayload, EventSeen, EventTypingOn, EventTypingOff}

// parseEvent validates an event: a payload event needs a payloadType and a payload object; the
// others carry nothing.
func parseEvent(v json.RawMessage, p *problems) *Event {
	f, ok := (&fields{p: p}).child("event", v)
	if !ok {
		return nil
	}
	t, ok := f.obj.Get("type")
	if !ok {
		p.add(EngRequired, "Property 'event.type' is required (%s).", strings.Join(eventTypes, ", "))
		return nil
	}
	typ, isStr := asString(t)
	if !isStr || !oneOf(typ, eventTypes) {
		p.add(EngUnsupported, "Property 'event.type' does not support the value %s (%s).", clip(string(t)), strings.Join(eventTypes, ", "))
		return nil
	}
	f.out.Add("type", typ)
	if typ == EventPayload {
		f.str("payloadType", true)
		switch v, ok := f.obj.Get("payload"); {
		case !ok:
			p.add(EngRequired, "Property 'event.payload' is required: a JSON object.")
		case kind(v) != 'o':
			f.unsupportedType("payload", v, "an object")
		default:
			f.out.Add("payload", compact(v))
		}
	}
	return &Event{Type: typ, Body: f.out}
}
