package httpkit

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"syscall"
	"time"
)

// Limits are the server's transport limits: how long a client may take to send a request and to
// receive the answer, and how long an idle connection is kept. A slow but honest client survives
// them: a body may take as long as it likes as long as it keeps arriving at MinBodyRate.
type Limits struct {
	ReadHeaderTimeout time.Duration // request line and headers
	BodyGrace         time.Duration // a body may take this long…
	MinBodyRate       int64         // …plus one second for every MinBodyRate bytes received
	WriteTimeout      time.Duration // writing the answer, counted from when the body was read
	IdleTimeout       time.Duration // a keep-alive connection between two requests
	MaxHeaderBytes    int           // request line and headers (Go answers 431 beyond)
}

// DefaultLimits are the server's limits unless configured otherwise. A body trickling in slower
// than 4 KiB/s after its first 10 s is cut off; a 10 MiB upload at 100 KiB/s is not.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 10 * time.Second,
	BodyGrace:         10 * time.Second,
	MinBodyRate:       4 << 10,
	WriteTimeout:      60 * time.Second,
	IdleTimeout:       60 * time.Second,
	MaxHeaderBytes:    64 << 10,
}

// withDefaults fills zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	or := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	or(&l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	or(&l.BodyGrace, d.BodyGrace)
	or(&l.WriteTimeout, d.WriteTimeout)
	or(&l.IdleTimeout, d.IdleTimeout)
	if l.MinBodyRate <= 0 {
		l.MinBodyRate = d.MinBodyRate
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = d.MaxHeaderBytes
	}
	return l
}

// Configure sets hs's connection limits, and counts its connections for Runtime. The body and
// write deadlines are set per request by
// Transport, which must wrap hs's handler; hs.ReadTimeout and hs.WriteTimeout stay zero because
// they cannot tell a slow honest upload from a stalled one.
func (l Limits) Configure(hs *http.Server) {
	l = l.withDefaults()
	hs.ReadHeaderTimeout = l.ReadHeaderTimeout
	hs.IdleTimeout = l.IdleTimeout
	hs.MaxHeaderBytes = l.MaxHeaderBytes
	hs.ReadTimeout, hs.WriteTimeout = 0, 0
	if prev := hs.ConnState; prev != nil {
		hs.ConnState = func(c net.Conn, s http.ConnState) { trackConn(c, s); prev(c, s) }
	} else {
		hs.ConnState = trackConn
	}
}

// Transport is the outermost edge of every request, for every path: it sets the request's read
// and write deadlines, makes every failure to read the body a *BodyError (logged once, as the
// client's doing), and marks every answer X-Content-Type-Options: nosniff. It runs after
// AccessLog, whose logger it uses.
func Transport(l Limits) func(http.Handler) http.Handler {
	l = l.withDefaults()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			setHeader(w, r, "X-Content-Type-Options", 1, "nosniff")
			now := time.Now()
			if r.Body == nil || r.Body == http.NoBody {
				setWriteDeadline(w, now.Add(l.WriteTimeout))
			} else {
				b := &body{ReadCloser: r.Body, rc: http.NewResponseController(w), start: now, l: l, log: Logger(r.Context())}
				b.extend()
				r.Body = b
			}
			next.ServeHTTP(w, r)
		})
	}
}

// setWriteDeadline is http.ResponseController's SetWriteDeadline without the controller's
// allocation: the first writer in w's Unwrap chain that can set it does.
func setWriteDeadline(w http.ResponseWriter, t time.Time) error {
	for {
		switch x := w.(type) {
		case interface{ SetWriteDeadline(time.Time) error }:
			return x.SetWriteDeadline(t)
		case interface{ Unwrap() http.ResponseWriter }:
			w = x.Unwrap()
		default:
			return http.ErrNotSupported
		}
	}
}

// Why a body could not be read.
const (
	BodyAborted   = "client abort"      // the connection ended before the body did
	BodyMalformed = "malformed body"    // broken framing (chunked encoding)
	BodyTooSlow   = "body too slow"     // slower than the minimum rate
	BodyTooLarge  = "body too large"    // over the limit of the API or operation
	bodyRead      = "body read failure" // anything else the connection reported
)

// BodyError is a request body that could not be read, always the client's doing. Read errors of
// every request body are one of these (or an *http.MaxBytesError over a limit); ReadBody and
// BodyProblem turn them into an apierr Invalid.
type BodyError struct {
	Reason string // BodyAborted, BodyMalformed, BodyTooSlow, ...
	Read   int64  // bytes received before it
	Err    error  // what the connection said
}

func (e *BodyError) Error() string { return e.Reason + ": " + e.Err.Error() }
func (e *BodyError) Unwrap() error { return e.Err }

// body is a request body under the read deadline: grace plus one second per MinBodyRate bytes
// received so far. At the end (EOF) the read deadline is lifted (net/http then watches the
// connection for a client that goes away) and the write deadline starts.
type body struct {
	io.ReadCloser
	rc     *http.ResponseController
	start  time.Time
	l      Limits
	log    *slog.Logger
	n      int64
	failed error
}

func (b *body) Read(p []byte) (int, error) {
	if b.failed != nil {
		return 0, b.failed
	}
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	switch {
	case err == nil:
		b.extend()
	case errors.Is(err, io.EOF):
		b.rc.SetReadDeadline(time.Time{})
		b.rc.SetWriteDeadline(time.Now().Add(b.l.WriteTimeout))
	default:
		b.failed = b.classify(err)
		return n, b.failed
	}
	return n, err
}

func (b *body) extend() {
	d := b.start.Add(b.l.BodyGrace + time.Duration(b.n)*time.Second/time.Duration(b.l.MinBodyRate))
	b.rc.SetReadDeadline(d)
	b.rc.SetWriteDeadline(d.Add(b.l.WriteTimeout))
}

// classify names why the body failed and logs it once, at INFO (WARN when the client was too
// slow: a possible slow-body attack). A body over a limit is passed on unchanged.
func (b *body) classify(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return err
	}
	e := &BodyError{Reason: bodyRead, Read: b.n, Err: err}
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		e.Reason = BodyTooSlow
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ECONNABORTED):
		e.Reason = BodyAborted
	case errors.Is(err, http.ErrBodyReadAfterClose):
		// The server's own misuse, not the client's: pass it on as it is (an internal error).
		return err
	default:
		// net/http reports broken chunked framing ("invalid byte in chunk length", "malformed
		// chunked encoding", a chunk line too long) as plain errors; nothing else reaches here.
		e.Reason = BodyMalformed
	}
	level := slog.LevelInfo
	if e.Reason == BodyTooSlow {
		level = slog.LevelWarn
	}
	b.log.Log(context.Background(), level, e.Reason, "bytes_read", b.n, "error", err.Error(), "elapsed", time.Since(b.start).Round(time.Millisecond).String())
	return e
}
