package conformance

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
)

// hubScenarios are the Hub API's scenarios.
func hubScenarios() []Scenario {
	return []Scenario{
		{"hub: seed flow, bot reply, signed webhooks, interactions poll", hubSeedFlow},
		{"hub: agent takeover, echo and System copies", hubRouting},
		{"hub: webhook retries on the virtual clock", hubRetries},
		{"hub: Hubster's .NET client's bodies", hubDotnetClient},
		{"hub: tokens and audiences", hubTokens},
		{"hub: Direct checks in the reference's order", hubDirectChecks},
		{"hub: engine checks", hubEngineChecks},
		{"hub: portal hubs and integrations", hubPortal},
		{"hub: tenants are isolated", hubIsolation},
		{"hub: dormant conversations close", hubDormant},
		{"hub: rate limit per client", hubRateLimit},
		{"hub: route misses and CORS", hubRouteMisses},
		{"operator: Hub API clients and deliveries", operatorHub},
	}
}

// seedMessage and seedEvent are the seed's example body made concrete: its `type` written as one
// of `message | event`, with only the node of that type; the sender is the customer integration.
func seedMessage(customer string) string {
	return `{"externalId":"some-external-id","type":"message","sender":{"integrationId":"` + customer + `"},` +
		`"message":{"type":"text","text":"Hi there!"}}`
}

func seedEvent(customer string) string {
	return `{"externalId":"some-external-id","type":"event","sender":{"integrationId":"` + customer + `"},` +
		`"event":{"type":"payload","payloadType":"my.payload.01","payload":{"data1":"value1","data2":"value2","data3":"value3"}}}`
}

// seedVerbatim is the seed's example body as printed: `type` is "message | event" and both nodes
// are there.
const seedVerbatim = `{
    "externalId": "some-external-id",
    "type": "message | event",
    "sender": {
        "integrationId": "00000000-0000-0000-0000-000000000001"
    },
    "message": {
        "type": "text",
        "text": "Hi there!"
    },
    "event": {
        "type": "payload",
        "payloadType": "my.payload.01",
        "payload": {
            "data1": "value1",
            "data2": "value2",
            "data3": "value3"
        }
    }
}`

func customerPath(conv string) string { return "/inbound/customer/v1/direct/activity/" + conv }
func businessPath(conv string) string { return "/inbound/business/v1/direct/activity/" + conv }

