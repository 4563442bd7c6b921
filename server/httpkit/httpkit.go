// Package httpkit is the HTTP plumbing every API shares: request ids, access logs, panic
// recovery, JSON writing, and the OpenAPI request validator with its failures (bad input, route
// misses, 405 with Allow, bad credentials) turned into apierr kinds. It never decides an API's
// error body: each API passes its own ErrorWriter.
package httpkit

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

// ErrorWriter writes err in one API's error format. It maps apierr kinds to statuses and logs
// internal errors; it is the only place an API's error body is built.
type ErrorWriter func(w http.ResponseWriter, r *http.Request, err error)

// JSONContentType is what every JSON response carries.
const JSONContentType = "application/json;charset=UTF-8"

// WriteJSON writes v as JSON with the given status, without HTML escaping (`<p>`, not
// `\u003cp\u003e`: JSON is not HTML, and nosniff keeps browsers from reading it as such).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	b := buf.Bytes()
	if err := enc.Encode(v); err != nil {
		// Only reachable with a programming error (an unmarshalable type); keep the promise of JSON.
		status, b = http.StatusInternalServerError, []byte(`{"error":{"message":"internal error","code":"INTERNAL_ERROR"}}`)
	} else {
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	}
	w.Header().Set("Content-Type", JSONContentType)
	w.WriteHeader(status)
	w.Write(b)
}

type ctxKey int

const stateKey ctxKey = 0

// requestState is what RequestID and AccessLog keep in a request's context: its id and its
// access log entry, in one context value (each context value costs a copy of the request). It
// is one allocation for the whole edge: the entry's storage and the values of the headers the
// edge sets are in it.
type requestState struct {
	id     string
	access *accessEntry // nil until AccessLog runs
	entry  accessEntry  // where AccessLog puts its entry when it runs inside RequestID
	header [2]string    // X-Request-Id's value, X-Content-Type-Options' value
}

// setHeader sets w's header key (canonical) to v, keeping the value in the request's state when
// there is one: one allocation less per header than Header.Set.
func setHeader(w http.ResponseWriter, r *http.Request, key string, slot int, v string) {
	st := stateFrom(r.Context())
	if st == nil {
		w.Header().Set(key, v)
		return
	}
	st.header[slot] = v
	w.Header()[key] = st.header[slot : slot+1 : slot+1]
}

// newRequestID is a new random (version 4) UUID. A request id must be unique, not secret, so
// its bits come from math/rand/v2's generator (ChaCha8 seeded by the OS, per thread, no lock)
// rather than crypto/rand, which cost a twentieth of a cached poll's CPU.
func newRequestID() string {
	var u uuid.UUID
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return u.String()
}

// recorderOf is the access log's recorder of the request's status, through which everything
// written to the request after AccessLog passes; nil outside AccessLog.
func recorderOf(r *http.Request) *statusRecorder {
	if st := stateFrom(r.Context()); st != nil && st.access != nil {
		return &st.access.statusRecorder
	}
	return nil
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey).(*requestState)
	return st
}

// saneRequestID is what a caller's X-Request-Id must be to be kept: 1 to 64 of A-Z a-z 0-9 . _ -
// (the regular expression ^[A-Za-z0-9._-]{1,64}$, without its cost on every request).
func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// RequestID gives every request an id: the caller's X-Request-Id when it is sane, else a new
// UUID. It is echoed in the X-Request-Id response header and carried in the context.
func RequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !saneRequestID(id) {
			id = newRequestID()
		}
		st := &requestState{id: id}
		if outer := stateFrom(r.Context()); outer != nil {
			st.access = outer.access // a renewed id keeps the request's logger
		}
		r = r.WithContext(context.WithValue(r.Context(), stateKey, st))
		setHeader(w, r, "X-Request-Id", 0, id)
		next.ServeHTTP(w, r)
	})
}

// RequestIDFrom returns the request id in ctx, or "".
func RequestIDFrom(ctx context.Context) string {
	if st := stateFrom(ctx); st != nil {
		return st.id
	}
	return ""
}

// Logger returns the request's logger (carrying its request id), or the default one.
func Logger(ctx context.Context) *slog.Logger {
	if st := stateFrom(ctx); st != nil && st.access != nil {
		return st.access.logger()
	}
	return slog.Default()
}

