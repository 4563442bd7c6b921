package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func readSpec(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newTestSuite(t testing.TB) *Suite {
	t.Helper()
	s, err := NewSuite(
		Config{Name: "testdesk", Spec: readSpec(t, "testdesk.yaml"), Prefix: "/testdesk", ErrorSchema: "Error",
			Unchecked: []string{"/openapi.json"}},
		Config{Name: "msgs", Spec: readSpec(t, "msgs.yaml"), Prefix: "/msgs/"}, // error schema inferred
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type call struct {
	method, path, body string
	hdr                []string // "Name: value"
}

// env is a suite in front of a test server, reached over the network or in-process.
type env struct {
	s      *Suite
	ts     *testServer
	client *http.Client
	base   string
}

func newEnv(t *testing.T, mode string, inProcess bool) *env {
	t.Helper()
	e := &env{s: newTestSuite(t), ts: &testServer{mode: mode}}
	next := http.RoundTripper(http.DefaultTransport)
	if inProcess {
		next = HandlerTransport(e.ts)
		e.base = "http://testserver.invalid"
	} else {
		srv := httptest.NewServer(e.ts)
		t.Cleanup(srv.Close)
		next = srv.Client().Transport
		e.base = srv.URL
	}
	e.client = &http.Client{
		Transport:     e.s.RoundTripper(next),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return e
}

func (e *env) do(t *testing.T, c call) (*http.Response, []byte) {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, e.base+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range c.hdr {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Add(k, v)
	}
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

const auth = "Authorization: Bearer t0ken"

// fullRun exercises every declared pair and both route-miss statuses of both specs.
var fullRun = []struct {
	c      call
	status int
}{
	{call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"Printer on fire"}`, hdr: []string{auth}}, 201},
	{call{method: "POST", path: "/testdesk/tickets", body: `{"subject":""}`, hdr: []string{auth}}, 400},
	{call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"x"}`}, 401},
	{call{method: "GET", path: "/testdesk/tickets/T1"}, 200},
	{call{method: "GET", path: "/testdesk/tickets/T1", hdr: []string{auth, `If-None-Match: "v1"`}}, 304},
	{call{method: "GET", path: "/testdesk/tickets/T404"}, 404},
	{call{method: "DELETE", path: "/testdesk/tickets/T1"}, 204},
	{call{method: "DELETE", path: "/testdesk/tickets/T404"}, 404},
	{call{method: "GET", path: "/testdesk/nope"}, 404},
	{call{method: "PUT", path: "/testdesk/tickets/T1", body: `{}`}, 405},
	{call{method: "HEAD", path: "/testdesk/tickets/T1"}, 405},
	{call{method: "GET", path: "/msgs/messages"}, 200},
	{call{method: "GET", path: "/msgs/messages?limit=0"}, 400},
	{call{method: "POST", path: "/msgs/messages"}, 405},
	{call{method: "GET", path: "/msgs/nope"}, 404},
	{call{method: "GET", path: "/outside"}, 200},
	{call{method: "GET", path: "/testdesk/openapi.json"}, 404},
}

const fullMatrix = `testdesk (prefix /testdesk): 11 exchanges checked, 2 with an invalid request
  createTicket  POST /tickets
    201  1
    400  1
    401  1
  getTicket  GET /tickets/{id}
    200  1
    304  1
    404  1
  deleteTicket  DELETE /tickets/{id}
    204  1
    404  1
  (route-miss)
    404  1
    405  2
  total: 8 declared, 8 exercised, 0 excluded, 0 missing, 0 stale exclusions; coverage 100.0% (8/8)

msgs (prefix /msgs): 4 exchanges checked, 1 with an invalid request
  listMessages  GET /messages
    200  1
    4XX  1
  (route-miss)
    404  1
    405  1
  total: 2 declared, 2 exercised, 0 excluded, 0 missing, 0 stale exclusions; coverage 100.0% (2/2)

unchecked requests (outside every prefix): 2
`

func TestCorrectServer(t *testing.T) {
	for _, inProcess := range []bool{false, true} {
		t.Run(fmt.Sprintf("inProcess=%v", inProcess), func(t *testing.T) {
			e := newEnv(t, "", inProcess)
			for _, r := range fullRun {
				if r.c.method == "HEAD" && inProcess {
					continue // the in-process handler writes a body on HEAD; see TestMisbehaviour
				}
				resp, _ := e.do(t, r.c)
				if resp.StatusCode != r.status {
					t.Fatalf("%s %s: status %d, want %d", r.c.method, r.c.path, resp.StatusCode, r.status)
				}
			}
			for _, v := range e.s.Violations() {
				t.Errorf("unexpected violation %s", v)
			}
			if m := e.s.Missing(); len(m) != 0 {
				t.Errorf("missing pairs: %+v", m)
			}
			if err := e.s.Err(); err != nil {
				t.Errorf("Err() = %v", err)
			}
			if inProcess {
				return
			}
			var b strings.Builder
			e.s.WriteMatrix(&b)
			if b.String() != fullMatrix {
				t.Errorf("matrix:\n%s\nwant:\n%s", b.String(), fullMatrix)
			}
			e.s.Check(t)
		})
	}
}

func TestMisbehaviour(t *testing.T) {
	expect500 := ExpectStatusHeader + ": 500"
	tests := []struct {
		name      string
		mode      string
		inProcess bool
		c         call
		kinds     []string
	}{
		{"wrong field type", "wrong-type", false, call{method: "GET", path: "/testdesk/tickets/T1"}, []string{KindResponseSchema}},
		{"undeclared status", "undeclared-status", false, call{method: "GET", path: "/testdesk/tickets/T1"}, []string{KindStatusUndeclared}},
		{"status matched only by default", "default-only", false,
			call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"x"}`, hdr: []string{auth}}, []string{KindStatusUndeclared}},
		{"body on 304", "304-body", true, call{method: "GET", path: "/testdesk/tickets/T1", hdr: []string{`If-None-Match: "v1"`}}, []string{KindNoBodyExpected}},
		{"Content-Type on 304", "304-content-type", true, call{method: "GET", path: "/testdesk/tickets/T1", hdr: []string{`If-None-Match: "v1"`}}, []string{KindContentType}},
		{"304 without declared ETag", "304-no-etag", false, call{method: "GET", path: "/testdesk/tickets/T1", hdr: []string{`If-None-Match: "v1"`}}, []string{KindETag}},
		{"304 not declared", "delete-304", false, call{method: "DELETE", path: "/testdesk/tickets/T1"}, []string{KindStatusUndeclared}},
		{"201 without declared Location", "201-no-location", false,
			call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"x"}`, hdr: []string{auth}}, []string{KindLocation}},
		{"201 Location naming no resource", "201-location-unknown", false,
			call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"x"}`, hdr: []string{auth}}, []string{KindLocation}},
		{"201 Location in another API", "201-location-other-api", false,
			call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"x"}`, hdr: []string{auth}}, []string{KindLocation}},
		{"201 absolute Location", "201-location-absolute", false,
			call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"x"}`, hdr: []string{auth}}, nil},
		{"malformed ETag", "bad-etag", false, call{method: "GET", path: "/testdesk/tickets/T1"}, []string{KindETag}},
		{"required header missing", "missing-etag", false, call{method: "GET", path: "/testdesk/tickets/T1"}, []string{KindResponseHeader}},
		{"body on 204", "204-body", true, call{method: "DELETE", path: "/testdesk/tickets/T1"}, []string{KindNoBodyExpected}},
		{"body on HEAD", "", true, call{method: "HEAD", path: "/testdesk/tickets/T1"}, []string{KindNoBodyExpected}},
		{"text/plain error", "text-404", false, call{method: "GET", path: "/testdesk/tickets/T404"}, []string{KindErrorBody}},
		{"405 without Allow", "405-no-allow", false, call{method: "PUT", path: "/testdesk/tickets/T1"}, []string{KindAllowHeader}},
		{"405 with wrong Allow", "405-wrong-allow", false, call{method: "PUT", path: "/testdesk/tickets/T1"}, []string{KindAllowHeader}},
		{"404 where 405 is due", "405-as-404", false, call{method: "PUT", path: "/testdesk/tickets/T1"}, []string{KindRouteMiss}},
		{"200 on an unknown path", "unknown-200", false, call{method: "GET", path: "/testdesk/nope"}, []string{KindRouteMiss}},
		{"2xx to an invalid request", "accept-invalid", false,
			call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"x","extra":1}`, hdr: []string{auth}}, []string{KindNegativeAccepted}},
		{"invalid request redirected", "redirect", false, call{method: "GET", path: "/testdesk/tickets/X1"}, []string{KindRequest, KindStatusUndeclared}},
		{"missing Content-Type", "missing-content-type", false, call{method: "GET", path: "/testdesk/tickets/T1"}, []string{KindContentType}},
		{"undeclared Content-Type", "wrong-content-type", false, call{method: "GET", path: "/testdesk/tickets/T1"}, []string{KindContentType}},
		{"empty 200", "empty-200", false, call{method: "GET", path: "/testdesk/tickets/T1"}, []string{KindEmptySuccess}},
		{"500", "500", false, call{method: "GET", path: "/testdesk/tickets/T1"}, []string{KindServerError}},
		{"expected 500 still undeclared", "500", false, call{method: "GET", path: "/testdesk/tickets/T1", hdr: []string{expect500}}, []string{KindStatusUndeclared}},
		{"expected 500 matched by default", "500", false,
			call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"x"}`, hdr: []string{auth, expect500}}, []string{KindStatusUndeclared}},
		{"expected status not met", "", false, call{method: "GET", path: "/testdesk/tickets/T1", hdr: []string{ExpectStatusHeader + ": 404"}}, []string{KindExpectStatus}},
		{"route-miss body of another API", "msgs-desk-error", false, call{method: "GET", path: "/msgs/nope"}, []string{KindErrorBody}},
		{"declared 4XX body of another API", "msgs-desk-error", false, call{method: "GET", path: "/msgs/messages?limit=0"}, []string{KindErrorBody}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.mode, tt.inProcess)
			e.do(t, tt.c)
			var got []string
			for _, v := range e.s.Violations() {
				got = append(got, v.Kind)
				t.Logf("%s", v)
				if !strings.HasPrefix(v.Curl, "curl ") || !strings.Contains(v.Curl, tt.c.path) {
					t.Errorf("bad curl %q", v.Curl)
				}
			}
			if !slices.Equal(got, tt.kinds) {
				t.Errorf("violation kinds %q, want %q", got, tt.kinds)
			}
		})
	}
}

func TestResponseUntouched(t *testing.T) {
	for _, mode := range []string{"", "wrong-type", "text-404"} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, mode, false)
			for _, path := range []string{"/testdesk/tickets/T1", "/testdesk/tickets/T404", "/testdesk/nope"} {
				direct, err := http.Get(e.base + path)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := io.ReadAll(direct.Body)
				direct.Body.Close()
				resp, got := e.do(t, call{method: "GET", path: path})
				if !bytes.Equal(got, want) {
					t.Errorf("%s: caller read %q, server sent %q", path, got, want)
				}
				if resp.ContentLength != direct.ContentLength || resp.Header.Get("Content-Type") != direct.Header.Get("Content-Type") {
					t.Errorf("%s: headers changed: %v vs %v", path, resp.Header, direct.Header)
				}
			}
		})
	}
}

func TestRequestUntouched(t *testing.T) {
	e := newEnv(t, "", false)
	body := `{"subject":"it's \"quoted\""}`
	req, _ := http.NewRequest("POST", e.base+"/testdesk/tickets", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer t0ken")
	req.Header.Set(ExpectStatusHeader, "201")
	resp, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if string(e.ts.lastBody) != body {
		t.Errorf("server received %q, want %q", e.ts.lastBody, body)
	}
	if e.ts.lastHdr.Get(ExpectStatusHeader) != "" {
		t.Errorf("%s reached the server", ExpectStatusHeader)
	}
	if e.ts.lastHdr.Get("Authorization") != "Bearer t0ken" {
		t.Errorf("Authorization lost")
	}
	if req.Header.Get(ExpectStatusHeader) != "201" {
		t.Errorf("the caller's request was modified")
	}
	if v := e.s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
}

type failingBody struct{ r io.Reader }

func (b failingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}
func (failingBody) Close() error { return nil }

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestBodyReadErrorReplayed(t *testing.T) {
	s := newTestSuite(t)
	next := rtFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}, "Etag": {`"v1"`}},
			Body: failingBody{strings.NewReader(`{"id":"T1","sub`)}, Request: r}, nil
	})
	c := &http.Client{Transport: s.RoundTripper(next)}
	resp, err := c.Get("http://x/testdesk/tickets/T1")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	if string(got) != `{"id":"T1","sub` || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("caller read %q, %v", got, err)
	}
	vs := s.Violations()
	if len(vs) == 0 || vs[0].Kind != KindBodyRead {
		t.Errorf("violations %v, want body-read first", vs)
	}
}

