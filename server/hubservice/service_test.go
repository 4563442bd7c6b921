package hubservice_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

var (
	keyOnce sync.Once
	testKey *rsa.PrivateKey
)

func key(t *testing.T) *rsa.PrivateKey {
	keyOnce.Do(func() {
		var err error
		if testKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			t.Fatal(err)
		}
	})
	return testKey
}

type env struct {
	t      *testing.T
	ctx    context.Context
	st     *store.Store
	clk    *clock.Fixed
	svc    *hubservice.Service
	p      hubservice.Principal
	hub    store.Hub
	cust   store.HubIntegration
	kicked int
}

func (e *env) Kick() { e.kicked++ }

func newEnv(t *testing.T, st *store.Store) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), st: st, clk: clock.NewFixed(time.Date(2030, 3, 1, 12, 0, 0, 0, time.UTC))}
	e.svc = hubservice.New(st, e.clk)
	e.svc.UseKey(key(t))
	e.svc.Outbox = e
	e.p = hubservice.Principal{TenantID: e.tenant()}
	e.hub = e.createHub("Support")
	e.cust = e.integration(`{"channelId":"Direct","name":"web","configuration":{"integrationType":"Customer","webhookUrl":"http://127.0.0.1:9/customer"}}`)
	return e
}

func (e *env) tenant() uuid.UUID {
	id := uuid.New()
	if err := e.st.CreateTenant(e.ctx, store.Tenant{ID: id, Name: "T", Subdomain: "t" + id.String()[:8]}); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func jsonBody(s string) hubrules.Body {
	return hubrules.Body{ContentType: "application/json", Raw: []byte(s)}
}

func (e *env) createHub(name string) store.Hub {
	e.t.Helper()
	in, err := hubrules.ParseHub(jsonBody(`{"name":"`+name+`","description":"d"}`), true)
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := e.svc.CreateHub(e.ctx, e.p, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

func (e *env) integration(body string) store.HubIntegration {
	e.t.Helper()
	in, err := e.svc.CreateIntegration(e.ctx, e.p, e.hub.ID, jsonBody(body))
	if err != nil {
		e.t.Fatal(err)
	}
	return in
}

func (e *env) establish(binding string) store.HubConversation {
	e.t.Helper()
	est, err := hubrules.ParseEstablish(jsonBody(`{"integrationId":"` + e.cust.ID.String() + `","binding":"` + binding + `","channelType":"Direct"}`))
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.svc.Establish(e.ctx, e.p, est)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.HubConversation
}

func (e *env) send(c uuid.UUID, body string, business bool) (hubservice.Accepted, error) {
	e.t.Helper()
	a, err := hubrules.ParseActivity(jsonBody(body), business)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.svc.Send(e.ctx, e.p, c, a, business)
}

func code(err error) hubrules.Code {
	if he, ok := hubrules.AsError(err); ok {
		return he.Problems[0].Code
	}
	return ""
}

func (e *env) deliveries() []store.OutboxDelivery {
	e.t.Helper()
	ds, err := e.st.Deliveries(e.ctx, e.p.TenantID, "", 0, 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	slices.Reverse(ds)
	return ds
}

func TestTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c, secret, err := e.svc.IssueClient(e.ctx, e.p.TenantID, hubservice.AudienceEngine)
		if err != nil || c.ClientID != hubservice.ClientID(e.p.TenantID, "engine") || len(c.ClientID) != len("hubster.engine.api.")+32 {
			t.Fatalf("IssueClient = %+v, %v", c, err)
		}
		if _, err := e.svc.IssueToken(e.ctx, c.ClientID, "wrong"); apierr.As(err).Reason != hubservice.ReasonInvalidClient {
			t.Errorf("wrong secret: %v", err)
		}
		tok, err := e.svc.IssueToken(e.ctx, c.ClientID, secret)
		if err != nil || tok.ExpiresIn != 2592000 || tok.Scope != "hubster-engine-api" {
			t.Fatalf("IssueToken = %+v, %v", tok, err)
		}
		p, err := e.svc.Authenticate(e.ctx, tok.AccessToken, hubrules.EngUnauthorized)
		if err != nil || p.TenantID != e.p.TenantID || p.Audience != "engine" {
			t.Fatalf("Authenticate = %+v, %v", p, err)
		}
		for _, bad := range []string{"", "x.y.z", tok.AccessToken + "A", tok.AccessToken[:len(tok.AccessToken)-2]} {
			if _, err := e.svc.Authenticate(e.ctx, bad, hubrules.PrtUnauthorized); code(err) != hubrules.PrtUnauthorized {
				t.Errorf("token %q: %v", bad, err)
			}
		}
		// Expiry on the server clock.
		e.clk.Advance(hubservice.TokenLifetime - time.Second)
		if _, err := e.svc.Authenticate(e.ctx, tok.AccessToken, hubrules.EngUnauthorized); err != nil {
			t.Errorf("a second before expiry: %v", err)
		}
		e.clk.Advance(time.Second)
		if _, err := e.svc.Authenticate(e.ctx, tok.AccessToken, hubrules.EngUnauthorized); code(err) != hubrules.EngUnauthorized {
			t.Errorf("at expiry: %v", err)
		}
		// Replacing the client ends the old tokens; revoking ends the new ones.
		tok, _ = e.svc.IssueToken(e.ctx, c.ClientID, secret)
		_, secret2, _ := e.svc.IssueClient(e.ctx, e.p.TenantID, hubservice.AudienceEngine)
		if _, err := e.svc.Authenticate(e.ctx, tok.AccessToken, hubrules.EngUnauthorized); code(err) != hubrules.EngUnauthorized {
			t.Errorf("a replaced client's token: %v", err)
		}
		if _, err := e.svc.IssueToken(e.ctx, c.ClientID, secret); err == nil {
			t.Errorf("the replaced secret still works")
		}
		tok, _ = e.svc.IssueToken(e.ctx, c.ClientID, secret2)
		if err := e.svc.RevokeClient(e.ctx, e.p.TenantID, c.ClientID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Authenticate(e.ctx, tok.AccessToken, hubrules.EngUnauthorized); code(err) != hubrules.EngUnauthorized {
			t.Errorf("a revoked client's token: %v", err)
		}
		if err := e.svc.RevokeClient(e.ctx, e.p.TenantID, c.ClientID); apierr.KindOf(err) != apierr.NotFound {
			t.Errorf("revoke twice: %v", err)
		}
		// A token signed by another server's key is not this server's.
		other := hubservice.New(st, e.clk)
		k2, _ := rsa.GenerateKey(rand.Reader, 1024)
		other.UseKey(k2)
		pc, psecret, _ := other.IssueClient(e.ctx, e.p.TenantID, hubservice.AudiencePortal)
		foreign, _ := other.IssueToken(e.ctx, pc.ClientID, psecret)
		if _, err := e.svc.Authenticate(e.ctx, foreign.AccessToken, hubrules.PrtUnauthorized); code(err) != hubrules.PrtUnauthorized {
			t.Errorf("a token signed with another key: %v", err)
		}
	})
}

// TestStoredSigningKey: without a key given, the first use makes one, stores it, and every
// service on the database (another instance, or after a restart) uses it.
func TestStoredSigningKey(t *testing.T) {
	st := storetest.Stores(t)[0].Store
	ctx := context.Background()
	clk := clock.NewFixed(time.Now())
	a, b := hubservice.New(st, clk), hubservice.New(st, clk)
	tenant := uuid.New()
	st.CreateTenant(ctx, store.Tenant{ID: tenant, Name: "T", Subdomain: "t"})
	c, secret, _ := a.IssueClient(ctx, tenant, hubservice.AudiencePortal)
	tok, err := a.IssueToken(ctx, c.ClientID, secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, tok.AccessToken, hubrules.PrtUnauthorized); err != nil {
		t.Fatalf("another instance rejects the token: %v", err)
	}
}

func TestEstablish(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		first := e.establish("user-1")
		if first.Profile["device"] != "Direct" || first.Profile["full name"] == "" || first.TokenID == "" || first.HubID != e.hub.ID {
			t.Fatalf("new conversation %+v", first)
		}
		est, _ := hubrules.ParseEstablish(jsonBody(`{"integrationId":"` + e.cust.ID.String() + `","binding":"user-1","channelType":1,"properties":{"profile":{"email":"a@b.c"},"additional":{"plan":"gold"}}}`))
		again, err := e.svc.Establish(e.ctx, e.p, est)
		if err != nil || again.ID != first.ID || *again.IsNew || again.Profile["email"] != "a@b.c" || again.Profile["full name"] != first.Profile["full name"] || again.Additional["plan"] != "gold" {
			t.Fatalf("established again: %+v %v", again, err)
		}
		if e.establish("user-2").ID == first.ID {
			t.Error("another binding got the same conversation")
		}
		// Dormancy: the hub closes conversations after 2 days without activity.
		in, _ := hubrules.ParseHub(jsonBody(`{"closeDormantConversation":2}`), false)
		if _, err := e.svc.UpdateHub(e.ctx, e.p, e.hub.ID, in); err != nil {
			t.Fatal(err)
		}
		e.integration(`{"channelId":"Direct","name":"bot","configuration":{"integrationType":"Bot"}}`)
		e.clk.Advance(48 * time.Hour)
		if _, err := e.send(first.ID, `{"message":{"type":"text","text":"hi"}}`, false); code(err) != hubrules.EngNotAvailable {
			t.Fatalf("activity in a dormant conversation: %v", err)
		}
		if c, _ := e.svc.Conversation(e.ctx, e.p, first.ID); c.ClosedAt == nil {
			t.Error("a dormant conversation shows no closedDateTime")
		}
		if list, err := e.svc.OpenConversations(e.ctx, e.p, e.hub.ID); err != nil {
			t.Fatal(err)
		} else if open, _ := list.Next(e.ctx); len(open) != 0 {
			t.Errorf("%d dormant conversations listed as open", len(open))
		}
		next := e.establish("user-1")
		if next.ID == first.ID {
			t.Fatal("establish reused a closed conversation")
		}
		if _, err := e.send(next.ID, `{"message":{"type":"text","text":"hi"}}`, false); err != nil {
			t.Fatal(err)
		}
		// Errors: unknown integration, another tenant's, not a customer.
		agent := e.integration(`{"channelId":"Direct","name":"agent","configuration":{"integrationType":"Agent"}}`)
		for _, c := range []struct {
			p    hubservice.Principal
			id   uuid.UUID
			want hubrules.Code
		}{
			{e.p, uuid.New(), hubrules.EngIntegrationUnknown},
			{hubservice.Principal{TenantID: e.tenant()}, e.cust.ID, hubrules.EngIntegrationUnknown},
			{e.p, agent.ID, hubrules.EngNotAllowed},
		} {
			est, _ := hubrules.ParseEstablish(jsonBody(`{"integrationId":"` + c.id.String() + `","binding":"x","channelType":"Direct"}`))
			if _, err := e.svc.Establish(e.ctx, c.p, est); code(err) != c.want {
				t.Errorf("establish on %s: %v, want %s", c.id, err, c.want)
			}
		}
	})
}