func memberNames(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// hubSeedFlow: token → hub → customer and bot integrations with webhooks → establish → the seed's
// activity (both variants) → the bot's webhook, signed → the delivery in the operator API → the
// bot's reply on the business path → the customer's webhook → the interactions poll.
func hubSeedFlow(ctx context.Context, e *Env) error {
	h, r, err := newHubTenantWithReceiver(ctx, e)
	if err != nil {
		return err
	}
	defer r.close()
	hub := h.hub(ctx, "Support")
	customer := h.direct(ctx, hub, "Customer", "customer", r, "")
	bot := h.direct(ctx, hub, "Bot", "bot", r, "")
	conv := h.establish(ctx, customer, "jane")

	msg := h.engine(ctx, http.MethodPost, customerPath(conv), seedMessage(customer))
	if h.want("the seed's body, type message", msg, http.StatusOK) {
		m := msg.obj()
		e.Expect(slices.Equal(memberNames(m), []string{"conversationId", "eventId", "externalId", "hubId", "integrationId", "interactionId", "status"}),
			"message answer keys %v", memberNames(m))
		e.Expect(m["status"] == 200.0 && m["externalId"] == "some-external-id" && m["hubId"] == hub && m["conversationId"] == conv &&
			m["integrationId"] == customer, "message answer %s", msg.body)
	}
	got := r.await(ctx, e, "bot", 1)
	if len(got) > 0 {
		d := got[0]
		a := d.activity()
		e.Expect(d.Valid && d.Status == http.StatusOK, "the bot's webhook: signature valid %v, answered %d", d.Valid, d.Status)
		e.Expect(d.Header.Get("x-source-system") == "engine.hubster.io" && d.Header.Get("x-hub-id") == hub &&
			d.Header.Get("x-conversation-id") == conv && d.Header.Get("x-integration-id") == bot &&
			strings.HasPrefix(d.Header.Get("Content-Type"), "application/json"), "webhook headers %v", d.Header)
		e.Expect(d.JSON()["integrationId"] == bot && d.JSON()["tenantId"] == h.ID.String(), "webhook body %s", d.Body)
		e.Expect(a["eventTrigger"] == "message:customer" && a["interactionId"] == msg.str("interactionId") && a["isEcho"] == false &&
			a["externalId"] == "some-external-id" && a["flowProcess"] == "Default", "delivered activity %v", a)
		if m, ok := a["message"].(map[string]any); !ok || m["text"] != "Hi there!" {
			e.Failf("delivered message %v", a["message"])
		}
	}
	if ds := awaitDeliveries(ctx, e, h.ID, 1, 1); len(ds) == 1 {
		d := ds[0]
		e.Expect(d.State == adminapi.DeliveryStateDelivered && d.Attempts == 1 && d.LastStatus == 200 && d.Url == r.url("bot") &&
			d.Topic == "hub.activity", "the delivery %+v", d)
	}

	evt := h.engine(ctx, http.MethodPost, customerPath(conv), seedEvent(customer))
	if h.want("the seed's body, type event", evt, http.StatusOK) {
		m := evt.obj()
		_, has := m["interactionId"]
		e.Expect(!has && slices.Equal(memberNames(m), []string{"conversationId", "eventId", "externalId", "hubId", "integrationId", "status"}),
			"an event's answer has no interactionId: %s", evt.body)
		e.Expect(int64(m["eventId"].(float64)) > int64(msg.obj()["eventId"].(float64)), "eventIds increase: %s then %s", msg.body, evt.body)
	}
	if got := r.await(ctx, e, "bot", 2); len(got) > 1 {
		a := got[1].activity()
		_, has := a["interactionId"]
		ev, _ := a["event"].(map[string]any)
		p, _ := ev["payload"].(map[string]any)
		e.Expect(!has && a["eventTrigger"] == "event:customer" && ev["payloadType"] == "my.payload.01" && p["data2"] == "value2",
			"delivered event %v", a)
	}

	h.want("the seed's body verbatim", h.engine(ctx, http.MethodPost, customerPath(conv), seedVerbatim), http.StatusBadRequest,
		"ENG005002", "ENG005004")

	reply := h.engine(ctx, http.MethodPost, businessPath(conv),
		`{"sender":{"integrationId":"`+bot+`"},"type":"message","message":{"type":"text","text":"Hello, I am the bot."}}`)
	if h.want("the bot's reply", reply, http.StatusOK) {
		e.Expect(reply.str("integrationId") == bot, "reply answered for %s", reply.str("integrationId"))
	}
	if got := r.await(ctx, e, "customer", 1); len(got) > 0 {
		a := got[0].activity()
		rec, _ := a["recipient"].(map[string]any)
		e.Expect(got[0].Valid && a["eventTrigger"] == "message:bot" && rec["integrationId"] == customer && got[0].JSON()["integrationId"] == customer,
			"the customer's webhook: %s", got[0].Body)
	}

	poll := h.engine(ctx, http.MethodGet, "/api/v1/interactions/activities/"+conv+"?type=Customer&leid=0", "")
	var acts []map[string]any
	if h.want("listActivities", poll, http.StatusOK) && json.Unmarshal(poll.body, &acts) == nil {
		e.Expect(len(acts) == 3, "%d activities, want the message, the payload event and the reply", len(acts))
		for i := 1; i < len(acts); i++ {
			e.Expect(acts[i]["eventId"].(float64) > acts[i-1]["eventId"].(float64), "eventIds ascending: %v", acts)
		}
		if len(acts) == 3 {
			last := fmt.Sprint(int64(acts[2]["eventId"].(float64)))
			next := h.engine(ctx, http.MethodGet, "/api/v1/interactions/activities/"+conv+"?type=customer&leid="+last, "")
			e.Expect(next.status == http.StatusOK && strings.TrimSpace(string(next.body)) == "[]", "poll after the last: %s", next.body)
			mid := fmt.Sprint(int64(acts[0]["eventId"].(float64)))
			two := h.engine(ctx, http.MethodGet, "/api/v1/interactions/activities/"+conv+"?leid="+mid+"&type=4", "")
			e.Expect(two.status == http.StatusOK && strings.Count(string(two.body), `"eventId"`) == 2, "bot's activities after the first: %s", two.body)
		}
	}
	return nil
}

// hubRouting: the customer's first message goes to the bot (bot before agent); the agent's reply
// takes over; the customer's next message goes to the agent; the agent gets its echo; the System
// integration gets copies of the messages its filter names, not of events.
func hubRouting(ctx context.Context, e *Env) error {
	h, r, err := newHubTenantWithReceiver(ctx, e)
	if err != nil {
		return err
	}
	defer r.close()
	hub := h.hub(ctx, "Routing")
	customer := h.direct(ctx, hub, "Customer", "customer", r, "")
	agent := h.direct(ctx, hub, "Agent", "agent", r, `"echo":true`)
	bot := h.direct(ctx, hub, "Bot", "bot", r, "")
	sys := h.integration(ctx, hub, `{"channelId":"System","name":"audit","configuration":{"webhookUrl":"`+r.url("audit")+
		`","events":["message:customer","message:agent"]}}`)
	r.trust(sys)
	conv := h.establish(ctx, customer, "sam")
	say := func(path, sender, text string) {
		body := `{"type":"message","message":{"type":"text","text":"` + text + `"}}`
		if sender != "" {
			body = `{"sender":{"integrationId":"` + sender + `"},"message":{"type":"text","text":"` + text + `"}}`
		}
		h.want("say "+text, h.engine(ctx, http.MethodPost, path, body), http.StatusOK)
	}
	text := func(d delivered) string {
		m, _ := d.activity()["message"].(map[string]any)
		s, _ := m["text"].(string)
		return s
	}

	say(customerPath(conv), "", "first")
	r.await(ctx, e, "bot", 1)
	r.await(ctx, e, "audit", 1)
	say(businessPath(conv), agent, "agent here")
	r.await(ctx, e, "customer", 1)
	r.await(ctx, e, "agent", 1) // the echo
	r.await(ctx, e, "audit", 2)
	say(customerPath(conv), "", "second")
	r.await(ctx, e, "agent", 2) // taken over
	r.await(ctx, e, "audit", 3)
	say(businessPath(conv), bot, "bot again") // the bot speaks: it takes over again
	r.await(ctx, e, "customer", 2)
	h.want("typing", h.engine(ctx, http.MethodPost, customerPath(conv), `{"event":{"type":"typing_on"}}`), http.StatusOK)
	r.await(ctx, e, "bot", 2)

	bots, agents, customers, audits := r.to("bot"), r.to("agent"), r.to("customer"), r.to("audit")
	e.Expect(len(bots) == 2 && text(bots[0]) == "first" && bots[1].activity()["eventTrigger"] == "event:customer",
		"bot got %d: first message and the typing event", len(bots))
	if e.Expect(len(agents) == 2, "agent got %d", len(agents)) {
		echo := agents[0].activity()
		e.Expect(echo["isEcho"] == true && text(agents[0]) == "agent here" && agents[0].JSON()["integrationId"] == agent,
			"the agent's echo: %s", agents[0].Body)
		e.Expect(text(agents[1]) == "second" && agents[1].activity()["isEcho"] == false, "the customer's second message went to the agent")
	}
	e.Expect(len(customers) == 2 && text(customers[0]) == "agent here" && text(customers[1]) == "bot again", "customer got %d", len(customers))
	if e.Expect(len(audits) == 3, "System integration got %d copies, want the customer's two and the agent's message", len(audits)) {
		for i, want := range []string{"first", "agent here", "second"} {
			_, list := audits[i].JSON()["activities"].([]any)
			e.Expect(list && text(audits[i]) == want && audits[i].Valid, "System copy %d: %s", i, audits[i].Body)
		}
	}
	for _, d := range append(append(bots, agents...), customers...) {
		e.Expect(d.Valid, "a delivery to %s failed the signature check", d.Path)
	}
	return nil
}

// hubRetries: the bot's endpoint fails three times; each retry comes when the virtual clock
// reaches it (2, 4, 6 minutes after each failure), the fourth attempt succeeds, and every attempt
// sends the same bytes with the same signature. The operator sees the attempts and redelivers.
func hubRetries(ctx context.Context, e *Env) error {
	if !e.Virtual() {
		return e.Skip("needs a server started with --clock=virtual")
	}
	h, r, err := newHubTenantWithReceiver(ctx, e)
	if err != nil {
		return err
	}
	defer r.close()
	hub := h.hub(ctx, "Retries")
	customer := h.direct(ctx, hub, "Customer", "customer", nil, "")
	h.direct(ctx, hub, "Bot", "bot", r, "")
	conv := h.establish(ctx, customer, "rita")
	r.failNext("bot", 3)
	h.want("message", h.engine(ctx, http.MethodPost, customerPath(conv), `{"message":{"type":"text","text":"are you there?"}}`), http.StatusOK)
	r.await(ctx, e, "bot", 1)
	delivery := func(attempts int) adminapi.Delivery {
		if ds := awaitDeliveries(ctx, e, h.ID, 1, attempts); len(ds) == 1 {
			return ds[0]
		}
		return adminapi.Delivery{}
	}
	d := delivery(1)
	e.Expect(d.State == adminapi.DeliveryStatePending && d.Attempts == 1 && d.LastStatus == 500 && strings.Contains(d.LastError, "HTTP 500") &&
		d.LastAttemptAt != nil && d.NextAttemptAt.Sub(*d.LastAttemptAt).Minutes() == 2, "after the first failure: %+v", d)
	steps := []struct {
		seconds  int64
		requests int
	}{{119, 1}, {1, 2}, {4 * 60, 3}, {5 * 60, 3}, {60, 4}, {3600, 4}}
	for _, s := range steps {
		if _, err := advance(ctx, e, s.seconds); err != nil {
			return err
		}
		e.Expect(len(r.to("bot")) == s.requests, "after advancing %d s: %d attempts, want %d", s.seconds, len(r.to("bot")), s.requests)
	}
	got := r.to("bot")
	if e.Expect(len(got) == 4, "%d attempts", len(got)) {
		for i, g := range got {
			e.Expect(string(g.Body) == string(got[0].Body) && g.Signature == got[0].Signature && g.Valid, "attempt %d differs or is badly signed", i+1)
			e.Expect(g.Status == map[bool]int{true: 200, false: 500}[i == 3], "attempt %d answered %d", i+1, g.Status)
		}
	}
	d = delivery(4)
	e.Expect(d.State == adminapi.DeliveryStateDelivered && d.Attempts == 4 && d.LastStatus == 200 && d.LastError == "" && d.FinishedAt != nil,
		"after the fourth attempt: %+v", d)
	gd, err := e.Admin.GetDeliveryWithResponse(ctx, h.ID, d.Id)
	if err == nil && e.Expect(gd.JSON200 != nil, "getDelivery: %s", gd.Body) {
		e.Expect(gd.JSON200.Body == string(got[0].Body) && gd.JSON200.Signature == got[0].Signature &&
			gd.JSON200.Headers["x-hubster-signature"] == got[0].Signature, "getDelivery shows what was sent")
	}
	rd, err := e.Admin.RedeliverDeliveryWithResponse(ctx, h.ID, d.Id)
	if err == nil && e.Expect(rd.JSON200 != nil && rd.JSON200.Delivery.State == adminapi.DeliveryStatePending, "redeliver: %s", rd.Body) {
		again := r.await(ctx, e, "bot", 5)
		e.Expect(len(again) == 5 && string(again[4].Body) == string(got[0].Body) && again[4].Signature == got[0].Signature,
			"the redelivery sends the same bytes")
	}
	fl, err := e.Admin.ListDeliveriesWithResponse(ctx, h.ID, &adminapi.ListDeliveriesParams{State: ptr(adminapi.ListDeliveriesParamsStateFailed)})
	e.Expect(err == nil && fl.JSON200 != nil && len(fl.JSON200.Deliveries) == 0, "no failed deliveries: %s", fl.Body)
	return nil
}

// hubDotnetClient: the bodies Hubster's .NET client (hubsterio/dotnet-client) serialises with
// Json.NET: its models name the activity's members in camelCase (JsonProperty) but not the
// message's, which go out PascalCase, derived class first; once its events client has started,
// Json.NET's default settings turn camelCase on for everything. `type` is never sent; isEcho
// always is. Establish's request model has no JsonProperty at all.
func hubDotnetClient(ctx context.Context, e *Env) error {
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	hub := h.hub(ctx, "DotNet")
	customer := h.direct(ctx, hub, "Customer", "customer", nil, "")
	agent := h.direct(ctx, hub, "Agent", "agent", nil, "")
	est := h.engine(ctx, http.MethodPost, "/api/v1/conversations/establish",
		`{"IntegrationId":"`+customer+`","Binding":"alice","ChannelType":"Direct","Properties":{"Profile":{"device":"Web","full name":"alice"},"Additional":{}}}`)
	if !h.want("establish, PascalCase", est, http.StatusOK) {
		return nil
	}
	conv := est.str("conversationId")
	props, _ := est.obj()["properties"].(map[string]any)
	profile, _ := props["profile"].(map[string]any)
	e.Expect(est.obj()["isNew"] == true && profile["device"] == "Web" && profile["full name"] == "alice", "established %s", est.body)
	for _, body := range []string{
		`{"isEcho":false,"message":{"Text":"Hello from .NET","Type":"text"}}`,
		`{"isEcho":false,"message":{"text":"Hello again","type":"text"}}`,
	} {
		c := h.engine(ctx, http.MethodPost, customerPath(conv), body, "Origin: http://localhost")
		if h.want("customer text "+body, c, http.StatusOK) {
			e.Expect(c.str("interactionId") != "" && c.str("integrationId") == customer, "answer %s", c.body)
			e.Expect(c.header.Get("Access-Control-Allow-Origin") == "http://localhost", "CORS origin %q", c.header.Get("Access-Control-Allow-Origin"))
		}
	}
	for _, body := range []string{
		`{"isEcho":false,"sender":{"integrationId":"` + agent + `"},"message":{"Text":"Hi, this is the agent","Type":"text"}}`,
		`{"isEcho":false,"sender":{"integrationId":"` + strings.ToUpper(agent) + `"},"message":{"text":"still me","type":"text"}}`,
	} {
		c := h.engine(ctx, http.MethodPost, businessPath(conv), body)
		if h.want("agent reply "+body, c, http.StatusOK) {
			e.Expect(c.str("integrationId") == agent, "answer %s", c.body)
		}
	}
	h.want("an agent's activity without sender.integrationId on the business path",
		h.engine(ctx, http.MethodPost, businessPath(conv), `{"isEcho":false,"message":{"Text":"who am I","Type":"text"}}`),
		http.StatusBadRequest, "ENG005001")
	one := h.engine(ctx, http.MethodGet, "/api/v1/conversations/"+conv+"/established", "", "Content-Type: application/json")
	if h.want("getEstablishedConversation", one, http.StatusOK) {
		_, hasNew := one.obj()["isNew"]
		e.Expect(one.str("conversationId") == conv && one.str("hubId") == hub && !hasNew, "conversation %s", one.body)
	}
	all := h.engine(ctx, http.MethodGet, "/api/v1/conversations/hubs/"+hub+"/established", "")
	e.Expect(all.status == http.StatusOK && strings.Contains(string(all.body), conv), "listEstablishedConversations: %s", all.body)
	acts := h.engine(ctx, http.MethodGet, "/api/v1/interactions/activities/"+conv+"?leid=0&type=Agent", "")
	e.Expect(acts.status == http.StatusOK && strings.Count(string(acts.body), `"eventId"`) == 4, "the agent's activities: %s", acts.body)
	return nil
}

// hubTokens: the token endpoint's RFC 6749 errors, token audiences, replaced and revoked clients.
func hubTokens(ctx context.Context, e *Env) error {
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	form := func(v url.Values) hubCall {
		resp, b, err := e.Raw(ctx, http.MethodPost, "/hub/connect/token", "application/x-www-form-urlencoded", v.Encode())
		if err != nil {
			e.Failf("token: %v", err)
			return hubCall{}
		}
		return hubCall{status: resp.StatusCode, header: resp.Header, body: b}
	}
	oauth := func(what string, c hubCall, status int, code string) {
		var o struct {
			Error string `json:"error"`
		}
		json.Unmarshal(c.body, &o)
		e.Expect(c.status == status && o.Error == code, "%s: %d %s; want %d %s", what, c.status, c.body, status, code)
	}
	ok := form(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.PortalID}, "client_secret": {h.PortalSecret}})
	if e.Expect(ok.status == http.StatusOK, "token: %d %s", ok.status, ok.body) {
		m := ok.obj()
		e.Expect(slices.Equal(memberNames(m), []string{"access_token", "expires_in", "scope", "token_type"}) && m["token_type"] == "Bearer" &&
			m["expires_in"] == 2592000.0 && m["scope"] == "hubster-portal-api" && ok.header.Get("Cache-Control") == "no-store", "token %s", ok.body)
	}
	oauth("wrong secret", form(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.PortalID}, "client_secret": {"nope"}}), 401, "invalid_client")
	oauth("unknown client", form(url.Values{"grant_type": {"client_credentials"}, "client_id": {"hubster.engine.api." + strings.Repeat("0", 32)}, "client_secret": {"x"}}), 401, "invalid_client")
	oauth("not a Hub client id", form(url.Values{"grant_type": {"client_credentials"}, "client_id": {"someone"}, "client_secret": {"x"}}), 401, "invalid_client")
	oauth("password grant", form(url.Values{"grant_type": {"password"}, "client_id": {h.PortalID}, "client_secret": {h.PortalSecret}}), 400, "unsupported_grant_type")
	oauth("no secret", form(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.PortalID}}), 400, "invalid_request")
	resp, b, err := e.Raw(ctx, http.MethodPost, "/hub/connect/token", "application/json", `{"grant_type":"client_credentials"}`)
	if err == nil {
		oauth("a JSON body", hubCall{status: resp.StatusCode, body: b}, 400, "invalid_request")
	}
	// HTTP Basic (RFC 6749 §2.3.1): success, and a wrong secret answered with the Basic challenge.
	basic := func(id, secret string) hubCall {
		auth := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
		resp, b, err := e.Raw(ctx, http.MethodPost, "/hub/connect/token", "application/x-www-form-urlencoded", "grant_type=client_credentials", auth)
		if err != nil {
			e.Failf("token: %v", err)
			return hubCall{}
		}
		return hubCall{status: resp.StatusCode, header: resp.Header, body: b}
	}
	ok = basic(h.EngineID, h.EngineSecret)
	e.Expect(ok.status == http.StatusOK && ok.obj()["scope"] == "hubster-engine-api", "token with HTTP Basic: %d %s", ok.status, ok.body)
	wrong := basic(h.EngineID, "nope")
	oauth("HTTP Basic, wrong secret", wrong, 401, "invalid_client")
	e.Expect(wrong.header.Get("WWW-Authenticate") == `Basic realm="hub"`, "HTTP Basic, wrong secret: WWW-Authenticate %q", wrong.header.Get("WWW-Authenticate"))

	// One API per token; the Direct paths take both.
	hub := h.hub(ctx, "Tokens")
	customer := h.direct(ctx, hub, "Customer", "customer", nil, "")
	h.direct(ctx, hub, "Bot", "bot", nil, "")
	conv := h.establish(ctx, customer, "tom")
	h.want("an engine token on the portal", h.do(ctx, h.EngineToken, http.MethodGet, "/api/v1/hubs", ""), 401, "PRT000102")
	h.want("a portal token on the engine", h.do(ctx, h.PortalToken, http.MethodGet, "/api/v1/conversations/"+conv+"/established", ""), 401, "ENG000102")
	h.want("a portal token on the Direct path", h.do(ctx, h.PortalToken, http.MethodPost, customerPath(conv), `{"message":{"type":"text","text":"hi"}}`), 200)
	miss := h.do(ctx, "", http.MethodPost, customerPath(conv), `{"message":{"type":"text","text":"hi"}}`)
	h.want("no token", miss, 401, "ENG000102")
	e.Expect(strings.HasPrefix(miss.header.Get("WWW-Authenticate"), "Bearer"), "WWW-Authenticate %q", miss.header.Get("WWW-Authenticate"))
	h.want("a bad token", h.do(ctx, "eyJ.nope.x", http.MethodPost, customerPath(conv), `{"message":{"type":"text","text":"hi"}}`), 401, "ENG000102")
	h.want("Basic credentials", h.do(ctx, "", http.MethodGet, "/api/v1/hubs", "", "Authorization: Basic YTpi"), 401, "PRT000102")
	bot := h.direct(ctx, hub, "Agent", "agent", nil, "")
	for _, o := range hubOperations(hub, bot, conv) {
		code := "PRT000102"
		if o.engine {
			code = "ENG000102"
		}
		h.want(o.what+" without a token", h.do(ctx, "", o.method, o.path, o.body), 401, code)
	}

	// Issuing the engine client again replaces it: the old secret and tokens stop working.
	old := h.EngineToken
	r, err := e.Admin.IssueHubClientWithResponse(ctx, h.ID, adminapi.IssueHubClientRequest{Audience: adminapi.Engine})
	if err != nil || r.JSON201 == nil {
		return fmt.Errorf("issueHubClient: %v", err)
	}
	h.want("a replaced client's token", h.do(ctx, old, http.MethodGet, "/api/v1/conversations/"+conv+"/established", ""), 401, "ENG000102")
	oauth("a replaced client's secret", form(url.Values{"grant_type": {"client_credentials"}, "client_id": {h.EngineID}, "client_secret": {h.EngineSecret}}), 401, "invalid_client")
	fresh, err := h.token(ctx, r.JSON201.ClientId, r.JSON201.ClientSecret)
	if err != nil {
		return err
	}
	h.want("the new client's token", h.do(ctx, fresh, http.MethodGet, "/api/v1/conversations/"+conv+"/established", ""), 200)
	if _, err := e.Admin.RevokeHubClientWithResponse(ctx, h.ID, r.JSON201.ClientId); err != nil {
		return err
	}
	h.want("a revoked client's token", h.do(ctx, fresh, http.MethodGet, "/api/v1/conversations/"+conv+"/established", ""), 401, "ENG000102")
	return nil
}

