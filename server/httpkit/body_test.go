package httpkit_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

func TestCheckJSON(t *testing.T) {
	for _, c := range []struct{ body, err string }{
		{`{"a":1}`, ""},
		{" \n{\"a\":[1,2,{\"b\":null}]}\r\n\t ", ""},
		{`"just a string"`, ""},
		{`{"a":"caf\u00e9 \ud83d\ude00"}`, ""},
		{`{"a":"\\u0000"}`, ""}, // an escaped backslash, then text
		{`{"a":"\\\u0041"}`, ""},
		{`{"a":1} garbage`, "unexpected data after the JSON value at byte 7"},
		{`{"a":1}{"a":2}`, "unexpected data after the JSON value at byte 7"},
		{`{"a":1`, "unexpected end of input"},
		{`{"a":tru}`, "invalid JSON at byte"},
		{``, "unexpected end of input"},
		{"{\"a\":\"caf\xe9\"}", "invalid UTF-8 at byte 9 at a"},
		{`{"text":"a\u0000b"}`, `at text: must not contain NUL`},
		{`{"m":{"k\u0000":"v"}}`, `in a member name of m: must not contain NUL`},
		{`{"l":["x",{"t":"\u0000"}]}`, `at l[1].t: must not contain NUL`},
		{`{"a":"\ud800"}`, "lone UTF-16 surrogate escape) at byte 6 at a"},
		{`{"a":"\ud800x"}`, "lone UTF-16 surrogate"},
		{`{"a":"\ud800\u0041"}`, "lone UTF-16 surrogate"},
		{`{"a":"\udc00\ud800"}`, "lone UTF-16 surrogate"},
		{`{"a":"\ud800\\n"}`, "lone UTF-16 surrogate"},
		{`["\uDBFF\uDFFF"]`, ""},
	} {
		err := httpkit.CheckJSON([]byte(c.body))
		switch {
		case c.err == "" && err != nil:
			t.Errorf("%q: %v", c.body, err)
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("%q: error %v, want one containing %q", c.body, err, c.err)
		case err != nil && apierr.KindOf(err) != apierr.Invalid:
			t.Errorf("%q: %v is not Invalid", c.body, err)
		}
	}
}