// TestSendRoutesAndQueues: a customer's message goes to the bot (bot before agent), the agent's
// reply takes over and goes to the customer, the customer's next message goes to the agent;
// webhooks are queued in the same transaction; eventIds strictly increase on a clock that
// stands still.
func TestSendRoutesAndQueues(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		c := e.establish("u")
		if _, err := e.send(c.ID, `{"message":{"type":"text","text":"anyone?"}}`, false); code(err) != hubrules.EngNoBusiness {
			t.Fatalf("no agent or bot: %v", err)
		}
		agent := e.integration(`{"channelId":"Direct","name":"agent","configuration":{"integrationType":"Agent","webhookUrl":"http://127.0.0.1:9/agent","echo":true}}`)
		bot := e.integration(`{"channelId":"Direct","name":"bot","configuration":{"integrationType":"Bot","webhookUrl":"http://127.0.0.1:9/bot"}}`)
		sys := e.integration(`{"channelId":"System","name":"audit","configuration":{"webhookUrl":"http://127.0.0.1:9/audit","events":["message:customer"]}}`)

		first, err := e.send(c.ID, `{"externalId":"e1","message":{"type":"text","text":"hello"}}`, false)
		if err != nil || first.IntegrationID != e.cust.ID || first.InteractionID == nil || *first.ExternalID != "e1" || first.HubID != e.hub.ID {
			t.Fatalf("customer message: %+v %v", first, err)
		}
		ds := e.deliveries()
		if len(ds) != 2 || ds[0].URL != "http://127.0.0.1:9/bot" || ds[1].URL != "http://127.0.0.1:9/audit" || e.kicked != 1 {
			t.Fatalf("deliveries %v (kicked %d)", urls(ds), e.kicked)
		}
		if ds[0].Headers["x-hubster-signature"] == "" || ds[0].Headers["x-integration-id"] != bot.ID.String() {
			t.Errorf("headers %v", ds[0].Headers)
		}

		reply, err := e.send(c.ID, `{"sender":{"integrationId":"`+agent.ID.String()+`"},"message":{"type":"text","text":"agent here"}}`, true)
		if err != nil || reply.IntegrationID != agent.ID || reply.EventID != first.EventID+1 {
			t.Fatalf("agent reply: %+v %v (first eventId %d)", reply, err, first.EventID)
		}
		ds = e.deliveries()[2:]
		if len(ds) != 2 || ds[0].URL != "http://127.0.0.1:9/customer" || ds[1].URL != "http://127.0.0.1:9/agent" {
			t.Fatalf("reply deliveries %v: the customer, then the agent's echo", urls(ds))
		}
		var echo struct {
			IntegrationID string         `json:"integrationId"`
			Activity      map[string]any `json:"activity"`
		}
		json.Unmarshal(ds[1].Body, &echo)
		if echo.IntegrationID != agent.ID.String() || echo.Activity["isEcho"] != true {
			t.Errorf("echo body %s", ds[1].Body)
		}

		// The agent took over: the customer's next message goes to it, and a typing event too.
		if _, err := e.send(c.ID, `{"message":{"type":"text","text":"thanks"}}`, false); err != nil {
			t.Fatal(err)
		}
		ev, err := e.send(c.ID, `{"event":{"type":"typing_on"}}`, false)
		if err != nil || ev.InteractionID != nil {
			t.Fatalf("event: %+v %v", ev, err)
		}
		ds = e.deliveries()[4:]
		if len(ds) != 3 || ds[0].URL != "http://127.0.0.1:9/agent" || ds[1].URL != "http://127.0.0.1:9/audit" || ds[2].URL != "http://127.0.0.1:9/agent" {
			t.Fatalf("after takeover: %v", urls(ds))
		}

		// History: the typing event is relayed, not stored; eventIds increase.
		acts, err := e.svc.Activities(e.ctx, e.p, c.ID, hubrules.ActivityQuery{Kind: hubrules.Customer})
		if err != nil || len(acts) != 3 {
			t.Fatalf("customer activities: %d %v", len(acts), err)
		}
		for i := 1; i < len(acts); i++ {
			if acts[i].EventID <= acts[i-1].EventID {
				t.Errorf("eventIds %d then %d", acts[i-1].EventID, acts[i].EventID)
			}
		}
		if acts, _ := e.svc.Activities(e.ctx, e.p, c.ID, hubrules.ActivityQuery{Kind: hubrules.Bot}); len(acts) != 1 {
			t.Errorf("bot activities: %d", len(acts))
		}

		// Failures store nothing.
		before := len(e.deliveries())
		for _, f := range []struct {
			body     string
			business bool
			want     hubrules.Code
		}{
			{`{"sender":{"integrationId":"` + uuid.NewString() + `"},"message":{"type":"text","text":"x"}}`, false, hubrules.EngIntegrationUnknown},
			{`{"sender":{"integrationId":"` + sys.ID.String() + `"},"message":{"type":"text","text":"x"}}`, false, hubrules.EngNotAllowed},
			{`{"message":{"type":"carousel","items":[{"title":"a"}]}}`, false, hubrules.EngNotAllowed},
			{`{"sender":{"integrationId":"` + e.cust.ID.String() + `"},"message":{"type":"text","text":"x"}}`, true, hubrules.EngNotAllowed},
			{`{"sender":{"integrationId":"` + bot.ID.String() + `"},"message":{"type":"text","text":"::"}}`, true, hubrules.EngNoCommand},
		} {
			if _, err := e.send(c.ID, f.body, f.business); code(err) != f.want {
				t.Errorf("%s: %v, want %s", f.body, err, f.want)
			}
		}
		if _, err := e.send(uuid.New(), `{"message":{"type":"text","text":"x"}}`, false); code(err) != hubrules.EngConversationGone {
			t.Errorf("unknown conversation: %v", err)
		}
		stranger := hubservice.Principal{TenantID: e.tenant()}
		a, _ := hubrules.ParseActivity(jsonBody(`{"message":{"type":"text","text":"x"}}`), false)
		if _, err := e.svc.Send(e.ctx, stranger, c.ID, a, false); code(err) != hubrules.EngConversationGone {
			t.Errorf("another tenant's conversation: %v", err)
		}
		if got := len(e.deliveries()); got != before {
			t.Errorf("refused activities queued %d deliveries", got-before)
		}
		if acts, _ := e.svc.Activities(e.ctx, e.p, c.ID, hubrules.ActivityQuery{Kind: hubrules.Customer}); len(acts) != 3 {
			t.Errorf("refused activities stored: %d", len(acts))
		}
		// A paused hub refuses activities.
		in, _ := hubrules.ParseHub(jsonBody(`{"statusId":2002}`), false)
		e.svc.UpdateHub(e.ctx, e.p, e.hub.ID, in)
		if _, err := e.send(c.ID, `{"message":{"type":"text","text":"x"}}`, false); code(err) != hubrules.EngConversationPaused {
			t.Errorf("paused hub: %v", err)
		}
	})
}

