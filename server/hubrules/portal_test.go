package hubrules

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

func body(s string) Body { return Body{ContentType: "application/json", Raw: []byte(s)} }

func TestParseEstablish(t *testing.T) {
	const id = "00000000-0000-0000-0000-000000000020"
	cases := []struct {
		name, body string
		want       []Code
	}{
		{"camelCase", `{"integrationId":"` + id + `","binding":"u","channelType":"Direct","properties":{"profile":{"full name":"Ann"},"additional":{}}}`, nil},
		{"PascalCase from the .NET client", `{"IntegrationId":"` + id + `","Binding":"u","ChannelType":"direct","Properties":{"Profile":{"device":"Web"},"Additional":{}}}`, nil},
		{"channel 1", `{"integrationId":"` + id + `","binding":"u","channelType":1}`, nil},
		{"channel 2000", `{"integrationId":"` + id + `","binding":"u","channelType":2000}`, nil},
		{"channel \"2000\"", `{"integrationId":"` + id + `","binding":"u","channelType":"2000"}`, nil},
		{"no body", ``, []Code{EngConvBodyRequired}},
		{"not an object", `"x"`, []Code{EngConvBodyRequired}},
		{"empty object", `{}`, []Code{EngConvMissing, EngConvMissing, EngConvMissing}},
		{"bad GUID", `{"integrationId":"x","binding":"u","channelType":"Direct"}`, []Code{EngConvBadGUID}},
		{"blank binding", `{"integrationId":"` + id + `","binding":" ","channelType":"Direct"}`, []Code{EngConvMissing}},
		{"binding not a string", `{"integrationId":"` + id + `","binding":7,"channelType":"Direct"}`, []Code{EngValueUnsupported}},
		{"WebChat channel", `{"integrationId":"` + id + `","binding":"u","channelType":"WebChat"}`, []Code{EngValueUnsupported}},
		{"unknown channel", `{"integrationId":"` + id + `","binding":"u","channelType":"Pigeon"}`, []Code{EngValueUnsupported}},
		{"properties not an object", `{"integrationId":"` + id + `","binding":"u","channelType":"Direct","properties":[]}`, []Code{EngValueUnsupported}},
		{"profile value not a string", `{"integrationId":"` + id + `","binding":"u","channelType":"Direct","properties":{"profile":{"age":3}}}`, []Code{EngValueUnsupported}},
	}
	for _, c := range cases {
		_, err := ParseEstablish(body(c.body))
		if got := codesOf(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	e, _ := ParseEstablish(body(`{"IntegrationId":"` + id + `","Binding":"u","ChannelType":"Direct","Properties":{"Profile":{"email":"a@b"}}}`))
	rnd := rand.New(rand.NewPCG(1, 2))
	name := func() string { return FunName(rnd) }
	p, a := MergeProperties(store.HubConversation{Profile: map[string]string{"email": "old", "phone": "1"}}, e, name)
	if p["email"] != "a@b" || p["phone"] != "1" || p[ProfileDevice] != "Direct" || p[ProfileFullName] == "" || a == nil {
		t.Errorf("merged properties %v %v", p, a)
	}
	e.Profile = map[string]string{ProfileDevice: "Web", ProfileFullName: "Ann"}
	if p, _ := MergeProperties(store.HubConversation{}, e, name); p[ProfileDevice] != "Web" || p[ProfileFullName] != "Ann" {
		t.Errorf("supplied defaults overwritten: %v", p)
	}
}

func TestCheckEstablish(t *testing.T) {
	h := store.Hub{ID: hubID, StatusID: HubActive}
	if err := CheckEstablish(integ(Customer, 1), h); err != nil {
		t.Error(err)
	}
	wantCode(t, "agent", CheckEstablish(integ(Agent, 1), h), EngNotAllowed)
	wantCode(t, "paused customer", CheckEstablish(integ(Customer, 1, paused), h), EngIntegrationOff)
	h.StatusID = HubPaused
	wantCode(t, "paused hub", CheckEstablish(integ(Customer, 1), h), EngConversationPaused)
}

func TestParseHub(t *testing.T) {
	cases := []struct {
		name, body string
		create     bool
		want       []Code
	}{
		{"create", `{"name":"Support","description":"d","closeDormantConversation":3,"statusId":2002}`, true, nil},
		{"create PascalCase", `{"Name":"Support","Description":""}`, true, nil},
		{"create without name and description", `{"statusId":2000}`, true, []Code{PrtRequired, PrtRequired}},
		{"blank name", `{"name":" ","description":"d"}`, true, []Code{PrtRequired}},
		{"bad status", `{"name":"a","description":"d","statusId":1}`, true, []Code{PrtUnsupported}},
		{"negative dormancy", `{"name":"a","description":"d","closeDormantConversation":-1}`, true, []Code{PrtUnsupported}},
		{"dormancy as a string", `{"name":"a","description":"d","closeDormantConversation":"3"}`, true, []Code{PrtUnsupported}},
		{"name too long", `{"name":"` + repeat("n", MaxName+1) + `","description":"d"}`, true, []Code{PrtUnsupported}},
		{"update nothing", `{}`, false, nil},
		{"no body", ``, false, []Code{PrtBodyMissing}},
	}
	for _, c := range cases {
		_, err := ParseHub(body(c.body), c.create)
		if got := codesOf(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	in, _ := ParseHub(body(`{"description":"new","statusId":2001}`), false)
	h := in.Apply(store.Hub{Name: "keep", Description: "old", StatusID: HubActive, CloseDormantDays: 4})
	if h.Name != "keep" || h.Description != "new" || h.StatusID != HubCanceled || h.CloseDormantDays != 4 {
		t.Errorf("applied %+v", h)
	}
}

func repeat(s string, n int) string {
	b := make([]byte, 0, n*len(s))
	for i := 0; i < n; i++ {
		b = append(b, s...)
	}
	return string(b)
}

func TestParseIntegration(t *testing.T) {
	existingBot := integ(Bot, 1)
	existingSys := integ(System, 2, events("message"))
	cases := []struct {
		name, body string
		existing   *store.HubIntegration
		want       []Code
		kind       string
	}{
		{name: "Direct bot", body: `{"channelId":"Direct","name":"bot","configuration":{"integrationType":"Bot","echo":true,"webhookUrl":"https://b.example/h"}}`, kind: Bot},
		{name: "numbers for enums", body: `{"channelId":1,"name":"a","configuration":{"integrationType":3}}`, kind: Agent},
		{name: "PascalCase and any case", body: `{"ChannelId":"direct","Name":"c","Configuration":{"IntegrationType":"CUSTOMER","Echo":false,"Start":[{"type":"text","text":"hi"}]}}`, kind: Customer},
		{name: "System", body: `{"channelId":"System","name":"s","configuration":{"webhookUrl":"http://127.0.0.1:9/x","events":["message:customer","message:customer"]}}`, kind: System},
		{name: "nothing", body: `{}`, want: []Code{PrtRequired, PrtRequired, PrtRequired}},
		{name: "a connector channel", body: `{"channelId":"TwilioSMS","name":"t","configuration":{}}`, want: []Code{PrtNotImplemented}},
		{name: "an unknown channel", body: `{"channelId":"Fax","name":"t","configuration":{}}`, want: []Code{PrtUnsupported}},
		{name: "Direct without integrationType", body: `{"channelId":"Direct","name":"x","configuration":{}}`, want: []Code{PrtRequired}},
		{name: "Direct of type System", body: `{"channelId":"Direct","name":"x","configuration":{"integrationType":"System"}}`, want: []Code{PrtUnsupported}},
		{name: "bad webhook", body: `{"channelId":"Direct","name":"x","configuration":{"integrationType":"Bot","webhookUrl":"ftp://x"}}`, want: []Code{PrtUnsupported}},
		{name: "echo not a boolean", body: `{"channelId":"Direct","name":"x","configuration":{"integrationType":"Bot","echo":"yes"}}`, want: []Code{PrtUnsupported}},
		{name: "System without webhook and events", body: `{"channelId":"System","name":"x","configuration":{}}`, want: []Code{PrtRequired, PrtRequired}},
		{name: "System with no events", body: `{"channelId":"System","name":"x","configuration":{"webhookUrl":"https://x","events":[]}}`, want: []Code{PrtEmptyCollection}},
		{name: "System with a bad filter", body: `{"channelId":"System","name":"x","configuration":{"webhookUrl":"https://x","events":["event"]}}`, want: []Code{PrtUnsupported}},
		{name: "update status only", body: `{"statusId":3002}`, existing: &existingBot},
		{name: "update keeps the type", body: `{"configuration":{"echo":true}}`, existing: &existingBot, kind: Bot},
		{name: "update cannot change the type", body: `{"configuration":{"integrationType":"Agent"}}`, existing: &existingBot, want: []Code{PrtUnsupported}},
		{name: "update cannot change the channel", body: `{"channelId":"System"}`, existing: &existingBot, want: []Code{PrtUnsupported}},
		{name: "update a System integration", body: `{"configuration":{"webhookUrl":"https://y","events":["message:bot"],"regenerateKeys":true}}`, existing: &existingSys, kind: System},
		{name: "bad status", body: `{"statusId":2000}`, existing: &existingBot, want: []Code{PrtUnsupported}},
	}
	for _, c := range cases {
		in, err := ParseIntegration(body(c.body), c.existing)
		if got := codesOf(err); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
			continue
		}
		if c.kind != "" && (in.Config == nil || in.Config.Kind != c.kind) {
			t.Errorf("%s: config %+v, want kind %s", c.name, in.Config, c.kind)
		}
	}
	in, _ := ParseIntegration(body(`{"channelId":"System","name":"s","configuration":{"webhookUrl":"https://x","events":["message","message"]}}`), nil)
	if !slices.Equal(in.Config.Events, []string{"message"}) || in.Channel != ChannelSystem {
		t.Errorf("filters deduplicated: %+v", in)
	}
}

func TestParsePageAndQueries(t *testing.T) {
	for _, c := range []struct {
		number, size string
		want         []Code
		page         Page
	}{
		{"", "", nil, Page{0, 50}},
		{"2", "10", nil, Page{2, 10}},
		{"x", "", []Code{PrtBadNumber}, Page{}},
		{"-1", "", []Code{PrtNotNegative}, Page{}},
		{"", "0", []Code{PrtOutOfRange}, Page{}},
		{"", "101", []Code{PrtOutOfRange}, Page{}},
		{"a", "b", []Code{PrtBadNumber, PrtBadNumber}, Page{}},
	} {
		p, err := ParsePage(c.number, c.size)
		if got := codesOf(err); !slices.Equal(got, c.want) || err == nil && p != c.page {
			t.Errorf("%q %q: %+v %v", c.number, c.size, p, err)
		}
	}
	for _, c := range []struct {
		typ     string
		hasType bool
		leid    string
		want    []Code
		kind    string
	}{
		{"Customer", true, "", nil, Customer},
		{"agent", true, "17", nil, Agent},
		{"4", true, "0", nil, Bot},
		{"", false, "", []Code{EngQueryRequired}, ""},
		{"", true, "", []Code{EngQueryRequired}, ""},
		{"System", true, "", []Code{EngValueUnsupported}, ""},
		{"Hubster", true, "", []Code{EngValueUnsupported}, ""},
		{"Bot", true, "-1", []Code{EngNotNegative}, ""},
		{"Bot", true, "1.5", []Code{EngBadNumber}, ""},
	} {
		q, err := ParseActivityQuery(c.typ, c.hasType, c.leid)
		if got := codesOf(err); !slices.Equal(got, c.want) || err == nil && q.Kind != c.kind {
			t.Errorf("type %q leid %q: %+v %v", c.typ, c.leid, q, err)
		}
	}
	if ch, err := ParseChannelSegment("3"); err != nil || ch != ChannelSystem {
		t.Errorf("channel 3: %v %v", ch, err)
	}
	_, err := ParseChannelSegment("Slack")
	wantCode(t, "channel Slack", err, PrtUnsupported)
}
