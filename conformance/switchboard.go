package conformance

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"net/http"
	"strings"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	helpdeskapi "github.com/switchboard-dev/switchboard/gen/helpdesk"
	"github.com/switchboard-dev/switchboard/openapi"
	"github.com/switchboard-dev/switchboard/server/httpkit"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// NewSwitchboardSuite returns a Suite for every API Switchboard publishes, configured as the
// server mounts them, with the server's body decoders registered.
func NewSwitchboardSuite() (*Suite, error) {
	httpkit.RegisterDecoders()
	var cfgs []Config
	for _, api := range openapi.APIs {
		raw, err := openapi.Spec(api.Name)
		if err != nil {
			return nil, err
		}
		cfg := Config{Name: api.Name, Spec: raw, Prefix: api.Prefix, ErrorSchema: "Error"}
		if api.Name == "helpdesk" {
			cfg.Authenticate = helpDeskTokenPresent
			cfg.DefaultRequestContentType = "application/x-www-form-urlencoded"
		}
		cfgs = append(cfgs, cfg)
	}
	return NewSuite(cfgs...)
}

// helpDeskTokenPresent: the Help Desk token may come as the ApiToken header, the apiToken query
// parameter, or the apiToken body field (which no security scheme can describe).
func helpDeskTokenPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	if _, ok := r.Header[http.CanonicalHeaderKey("ApiToken")]; ok {
		return nil
	}
	if r.URL.Query().Has("apiToken") {
		return nil
	}
	if r.Body != nil && r.GetBody != nil {
		if b, err := r.GetBody(); err == nil {
			raw, _ := io.ReadAll(b)
			if strings.Contains(string(raw), "apiToken") {
				return nil
			}
		}
	}
	return fmt.Errorf("no Help Desk token in the ApiToken header, the apiToken parameter or the body")
}

// Target is a running Switchboard to drive.
type Target struct {
	BaseURL    string            // e.g. http://127.0.0.1:8080
	AdminToken string            // operator API token
	Transport  http.RoundTripper // nil: the network; in-process: HandlerTransport(handler)
}

// Env is what scenarios drive the server with: the generated clients, behind the validating
// transport, so every exchange is checked and counted.
type Env struct {
	Target
	HTTP  *http.Client
	Admin *adminapi.ClientWithResponses
	fails []string
}

// NewEnv connects the generated clients to t through the suite.
func NewEnv(s *Suite, t Target) (*Env, error) {
	hc := &http.Client{Transport: s.RoundTripper(t.Transport), CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	admin, err := adminapi.NewClientWithResponses(strings.TrimRight(t.BaseURL, "/")+"/admin",
		adminapi.WithHTTPClient(hc), adminapi.WithRequestEditorFn(bearer(t.AdminToken)))
	if err != nil {
		return nil, err
	}
	return &Env{Target: t, HTTP: hc, Admin: admin}, nil
}

// HelpDesk returns a Help Desk client that sends token in the ApiToken header ("" sends none).
func (e *Env) HelpDesk(token string) *helpdeskapi.ClientWithResponses {
	opts := []helpdeskapi.ClientOption{helpdeskapi.WithHTTPClient(e.HTTP)}
	if token != "" {
		opts = append(opts, helpdeskapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("ApiToken", token)
			return nil
		}))
	}
	c, err := helpdeskapi.NewClientWithResponses(strings.TrimRight(e.BaseURL, "/")+"/helpdesk", opts...)
	if err != nil {
		panic(err) // only for a malformed base URL, which NewEnv already parsed
	}
	return c
}

func bearer(token string) adminapi.RequestEditorFn {
	return func(_ context.Context, r *http.Request) error {
		if token != "" && r.Header.Get("Authorization") == "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		return nil
	}
}

// Raw sends a hand-made request (for wire formats no generated client produces) through the
// validating transport. Headers are "Name: value" strings.
func (e *Env) Raw(ctx context.Context, method, path, contentType, body string, headers ...string) (*http.Response, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(e.BaseURL, "/")+path, rd)
	if err != nil {
		return nil, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ":")
		req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := e.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, b, err
}

// Failf records a failed expectation of a scenario.
func (e *Env) Failf(format string, args ...any) {
	e.fails = append(e.fails, fmt.Sprintf(format, args...))
}

// Expect records a failure unless ok.
func (e *Env) Expect(ok bool, format string, args ...any) bool {
	if !ok {
		e.Failf(format, args...)
	}
	return ok
}

// Scenario is one flow through the APIs.
type Scenario struct {
	Name string
	Run  func(ctx context.Context, e *Env) error
}

// Result is the outcome of one scenario.
type Result struct {
	Name     string
	Failures []string // unmet expectations, and the error that stopped the scenario, if any
}

// RunScenarios runs every scenario against t, each with a fresh Env, and returns the results.
func RunScenarios(ctx context.Context, s *Suite, t Target, scenarios []Scenario) ([]Result, error) {
	var out []Result
	for _, sc := range scenarios {
		e, err := NewEnv(s, t)
		if err != nil {
			return nil, err
		}
		if err := sc.Run(ctx, e); err != nil {
			e.fails = append(e.fails, "stopped: "+err.Error())
		}
		out = append(out, Result{Name: sc.Name, Failures: e.fails})
	}
	return out, nil
}

//go:embed exclusions.yaml
var remoteExclusions []byte

// Run checks the server at t: every scenario through the validating transport, then the
// coverage matrix (written to out). Pairs that need a failing server are excluded (see
// exclusions.yaml). It returns an error when a scenario failed, an exchange broke the contract
// or a declared pair was never exercised.
func Run(ctx context.Context, t Target, out io.Writer) error {
	s, err := NewSwitchboardSuite()
	if err != nil {
		return err
	}
	if err := s.addExclusions("exclusions.yaml", remoteExclusions); err != nil {
		return err
	}
	results, err := RunScenarios(ctx, s, t, Scenarios())
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		status := "ok"
		if len(r.Failures) > 0 {
			status = "FAIL"
			failed++
		}
		fmt.Fprintf(out, "%-4s %s\n", status, r.Name)
		for _, f := range r.Failures {
			fmt.Fprintf(out, "     %s\n", f)
		}
	}
	fmt.Fprintln(out)
	s.WriteMatrix(out)
	for _, v := range s.Violations() {
		fmt.Fprintln(out, v.String())
	}
	if err := s.Err(); err != nil || failed > 0 {
		return fmt.Errorf("conformance: %d of %d scenarios failed, %d contract violations, %d declared pairs not exercised",
			failed, len(results), len(s.Violations()), len(s.Missing()))
	}
	return nil
}