func TestCurl(t *testing.T) {
	e := newEnv(t, "accept-invalid", false)
	e.do(t, call{method: "POST", path: "/testdesk/tickets", body: `{"subject":"it's","x":1}`,
		hdr: []string{auth, ExpectStatusHeader + ": 201"}})
	vs := e.s.Violations()
	if len(vs) != 1 {
		t.Fatalf("violations %v", vs)
	}
	want := `curl -sS -i -X 'POST' '` + e.base + `/testdesk/tickets' -H 'Authorization: Bearer t0ken' -H 'Content-Type: application/json' --data-binary '{"subject":"it'\''s","x":1}'`
	if vs[0].Curl != want {
		t.Errorf("curl:\n%s\nwant:\n%s", vs[0].Curl, want)
	}
	if v := vs[0]; v.Spec != "testdesk" || v.Method != "POST" || v.Path != "/testdesk/tickets" || v.OperationID != "createTicket" || v.Status != 201 {
		t.Errorf("violation fields: %+v", v)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExclusions(t *testing.T) {
	e := newEnv(t, "", false)
	yamlFile := writeFile(t, "exclusions.yaml", `
- spec: testdesk
  operationId: getTicket
  status: 304
  reason: conditional GETs are covered by the cache scenario
- spec: msgs
  operationId: listMessages
  status: 4XX
  reason: no negative scenarios yet
`)
	if err := e.s.LoadExclusions(yamlFile); err != nil {
		t.Fatal(err)
	}
	jsonFile := writeFile(t, "more.json", `[{"spec":"testdesk","operationId":"deleteTicket","status":"404","reason":"idempotent delete"}]`)
	if err := e.s.LoadExclusions(jsonFile); err != nil {
		t.Fatal(err)
	}
	for _, c := range []call{
		{method: "POST", path: "/testdesk/tickets", body: `{"subject":"a"}`, hdr: []string{auth}},
		{method: "GET", path: "/testdesk/tickets/T1"},
		{method: "GET", path: "/testdesk/tickets/T1"},
		{method: "GET", path: "/testdesk/tickets/T404"},
		{method: "DELETE", path: "/testdesk/tickets/T1"},
		{method: "GET", path: "/msgs/messages?limit=0"},
		{method: "GET", path: "/msgs/messages"},
	} {
		e.do(t, c)
	}
	if v := e.s.Violations(); len(v) != 0 {
		t.Fatalf("violations: %v", v)
	}
	var missing []string
	for _, p := range e.s.Missing() {
		missing = append(missing, p.Spec+" "+p.OperationID+" "+p.Status)
	}
	if want := []string{"testdesk createTicket 400", "testdesk createTicket 401"}; !slices.Equal(missing, want) {
		t.Errorf("Missing() = %q, want %q", missing, want)
	}
	stale := e.s.Stale()
	if len(stale) != 1 || stale[0].OperationID != "listMessages" || stale[0].Status != "4XX" || stale[0].Hits != 1 {
		t.Errorf("Stale() = %+v", stale)
	}
	var b strings.Builder
	e.s.WriteMatrix(&b)
	want := `testdesk (prefix /testdesk): 5 exchanges checked, 0 with an invalid request
  createTicket  POST /tickets
    201  1
    400  MISSING
    401  MISSING
  getTicket  GET /tickets/{id}
    200  2
    304  excluded: conditional GETs are covered by the cache scenario
    404  1
  deleteTicket  DELETE /tickets/{id}
    204  1
    404  excluded: idempotent delete
  (route-miss)
    404  0
    405  0
  total: 8 declared, 4 exercised, 2 excluded, 2 missing, 0 stale exclusions; coverage 66.7% (4/6)

msgs (prefix /msgs): 2 exchanges checked, 1 with an invalid request
  listMessages  GET /messages
    200  1
    4XX  1  STALE exclusion (no negative scenarios yet)
  (route-miss)
    404  0
    405  0
  total: 2 declared, 2 exercised, 0 excluded, 0 missing, 1 stale exclusions; coverage 100.0% (2/2)

unchecked requests (outside every prefix): 0
`
	if b.String() != want {
		t.Errorf("matrix:\n%s\nwant:\n%s", b.String(), want)
	}
	err := e.s.Err()
	if err == nil || strings.Count(err.Error(), "never exercised") != 2 {
		t.Errorf("Err() = %v", err)
	}
	cov := e.s.Coverage()
	if len(cov) != 14 { // 8 + 2 declared, 2 + 2 route-miss rows
		t.Errorf("Coverage() has %d rows: %+v", len(cov), cov)
	}
}

func TestExclusionErrors(t *testing.T) {
	tests := []struct{ name, content, wantErr string }{
		{"no reason", `[{spec: testdesk, operationId: getTicket, status: 304}]`, "reason is required"},
		{"blank reason", `[{spec: testdesk, operationId: getTicket, status: 304, reason: "  "}]`, "reason is required"},
		{"unknown spec", `[{spec: billing, operationId: getTicket, status: 304, reason: r}]`, `no spec named "billing"`},
		{"unknown operation", `[{spec: testdesk, operationId: getTickets, status: 304, reason: r}]`, `no operation "getTickets"`},
		{"undeclared status", `[{spec: testdesk, operationId: getTicket, status: 401, reason: r}]`, `does not declare status "401"`},
		{"default", `[{spec: testdesk, operationId: createTicket, status: default, reason: r}]`, `does not declare status "DEFAULT"`},
		{"route miss", `[{spec: testdesk, operationId: "(route-miss)", status: 404, reason: r}]`, `no operation "(route-miss)"`},
		{"duplicate", `[{spec: testdesk, operationId: getTicket, status: 304, reason: r}, {spec: testdesk, operationId: getTicket, status: "304", reason: s}]`, "duplicate exclusion"},
		{"unknown field", `[{spec: testdesk, operationId: getTicket, status: 304, reason: r, until: 2026-01-01}]`, `unknown field "until"`},
		{"not a list", `{spec: testdesk}`, "want a list"},
		{"bad yaml", "- [", "yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSuite(t)
			// A valid entry next to the bad one must not be applied either.
			content := tt.content
			if strings.HasPrefix(content, "[{") {
				content = `[{spec: msgs, operationId: listMessages, status: 200, reason: ok}, ` + content[1:]
			}
			err := s.LoadExclusions(writeFile(t, "x.yaml", content))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
			for _, p := range s.Coverage() {
				if p.Excluded != "" {
					t.Errorf("applied despite the error: %+v", p)
				}
			}
		})
	}
	s := newTestSuite(t)
	if err := s.LoadExclusions(writeFile(t, "empty.yaml", "")); err != nil {
		t.Errorf("empty file: %v", err)
	}
	if err := s.LoadExclusions(filepath.Join(t.TempDir(), "absent.yaml")); err == nil {
		t.Errorf("absent file: no error")
	}
	ok := `[{spec: testdesk, operationId: getTicket, status: 304, reason: r}]`
	if err := s.LoadExclusions(writeFile(t, "a.yaml", ok)); err != nil {
		t.Fatal(err)
	}
	if err := s.LoadExclusions(writeFile(t, "b.yaml", ok)); err == nil || !strings.Contains(err.Error(), "duplicate") {
		t.Errorf("same exclusion in a second file: %v", err)
	}
}

func TestNewSuiteErrors(t *testing.T) {
	desk := readSpec(t, "testdesk.yaml")
	twoErrors := bytes.Replace(desk, []byte("\"401\":\n          $ref: '#/components/responses/Error'"),
		[]byte("\"401\":\n          description: x\n          content:\n            application/json:\n              schema:\n                $ref: '#/components/schemas/Ticket'"), 1)
	tests := []struct {
		name    string
		cfgs    []Config
		wantErr string
	}{
		{"none", nil, "no spec"},
		{"no name", []Config{{Spec: desk}}, "no Name"},
		{"unknown error schema", []Config{{Name: "d", Spec: desk, ErrorSchema: "Problem"}}, `ErrorSchema "Problem"`},
		{"ambiguous error schema", []Config{{Name: "d", Spec: twoErrors}}, "cannot infer the error schema"},
		{"bad spec", []Config{{Name: "d", Spec: []byte("openapi: 3.0.3\ninfo: {}\npaths: {}")}}, "invalid spec"},
		{"duplicate name", []Config{{Name: "d", Spec: desk, Prefix: "/a"}, {Name: "d", Spec: desk, Prefix: "/b"}}, "duplicate spec name"},
		{"duplicate prefix", []Config{{Name: "a", Spec: desk, Prefix: "/a"}, {Name: "b", Spec: desk, Prefix: "/a/"}}, "share prefix"},
		{"relative prefix", []Config{{Name: "a", Spec: desk, Prefix: "a"}}, "must start with /"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSuite(tt.cfgs...)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
	if _, err := NewSuite(Config{Name: "d", Spec: desk}); err != nil {
		t.Errorf("inferred error schema: %v", err)
	}
}

func TestLongestPrefixWins(t *testing.T) {
	desk := readSpec(t, "testdesk.yaml")
	s, err := NewSuite(
		Config{Name: "root", Spec: readSpec(t, "msgs.yaml"), Prefix: ""},
		Config{Name: "desk", Spec: desk, Prefix: "/testdesk"},
	)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testServer{}
	c := &http.Client{Transport: s.RoundTripper(HandlerTransport(ts))}
	for _, p := range []string{"/testdesk/tickets/T1", "/testdesk-docs/"} {
		resp, err := c.Get("http://x" + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var got []string
	for _, v := range s.Violations() {
		got = append(got, v.Spec+" "+v.Kind)
	}
	// /testdesk-docs/ is not under /testdesk: the root spec checks it (a 200 route miss).
	if want := []string{"root route-miss"}; !slices.Equal(got, want) {
		t.Errorf("violations %q, want %q", got, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	e := newEnv(t, "", false)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, r := range fullRun[:8] {
				e.do(t, r.c)
			}
			var b strings.Builder
			e.s.WriteMatrix(&b)
			_ = e.s.Coverage()
		}()
	}
	wg.Wait()
	if v := e.s.Violations(); len(v) != 0 {
		t.Errorf("violations: %v", v)
	}
	for _, p := range e.s.Coverage() {
		if p.Spec == "testdesk" && p.OperationID != RouteMissOperation && p.Hits != 20 {
			t.Errorf("%+v: want 20 hits", p)
		}
	}
}

func TestSecurityPresence(t *testing.T) {
	s := newTestSuite(t)
	// A request without the bearer token is invalid for createTicket; a 201 to it is negative-accepted.
	ts := &testServer{mode: "accept-invalid"}
	c := &http.Client{Transport: s.RoundTripper(HandlerTransport(ts))}
	req, _ := http.NewRequest("POST", "http://x/testdesk/tickets", strings.NewReader(`{"subject":"a"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic dXNlcjpwdw==") // wrong scheme: not a bearer credential
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	vs := s.Violations()
	if len(vs) != 1 || vs[0].Kind != KindNegativeAccepted || !strings.Contains(vs[0].Message, "security requirements failed") {
		t.Errorf("violations %v", vs)
	}
}

// mixedServer answers testdata/mixed.yaml under /mixed with the bodies the test sets.
type mixedServer struct {
	status int
	body   string
}

func (m *mixedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if m.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", "POST")
	}
	w.WriteHeader(m.status)
	io.WriteString(w, m.body)
}

const (
	oauthErr    = `{"error":"invalid_client","error_description":"unknown client"}`
	envelopeErr = `{"meta":{},"data":null,"error":{"message":"no","code":"NOT_FOUND"}}`
)

func TestErrorSchemaPerOperationAndPath(t *testing.T) {
	mixed := readSpec(t, "mixed.yaml")
	if _, err := NewSuite(Config{Name: "m", Spec: mixed}); err == nil || !strings.Contains(err.Error(), "cannot infer") {
		t.Fatalf("two error shapes and no ErrorSchema: err = %v", err)
	}
	tests := []struct {
		name          string
		byPath        map[string]string
		method, path  string
		status        int
		body          string
		kinds         []string
		wantErrSubstr string
	}{
		{"undeclared status of the OAuth operation, OAuth body", nil, "POST", "/mixed/oauth/token", 401, oauthErr, []string{KindStatusUndeclared}, ""},
		{"undeclared status of the OAuth operation, envelope body", nil, "POST", "/mixed/oauth/token", 401, envelopeErr,
			[]string{KindStatusUndeclared, KindErrorBody}, "OAuthError"},
		{"declared status of the OAuth operation, envelope body", nil, "POST", "/mixed/oauth/token", 400, envelopeErr, []string{KindErrorBody}, ""},
		{"undeclared status of an envelope operation, envelope body", nil, "GET", "/mixed/items", 404, envelopeErr, []string{KindStatusUndeclared}, ""},
		{"undeclared status of an envelope operation, OAuth body", nil, "GET", "/mixed/items", 404, oauthErr,
			[]string{KindStatusUndeclared, KindErrorBody}, "ErrorEnvelope"},
		{"route miss under /oauth, envelope body", nil, "GET", "/mixed/oauth/nothing", 404, envelopeErr, nil, ""},
		{"route miss under /oauth, OAuth body", nil, "GET", "/mixed/oauth/nothing", 404, oauthErr, []string{KindErrorBody}, "ErrorEnvelope"},
		{"405 on the OAuth path, envelope body", nil, "GET", "/mixed/oauth/token", 405, envelopeErr, nil, ""},
		{"by path: route miss under /oauth, OAuth body", map[string]string{"/oauth/": "OAuthError"}, "GET", "/mixed/oauth/nothing", 404, oauthErr, nil, ""},
		{"by path: route miss under /oauth, envelope body", map[string]string{"/oauth/": "OAuthError"}, "GET", "/mixed/oauth/nothing", 404, envelopeErr,
			[]string{KindErrorBody}, "OAuthError"},
		{"by path wins over the operation", map[string]string{"/oauth/": "ErrorEnvelope"}, "POST", "/mixed/oauth/token", 401, envelopeErr, []string{KindStatusUndeclared}, ""},
		{"longest key wins", map[string]string{"/": "OAuthError", "/items": "ErrorEnvelope"}, "GET", "/mixed/items", 404, envelopeErr, []string{KindStatusUndeclared}, ""},
		{"elsewhere the API default", map[string]string{"/oauth/": "OAuthError"}, "GET", "/mixed/nothing", 404, oauthErr, []string{KindErrorBody}, "ErrorEnvelope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSuite(Config{Name: "m", Spec: mixed, Prefix: "/mixed", ErrorSchema: "ErrorEnvelope", ErrorSchemaByPath: tt.byPath})
			if err != nil {
				t.Fatal(err)
			}
			c := &http.Client{Transport: s.RoundTripper(HandlerTransport(&mixedServer{status: tt.status, body: tt.body}))}
			req, _ := http.NewRequest(tt.method, "http://x"+tt.path, nil)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			var got []string
			for _, v := range s.Violations() {
				got = append(got, v.Kind)
				t.Logf("%s", v)
				if v.Kind == KindErrorBody && tt.wantErrSubstr != "" && !strings.Contains(v.Message, tt.wantErrSubstr) {
					t.Errorf("error-body message %q does not name %s", v.Message, tt.wantErrSubstr)
				}
			}
			if !slices.Equal(got, tt.kinds) {
				t.Errorf("violation kinds %q, want %q", got, tt.kinds)
			}
		})
	}
	for _, bad := range []map[string]string{{"/oauth/": "Problem"}, {"oauth/": "OAuthError"}} {
		if _, err := NewSuite(Config{Name: "m", Spec: mixed, ErrorSchema: "ErrorEnvelope", ErrorSchemaByPath: bad}); err == nil || !strings.Contains(err.Error(), "ErrorSchemaByPath") {
			t.Errorf("ErrorSchemaByPath %v: err = %v", bad, err)
		}
	}
}

func TestAliases(t *testing.T) {
	s, err := NewSuite(Config{Name: "testdesk", Spec: readSpec(t, "testdesk.yaml"), Prefix: "/testdesk", ErrorSchema: "Error",
		Aliases: map[string]string{"/t": "/tickets"}})
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Transport: s.RoundTripper(HandlerTransport(&testServer{}))}
	// The test server does not answer the alias itself: what matters is how the suite routes it.
	for _, p := range []string{"/testdesk/t/T404", "/testdesk/tx/T1"} {
		resp, err := c.Get("http://x" + p)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	var got []string
	for _, v := range s.Violations() {
		got = append(got, v.OperationID+" "+v.Kind)
	}
	if len(got) != 0 {
		t.Errorf("violations %q", got)
	}
	hits := map[string]int{}
	for _, p := range s.Coverage() {
		hits[p.OperationID+" "+p.Status] = p.Hits
	}
	if hits["getTicket 404"] != 1 || hits[RouteMissOperation+" 404"] != 1 {
		t.Errorf("coverage %v: want getTicket 404 (the alias) and one route miss (/tx is no alias)", hits)
	}
	if _, err := NewSuite(Config{Name: "d", Spec: readSpec(t, "testdesk.yaml"), Aliases: map[string]string{"t": "/tickets"}}); err == nil {
		t.Errorf("relative alias accepted")
	}
}
