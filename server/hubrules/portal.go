package hubrules

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	"github.com/switchboard-dev/switchboard/store"
)

// Limits of portal fields.
const (
	MaxName        = 200
	MaxDescription = 1000
	MaxURL         = 2048
	MaxDormantDays = 36500
)

// HubInput is a validated hub body: the fields sent.
type HubInput struct {
	Name, Description *string
	CloseDormantDays  *int
	StatusID          *int
}

// ParseHub validates a hub body; on create name and description are required.
func ParseHub(b Body, create bool) (HubInput, error) {
	obj, err := b.object(portalBody)
	if err != nil {
		return HubInput{}, err
	}
	var in HubInput
	var p problems
	in.Name = portalText(obj, "name", MaxName, create, true, &p)
	in.Description = portalText(obj, "description", MaxDescription, create, false, &p)
	in.CloseDormantDays = portalInt(obj, "closeDormantConversation", &p, func(n int) bool { return n >= 0 && n <= MaxDormantDays })
	in.StatusID = portalInt(obj, "statusId", &p, func(n int) bool { return n == HubActive || n == HubCanceled || n == HubPaused })
	return in, p.err()
}

// Apply writes the fields sent over h.
func (in HubInput) Apply(h store.Hub) store.Hub {
	if in.Name != nil {
		h.Name = *in.Name
	}
	if in.Description != nil {
		h.Description = *in.Description
	}
	if in.CloseDormantDays != nil {
		h.CloseDormantDays = *in.CloseDormantDays
	}
	if in.StatusID != nil {
		h.StatusID = *in.StatusID
	}
	if h.StatusID == 0 {
		h.StatusID = HubActive
	}
	return h
}

func portalText(obj Object, name string, max int, required, nonBlank bool, p *problems) *string {
	v, ok := obj.Get(name)
	if !ok {
		if required {
			p.add(PrtRequired, "Property '%s' is required.", name)
		}
		return nil
	}
	s, isStr := asString(v)
	switch {
	case !isStr:
		p.add(PrtUnsupported, "Property '%s' must be a string, not %s.", name, kindName(kind(v)))
	case nonBlank && blank(s):
		p.add(PrtRequired, "Property '%s' is required (it is blank).", name)
	case len([]rune(s)) > max || strings.ContainsRune(s, 0):
		p.add(PrtUnsupported, "Property '%s' must be at most %d characters, without NUL.", name, max)
	default:
		return &s
	}
	return nil
}

func portalInt(obj Object, name string, p *problems, valid func(int) bool) *int {
	v, ok := obj.Get(name)
	if !ok {
		return nil
	}
	n, isInt := asInt(v)
	if !isInt || n < -1<<31 || n > 1<<31-1 || !valid(int(n)) {
		p.add(PrtUnsupported, "Value %s is not valid for property '%s'.", clip(string(v)), name)
		return nil
	}
	i := int(n)
	return &i
}

// Config is an integration's validated configuration.
type Config struct {
	Kind           string // Customer, Agent, Bot (Direct); System
	Echo           bool
	WebhookURL     string
	Events         []string        // System filters, deduplicated
	Start          json.RawMessage // Direct welcome messages, stored as sent (nil when absent)
	RegenerateKeys bool
}

// IntegrationInput is a validated integration body: the fields sent.
type IntegrationInput struct {
	Channel  string // Direct or System; on update the existing channel
	Name     *string
	StatusID *int
	Config   *Config
}

// ParseIntegration validates an integration body. existing is nil on create (channelId, name and
// configuration are then required); on update the channel and the integration type cannot change.
func ParseIntegration(b Body, existing *store.HubIntegration) (IntegrationInput, error) {
	obj, err := b.object(portalBody)
	if err != nil {
		return IntegrationInput{}, err
	}
	create := existing == nil
	var in IntegrationInput
	var p problems
	switch v, ok := obj.Get("channelId"); {
	case !ok && create:
		p.add(PrtRequired, "Property 'channelId' is required (Direct or System).")
	case !ok:
		in.Channel = existing.Channel
	default:
		ch, known := channelTypes.value(v)
		switch {
		case !known:
			p.add(PrtUnsupported, "Property 'channelId' does not support the value %s (Direct or System).", clip(string(v)))
		case ch != ChannelDirect && ch != ChannelSystem:
			return IntegrationInput{}, Fail(PrtNotImplemented, "Channel '%s' is not implemented; use Direct or System.", ch)
		case !create && ch != existing.Channel:
			p.add(PrtUnsupported, "Property 'channelId' cannot change (the integration is %s).", existing.Channel)
		default:
			in.Channel = ch
		}
	}
	in.Name = portalText(obj, "name", MaxName, create, true, &p)
	in.StatusID = portalInt(obj, "statusId", &p, func(n int) bool {
		return n == IntegrationActive || n == IntegrationCanceled || n == IntegrationPaused
	})
	switch v, ok := obj.Get("configuration"); {
	case !ok && create:
		p.add(PrtRequired, "Property 'configuration' is required.")
	case ok && in.Channel != "":
		in.Config = parseConfig(v, in.Channel, existing, &p)
	}
	return in, p.err()
}

