package httpkit_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

const testSpec = `
openapi: 3.0.3
info: {title: test, version: "1"}
servers:
  - url: https://api.example.com/v9
paths:
  /items:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
        - {name: kind, in: query, required: true, schema: {type: string, enum: [a, b]}}
      responses: {"200": {description: ok}}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name, count]
              properties:
                name: {type: string, pattern: 'NOT_BLANK', minLength: 1, maxLength: 10}
                count: {type: integer, minimum: 1}
                color: {type: string, enum: [red, green]}
                code: {type: string, pattern: '^[A-Z]{3}$', x-pattern-message: 'must be three capital letters'}
                plain: {type: string, pattern: '^x+$'}
                id: {type: string, format: uuid}
                nested:
                  type: object
                  properties:
                    deep: {type: string, minLength: 2}
          application/x-www-form-urlencoded:
            schema:
              type: object
              properties:
                name: {type: string}
                metadata: {type: object, additionalProperties: {type: string}}
      responses: {"200": {description: ok}}
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: integer, minimum: 1}}
    get: {responses: {"200": {description: ok}}}
    delete: {responses: {"204": {description: gone}}}
  /secure:
    get:
      security: [{key: []}]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
`

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	spec, err := openapi3.NewLoader().LoadFromData([]byte(strings.Replace(testSpec, "NOT_BLANK", textrule.NotBlankPattern, 1)))
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return spec
}

// validate runs kin's validator on a request the way NewRouter does (MultiError) and returns
// the raw error.
func validate(t *testing.T, spec *openapi3.T, auth openapi3filter.AuthenticationFunc, method, target, contentType, body string) error {
	t.Helper()
	s := *spec
	s.Servers = nil
	router, err := gorillamux.NewRouter(&s)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	route, params, err := router.FindRoute(r)
	if err != nil {
		t.Fatalf("FindRoute(%s %s): %v", method, target, err)
	}
	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: auth},
	})
}

