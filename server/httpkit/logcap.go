package httpkit

import (
	"context"
	"fmt"
	"log/slog"
	"unicode/utf8"
)

// MaxLoggedValue is how many bytes of one value a log line keeps (a stack trace keeps
// MaxLoggedStack). Client-supplied values (paths, headers, ids, error texts quoting input) can be
// as long as the client likes; a log line cannot.
const (
	MaxLoggedValue = 1 << 10
	MaxLoggedStack = 16 << 10
)

// Cap shortens s to at most n bytes (cut on a character boundary), saying how long it was.
func Cap(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:cut], len(s))
}

// CapLog wraps h so that every string attribute (and error, and anything else printed as text)
// is capped at MaxLoggedValue bytes; attributes named "stack" at MaxLoggedStack. AccessLog
// applies it to every request's logger, so no request can make a log line long.
func CapLog(h slog.Handler) slog.Handler {
	if _, ok := h.(capHandler); ok {
		return h
	}
	return capHandler{h}
}

type capHandler struct{ h slog.Handler }

func (c capHandler) Enabled(ctx context.Context, l slog.Level) bool { return c.h.Enabled(ctx, l) }

func (c capHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, Cap(r.Message, MaxLoggedValue), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(capAttr(a))
		return true
	})
	return c.h.Handle(ctx, out)
}

func (c capHandler) WithAttrs(as []slog.Attr) slog.Handler {
	capped := make([]slog.Attr, len(as))
	for i, a := range as {
		capped[i] = capAttr(a)
	}
	return capHandler{c.h.WithAttrs(capped)}
}

func (c capHandler) WithGroup(name string) slog.Handler { return capHandler{c.h.WithGroup(name)} }

func capAttr(a slog.Attr) slog.Attr {
	n := MaxLoggedValue
	if a.Key == "stack" {
		n = MaxLoggedStack
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Cap(v.String(), n))
	case slog.KindGroup:
		group := v.Group()
		capped := make([]any, len(group))
		for i, g := range group {
			capped[i] = capAttr(g)
		}
		return slog.Group(a.Key, capped...)
	case slog.KindAny:
		var s string
		switch x := v.Any().(type) {
		case error:
			s = x.Error()
		case fmt.Stringer:
			s = x.String()
		default:
			s = fmt.Sprint(x)
		}
		if len(s) > n {
			return slog.String(a.Key, Cap(s, n))
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
