package deskservice_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

type env struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	clk   *clock.Fixed
	svc   *deskservice.Service
	p     deskservice.Principal
	token string
	user  store.DeskContact
	agent store.DeskContact
}

var t0 = time.Date(2024, 3, 5, 10, 15, 0, 120_000_000, time.UTC)

func newEnv(t *testing.T, st *store.Store, cfg deskservice.Config) *env {
	t.Helper()
	ctx := context.Background()
	tn := store.Tenant{ID: uuid.New(), Name: "Acme " + uuid.NewString()[:8], Subdomain: "acme-" + uuid.NewString()[:8]}
	if err := st.CreateTenant(ctx, tn); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, st: st, clk: clock.NewFixed(t0)}
	e.svc = deskservice.New(st, e.clk, cfg)
	tok, _, err := e.svc.IssueToken(ctx, tn.ID, "test", uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	e.token = tok
	if e.p, err = e.svc.Authenticate(ctx, tok); err != nil {
		t.Fatal(err)
	}
	e.user = e.must(e.svc.CreateEndUser(ctx, e.p, deskrules.ContactInput{DisplayName: "Jane Doe", Email: "jane@example.org", PhoneNumber: "+4512345678"}))
	e.agent = e.must(e.svc.CreateAgent(ctx, e.p, deskrules.ContactInput{DisplayName: "Alex", Email: "alex@acme.example"}))
	return e
}