// hubDirectChecks: every check of the Direct paths, in the reference's order, each with its code;
// refused activities store nothing.
func hubDirectChecks(ctx context.Context, e *Env) error {
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	hub := h.hub(ctx, "Checks")
	customer := h.direct(ctx, hub, "Customer", "customer", nil, "")
	other := h.direct(ctx, hub, "Customer", "other customer", nil, "")
	bot := h.direct(ctx, hub, "Bot", "bot", nil, "")
	sys := h.integration(ctx, hub, `{"channelId":"System","name":"audit","configuration":{"webhookUrl":"https://audit.example.com/h","events":["message"]}}`)
	sysID, _ := sys["integrationId"].(string)
	conv := h.establish(ctx, customer, "una")
	post := func(path, body string, headers ...string) hubCall {
		return h.engine(ctx, http.MethodPost, path, body, headers...)
	}
	text := `{"message":{"type":"text","text":"hi"}}`

	// Order: token before everything, then the path, then the body.
	h.want("no token, bad path, bad body", h.do(ctx, "", http.MethodPost, customerPath("nope"), "{"), 401, "ENG000102")
	h.want("bad path GUID before the body", post(customerPath("not-a-guid"), "{"), 400, "ENG005020")
	h.want("bad path GUID on the business path", post(businessPath("1234"), text), 400, "ENG005020")
	// The body.
	h.want("no body", post(customerPath(conv), ""), 400, "ENG005000")
	h.want("text/plain", post(customerPath(conv), text, "Content-Type: text/plain"), 400, "ENG005000")
	h.want("not JSON", post(customerPath(conv), `{"message":`), 400, "ENG005000")
	h.want("an array", post(customerPath(conv), `[]`), 400, "ENG005000")
	h.want("empty object", post(customerPath(conv), `{}`), 400, "ENG005023")
	big := `{"message":{"type":"text","text":"` + strings.Repeat("x", 256<<10) + `"}}`
	h.want("over 256 KiB", post(customerPath(conv), big), 400, "ENG005002")
	// The envelope.
	h.want("neither node nor type", post(customerPath(conv), `{"externalId":"x"}`), 400, "ENG005001")
	h.want("both nodes, no type", post(customerPath(conv), `{"message":{"type":"text","text":"a"},"event":{"type":"seen"}}`), 400, "ENG005004")
	h.want("type without its node", post(customerPath(conv), `{"type":"event","message":{"type":"text","text":"a"}}`), 400, "ENG005003")
	h.want("externalId a number", post(customerPath(conv), `{"externalId":7,"message":{"type":"text","text":"a"}}`), 400, "ENG005002")
	h.want("sender id not a GUID", post(customerPath(conv), `{"sender":{"integrationId":"abc"},"message":{"type":"text","text":"a"}}`), 400, "ENG005020")
	// The content: every problem of the step is listed.
	h.want("text without text", post(customerPath(conv), `{"message":{"type":"text"}}`), 400, "ENG005001")
	h.want("attachment without anything", post(customerPath(conv), `{"message":{"type":"attachment","size":"big"}}`), 400,
		"ENG005001", "ENG005001", "ENG005001", "ENG005002")
	h.want("carousel without items", post(businessPath(conv), `{"sender":{"integrationId":"`+bot+`"},"message":{"type":"carousel","items":[]}}`), 400, "ENG005015")
	h.want("bad latitude", post(customerPath(conv), `{"message":{"type":"location","latitude":"north","longitude":1}}`), 400, "ENG005021")
	h.want("location without place", post(customerPath(conv), `{"message":{"type":"location"}}`), 400, "ENG005024")
	h.want("event type unknown", post(customerPath(conv), `{"event":{"type":"clicked"}}`), 400, "ENG005002")
	// The conversation, the sender, the role.
	h.want("unknown conversation", post(customerPath(uuid.NewString()), text), 404, "ENG006500")
	h.want("unknown sender", post(customerPath(conv), `{"sender":{"integrationId":"`+uuid.NewString()+`"},"message":{"type":"text","text":"a"}}`), 404, "ENG006000")
	h.want("a System sender", post(customerPath(conv), `{"sender":{"integrationId":"`+sysID+`"},"message":{"type":"text","text":"a"}}`), 403, "ENG000110")
	h.want("another customer integration", post(customerPath(conv), `{"sender":{"integrationId":"`+other+`"},"message":{"type":"text","text":"a"}}`), 403, "ENG000101")
	h.want("the customer on the business path", post(businessPath(conv), `{"sender":{"integrationId":"`+customer+`"},"message":{"type":"text","text":"a"}}`), 403, "ENG000110")
	h.want("a customer's carousel", post(customerPath(conv), `{"message":{"type":"carousel","items":[{"title":"a"}]}}`), 403, "ENG000110")
	h.want("'::' without a command", post(businessPath(conv), `{"sender":{"integrationId":"`+bot+`"},"message":{"type":"text","text":"::"}}`), 400, "ENG009000")
	h.want("a command", post(businessPath(conv), `{"sender":{"integrationId":"`+bot+`"},"message":{"type":"text","text":"::transfer sales"}}`), 400, "ENG009201")
	h.want("a customer's '::' is text", post(customerPath(conv), `{"message":{"type":"text","text":"::)"}}`), 200)
	// Statuses of the sender, of the hub; a hub without agent or bot.
	h.want("pause the bot", h.portal(ctx, http.MethodPut, "/api/v1/integrations/"+bot, `{"statusId":3002}`), 200)
	h.want("a paused bot speaks", post(businessPath(conv), `{"sender":{"integrationId":"`+bot+`"},"message":{"type":"text","text":"a"}}`), 400, "ENG006502")
	h.want("no active agent or bot", post(customerPath(conv), text), 400, "ENG005501")
	h.want("pause the hub", h.portal(ctx, http.MethodPut, "/api/v1/hubs/"+hub, `{"statusId":2002}`), 200)
	h.want("a paused hub", post(customerPath(conv), text), 400, "ENG006503")
	h.want("a paused hub, business path", post(businessPath(conv), `{"sender":{"integrationId":"`+bot+`"},"message":{"type":"text","text":"a"}}`), 400, "ENG006503")

	acts := h.engine(ctx, http.MethodGet, "/api/v1/interactions/activities/"+conv+"?type=Customer", "")
	e.Expect(acts.status == 200 && strings.Count(string(acts.body), `"eventId"`) == 1, "only the one accepted activity is stored: %s", acts.body)
	return nil
}

