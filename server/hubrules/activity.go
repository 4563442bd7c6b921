package hubrules

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Activity types.
const (
	TypeMessage = "message"
	TypeEvent   = "event"
)

// Activity is a Direct activity that passed the body, envelope and content checks (steps 4–6).
type Activity struct {
	Type       string     // TypeMessage or TypeEvent
	ExternalID *string    // as sent; nil when absent
	SenderID   *uuid.UUID // sender.integrationId; nil when absent
	Message    *Message   // when Type is TypeMessage
	Event      *Event     // when Type is TypeEvent
}

// Message is a validated message, normalized: camelCase keys, aliases resolved, unknown keys
// dropped.
type Message struct {
	Type string // text, image, …
	Text string // a text message's text (commands start with "::")
	Body Out
}

// Event is a validated event, normalized.
type Event struct {
	Type string // payload, seen, typing_on, typing_off
	Body Out
}

// Stored reports whether the activity goes into the conversation's history: messages and payload
// events (the other events are transient signals, relayed but not kept).
func (a Activity) Stored() bool {
	return a.Type == TypeMessage || a.Event.Type == EventPayload
}

// ParseActivity runs steps 4 to 6 of the validation order on a Direct request body: the body, then
// the envelope (type, nodes, externalId, sender), then the content of the message or event. The
// first failing step answers, with every error of that step. On the business path (business),
// sender.integrationId is required.
func ParseActivity(b Body, business bool) (Activity, error) {
	obj, err := b.object(directBody)
	if err != nil {
		return Activity{}, err
	}
	a, msg, evt, err := envelope(obj, business)
	if err != nil {
		return Activity{}, err
	}
	var p problems
	if a.Type == TypeMessage {
		a.Message = parseMessage(msg, "message", &p)
	} else {
		a.Event = parseEvent(evt, &p)
	}
	if err := p.err(); err != nil {
		return Activity{}, err
	}
	return a, nil
}

// envelope is step 5: type (inferred from the one node present when absent), the nodes,
// externalId, sender.
func envelope(obj Object, business bool) (a Activity, msg, evt json.RawMessage, err error) {
	var p problems
	msg, hasMsg := obj.Get("message")
	evt, hasEvt := obj.Get("event")
	typ, hasType := obj.Get("type")
	switch {
	case !hasType && hasMsg && hasEvt:
		p.add(EngOnlyOne, "Only one of 'message' and 'event' may be sent.")
	case !hasType && hasMsg:
		a.Type = TypeMessage
	case !hasType && hasEvt:
		a.Type = TypeEvent
	case !hasType:
		p.add(EngRequired, "Property 'type' is required (message or event), with the node of that name.")
	default:
		s, ok := asString(typ)
		switch {
		case !ok:
			p.add(EngUnsupported, "Property 'type' must be a string (message or event), not %s.", kindName(kind(typ)))
		case s == TypeMessage || s == TypeEvent:
			a.Type = s
		default:
			p.add(EngUnsupported, "Property 'type' does not support the value '%s' (message or event).", clip(s))
		}
		switch {
		case hasMsg && hasEvt:
			p.add(EngOnlyOne, "Only one of 'message' and 'event' may be sent.")
		case a.Type == TypeMessage && !hasMsg, a.Type == TypeEvent && !hasEvt:
			p.add(EngMessageOrEvent, "Property '%s' is required when 'type' is '%s'.", a.Type, a.Type)
		}
	}
	if v, ok := obj.Get("externalId"); ok {
		if s, isStr := asString(v); isStr {
			a.ExternalID = &s
		} else {
			p.add(EngUnsupported, "Property 'externalId' must be a string, not %s.", kindName(kind(v)))
		}
	}
	if v, ok := obj.Get("sender"); ok {
		if sender, isObj := asObject(v); !isObj {
			p.add(EngUnsupported, "Property 'sender' must be an object, not %s.", kindName(kind(v)))
		} else if id, ok := sender.Get("integrationId"); ok {
			if g, ok := guidValue(id); ok {
				a.SenderID = &g
			} else {
				p.add(EngBadGUID, "Property 'sender.integrationId' must be a GUID (got %s).", clip(string(id)))
			}
		}
	}
	if business && a.SenderID == nil && !hasProblem(p.list, EngBadGUID) {
		p.add(EngRequired, "Property 'sender.integrationId' is required on the business path: the agent's or bot's integration id.")
	}
	return a, msg, evt, p.err()
}

