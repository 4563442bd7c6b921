package server_test

// The server's edge, tried as a client would: every reproducer of "hardened edges" (issue 7)
// against the composed server, each API answering in its own format.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

type edgeEnv struct {
	t       testing.TB
	srv     http.Handler
	svc     *service.Service
	tenant  store.Tenant
	admin   string // "Bearer <operator token>"
	bearer  string // "Bearer <Messaging access token>"
	hdToken string // Help Desk API token
}

func newEdgeEnv(t testing.TB, st *store.Store) *edgeEnv {
	t.Helper()
	return newEdgeEnvWith(t, st, server.Config{Logger: slog.New(slog.DiscardHandler)})
}

// newEdgeEnvWith serves a fresh tenant "acme" with cfg (its service, on st, and operator token
// are filled in).
func newEdgeEnvWith(t testing.TB, st *store.Store, cfg server.Config) *edgeEnv {
	t.Helper()
	ctx := context.Background()
	cfg.Service = service.New(st)
	admin := credential.NewAdminToken()
	cfg.AdminTokenHash = credential.HashOperatorToken(admin)
	srv, err := server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ten, err := cfg.Service.CreateTenant(ctx, "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	hd, _, err := cfg.Service.RotateHelpDeskToken(ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	e := &edgeEnv{t: t, srv: srv, svc: cfg.Service, tenant: ten, admin: "Bearer " + admin, hdToken: hd}
	e.bearer = e.accessToken()
	return e
}

func (e *edgeEnv) accessToken() string {
	e.t.Helper()
	c, secret, err := e.svc.CreateOAuthClient(context.Background(), e.tenant.ID, "app", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	r := e.send("POST", "/messaging/oauth/token",
		"grant_type=client_credentials&client_id="+url.QueryEscape(c.ClientID)+"&client_secret="+url.QueryEscape(secret),
		"Content-Type", "application/x-www-form-urlencoded")
	tok, _ := r.json["access_token"].(string)
	if r.status != 200 || tok == "" {
		e.t.Fatalf("token: %d %s", r.status, r.body)
	}
	return "Bearer " + tok
}

type edgeResp struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

// message is the error message of any of the APIs' error formats ("" when there is none).
func (r edgeResp) message() string {
	switch e := r.json["error"].(type) {
	case map[string]any:
		m, _ := e["message"].(string)
		return m
	case string:
		m, _ := r.json["error_description"].(string)
		return m
	}
	return ""
}

// code is the error code of any of the APIs' error formats.
func (r edgeResp) code() string {
	switch e := r.json["error"].(type) {
	case map[string]any:
		c, _ := e["code"].(string)
		return c
	case string:
		return e
	}
	return ""
}

func (e *edgeEnv) send(method, target, body string, header ...string) edgeResp {
	e.t.Helper()
	return e.sendReader(method, target, strings.NewReader(body), header...)
}

func (e *edgeEnv) sendReader(method, target string, body io.Reader, header ...string) edgeResp {
	e.t.Helper()
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	r := edgeResp{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	json.Unmarshal(rec.Body.Bytes(), &r.json)
	if ct := rec.Header().Get("Content-Type"); rec.Code >= 400 && !strings.HasPrefix(ct, "application/json") {
		e.t.Errorf("%s %s: %d with Content-Type %q: %s", method, target, rec.Code, ct, r.body)
	}
	return r
}

// Shorthands for the three APIs.
func (e *edgeEnv) ask(body string, header ...string) edgeResp {
	e.t.Helper()
	return e.send("POST", "/messaging/v1/questions", body, append([]string{"Authorization", e.bearer, "Content-Type", "application/json"}, header...)...)
}

func (e *edgeEnv) operator(method, path, body string) edgeResp {
	e.t.Helper()
	return e.send(method, "/admin/v1"+path, body, "Authorization", e.admin, "Content-Type", "application/json")
}

func (e *edgeEnv) saveQuestion(contentType, body string) edgeResp {
	e.t.Helper()
	return e.send("POST", "/helpdesk/helpDesk/saveQuestion", body, "ApiToken", e.hdToken, "Content-Type", contentType)
}

// questions counts the tenant's stored questions (bad input stores nothing).
func (e *edgeEnv) questions() int {
	e.t.Helper()
	qs, _, err := e.svc.Store.PageQuestions(context.Background(), e.tenant.ID, store.PageFilter{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(qs)
}

func (e *edgeEnv) expect(what string, r edgeResp, status int, code, msgPart string) {
	e.t.Helper()
	if r.status != status || (code != "" && r.code() != code) || !strings.Contains(r.message(), msgPart) {
		e.t.Errorf("%s: got %d %s, want %d %s with a message containing %q", what, r.status, r.body, status, code, msgPart)
	}
}

func sqliteEnv(t *testing.T) *edgeEnv { return newEdgeEnv(t, storetest.Stores(t)[0].Store) }

// "Blank" is one thing: white space is Unicode's White_Space or U+FEFF, in the spec patterns and
// in the code alike.
func TestEdgeBlankIsOneDefinition(t *testing.T) {
	e := sqliteEnv(t)
	for _, blank := range []string{`\u0085`, `\ufeff`, `\u00a0`, `\u3000 \t`} {
		e.expect("ask "+blank, e.ask(`{"text":"`+blank+`"}`), 400, "INVALID_PARAMETER", "text")
		e.expect("createOAuthClient "+blank, e.operator("POST", "/tenants/"+e.tenant.ID.String()+"/oauth-clients", `{"name":"`+blank+`"}`), 400, "INVALID_PARAMETER", "name")
		e.expect("createExpert "+blank, e.operator("POST", "/tenants/"+e.tenant.ID.String()+"/experts", `{"name":"`+blank+`"}`), 400, "INVALID_PARAMETER", "name")
		e.expect("saveQuestion "+blank, e.saveQuestion("application/json", `{"text":"`+blank+`","helpDeskId":"1","emailAddress":"a@b"}`), 400, "INVALID_PARAMETER", "text")
	}
	if n := e.questions(); n != 0 {
		t.Errorf("%d questions stored from blank text", n)
	}
	// Text around white space keeps its inner spaces and loses the outer ones.
	r := e.ask(`{"text":"\ufeff how do I\u00a0reset? \u0085"}`)
	if r.status != 201 || !strings.Contains(r.body, `"how do I`+"\u00a0"+`reset?"`) {
		t.Errorf("trimmed ask: %d %s", r.status, r.body)
	}
}

// ---------------------------------------------------------------------------
// Over a real connection: framing, aborts, timeouts.

// syncBuffer collects log lines written from the server's goroutines.
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

// lines returns the JSON log lines written so far.
func (s *syncBuffer) lines() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(s.b.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// liveEnv serves e's routes on a loopback listener with the server's own limits, logging into
// logs.
type liveEnv struct {
	*edgeEnv
	url  string
	logs *syncBuffer
}

func newLiveEnv(t *testing.T, limits httpkit.Limits) *liveEnv {
	t.Helper()
	logs := &syncBuffer{}
	e := newEdgeEnvWith(t, storetest.Stores(t)[0].Store, server.Config{Limits: limits,
		Logger: slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	hs := httptest.NewUnstartedServer(e.srv)
	e.srv.(*server.Server).Configure(hs.Config)
	hs.Start()
	t.Cleanup(hs.Close)
	return &liveEnv{edgeEnv: e, url: hs.URL, logs: logs}
}

// raw writes head (request line and headers, without the blank line), then the body pieces, and
// reads one response. The connection is returned for more.
func (l *liveEnv) raw(head string, body ...string) (edgeResp, net.Conn, *bufio.Reader) {
	l.t.Helper()
	return l.rawWith(head, func(w io.Writer) {
		for _, b := range body {
			w.Write([]byte(b))
		}
	})
}

// rawWith is raw with the body written by send.
func (l *liveEnv) rawWith(head string, send func(w io.Writer)) (edgeResp, net.Conn, *bufio.Reader) {
	l.t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(l.url, "http://"))
	if err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(20 * time.Second)) // a hung test fails instead of hanging
	fmt.Fprintf(conn, "%s\r\nHost: test\r\n\r\n", strings.ReplaceAll(strings.TrimSpace(head), "\n", "\r\n"))
	send(conn)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		l.t.Fatalf("%s: reading the response: %v", head, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r := edgeResp{status: resp.StatusCode, header: resp.Header, body: string(b)}
	json.Unmarshal(b, &r.json)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		l.t.Errorf("%s: %d with Content-Type %q: %s", head, resp.StatusCode, ct, b)
	}
	return r, conn, br
}

// closed reports whether the server closed conn within 15 s (reading whatever it still sends
// ends in EOF or a reset, not a timeout).
func closed(conn net.Conn, br *bufio.Reader) bool {
	conn.SetReadDeadline(time.Now().Add(15 * time.Second))
	_, err := io.Copy(io.Discard, br)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// noErrorLogged fails when anything was logged at ERROR or a 5xx was answered.
func (l *liveEnv) noErrorLogged() {
	l.t.Helper()
	for _, m := range l.logs.lines() {
		if m["level"] == "ERROR" {
			l.t.Errorf("logged at ERROR: %v", m)
		}
		if s, ok := m["status"].(float64); ok && s >= 500 {
			l.t.Errorf("answered %v: %v", s, m)
		}
	}
}

// A body with broken chunked framing is the client's fault: 400 in the API's own format, on
// every API; without credentials the Messaging and operator APIs answer 401 without reading it.
func TestEdgeBrokenChunkedFraming(t *testing.T) {
	l := newLiveEnv(t, httpkit.DefaultLimits)
	broken := "zz\r\nhello\r\n0\r\n\r\n"
	for _, c := range []struct {
		what, head   string
		status       int
		code         string
		envelopeMeta bool
	}{
		{"ask", "POST /messaging/v1/questions HTTP/1.1\nAuthorization: " + l.bearer + "\nContent-Type: application/json\nTransfer-Encoding: chunked", 400, "INVALID_PARAMETER", true},
		{"ask without a token", "POST /messaging/v1/questions HTTP/1.1\nContent-Type: application/json\nTransfer-Encoding: chunked", 401, "UNAUTHORIZED", true},
		{"token endpoint", "POST /messaging/oauth/token HTTP/1.1\nContent-Type: application/x-www-form-urlencoded\nTransfer-Encoding: chunked", 400, "invalid_request", false},
		{"operator write", "POST /admin/v1/tenants HTTP/1.1\nAuthorization: " + l.admin + "\nContent-Type: application/json\nTransfer-Encoding: chunked", 400, "INVALID_PARAMETER", false},
		{"operator write without a token", "POST /admin/v1/tenants HTTP/1.1\nContent-Type: application/json\nTransfer-Encoding: chunked", 401, "UNAUTHORIZED", false},
		{"saveQuestion", "POST /helpdesk/helpDesk/saveQuestion HTTP/1.1\nApiToken: " + l.hdToken + "\nContent-Type: application/x-www-form-urlencoded\nTransfer-Encoding: chunked", 400, "INVALID_PARAMETER", false},
		{"training file", "POST /messaging/v1/trainingFiles HTTP/1.1\nAuthorization: " + l.bearer + "\nContent-Type: multipart/form-data; boundary=x\nTransfer-Encoding: chunked", 400, "INVALID_PARAMETER", true},
	} {
		r, conn, br := l.raw(c.head, broken)
		if r.status != c.status || r.code() != c.code || (r.json["meta"] != nil) != c.envelopeMeta {
			t.Errorf("%s: got %d %s, want %d %s", c.what, r.status, r.body, c.status, c.code)
		}
		if c.status == 400 && !strings.Contains(r.message(), "chunked") {
			t.Errorf("%s: the message does not name the framing: %q", c.what, r.message())
		}
		if !closed(conn, br) {
			t.Errorf("%s: the connection stays open after a broken body", c.what)
		}
	}
	if n := l.questions(); n != 0 {
		t.Errorf("%d questions stored", n)
	}
	l.noErrorLogged()
}

// A client that drops the connection mid-body is logged as a client abort, not as an internal
// error.
func TestEdgeClientAbortIsLoggedAsSuch(t *testing.T) {
	l := newLiveEnv(t, httpkit.DefaultLimits)
	for _, head := range []string{
		"POST /messaging/v1/questions HTTP/1.1\nAuthorization: " + l.bearer + "\nContent-Type: application/json\nContent-Length: 100",
		"POST /admin/v1/tenants HTTP/1.1\nAuthorization: " + l.admin + "\nContent-Type: application/json\nContent-Length: 100",
		"POST /helpdesk/helpDesk/saveQuestion HTTP/1.1\nApiToken: " + l.hdToken + "\nContent-Type: application/json\nContent-Length: 100",
	} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(l.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "%s\r\nHost: test\r\n\r\n{\"text\":\"hal", strings.ReplaceAll(head, "\n", "\r\n"))
		conn.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		aborts := 0
		for _, m := range l.logs.lines() {
			if m["msg"] == "client abort" && m["level"] == "INFO" {
				aborts++
			}
		}
		if aborts == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d client aborts logged, want 3: %v", aborts, l.logs.lines())
		}
		time.Sleep(10 * time.Millisecond)
	}
	l.noErrorLogged()
}

// A body slower than the read limit loses its connection; a slow but honest client, sending
// faster than the minimum rate, gets its answer even when it takes longer than the grace.
func TestEdgeSlowBodyIsCutOff(t *testing.T) {
	limits := httpkit.DefaultLimits
	limits.BodyGrace, limits.MinBodyRate = 200*time.Millisecond, 1000 // 0.2 s + 1 s per 1000 bytes
	l := newLiveEnv(t, limits)

	conn, err := net.Dial("tcp", strings.TrimPrefix(l.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /messaging/oauth/token HTTP/1.1\r\nHost: test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n")
	start := time.Now()
	gone := make(chan struct{})
	go func() { // one byte every 50 ms: 20 bytes/s, far below the minimum
		defer close(gone)
		for time.Since(start) < 15*time.Second {
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	}()
	if !closed(conn, bufio.NewReader(conn)) {
		t.Fatal("a body trickling at 20 bytes/s kept its connection for 15 s")
	}
	conn.Close()
	<-gone

	// 600 bytes at about 2000 bytes/s: 0.3 s, longer than the grace of 0.2 s; within what it earned.
	body := "grant_type=client_credentials&client_id=x&client_secret=" + strings.Repeat("s", 544)
	var pieces []string
	for i := 0; i < len(body); i += 30 {
		pieces = append(pieces, body[i:min(i+30, len(body))])
	}
	r, _, _ := l.rawWith("POST /messaging/oauth/token HTTP/1.1\nContent-Type: application/x-www-form-urlencoded\nContent-Length: "+fmt.Sprint(len(body)),
		func(w io.Writer) {
			for _, p := range pieces {
				time.Sleep(15 * time.Millisecond)
				w.Write([]byte(p))
			}
		})
	if r.status != 401 || r.code() != "invalid_client" {
		t.Errorf("slow honest client: %d %s, want the token endpoint's own answer (401 invalid_client)", r.status, r.body)
	}
}

// An idle keep-alive connection is closed after the idle limit.
func TestEdgeIdleKeepAliveIsClosed(t *testing.T) {
	limits := httpkit.DefaultLimits
	limits.IdleTimeout = 200 * time.Millisecond
	l := newLiveEnv(t, limits)
	r, conn, br := l.raw("GET /healthz HTTP/1.1")
	if r.status != 200 || r.header.Get("Connection") == "close" {
		t.Fatalf("healthz: %d %v", r.status, r.header)
	}
	if !closed(conn, br) {
		t.Fatal("an idle keep-alive connection stayed open for 15 s")
	}
}

// ---------------------------------------------------------------------------
// Decoding and text rules, the same on every API.

func TestEdgeTrailingJSONIsRefused(t *testing.T) {
	e := sqliteEnv(t)
	e.expect("ask", e.ask(`{"text":"x"} garbage`), 400, "INVALID_PARAMETER", "after the JSON value")
	e.expect("ask, two values", e.ask(`{"text":"x"}{"text":"y"}`), 400, "INVALID_PARAMETER", "after the JSON value")
	e.expect("settings", e.operator("PUT", "/tenants/"+e.tenant.ID.String()+"/settings", `{"offerTopK":3}{"offerTopK":0}`), 400, "INVALID_PARAMETER", "after the JSON value")
	e.expect("saveQuestion", e.saveQuestion("application/json", `{"text":"x","helpDeskId":"1","emailAddress":"a@b"} x`), 400, "INVALID_PARAMETER", "after the JSON value")
	if n := e.questions(); n != 0 {
		t.Errorf("%d questions stored", n)
	}
	if r := e.ask("{\"text\":\"x\"}\n\t "); r.status != 201 {
		t.Errorf("trailing white space is part of JSON: %d %s", r.status, r.body)
	}
}

func TestEdgeInvalidUTF8IsRefusedEverywhere(t *testing.T) {
	e := sqliteEnv(t)
	bad := "caf\xe9"
	e.expect("ask", e.ask(`{"text":"`+bad+`"}`), 400, "INVALID_PARAMETER", "UTF-8")
	e.expect("createExpert", e.operator("POST", "/tenants/"+e.tenant.ID.String()+"/experts", `{"name":"`+bad+`"}`), 400, "INVALID_PARAMETER", "UTF-8")
	e.expect("token form", e.send("POST", "/messaging/oauth/token", "grant_type=client_credentials&client_id=%e9&client_secret=x",
		"Content-Type", "application/x-www-form-urlencoded"), 400, "invalid_request", "UTF-8")
	e.expect("saveQuestion form", e.saveQuestion("application/x-www-form-urlencoded", "text=caf%e9&helpDeskId=1&emailAddress=a@b"), 400, "INVALID_PARAMETER", "UTF-8")
	e.expect("saveQuestion JSON", e.saveQuestion("application/json", `{"text":"`+bad+`","helpDeskId":"1","emailAddress":"a@b"}`), 400, "INVALID_PARAMETER", "UTF-8")
	e.expect("query", e.send("GET", "/messaging/v1/questions?authorRefId=%e9", "", "Authorization", e.bearer), 400, "INVALID_PARAMETER", "UTF-8")
	e.expect("lone surrogate", e.ask(`{"text":"\ud800"}`), 400, "INVALID_PARAMETER", "UTF-8")
	if n := e.questions(); n != 0 {
		t.Errorf("%d questions stored", n)
	}
	if r := e.ask(`{"text":"caf\u00e9 \ud83d\ude00"}`); r.status != 201 || !strings.Contains(r.body, "café 😀") {
		t.Errorf("escaped text: %d %s", r.status, r.body)
	}
}

// NUL in text is refused on both databases (PostgreSQL cannot store it; SQLite could).
func TestEdgeNULIsRefused(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEdgeEnv(t, st)
		e.expect("ask", e.ask(`{"text":"a\u0000b"}`), 400, "INVALID_PARAMETER", "NUL")
		e.expect("ask metadata key", e.ask(`{"text":"ab","metadata":{"k\u0000":"v"}}`), 400, "INVALID_PARAMETER", "NUL")
		e.expect("saveQuestion", e.saveQuestion("application/x-www-form-urlencoded", "text=a%00b&helpDeskId=1&emailAddress=a@b"), 400, "INVALID_PARAMETER", "NUL")
		e.expect("saveQuestion JSON", e.saveQuestion("application/json", `{"text":"a\u0000b","helpDeskId":"1","emailAddress":"a@b"}`), 400, "INVALID_PARAMETER", "NUL")
		e.expect("createTenant", e.operator("POST", "/tenants", `{"name":"x\u0000"}`), 400, "INVALID_PARAMETER", "NUL")
		if n := e.questions(); n != 0 {
			t.Errorf("%d questions stored", n)
		}
		// An escaped backslash before u0000 is text, not NUL.
		if r := e.ask(`{"text":"a\\u0000b"}`); r.status != 201 || !strings.Contains(r.body, `"text":"a\\u0000b"`) {
			t.Errorf("escaped backslash: %d %s", r.status, r.body)
		}
	})
}

// A well-formed uuid of any version is an id like any other: unknown → 404.
func TestEdgeAnyUUIDVersionIsAnUnknownID(t *testing.T) {
	e := sqliteEnv(t)
	for _, id := range []string{"11111111-1111-1111-1111-111111111111", "01890a5d-ac96-774b-bcce-b302099a8057", "00000000-0000-0000-0000-000000000000"} {
		e.expect("getQuestion "+id, e.send("GET", "/messaging/v1/questions/"+id, "", "Authorization", e.bearer), 404, "NOT_FOUND", "")
		e.expect("operator question "+id, e.operator("GET", "/tenants/"+e.tenant.ID.String()+"/questions/"+id, ""), 404, "NOT_FOUND", "")
		e.expect("tenant "+id, e.operator("GET", "/tenants/"+id, ""), 404, "NOT_FOUND", "")
	}
	e.expect("malformed", e.send("GET", "/messaging/v1/questions/1111", "", "Authorization", e.bearer), 400, "INVALID_PARAMETER", "uuid")
}

func TestEdgePagingDoesNotOverflow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) { pagingDoesNotOverflow(t, newEdgeEnv(t, st)) })
}

func pagingDoesNotOverflow(t *testing.T, e *edgeEnv) {
	if r := e.ask(`{"text":"one question"}`); r.status != 201 {
		t.Fatal(r.body)
	}
	r := e.send("GET", "/messaging/v1/questions?page=92233720368547759&pageSize=100", "", "Authorization", e.bearer)
	if r.status == 200 && strings.Contains(r.body, "one question") {
		t.Errorf("page 92233720368547759 shows the first page: %s", r.body)
	}
	if r.status != 200 && r.status != 400 {
		t.Errorf("page 92233720368547759: %d %s", r.status, r.body)
	}
	r = e.send("GET", "/messaging/v1/questions?page=9223372036854775807&pageSize=100", "", "Authorization", e.bearer)
	if r.status != 200 && r.status != 400 || strings.Contains(r.body, "one question") {
		t.Errorf("page MaxInt64: %d %s", r.status, r.body)
	}
}

// JSON answers are not HTML-escaped, and API answers are never sniffed.
func TestEdgeJSONIsNotHTMLEscapedAndNotSniffed(t *testing.T) {
	e := sqliteEnv(t)
	r := e.ask(`{"text":"a <b> & c"}`)
	if r.status != 201 || !strings.Contains(r.body, `"text":"a <b> & c"`) || !strings.Contains(r.body, `"bodyHtml":"<p>`) || strings.Contains(r.body, `\u003c`) {
		t.Errorf("ask: %d %s", r.status, r.body)
	}
	for _, c := range []struct{ method, path string }{
		{"GET", "/messaging/v1/questions"}, {"GET", "/admin/v1/tenants"}, {"POST", "/helpdesk/helpDesk/saveQuestion"},
		{"GET", "/nowhere"}, {"GET", "/healthz"}, {"GET", "/messaging/v1/questions/x"},
	} {
		r := e.send(c.method, c.path, "", "Authorization", e.admin)
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s: %d without X-Content-Type-Options: nosniff", c.method, c.path, r.status)
		}
	}
	if r := e.operator("POST", "/tenants", `{"name":"Tom & Jerry <3>"}`); r.status != 201 || !strings.Contains(r.body, `"name":"Tom & Jerry <3>"`) {
		t.Errorf("createTenant: %d %s", r.status, r.body)
	}
}

// The APIs' roots answer in the API's format and point to the docs; /v1 works on the token
// endpoint as the README says it does for every path.
func TestEdgeAPIRootsPointToTheDocs(t *testing.T) {
	e := sqliteEnv(t)
	for _, c := range []struct{ path, docs string }{
		{"/messaging", "/docs/messaging/"}, {"/messaging/", "/docs/messaging/"}, {"/helpdesk", "/docs/helpdesk/"},
		{"/admin", "/docs/admin/"}, {"/admin/v1/nothing", "/docs/admin/"},
	} {
		r := e.send("GET", c.path, "")
		if r.status != 404 || r.code() != "NOT_FOUND" || !strings.Contains(r.message(), c.docs) {
			t.Errorf("GET %s: %d %s, want a 404 pointing to %s", c.path, r.status, r.body, c.docs)
		}
		if strings.HasPrefix(c.path, "/messaging") && r.json["meta"] == nil {
			t.Errorf("GET %s: not the Messaging envelope: %s", c.path, r.body)
		}
	}
	c, secret, err := e.svc.CreateOAuthClient(context.Background(), e.tenant.ID, "v1", nil)
	if err != nil {
		t.Fatal(err)
	}
	r := e.send("POST", "/messaging/v1/oauth/token", "grant_type=client_credentials&client_id="+c.ClientID+"&client_secret="+secret,
		"Content-Type", "application/x-www-form-urlencoded")
	if r.status != 200 || r.json["access_token"] == nil {
		t.Errorf("/messaging/v1/oauth/token: %d %s", r.status, r.body)
	}
	tok, _ := r.json["access_token"].(string)
	if r := e.send("POST", "/messaging/v1/oauth/logout", "", "Authorization", "Bearer "+tok); r.status != 200 {
		t.Errorf("/messaging/v1/oauth/logout: %d %s", r.status, r.body)
	}
}

// Help Desk: text up to 20,000 characters (emoji count as one), and JSON values of the declared
// string fields must be strings.
func TestEdgeHelpDeskTextAndJSONTypes(t *testing.T) {
	e := sqliteEnv(t)
	text := strings.Repeat("😀", 20000)
	r := e.saveQuestion("application/x-www-form-urlencoded", "text="+url.QueryEscape(text)+"&helpDeskId=long&emailAddress=a@b")
	if r.status != 200 {
		t.Errorf("20,000 emoji, form: %d %s", r.status, r.body)
	}
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	w.WriteField("text", text)
	w.WriteField("helpDeskId", "long-multipart")
	w.WriteField("emailAddress", "a@b")
	w.Close()
	if r := e.saveQuestion(w.FormDataContentType(), mp.String()); r.status != 200 {
		t.Errorf("20,000 emoji, multipart: %d %s", r.status, r.body)
	}
	e.expect("20,001", e.saveQuestion("application/x-www-form-urlencoded", "text="+strings.Repeat("a", 20001)+"&helpDeskId=x&emailAddress=a@b"), 400, "INVALID_PARAMETER", "20000")
	mp.Reset()
	w = multipart.NewWriter(&mp)
	w.WriteField("text", text+"😀")
	w.WriteField("helpDeskId", "too-long-multipart")
	w.WriteField("emailAddress", "a@b")
	w.Close()
	e.expect("20,001 emoji, multipart", e.saveQuestion(w.FormDataContentType(), mp.String()), 400, "INVALID_PARAMETER", "20000")
	e.expect("metadata value over 10,000", e.saveQuestion("application/x-www-form-urlencoded", "text=x&helpDeskId=y&emailAddress=a@b&metadata[Notes]="+strings.Repeat("a", 10001)),
		400, "INVALID_PARAMETER", "metadata[Notes]: must be at most 10000 characters")
	n := e.questions()
	for _, body := range []string{
		`{"text":"x","helpDeskId":123,"emailAddress":"a@b"}`,
		`{"text":true,"helpDeskId":"1","emailAddress":"a@b"}`,
		`{"text":"x","helpDeskId":"1","emailAddress":["a@b"]}`,
		`{"text":"x","helpDeskId":"1","emailAddress":"a@b","fullname":{"a":"b"}}`,
	} {
		e.expect(body, e.saveQuestion("application/json", body), 400, "INVALID_PARAMETER", "must be a string")
	}
	if e.questions() != n {
		t.Error("a question was stored from a mistyped JSON body")
	}
	if r := e.saveQuestion("application/json", `{"text":"x","helpDeskId":"m","emailAddress":"a@b","metadata":{"Worth":1000000,"vip":true}}`); r.status != 200 {
		t.Errorf("metadata values may be numbers and booleans (stored as text): %d %s", r.status, r.body)
	}
}

// The access log caps what it writes of a client's values.
func TestEdgeAccessLogCapsClientValues(t *testing.T) {
	l := newLiveEnv(t, httpkit.DefaultLimits)
	long := "/messaging/" + strings.Repeat("a", 600<<10)
	r := l.send("GET", long, "")
	if r.status != 404 || len(r.body) > 8<<10 {
		t.Errorf("600 KB path: %d, %d bytes answered", r.status, len(r.body))
	}
	for _, line := range strings.Split(l.logs.String(), "\n") {
		if len(line) > 8<<10 {
			t.Errorf("a log line of %d bytes: %.200s…", len(line), line)
		}
	}
}

// ---------------------------------------------------------------------------
// Credentials and abuse.

// A tenant cannot count another tenant's questions or answers from its own ids.
func TestEdgeQuestionNumbersArePerTenant(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEdgeEnv(t, st)
		other, err := e.svc.CreateTenant(context.Background(), "Other", "other")
		if err != nil {
			t.Fatal(err)
		}
		otherToken, _, err := e.svc.RotateHelpDeskToken(context.Background(), other.ID)
		if err != nil {
			t.Fatal(err)
		}
		save := func(token, hid string) float64 {
			t.Helper()
			r := e.send("POST", "/helpdesk/helpDesk/saveQuestion", "text=q&emailAddress=a@b&helpDeskId="+hid, "ApiToken", token)
			q, _ := r.json["question"].(map[string]any)
			if r.status != 200 || q == nil {
				t.Fatalf("saveQuestion: %d %s", r.status, r.body)
			}
			return q["id"].(float64)
		}
		if id := save(e.hdToken, "b1"); id != 1 {
			t.Fatalf("first id %v", id)
		}
		for i := range 3 {
			save(otherToken, fmt.Sprint("a", i))
		}
		if id := save(e.hdToken, "b2"); id != 2 {
			t.Errorf("second id %v after another tenant asked 3, want 2", id)
		}
	})
}

