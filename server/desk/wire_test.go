package desk_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// raw sends head and body over a fresh connection to srv and reads the answer.
func raw(t *testing.T, srv *httptest.Server, head, body string) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "%s\r\nHost: desk.test\r\n\r\n%s", strings.ReplaceAll(head, "\n", "\r\n"), body)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestOverTheWire: what only a real connection shows, each answered in the Desk format in the
// vendor's order: a broken chunked body is the body's 400 (with the token checked first), and a
// NUL in a path parameter is that parameter's 400.
func TestOverTheWire(t *testing.T) {
	e := newSQLiteEnv(t)
	srv := httptest.NewServer(httpkit.Transport(httpkit.DefaultLimits)(e.h))
	defer srv.Close()
	path := fmt.Sprintf("/desk/v1/conversations/%d/messages", e.conv)
	broken := "zz\r\nhello\r\n0\r\n\r\n"
	for _, c := range []struct {
		what, head, body string
		status           int
		msg              string
	}{
		{"broken chunked body", "POST " + path + " HTTP/1.1\nAuthorization: " + e.token + "\nContent-Type: application/json\nTransfer-Encoding: chunked", broken, 400, "Invalid value for: body"},
		{"broken chunked body without a token", "POST " + path + " HTTP/1.1\nContent-Type: application/json\nTransfer-Encoding: chunked", broken, 401, "User is unauthorized to perform an underlying operation"},
		{"bad path before the body", "POST /desk/v1/conversations/x/messages HTTP/1.1\nAuthorization: " + e.token + "\nContent-Type: application/json\nTransfer-Encoding: chunked", broken, 400, "Invalid value for: path parameter conversationId"},
		{"NUL in a path parameter", "GET /desk/v1/endusers/%00 HTTP/1.1\nAuthorization: " + e.token, "", 400, "Invalid value for: path parameter userId"},
		{"invalid UTF-8 in a query parameter", "GET /desk/v1/endusers?email=%e9 HTTP/1.1\nAuthorization: " + e.token, "", 400, "Invalid value for: query parameter email"},
		{"body longer than announced", "POST " + path + " HTTP/1.1\nAuthorization: " + e.token + "\nContent-Type: application/json\nContent-Length: 2000000", `{"x":1}`, 400, "Invalid value for: body"},
	} {
		resp, body := raw(t, srv, c.head, c.body)
		if resp.StatusCode != c.status || body != `{"message":"`+c.msg+`"}` {
			t.Errorf("%s: %d %s, want %d %q", c.what, resp.StatusCode, body, c.status, c.msg)
		}
	}
	if ms, _ := e.svc.Messages(t.Context(), mustPrincipal(t, e), e.conv); len(ms) != 1 {
		t.Errorf("%d messages stored", len(ms))
	}
}
