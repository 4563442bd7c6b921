package conformance

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	deskapi "github.com/switchboard-dev/switchboard/gen/desk"
	helpdeskapi "github.com/switchboard-dev/switchboard/gen/helpdesk"
	messagingapi "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/openapi"
	"github.com/switchboard-dev/switchboard/server/httpkit"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// NewSwitchboardSuite returns a Suite for every API Switchboard publishes, configured as the
// server mounts them, with the server's body decoders registered.
//
// The Messaging API's default error schema is its envelope (ErrorEnvelope: every /v1 failure
// and every route miss, /oauth paths included); its token and logout operations declare the
// RFC 6749 OAuthError, which their undeclared statuses are then held to as well. The Messaging
// API's unprefixed aliases (/messaging/questions/… for /messaging/v1/questions/…) are checked
// as the operations they alias.
func NewSwitchboardSuite() (*Suite, error) {
	httpkit.RegisterDecoders()
	var cfgs []Config
	for _, api := range openapi.APIs {
		raw, err := openapi.Spec(api.Name)
		if err != nil {
			return nil, err
		}
		cfg := Config{Name: api.Name, Spec: raw, Prefix: api.Prefix, ErrorSchema: "Error"}
		switch api.Name {
		case "helpdesk":
			cfg.Authenticate = helpDeskTokenPresent
			cfg.DefaultRequestContentType = "application/x-www-form-urlencoded"
		case "desk":
			cfg.ReadAs = deskReadAs
		case "messaging":
			cfg.ErrorSchema = "ErrorEnvelope"
			aliases, err := versionAliases(raw, "/v1")
			if err != nil {
				return nil, err
			}
			cfg.Aliases = aliases
		}
		cfgs = append(cfgs, cfg)
	}
	return NewSuite(cfgs...)
}

// versionAliases maps "/x" to version+"/x" for every first path segment x under version in the
// spec: the paths the server also answers without the version prefix.
func versionAliases(raw []byte, version string) (map[string]string, error) {
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range doc.Paths.Keys() {
		rest, ok := strings.CutPrefix(p, version+"/")
		if !ok {
			continue
		}
		seg, _, _ := strings.Cut(rest, "/")
		out["/"+seg] = version + "/" + seg
	}
	return out, nil
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

// deskReadAs is how the Desk API documents reading a request: the first value of a repeated
// query parameter; a body as JSON whatever its Content-Type, with null object members absent.
func deskReadAs(r *http.Request) {
	if r.URL.RawQuery != "" {
		first := url.Values{}
		for k, vs := range r.URL.Query() {
			first[k] = vs[:1]
		}
		r.URL.RawQuery = first.Encode()
	}
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	raw, _ := io.ReadAll(r.Body)
	r.Header.Set("Content-Type", "application/json")
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil && !dec.More() {
		if b, err := json.Marshal(withoutNulls(v)); err == nil {
			raw = b
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(raw)), nil }
	r.ContentLength = int64(len(raw))
}

func withoutNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e != nil {
				out[k] = withoutNulls(e)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutNulls(e)
		}
		return out
	}
	return v
}

// Target is a running Switchboard to drive.
type Target struct {
	BaseURL    string            // e.g. http://127.0.0.1:8080
	AdminToken string            // operator API token
	Transport  http.RoundTripper // nil: the network; in-process: HandlerTransport(handler)
}

// Clock modes a target can run on (GET /admin/v1/clock).
const (
	ClockWall    = "wall"
	ClockVirtual = "virtual"
)

// Env is what scenarios drive the server with: the generated clients, behind the validating
// transport, so every exchange is checked and counted.
type Env struct {
	Target
	HTTP  *http.Client
	Admin *adminapi.ClientWithResponses
	// ClockMode is the target's clock, ClockWall or ClockVirtual, as RunScenarios read it before
	// the first scenario; "" when unknown (an Env made with NewEnv).
	ClockMode string
	fails     []string
}

// Virtual reports whether the target runs the virtual clock, so a scenario may move time with
// advanceClock.
func (e *Env) Virtual() bool { return e.ClockMode == ClockVirtual }

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

// Messaging returns a Messaging API client that sends token as `Authorization: Bearer` ("" sends
// none, and a request that sets its own Authorization keeps it).
func (e *Env) Messaging(token string) *messagingapi.ClientWithResponses {
	opts := []messagingapi.ClientOption{messagingapi.WithHTTPClient(e.HTTP)}
	if token != "" {
		opts = append(opts, messagingapi.WithRequestEditorFn(messagingapi.RequestEditorFn(bearer(token))))
	}
	c, err := messagingapi.NewClientWithResponses(strings.TrimRight(e.BaseURL, "/")+"/messaging", opts...)
	if err != nil {
		panic(err) // only for a malformed base URL, which NewEnv already parsed
	}
	return c
}

// Desk returns a Desk API client that sends token as the bare `Authorization: <token>`, as Dixa's
// clients do ("" sends none).
func (e *Env) Desk(token string) *deskapi.ClientWithResponses {
	opts := []deskapi.ClientOption{deskapi.WithHTTPClient(e.HTTP)}
	if token != "" {
		opts = append(opts, deskapi.WithRequestEditorFn(func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", token)
			return nil
		}))
	}
	c, err := deskapi.NewClientWithResponses(strings.TrimRight(e.BaseURL, "/")+"/desk", opts...)
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

