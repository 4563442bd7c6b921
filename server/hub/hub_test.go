package hub

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestEveryOperationHasIntakeRules: the intake knows every operation of the spec, and nothing else.
func TestEveryOperationHasIntakeRules(t *testing.T) {
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	var inSpec, known []string
	for _, item := range spec.Paths.Map() {
		for _, op := range item.Operations() {
			inSpec = append(inSpec, operationID(op.OperationID))
		}
	}
	for id := range operations {
		known = append(known, id)
	}
	sort.Strings(inSpec)
	sort.Strings(known)
	if strings.Join(inSpec, ",") != strings.Join(known, ",") {
		t.Fatalf("spec operations %v\nintake rules    %v", inSpec, known)
	}
	for id, op := range operations {
		if op.body != (id == "createHub" || id == "updateHub" || id == "createIntegration" || id == "updateIntegration" ||
			id == "establishConversation" || id == "sendCustomerActivity" || id == "sendBusinessActivity") {
			t.Errorf("%s: body %v", id, op.body)
		}
	}
}

// fixture is the API on a fresh store with a tenant and its engine token.
type fixture struct {
	h      http.Handler
	engine string // an engine access token
	portal string // a portal access token
	conv   string

	clientID, secret string // the engine client's credentials
}

func newFixture(t *testing.T, cfg Config) fixture {
	t.Helper()
	st := storetest.Stores(t)[0].Store
	ctx := context.Background()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	svc := hubservice.New(st, clock.NewFixed(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)))
	svc.UseKey(key)
	tenant := uuid.New()
	if err := st.CreateTenant(ctx, store.Tenant{ID: tenant, Name: "T", Subdomain: "t"}); err != nil {
		t.Fatal(err)
	}
	f := fixture{conv: uuid.NewString()}
	token := func(audience string) string {
		c, secret, err := svc.IssueClient(ctx, tenant, audience)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := svc.IssueToken(ctx, c.ClientID, secret)
		if err != nil {
			t.Fatal(err)
		}
		if audience == hubservice.AudienceEngine {
			f.clientID, f.secret = c.ClientID, secret
		}
		return tok.AccessToken
	}
	f.engine, f.portal = token(hubservice.AudienceEngine), token(hubservice.AudiencePortal)
	cfg.Service = svc
	h, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	root := chi.NewRouter() // mounted as the server mounts it
	root.Mount(Prefix, h)
	f.h = root
	return f
}

func errorCodes(t *testing.T, rec *httptest.ResponseRecorder) []int {
	t.Helper()
	var e gen.Error
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Status != rec.Code {
		t.Fatalf("error body %s (status %d)", rec.Body, rec.Code)
	}
	var out []int
	for _, x := range e.Errors {
		out = append(out, x.Code)
	}
	return out
}

