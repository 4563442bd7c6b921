package hubrules

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
)

var (
	hubID   = uuid.MustParse("00000000-0000-0000-0000-0000000000a1")
	otherID = uuid.MustParse("00000000-0000-0000-0000-0000000000a2")
	tenant  = uuid.MustParse("00000000-0000-0000-0000-000000000001")
)

func integ(kind string, seq int64, mods ...func(*store.HubIntegration)) store.HubIntegration {
	in := store.HubIntegration{ID: uuid.New(), HubID: hubID, Seq: seq, Kind: kind, Channel: ChannelDirect, StatusID: IntegrationActive,
		WebhookURL: "https://example.com/" + kind, PublicKey: "PUB" + kind, PrivateKey: "PRIV" + kind}
	if kind == System {
		in.Channel = ChannelSystem
	}
	for _, m := range mods {
		m(&in)
	}
	return in
}

func paused(in *store.HubIntegration)    { in.StatusID = IntegrationPaused }
func noWebhook(in *store.HubIntegration) { in.WebhookURL = "" }
func echoes(in *store.HubIntegration)    { in.Echo = true }
func events(f ...string) func(*store.HubIntegration) {
	return func(in *store.HubIntegration) { in.Events = f }
}

func msg(t *testing.T, body string) Activity {
	t.Helper()
	a, err := ParseActivity(Body{ContentType: "application/json", Raw: []byte(body)}, false)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func withSender(a Activity, id uuid.UUID) Activity {
	a.SenderID = &id
	return a
}

func wantCode(t *testing.T, what string, err error, code Code) {
	t.Helper()
	if got := codesOf(err); !slices.Equal(got, []Code{code}) {
		t.Errorf("%s: %v, want %s", what, err, code)
	}
}

func TestCheckConversation(t *testing.T) {
	now := time.Date(2030, 1, 10, 0, 0, 0, 0, time.UTC)
	c := store.HubConversation{ID: uuid.New(), LastActivityAt: now.Add(-48 * time.Hour)}
	active := store.Hub{ID: hubID, StatusID: HubActive}
	if err := CheckConversation(c, active, now); err != nil {
		t.Errorf("open conversation: %v", err)
	}
	dormant := active
	dormant.CloseDormantDays = 2
	wantCode(t, "dormant exactly 2 days", CheckConversation(c, dormant, now), EngNotAvailable)
	if err := CheckConversation(c, dormant, now.Add(-time.Second)); err != nil {
		t.Errorf("a second before closing: %v", err)
	}
	closed := c
	closed.ClosedAt = &now
	wantCode(t, "closed", CheckConversation(closed, active, now), EngNotAvailable)
	for _, st := range []int{HubPaused, HubCanceled} {
		h := active
		h.StatusID = st
		wantCode(t, "hub not active", CheckConversation(c, h, now), EngConversationPaused)
	}
}

func TestResolveSender(t *testing.T) {
	customer := integ(Customer, 1)
	agent := integ(Agent, 2)
	bot := integ(Bot, 3)
	sys := integ(System, 4)
	otherCustomer := integ(Customer, 5)
	foreign := integ(Agent, 6, func(in *store.HubIntegration) { in.HubID = otherID })
	pausedAgent := integ(Agent, 7, paused)
	a := msg(t, `{"message":{"type":"text","text":"hi"}}`)

	cases := []struct {
		name     string
		act      Activity
		named    *store.HubIntegration
		customer store.HubIntegration
		business bool
		want     uuid.UUID
		code     Code
	}{
		{name: "absent: the customer", act: a, customer: customer, want: customer.ID},
		{name: "the conversation's own customer", act: withSender(a, customer.ID), customer: customer, want: customer.ID},
		{name: "an agent of the hub", act: withSender(a, agent.ID), named: &agent, customer: customer, want: agent.ID},
		{name: "a bot on the business path", act: withSender(a, bot.ID), named: &bot, customer: customer, business: true, want: bot.ID},
		{name: "unknown integration", act: withSender(a, uuid.New()), customer: customer, code: EngIntegrationUnknown},
		{name: "another hub's agent", act: withSender(a, foreign.ID), named: &foreign, customer: customer, code: EngIntegrationUnknown},
		{name: "a System integration", act: withSender(a, sys.ID), named: &sys, customer: customer, code: EngNotAllowed},
		{name: "another customer integration", act: withSender(a, otherCustomer.ID), named: &otherCustomer, customer: customer, code: EngForbidden},
		{name: "the customer on the business path", act: withSender(a, customer.ID), customer: customer, business: true, code: EngNotAllowed},
		{name: "a paused agent", act: withSender(a, pausedAgent.ID), named: &pausedAgent, customer: customer, code: EngIntegrationOff},
		{name: "a paused customer integration", act: a, customer: integ(Customer, 1, paused), code: EngIntegrationOff},
	}
	for _, c := range cases {
		got, err := ResolveSender(c.act, c.customer, c.named, c.business)
		if c.code != "" {
			wantCode(t, c.name, err, c.code)
			continue
		}
		if err != nil || got.ID != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got.ID, err, c.want)
		}
	}
}