func (e *env) must(c store.DeskContact, err error) store.DeskContact {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func inbound(text string) deskrules.MessageInput {
	return deskrules.MessageInput{Direction: deskrules.Inbound, Content: &deskrules.Content{Type: "Text", Value: text}}
}

func (e *env) outbound(text string) deskrules.MessageInput {
	return deskrules.MessageInput{Direction: deskrules.Outbound, AgentID: e.agent.ID, Content: &deskrules.Content{Type: "Html", Value: text}}
}

func (e *env) emailConversation() int64 {
	e.t.Helper()
	id, err := e.svc.CreateConversation(e.ctx, e.p, deskrules.ConversationInput{Type: "Email", RequesterID: e.user.ID,
		EmailIntegrationID: "support@acme.email.dixa.io", Subject: "Order", Message: inbound("Where is my order?")})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func wantMsg(t *testing.T, what string, err error, msg string) {
	t.Helper()
	if got := apierr.As(err).Message; err == nil || got != msg {
		t.Errorf("%s: got %v, want %q", what, err, msg)
	}
}

func TestAuthenticate(t *testing.T) {
	e := newEnv(t, storetest.Stores(t)[0].Store, deskservice.Config{})
	for _, h := range []string{e.token, "Bearer " + e.token, "bearer  " + e.token, " " + e.token + " "} {
		if p, err := e.svc.Authenticate(e.ctx, h); err != nil || p.TenantID != e.p.TenantID || p.OwnerID != e.p.OwnerID {
			t.Errorf("Authenticate(%q) = %+v, %v", h, p, err)
		}
	}
	for _, h := range []string{"", "Bearer", "Bearer ", "Basic " + e.token, e.token + "x", "Token " + e.token} {
		_, err := e.svc.Authenticate(e.ctx, h)
		wantMsg(t, "Authenticate("+h+")", err, deskrules.MsgUnauthorized)
	}
	// Settings that cannot be read (written behind the service's back): the vendor's context failure.
	if err := e.st.PutDeskSettings(e.ctx, e.p.TenantID, []byte(`{"rateLimit":"ten"}`), t0); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Authenticate(e.ctx, e.token)
	wantMsg(t, "unreadable settings", err, deskrules.MsgContext)
	if err := e.st.PutDeskSettings(e.ctx, e.p.TenantID, []byte(`{}`), t0); err != nil {
		t.Fatal(err)
	}
	toks, _ := e.svc.Tokens(e.ctx, e.p.TenantID)
	if len(toks) != 1 {
		t.Fatalf("tokens: %+v", toks)
	}
	if err := e.svc.RevokeToken(e.ctx, e.p.TenantID, toks[0].ID); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.Authenticate(e.ctx, e.token)
	wantMsg(t, "revoked token", err, deskrules.MsgUnauthorized)
	if toks, _ := e.svc.Tokens(e.ctx, e.p.TenantID); len(toks) != 0 {
		t.Errorf("a revoked token is listed: %+v", toks)
	}
}

func TestRateLimitOnTheServiceClock(t *testing.T) {
	e := newEnv(t, storetest.Stores(t)[0].Store, deskservice.Config{})
	if _, err := e.svc.Allow(e.p); err != nil {
		t.Fatalf("no limit by default: %v", err)
	}
	if err := e.svc.PutSettings(e.ctx, e.p.TenantID, deskrules.Settings{RateLimit: &deskrules.RateLimit{PerSecond: 0.5, Burst: 2}}); err != nil {
		t.Fatal(err)
	}
	p, _ := e.svc.Authenticate(e.ctx, e.token)
	for i := 0; i < 2; i++ {
		if _, err := e.svc.Allow(p); err != nil {
			t.Fatalf("request %d within the burst: %v", i, err)
		}
	}
	wait, err := e.svc.Allow(p)
	wantMsg(t, "over the burst", err, deskrules.MsgTooManyRequests)
	if apierr.KindOf(err) != apierr.RateLimited || wait != 2*time.Second {
		t.Errorf("kind %v, wait %v", apierr.KindOf(err), wait)
	}
	e.clk.Advance(2 * time.Second)
	if _, err := e.svc.Allow(p); err != nil {
		t.Errorf("after the clock moved: %v", err)
	}
	// Another token of the same company has its own bucket.
	tok2, _, _ := e.svc.IssueToken(e.ctx, e.p.TenantID, "second", uuid.Nil)
	p2, _ := e.svc.Authenticate(e.ctx, tok2)
	if _, err := e.svc.Allow(p2); err != nil {
		t.Errorf("second token: %v", err)
	}
	for _, bad := range []deskrules.RateLimit{{PerSecond: 0, Burst: 1}, {PerSecond: 1, Burst: 0}, {PerSecond: -1, Burst: 3}} {
		if err := e.svc.PutSettings(e.ctx, e.p.TenantID, deskrules.Settings{RateLimit: &bad}); apierr.KindOf(err) != apierr.Invalid {
			t.Errorf("settings %+v: %v", bad, err)
		}
	}
}

func TestConversationFlow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, deskservice.Config{})
		id := e.emailConversation()
		if id != 1 {
			t.Errorf("first conversation id %d", id)
		}
		c, err := e.svc.Conversation(e.ctx, e.p, id)
		if err != nil || c.Channel != "Email" || c.State != "Open" || c.FromEmail != "jane@example.org" ||
			c.IntegrationEmail != "support@acme.email.dixa.io" || !c.CreatedAt.Equal(deskrules.Now(t0)) {
			t.Fatalf("conversation: %+v %v", c, err)
		}
		// The clock stands still: each message is 1 ms after the previous.
		m1, err := e.svc.AddMessage(e.ctx, e.p, id, e.outbound("<p>On its way</p>"))
		if err != nil {
			t.Fatal(err)
		}
		m2, err := e.svc.AddMessage(e.ctx, e.p, id, inbound("Thanks"))
		if err != nil {
			t.Fatal(err)
		}
		if !m1.CreatedAt.Equal(deskrules.Now(t0).Add(time.Millisecond)) || !m2.CreatedAt.Equal(m1.CreatedAt.Add(time.Millisecond)) ||
			m1.AuthorID != e.agent.ID || m2.AuthorID != e.user.ID {
			t.Errorf("times/authors: %v %v %s %s", m1.CreatedAt, m2.CreatedAt, m1.AuthorID, m2.AuthorID)
		}
		ms, err := e.svc.Messages(e.ctx, e.p, id)
		if err != nil || len(ms) != 3 || ms[1].ID != m1.ID || ms[2].ID != m2.ID {
			t.Fatalf("messages: %+v %v", ms, err)
		}
		if !strings.Contains(string(ms[1].Attributes), `"from":{"email":"support@acme.email.dixa.io"},"to":[{"email":"jane@example.org","name":"Jane Doe"}]`) {
			t.Errorf("outbound attributes: %s", ms[1].Attributes)
		}
		_, err = e.svc.Messages(e.ctx, e.p, 99)
		wantMsg(t, "messages of an unknown conversation", err, deskrules.MsgNotFound)

		// Anonymize one message, then the conversation (open: force needed).
		r, err := e.svc.AnonymizeMessage(e.ctx, e.p, id, m1.ID)
		if err != nil || r.Type != "Message" || r.TargetEntityID != "1_"+m1.ID.String() || r.RequestedBy != e.p.OwnerID || r.ProcessedAt == nil {
			t.Fatalf("anonymize message: %+v %v", r, err)
		}
		_, err = e.svc.AnonymizeMessage(e.ctx, e.p, id, m1.ID)
		wantMsg(t, "anonymize it again", err, deskrules.MsgMessageAnonymized)
		_, err = e.svc.AnonymizeMessage(e.ctx, e.p, id, uuid.New())
		wantMsg(t, "unknown message", err, deskrules.MsgNotFound)
		_, err = e.svc.AnonymizeConversation(e.ctx, e.p, id, false)
		wantMsg(t, "open conversation without force", err, deskrules.MsgConversationNotClosed)
		e.clk.Advance(time.Minute)
		r, err = e.svc.AnonymizeConversation(e.ctx, e.p, id, true)
		if err != nil || r.Type != "Conversation" || r.TargetEntityID != "1" {
			t.Fatalf("anonymize conversation: %+v %v", r, err)
		}
		got, err := e.svc.AnonymizationRequest(e.ctx, e.p, r.ID)
		if err != nil || got.ID != r.ID || got.ProcessedAt == nil {
			t.Errorf("request: %+v %v", got, err)
		}
		c, _ = e.svc.Conversation(e.ctx, e.p, id)
		if c.AnonymizedAt == nil || c.State != "Closed" || !c.StateUpdatedAt.Equal(deskrules.Now(t0.Add(time.Minute))) {
			t.Errorf("anonymized: %+v", c)
		}
		ms, _ = e.svc.Messages(e.ctx, e.p, id)
		for _, m := range ms {
			if !m.Redacted || strings.Contains(string(m.Attributes), "order") || strings.Contains(string(m.Attributes), "Thanks") {
				t.Errorf("not redacted: %s", m.Attributes)
			}
		}
		_, err = e.svc.AddMessage(e.ctx, e.p, id, inbound("again"))
		wantMsg(t, "add to an anonymized conversation", err, deskrules.MsgInvalidMessage)
		_, err = e.svc.AnonymizeMessage(e.ctx, e.p, id, m2.ID)
		wantMsg(t, "anonymize a message of an anonymized conversation", err, deskrules.MsgMessageAnonymized)
		_, err = e.svc.AnonymizeConversation(e.ctx, e.p, id, true)
		wantMsg(t, "anonymize it again", err, deskrules.MsgConversationAnonymized)

		// Another company's token: everything is 404.
		other := newEnv(t, st, deskservice.Config{})
		if _, err := other.svc.Conversation(e.ctx, other.p, id); err == nil {
			// other has no conversation 1 of its own yet
			t.Error("another company reads conversation 1")
		}
		_, err = other.svc.AnonymizationRequest(e.ctx, other.p, r.ID)
		wantMsg(t, "another company's request", err, deskrules.MsgNotFound)
		_, err = other.svc.Contact(e.ctx, other.p, store.DeskEndUser, e.user.ID)
		wantMsg(t, "another company's end user", err, deskrules.MsgNotFound)
	})
}

