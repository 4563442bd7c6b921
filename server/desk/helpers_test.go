package desk_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/desk"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// env is the Desk API mounted at /desk on one store, with a tenant, its token, an end user, an
// agent and an Email conversation.
type env struct {
	tb     testing.TB
	h      http.Handler
	st     *store.Store
	svc    *deskservice.Service
	tenant uuid.UUID
	token  string
	user   string
	agent  string
	conv   int64
}

func newEnv(tb testing.TB, st *store.Store) *env {
	tb.Helper()
	ctx := context.Background()
	tn := store.Tenant{ID: uuid.New(), Name: "Acme", Subdomain: "acme-" + uuid.NewString()[:8]}
	if err := st.CreateTenant(ctx, tn); err != nil {
		tb.Fatal(err)
	}
	svc := deskservice.New(st, clock.NewFixed(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), deskservice.Config{})
	token, _, err := svc.IssueToken(ctx, tn.ID, "test", uuid.Nil)
	if err != nil {
		tb.Fatal(err)
	}
	api, err := desk.New(svc)
	if err != nil {
		tb.Fatal(err)
	}
	r := chi.NewRouter()
	r.Mount(desk.Prefix, api)
	e := &env{tb: tb, h: r, st: st, svc: svc, tenant: tn.ID, token: token}
	e.user = e.id(e.must("POST", "/desk/v1/endusers", `{"displayName":"Jane Doe","email":"jane@example.org"}`, http.StatusCreated))
	e.agent = e.id(e.must("POST", "/desk/v1/agents", `{"displayName":"Alex","email":"alex@acme.example"}`, http.StatusCreated))
	var c struct {
		Data struct{ ID int64 } `json:"data"`
	}
	json.Unmarshal(e.must("POST", "/desk/v1/conversations", `{"requesterId":"`+e.user+`","emailIntegrationId":"support@acme.email.dixa.io","subject":"Order","message":{"content":{"value":"Where is my order?","_type":"Text"},"_type":"Inbound"},"_type":"Email"}`, http.StatusCreated), &c)
	e.conv = c.Data.ID
	return e
}

func newSQLiteEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnv(tb, storetest.Stores(tb)[0].Store)
}

func (e *env) do(method, target, body string, headers ...string) *httptest.ResponseRecorder {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, target, nil)
	} else {
		req = httptest.NewRequest(method, target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", e.token)
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func (e *env) must(method, target, body string, status int) []byte {
	e.tb.Helper()
	r := e.do(method, target, body)
	if r.Code != status {
		e.tb.Fatalf("%s %s: want %d, got %d %s", method, target, status, r.Code, r.Body)
	}
	return r.Body.Bytes()
}

func (e *env) id(body []byte) string {
	var o struct {
		Data struct{ ID string } `json:"data"`
	}
	if err := json.Unmarshal(body, &o); err != nil || o.Data.ID == "" {
		e.tb.Fatalf("no id in %s", body)
	}
	return o.Data.ID
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func mustPrincipal(t *testing.T, e *env) deskservice.Principal {
	t.Helper()
	p, err := e.svc.Authenticate(t.Context(), e.token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