func hasProblem(ps []Problem, c Code) bool {
	for _, p := range ps {
		if p.Code == c {
			return true
		}
	}
	return false
}

// fields reads the members of one object of the body, checking their JSON types and copying the
// known ones into the normalized output in a fixed order.
type fields struct {
	obj  Object
	path string // "message", "message.items[0]", …
	p    *problems
	out  Out
}

func (f *fields) name(n string) string { return f.path + "." + n }

func (f *fields) unsupportedType(n string, v json.RawMessage, want string) {
	f.p.add(EngUnsupported, "Property '%s' must be %s, not %s.", f.name(n), want, kindName(kind(v)))
}

// str copies a string member; required reports 5001 when it is absent or blank.
func (f *fields) str(n string, required bool) (string, bool) {
	v, ok := f.obj.Get(n)
	if !ok {
		if required {
			f.p.add(EngRequired, "Property '%s' is required.", f.name(n))
		}
		return "", false
	}
	s, isStr := asString(v)
	switch {
	case !isStr:
		f.unsupportedType(n, v, "a string")
		return "", false
	case strings.ContainsRune(s, 0):
		f.p.add(EngUnsupported, "Property '%s' must not contain NUL characters.", f.name(n))
		return "", false
	case required && blank(s):
		f.p.add(EngRequired, "Property '%s' is required (it is blank).", f.name(n))
		return "", false
	}
	f.out.Add(n, s)
	return s, true
}

func (f *fields) strs(names ...string) {
	for _, n := range names {
		f.str(n, false)
	}
}

func (f *fields) integer(n string) {
	v, ok := f.obj.Get(n)
	if !ok {
		return
	}
	i, isInt := asInt(v)
	if !isInt || i < 0 {
		f.p.add(EngUnsupported, "Property '%s' must be a whole number of at least 0.", f.name(n))
		return
	}
	f.out.Add(n, i)
}

func (f *fields) boolean(n string) {
	v, ok := f.obj.Get(n)
	if !ok {
		return
	}
	b, isBool := asBool(v)
	if !isBool {
		f.unsupportedType(n, v, "a boolean")
		return
	}
	f.out.Add(n, b)
}

// array returns the elements of an array member; absent and [] give none.
func (f *fields) array(n string) ([]json.RawMessage, bool) {
	v, ok := f.obj.Get(n)
	if !ok {
		return nil, false
	}
	items, isArr := asArray(v)
	if !isArr {
		f.unsupportedType(n, v, "an array")
		return nil, false
	}
	return items, true
}

// channels copies `channels` through unchecked (it must be an array).
func (f *fields) channels() {
	if items, ok := f.array("channels"); ok {
		out := make([]json.RawMessage, len(items))
		for i, it := range items {
			out[i] = compact(it)
		}
		f.out.Add("channels", out)
	}
}

// child returns the reader of an object element, or reports it is not one.
func (f *fields) child(path string, v json.RawMessage) (*fields, bool) {
	o, ok := asObject(v)
	if !ok {
		f.p.add(EngUnsupported, "Property '%s' must be an object, not %s.", path, kindName(kind(v)))
		return nil, false
	}
	return &fields{obj: o, path: path, p: f.p}, true
}

// elementPath is "message.items[2]".
func elementPath(path, name string, i int) string { return fmt.Sprintf("%s.%s[%d]", path, name, i) }