// ---------------------------------------------------------------------------
// Training files: streamed, bounded memory, a quota per tenant.

// uploadPeak uploads a training file of size bytes (the body generated as it is sent) and
// returns the answer and how far the heap grew above where it started while it was handled.
func uploadPeak(t *testing.T, e *edgeEnv, size int) (edgeResp, uint64) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		fw, err := mw.CreateFormFile("file", "big.bin")
		if err == nil {
			chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
			for left := size; left > 0 && err == nil; left -= len(chunk) {
				_, err = fw.Write(chunk[:min(left, len(chunk))])
			}
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	defer debug.SetGCPercent(debug.SetGCPercent(5))
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapAlloc, ms.HeapAlloc
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	r := e.sendReader("POST", "/messaging/v1/trainingFiles", pr, "Authorization", e.bearer, "Content-Type", mw.FormDataContentType())
	close(stop)
	<-sampled
	return r, peak - base
}

// Memory does not grow with the size of an upload: a 10 MiB file costs about what a 1 MiB one
// does (it cost 60–130 MB when the body was held whole, three times).
func TestEdgeTrainingFileUploadIsStreamed(t *testing.T) {
	e := sqliteEnv(t)
	small, smallPeak := uploadPeak(t, e, 1<<20)
	big, bigPeak := uploadPeak(t, e, 10<<20)
	t.Logf("heap growth: 1 MiB upload %.1f MiB, 10 MiB upload %.1f MiB", float64(smallPeak)/(1<<20), float64(bigPeak)/(1<<20))
	if small.status != 201 || big.status != 201 {
		t.Fatalf("uploads: %d %s / %d %s", small.status, small.body, big.status, big.body)
	}
	if d, _ := big.json["data"].(map[string]any); d["size"] != float64(10<<20) {
		t.Fatalf("stored size: %v", d)
	}
	if bigPeak > smallPeak+4<<20 {
		t.Errorf("a 10 MiB upload grew the heap by %d bytes, a 1 MiB one by %d: memory scales with the file", bigPeak, smallPeak)
	}
	var content bytes.Buffer
	id := uuid.MustParse(big.json["data"].(map[string]any)["uuid"].(string))
	if err := e.svc.Store.TrainingFileContent(context.Background(), e.tenant.ID, id, &content); err != nil ||
		content.Len() != 10<<20 || !bytes.Equal(content.Bytes()[:32], []byte("0123456789abcdef0123456789abcdef")) {
		t.Fatalf("content read back: %d bytes, %v", content.Len(), err)
	}
}

