package hubrules

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Integration kinds (Hubster.Abstractions IntegrationType; the numbers are its values).
const (
	Customer = "Customer"
	Agent    = "Agent"
	Bot      = "Bot"
	System   = "System"
)

// Channels v1 builds (Hubster.Abstractions ChannelType).
const (
	ChannelDirect = "Direct"
	ChannelSystem = "System"
)

// Statuses (statusId).
const (
	HubActive   = 2000
	HubCanceled = 2001
	HubPaused   = 2002

	IntegrationActive   = 3000
	IntegrationCanceled = 3001
	IntegrationPaused   = 3002
)

// enum is a .NET enumeration as Json.NET's StringEnumConverter reads it: a member's name in any
// case, or its number (as a JSON number or a numeric string).
type enum struct {
	names   []string
	numbers []int
}

var (
	integrationTypes = enum{[]string{"None", "Hubster", Customer, Agent, Bot, System}, []int{0, 1, 2, 3, 4, 5}}
	channelTypes     = enum{
		[]string{"Hubster", ChannelDirect, "Bot", ChannelSystem, "Messenger", "TwilioSMS", "Line", "Telegram", "Kik", "WebChat", "Slack"},
		[]int{0, 1, 2, 3, 101, 102, 103, 104, 105, 106, 1001},
	}
)

// parse returns the member's canonical name.
func (e enum) parse(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.Atoi(s); err == nil {
		for i, x := range e.numbers {
			if x == n {
				return e.names[i], true
			}
		}
		return "", false
	}
	for _, name := range e.names {
		if strings.EqualFold(name, s) {
			return name, true
		}
	}
	return "", false
}

// value reads the member from a JSON string or number.
func (e enum) value(v json.RawMessage) (string, bool) {
	switch kind(v) {
	case 's':
		s, _ := asString(v)
		return e.parse(s)
	case 'n':
		if n, ok := asInt(v); ok {
			return e.parse(strconv.FormatInt(n, 10))
		}
	}
	return "", false
}

// ParseIntegrationKind reads Customer, Agent or Bot (any case, or 2, 3, 4): the kinds a
// conversation's activities are filtered by.
func ParseIntegrationKind(s string) (string, bool) {
	k, ok := integrationTypes.parse(s)
	if !ok || k != Customer && k != Agent && k != Bot {
		return "", false
	}
	return k, true
}

// ParseChannel reads a channel type's name or number.
func ParseChannel(s string) (string, bool) { return channelTypes.parse(s) }

// Business reports whether an integration kind is an agent or a bot.
func Business(kind string) bool { return kind == Agent || kind == Bot }