func TestRequestProblem(t *testing.T) {
	httpkit.RegisterDecoders()
	spec := loadSpec(t)
	const js = "application/json"
	tests := []struct {
		name                        string
		method, target, ctype, body string
		want                        string // "" = valid
	}{
		{"valid query", "GET", "/items?kind=a&limit=100", "", "", ""},
		{"query minimum", "GET", "/items?kind=a&limit=0", "", "", `query parameter "limit": must be at least 1`},
		{"query maximum", "GET", "/items?kind=b&limit=101", "", "", `query parameter "limit": must be at most 100`},
		{"query enum", "GET", "/items?kind=c", "", "", `query parameter "kind": must be one of a, b`},
		{"path minimum", "GET", "/items/0", "", "", `path parameter "id": must be at least 1`},
		{"valid body", "POST", "/items", js, `{"name":"x","count":1}`, ""},
		{"maxLength counts characters", "POST", "/items", js, `{"name":"éééééééééé","count":1}`, ""},
		{"blank pattern, missing, unknown: one message each, sorted", "POST", "/items", js, `{"name":" ","extra":1}`,
			"count: is required; extra: is not a known field; name: must not be blank"},
		{"empty string: blank wins over empty (one per field)", "POST", "/items", js, `{"name":"","count":1}`,
			"name: must not be blank"},
		{"integer minimum in body", "POST", "/items", js, `{"name":"a","count":0}`, "count: must be at least 1"},
		{"maxLength", "POST", "/items", js, `{"name":"abcdefghijk","count":1}`, "name: must be at most 10 characters"},
		{"type", "POST", "/items", js, `{"name":"a","count":"x"}`, "count: must be an integer"},
		{"enum", "POST", "/items", js, `{"name":"a","count":1,"color":"blue"}`, "color: must be one of red, green"},
		{"x-pattern-message", "POST", "/items", js, `{"name":"a","count":1,"code":"abc"}`, "code: must be three capital letters"},
		{"pattern without message", "POST", "/items", js, `{"name":"a","count":1,"plain":"y"}`, "plain: does not match the pattern ^x+$"},
		{"format", "POST", "/items", js, `{"name":"a","count":1,"id":"nope"}`, "id: must be a valid uuid"},
		{"nested field is a dotted path", "POST", "/items", js, `{"name":"a","count":1,"nested":{"deep":"a"}}`, "nested.deep: must be at least 2 characters"},
		{"nested type", "POST", "/items", js, `{"name":"a","count":1,"nested":"x"}`, "nested: must be an object (a map of names to values)"},
		{"many at once", "POST", "/items", js, `{"name":"abcdefghijk","count":"x","color":"blue","code":"abc","nested":{"deep":"a"},"id":"nope"}`,
			"code: must be three capital letters; color: must be one of red, green; count: must be an integer; " +
				"id: must be a valid uuid; name: must be at most 10 characters; nested.deep: must be at least 2 characters"},
		{"body not an object", "POST", "/items", js, `[]`, "request body: must be an object (a map of names to values)"},
		{"malformed JSON", "POST", "/items", js, `{bad`, "request body: invalid character 'b' looking for beginning of object key string"},
		{"unsupported content type", "POST", "/items", "text/plain", `x`,
			`unsupported content type "text/plain": see the API's documentation for the accepted ones`},
		{"form body through the bracket decoder", "POST", "/items", "application/x-www-form-urlencoded", `name=a&metadata[x]=1`, ""},
		{"form nested too deep for the schema", "POST", "/items", "application/x-www-form-urlencoded", `metadata[a][b]=1`, "metadata.a: must be a string"},
		{"form bad escape", "POST", "/items", "application/x-www-form-urlencoded", `name=%zz`,
			`request body: invalid percent-encoding in value of key "name"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate(t, spec, nil, tt.method, tt.target, tt.ctype, tt.body)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidateRequest: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateRequest accepted the request; want %q", tt.want)
			}
			p := httpkit.RequestProblem(err)
			if p.Kind != apierr.Invalid {
				t.Errorf("kind = %v, want invalid", p.Kind)
			}
			if p.Message != tt.want {
				t.Errorf("message = %q\n           want %q\n(raw: %v)", p.Message, tt.want, err)
			}
		})
	}
}

// A required query parameter or body that is missing reads like a missing body field, not like
// kin's "value is required but missing".
func TestRequestProblemRequiredValueMissing(t *testing.T) {
	spec := loadSpec(t)
	tests := []struct {
		name, method, target, ctype, body, want string
	}{
		{"required query parameter", "GET", "/items", "", "", `query parameter "kind" is required`},
		{"required query parameter with another problem", "GET", "/items?limit=0", "", "",
			`query parameter "kind" is required; query parameter "limit": must be at least 1`},
		{"required body", "POST", "/items", "application/json", "", "request body is required (required: name, count)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validate(t, spec, nil, tt.method, tt.target, tt.ctype, tt.body)
			if err == nil {
				t.Fatal("request accepted")
			}
			p := httpkit.RequestProblem(err)
			if p.Kind != apierr.Invalid || p.Message != tt.want {
				t.Errorf("RequestProblem = %v %q, want invalid %q", p.Kind, p.Message, tt.want)
			}
		})
	}
}

// A value that cannot be parsed as the parameter's type should say what was expected.
func TestRequestProblemUnparsableParameter(t *testing.T) {
	spec := loadSpec(t)
	tests := []struct{ target, want string }{
		{"/items?kind=a&limit=abc", `query parameter "limit": must be an integer`},
		{"/items/abc", `path parameter "id": must be an integer`},
	}
	for _, tt := range tests {
		err := validate(t, spec, nil, "GET", tt.target, "", "")
		if err == nil {
			t.Fatalf("GET %s accepted", tt.target)
		}
		p := httpkit.RequestProblem(err)
		if p.Kind != apierr.Invalid || !strings.HasPrefix(p.Message, strings.SplitN(tt.want, ":", 2)[0]+": ") {
			t.Fatalf("GET %s: %v %q", tt.target, p.Kind, p.Message)
		}
		if !strings.Contains(p.Message, "integer") {
			t.Errorf("GET %s: %q does not say an integer was expected", tt.target, p.Message)
		}
	}
}

func TestRequestProblemSecurity(t *testing.T) {
	spec := loadSpec(t)
	t.Run("apierr from the authenticator is returned as is", func(t *testing.T) {
		want := apierr.Unauthorizedf("invalid key: rotate it in the console")
		auth := func(context.Context, *openapi3filter.AuthenticationInput) error { return want }
		err := validate(t, spec, auth, "GET", "/secure", "", "")
		if err == nil {
			t.Fatal("request accepted")
		}
		if got := httpkit.RequestProblem(err); got != want {
			t.Errorf("RequestProblem = %#v, want the authenticator's %#v", got, want)
		}
	})
	t.Run("a plain error (an outage) is internal, not bad credentials", func(t *testing.T) {
		auth := func(context.Context, *openapi3filter.AuthenticationInput) error {
			return errors.New("database is down")
		}
		err := validate(t, spec, auth, "GET", "/secure", "", "")
		got := httpkit.RequestProblem(err)
		if got.Kind != apierr.Internal || !strings.Contains(got.Message, "database is down") {
			t.Errorf("RequestProblem = %v %q", got.Kind, got.Message)
		}
	})
	t.Run("accepted", func(t *testing.T) {
		auth := func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }
		if err := validate(t, spec, auth, "GET", "/secure", "", ""); err != nil {
			t.Errorf("ValidateRequest: %v", err)
		}
	})
}

func TestRequestProblemFallbacks(t *testing.T) {
	tests := []struct {
		name string
		err  error
		kind apierr.Kind
		want string
	}{
		{"plain error", errors.New("something odd"), apierr.Invalid, "something odd"},
		{"empty multi error", openapi3.MultiError{}, apierr.Invalid, "invalid request"},
		{"apierr inside", openapi3.MultiError{apierr.Invalidf("b: bad"), apierr.Invalidf("a: bad")}, apierr.Invalid, "a: bad; b: bad"},
		{"duplicate field messages collapse", openapi3.MultiError{errors.New("x: one"), errors.New("x: two"), errors.New("y: three")},
			apierr.Invalid, "x: one; y: three"},
		{"unauthorized apierr wins", openapi3.MultiError{errors.New("x: one"), apierr.Unauthorizedf("who are you")},
			apierr.Unauthorized, "who are you"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := httpkit.RequestProblem(tt.err)
			if got.Kind != tt.kind || got.Message != tt.want {
				t.Errorf("RequestProblem = %v %q, want %v %q", got.Kind, got.Message, tt.kind, tt.want)
			}
		})
	}
}

func TestSchemaProblem(t *testing.T) {
	max := uint64(3)
	min := 2.5
	tests := []struct {
		name        string
		se          *openapi3.SchemaError
		field, want string
	}{
		{"minLength 1", &openapi3.SchemaError{SchemaField: "minLength", Schema: &openapi3.Schema{MinLength: 1}}, "", "must not be empty"},
		{"minLength 3", &openapi3.SchemaError{SchemaField: "minLength", Schema: &openapi3.Schema{MinLength: 3}}, "", "must be at least 3 characters"},
		{"maxLength", &openapi3.SchemaError{SchemaField: "maxLength", Schema: &openapi3.Schema{MaxLength: &max}}, "", "must be at most 3 characters"},
		{"minimum fraction", &openapi3.SchemaError{SchemaField: "minimum", Schema: &openapi3.Schema{Min: &min}}, "", "must be at least 2.5"},
		{"type array", &openapi3.SchemaError{SchemaField: "type", Schema: &openapi3.Schema{Type: &openapi3.Types{"array"}}}, "", "must be a list"},
		{"type string", &openapi3.SchemaError{SchemaField: "type", Schema: &openapi3.Schema{Type: &openapi3.Types{"string"}}}, "", "must be a string"},
		{"type none", &openapi3.SchemaError{SchemaField: "type", Schema: &openapi3.Schema{}}, "", "must be of another type"},
		{"unknown field with reason", &openapi3.SchemaError{SchemaField: "oneOf", Schema: &openapi3.Schema{}, Reason: "matches none"}, "", "matches none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			field, reason := httpkit.SchemaProblem(tt.se)
			if field != tt.field || reason != tt.want {
				t.Errorf("SchemaProblem = (%q, %q), want (%q, %q)", field, reason, tt.field, tt.want)
			}
		})
	}
}

// routerFixture mounts NewRouter at /api with a handler on every documented operation.
type routerFixture struct {
	root    http.Handler
	rw      *recordingWriter
	order   []string
	handled []string
}

func newRouterFixture(t *testing.T, auth openapi3filter.AuthenticationFunc, extra ...func(http.Handler) http.Handler) *routerFixture {
	t.Helper()
	httpkit.RegisterDecoders()
	f := &routerFixture{rw: &recordingWriter{}}
	mark := func(name string) func(http.Handler) http.Handler {
		return func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				f.order = append(f.order, name)
				next.ServeHTTP(w, r)
			})
		}
	}
	if auth == nil {
		auth = func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }
	}
	mws := append([]func(http.Handler) http.Handler{mark("first"), mark("second")}, extra...)
	r, err := httpkit.NewRouter(httpkit.API{Prefix: "/api", Spec: loadSpec(t), WriteError: f.rw.write, Authenticate: auth}, mws...)
	if err != nil {
		t.Fatal(err)
	}
	ok := func(w http.ResponseWriter, r *http.Request) {
		f.handled = append(f.handled, r.Method+" "+r.URL.Path)
		httpkit.WriteJSON(w, http.StatusOK, map[string]string{"ok": "yes"})
	}
	r.Get("/items", ok)
	r.Post("/items", ok)
	r.Get("/items/{id}", ok)
	r.Delete("/items/{id}", ok)
	r.Get("/secure", ok)
	root := chi.NewRouter()
	root.Mount("/api", r)
	f.root = root
	return f
}

func (f *routerFixture) do(method, target, ctype, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Host = "localhost:8080" // not the spec's server: Servers must be ignored
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	rec := httptest.NewRecorder()
	f.root.ServeHTTP(rec, req)
	return rec
}

func TestNewRouterServesValidRequests(t *testing.T) {
	f := newRouterFixture(t, nil)
	rec := f.do("GET", "/api/items?kind=a", "", "")
	if rec.Code != 200 || len(f.rw.errs) != 0 {
		t.Fatalf("GET /api/items = %d %s (errors %v)", rec.Code, rec.Body, f.rw.errs)
	}
	if !slices.Equal(f.order, []string{"first", "second"}) {
		t.Errorf("middlewares ran %q, want first then second", f.order)
	}
	if !slices.Equal(f.handled, []string{"GET /api/items"}) {
		t.Errorf("handled %q; the handler must see the full path", f.handled)
	}
	rec = f.do("POST", "/api/items", "application/json", `{"name":"n","count":2}`)
	if rec.Code != 200 {
		t.Errorf("POST /api/items = %d %s", rec.Code, rec.Body)
	}
	rec = f.do("DELETE", "/api/items/7", "", "")
	if rec.Code != 200 {
		t.Errorf("DELETE /api/items/7 = %d %s", rec.Code, rec.Body)
	}
}

func TestNewRouterErrors(t *testing.T) {
	tests := []struct {
		name                        string
		method, target, ctype, body string
		status                      int
		kind                        apierr.Kind
		allow                       []string
		message                     string
	}{
		{"unknown path", "GET", "/api/nope", "", "", 404, apierr.NotFound, nil, "no route for GET /api/nope"},
		{"unknown nested path", "POST", "/api/items/1/extra", "", "", 404, apierr.NotFound, nil, "no route for POST /api/items/1/extra"},
		{"wrong method on /items", "PUT", "/api/items", "", "", 405, apierr.MethodNotAllowed, []string{"GET", "POST"}, ""},
		{"DELETE on /items", "DELETE", "/api/items", "", "", 405, apierr.MethodNotAllowed, []string{"GET", "POST"}, ""},
		{"PATCH on /items/{id}", "PATCH", "/api/items/5", "", "", 405, apierr.MethodNotAllowed, []string{"GET", "DELETE"}, ""},
		{"POST on /items/{id}", "POST", "/api/items/5", "", "", 405, apierr.MethodNotAllowed, []string{"GET", "DELETE"}, ""},
		{"POST on /secure", "POST", "/api/secure", "", "", 405, apierr.MethodNotAllowed, []string{"GET"}, ""},
		{"bad query", "GET", "/api/items?kind=a&limit=0", "", "", 400, apierr.Invalid, nil, `query parameter "limit": must be at least 1`},
		{"bad body", "POST", "/api/items", "application/json", `{"name":" ","count":1,"zzz":true}`, 400, apierr.Invalid, nil,
			"name: must not be blank; zzz: is not a known field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newRouterFixture(t, nil)
			rec := f.do(tt.method, tt.target, tt.ctype, tt.body)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d (%s)", rec.Code, tt.status, rec.Body)
			}
			e := f.rw.only(t)
			if e.Kind != tt.kind {
				t.Errorf("kind = %v, want %v", e.Kind, tt.kind)
			}
			if !slices.Equal(e.Allow, tt.allow) {
				t.Errorf("Allow = %q, want %q", e.Allow, tt.allow)
			}
			if tt.allow != nil {
				if got := rec.Header().Get("Allow"); got != strings.Join(tt.allow, ", ") {
					t.Errorf("Allow header = %q", got)
				}
				if !strings.Contains(e.Message, tt.method) || !strings.Contains(e.Message, strings.Join(tt.allow, ", ")) {
					t.Errorf("message %q should name the method and the allowed ones", e.Message)
				}
			}
			if tt.message != "" && e.Message != tt.message {
				t.Errorf("message = %q, want %q", e.Message, tt.message)
			}
			if len(f.handled) != 0 {
				t.Errorf("handler ran: %q", f.handled)
			}
			var body map[string]string
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body["kind"] != tt.kind.String() {
				t.Errorf("body = %s, want the ErrorWriter's output", rec.Body)
			}
		})
	}
}

func TestNewRouterAuthentication(t *testing.T) {
	denied := apierr.Unauthorizedf("bad X-Key")
	auth := func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
		if in.RequestValidationInput.Request.Header.Get("X-Key") == "good" {
			return nil
		}
		return denied
	}
	f := newRouterFixture(t, auth)
	rec := f.do("GET", "/api/secure", "", "")
	if rec.Code != 401 {
		t.Errorf("status = %d, want 401", rec.Code)
	}
	if e := f.rw.only(t); e != denied {
		t.Errorf("error = %#v, want the authenticator's", e)
	}

	f = newRouterFixture(t, auth)
	req := httptest.NewRequest("GET", "/api/secure", nil)
	req.Header.Set("X-Key", "good")
	rec = httptest.NewRecorder()
	f.root.ServeHTTP(rec, req)
	if rec.Code != 200 || len(f.rw.errs) != 0 {
		t.Errorf("with a good key: %d %s", rec.Code, rec.Body)
	}
}

// NewRouter recovers panics in the API's format, including panics in the middlewares it is given.
func TestNewRouterRecovers(t *testing.T) {
	boom := func(http.Handler) http.Handler {
		return http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("middleware bug") })
	}
	f := newRouterFixture(t, nil, boom)
	rec := f.do("GET", "/api/items?kind=a", "", "")
	if rec.Code != 500 {
		t.Errorf("status = %d, want 500", rec.Code)
	}
	if e := f.rw.only(t); e.Kind != apierr.Internal {
		t.Errorf("kind = %v, want internal", e.Kind)
	}
}

func TestRegisterDecodersIdempotent(t *testing.T) {
	httpkit.RegisterDecoders()
	httpkit.RegisterDecoders()
	spec := loadSpec(t)
	if err := validate(t, spec, nil, "POST", "/items", "application/x-www-form-urlencoded", "name=a+b&metadata[k]=v"); err != nil {
		t.Errorf("form body after repeated RegisterDecoders: %v", err)
	}
}