// Each tenant's training files are bounded by its quota (a company setting), on both databases.
func TestEdgeTrainingFileQuota(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEdgeEnv(t, st)
		if r := e.operator("PUT", "/tenants/"+e.tenant.ID.String()+"/settings", `{"trainingFileQuotaBytes":1500}`); r.status != 200 || !strings.Contains(r.body, `"trainingFileQuotaBytes":1500`) {
			t.Fatalf("settings: %d %s", r.status, r.body)
		}
		upload := func(n int) edgeResp {
			var b bytes.Buffer
			mw := multipart.NewWriter(&b)
			fw, _ := mw.CreateFormFile("file", "f.txt")
			fw.Write(bytes.Repeat([]byte("x"), n))
			mw.Close()
			return e.send("POST", "/messaging/v1/trainingFiles", b.String(), "Authorization", e.bearer, "Content-Type", mw.FormDataContentType())
		}
		if r := upload(1000); r.status != 201 {
			t.Fatalf("first upload: %d %s", r.status, r.body)
		}
		e.expect("over the quota", upload(501), 400, "INVALID_STATE", "1500 bytes")
		if r := upload(500); r.status != 201 {
			t.Errorf("up to the quota: %d %s", r.status, r.body)
		}
		if n, _ := st.TrainingFilesSize(context.Background(), e.tenant.ID); n != 1500 {
			t.Errorf("%d bytes stored, want 1500", n)
		}
		if r := e.operator("GET", "/tenants/"+e.tenant.ID.String()+"/settings", ""); !strings.Contains(r.body, `"trainingFileQuotaBytes":1500`) {
			t.Errorf("getSettings: %s", r.body)
		}
		e.expect("quota 0", e.operator("PUT", "/tenants/"+e.tenant.ID.String()+"/settings", `{"trainingFileQuotaBytes":0}`), 400, "INVALID_PARAMETER", "trainingFileQuotaBytes")
	})
}