// hubEngineChecks: establish's and the engine GETs' checks.
func hubEngineChecks(ctx context.Context, e *Env) error {
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	hub := h.hub(ctx, "Engine")
	customer := h.direct(ctx, hub, "Customer", "customer", nil, "")
	agent := h.direct(ctx, hub, "Agent", "agent", nil, "")
	est := func(body string) hubCall {
		return h.engine(ctx, http.MethodPost, "/api/v1/conversations/establish", body)
	}
	h.want("establish without a body", est(""), 400, "ENG003000")
	h.want("establish with {}", est(`{}`), 400, "ENG003001", "ENG003001", "ENG003001")
	h.want("establish with a bad GUID", est(`{"integrationId":"x","binding":"b","channelType":"Direct"}`), 400, "ENG003002")
	h.want("establish on WebChat", est(`{"integrationId":"`+customer+`","binding":"b","channelType":"WebChat"}`), 400, "ENG000206")
	h.want("establish on an unknown integration", est(`{"integrationId":"`+uuid.NewString()+`","binding":"b","channelType":"Direct"}`), 404, "ENG006000")
	h.want("establish on an agent", est(`{"integrationId":"`+agent+`","binding":"b","channelType":"Direct"}`), 403, "ENG000110")
	first := est(`{"integrationId":"` + customer + `","binding":"b","channelType":2000,"properties":{"profile":{"email":"b@example.com"}}}`)
	again := est(`{"integrationId":"` + customer + `","binding":"b","channelType":1}`)
	if h.want("establish", first, 200) && h.want("establish again", again, 200) {
		e.Expect(first.obj()["isNew"] == true && again.obj()["isNew"] == false && first.str("conversationId") == again.str("conversationId"),
			"find-or-create: %s then %s", first.body, again.body)
		props, _ := again.obj()["properties"].(map[string]any)
		profile, _ := props["profile"].(map[string]any)
		e.Expect(profile["email"] == "b@example.com" && profile["device"] == "Direct" && profile["full name"] != "", "properties %v", props)
	}
	conv := first.str("conversationId")
	h.want("pause the customer integration", h.portal(ctx, http.MethodPut, "/api/v1/integrations/"+customer, `{"statusId":3002}`), 200)
	h.want("establish on a paused integration", est(`{"integrationId":"`+customer+`","binding":"c","channelType":"Direct"}`), 400, "ENG006502")
	h.want("resume it", h.portal(ctx, http.MethodPut, "/api/v1/integrations/"+customer, `{"statusId":3000}`), 200)
	h.want("cancel the hub", h.portal(ctx, http.MethodPut, "/api/v1/hubs/"+hub, `{"statusId":2001}`), 200)
	h.want("establish in a canceled hub", est(`{"integrationId":"`+customer+`","binding":"c","channelType":"Direct"}`), 400, "ENG006503")

	get := func(path string) hubCall { return h.engine(ctx, http.MethodGet, path, "") }
	h.want("getEstablishedConversation, bad GUID", get("/api/v1/conversations/xyz/established"), 400, "ENG000203")
	h.want("getEstablishedConversation, unknown", get("/api/v1/conversations/"+uuid.NewString()+"/established"), 404, "ENG006500")
	h.want("listEstablishedConversations, bad GUID", get("/api/v1/conversations/hubs/xyz/established"), 400, "ENG000203")
	h.want("listEstablishedConversations, unknown hub", get("/api/v1/conversations/hubs/"+uuid.NewString()+"/established"), 404, "ENG005500")
	acts := "/api/v1/interactions/activities/" + conv
	h.want("listActivities, bad GUID", get("/api/v1/interactions/activities/xyz?type=Customer"), 400, "ENG000203")
	h.want("listActivities without type", get(acts), 400, "ENG000200")
	h.want("listActivities, type System", get(acts+"?type=System"), 400, "ENG000206")
	h.want("listActivities, leid -1", get(acts+"?type=Customer&leid=-1"), 400, "ENG000209")
	h.want("listActivities, leid x", get(acts+"?type=Customer&leid=x"), 400, "ENG000210")
	h.want("listActivities, unknown conversation", get("/api/v1/interactions/activities/"+uuid.NewString()+"?type=Bot"), 404, "ENG006500")
	h.want("listActivities", get(acts+"?type=customer"), 200)
	return nil
}