// TestConcurrentSendsKeepEventIDsStrict: concurrent activities in one conversation get distinct,
// increasing eventIds (the conversation row is locked per activity).
func TestConcurrentSendsKeepEventIDsStrict(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.integration(`{"channelId":"Direct","name":"bot","configuration":{"integrationType":"Bot"}}`)
		c := e.establish("u")
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ids []int64
		for i := 0; i < 12; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, _ := hubrules.ParseActivity(jsonBody(`{"message":{"type":"text","text":"x"}}`), false)
				r, err := e.svc.Send(e.ctx, e.p, c.ID, a, false)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				ids = append(ids, r.EventID)
				mu.Unlock()
			}()
		}
		wg.Wait()
		slices.Sort(ids)
		if len(slices.Compact(slices.Clone(ids))) != 12 {
			t.Fatalf("eventIds %v are not distinct", ids)
		}
	})
}

func urls(ds []store.OutboxDelivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.URL)
	}
	return out
}

// TestSendIsOneWriteTransaction: an accepted activity, its history row, the conversation's
// eventId and takeover, and its webhooks cost one write transaction.
func TestSendIsOneWriteTransaction(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		bot := e.integration(`{"channelId":"Direct","name":"bot","configuration":{"integrationType":"Bot","webhookUrl":"http://127.0.0.1:9/bot"}}`)
		e.integration(`{"channelId":"System","name":"audit","configuration":{"webhookUrl":"http://127.0.0.1:9/audit","events":["message"]}}`)
		c := e.establish("u")
		for _, a := range []struct {
			body     string
			business bool
		}{
			{`{"message":{"type":"text","text":"hello"}}`, false},
			{`{"sender":{"integrationId":"` + bot.ID.String() + `"},"message":{"type":"text","text":"hi"}}`, true},
			{`{"event":{"type":"payload","payloadType":"p","payload":{"a":1}}}`, false},
		} {
			before := st.WriteTransactions()
			if _, err := e.send(c.ID, a.body, a.business); err != nil {
				t.Fatal(err)
			}
			if n := st.WriteTransactions() - before; n != 1 {
				t.Errorf("%s: %d write transactions, want 1", a.body, n)
			}
		}
		if n := len(e.deliveries()); n != 5 {
			t.Errorf("%d deliveries queued, want 5 (the customer's message: bot and System; the bot's: customer and System; the event: bot)", n)
		}
	})
}
