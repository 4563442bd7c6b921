package desk_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// failingBody fails after its first bytes, like a client that drops the connection or a broken
// chunked framing.
type failingBody struct{ sent bool }

func (f *failingBody) Read(p []byte) (int, error) {
	if !f.sent {
		f.sent = true
		return copy(p, `{"content":{"value":"`), nil
	}
	return 0, errors.New("unexpected EOF in chunked body")
}

func (f *failingBody) Close() error { return nil }

// TestBodyFailures: every way a body can be unreadable is `400 Invalid value for: body`, in the
// Desk format, and stores nothing.
func TestBodyFailures(t *testing.T) {
	e := newSQLiteEnv(t)
	path := fmt.Sprintf("/desk/v1/conversations/%d/messages", e.conv)
	for name, body := range map[string]string{
		"invalid UTF-8":       "{\"content\":{\"value\":\"\xff\xfe\",\"_type\":\"Text\"},\"_type\":\"Inbound\"}",
		"NUL in text":         `{"content":{"value":"a\u0000b","_type":"Text"},"_type":"Inbound"}`,
		"over 1 MiB":          `{"content":{"value":"` + strings.Repeat("x", 1<<20) + `","_type":"Text"},"_type":"Inbound"}`,
		"two values":          `{"content":{"value":"x","_type":"Text"},"_type":"Inbound"}{}`,
		"empty":               ``,
		"array":               `[]`,
		"number as the value": `{"content":{"value":1,"_type":"Text"},"_type":"Inbound"}`,
	} {
		r := e.do("POST", path, body)
		if r.Code != http.StatusBadRequest || r.Body.String() != `{"message":"Invalid value for: body"}` {
			t.Errorf("%s: %d %s", name, r.Code, r.Body)
		}
	}
	req := httptest.NewRequest("POST", path, nil)
	req.Body = &failingBody{}
	req.Header.Set("Authorization", e.token)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusBadRequest || rec.Body.String() != `{"message":"Invalid value for: body"}` {
		t.Errorf("broken body: %d %s", rec.Code, rec.Body)
	}
	if ms, _ := e.svc.Messages(t.Context(), mustPrincipal(t, e), e.conv); len(ms) != 1 {
		t.Errorf("bad bodies stored messages: %d", len(ms))
	}
}

// TestEveryAnswerIsJSON: route misses, methods, and success all answer application/json; errors
// are exactly {"message"}. A route miss points to the docs, as every API's does; an unknown entity
// keeps the vendor's string.
func TestEveryAnswerIsJSON(t *testing.T) {
	e := newSQLiteEnv(t)
	for _, c := range []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/desk/v1/nothing", 404, `{"message":"no route for GET /desk/v1/nothing; the operations are listed at /docs/desk/"}`},
		{"GET", "/desk", 404, `{"message":"no route for GET /desk; the operations are listed at /docs/desk/"}`},
		{"GET", "/desk/", 404, `{"message":"no route for GET /desk/; the operations are listed at /docs/desk/"}`},
		{"POST", "/desk/v2/conversations", 404, `{"message":"no route for POST /desk/v2/conversations; the operations are listed at /docs/desk/"}`},
		{"GET", "/desk/v1/conversations/999999/messages", 404, `{"message":"The requested resource could not be found"}`},
		{"POST", "/desk/v1/endusers/x", 405, `{"message":"Method not allowed"}`},
		{"GET", "/desk/v1/conversations/1/messages", 200, ""},
	} {
		r := e.do(c.method, c.path, "")
		if r.Code != c.status || !strings.HasPrefix(r.Header().Get("Content-Type"), "application/json") || (c.body != "" && r.Body.String() != c.body) {
			t.Errorf("%s %s: %d %q %s", c.method, c.path, r.Code, r.Header().Get("Content-Type"), r.Body)
		}
	}
	r := e.do("POST", "/desk/v1/endusers/x", "")
	if r.Header().Get("Allow") != "GET" {
		t.Errorf("405 Allow %q", r.Header().Get("Allow"))
	}
}

// TestBodyIgnoredWhereNoneIsTaken: a PATCH …/anonymize with a JSON body, even a broken one, is
// answered as if it had none.
func TestBodyIgnoredWhereNoneIsTaken(t *testing.T) {
	e := newSQLiteEnv(t)
	r := e.do("PATCH", fmt.Sprintf("/desk/v1/conversations/%d/anonymize?force=true", e.conv), `{not json`)
	if r.Code != http.StatusAccepted {
		t.Fatalf("%d %s", r.Code, r.Body)
	}
	body, _ := io.ReadAll(r.Body)
	if !strings.Contains(string(body), `"_type":"Conversation"`) {
		t.Errorf("%s", body)
	}
}