// hubPortal: hubs and integrations through the portal API.
func hubPortal(ctx context.Context, e *Env) error {
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	p := func(method, path, body string) hubCall { return h.portal(ctx, method, path, body) }
	h.want("createHub without fields", p(http.MethodPost, "/api/v1/hubs", `{"statusId":2000}`), 400, "PRT000301", "PRT000301")
	h.want("createHub, bad status", p(http.MethodPost, "/api/v1/hubs", `{"name":"a","description":"d","statusId":7}`), 400, "PRT000303")
	h.want("createHub without a body", p(http.MethodPost, "/api/v1/hubs", ""), 400, "PRT000300")
	hub := h.hub(ctx, "Main")
	h.want("createHub, name taken", p(http.MethodPost, "/api/v1/hubs", `{"Name":"Main","Description":"again"}`), 400, "PRT000600")
	second := h.hub(ctx, "Second")
	h.want("getHub", p(http.MethodGet, "/api/v1/hubs/"+hub, ""), 200)
	h.want("getHub, bad GUID", p(http.MethodGet, "/api/v1/hubs/12", ""), 400, "PRT000305")
	h.want("getHub, unknown", p(http.MethodGet, "/api/v1/hubs/"+uuid.NewString(), ""), 404, "PRT000699")
	upd := p(http.MethodPut, "/api/v1/hubs/"+hub, `{"description":"the main hub","closeDormantConversation":7}`)
	if h.want("updateHub", upd, 200) {
		e.Expect(upd.str("name") == "Main" && upd.str("description") == "the main hub" && upd.obj()["closeDormantConversation"] == 7.0, "updated %s", upd.body)
	}
	h.want("updateHub, bad GUID", p(http.MethodPut, "/api/v1/hubs/x", `{}`), 400, "PRT000305")
	h.want("updateHub, unknown", p(http.MethodPut, "/api/v1/hubs/"+uuid.NewString(), `{}`), 404, "PRT000699")
	h.want("updateHub, name taken", p(http.MethodPut, "/api/v1/hubs/"+second, `{"name":"Main"}`), 400, "PRT000600")
	page := p(http.MethodGet, "/api/v1/hubs?pageNumber=1&pageSize=1", "")
	if h.want("listHubs, page 2 of 1", page, 200) {
		m := page.obj()
		res, _ := m["results"].([]any)
		e.Expect(m["total"] == 2.0 && m["pageNumber"] == 1.0 && m["pageSize"] == 1.0 && len(res) == 1, "page %s", page.body)
	}
	h.want("listHubs, pageSize 0", p(http.MethodGet, "/api/v1/hubs?pageSize=0", ""), 400, "PRT000206")
	h.want("listHubs, pageNumber -1", p(http.MethodGet, "/api/v1/hubs?pageNumber=-1", ""), 400, "PRT000209")
	h.want("listHubs, pageNumber x", p(http.MethodGet, "/api/v1/hubs?pageNumber=x", ""), 400, "PRT000210")

	ci := func(hubID, body string) hubCall { return p(http.MethodPost, "/api/v1/integrations/hubs/"+hubID, body) }
	bot := ci(hub, `{"channelId":1,"name":"bot","configuration":{"integrationType":4,"echo":true,"webhookUrl":"https://bot.example.com/h","start":[{"type":"text","text":"hello"}]}}`)
	if !h.want("createIntegration", bot, 200) {
		return nil
	}
	botID := bot.str("integrationId")
	cfg, _ := bot.obj()["configuration"].(map[string]any)
	e.Expect(bot.str("integrationTypeId") == "Bot" && bot.str("channelId") == "Direct" && bot.obj()["statusId"] == 3000.0 &&
		len(cfg["publicSigningKey"].(string)) == 32 && len(cfg["privateSigningKey"].(string)) == 32 && cfg["echo"] == true, "bot %s", bot.body)
	h.want("createIntegration, nothing", ci(hub, `{}`), 400, "PRT000301", "PRT000301", "PRT000301")
	h.want("createIntegration, bad GUID", ci("x", `{}`), 400, "PRT000305")
	h.want("createIntegration, unknown hub", ci(uuid.NewString(), `{"channelId":"Direct","name":"x","configuration":{"integrationType":"Bot"}}`), 404, "PRT000699")
	h.want("createIntegration, name taken", ci(hub, `{"channelId":"Direct","name":"bot","configuration":{"integrationType":"Agent"}}`), 400, "PRT000700")
	announce := ExpectStatusHeader + ": 501"
	h.want("createIntegration, Slack", h.portal(ctx, http.MethodPost, "/api/v1/integrations/hubs/"+hub,
		`{"channelId":"Slack","name":"slack","configuration":{"code":"x"}}`, announce), 501, "PRT000103")
	h.want("createIntegration, TwilioSMS", h.portal(ctx, http.MethodPost, "/api/v1/integrations/hubs/"+hub,
		`{"channelId":102,"name":"sms","configuration":{}}`, announce), 501, "PRT000103")
	h.want("createIntegration, System without events", ci(hub, `{"channelId":"System","name":"sys","configuration":{"webhookUrl":"https://a.example/h"}}`), 400, "PRT000301")
	sys := ci(hub, `{"channelId":"System","name":"sys","configuration":{"webhookUrl":"https://a.example/h","events":["message"]}}`)
	h.want("createIntegration, System", sys, 200)
	h.direct(ctx, second, "Customer", "web", nil, "")

	h.want("getIntegration", p(http.MethodGet, "/api/v1/integrations/"+botID, ""), 200)
	h.want("getIntegration, bad GUID", p(http.MethodGet, "/api/v1/integrations/b", ""), 400, "PRT000305")
	h.want("getIntegration, unknown", p(http.MethodGet, "/api/v1/integrations/"+uuid.NewString(), ""), 404, "PRT000799")
	keysBefore := cfg["privateSigningKey"]
	up := p(http.MethodPut, "/api/v1/integrations/"+botID, `{"name":"support bot","configuration":{"echo":false,"regenerateKeys":true}}`)
	if h.want("updateIntegration", up, 200) {
		c, _ := up.obj()["configuration"].(map[string]any)
		_, hasURL := c["webhookUrl"]
		e.Expect(up.str("name") == "support bot" && c["privateSigningKey"] != keysBefore && c["echo"] == false && !hasURL && c["integrationType"] == "Bot",
			"the configuration is replaced whole: %s", up.body)
	}
	h.want("updateIntegration, bad GUID", p(http.MethodPut, "/api/v1/integrations/z", `{}`), 400, "PRT000305")
	h.want("updateIntegration, unknown", p(http.MethodPut, "/api/v1/integrations/"+uuid.NewString(), `{}`), 404, "PRT000799")
	h.want("updateIntegration, another type", p(http.MethodPut, "/api/v1/integrations/"+botID, `{"configuration":{"integrationType":"Agent"}}`), 400, "PRT000303")
	// Hubster's documented update: POST to the create path with the integration's id.
	post := ci(botID, `{"statusId":3002}`)
	e.Expect(post.status == 200 && post.str("integrationId") == botID && post.obj()["statusId"] == 3002.0, "POST naming the integration updates it: %s", post.body)

	list := p(http.MethodGet, "/api/v1/integrations?hubId="+hub+"&pageSize=100", "")
	if h.want("listIntegrations of a hub", list, 200) {
		e.Expect(list.obj()["total"] == 2.0, "listIntegrations: %s", list.body)
	}
	all := p(http.MethodGet, "/api/v1/integrations", "")
	e.Expect(all.status == 200 && all.obj()["total"] == 3.0, "listIntegrations: %s", all.body)
	h.want("listIntegrations, bad hubId", p(http.MethodGet, "/api/v1/integrations?hubId=1", ""), 400, "PRT000305")
	h.want("listIntegrations, unknown hub", p(http.MethodGet, "/api/v1/integrations?hubId="+uuid.NewString(), ""), 404, "PRT000699")
	byCh := p(http.MethodGet, "/api/v1/integrations/hubs/"+hub+"/System", "")
	e.Expect(byCh.status == 200 && strings.Count(string(byCh.body), `"integrationId"`) == 1 && strings.Contains(string(byCh.body), `"events":["message"]`),
		"System integrations: %s", byCh.body)
	byNum := p(http.MethodGet, "/api/v1/integrations/hubs/"+hub+"/1", "")
	e.Expect(byNum.status == 200 && strings.Contains(string(byNum.body), botID), "Direct (1) integrations: %s", byNum.body)
	h.want("by channel, bad GUID", p(http.MethodGet, "/api/v1/integrations/hubs/nope/Direct", ""), 400, "PRT000305")
	h.want("by channel, Slack", p(http.MethodGet, "/api/v1/integrations/hubs/"+hub+"/Slack", ""), 400, "PRT000303")
	h.want("by channel, unknown hub", p(http.MethodGet, "/api/v1/integrations/hubs/"+uuid.NewString()+"/Direct", ""), 404, "PRT000699")

	h.want("deleteIntegration", p(http.MethodDelete, "/api/v1/integrations/"+botID, ""), 200)
	h.want("deleteIntegration again", p(http.MethodDelete, "/api/v1/integrations/"+botID, ""), 404, "PRT000799")
	h.want("deleteIntegration, bad GUID", p(http.MethodDelete, "/api/v1/integrations/q", ""), 400, "PRT000305")
	h.want("getIntegration after delete", p(http.MethodGet, "/api/v1/integrations/"+botID, ""), 404, "PRT000799")
	h.want("deleteHub", p(http.MethodDelete, "/api/v1/hubs/"+second, ""), 200)
	h.want("deleteHub again", p(http.MethodDelete, "/api/v1/hubs/"+second, ""), 404, "PRT000699")
	h.want("deleteHub, bad GUID", p(http.MethodDelete, "/api/v1/hubs/q", ""), 400, "PRT000305")
	e.Expect(p(http.MethodGet, "/api/v1/integrations", "").obj()["total"] == 1.0, "deleting a hub deletes its integrations")
	return nil
}