func TestCheckRole(t *testing.T) {
	customer, agent, bot := integ(Customer, 1), integ(Agent, 2), integ(Bot, 3)
	carousel := msg(t, `{"message":{"type":"carousel","items":[{"title":"a"}]}}`)
	list := msg(t, `{"message":{"type":"list","items":[{"title":"a"}]}}`)
	wantCode(t, "customer carousel", CheckRole(carousel, customer), EngNotAllowed)
	wantCode(t, "customer list", CheckRole(list, customer), EngNotAllowed)
	if err := CheckRole(carousel, bot); err != nil {
		t.Errorf("bot carousel: %v", err)
	}
	bare := msg(t, `{"message":{"type":"text","text":" :: "}}`)
	cmd := msg(t, `{"message":{"type":"text","text":"::transfer sales"}}`)
	wantCode(t, "agent '::'", CheckRole(bare, agent), EngNoCommand)
	wantCode(t, "bot '::transfer'", CheckRole(cmd, bot), EngNoCommands)
	if err := CheckRole(cmd, customer); err != nil {
		t.Errorf("a customer's '::' is plain text: %v", err)
	}
	if err := CheckRole(msg(t, `{"event":{"type":"seen"}}`), customer); err != nil {
		t.Errorf("event: %v", err)
	}
}