func TestCheckOrder(t *testing.T) {
	e := newEnv(t, storetest.Stores(t)[0].Store, deskservice.Config{})
	id := e.emailConversation()
	sms, err := e.svc.CreateConversation(e.ctx, e.p, deskrules.ConversationInput{Type: "Sms", RequesterID: e.user.ID,
		ContactEndpointID: "+4570000000", Message: e.outbound("Your code is 1234")})
	if err != nil {
		t.Fatal(err)
	}
	unknownAgent := e.outbound("x")
	unknownAgent.AgentID = uuid.New()
	cases := []struct {
		name string
		conv int64
		in   deskrules.MessageInput
		want string
	}{
		{"unknown conversation before the channel rules", 77, deskrules.MessageInput{Direction: "Inbound"}, deskrules.MsgNotFound},
		{"sms inbound", sms, inbound("hi"), deskrules.MsgInvalidMessage},
		{"channel rules before the agent", id, deskrules.MessageInput{Direction: deskrules.Outbound, AgentID: uuid.New()}, deskrules.MsgInvalidMessage},
		{"unknown agent", id, unknownAgent, deskrules.MsgNotFound},
	}
	for _, c := range cases {
		_, err := e.svc.AddMessage(e.ctx, e.p, c.conv, c.in)
		wantMsg(t, c.name, err, c.want)
	}
	ms, _ := e.svc.Messages(e.ctx, e.p, sms)
	if len(ms) != 1 {
		t.Errorf("the refused Sms message was stored: %d messages", len(ms))
	}
	// Create: requester 404, then Callback, then the requester's contact, then the agent.
	for _, c := range []struct {
		name string
		in   deskrules.ConversationInput
		want string
	}{
		{"unknown requester", deskrules.ConversationInput{Type: "Callback", RequesterID: uuid.New()}, deskrules.MsgNotFound},
		{"callback", deskrules.ConversationInput{Type: "Callback", RequesterID: e.user.ID}, deskrules.MsgUnsupportedChannel},
		{"unknown agent", deskrules.ConversationInput{Type: "Chat", RequesterID: e.user.ID, Message: unknownAgent}, deskrules.MsgNotFound},
		{"agent as requester", deskrules.ConversationInput{Type: "Chat", RequesterID: e.agent.ID, Message: inbound("x")}, deskrules.MsgNotFound},
	} {
		_, err := e.svc.CreateConversation(e.ctx, e.p, c.in)
		wantMsg(t, c.name, err, c.want)
	}
	nobody := e.must(e.svc.CreateEndUser(e.ctx, e.p, deskrules.ContactInput{DisplayName: "No contact"}))
	_, err = e.svc.CreateConversation(e.ctx, e.p, deskrules.ConversationInput{Type: "Email", RequesterID: nobody.ID,
		EmailIntegrationID: "s@x.io", Message: inbound("x")})
	wantMsg(t, "email requester without an email", err, deskrules.MsgInvalidMessage)
}