// TestSlowBodyTimesOut: a body that does not arrive before the request's deadline is answered
// 408 ENG000108, and the connection is closed.
func TestSlowBodyTimesOut(t *testing.T) {
	f := newFixture(t, Config{Timeout: 200 * time.Millisecond})
	body, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	go w.Write([]byte(`{"message":{"type":"te`)) // and then nothing
	req := httptest.NewRequest(http.MethodPost, Prefix+"/inbound/customer/v1/direct/activity/"+f.conv, body)
	req.Header.Set("Authorization", "Bearer "+f.engine)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestTimeout || errorCodes(t, rec)[0] != 108 || rec.Header().Get("Connection") != "close" {
		t.Fatalf("slow body: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

// TestOrderBeforeTheBody: the token and the rate limit are checked before a byte of the body is
// read; the path before the body.
func TestOrderBeforeTheBody(t *testing.T) {
	f := newFixture(t, Config{RatePerSecond: 1e-9, RateBurst: 1})
	unread := func() io.Reader { return mustNotRead{t} }
	send := func(path, token string, body io.Reader) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, Prefix+path, body)
		req.Header.Set("Content-Type", "application/json")
		req.ContentLength = 10
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		return rec
	}
	if rec := send("/inbound/customer/v1/direct/activity/"+f.conv, "", unread()); rec.Code != 401 || errorCodes(t, rec)[0] != 102 {
		t.Errorf("no token: %d %s", rec.Code, rec.Body)
	}
	if rec := send("/inbound/customer/v1/direct/activity/not-a-guid", f.engine, strings.NewReader("{")); rec.Code != 400 || errorCodes(t, rec)[0] != 5020 {
		t.Errorf("bad path, bad body: %d %s", rec.Code, rec.Body)
	}
	// The burst of 1 is spent: the next request is refused before its body is read.
	rec := send("/inbound/customer/v1/direct/activity/"+f.conv, f.engine, unread())
	if rec.Code != 429 || errorCodes(t, rec)[0] != 429 || rec.Header().Get("Retry-After") == "" {
		t.Errorf("over the rate: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

// TestDraining: while the server drains every request answers 503 with Retry-After: 30.
func TestDraining(t *testing.T) {
	f := newFixture(t, Config{Draining: func() bool { return true }})
	req := httptest.NewRequest(http.MethodGet, Prefix+"/api/v1/conversations/"+f.conv+"/established", nil)
	req.Header.Set("Authorization", "Bearer "+f.engine)
	rec := httptest.NewRecorder()
	f.h.ServeHTTP(rec, req)
	if rec.Code != 503 || rec.Header().Get("Retry-After") != "30" || errorCodes(t, rec)[0] != 503 {
		t.Fatalf("draining: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}

// mustNotRead is a body that fails the test when read.
type mustNotRead struct{ t *testing.T }

func (m mustNotRead) Read([]byte) (int, error) {
	m.t.Error("the body was read")
	return 0, io.EOF
}

// TestTokenWithHTTPBasic: the client may authenticate with HTTP Basic instead of the body's
// fields (RFC 6749 §2.3.1: each part form-encoded, then base64); Basic wins when both are sent. A
// failed Basic authentication is a 401 invalid_client with the Basic challenge.
func TestTokenWithHTTPBasic(t *testing.T) {
	f := newFixture(t, Config{})
	basic := func(id, secret string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
	}
	send := func(authorization, form string) (*httptest.ResponseRecorder, map[string]any) {
		req := httptest.NewRequest(http.MethodPost, Prefix+"/connect/token", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if authorization != "" {
			req.Header.Set("Authorization", authorization)
		}
		rec := httptest.NewRecorder()
		f.h.ServeHTTP(rec, req)
		var m map[string]any
		json.Unmarshal(rec.Body.Bytes(), &m)
		return rec, m
	}
	for _, c := range []struct {
		what, authorization, form string
		status                    int
		oauthError, challenge     string
	}{
		{"Basic", basic(f.clientID, f.secret), "grant_type=client_credentials", 200, "", ""},
		{"Basic wins over the body", basic(f.clientID, f.secret), "grant_type=client_credentials&client_id=x&client_secret=y", 200, "", ""},
		{"the body's fields", "", "grant_type=client_credentials&client_id=" + url.QueryEscape(f.clientID) + "&client_secret=" + url.QueryEscape(f.secret), 200, "", ""},
		{"Basic, wrong secret", basic(f.clientID, "nope"), "grant_type=client_credentials", 401, "invalid_client", `Basic realm="hub"`},
		{"Basic, not base64", "Basic !!!", "grant_type=client_credentials", 401, "invalid_client", `Basic realm="hub"`},
		{"Basic without a colon", "Basic " + base64.StdEncoding.EncodeToString([]byte(f.clientID)), "grant_type=client_credentials", 401, "invalid_client", `Basic realm="hub"`},
		{"body, wrong secret", "", "grant_type=client_credentials&client_id=" + url.QueryEscape(f.clientID) + "&client_secret=nope", 401, "invalid_client", ""},
		{"no credentials at all", "", "grant_type=client_credentials", 400, "invalid_request", ""},
		{"Basic, password grant", basic(f.clientID, f.secret), "grant_type=password", 400, "unsupported_grant_type", ""},
	} {
		rec, m := send(c.authorization, c.form)
		if rec.Code != c.status || (c.status == 200) != (m["token_type"] == "Bearer") || c.oauthError != "" && m["error"] != c.oauthError ||
			rec.Header().Get("WWW-Authenticate") != c.challenge {
			t.Errorf("%s: %d %v %s; want %d %s %q", c.what, rec.Code, rec.Header(), rec.Body, c.status, c.oauthError, c.challenge)
		}
	}
}
