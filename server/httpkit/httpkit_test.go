package httpkit_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// TestMain keeps the default logger (used where no request logger is in the context) quiet.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.DiscardHandler))
	os.Exit(m.Run())
}

// recordingWriter is an ErrorWriter that remembers the errors it was given and answers with
// the kind's status, the Allow header, and a small JSON body.
type recordingWriter struct {
	errs []error
}

func (rw *recordingWriter) write(w http.ResponseWriter, r *http.Request, err error) {
	rw.errs = append(rw.errs, err)
	e := apierr.As(err)
	if len(e.Allow) > 0 {
		w.Header().Set("Allow", strings.Join(e.Allow, ", "))
	}
	httpkit.WriteJSON(w, httpkit.Status(e.Kind), map[string]string{"kind": e.Kind.String(), "message": e.Message})
}

func (rw *recordingWriter) only(t *testing.T) *apierr.Error {
	t.Helper()
	if len(rw.errs) != 1 {
		t.Fatalf("ErrorWriter called %d times (%v), want once", len(rw.errs), rw.errs)
	}
	return apierr.As(rw.errs[0])
}

func TestRequestID(t *testing.T) {
	tests := []struct {
		name     string
		incoming *string // nil: no header
		echoed   bool    // true: the incoming id is kept
	}{
		{"none", nil, false},
		{"empty", ptr(""), false},
		{"uuid", ptr("3f1c1f8e-6a63-4b8e-9f1b-2f0d6f3b6d1a"), true},
		{"simple", ptr("abc-123_x.y"), true},
		{"64 characters", ptr(strings.Repeat("a", 64)), true},
		{"65 characters", ptr(strings.Repeat("a", 65)), false},
		{"200 characters", ptr(strings.Repeat("b", 200)), false},
		{"space", ptr("abc def"), false},
		{"newline", ptr("abc\ndef"), false},
		{"CRLF injection", ptr("abc\r\nSet-Cookie: x=1"), false},
		{"non-ASCII", ptr("idé"), false},
		{"slash", ptr("a/b"), false},
		{"quote", ptr(`a"b`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var inCtx string
			h := httpkit.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				inCtx = httpkit.RequestIDFrom(r.Context())
			}))
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			if tt.incoming != nil {
				req.Header["X-Request-Id"] = []string{*tt.incoming}
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get("X-Request-Id")
			if got != inCtx {
				t.Errorf("header id %q != context id %q", got, inCtx)
			}
			if tt.echoed {
				if got != *tt.incoming {
					t.Errorf("id = %q, want the incoming %q", got, *tt.incoming)
				}
				return
			}
			u, err := uuid.Parse(got)
			if err != nil || u.Version() != 4 || got != u.String() {
				t.Errorf("id = %q, want a new canonical UUIDv4 (err %v)", got, err)
			}
		})
	}
}

func TestRequestIDFreshPerRequest(t *testing.T) {
	h := httpkit.RequestID(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	seen := map[string]bool{}
	for range 50 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		id := rec.Header().Get("X-Request-Id")
		if seen[id] {
			t.Fatalf("id %q generated twice", id)
		}
		seen[id] = true
	}
}

func TestRequestIDFromEmptyContext(t *testing.T) {
	if got := httpkit.RequestIDFrom(context.Background()); got != "" {
		t.Errorf("RequestIDFrom(empty) = %q", got)
	}
	if got := httpkit.Logger(context.Background()); got != slog.Default() {
		t.Errorf("Logger(empty) is not slog.Default()")
	}
}

func ptr(s string) *string { return &s }