// TestDuplicateExternalIDUnderConcurrency: 8 concurrent adds with one externalId store exactly one
// message; the other 7 get Duplicate externalId. Against two service instances on PostgreSQL.
func TestDuplicateExternalIDUnderConcurrency(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			e := newEnv(t, n.Store, deskservice.Config{})
			id := e.emailConversation()
			second, err := store.Open(e.ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer second.Close()
			svcs := []*deskservice.Service{e.svc, deskservice.New(second, e.clk, deskservice.Config{})}
			var ok, dup atomic.Int32
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					in := inbound("hello")
					in.ExternalID = "EXT-1"
					_, err := svcs[i%2].AddMessage(e.ctx, e.p, id, in)
					switch {
					case err == nil:
						ok.Add(1)
					case apierr.As(err).Message == deskrules.MsgDuplicateExternalID:
						dup.Add(1)
					default:
						t.Error(err)
					}
				}(i)
			}
			wg.Wait()
			ms, _ := e.svc.Messages(e.ctx, e.p, id)
			if ok.Load() != 1 || dup.Load() != 7 || len(ms) != 2 {
				t.Errorf("stored %d, duplicates %d, messages %d", ok.Load(), dup.Load(), len(ms))
			}
		})
	}
}

func TestContacts(t *testing.T) {
	e := newEnv(t, storetest.Stores(t)[0].Store, deskservice.Config{})
	_, err := e.svc.CreateEndUser(e.ctx, e.p, deskrules.ContactInput{Email: "JANE@example.org"})
	wantMsg(t, "a taken email (any case)", err, deskrules.MsgEndUserValidation)
	_, err = e.svc.CreateAgent(e.ctx, e.p, deskrules.ContactInput{DisplayName: "B", Email: "alex@acme.example"})
	wantMsg(t, "a taken agent email", err, deskrules.MsgAgentValidation)
	if _, err := e.svc.CreateAgent(e.ctx, e.p, deskrules.ContactInput{DisplayName: "J", Email: "jane@example.org"}); err != nil {
		t.Errorf("an agent may share an end user's email: %v", err)
	}
	for i := 0; i < 4; i++ {
		e.clk.Advance(time.Millisecond)
		e.must(e.svc.CreateEndUser(e.ctx, e.p, deskrules.ContactInput{DisplayName: "U"}))
	}
	var seen []uuid.UUID
	var key *deskrules.PageKey
	for pages := 0; ; pages++ {
		items, next, err := e.svc.ListContacts(e.ctx, e.p, store.DeskEndUser, deskrules.Filter{}, key, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range items {
			seen = append(seen, c.ID)
		}
		if next == nil {
			if pages != 2 {
				t.Errorf("%d pages", pages+1)
			}
			break
		}
		key = next
	}
	if len(seen) != 5 || seen[0] != e.user.ID {
		t.Errorf("paged end users: %v", seen)
	}
	items, next, err := e.svc.ListContacts(e.ctx, e.p, store.DeskEndUser, deskrules.Filter{Field: "phone", Value: "+4512345678"}, nil, 50)
	if err != nil || len(items) != 1 || items[0].ID != e.user.ID || next != nil {
		t.Errorf("phone filter: %+v %v %v", items, next, err)
	}
}

// TestDownloads: with downloads on, an allow-listed loopback server is fetched; a failure refuses
// the message and stores nothing (the externalId stays free); loopback, private and metadata
// addresses are refused when they are not allow-listed.
func TestDownloads(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		switch r.URL.Path {
		case "/ok.pdf":
			w.Write([]byte("%PDF-1.4"))
		case "/redirect":
			http.Redirect(w, r, "/ok.pdf", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	st := storetest.Stores(t)[0].Store
	allowed := newEnv(t, st, deskservice.Config{DownloadAttachments: true, DownloadAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	id := allowed.emailConversation()
	add := func(e *env, conv int64, url, ext string) error {
		in := e.outbound("see attached")
		in.ExternalID = ext
		in.Attachments = []deskrules.File{{URL: url, PrettyName: "a.pdf"}}
		_, err := e.svc.AddMessage(e.ctx, e.p, conv, in)
		return err
	}
	if err := add(allowed, id, srv.URL+"/ok.pdf", "D-1"); err != nil {
		t.Fatalf("allow-listed download: %v", err)
	}
	if err := add(allowed, id, srv.URL+"/redirect", "D-2"); err != nil {
		t.Fatalf("redirect to an allowed address: %v", err)
	}
	wantMsg(t, "404 download", add(allowed, id, srv.URL+"/missing.pdf", "D-3"), deskrules.MsgDownloadFailed)
	wantMsg(t, "duplicate before download", add(allowed, id, srv.URL+"/missing.pdf", "D-1"), deskrules.MsgDuplicateExternalID)
	if err := add(allowed, id, srv.URL+"/ok.pdf", "D-3"); err != nil {
		t.Errorf("the externalId of a failed add stays free: %v", err)
	}
	if ms, _ := allowed.svc.Messages(allowed.ctx, allowed.p, id); len(ms) != 4 {
		t.Errorf("%d messages, want 4", len(ms))
	}

	guarded := newEnv(t, st, deskservice.Config{DownloadAttachments: true})
	gid := guarded.emailConversation()
	before := hits.Load()
	for _, url := range []string{
		srv.URL + "/ok.pdf",                       // loopback, not allow-listed
		"http://localhost/ok.pdf",                 // a name for loopback
		"http://10.0.0.1/a.pdf",                   // private
		"http://192.168.1.1/a.pdf",                // private
		"http://169.254.169.254/latest/meta-data", // cloud metadata
		"http://[::1]/a.pdf",                      // IPv6 loopback
		"http://[::ffff:127.0.0.1]/a.pdf",         // IPv4-mapped loopback
		"http://100.64.0.1/a.pdf",                 // CGNAT
	} {
		wantMsg(t, url, add(guarded, gid, url, ""), deskrules.MsgDownloadFailed)
	}
	if hits.Load() != before {
		t.Errorf("a refused address was reached (%d requests)", hits.Load()-before)
	}
	if ms, _ := guarded.svc.Messages(guarded.ctx, guarded.p, gid); len(ms) != 1 {
		t.Errorf("refused messages were stored: %d", len(ms))
	}

	// Off (the default): URLs are only checked, never fetched.
	off := newEnv(t, st, deskservice.Config{})
	oid := off.emailConversation()
	before = hits.Load()
	if err := add(off, oid, srv.URL+"/missing.pdf", ""); err != nil {
		t.Errorf("downloads off: %v", err)
	}
	if hits.Load() != before {
		t.Error("an attachment was fetched with downloads off")
	}
}

func TestOperatorView(t *testing.T) {
	e := newEnv(t, storetest.Stores(t)[0].Store, deskservice.Config{})
	a := e.emailConversation()
	b := e.emailConversation()
	cs, err := e.svc.TenantConversations(e.ctx, e.p.TenantID, 0, 10)
	if err != nil || len(cs) != 2 || cs[0].ID != b || cs[1].ID != a {
		t.Fatalf("operator list: %+v %v", cs, err)
	}
	c, ms, err := e.svc.TenantConversation(e.ctx, e.p.TenantID, a)
	if err != nil || c.ID != a || len(ms) != 1 {
		t.Fatalf("operator view: %+v %d %v", c, len(ms), err)
	}
	var attrs map[string]any
	if json.Unmarshal(ms[0].Attributes, &attrs) != nil || attrs["_type"] != "EmailAttributes" {
		t.Errorf("attributes: %s", ms[0].Attributes)
	}
	if _, _, err := e.svc.TenantConversation(e.ctx, e.p.TenantID, 42); apierr.KindOf(err) != apierr.NotFound {
		t.Errorf("unknown conversation: %v", err)
	}
	if _, err := e.svc.TenantConversations(e.ctx, uuid.New(), 0, 10); apierr.KindOf(err) != apierr.NotFound {
		t.Errorf("unknown tenant: %v", err)
	}
	if _, _, err := e.svc.IssueToken(e.ctx, uuid.New(), "x", uuid.Nil); apierr.KindOf(err) != apierr.NotFound {
		t.Errorf("token for an unknown tenant: %v", err)
	}
}

// A conversation longer than a page: Messages and MoreMessages list every message once, in
// order, a page at a time; anonymizing it redacts every message, on every page.
func TestLongConversation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, deskservice.Config{})
		id := e.emailConversation()
		n := 2*deskservice.MessagePageSize + 5
		if err := st.SeedDeskMessages(e.ctx, e.p.TenantID, id, n-2); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AddMessage(e.ctx, e.p, id, e.outbound("<p>Thanks</p>")); err != nil {
			t.Fatal(err)
		}
		list := func() []store.DeskMessage {
			var all []store.DeskMessage
			page, err := e.svc.Messages(e.ctx, e.p, id)
			for ; err == nil && len(page) > 0; page, err = e.svc.MoreMessages(e.ctx, e.p, page[len(page)-1]) {
				if len(page) > deskservice.MessagePageSize {
					t.Fatalf("a page of %d messages", len(page))
				}
				all = append(all, page...)
			}
			if err != nil {
				t.Fatal(err)
			}
			return all
		}
		all := list()
		if len(all) != n {
			t.Fatalf("%d messages listed, want %d", len(all), n)
		}
		for i := 1; i < n; i++ {
			if !all[i].CreatedAt.After(all[i-1].CreatedAt) {
				t.Fatalf("message %d at %s, not after %s", i, all[i].CreatedAt, all[i-1].CreatedAt)
			}
		}
		if _, err := e.svc.AnonymizeConversation(e.ctx, e.p, id, true); err != nil {
			t.Fatal(err)
		}
		redacted := 0
		for _, m := range list() {
			if m.Redacted && !strings.Contains(string(m.Attributes), "order") && !strings.Contains(string(m.Attributes), "Thanks") {
				redacted++
			}
		}
		if redacted != n {
			t.Fatalf("%d of %d messages redacted", redacted, n)
		}
	})
}
