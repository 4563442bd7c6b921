package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string // "addr|database-url|count|demo|timeout" after parsing
		wantErr string // substring of the error
	}{
		{"defaults", nil, nil, "127.0.0.1:8080||1|false|20s", ""},
		{"env beats default", nil,
			map[string]string{"SWITCHBOARD_ADDR": ":9", "SWITCHBOARD_DATABASE_URL": "sqlite:x.db", "SWITCHBOARD_QUESTION_ID_START": "1000",
				"SWITCHBOARD_DEMO": "true", "SWITCHBOARD_SHUTDOWN_TIMEOUT": "3s"},
			":9|sqlite:x.db|1000|true|3s", ""},
		{"flag beats env", []string{"--addr", "127.0.0.1:1", "--database-url=flag.db", "--question-id-start", "7", "--demo=false", "--shutdown-timeout", "1m"},
			map[string]string{"SWITCHBOARD_ADDR": ":9", "SWITCHBOARD_DATABASE_URL": "env.db", "SWITCHBOARD_QUESTION_ID_START": "1000",
				"SWITCHBOARD_DEMO": "true", "SWITCHBOARD_SHUTDOWN_TIMEOUT": "3s"},
			"127.0.0.1:1|flag.db|7|false|1m0s", ""},
		{"flag and env mixed", []string{"--addr", "127.0.0.1:1"},
			map[string]string{"SWITCHBOARD_ADDR": ":9", "SWITCHBOARD_DATABASE_URL": "env.db"},
			"127.0.0.1:1|env.db|1|false|20s", ""},
		{"bad env value names the variable", nil, map[string]string{"SWITCHBOARD_QUESTION_ID_START": "many"}, "",
			`SWITCHBOARD_QUESTION_ID_START="many"`},
		{"bad env duration names the variable", nil, map[string]string{"SWITCHBOARD_SHUTDOWN_TIMEOUT": "soon"}, "",
			"SWITCHBOARD_SHUTDOWN_TIMEOUT"},
		{"bad env bool names the variable", nil, map[string]string{"SWITCHBOARD_DEMO": "perhaps"}, "", "SWITCHBOARD_DEMO"},
		{"bad env value ignored when the flag is given", []string{"--question-id-start=5"},
			map[string]string{"SWITCHBOARD_QUESTION_ID_START": "many"}, "127.0.0.1:8080||5|false|20s", ""},
		{"lowercase env name is not ours", nil, map[string]string{"switchboard_addr": ":9"}, "127.0.0.1:8080||1|false|20s", ""},
		{"bad flag value", []string{"--question-id-start", "x"}, nil, "", "question-id-start"},
		{"unknown flag", []string{"--nope"}, nil, "", "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, k := range []string{"SWITCHBOARD_ADDR", "SWITCHBOARD_DATABASE_URL", "SWITCHBOARD_QUESTION_ID_START", "SWITCHBOARD_DEMO", "SWITCHBOARD_SHUTDOWN_TIMEOUT"} {
				t.Setenv(k, "") // restored after the test
				os.Unsetenv(k)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			fs := newFlags("test")
			fs.SetOutput(io.Discard)
			addr := fs.String("addr", "127.0.0.1:8080", "")
			db := fs.String("database-url", "", "")
			n := fs.Int64("question-id-start", 1, "")
			demo := fs.Bool("demo", false, "")
			timeout := fs.Duration("shutdown-timeout", 20*time.Second, "")
			err := parse(fs, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parse error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parse: %v", err)
			}
			if got := fmt.Sprintf("%s|%s|%d|%v|%s", *addr, *db, *n, *demo, *timeout); got != tt.want {
				t.Errorf("parsed %s, want %s", got, tt.want)
			}
		})
	}
}

func TestNewFlagsContinuesOnError(t *testing.T) {
	fs := newFlags("serve")
	if fs.ErrorHandling() != flag.ContinueOnError || fs.Name() != "switchboard serve" {
		t.Errorf("newFlags = %q with %v", fs.Name(), fs.ErrorHandling())
	}
}

func TestRunCommands(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
		wantOut string
	}{
		{"unknown command", []string{"bogus"}, `unknown command "bogus"`, ""},
		{"unknown command with flags", []string{"servee", "--addr", ":1"}, `unknown command "servee"`, ""},
		{"help", []string{"help"}, "", "usage: switchboard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), tt.args, &out)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("run(%q) = %v, want an error containing %q", tt.args, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("run(%q): %v", tt.args, err)
			}
			if !strings.Contains(out.String(), tt.wantOut) {
				t.Errorf("output %q, want %q", out.String(), tt.wantOut)
			}
		})
	}
}

