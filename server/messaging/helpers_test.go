package messaging_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/openapi"
	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/messaging"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// start is the test clock's start: the seed's example date.
var start = time.Date(2017, 5, 18, 16, 50, 38, 0, time.UTC)

// env is one Switchboard with the Messaging API mounted as server.New mounts it, on a fixed
// clock, with a tenant that has a read-write OAuth client and one active expert.
type env struct {
	t      testing.TB
	st     *store.Store
	svc    *service.Service
	clk    *clock.Fixed
	h      http.Handler
	tenant store.Tenant
	client string // client_id
	secret string
	expert uuid.UUID
}

func newEnv(t testing.TB) *env {
	t.Helper()
	return newEnvOn(t, storetest.Stores(t)[0].Store)
}

func newEnvOn(t testing.TB, st *store.Store) *env {
	t.Helper()
	ctx := context.Background()
	svc := service.New(st)
	clk := clock.NewFixed(start)
	svc.Clock = clk
	h, err := messaging.New(svc)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st, svc: svc, clk: clk, h: root(h)}
	if e.tenant, err = svc.CreateTenant(ctx, "Acme", "acme-"+uuid.NewString()[:8]); err != nil {
		t.Fatal(err)
	}
	e.client, e.secret = e.oauthClient(e.tenant.ID, "read", "write")
	name := "Jane Expert"
	ex, err := svc.CreateExpert(ctx, e.tenant.ID, service.ExpertInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	e.expert = ex.UUID
	return e
}

// root mirrors server.New's root router around the Messaging API: request ids, access log and
// the transport limits.
func root(api http.Handler) http.Handler {
	r := chi.NewRouter()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	r.Use(httpkit.RequestID, httpkit.AccessLog(logger), httpkit.Transport(httpkit.DefaultLimits))
	r.Mount(messaging.Prefix, api)
	return r
}

func (e *env) oauthClient(tenant uuid.UUID, scopes ...string) (id, secret string) {
	e.t.Helper()
	c, secret, err := e.svc.CreateOAuthClient(context.Background(), tenant, "integration", scopes)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ClientID, secret
}

// token gets an access token for the env's client.
func (e *env) token() string {
	e.t.Helper()
	return e.tokenFor(e.client, e.secret, "")
}

func (e *env) tokenFor(id, secret, scope string) string {
	e.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	if scope != "" {
		form.Set("scope", scope)
	}
	r := e.do("POST", "/messaging/oauth/token", form.Encode(), "Content-Type", "application/x-www-form-urlencoded")
	if r.status != 200 {
		e.t.Fatalf("token: %d %s", r.status, r.body)
	}
	return r.str("access_token")
}

// ask creates a question and returns its data.
func (e *env) ask(token, body string) map[string]any {
	e.t.Helper()
	r := e.do("POST", "/messaging/v1/questions", body, "Authorization", "Bearer "+token, "Content-Type", "application/json")
	if r.status != 201 {
		e.t.Fatalf("ask: %d %s", r.status, r.body)
	}
	return r.data()
}

// respond has the env's expert respond to a question.
func (e *env) respond(q string) {
	e.t.Helper()
	if _, err := e.svc.Respond(context.Background(), e.tenant.ID, e.expert, uuid.MustParse(q), "Open Settings, then Privacy."); err != nil {
		e.t.Fatal(err)
	}
}

// result is one answer.
type result struct {
	t      testing.TB
	status int
	header http.Header
	body   []byte
	json   map[string]any
}

func (r result) data() map[string]any {
	r.t.Helper()
	d, ok := r.json["data"].(map[string]any)
	if !ok {
		r.t.Fatalf("no data object in %s", r.body)
	}
	return d
}

func (r result) str(key string) string {
	s, _ := r.json[key].(string)
	return s
}

func (r result) meta() map[string]any {
	m, _ := r.json["meta"].(map[string]any)
	return m
}

func (r result) errorCode() string {
	e, _ := r.json["error"].(map[string]any)
	s, _ := e["code"].(string)
	return s
}

func (r result) errorMessage() string {
	e, _ := r.json["error"].(map[string]any)
	s, _ := e["message"].(string)
	return s
}