// logLines decodes the JSON lines of buf.
func logLines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.SplitSeq(strings.TrimSpace(buf.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func TestAccessLog(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		target     string
		handler    http.HandlerFunc
		wantStatus float64
		wantBytes  float64
		wantPath   string
	}{
		{"explicit status and body", http.MethodPost, "/helpdesk/helpDesk/saveQuestion?apiToken=secret",
			func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusCreated)
				w.Write([]byte("hello"))
			}, 201, 5, "/helpdesk/helpDesk/saveQuestion"},
		{"nothing written", http.MethodGet, "/quiet", func(http.ResponseWriter, *http.Request) {}, 200, 0, "/quiet"},
		{"body without WriteHeader", http.MethodGet, "/body", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("abc"))
			w.Write([]byte("de"))
		}, 200, 5, "/body"},
		{"first status wins", http.MethodDelete, "/twice", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.WriteHeader(http.StatusInternalServerError)
		}, 404, 0, "/twice"},
		{"error written through WriteJSON", http.MethodGet, "/err", func(w http.ResponseWriter, r *http.Request) {
			httpkit.WriteJSON(w, http.StatusBadRequest, map[string]string{"a": "b"})
		}, 400, float64(len(`{"a":"b"}`)), "/err"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			base := slog.New(slog.NewJSONHandler(&buf, nil))
			h := httpkit.RequestID(httpkit.AccessLog(base)(tt.handler))
			req := httptest.NewRequest(tt.method, tt.target, nil)
			req.Header.Set("X-Request-Id", "req-42")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			lines := logLines(t, &buf)
			if len(lines) != 1 {
				t.Fatalf("%d log lines, want 1:\n%s", len(lines), buf.String())
			}
			l := lines[0]
			want := map[string]any{
				"level": "INFO", "msg": "request", "method": tt.method, "path": tt.wantPath,
				"status": tt.wantStatus, "request_id": "req-42", "bytes": tt.wantBytes,
			}
			for k, v := range want {
				if l[k] != v {
					t.Errorf("log %s = %v, want %v (line %v)", k, l[k], v, l)
				}
			}
			if _, ok := l["duration"]; !ok {
				t.Errorf("log line has no duration: %v", l)
			}
			if strings.Contains(buf.String(), "secret") {
				t.Errorf("the access log shows the query string: %s", buf.String())
			}
			if rec.Code != int(tt.wantStatus) {
				t.Errorf("response status %d, want %v (the recorder must pass the status on)", rec.Code, tt.wantStatus)
			}
		})
	}
}

// A handler's own log lines, through Logger(ctx), carry the request id too.
func TestAccessLogRequestLogger(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewJSONHandler(&buf, nil))
	h := httpkit.RequestID(httpkit.AccessLog(base)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpkit.Logger(r.Context()).Warn("inside", "k", "v")
	})))
	req := httptest.NewRequest(http.MethodGet, "/x", nil)
	req.Header.Set("X-Request-Id", "abc")
	h.ServeHTTP(httptest.NewRecorder(), req)
	lines := logLines(t, &buf)
	if len(lines) != 2 {
		t.Fatalf("%d log lines, want 2:\n%s", len(lines), buf.String())
	}
	if lines[0]["msg"] != "inside" || lines[0]["request_id"] != "abc" || lines[0]["k"] != "v" {
		t.Errorf("handler line = %v", lines[0])
	}
	if lines[1]["msg"] != "request" || lines[1]["request_id"] != "abc" {
		t.Errorf("access line = %v", lines[1])
	}
}

// The recorder keeps http.ResponseController working (Flush through Unwrap).
func TestAccessLogUnwrap(t *testing.T) {
	var flushErr error
	h := httpkit.AccessLog(slog.New(slog.DiscardHandler))(httpkit.JSONCharset(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		flushErr = http.NewResponseController(w).Flush()
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if flushErr != nil {
		t.Errorf("Flush through the wrappers: %v", flushErr)
	}
	if !rec.Flushed {
		t.Errorf("the recorder was not flushed")
	}
}

func TestRecover(t *testing.T) {
	tests := []struct {
		name  string
		value any
	}{
		{"string", "boom"},
		{"error", errors.New("nil map write")},
		{"apierr is still internal", apierr.Invalidf("not a caller problem when it panics")},
		{"int", 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			rw := &recordingWriter{}
			h := httpkit.RequestID(httpkit.AccessLog(slog.New(slog.NewJSONHandler(&buf, nil)))(
				httpkit.Recover(rw.write)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(tt.value) }))))
			req := httptest.NewRequest(http.MethodGet, "/p", nil)
			req.Header.Set("X-Request-Id", "rid-1")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)

			e := rw.only(t)
			if e.Kind != apierr.Internal {
				t.Errorf("kind = %v, want internal", e.Kind)
			}
			if rec.Code != http.StatusInternalServerError {
				t.Errorf("status = %d, want 500", rec.Code)
			}
			if !strings.Contains(rec.Body.String(), `"kind":"internal"`) {
				t.Errorf("body = %s, want the ErrorWriter's output", rec.Body)
			}
			lines := logLines(t, &buf)
			var logged bool
			for _, l := range lines {
				if l["msg"] == "panic" {
					logged = true
					if l["request_id"] != "rid-1" || !strings.Contains(l["stack"].(string), "goroutine") {
						t.Errorf("panic log = %v, want request id and stack", l)
					}
				}
			}
			if !logged {
				t.Errorf("panic not logged:\n%s", buf.String())
			}
			if lines[len(lines)-1]["status"] != float64(500) {
				t.Errorf("access log status = %v, want 500", lines[len(lines)-1]["status"])
			}
		})
	}
}