// Repeated failed authentication from one address is slowed down, on every API, and a valid
// credential is never refused.
func TestEdgeFailedAuthenticationIsSlowedDown(t *testing.T) {
	st := storetest.Stores(t)[0].Store
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var slept []time.Duration
	guard := httpkit.NewAuthGuard(func() time.Time { return now }, func(_ context.Context, d time.Duration) {
		slept = append(slept, d)
		now = now.Add(d)
	})
	e := newEdgeEnvWith(t, st, server.Config{AuthGuard: guard, Logger: slog.New(slog.DiscardHandler)})
	bad := []func() edgeResp{
		func() edgeResp { return e.send("GET", "/admin/v1/tenants", "", "Authorization", "Bearer guess") },
		func() edgeResp { return e.send("GET", "/messaging/v1/questions", "", "Authorization", "Bearer guess") },
		func() edgeResp {
			return e.send("POST", "/helpdesk/helpDesk/saveQuestion", "text=x", "ApiToken", "guess")
		},
		func() edgeResp {
			return e.send("POST", "/messaging/oauth/token", "grant_type=client_credentials&client_id=x&client_secret=y",
				"Content-Type", "application/x-www-form-urlencoded")
		},
	}
	for i := range 30 {
		if r := bad[i%len(bad)](); r.status != 401 {
			t.Fatalf("guess %d: %d %s", i, r.status, r.body)
		}
	}
	if len(slept) < 15 {
		t.Errorf("30 failed authentications waited %d times", len(slept))
	}
	for _, r := range []edgeResp{
		e.operator("GET", "/tenants", ""),
		e.send("GET", "/messaging/v1/questions", "", "Authorization", e.bearer),
		e.saveQuestion("application/x-www-form-urlencoded", "text=x&helpDeskId=1&emailAddress=a@b"),
	} {
		if r.status != 200 {
			t.Errorf("a valid credential after the guesses: %d %s", r.status, r.body)
		}
	}
}

// An operator token hash stored unsalted by an earlier version still works, and is stored
// salted on its first use.
func TestEdgeLegacyOperatorTokenHashIsUpgraded(t *testing.T) {
	st := storetest.Stores(t)[0].Store
	admin := credential.NewAdminToken()
	if err := st.SetAdminTokenHash(context.Background(), credential.Hash(admin)); err != nil {
		t.Fatal(err)
	}
	srv, err := server.New(server.Config{Service: service.New(st), AdminTokenHash: credential.Hash(admin), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	e := &edgeEnv{t: t, srv: srv, admin: "Bearer " + admin}
	for range 2 {
		if r := e.operator("GET", "/tenants", ""); r.status != 200 {
			t.Fatalf("legacy hash: %d %s", r.status, r.body)
		}
	}
	h, err := st.AdminTokenHash(context.Background())
	if ok, legacy := credential.MatchesOperatorToken(admin, h); !ok || legacy || err != nil {
		t.Fatalf("stored hash after use: ok=%v legacy=%v %v", ok, legacy, err)
	}
}