func TestRouting(t *testing.T) {
	customer := integ(Customer, 1)
	agent := integ(Agent, 2)
	bot := integ(Bot, 3)
	bot2 := integ(Bot, 4)
	sysAll := integ(System, 5, events("message"))
	sysAgent := integ(System, 6, events("message:agent", "message"))
	sysCustomer := integ(System, 7, events("message:customer"))
	sysPaused := integ(System, 8, events("message"), paused)
	all := []store.HubIntegration{customer, agent, bot, bot2, sysAll, sysAgent, sysCustomer, sysPaused}
	m := msg(t, `{"message":{"type":"text","text":"hi"}}`)
	e := msg(t, `{"event":{"type":"typing_on"}}`)
	ids := func(l []store.HubIntegration) []uuid.UUID {
		var out []uuid.UUID
		for _, in := range l {
			out = append(out, in.ID)
		}
		return out
	}

	cases := []struct {
		name      string
		act       Activity
		sender    store.HubIntegration
		active    *uuid.UUID
		hub       []store.HubIntegration
		recipient uuid.UUID
		takeover  bool
		systems   []uuid.UUID
		code      Code
	}{
		{name: "customer: the oldest active bot before agents", act: m, sender: customer, hub: all, recipient: bot.ID,
			systems: []uuid.UUID{sysAll.ID, sysAgent.ID, sysCustomer.ID}},
		{name: "customer: the agent that took over", act: m, sender: customer, active: &agent.ID, hub: all, recipient: agent.ID,
			systems: []uuid.UUID{sysAll.ID, sysAgent.ID, sysCustomer.ID}},
		{name: "customer: a paused active business falls back", act: m, sender: customer, active: &agent.ID,
			hub: []store.HubIntegration{customer, integ(Agent, 2, paused, func(in *store.HubIntegration) { in.ID = agent.ID }), bot2}, recipient: bot2.ID},
		{name: "customer: a deleted active business falls back", act: m, sender: customer, active: ptr(uuid.New()), hub: []store.HubIntegration{customer, agent}, recipient: agent.ID},
		{name: "customer: agents when there is no bot", act: m, sender: customer, hub: []store.HubIntegration{customer, agent, integ(Bot, 9, paused)}, recipient: agent.ID},
		{name: "customer: neither agent nor bot", act: m, sender: customer, hub: []store.HubIntegration{customer, sysAll}, code: EngNoBusiness},
		{name: "customer: only paused ones", act: m, sender: customer, hub: []store.HubIntegration{customer, integ(Agent, 2, paused)}, code: EngNoBusiness},
		{name: "customer event: no System copies", act: e, sender: customer, hub: all, recipient: bot.ID},
		{name: "agent: to the customer, takes over", act: m, sender: agent, active: &bot.ID, hub: all, recipient: customer.ID, takeover: true,
			systems: []uuid.UUID{sysAll.ID, sysAgent.ID}},
		{name: "bot already active: no takeover", act: m, sender: bot, active: &bot.ID, hub: all, recipient: customer.ID,
			systems: []uuid.UUID{sysAll.ID, sysAgent.ID}},
		{name: "agent event: no takeover", act: e, sender: agent, hub: all, recipient: customer.ID},
	}
	for _, c := range cases {
		r, err := Routing(c.act, c.sender, customer, c.active, c.hub)
		if c.code != "" {
			wantCode(t, c.name, err, c.code)
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if r.Recipient.ID != c.recipient || r.Takeover != c.takeover || !slices.Equal(ids(r.Systems), c.systems) {
			t.Errorf("%s: recipient %v takeover %v systems %v; want %v %v %v", c.name, r.Recipient.ID, r.Takeover, ids(r.Systems),
				c.recipient, c.takeover, c.systems)
		}
	}
	// sysAgent matches an agent's message through two filters but gets one copy (checked above).
	if r, _ := Routing(m, integ(Agent, 1, echoes), customer, nil, all); !r.Echo {
		t.Error("an echoing sender gets its echo")
	}
}

func ptr(id uuid.UUID) *uuid.UUID { return &id }

func TestNextEventID(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_123)
	if got := NextEventID(now, 0); got != 1_700_000_000_123 {
		t.Errorf("first: %d", got)
	}
	if got := NextEventID(now, 1_700_000_000_123); got != 1_700_000_000_124 {
		t.Errorf("same millisecond: %d", got)
	}
	if got := NextEventID(now, 1_800_000_000_000); got != 1_800_000_000_001 {
		t.Errorf("clock behind: %d", got)
	}
}

