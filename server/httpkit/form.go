package httpkit

import (
	"io"
	"net/http"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/bracketform"
)

var registerOnce sync.Once

// RegisterDecoders makes kin-openapi decode application/x-www-form-urlencoded bodies with the
// bracket decoder, so `metadata[a][b]=v` is validated as the nested object the spec describes
// (kin's own decoder rejects nested keys), and validate the uuid string format. kin's registry
// is process-wide: the server and the conformance suite both call this, and it is idempotent.
func RegisterDecoders() {
	registerOnce.Do(func() {
		// kin validates no string format unless told to; the specs use uuid for ids.
		openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122))
		openapi3filter.RegisterBodyDecoder("application/x-www-form-urlencoded",
			func(body io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
				b, err := io.ReadAll(io.LimitReader(body, int64(bracketform.DefaultLimits.MaxBytes)+1))
				if err != nil {
					return nil, err
				}
				m, err := bracketform.ParseURLEncoded(b, bracketform.DefaultLimits)
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
// bare `application/json`).
func JSONCharset(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&charsetWriter{ResponseWriter: w}, r)
	})
}

type charsetWriter struct {
	http.ResponseWriter
	done bool
}

func (c *charsetWriter) WriteHeader(code int) {
	if !c.done {
		c.done = true
		if c.Header().Get("Content-Type") == "application/json" {
			c.Header().Set("Content-Type", JSONContentType)
		}
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *charsetWriter) Write(b []byte) (int, error) {
	if !c.done {
		c.WriteHeader(http.StatusOK)
	}
	return c.ResponseWriter.Write(b)
}

func (c *charsetWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