// hubIsolation: another tenant's token gets 404 for every conversation, hub and integration id
// of this one, and cannot use this tenant's integrations as senders.
func hubIsolation(ctx context.Context, e *Env) error {
	a, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	b, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	hub := a.hub(ctx, "A's hub")
	customer := a.direct(ctx, hub, "Customer", "customer", nil, "")
	bot := a.direct(ctx, hub, "Bot", "bot", nil, "")
	conv := a.establish(ctx, customer, "alice")
	a.want("A's own message", a.engine(ctx, http.MethodPost, customerPath(conv), `{"message":{"type":"text","text":"hi"}}`), 200)
	text := `{"message":{"type":"text","text":"hi"}}`
	for _, c := range []struct {
		what, method, path, body, code string
		portal                         bool
	}{
		{"Direct customer path", http.MethodPost, customerPath(conv), text, "ENG006500", false},
		{"Direct business path", http.MethodPost, businessPath(conv), `{"sender":{"integrationId":"` + bot + `"},"message":{"type":"text","text":"x"}}`, "ENG006500", false},
		{"getEstablishedConversation", http.MethodGet, "/api/v1/conversations/" + conv + "/established", "", "ENG006500", false},
		{"listEstablishedConversations", http.MethodGet, "/api/v1/conversations/hubs/" + hub + "/established", "", "ENG005500", false},
		{"listActivities", http.MethodGet, "/api/v1/interactions/activities/" + conv + "?type=Customer", "", "ENG006500", false},
		{"establish on A's integration", http.MethodPost, "/api/v1/conversations/establish", `{"integrationId":"` + customer + `","binding":"x","channelType":"Direct"}`, "ENG006000", false},
		{"getHub", http.MethodGet, "/api/v1/hubs/" + hub, "", "PRT000699", true},
		{"updateHub", http.MethodPut, "/api/v1/hubs/" + hub, `{"name":"mine"}`, "PRT000699", true},
		{"deleteHub", http.MethodDelete, "/api/v1/hubs/" + hub, "", "PRT000699", true},
		{"createIntegration in A's hub", http.MethodPost, "/api/v1/integrations/hubs/" + hub, `{"channelId":"Direct","name":"x","configuration":{"integrationType":"Bot"}}`, "PRT000699", true},
		{"listHubIntegrationsByChannel", http.MethodGet, "/api/v1/integrations/hubs/" + hub + "/Direct", "", "PRT000699", true},
		{"listIntegrations of A's hub", http.MethodGet, "/api/v1/integrations?hubId=" + hub, "", "PRT000699", true},
		{"getIntegration", http.MethodGet, "/api/v1/integrations/" + bot, "", "PRT000799", true},
		{"updateIntegration", http.MethodPut, "/api/v1/integrations/" + bot, `{"statusId":3002}`, "PRT000799", true},
		{"deleteIntegration", http.MethodDelete, "/api/v1/integrations/" + bot, "", "PRT000799", true},
	} {
		tok := b.EngineToken
		if c.portal {
			tok = b.PortalToken
		}
		b.want("B: "+c.what, b.do(ctx, tok, c.method, c.path, c.body), http.StatusNotFound, c.code)
	}
	// B's own conversation cannot name A's bot as its sender.
	bHub := b.hub(ctx, "B's hub")
	bCustomer := b.direct(ctx, bHub, "Customer", "customer", nil, "")
	b.direct(ctx, bHub, "Agent", "agent", nil, "")
	bConv := b.establish(ctx, bCustomer, "bob")
	b.want("B names A's bot", b.engine(ctx, http.MethodPost, businessPath(bConv), `{"sender":{"integrationId":"`+bot+`"},"message":{"type":"text","text":"x"}}`),
		http.StatusNotFound, "ENG006000")
	b.want("B names A's conversation's customer", b.engine(ctx, http.MethodPost, customerPath(bConv), `{"sender":{"integrationId":"`+customer+`"},"message":{"type":"text","text":"x"}}`),
		http.StatusNotFound, "ENG006000")
	lh := b.portal(ctx, http.MethodGet, "/api/v1/hubs", "")
	e.Expect(lh.status == 200 && !strings.Contains(string(lh.body), hub), "B lists A's hub: %s", lh.body)
	li := b.portal(ctx, http.MethodGet, "/api/v1/integrations", "")
	e.Expect(li.status == 200 && !strings.Contains(string(li.body), bot), "B lists A's integrations: %s", li.body)
	a.want("A's hub is intact", a.portal(ctx, http.MethodGet, "/api/v1/hubs/"+hub, ""), 200)
	a.want("A's bot is intact", a.portal(ctx, http.MethodGet, "/api/v1/integrations/"+bot, ""), 200)
	ds, err := e.Admin.ListDeliveriesWithResponse(ctx, b.ID, &adminapi.ListDeliveriesParams{})
	e.Expect(err == nil && ds.JSON200 != nil && len(ds.JSON200.Deliveries) == 0, "B sees deliveries: %s", ds.Body)
	return nil
}