func TestEnrichAndWebhooks(t *testing.T) {
	customer := integ(Customer, 1)
	bot := integ(Bot, 2, echoes)
	agentNoHook := integ(Agent, 3, noWebhook)
	sys := integ(System, 4, events("message"))
	conv := store.HubConversation{ID: uuid.MustParse("290e83ff-0ae1-4a62-ae8e-01759ad73ffd"), HubID: hubID, IntegrationID: customer.ID,
		TokenID: "9jP61d8EfmVgSnUtBZsMNw==", Profile: map[string]string{"device": "Direct"}}
	a := msg(t, `{"externalId":"x","message":{"type":"text","text":"hi"}}`)
	a.SenderID = &bot.ID
	stamp := Stamp{EventID: 1609281295385, InteractionID: uuid.MustParse("d645f70e-30e2-4649-938c-0176b0a3d41b")}
	act := Enrich(a, stamp, bot, customer, conv, false)
	got, _ := Marshal(act)
	want := `{"type":"message","eventTrigger":"message:bot","eventId":1609281295385,"externalId":"x","isEcho":false,` +
		`"interactionId":"d645f70e-30e2-4649-938c-0176b0a3d41b","flowProcess":"Default",` +
		`"sender":{"integrationId":"` + bot.ID.String() + `","integrationType":"Bot","channelType":"Direct","tokenId":"290e83ff-0ae1-4a62-ae8e-01759ad73ffd.` + bot.ID.String() + `"},` +
		`"recipient":{"integrationId":"` + customer.ID.String() + `","integrationType":"Customer","channelType":"Direct","tokenId":"9jP61d8EfmVgSnUtBZsMNw=="},` +
		`"message":{"type":"text","text":"hi"}}`
	if string(got) != want {
		t.Errorf("enriched\n got %s\nwant %s", got, want)
	}
	ev := msg(t, `{"event":{"type":"seen"}}`)
	evOut, _ := Marshal(Enrich(ev, Stamp{EventID: 5}, customer, bot, conv, true))
	var m map[string]any
	json.Unmarshal(evOut, &m)
	if _, ok := m["interactionId"]; ok || m["isEcho"] != true || m["eventTrigger"] != "event:customer" {
		t.Errorf("event: %s", evOut)
	}
	if _, ok := m["externalId"]; ok {
		t.Errorf("externalId without one sent: %s", evOut)
	}

	r := Route{Recipient: customer, Echo: true, Systems: []store.HubIntegration{sys}}
	hooks, err := Webhooks(r, bot, conv, tenant, act, Enrich(a, stamp, bot, customer, conv, true))
	if err != nil || len(hooks) != 3 {
		t.Fatalf("webhooks = %d, %v", len(hooks), err)
	}
	for i, to := range []store.HubIntegration{customer, bot, sys} {
		h := hooks[i]
		var body map[string]any
		if err := json.Unmarshal(h.Body, &body); err != nil {
			t.Fatal(err)
		}
		if h.To.ID != to.ID || body["integrationId"] != to.ID.String() || h.Headers["x-integration-id"] != to.ID.String() ||
			h.Headers["x-hubster-public-key"] != to.PublicKey || h.Headers["x-hub-id"] != hubID.String() ||
			h.Headers["x-conversation-id"] != conv.ID.String() || h.Headers["x-source-system"] != "engine.hubster.io" ||
			body["tenantId"] != tenant.String() || h.Headers["Content-Type"] != "application/json; charset=utf-8" {
			t.Errorf("webhook %d: %s %v", i, h.Body, h.Headers)
		}
	}
	if _, ok := jsonKeys(hooks[2].Body)["activities"]; !ok {
		t.Errorf("System webhook without activities: %s", hooks[2].Body)
	}
	if act := jsonKeys(hooks[1].Body)["activity"].(map[string]any); act["isEcho"] != true {
		t.Errorf("echo copy: %v", act)
	}
	// Without webhooks, nothing is sent: the integrations poll.
	r = Route{Recipient: agentNoHook, Echo: true}
	if hooks, _ := Webhooks(r, integ(Customer, 1, noWebhook), conv, tenant, act, act); len(hooks) != 0 {
		t.Errorf("webhook-less integrations got %d deliveries", len(hooks))
	}
	// An inactive recipient gets none.
	if hooks, _ := Webhooks(Route{Recipient: integ(Customer, 1, paused)}, bot, conv, tenant, act, act); len(hooks) != 0 {
		t.Errorf("a paused recipient got %d deliveries", len(hooks))
	}
}

func jsonKeys(b []byte) map[string]any {
	var m map[string]any
	json.Unmarshal(b, &m)
	return m
}
