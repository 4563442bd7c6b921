package httpkit

import (
	"bytes"
	"io"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/bracketform"
)

var registerOnce sync.Once

// UUIDPattern is what the `uuid` string format accepts: any 8-4-4-4-12 hexadecimal uuid.
const UUIDPattern = `^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`

// FormLimits are the limits of every form body (bracketform's defaults, except that one value may
// hold 20,000 characters, the longest text field of any API). An API checks its own fields'
// limits beyond these.
var FormLimits = func() bracketform.Limits {
	l := bracketform.DefaultLimits
	l.MaxValue = 20000
	return l
}()

// RegisterDecoders makes kin-openapi decode application/x-www-form-urlencoded bodies with the
// bracket decoder, so `metadata[a][b]=v` is validated as the nested object the spec describes
// (kin's own decoder rejects nested keys), and validate the uuid string format. kin's registry
// is process-wide: the server and the conformance suite both call this, and it is idempotent.
func RegisterDecoders() {
	registerOnce.Do(func() {
		// kin validates no string format unless told to; the specs use uuid for ids. Any
		// well-formed 8-4-4-4-12 uuid is one, whatever its version (a v7 or a made-up id is an
		// unknown id, 404, not a malformed one).
		openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(UUIDPattern))
		openapi3filter.RegisterBodyDecoder("application/x-www-form-urlencoded",
			func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
				b, err := io.ReadAll(io.LimitReader(body, int64(bracketform.DefaultLimits.MaxBytes)+1))
				if err != nil {
					return nil, err
				}
				m, err := bracketform.ParseURLEncoded(b, FormLimits)
				if err != nil {
					return nil, apierr.Invalidf("request body: %v", err)
				}
				return m.Interface(), nil
			})
	})
}

// StrictErrors are the error hooks of a generated strict server, all writing the API's format:
// a body the generated code cannot bind is Invalid; a handler error is whatever kind it carries.
func StrictErrors(writeErr ErrorWriter) (request, response func(http.ResponseWriter, *http.Request, error)) {
	request = func(w http.ResponseWriter, r *http.Request, err error) {
		writeErr(w, r, apierr.Invalidf("request body: %v", err))
	}
	return request, writeErr
}

// ParamErrors is the error hook of a generated chi server for parameters it cannot bind.
func ParamErrors(writeErr ErrorWriter) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		writeErr(w, r, apierr.Invalidf("%v", err))
	}
}

// JSONCharset labels JSON responses `application/json;charset=UTF-8` (generated code writes a
// bare `application/json`) and undoes the HTML escaping of encoding/json (generated code writes
// `\u003cp\u003e` for `<p>`). NewRouter applies it to every API; applying it twice is harmless.
func JSONCharset(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := w.(*charsetWriter); ok {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&charsetWriter{ResponseWriter: w}, r)
	})
}

type charsetWriter struct {
	http.ResponseWriter
	done bool
	json bool
	un   unescaper
}

func (c *charsetWriter) WriteHeader(code int) {
	if !c.done {
		c.done = true
		if ct := c.Header().Get("Content-Type"); ct == "application/json" || ct == JSONContentType {
			c.Header().Set("Content-Type", JSONContentType)
			c.Header().Del("Content-Length") // unescaping makes the body shorter
			c.json = true
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *charsetWriter) Write(b []byte) (int, error) {
	if !c.done {
		c.WriteHeader(http.StatusOK)
	}
	if !c.json {
		return c.ResponseWriter.Write(b)
	}
	if _, err := c.ResponseWriter.Write(c.un.unescape(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func (c *charsetWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// unescaper turns encoding/json's HTML escapes (\u003c, \u003e, \u0026) back into <, > and &.
// Only a backslash that starts an escape can start one (an escaped backslash, \\, is skipped as
// a pair), and an escape split across two writes is held until the next.
type unescaper struct {
	pending []byte // the start of an escape, cut by the end of the previous write
	out     []byte
}

var htmlEscapes = map[string]byte{`\u003c`: '<', `\u003e`: '>', `\u0026`: '&'}

func (u *unescaper) unescape(b []byte) []byte {
	if len(u.pending) == 0 && bytes.IndexByte(b, '\\') < 0 {
		return b
	}
	in := append(u.pending, b...)
	u.pending = nil
	out := u.out[:0]
	for i := 0; i < len(in); i++ {
		if in[i] != '\\' {
			out = append(out, in[i])
			continue
		}
		rest := in[i:]
		if len(rest) < 2 || rest[1] == 'u' && len(rest) < 6 {
			u.pending = append(u.pending[:0], rest...)
			break
		}
		if rest[1] == 'u' {
			if c, ok := htmlEscapes[string(rest[:6])]; ok {
				out = append(out, c)
				i += 5
				continue
			}
		}
		out = append(out, rest[0], rest[1])
		i++
	}
	u.out = out
	return out
}