// Skip ends a scenario that cannot run against this target, with the reason:
//
//	if !e.Virtual() {
//		return e.Skip("needs a server started with --clock=virtual")
//	}
//
// Expectations recorded before it still count.
func (e *Env) Skip(reason string) error { return skipError{reason} }

type skipError struct{ reason string }

func (s skipError) Error() string { return "skipped: " + s.reason }

// Scenario is one flow through the APIs.
type Scenario struct {
	Name string
	Run  func(ctx context.Context, e *Env) error
}

// Result is the outcome of one scenario.
type Result struct {
	Name     string
	Failures []string // unmet expectations, and the error that stopped the scenario, if any
	Skipped  string   // why the scenario did not run to its end (Env.Skip), "" if it did
}

// ReadClockMode asks the target for its clock mode (GET /admin/v1/clock) through the suite.
func ReadClockMode(ctx context.Context, s *Suite, t Target) (string, error) {
	e, err := NewEnv(s, t)
	if err != nil {
		return "", err
	}
	r, err := e.Admin.GetClockWithResponse(ctx)
	if err != nil {
		return "", err
	}
	if r.JSON200 == nil {
		return "", fmt.Errorf("getClock: %d %s", r.StatusCode(), r.Body)
	}
	switch m := string(r.JSON200.Mode); m {
	case ClockWall, ClockVirtual:
		return m, nil
	default:
		return "", fmt.Errorf("getClock: unknown clock mode %q", m)
	}
}

// RunScenarios runs every scenario against t, each with a fresh Env, and returns the results.
// It reads the target's clock mode first (Env.ClockMode).
func RunScenarios(ctx context.Context, s *Suite, t Target, scenarios []Scenario) ([]Result, error) {
	mode, err := ReadClockMode(ctx, s, t)
	if err != nil {
		return nil, err
	}
	var out []Result
	for _, sc := range scenarios {
		e, err := NewEnv(s, t)
		if err != nil {
			return nil, err
		}
		e.ClockMode = mode
		res := Result{Name: sc.Name}
		if err := sc.Run(ctx, e); err != nil {
			var skip skipError
			if errors.As(err, &skip) {
				res.Skipped = skip.reason
			} else {
				e.fails = append(e.fails, "stopped: "+err.Error())
			}
		}
		res.Failures = e.fails
		out = append(out, res)
	}
	return out, nil
}

//go:embed exclusions.yaml
var remoteExclusions []byte

// clockExclusions are the pairs a target cannot produce on its clock: the 409 of setClock and
// advanceClock needs the wall clock, their 200 the virtual one.
func clockExclusions(mode string) []byte {
	var status, why string
	switch mode {
	case ClockVirtual:
		status, why = "409", "the target runs the virtual clock (--clock=virtual); the 409 needs a wall-clock server: exercised in-process by TestSwitchboard"
	default:
		status, why = "200", "the target runs the wall clock; moving time needs a server started with --clock=virtual (the timer scenarios are skipped too)"
	}
	var b strings.Builder
	for _, op := range []string{"setClock", "advanceClock"} {
		fmt.Fprintf(&b, "- {spec: admin, operationId: %s, status: %s, reason: %q}\n", op, status, why)
	}
	return []byte(b.String())
}

// Run checks the server at t: every scenario through the validating transport, then the
// coverage matrix (written to out). Pairs that need a failing server are excluded (see
// exclusions.yaml), and so are the pairs of setClock and advanceClock the target's clock mode
// cannot produce (read with getClock first). The timer scenarios need a server started with
// --clock=virtual; on the wall clock they are skipped (reported as "skip" with the reason).
// Moving the virtual clock runs every job that falls due on the server, for every tenant. Run
// returns an error when a scenario failed, an exchange broke the contract or a declared pair was
// never exercised.
func Run(ctx context.Context, t Target, out io.Writer) error {
	s, err := NewSwitchboardSuite()
	if err != nil {
		return err
	}
	if err := s.addExclusions("exclusions.yaml", remoteExclusions); err != nil {
		return err
	}
	mode, err := ReadClockMode(ctx, s, t)
	if err != nil {
		return fmt.Errorf("conformance: reading the target's clock mode: %w", err)
	}
	if err := s.addExclusions("clock mode "+mode, clockExclusions(mode)); err != nil {
		return err
	}
	hubEx, err := hubRemoteExclusions()
	if err != nil {
		return err
	}
	if err := s.addExclusions("hub", append(hubEx, hubClockExclusions(mode)...)); err != nil {
		return err
	}
	fmt.Fprintf(out, "target %s runs the %s clock\n\n", t.BaseURL, mode)
	results, err := RunScenarios(ctx, s, t, Scenarios())
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		status := "ok"
		switch {
		case len(r.Failures) > 0:
			status = "FAIL"
			failed++
		case r.Skipped != "":
			status = "skip"
		}
		fmt.Fprintf(out, "%-4s %s\n", status, r.Name)
		if r.Skipped != "" {
			fmt.Fprintf(out, "     skipped: %s\n", r.Skipped)
		}
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