// FuzzCheckJSON: what CheckJSON accepts is one JSON value whose strings are all valid UTF-8
// without NUL once decoded (no silent U+FFFD replacement), and what it refuses, it refuses with
// an Invalid error whose message stays short.
func FuzzCheckJSON(f *testing.F) {
	for _, s := range []string{`{"text":"x"}`, `{"text":"x"} y`, `{"a":"\u0000"}`, `["\ud800"]`, `{"a":"\\u0000"}`,
		`{"a":{"b":[1,"\ud83d\ude00",null,true]}}`, "\"caf\xe9\"", `"\ufffd"`, `{"k\u0000":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := httpkit.CheckJSON(b)
		if err != nil {
			if apierr.KindOf(err) != apierr.Invalid || len(err.Error()) > 600 {
				t.Fatalf("%q: %v", b, err)
			}
			return
		}
		var v any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("accepted %q, which does not decode: %v", b, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("accepted %q, which has more after its value", b)
		}
		// Every decoded string is what was sent: no NUL, and no U+FFFD the sender did not write.
		sent := bytes.Count(b, []byte("\uFFFD")) + bytes.Count(bytes.ToLower(b), []byte(`\ufffd`))
		got := 0
		var walk func(any)
		walk = func(v any) {
			check := func(s string) {
				if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
					t.Fatalf("accepted %q, which decodes to %q", b, s)
				}
				got += strings.Count(s, "\uFFFD")
			}
			switch x := v.(type) {
			case string:
				check(x)
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					check(k)
					walk(e)
				}
			}
		}
		walk(v)
		if got > sent {
			t.Fatalf("accepted %q, which decodes to %d U+FFFD but holds %d", b, got, sent)
		}
	})
}

func TestDecodeJSON(t *testing.T) {
	type body struct {
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	var b body
	if err := httpkit.DecodeJSON([]byte(`{"name":"x","count":2,"other":1}`), &b, httpkit.JSONOptions{}); err != nil || b.Name != "x" || b.Count != 2 {
		t.Fatalf("%+v %v", b, err)
	}
	for _, c := range []struct {
		body   string
		strict bool
		err    string
	}{
		{`{"name":"x","other":1}`, true, "other: is not a known field"},
		{`{"name":3}`, false, "name: must be a string"},
		{`{"count":"3"}`, false, "count: must be an integer"},
		{`{"name":"x"} {}`, false, "unexpected data after the JSON value"},
		{` `, false, "request body is required"},
		{`[1]`, false, "request body: must be an object"},
	} {
		err := httpkit.DecodeJSON([]byte(c.body), &body{}, httpkit.JSONOptions{DisallowUnknownFields: c.strict})
		if err == nil || apierr.KindOf(err) != apierr.Invalid || !strings.Contains(err.Error(), c.err) {
			t.Errorf("%s: %v, want Invalid %q", c.body, err, c.err)
		}
	}
	var v any
	if err := httpkit.DecodeJSON([]byte(`{"n":12345678901234567890}`), &v, httpkit.JSONOptions{}); err != nil ||
		v.(map[string]any)["n"] != json.Number("12345678901234567890") {
		t.Errorf("numbers into any keep their text: %v %v", v, err)
	}
}

func TestReadBody(t *testing.T) {
	read := func(body io.Reader, limit int64) ([]byte, error, http.Header) {
		r := httptest.NewRequest("POST", "/", body)
		w := httptest.NewRecorder()
		b, err := httpkit.ReadBody(w, r, limit)
		return b, err, w.Header()
	}
	if b, err, _ := read(strings.NewReader("hello"), 5); err != nil || string(b) != "hello" {
		t.Fatalf("%q %v", b, err)
	}
	b, err, h := read(strings.NewReader("hello!"), 5)
	if b != nil || apierr.KindOf(err) != apierr.Invalid || !strings.Contains(err.Error(), "larger than 5 bytes") || h.Get("Connection") != "close" {
		t.Fatalf("over the limit: %q %v %v", b, err, h)
	}
	// Unknown length (chunked) over the limit is found while reading.
	if _, err, _ := read(io.MultiReader(strings.NewReader("hel"), strings.NewReader("lo!")), 5); err == nil || !strings.Contains(err.Error(), "larger than 5") {
		t.Fatalf("chunked over the limit: %v", err)
	}
	// A read error that is not the client's is passed on as it is (an internal error).
	boom := errors.New("boom")
	if _, err, _ := read(io.MultiReader(strings.NewReader("x"), errReader{boom}), 5); !errors.Is(err, boom) || apierr.KindOf(err) != apierr.Internal {
		t.Fatalf("other read error: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// Transport classifies what the connection says while a body is read.
func TestTransportClassifiesBodyErrors(t *testing.T) {
	for _, c := range []struct {
		err    error
		reason string
		msg    string
	}{
		{io.ErrUnexpectedEOF, httpkit.BodyAborted, "the connection ended after 1 bytes"},
		{errors.New("invalid byte in chunk length"), httpkit.BodyMalformed, "broken chunked transfer encoding: invalid byte in chunk length"},
		{timeoutErr{}, httpkit.BodyTooSlow, "arrived too slowly"},
	} {
		var logs bytes.Buffer
		logger := slog.New(slog.NewJSONHandler(&logs, nil))
		var got error
		h := httpkit.AccessLog(logger)(httpkit.Transport(httpkit.DefaultLimits)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, got = io.ReadAll(r.Body)
		})))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", "/", io.MultiReader(strings.NewReader("x"), errReader{c.err})))
		var be *httpkit.BodyError
		if !errors.As(got, &be) || be.Reason != c.reason || !errors.Is(got, c.err) {
			t.Errorf("%v: read error %v, want a %s", c.err, got, c.reason)
		}
		if p := httpkit.BodyProblem(got); p == nil || p.Kind != apierr.Invalid || !strings.Contains(p.Message, c.msg) {
			t.Errorf("%v: BodyProblem %v, want %q", c.err, p, c.msg)
		}
		if !strings.Contains(logs.String(), `"msg":"`+c.reason+`"`) || strings.Contains(logs.String(), `"level":"ERROR"`) {
			t.Errorf("%v: logged %s", c.err, logs.String())
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Error("no nosniff")
		}
	}
	if httpkit.BodyProblem(errors.New("other")) != nil {
		t.Error("BodyProblem of an unrelated error")
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestCheckRequestText(t *testing.T) {
	for target, want := range map[string]string{
		"/a?x=1&y=caf%C3%A9":     "",
		"/a?x=%e9":               `query parameter "x": is not valid UTF-8`,
		"/a?x=a%00b":             `query parameter "x": must not contain NUL`,
		"/a?%e9=1":               "a parameter name is not valid UTF-8",
		"/a%00b":                 "path: must not contain NUL",
		"/a?x=%zz":               "", // left to the API's decoder
		"/a?x=1;y=%e9":           `query parameter "x": is not valid UTF-8`,
		"/caf%C3%A9?q=%F0%9F%98": `query parameter "q": is not valid UTF-8`,
	} {
		err := httpkit.CheckRequestText(httptest.NewRequest("GET", target, nil))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%s: %v, want %q", target, err, want)
		}
	}
}

func TestCapLog(t *testing.T) {
	if got := httpkit.Cap("héllo", 2); got != "h…(6 bytes)" {
		t.Errorf("Cap cuts on a character boundary: %q", got)
	}
	if got := httpkit.Cap("short", 10); got != "short" {
		t.Errorf("Cap: %q", got)
	}
	var buf bytes.Buffer
	long := strings.Repeat("a", 100_000)
	l := slog.New(httpkit.CapLog(slog.NewJSONHandler(&buf, nil))).With("path", long).WithGroup("g")
	l.Info(long, "s", long, "err", errors.New(long), "n", 3, "stack", strings.Repeat("s", 50_000), slog.Group("inner", "v", long))
	if n := buf.Len(); n > 6*(httpkit.MaxLoggedValue+30)+httpkit.MaxLoggedStack+500 { // six capped values and a stack
		t.Errorf("a line of %d bytes: %.300s", n, buf.String())
	}
	var m map[string]any
	if err := json.Unmarshal(buf.Bytes(), &m); err != nil || m["path"] == nil || m["g"] == nil {
		t.Errorf("not one JSON line with the attributes: %v %.300s", err, buf.String())
	}
}

// JSON answers written by generated code (encoding/json, HTML-escaped) leave without the HTML
// escapes, whatever the pieces they are written in; text that merely looks like an escape stays.
func TestJSONCharsetUndoesHTMLEscaping(t *testing.T) {
	v := map[string]string{"html": "<p>a & b</p>", "literal": `\u003c stays`, "quote": `"\`, "nl": "a\nb\u2028"}
	var escaped bytes.Buffer
	json.NewEncoder(&escaped).Encode(v)
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	for _, piece := range []int{1, 2, 3, 5, 7, len(escaped.Bytes())} {
		h := httpkit.JSONCharset(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "999")
			b := escaped.Bytes()
			for i := 0; i < len(b); i += piece {
				w.Write(b[i:min(i+piece, len(b))])
			}
		}))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		if rec.Body.String() != want.String() || rec.Header().Get("Content-Length") != "" {
			t.Errorf("pieces of %d: %s, want %s", piece, rec.Body, want.String())
		}
	}
	rec := httptest.NewRecorder()
	httpkit.WriteJSON(rec, 200, v)
	if strings.TrimSpace(rec.Body.String()) != strings.TrimSpace(want.String()) {
		t.Errorf("WriteJSON: %s", rec.Body)
	}
}