func parseConfig(v json.RawMessage, channel string, existing *store.HubIntegration, p *problems) *Config {
	obj, ok := asObject(v)
	if !ok {
		p.add(PrtUnsupported, "Property 'configuration' must be an object, not %s.", kindName(kind(v)))
		return nil
	}
	c := &Config{Kind: System}
	if channel == ChannelDirect {
		switch t, ok := obj.Get("integrationType"); {
		case !ok && existing == nil:
			p.add(PrtRequired, "Property 'configuration.integrationType' is required (Customer, Agent or Bot).")
		case !ok:
			c.Kind = existing.Kind
		default:
			k, known := integrationTypes.value(t)
			switch {
			case !known || k != Customer && !Business(k):
				p.add(PrtUnsupported, "Property 'configuration.integrationType' does not support the value %s (Customer, Agent or Bot).", clip(string(t)))
			case existing != nil && k != existing.Kind:
				p.add(PrtUnsupported, "Property 'configuration.integrationType' cannot change (the integration is %s).", existing.Kind)
			default:
				c.Kind = k
			}
		}
		c.Echo = configBool(obj, "echo", p)
		if s, ok := obj.Get("start"); ok {
			if kind(s) != 'a' {
				p.add(PrtUnsupported, "Property 'configuration.start' must be an array of messages.")
			} else {
				c.Start = compact(s)
			}
		}
	}
	if u, ok := obj.Get("webhookUrl"); ok {
		s, isStr := asString(u)
		if !isStr || !webhookURL(s) {
			p.add(PrtUnsupported, "Property 'configuration.webhookUrl' must be an absolute http or https URL of at most %d characters (got %s).", MaxURL, clip(string(u)))
		} else {
			c.WebhookURL = s
		}
	} else if channel == ChannelSystem {
		p.add(PrtRequired, "Property 'configuration.webhookUrl' is required for a System integration.")
	}
	if channel == ChannelSystem {
		c.Events = systemFilters(obj, p)
	}
	c.RegenerateKeys = configBool(obj, "regenerateKeys", p)
	return c
}

func configBool(obj Object, name string, p *problems) bool {
	v, ok := obj.Get(name)
	if !ok {
		return false
	}
	b, isBool := asBool(v)
	if !isBool {
		p.add(PrtUnsupported, "Property 'configuration.%s' must be a boolean.", name)
	}
	return b
}

func webhookURL(s string) bool {
	if len(s) > MaxURL {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.User == nil
}

func systemFilters(obj Object, p *problems) []string {
	v, ok := obj.Get("events")
	if !ok {
		p.add(PrtRequired, "Property 'configuration.events' is required (%s).", strings.Join(systemEvents, ", "))
		return nil
	}
	items, isArr := asArray(v)
	switch {
	case !isArr:
		p.add(PrtUnsupported, "Property 'configuration.events' must be an array.")
		return nil
	case len(items) == 0:
		p.add(PrtEmptyCollection, "Property 'configuration.events' must hold one or more filters (%s).", strings.Join(systemEvents, ", "))
		return nil
	}
	var out []string
	for _, it := range items {
		s, isStr := asString(it)
		if !isStr || !oneOf(s, systemEvents) {
			p.add(PrtUnsupported, "Property 'configuration.events' does not support the value %s (%s).", clip(string(it)), strings.Join(systemEvents, ", "))
			continue
		}
		if !oneOf(s, out) {
			out = append(out, s)
		}
	}
	return out
}

// Page is a validated page request.
type Page struct{ Number, Size int }

// DefaultPageSize is the page size when none is asked for.
const DefaultPageSize = 50

// ParsePage reads pageNumber (≥ 0, default 0) and pageSize (1 to 100, default 50); "" is absent.
func ParsePage(number, size string) (Page, error) {
	pg := Page{Size: DefaultPageSize}
	var p problems
	if number != "" {
		n, err := strconv.Atoi(number)
		switch {
		case err != nil:
			p.add(PrtBadNumber, "Query parameter 'pageNumber' must be a whole number (got '%s').", clip(number))
		case n < 0:
			p.add(PrtNotNegative, "Query parameter 'pageNumber' must be greater than or equal to zero.")
		default:
			pg.Number = n
		}
	}
	if size != "" {
		n, err := strconv.Atoi(size)
		switch {
		case err != nil:
			p.add(PrtBadNumber, "Query parameter 'pageSize' must be a whole number (got '%s').", clip(size))
		case n < 1 || n > 100:
			p.add(PrtOutOfRange, "Value '%d' is not valid for query parameter 'pageSize' (1 to 100).", n)
		default:
			pg.Size = n
		}
	}
	return pg, p.err()
}

// ActivityQuery is a validated activities poll: the kind of integration, the last eventId seen.
type ActivityQuery struct {
	Kind string
	Leid int64
}

// ParseActivityQuery reads `type` (required: Customer, Agent, Bot, any case, or 2, 3, 4) and `leid`
// (a whole number ≥ 0, default 0); hasType says whether `type` was sent at all.
func ParseActivityQuery(typ string, hasType bool, leid string) (ActivityQuery, error) {
	var q ActivityQuery
	var p problems
	switch k, ok := ParseIntegrationKind(typ); {
	case !hasType || typ == "":
		p.add(EngQueryRequired, "Query parameter 'type' is required (Customer, Agent or Bot).")
	case !ok:
		p.add(EngValueUnsupported, "Query parameter 'type' does not support the value '%s' (Customer, Agent or Bot).", clip(typ))
	default:
		q.Kind = k
	}
	if leid != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(leid), 10, 64)
		switch {
		case err != nil:
			p.add(EngBadNumber, "Query parameter 'leid' must be a whole number (got '%s').", clip(leid))
		case n < 0:
			p.add(EngNotNegative, "Query parameter 'leid' must be greater than or equal to zero.")
		default:
			q.Leid = n
		}
	}
	return q, p.err()
}

// ParseChannelSegment reads the channel of listHubIntegrationsByChannel: Direct or System.
func ParseChannelSegment(s string) (string, error) {
	ch, ok := ParseChannel(s)
	if !ok || ch != ChannelDirect && ch != ChannelSystem {
		return "", Fail(PrtUnsupported, "Channel '%s' is not supported (Direct or System).", clip(s))
	}
	return ch, nil
}