func TestRecoverNoPanic(t *testing.T) {
	rw := &recordingWriter{}
	h := httpkit.Recover(rw.write)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusTeapot || len(rw.errs) != 0 {
		t.Errorf("status %d, %d errors; want the handler's 418 untouched", rec.Code, len(rw.errs))
	}
}

func TestRecoverRepanicsErrAbortHandler(t *testing.T) {
	rw := &recordingWriter{}
	h := httpkit.Recover(rw.write)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) }))
	got := func() (v any) {
		defer func() { v = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
		return nil
	}()
	if got != http.ErrAbortHandler {
		t.Errorf("recovered %v, want http.ErrAbortHandler re-panicked", got)
	}
	if len(rw.errs) != 0 {
		t.Errorf("ErrorWriter called for ErrAbortHandler: %v", rw.errs)
	}
}

func TestJSONCharset(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string
		status  int
	}{
		{"bare json with WriteHeader", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			w.Write([]byte(`{}`))
		}, httpkit.JSONContentType, 201},
		{"bare json, Write only", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{}`))
		}, httpkit.JSONContentType, 200},
		{"already labelled", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(http.StatusOK)
		}, "application/json; charset=utf-8", 200},
		{"text left alone", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte("hi"))
		}, "text/plain; charset=utf-8", 200},
		{"other json type left alone", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusBadRequest)
		}, "application/problem+json", 400},
		{"304 without type", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNotModified)
		}, "", 304},
		{"WriteJSON", func(w http.ResponseWriter, r *http.Request) {
			httpkit.WriteJSON(w, http.StatusOK, []int{1})
		}, httpkit.JSONContentType, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			httpkit.JSONCharset(tt.handler).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			if got := rec.Header().Get("Content-Type"); got != tt.want {
				t.Errorf("Content-Type = %q, want %q", got, tt.want)
			}
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	rec := httptest.NewRecorder()
	httpkit.WriteJSON(rec, http.StatusAccepted, map[string]any{"question": map[string]int{"id": 1}})
	if rec.Code != http.StatusAccepted || rec.Header().Get("Content-Type") != "application/json;charset=UTF-8" ||
		rec.Body.String() != `{"question":{"id":1}}` {
		t.Errorf("WriteJSON = %d %q %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
	}

	rec = httptest.NewRecorder()
	httpkit.WriteJSON(rec, http.StatusOK, make(chan int)) // cannot be marshalled
	if rec.Code != http.StatusInternalServerError || rec.Header().Get("Content-Type") != httpkit.JSONContentType {
		t.Errorf("unmarshalable: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	var body struct {
		Error struct{ Message, Code string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code != "INTERNAL_ERROR" {
		t.Errorf("unmarshalable body = %s (%v)", rec.Body, err)
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		kind apierr.Kind
		want int
	}{
		{apierr.Internal, 500}, {apierr.Invalid, 400}, {apierr.Unauthorized, 401}, {apierr.Forbidden, 403},
		{apierr.NotFound, 404}, {apierr.MethodNotAllowed, 405}, {apierr.Conflict, 409}, {apierr.RateLimited, 429},
		{apierr.State, 400}, {apierr.Gone, 410}, {apierr.Timeout, 408}, {apierr.Unavailable, 503},
		{apierr.NotImplemented, 501}, {apierr.Kind(99), 500},
	}
	for _, tt := range tests {
		if got := httpkit.Status(tt.kind); got != tt.want {
			t.Errorf("Status(%v) = %d, want %d", tt.kind, got, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		requestID string // "" = no RequestID middleware
		kind      apierr.Kind
		msg       string
		allow     string
		logged    bool
	}{
		{"invalid", apierr.Invalidf("text: must not be blank"), "rid-1", apierr.Invalid, "text: must not be blank", "", false},
		{"not found", apierr.NotFoundf("no question"), "rid-1", apierr.NotFound, "no question", "", false},
		{"405 sets Allow", &apierr.Error{Kind: apierr.MethodNotAllowed, Allow: []string{"GET", "POST"}, Message: "nope"}, "rid-1",
			apierr.MethodNotAllowed, "nope", "GET, POST", false},
		{"wrapped apierr", fmt.Errorf("context: %w", apierr.Conflictf("taken")), "rid-1", apierr.Conflict, "taken", "", false},
		{"internal hides the error, names the request", errors.New("db password is hunter2"), "rid-9", apierr.Internal,
			"internal error (request id rid-9)", "", true},
		{"internal apierr", &apierr.Error{Kind: apierr.Internal, Message: "secret detail hunter2"}, "rid-9", apierr.Internal,
			"internal error (request id rid-9)", "", true},
		{"internal without a request id", errors.New("hunter2"), "", apierr.Internal, "internal error", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			var kind apierr.Kind
			var msg string
			var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				kind, msg = httpkit.Describe(w, r, tt.err)
			})
			h = httpkit.AccessLog(slog.New(slog.NewJSONHandler(&buf, nil)))(h)
			if tt.requestID != "" {
				h = httpkit.RequestID(h)
			}
			req := httptest.NewRequest(http.MethodGet, "/x", nil)
			req.Header.Set("X-Request-Id", tt.requestID)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if kind != tt.kind || msg != tt.msg {
				t.Errorf("Describe = (%v, %q), want (%v, %q)", kind, msg, tt.kind, tt.msg)
			}
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if logged := strings.Contains(buf.String(), "hunter2"); logged != tt.logged {
				t.Errorf("real error logged = %v, want %v: %s", logged, tt.logged, buf.String())
			}
		})
	}
}

func TestStrictAndParamErrors(t *testing.T) {
	rw := &recordingWriter{}
	reqErr, respErr := httpkit.StrictErrors(rw.write)
	rec := httptest.NewRecorder()
	reqErr(rec, httptest.NewRequest(http.MethodPost, "/", nil), errors.New("can't bind"))
	if e := apierr.As(rw.errs[0]); e.Kind != apierr.Invalid || e.Message != "request body: can't bind" || rec.Code != 400 {
		t.Errorf("request error = %v %q (status %d)", e.Kind, e.Message, rec.Code)
	}

	notFound := apierr.NotFoundf("no such question")
	rec = httptest.NewRecorder()
	respErr(rec, httptest.NewRequest(http.MethodPost, "/", nil), notFound)
	if rw.errs[1] != error(notFound) || rec.Code != 404 {
		t.Errorf("response error = %v (status %d), want the handler's error as is", rw.errs[1], rec.Code)
	}

	rec = httptest.NewRecorder()
	httpkit.ParamErrors(rw.write)(rec, httptest.NewRequest(http.MethodGet, "/", nil), errors.New(`invalid format for parameter id`))
	if e := apierr.As(rw.errs[2]); e.Kind != apierr.Invalid || e.Message != "invalid format for parameter id" || rec.Code != 400 {
		t.Errorf("param error = %v %q (status %d)", e.Kind, e.Message, rec.Code)
	}
}

// A handler that fails because the client went away (its request context was cancelled) is not
// an internal error worth an ERROR line: it is logged at INFO as the client's doing. A cancelled
// error while the client is still there stays an internal error.
func TestDescribeClientGone(t *testing.T) {
	for _, tt := range []struct {
		name      string
		cancel    bool
		wantLevel string
	}{
		{"client gone", true, "INFO"},
		{"client still there", false, "ERROR"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			h := httpkit.AccessLog(slog.New(slog.NewJSONHandler(&buf, nil)))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				httpkit.Describe(w, r, fmt.Errorf("reading the question: %w", context.Canceled))
			}))
			ctx, cancel := context.WithCancel(context.Background())
			if tt.cancel {
				cancel()
			} else {
				defer cancel()
			}
			req := httptest.NewRequest(http.MethodGet, "/x", nil).WithContext(ctx)
			h.ServeHTTP(httptest.NewRecorder(), req)
			first, _, _ := strings.Cut(buf.String(), "\n")
			if !strings.Contains(first, `"level":"`+tt.wantLevel+`"`) {
				t.Errorf("logged %s, want level %s", first, tt.wantLevel)
			}
		})
	}
}