// hubDormant: a hub's closeDormantConversation closes a conversation after that many days without
// activity, on the server clock: its activities answer 410, it leaves the open list, and the
// next establish with its binding opens a new one.
func hubDormant(ctx context.Context, e *Env) error {
	if !e.Virtual() {
		return e.Skip("needs a server started with --clock=virtual")
	}
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	hub := h.hub(ctx, "Dormant")
	h.want("set dormancy", h.portal(ctx, http.MethodPut, "/api/v1/hubs/"+hub, `{"closeDormantConversation":1}`), 200)
	customer := h.direct(ctx, hub, "Customer", "customer", nil, "")
	bot := h.direct(ctx, hub, "Bot", "bot", nil, "")
	conv := h.establish(ctx, customer, "dora")
	text := `{"message":{"type":"text","text":"hi"}}`
	h.want("active", h.engine(ctx, http.MethodPost, customerPath(conv), text), 200)
	if _, err := advance(ctx, e, 24*3600); err != nil {
		return err
	}
	h.want("a day later", h.engine(ctx, http.MethodPost, customerPath(conv), text), 410, "ENG000104")
	h.want("a day later, the bot", h.engine(ctx, http.MethodPost, businessPath(conv), `{"sender":{"integrationId":"`+bot+`"},"message":{"type":"text","text":"x"}}`), 410, "ENG000104")
	got := h.engine(ctx, http.MethodGet, "/api/v1/conversations/"+conv+"/established", "")
	e.Expect(got.status == 200 && got.str("closedDateTime") != "", "a closed conversation shows closedDateTime: %s", got.body)
	open := h.engine(ctx, http.MethodGet, "/api/v1/conversations/hubs/"+hub+"/established", "")
	e.Expect(open.status == 200 && !strings.Contains(string(open.body), conv), "closed conversation listed as open: %s", open.body)
	next := h.engine(ctx, http.MethodPost, "/api/v1/conversations/establish", `{"integrationId":"`+customer+`","binding":"dora","channelType":"Direct"}`)
	e.Expect(next.status == 200 && next.obj()["isNew"] == true && next.str("conversationId") != conv, "establish after closing: %s", next.body)
	return nil
}

// hubRateLimit: a client over its rate gets 429 with Retry-After, on every operation; another
// client's bucket is its own.
func hubRateLimit(ctx context.Context, e *Env) error {
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	hub := h.hub(ctx, "Busy")
	customer := h.direct(ctx, hub, "Customer", "customer", nil, "")
	bot := h.direct(ctx, hub, "Bot", "bot", nil, "")
	conv := h.establish(ctx, customer, "rick")
	other, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	ops := hubOperations(hub, bot, conv)
	limited := func(c hubCall) bool {
		ra := c.header.Get("Retry-After")
		return c.status == http.StatusTooManyRequests && ra != "" && ra != "0" && len(c.codes()) == 1 && c.codes()[0] == "429"
	}
	// Each operation is sent until the client's bucket is empty; the token endpoint shares it.
	for _, o := range ops {
		hit := false
		for i := 0; i < 400 && !hit; i++ {
			var c hubCall
			if o.engine {
				c = h.engine(ctx, o.method, o.path, o.body)
			} else {
				c = h.portal(ctx, o.method, o.path, o.body)
			}
			hit = limited(c)
		}
		e.Expect(hit, "%s: never answered 429 with Retry-After", o.what)
	}
	hit := false
	for i := 0; i < 400 && !hit; i++ {
		resp, b, err := e.Raw(ctx, http.MethodPost, "/hub/connect/token", "application/x-www-form-urlencoded",
			url.Values{"grant_type": {"client_credentials"}, "client_id": {h.EngineID}, "client_secret": {h.EngineSecret}}.Encode())
		if err != nil {
			return err
		}
		hit = limited(hubCall{status: resp.StatusCode, header: resp.Header, body: b})
	}
	e.Expect(hit, "requestToken: never answered 429")
	other.want("another client is not limited", other.portal(ctx, http.MethodGet, "/api/v1/hubs", ""), 200)
	return nil
}

// hubOp is one call of a Hub API operation that needs a token.
type hubOp struct {
	what, method, path, body string
	engine                   bool // an engine token (else a portal one)
}