// do sends a request through the root router and checks what every answer must satisfy: the
// response matches the spec (status declared, headers, body schema), 304 has no body and no
// Content-Type, everything else is application/json;charset=UTF-8, and a failure off the token
// endpoints is the envelope with data null and a meta whose requestId is the X-Request-Id.
func (e *env) do(method, target string, body any, header ...string) result {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case nil:
	}
	req := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	reqBody, _ := body.([]byte)
	if s, ok := body.(string); ok {
		reqBody = []byte(s)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	res := result{t: e.t, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	if len(res.body) > 0 {
		if err := json.Unmarshal(res.body, &res.json); err != nil {
			e.t.Errorf("%s %s: %d body is not a JSON object: %v: %s", method, target, rec.Code, err, res.body)
		}
	}
	e.check(method, target, req.Header, reqBody, res)
	return res
}

func (e *env) check(method, target string, reqHeader http.Header, reqBody []byte, r result) {
	e.t.Helper()
	where := method + " " + target
	if r.status == http.StatusNotModified {
		if len(r.body) != 0 || r.header.Get("Content-Type") != "" {
			e.t.Errorf("%s: 304 with Content-Type %q and body %q", where, r.header.Get("Content-Type"), r.body)
		}
		return
	}
	if ct := r.header.Get("Content-Type"); ct != httpkit.JSONContentType {
		e.t.Errorf("%s: %d Content-Type %q", where, r.status, ct)
	}
	u, _ := url.Parse(target)
	oauth := strings.HasPrefix(u.Path, "/messaging/oauth/")
	if r.status >= 400 && (!oauth || r.status == 404 || r.status == 405) {
		e.checkEnvelopeError(where, r)
	}
	if oauth && r.status >= 400 && r.status != 404 && r.status != 405 {
		if len(r.json) != 2 || r.str("error") == "" || r.str("error_description") == "" {
			e.t.Errorf("%s: OAuth error must be exactly {error, error_description}: %s", where, r.body)
		}
	}
	if !oauth && r.status < 300 {
		if _, ok := r.json["data"]; !ok || r.meta() == nil {
			e.t.Errorf("%s: not an envelope: %s", where, r.body)
		}
		if r.meta()["requestId"] != r.header.Get("X-Request-Id") {
			e.t.Errorf("%s: meta.requestId %v, X-Request-Id %q", where, r.meta()["requestId"], r.header.Get("X-Request-Id"))
		}
	}
	e.validate(method, u, reqHeader, reqBody, r)
}

func (e *env) checkEnvelopeError(where string, r result) {
	e.t.Helper()
	if len(r.json) != 3 || r.json["data"] != nil || r.meta() == nil || r.errorMessage() == "" || r.errorCode() == "" {
		e.t.Errorf("%s: error is not the envelope {meta, data: null, error}: %s", where, r.body)
		return
	}
	m := r.meta()
	if m["version"] != "v1" || m["requestId"] != r.header.Get("X-Request-Id") {
		e.t.Errorf("%s: meta %v (X-Request-Id %q)", where, m, r.header.Get("X-Request-Id"))
	}
	ts, err := time.Parse(time.RFC3339, m["timestamp"].(string))
	if want := e.clk.Now().Truncate(time.Second); err != nil || !ts.Equal(want) || !strings.HasSuffix(m["timestamp"].(string), "Z") {
		e.t.Errorf("%s: meta.timestamp %v, want %s", where, m["timestamp"], want.Format(time.RFC3339))
	}
	if r.status == 401 && r.header.Get("WWW-Authenticate") != `Bearer error="invalid_token"` {
		e.t.Errorf("%s: 401 WWW-Authenticate %q", where, r.header.Get("WWW-Authenticate"))
	}
	if r.status == 405 && r.header.Get("Allow") == "" {
		e.t.Errorf("%s: 405 without Allow", where)
	}
	msg := strings.ToLower(r.errorMessage())
	for _, leak := range []string{"sql", "database", "bun", "goroutine", ".go:", "panic"} {
		if strings.Contains(msg, leak) {
			e.t.Errorf("%s: error message leaks %q: %s", where, leak, r.errorMessage())
		}
	}
	if r.status == 500 && r.errorMessage() != "internal error (request id "+r.header.Get("X-Request-Id")+")" {
		e.t.Errorf("%s: 500 message %q", where, r.errorMessage())
	}
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

var aliasSegments = map[string]bool{
	"questions": true, "responses": true, "messages": true, "classifications": true,
	"predictiveRouting": true, "automaticAnswers": true, "content": true, "trainingFiles": true,
}

// validate checks the response against messaging.yaml with kin-openapi (status declared,
// headers, body schema) when the request matches an operation.
func (e *env) validate(method string, u *url.URL, reqHeader http.Header, reqBody []byte, r result) {
	e.t.Helper()
	specOnce.Do(func() {
		var spec *openapi3.T
		// The published document: the served one (gen.Spec) has no responses to validate against.
		if spec, specErr = publishedSpec("messaging"); specErr == nil {
			spec.Servers = nil
			specRouter, specErr = gorillamux.NewRouter(spec)
		}
	})
	if specErr != nil {
		e.t.Fatal(specErr)
	}
	path := strings.TrimPrefix(u.Path, messaging.Prefix)
	if path == "" {
		return
	}
	if first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/"); aliasSegments[first] {
		path = "/v1" + path
	}
	probe := httptest.NewRequest(method, path+"?"+u.RawQuery, bytes.NewReader(reqBody))
	probe.Header = reqHeader
	route, params, err := specRouter.FindRoute(probe)
	if err != nil {
		return // a route miss: checked as an envelope error above
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route},
		Status:                 r.status,
		Header:                 r.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(r.body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.t.Errorf("%s %s: %d does not match the spec: %v\n%s", method, u, r.status, err, r.body)
	}
}

// bearer is the Authorization header pair for token.
func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func jsonHeaders(token string) []string {
	return []string{"Authorization", "Bearer " + token, "Content-Type", "application/json"}
}

// multipartBody builds an upload with a file part (nil = none) and an optional description.
func multipartBody(t *testing.T, file []byte, description string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if file != nil {
		fw, err := mw.CreateFormFile("file", "transcripts.csv")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(file)
	}
	if description != "" {
		mw.WriteField("description", description)
	}
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// configureClasses gives the env's company two classes for the text endpoints.
func (e *env) configureClasses() {
	e.t.Helper()
	_, err := e.svc.UpdateSettings(context.Background(), e.tenant.ID, []byte(`{
		"classes": [
			{"name": "billing", "keywords": ["invoice", "refund"], "answer": {"title": "Refunds", "body": "Refunds take **5 days**.\nSee https://example.com/refunds"}},
			{"name": "shipping", "keywords": ["parcel", "delivery", "tracking"], "answer": {"title": "Where is my parcel", "body": "Track it <b>online</b>."}}
		],
		"agentOnlyKeywords": ["lawsuit", "lawyer"]}`))
	if err != nil {
		e.t.Fatal(err)
	}
}

// publishedSpec decodes the published document of the named API (package openapi).
func publishedSpec(name string) (*openapi3.T, error) {
	raw, err := openapi.Spec(name)
	if err != nil {
		return nil, err
	}
	return openapi3.NewLoader().LoadFromData(raw)
}