// accessEntry is one request's access log state: its logger is made on first use (most
// requests log nothing but the access line, which needs none).
type accessEntry struct {
	statusRecorder
	capped *slog.Logger
	id     string
	once   sync.Once
	l      *slog.Logger
}

func (a *accessEntry) logger() *slog.Logger {
	a.once.Do(func() { a.l = a.capped.With("request_id", a.id) })
	return a.l
}

// AccessLog attaches a request-scoped logger to the context and logs one line per request. The
// request's logger caps every value it writes (CapLog): a client's path, or an error quoting a
// client's input, never makes a long log line.
func AccessLog(base *slog.Logger) func(http.Handler) http.Handler {
	capped := slog.New(CapLog(base.Handler()))
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			st := stateFrom(r.Context()) // RequestID's state: no new context needed
			if st == nil || st.access != nil {
				st = &requestState{id: RequestIDFrom(r.Context())}
				r = r.WithContext(context.WithValue(r.Context(), stateKey, st))
			}
			a := &st.entry
			*a = accessEntry{statusRecorder: statusRecorder{ResponseWriter: w}, capped: capped, id: st.id}
			st.access = a
			next.ServeHTTP(&a.statusRecorder, r)
			rec := &a.statusRecorder
			if rec.status == 0 {
				rec.status = http.StatusOK
			}
			// The same line as a.logger().LogAttrs: a logger's own attributes come first.
			capped.LogAttrs(r.Context(), slog.LevelInfo, "request", slog.String("request_id", a.id),
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
				slog.Duration("duration", time.Since(start)))
		})
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Recover turns a panic into an internal error written by writeErr, and logs the stack.
// http.ErrAbortHandler is re-panicked, as net/http expects.
func Recover(writeErr ErrorWriter) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			tw := recorderOf(r) // status != 0: the response has started
			if tw == nil {
				tw = &statusRecorder{ResponseWriter: w}
				w = tw
			}
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				Logger(r.Context()).Error("panic", "panic", v, "stack", string(debug.Stack()))
				if tw.status != 0 {
					// Part of a response is out: no error body can follow it. Drop the connection so
					// the client sees a failure, not a truncated success.
					panic(http.ErrAbortHandler)
				}
				writeErr(w, r, &panicError{v})
			}()
			next.ServeHTTP(w, r)
		})
	}
}

type panicError struct{ v any }

func (p *panicError) Error() string { return "panic" }

// Describe is the shared first half of every API's ErrorWriter: it finds the error's kind,
// sets the Allow header of a 405, and returns the message the caller may see. For an internal
// error that is only the request id; the real error is logged.
func Describe(w http.ResponseWriter, r *http.Request, err error) (apierr.Kind, string) {
	e := apierr.As(err)
	if len(e.Allow) > 0 {
		w.Header().Set("Allow", strings.Join(e.Allow, ", "))
	}
	if e.Kind != apierr.Internal {
		return e.Kind, e.Message
	}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away while the handler ran (the server cancels the request's context
		// when the connection closes): its doing, not the server's; nobody reads this answer.
		Logger(r.Context()).Info("client went away", "error", err.Error(), "method", r.Method, "path", r.URL.Path)
	} else {
		Logger(r.Context()).Error("internal error", "error", err.Error(), "method", r.Method, "path", r.URL.Path)
	}
	if id := RequestIDFrom(r.Context()); id != "" {
		return e.Kind, "internal error (request id " + id + ")"
	}
	return e.Kind, "internal error"
}

// Status is the HTTP status for an apierr kind, shared by every API of this server.
func Status(k apierr.Kind) int {
	switch k {
	case apierr.Invalid, apierr.State:
		return http.StatusBadRequest
	case apierr.Unauthorized:
		return http.StatusUnauthorized
	case apierr.Forbidden:
		return http.StatusForbidden
	case apierr.NotFound:
		return http.StatusNotFound
	case apierr.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case apierr.Conflict:
		return http.StatusConflict
	case apierr.RateLimited:
		return http.StatusTooManyRequests
	case apierr.Gone:
		return http.StatusGone
	case apierr.Timeout:
		return http.StatusRequestTimeout
	case apierr.Unavailable:
		return http.StatusServiceUnavailable
	case apierr.NotImplemented:
		return http.StatusNotImplemented
	default:
		return http.StatusInternalServerError
	}
}
