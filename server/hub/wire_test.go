package hub

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// What only a real connection shows: a body the client cuts off, or sends too slowly, is the
// client's doing on every path of the API, answered in the §3 shape with the family's code and
// logged as the edge classifies it (INFO, WARN when too slow), never a 500 logged at ERROR.

// logLines collects the JSON log lines written from the server's goroutines.
type logLines struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logLines) lines() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, s := range strings.Split(l.b.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// count is how many lines have msg at level.
func (l *logLines) count(msg, level string) int {
	n := 0
	for _, m := range l.lines() {
		if m["msg"] == msg && m["level"] == level {
			n++
		}
	}
	return n
}

// noError fails when anything was logged at ERROR or a 5xx was answered.
func (l *logLines) noError(t *testing.T) {
	t.Helper()
	for _, m := range l.lines() {
		if m["level"] == "ERROR" {
			t.Errorf("logged at ERROR: %v", m)
		}
		if s, ok := m["status"].(float64); ok && s >= 500 {
			t.Errorf("answered %v: %v", s, m)
		}
	}
}

// live serves f's API as the server does (access log, then the edge's transport limits) on a
// loopback listener.
func (f fixture) live(t *testing.T, limits httpkit.Limits) (addr string, logs *logLines) {
	t.Helper()
	logs = &logLines{}
	log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hs := httptest.NewUnstartedServer(httpkit.AccessLog(log)(httpkit.Transport(limits)(f.h)))
	limits.Configure(hs.Config)
	hs.Start()
	t.Cleanup(hs.Close)
	return hs.Listener.Addr().String(), logs
}

// rawPost writes a POST of path with the headers and announced length over a fresh connection,
// lets send write (part of) the body, and reads the answer.
func rawPost(t *testing.T, addr, path, token string, length int, send func(c *net.TCPConn)) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second)) // a hung test fails instead of hanging
	fmt.Fprintf(c, "POST %s HTTP/1.1\r\nHost: hub.test\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		path, token, length)
	send(c.(*net.TCPConn))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("POST %s: reading the answer: %v", path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, b
}

// wantError checks an answer is the §3 shape with one error of code (e.g. "ENG005000"), its
// description containing part.
func wantError(t *testing.T, what string, resp *http.Response, body []byte, status int, code, part string) {
	t.Helper()
	var e gen.Error
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil || resp.StatusCode != status || e.Status != status || len(e.Errors) != 1 ||
		fmt.Sprint(e.Errors[0].Code) != strings.TrimLeft(code[3:], "0") ||
		!strings.HasSuffix(e.Errors[0].Description, " (code: "+code+")") || !strings.Contains(e.Errors[0].Description, part) {
		t.Errorf("%s: %d %s, want %d with one error %s saying %q", what, resp.StatusCode, body, status, code, part)
	}
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || !resp.Close { // Close: Connection: close
		t.Errorf("%s: headers %v (close %v), want JSON and Connection: close", what, resp.Header, resp.Close)
	}
}

// bodyPaths are the operations that take a JSON body, with the token they need and the code of a
// body that cannot be read.
func (f fixture) bodyPaths() []struct{ path, token, code string } {
	return []struct{ path, token, code string }{
		{Prefix + "/inbound/customer/v1/direct/activity/" + f.conv, f.engine, "ENG005000"},
		{Prefix + "/inbound/business/v1/direct/activity/" + f.conv, f.engine, "ENG005000"},
		{Prefix + "/api/v1/conversations/establish", f.engine, "ENG003000"},
		{Prefix + "/api/v1/hubs", f.portal, "PRT000300"},
	}
}

// TestClientAbortIsTheClients: a body cut off by the client (it half-closes its side after part
// of what it announced) is a 400 with the family's body code, logged by the edge as a client
// abort at INFO; never a 500 "context canceled" at ERROR.
func TestClientAbortIsTheClients(t *testing.T) {
	f := newFixture(t, Config{})
	addr, logs := f.live(t, httpkit.DefaultLimits)
	const rounds = 5 // the cut-off races the request's context being cancelled: try it more than once
	for _, p := range f.bodyPaths() {
		for range rounds {
			resp, body := rawPost(t, addr, p.path, p.token, 1000, func(c *net.TCPConn) {
				c.Write([]byte(`{"text":"abc`))
				c.CloseWrite()
			})
			wantError(t, "cut-off body on "+p.path, resp, body, 400, p.code, "the connection ended after 12 bytes")
		}
	}
	if n, want := logs.count(httpkit.BodyAborted, "INFO"), rounds*len(f.bodyPaths()); n != want {
		t.Errorf("%d client aborts logged at INFO, want %d", n, want)
	}
	logs.noError(t)
}

// TestTooSlowBodyTimesOut: a body trickling in slower than the edge's minimum rate is cut off by
// the edge and answered 408 with the family's timeout code (as a body that misses the API's own
// deadline is), logged by the edge at WARN; never a 500 at ERROR.
func TestTooSlowBodyTimesOut(t *testing.T) {
	f := newFixture(t, Config{}) // the API's own deadline (15 s) is far away
	limits := httpkit.DefaultLimits
	limits.BodyGrace, limits.MinBodyRate = 300*time.Millisecond, 1000 // 0.3 s + 1 s per 1000 bytes
	addr, logs := f.live(t, limits)
	codes := map[string]string{"ENG005000": "ENG000108", "ENG003000": "ENG000108", "PRT000300": "PRT000108"}
	for _, p := range f.bodyPaths() {
		resp, body := rawPost(t, addr, p.path, p.token, 1000, func(c *net.TCPConn) {
			go func() { // 20 bytes/s until the server gives up
				for {
					if _, err := c.Write([]byte(" ")); err != nil {
						return
					}
					time.Sleep(50 * time.Millisecond)
				}
			}()
		})
		wantError(t, "trickled body on "+p.path, resp, body, 408, codes[p.code], "too slowly")
	}
	if n := logs.count(httpkit.BodyTooSlow, "WARN"); n != len(f.bodyPaths()) {
		t.Errorf("%d bodies too slow logged at WARN, want %d", n, len(f.bodyPaths()))
	}
	logs.noError(t)
}