// `switchboard -h`, `--help`, and every command's -h / --help succeed (exit 0).
func TestRunDashHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"serve", "--help"}, {"serve", "-h"}, {"migrate", "--help"},
		{"docs", "--help"}, {"conformance", "--help"}, {"load", "--help"}, {"--addr", "x", "--help"}} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out); err != nil {
			t.Errorf("run(%q) = %v, want nil", args, err)
		}
	}
}

// Configuration errors stop serve before it touches the database.
func TestServeConfigErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"bad env", nil, map[string]string{"SWITCHBOARD_QUESTION_ID_START": "abc"}, "SWITCHBOARD_QUESTION_ID_START"},
		{"bad env duration", nil, map[string]string{"SWITCHBOARD_SHUTDOWN_TIMEOUT": "later"}, "SWITCHBOARD_SHUTDOWN_TIMEOUT"},
		{"bad log level", []string{"--log-level", "loud"}, nil, `log level "loud"`},
		{"bad log level from env", nil, map[string]string{"SWITCHBOARD_LOG_LEVEL": "loud"}, `log level "loud"`},
		{"unknown flag", []string{"--bogus"}, nil, "bogus"},
		{"weak operator token", []string{"--admin-token", "a"}, nil, "openssl rand -base64 32"},
		{"weak operator token from env", nil, map[string]string{"SWITCHBOARD_ADMIN_TOKEN": "changeme"}, "too weak"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			db := filepath.Join(t.TempDir(), "data", "sb.db")
			args := append([]string{"serve", "--database-url", db, "--addr", "127.0.0.1:0"}, tt.args...)
			var out bytes.Buffer
			err := run(context.Background(), args, &out)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("run = %v, want an error containing %q", err, tt.wantErr)
			}
			if _, statErr := os.Stat(filepath.Dir(db)); !errors.Is(statErr, os.ErrNotExist) {
				t.Errorf("serve touched the database directory before rejecting its configuration")
			}
		})
	}
}

// syncBuffer is an io.Writer safe for the server goroutine and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is one `switchboard serve` running in the test process.
type testServer struct {
	base          string
	helpDeskToken string // "" unless printed
	adminToken    string // "" unless printed
	out           *syncBuffer
	cancel        context.CancelFunc
	done          chan error
	once          sync.Once
	err           error
}

var (
	listeningLine = regexp.MustCompile(`Switchboard is listening on (http://\S+) \(`)
	helpDeskLine  = regexp.MustCompile(`Help Desk API token: +(\S+)\n`)
	adminLine     = regexp.MustCompile(`Operator API token[^:\n]*: +(\S+)\n`)
)

func startServer(t *testing.T, args ...string) *testServer {
	t.Helper()
	t.Setenv("SWITCHBOARD_LOG_LEVEL", "error") // keep the JSON logs on stderr quiet
	ctx, cancel := context.WithCancel(context.Background())
	s := &testServer{out: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, append([]string{"serve"}, args...), s.out) }()
	t.Cleanup(func() { s.stop(t) })

	// Wait for the listener line (bounded: the only sleep in these tests).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if m := listeningLine.FindStringSubmatch(s.out.String()); m != nil {
			s.base = m[1]
			break
		}
		select {
		case err := <-s.done:
			s.once.Do(func() { s.err = err })
			t.Fatalf("serve returned before listening: %v\noutput:\n%s", err, s.out)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not print its listener line; output:\n%s", s.out)
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := s.out.String()
	if m := helpDeskLine.FindStringSubmatch(out); m != nil {
		s.helpDeskToken = m[1]
	}
	if m := adminLine.FindStringSubmatch(out); m != nil {
		s.adminToken = m[1]
	}
	return s
}