// hubOperations is one call of every Hub API operation that needs a token.
func hubOperations(hub, bot, conv string) []hubOp {
	text := `{"message":{"type":"text","text":"hi"}}`
	return []hubOp{
		{"listHubs", http.MethodGet, "/api/v1/hubs", "", false},
		{"createHub", http.MethodPost, "/api/v1/hubs", `{"name":"x","description":"d"}`, false},
		{"getHub", http.MethodGet, "/api/v1/hubs/" + hub, "", false},
		{"updateHub", http.MethodPut, "/api/v1/hubs/" + hub, `{}`, false},
		{"deleteHub", http.MethodDelete, "/api/v1/hubs/" + uuid.NewString(), "", false},
		{"listIntegrations", http.MethodGet, "/api/v1/integrations", "", false},
		{"createIntegration", http.MethodPost, "/api/v1/integrations/hubs/" + hub, `{}`, false},
		{"listHubIntegrationsByChannel", http.MethodGet, "/api/v1/integrations/hubs/" + hub + "/Direct", "", false},
		{"getIntegration", http.MethodGet, "/api/v1/integrations/" + bot, "", false},
		{"updateIntegration", http.MethodPut, "/api/v1/integrations/" + bot, `{}`, false},
		{"deleteIntegration", http.MethodDelete, "/api/v1/integrations/" + uuid.NewString(), "", false},
		{"establishConversation", http.MethodPost, "/api/v1/conversations/establish", `{}`, true},
		{"getEstablishedConversation", http.MethodGet, "/api/v1/conversations/" + conv + "/established", "", true},
		{"listEstablishedConversations", http.MethodGet, "/api/v1/conversations/hubs/" + hub + "/established", "", true},
		{"listActivities", http.MethodGet, "/api/v1/interactions/activities/" + conv + "?type=Customer", "", true},
		{"sendCustomerActivity", http.MethodPost, customerPath(conv), text, true},
		{"sendBusinessActivity", http.MethodPost, businessPath(conv), text, true},
	}
}

// hubRouteMisses: unknown paths and methods answer in Hubster's error shape; CORS preflights need
// no token.
func hubRouteMisses(ctx context.Context, e *Env) error {
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return err
	}
	miss := h.engine(ctx, http.MethodGet, "/api/v1/nothing", "")
	h.want("unknown path", miss, 404, "404")
	m405 := h.engine(ctx, http.MethodDelete, "/api/v1/conversations/establish", "")
	h.want("unknown method", m405, 405, "405")
	e.Expect(m405.header.Get("Allow") == "POST", "Allow %q", m405.header.Get("Allow"))
	resp, _, err := e.Raw(ctx, http.MethodOptions, "/hub/inbound/customer/v1/direct/activity/"+uuid.NewString(), "", "",
		"Origin: https://chat.example.com", "Access-Control-Request-Method: POST", "Access-Control-Request-Headers: authorization,content-type")
	if err == nil {
		e.Expect(resp.StatusCode == http.StatusNoContent && resp.Header.Get("Access-Control-Allow-Origin") == "https://chat.example.com" &&
			strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Authorization") &&
			strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST"), "preflight: %d %v", resp.StatusCode, resp.Header)
	}
	return nil
}

// operatorHub: the operator API's Hub clients and deliveries, with their errors.
func operatorHub(ctx context.Context, e *Env) error {
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	a := e.Admin
	unknown := uuid.New()
	expect(e, "issueHubClient", 201, "")(result(a.IssueHubClientWithResponse(ctx, t.ID, adminapi.IssueHubClientRequest{Audience: adminapi.Portal})))
	expect(e, "issueHubClient, bad audience", 400, "INVALID_PARAMETER")(result(a.IssueHubClientWithBodyWithResponse(ctx, t.ID, "application/json",
		strings.NewReader(`{"audience":"everything"}`))))
	expect(e, "issueHubClient, unknown tenant", 404, "NOT_FOUND")(result(a.IssueHubClientWithResponse(ctx, unknown, adminapi.IssueHubClientRequest{Audience: adminapi.Engine})))
	expect(e, "issueHubClient, no token", 401, "UNAUTHORIZED")(result(a.IssueHubClientWithResponse(ctx, t.ID,
		adminapi.IssueHubClientRequest{Audience: adminapi.Engine}, noAuth)))
	l := expect(e, "listHubClients", 200, "")(result(a.ListHubClientsWithResponse(ctx, t.ID)))
	e.Expect(strings.Count(string(l), "clientId") == 1 && !strings.Contains(string(l), "Secret"), "listHubClients %s", l)
	expect(e, "listHubClients, unknown tenant", 404, "NOT_FOUND")(result(a.ListHubClientsWithResponse(ctx, unknown)))
	expect(e, "listHubClients, bad tenant id", 400, "INVALID_PARAMETER")(rawAdmin(ctx, e, http.MethodGet, "/admin/v1/tenants/x/hub-clients"))
	expect(e, "listHubClients, no token", 401, "UNAUTHORIZED")(result(a.ListHubClientsWithResponse(ctx, t.ID, noAuth)))
	id := "hubster.portal.api." + strings.ReplaceAll(t.ID.String(), "-", "")
	expect(e, "revokeHubClient", 204, "")(result(a.RevokeHubClientWithResponse(ctx, t.ID, id)))
	expect(e, "revokeHubClient again", 404, "NOT_FOUND")(result(a.RevokeHubClientWithResponse(ctx, t.ID, id)))
	expect(e, "revokeHubClient, bad id", 400, "INVALID_PARAMETER")(result(a.RevokeHubClientWithResponse(ctx, t.ID, "someone")))
	expect(e, "revokeHubClient, no token", 401, "UNAUTHORIZED")(result(a.RevokeHubClientWithResponse(ctx, t.ID, id, noAuth)))

	expect(e, "listDeliveries", 200, "")(result(a.ListDeliveriesWithResponse(ctx, t.ID, &adminapi.ListDeliveriesParams{Limit: ptr(5)})))
	expect(e, "listDeliveries, bad state", 400, "INVALID_PARAMETER")(rawAdmin(ctx, e, http.MethodGet, "/admin/v1/tenants/"+t.ID.String()+"/deliveries?state=lost"))
	expect(e, "listDeliveries, unknown tenant", 404, "NOT_FOUND")(result(a.ListDeliveriesWithResponse(ctx, unknown, nil)))
	expect(e, "listDeliveries, no token", 401, "UNAUTHORIZED")(result(a.ListDeliveriesWithResponse(ctx, t.ID, nil, noAuth)))
	expect(e, "getDelivery, unknown", 404, "NOT_FOUND")(result(a.GetDeliveryWithResponse(ctx, t.ID, 1<<40)))
	expect(e, "getDelivery, bad id", 400, "INVALID_PARAMETER")(rawAdmin(ctx, e, http.MethodGet, "/admin/v1/tenants/"+t.ID.String()+"/deliveries/x"))
	expect(e, "getDelivery, no token", 401, "UNAUTHORIZED")(result(a.GetDeliveryWithResponse(ctx, t.ID, 1, noAuth)))
	expect(e, "redeliverDelivery, unknown", 404, "NOT_FOUND")(result(a.RedeliverDeliveryWithResponse(ctx, t.ID, 1<<40)))
	expect(e, "redeliverDelivery, bad id", 400, "INVALID_PARAMETER")(rawAdmin(ctx, e, http.MethodPost, "/admin/v1/tenants/"+t.ID.String()+"/deliveries/0/redeliver"))
	expect(e, "redeliverDelivery, no token", 401, "UNAUTHORIZED")(result(a.RedeliverDeliveryWithResponse(ctx, t.ID, 1, noAuth)))
	return nil
}

// awaitDeliveries lists a tenant's deliveries until there are n and each has recorded at least
// attempts attempts (the worker records an attempt after the receiver answered), up to a deadline.
func awaitDeliveries(ctx context.Context, e *Env, tenant uuid.UUID, n, attempts int) []adminapi.Delivery {
	deadline := time.Now().Add(20 * time.Second)
	for {
		ds, err := e.Admin.ListDeliveriesWithResponse(ctx, tenant, &adminapi.ListDeliveriesParams{})
		if err != nil || ds.JSON200 == nil {
			e.Failf("listDeliveries: %v", err)
			return nil
		}
		done := len(ds.JSON200.Deliveries) == n
		for _, d := range ds.JSON200.Deliveries {
			done = done && d.Attempts >= attempts
		}
		if done || time.Now().After(deadline) {
			if !done {
				e.Failf("deliveries: %+v; want %d with %d attempts", ds.JSON200.Deliveries, n, attempts)
			}
			return ds.JSON200.Deliveries
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// rawAdmin sends an operator API request the generated client cannot make (a malformed id), with
// the admin token.
func rawAdmin(ctx context.Context, e *Env, method, path string) (int, []byte, error) {
	resp, b, err := e.Raw(ctx, method, path, "", "", "Authorization: Bearer "+e.AdminToken)
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}
