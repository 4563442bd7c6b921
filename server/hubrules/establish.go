package hubrules

import (
	"encoding/json"
	"math/rand/v2"
	"strings"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
)

// MaxBinding is the longest binding accepted.
const MaxBinding = 200

// Establish is a validated establish request.
type Establish struct {
	IntegrationID uuid.UUID
	Binding       string
	Profile       map[string]string // as supplied (nil when not)
	Additional    map[string]string
}

// ParseEstablish validates an establish request body (§6.1) and reports every problem at once.
func ParseEstablish(b Body) (Establish, error) {
	obj, err := b.object(establishBody)
	if err != nil {
		return Establish{}, err
	}
	var e Establish
	var p problems
	switch v, ok := obj.Get("integrationId"); {
	case !ok:
		p.add(EngConvMissing, "Property 'integrationId' is required: the customer integration's id.")
	default:
		if id, ok := guidValue(v); ok {
			e.IntegrationID = id
		} else {
			p.add(EngConvBadGUID, "Property 'integrationId' must be a GUID (got %s).", clip(string(v)))
		}
	}
	switch v, ok := obj.Get("binding"); {
	case !ok:
		p.add(EngConvMissing, "Property 'binding' is required: your key for the end user.")
	default:
		s, isStr := asString(v)
		switch {
		case !isStr:
			p.add(EngValueUnsupported, "Property 'binding' must be a string, not %s.", kindName(kind(v)))
		case blank(s):
			p.add(EngConvMissing, "Property 'binding' is required (it is blank).")
		case len([]rune(s)) > MaxBinding || strings.ContainsRune(s, 0):
			p.add(EngValueUnsupported, "Property 'binding' must be at most %d characters, without NUL.", MaxBinding)
		default:
			e.Binding = s
		}
	}
	switch v, ok := obj.Get("channelType"); {
	case !ok:
		p.add(EngConvMissing, "Property 'channelType' is required: Direct.")
	case !directChannel(v):
		p.add(EngValueUnsupported, "Property 'channelType' does not support the value %s: conversations are established on the Direct channel (Direct, 1 or 2000).", clip(string(v)))
	}
	if v, ok := obj.Get("properties"); ok {
		props, isObj := asObject(v)
		if !isObj {
			p.add(EngValueUnsupported, "Property 'properties' must be an object with 'profile' and 'additional', not %s.", kindName(kind(v)))
		} else {
			e.Profile = stringMap(props, "profile", &p)
			e.Additional = stringMap(props, "additional", &p)
		}
	}
	if err := p.err(); err != nil {
		return Establish{}, err
	}
	return e, nil
}

// directChannel accepts "Direct" (any case), 1 and 2000 (CONV's number for Direct), as numbers or
// strings.
func directChannel(v json.RawMessage) bool {
	if n, ok := asInt(v); ok && n == 2000 {
		return true
	}
	if s, ok := asString(v); ok && strings.TrimSpace(s) == "2000" {
		return true
	}
	c, ok := channelTypes.value(v)
	return ok && c == ChannelDirect
}

func stringMap(props Object, name string, p *problems) map[string]string {
	v, ok := props.Get(name)
	if !ok {
		return nil
	}
	obj, isObj := asObject(v)
	if !isObj {
		p.add(EngValueUnsupported, "Property 'properties.%s' must be an object of strings, not %s.", name, kindName(kind(v)))
		return nil
	}
	out := make(map[string]string, len(obj))
	for _, f := range obj {
		if isNull(f.Value) {
			continue
		}
		s, isStr := asString(f.Value)
		if !isStr || strings.ContainsRune(s, 0) {
			p.add(EngValueUnsupported, "Property 'properties.%s.%s' must be a string.", name, clip(f.Name))
			continue
		}
		out[f.Name] = s
	}
	return out
}

// Profile keys Hubster fills in (Hubster.Abstractions ContactTypes).
const (
	ProfileDevice   = "device"
	ProfileFullName = "full name"
)

// MergeProperties writes the supplied keys over the stored ones (an existing conversation keeps the
// keys not supplied) and fills the defaults: profile.device "Direct", profile.full name a name from
// funName.
func MergeProperties(stored store.HubConversation, e Establish, funName func() string) (profile, additional map[string]string) {
	profile, additional = merge(stored.Profile, e.Profile), merge(stored.Additional, e.Additional)
	if _, ok := profile[ProfileDevice]; !ok {
		profile[ProfileDevice] = ChannelDirect
	}
	if _, ok := profile[ProfileFullName]; !ok {
		profile[ProfileFullName] = funName()
	}
	return profile, additional
}

func merge(base, over map[string]string) map[string]string {
	out := make(map[string]string, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

var (
	funAdjectives = []string{"Amber", "Brave", "Calm", "Daring", "Eager", "Fancy", "Gentle", "Happy", "Jolly", "Kind",
		"Lively", "Merry", "Nimble", "Proud", "Quick", "Swift", "Witty", "Zesty"}
	funAnimals = []string{"Badger", "Crane", "Dolphin", "Falcon", "Gecko", "Heron", "Ibis", "Koala", "Lynx", "Marten",
		"Narwhal", "Otter", "Panda", "Quokka", "Robin", "Seal", "Tapir", "Wombat"}
)

// FunName is a random name for a customer who gave none ("Brave Otter").
func FunName(rnd *rand.Rand) string {
	return funAdjectives[rnd.IntN(len(funAdjectives))] + " " + funAnimals[rnd.IntN(len(funAnimals))]
}

// CheckEstablish checks the integration a conversation is established on: a customer integration
// (403 ENG000110), active (ENG006502), in an active hub (ENG006503).
func CheckEstablish(in store.HubIntegration, h store.Hub) error {
	switch {
	case in.Kind != Customer:
		return Fail(EngNotAllowed, "Integration '%s' is a %s integration; conversations are established on a Customer integration.", in.ID, in.Kind)
	case in.StatusID != IntegrationActive:
		return Fail(EngIntegrationOff, "Integration '%s' is not active (statusId %d).", in.ID, in.StatusID)
	case h.StatusID != HubActive:
		return Fail(EngConversationPaused, "Hub '%s' is %s: no conversation can be established.", h.ID, hubStatusName(h.StatusID))
	}
	return nil
}
