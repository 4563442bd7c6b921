package admin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
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

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/openapi"
	"github.com/switchboard-dev/switchboard/server/admin"
	"github.com/switchboard-dev/switchboard/server/bracketform"
	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// t0 is the fixed clock's time in the tests that do not move time.
var t0 = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// env is one operator API on a fresh store, with a tenant, driven through the generated client.
type env struct {
	t      *testing.T
	ctx    context.Context
	svc    *service.Service
	c      *gen.ClientWithResponses
	tenant store.Tenant
}

// newEnv serves the operator API over st. The service runs on a fixed clock at t0, or, with
// virtual, on the operator's virtual clock.
func newEnv(t *testing.T, st *store.Store, virtual bool) *env {
	t.Helper()
	ctx := context.Background()
	svc := service.New(st)
	svc.Clock = clock.NewFixed(t0)
	if virtual {
		if err := svc.UseVirtualClock(ctx); err != nil {
			t.Fatal(err)
		}
	}
	const token = "test-admin-token"
	h, err := admin.New(svc, credential.Hash(token))
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Mount(admin.Prefix, h)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	c, err := gen.NewClientWithResponses(srv.URL+admin.Prefix, gen.WithHTTPClient(&validatingDoer{t: t}),
		gen.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	ten, err := svc.CreateTenant(ctx, "Acme Support", "acme")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, svc: svc, c: c, tenant: ten}
}

var (
	specOnce   sync.Once
	specRouter routers.Router
	specErr    error
)

// validatingDoer sends a request and checks the response against admin.yaml with kin-openapi:
// the status is declared for the operation, and headers and body match their schemas
// (required fields, nullability, additionalProperties: false, formats).
type validatingDoer struct{ t *testing.T }

func (d *validatingDoer) Do(req *http.Request) (*http.Response, error) {
	specOnce.Do(func() {
		var spec *openapi3.T
		// The published document: the served one (gen.Spec) has no responses to validate against.
		if spec, specErr = publishedSpec("admin"); specErr == nil {
			spec.Servers = nil
			specRouter, specErr = gorillamux.NewRouter(spec)
		}
	})
	if specErr != nil {
		d.t.Fatal(specErr)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	probe := httptest.NewRequest(req.Method, strings.TrimPrefix(req.URL.Path, admin.Prefix)+"?"+req.URL.RawQuery, nil)
	probe.Header = req.Header
	route, params, err := specRouter.FindRoute(probe)
	if err != nil {
		d.t.Errorf("%s %s: no operation in the spec: %v", req.Method, req.URL, err)
		return resp, nil
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		d.t.Errorf("%s %s: %d does not match the spec: %v\n%s", req.Method, req.URL, resp.StatusCode, err, body)
	}
	return resp, nil
}

// response is what every generated client response has.
type response interface{ StatusCode() int }

// expect fails the test unless r has status want.
func expect(t *testing.T, r response, body []byte, want int) {
	t.Helper()
	if r.StatusCode() != want {
		t.Fatalf("status %d, want %d; body %s", r.StatusCode(), want, body)
	}
}

// expectErr fails the test unless r is the spec's Error body with this status and code.
func expectErr(t *testing.T, r response, body []byte, status int, code gen.ErrorDetailCode) gen.Error {
	t.Helper()
	expect(t, r, body, status)
	var e gen.Error
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	if e.Error.Code != code || e.Error.Message == "" {
		t.Fatalf("error %+v, want code %s with a message", e.Error, code)
	}
	return e
}

// createExpert adds an expert through the API.
func (e *env) createExpert(name string, mod func(*gen.CreateExpertRequest)) gen.Expert {
	e.t.Helper()
	req := gen.CreateExpertRequest{Name: name, Languages: &[]string{"en"}}
	if mod != nil {
		mod(&req)
	}
	r, err := e.c.CreateExpertWithResponse(e.ctx, e.tenant.ID, req)
	if err != nil {
		e.t.Fatal(err)
	}
	expect(e.t, r, r.Body, http.StatusCreated)
	return *r.JSON201
}

// ask creates a Messaging question as the company's integration would, with the customer's
// email and refId and nested metadata (none of which experts may see).
func (e *env) ask(text string) uuid.UUID {
	e.t.Helper()
	v, err := e.svc.Ask(e.ctx, service.Principal{TenantID: e.tenant.ID, Scope: "read write"}, question.MessagingInput{
		Text: text, AuthorName: "Joe User", AuthorEmail: "joe.secret@example.com", AuthorRefID: "ref-secret-42",
		Metadata: json.RawMessage(`{"Plan":"Pro","Devices":["iPhone","iPad"],"Account":{"Worth":"1000000"},"Mixed":["a",{"b":"hidden-in-list"}]}`),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return v.Q.UUID
}

// saveHelpDesk creates a Help Desk question as the Help Desk API would.
func (e *env) saveHelpDesk(helpDeskID string) uuid.UUID {
	e.t.Helper()
	meta, err := bracketform.ParseJSONObject([]byte(`{"Browser":"Safari","Account":{"Worth":"1000000"}}`), bracketform.Limits{})
	if err != nil {
		e.t.Fatal(err)
	}
	nq, err := question.ValidateHelpDesk(question.HelpDeskInput{
		Text: "My printer is on fire", HelpDeskID: helpDeskID, Email: "jane.doe@example.com", Metadata: meta,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	hq, err := e.svc.SaveHelpDeskQuestion(e.ctx, e.tenant, nq)
	if err != nil {
		e.t.Fatal(err)
	}
	page, err := e.svc.TenantQuestions(e.ctx, e.tenant.ID, store.QuestionFilter{Channel: question.ChannelHelpDesk})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, q := range page.Questions {
		if q.ID == hq.ID {
			return q.UUID
		}
	}
	e.t.Fatalf("help desk question %d not listed", hq.ID)
	return uuid.Nil
}

// question reads the operator's view of a question.
func (e *env) question(id uuid.UUID) gen.TenantQuestionDetail {
	e.t.Helper()
	r, err := e.c.GetTenantQuestionWithResponse(e.ctx, e.tenant.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	expect(e.t, r, r.Body, http.StatusOK)
	return *r.JSON200
}

// publishedSpec decodes the published document of the named API (package openapi).
func publishedSpec(name string) (*openapi3.T, error) {
	raw, err := openapi.Spec(name)
	if err != nil {
		return nil, err
	}
	return openapi3.NewLoader().LoadFromData(raw)
}