// stop cancels the context (a graceful shutdown) and returns what run returned.
func (s *testServer) stop(t *testing.T) error {
	s.once.Do(func() {
		s.cancel()
		select {
		case s.err = <-s.done:
		case <-time.After(2 * time.Minute):
			s.err = errors.New("run did not return after its context was cancelled")
		}
	})
	return s.err
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (s *testServer) do(t *testing.T, method, path string, header map[string]string, body string) response {
	t.Helper()
	req, err := http.NewRequest(method, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, b}
}

// seedSaveQuestion is the H0 curl sample as curl sends it (raw spaces, "@" and brackets).
const seedSaveQuestion = "text=sample question detailed description&emailAddress=user@example.com" +
	"&fullname=Joe User&helpDeskId=123456789&metadata[Operating+System]=iOS+8.1" +
	"&metadata[Browser]=Safari&metadata[Account][Creation Date]=2016-06-06 11:34:00" +
	"&metadata[Account][Worth]=1000000"

func (s *testServer) saveQuestion(t *testing.T, token, body string) response {
	t.Helper()
	return s.do(t, http.MethodPost, "/helpdesk/helpDesk/saveQuestion",
		map[string]string{"ApiToken": token, "Content-Type": "application/x-www-form-urlencoded"}, body)
}

func (s *testServer) tenants(t *testing.T, token string) response {
	t.Helper()
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return s.do(t, http.MethodGet, "/admin/v1/tenants", h, "")
}

func errorCode(t *testing.T, r response) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	if e == nil || e["message"] == "" {
		t.Errorf("body %s has no error message", r.body)
	}
	code, _ := e["code"].(string)
	return code
}

func demoTenants(t *testing.T, r response) int {
	t.Helper()
	list, _ := r.json(t)["tenants"].([]any)
	n := 0
	for _, x := range list {
		if m, _ := x.(map[string]any); m["subdomain"] == "demo" {
			n++
		}
	}
	return n
}

func TestServeEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server three times")
	}
	db := filepath.Join(t.TempDir(), "sb.db")
	hex40 := regexp.MustCompile(`^[0-9a-f]{40}$`)

	// First start: demo tenant created, fresh credentials printed.
	s1 := startServer(t, "--addr", "127.0.0.1:0", "--database-url", db, "--demo")
	if !hex40.MatchString(s1.helpDeskToken) {
		t.Fatalf("Help Desk token %q (output:\n%s)", s1.helpDeskToken, s1.out)
	}
	if len(s1.adminToken) != 43 {
		t.Fatalf("operator token %q, want a generated 43-character token (output:\n%s)", s1.adminToken, s1.out)
	}
	for _, want := range []string{s1.base + "/messaging", s1.base + "/helpdesk", s1.base + "/admin", s1.base + "/docs/",
		"curl " + s1.base + "/helpdesk/helpDesk/saveQuestion --header ApiToken:" + s1.helpDeskToken} {
		if !strings.Contains(s1.out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, s1.out)
		}
	}

	if r := s1.do(t, http.MethodGet, "/healthz", nil, ""); r.status != 200 || r.json(t)["status"] != "ok" {
		t.Errorf("GET /healthz = %d %s", r.status, r.body)
	}
	if r := s1.do(t, http.MethodGet, "/readyz", nil, ""); r.status != 200 || r.json(t)["status"] != "ready" {
		t.Errorf("GET /readyz = %d %s", r.status, r.body)
	}

	// The demo's Messaging API credentials work.
	clientID := regexp.MustCompile(`client_id: +(\S+)\n`).FindStringSubmatch(s1.out.String())
	secret := regexp.MustCompile(`client_secret: +(\S+)\n`).FindStringSubmatch(s1.out.String())
	if clientID == nil || secret == nil {
		t.Fatalf("no Messaging API credentials printed:\n%s", s1.out)
	}
	tok := s1.do(t, http.MethodPost, "/messaging/oauth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		"grant_type=client_credentials&client_id="+clientID[1]+"&client_secret="+secret[1])
	if tok.status != 200 || tok.json(t)["token_type"] != "bearer" {
		t.Errorf("token with the demo client = %d %s", tok.status, tok.body)
	}

	// The demo's Desk API token works, bare as Dixa sends it.
	desk := regexp.MustCompile(`\n  Desk API token: +(\S+)\n`).FindStringSubmatch(s1.out.String())
	if desk == nil || !strings.Contains(s1.out.String(), s1.base+"/desk") {
		t.Fatalf("no Desk API token or URL printed:\n%s", s1.out)
	}
	if r := s1.do(t, http.MethodGet, "/desk/v1/endusers", map[string]string{"Authorization": desk[1]}, ""); r.status != 200 || strings.TrimSpace(string(r.body)) != `{"data":[]}` {
		t.Errorf("GET /desk/v1/endusers with the demo token = %d %s", r.status, r.body)
	}

	r := s1.saveQuestion(t, s1.helpDeskToken, seedSaveQuestion)
	if r.status != 200 || !bytes.Contains(r.body, []byte(`"status":"0 answers"`)) {
		t.Fatalf("saveQuestion = %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("saveQuestion Content-Type = %q", ct)
	}
	q, _ := r.json(t)["question"].(map[string]any)
	id, _ := q["id"].(float64)
	if id < 1 || id != float64(int64(id)) {
		t.Fatalf("question id = %v", q["id"])
	}
	wantURL := fmt.Sprintf("https://demo.directly.com/p/demo-sample-question-detailed-description-%d", int64(id))
	if q["url"] != wantURL || q["isEscalated"] != false {
		t.Errorf("question = %v, want url %s and isEscalated false", q, wantURL)
	}
	if a, ok := q["answers"].([]any); !ok || len(a) != 0 {
		t.Errorf("answers = %v, want []", q["answers"])
	}

	if r := s1.tenants(t, s1.adminToken); r.status != 200 || demoTenants(t, r) != 1 {
		t.Errorf("GET /admin/v1/tenants with the printed token = %d %s", r.status, r.body)
	}

	if err := s1.stop(t); err != nil {
		t.Fatalf("graceful shutdown: run returned %v", err)
	}
	if _, err := http.Get(s1.base + "/healthz"); err == nil {
		t.Errorf("the server still answers after shutdown")
	}

	// Second start on the same database, with a configured operator token: the demo's Help Desk
	// and Messaging credentials are the same as before.
	const adminToken = "Qk3v9Xz0Lm2Np7Rt4Yw8Bc1Df6Gh5Jk0Ls3Mq9Nv2Pw="
	s2 := startServer(t, "--addr", "127.0.0.1:0", "--database-url", db, "--demo", "--admin-token", adminToken)
	if s2.adminToken != "" {
		t.Errorf("an operator token was printed although --admin-token was given:\n%s", s2.out)
	}
	if s2.helpDeskToken != s1.helpDeskToken {
		t.Fatalf("second Help Desk token %q, first %q: the demo credentials must stay", s2.helpDeskToken, s1.helpDeskToken)
	}
	if r := s2.do(t, http.MethodGet, "/desk/v1/endusers", map[string]string{"Authorization": desk[1]}, ""); r.status != 200 {
		t.Errorf("the demo Desk token after a restart = %d %s, want 200 (kept)", r.status, r.body)
	}
	r = s2.saveQuestion(t, s2.helpDeskToken, seedSaveQuestion)
	if r.status != 200 {
		t.Fatalf("saveQuestion with the new token = %d %s", r.status, r.body)
	}
	q2, _ := r.json(t)["question"].(map[string]any)
	if q2["id"] != q["id"] || q2["url"] != wantURL || q2["status"] != "0 answers" {
		t.Errorf("saveQuestion again = %v, want the same question %v", q2, q)
	}

	r = s2.tenants(t, adminToken)
	if r.status != 200 {
		t.Fatalf("GET /admin/v1/tenants with --admin-token = %d %s", r.status, r.body)
	}
	if n := demoTenants(t, r); n != 1 {
		t.Errorf("%d demo tenants after a restart with --demo, want 1: %s", n, r.body)
	}
	for name, tok := range map[string]string{"wrong token": "wrong-" + adminToken, "replaced generated token": s1.adminToken, "no token": ""} {
		r := s2.tenants(t, tok)
		if r.status != 401 || errorCode(t, r) != "UNAUTHORIZED" {
			t.Errorf("%s: GET /admin/v1/tenants = %d %s, want 401 with a JSON error", name, r.status, r.body)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("%s: Content-Type = %q", name, ct)
		}
	}
	if err := s2.stop(t); err != nil {
		t.Fatalf("second graceful shutdown: run returned %v", err)
	}

	// Third start, neither --demo nor --admin-token: the stored credentials stay valid and
	// nothing secret is printed.
	s3 := startServer(t, "--addr", "127.0.0.1:0", "--database-url", db)
	if s3.adminToken != "" || s3.helpDeskToken != "" {
		t.Errorf("credentials printed without --demo:\n%s", s3.out)
	}
	if r := s3.tenants(t, adminToken); r.status != 200 {
		t.Errorf("stored operator token after restart: %d %s", r.status, r.body)
	}
	r = s3.saveQuestion(t, s2.helpDeskToken, seedSaveQuestion)
	if q3, _ := r.json(t)["question"].(map[string]any); r.status != 200 || q3["id"] != q["id"] {
		t.Errorf("saveQuestion after a restart without --demo = %d %s", r.status, r.body)
	}
	r = s3.do(t, http.MethodPost, "/helpdesk/helpDesk/closeQuestion",
		map[string]string{"ApiToken": s2.helpDeskToken, "Content-Type": "application/x-www-form-urlencoded"}, "helpDeskId=123456789")
	closed, _ := r.json(t)["question"].(map[string]any)
	if r.status != 200 || len(closed) != 3 || closed["id"] != q["id"] || closed["url"] != wantURL || closed["status"] != "CLOSED" {
		t.Errorf("closeQuestion = %d %s, want exactly id, url and status CLOSED", r.status, r.body)
	}
	r = s3.saveQuestion(t, s2.helpDeskToken, seedSaveQuestion)
	if q4, _ := r.json(t)["question"].(map[string]any); r.status != 200 || q4["id"] != q["id"] || q4["status"] != "CLOSED" {
		t.Errorf("saveQuestion after closeQuestion = %d %s, want the same question, CLOSED", r.status, r.body)
	}
	if err := s3.stop(t); err != nil {
		t.Fatalf("third graceful shutdown: run returned %v", err)
	}
}

// A second `serve --demo` on the database of a running one warns, prints the same credentials,
// and leaves the first instance's credentials working; a third start prints them again. They are
// kept in a file only the owner can read. The printed saveQuestion example is not the README's.
func TestDemoCredentialsAreStable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the server three times")
	}
	db := filepath.Join(t.TempDir(), "sb.db")
	a := startServer(t, "--addr", "127.0.0.1:0", "--database-url", db, "--demo")
	if a.adminToken == "" || a.helpDeskToken == "" || strings.Contains(a.out.String(), "WARNING") {
		t.Fatalf("first start:\n%s", a.out)
	}
	if strings.Contains(a.out.String(), "helpDeskId=123456789") || !strings.Contains(a.out.String(), "helpDeskId="+tryItHelpDeskID) {
		t.Errorf("the printed example uses the README's helpDeskId:\n%s", a.out)
	}
	info, err := os.Stat(db + ".demo-credentials.json")
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("credentials file: %v %v", info, err)
	}
	clientLine := regexp.MustCompile(`Messaging API client_id: +(\S+)\n +Messaging API client_secret: +(\S+)\n`)
	ca := clientLine.FindStringSubmatch(a.out.String())

	b := startServer(t, "--addr", "127.0.0.1:0", "--database-url", db, "--demo")
	if !strings.Contains(b.out.String(), "WARNING: another switchboard process is serving") {
		t.Errorf("no warning for two servers on one SQLite file:\n%s", b.out)
	}
	cb := clientLine.FindStringSubmatch(b.out.String())
	if b.adminToken != a.adminToken || b.helpDeskToken != a.helpDeskToken || ca == nil || cb == nil || cb[1] != ca[1] || cb[2] != ca[2] {
		t.Fatalf("second start printed other credentials:\n%s\nfirst:\n%s", b.out, a.out)
	}
	// The first instance's credentials still work, on the first instance.
	if r := a.tenants(t, a.adminToken); r.status != 200 {
		t.Errorf("first instance, its operator token: %d %s", r.status, r.body)
	}
	if r := a.saveQuestion(t, a.helpDeskToken, "text=q&emailAddress=a@b&helpDeskId=stable"); r.status != 200 {
		t.Errorf("first instance, its Help Desk token: %d %s", r.status, r.body)
	}
	tok := a.do(t, http.MethodPost, "/messaging/oauth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		"grant_type=client_credentials&client_id="+ca[1]+"&client_secret="+ca[2])
	if tok.status != 200 {
		t.Errorf("first instance, its Messaging client: %d %s", tok.status, tok.body)
	}
	a.stop(t)
	b.stop(t)

	c := startServer(t, "--addr", "127.0.0.1:0", "--database-url", db, "--demo")
	if c.adminToken != a.adminToken || c.helpDeskToken != a.helpDeskToken || strings.Contains(c.out.String(), "WARNING") {
		t.Errorf("third start:\n%s", c.out)
	}
	if r := c.tenants(t, a.adminToken); r.status != 200 {
		t.Errorf("third start, the operator token: %d %s", r.status, r.body)
	}
}
