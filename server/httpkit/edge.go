package httpkit

import (
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"
)

// edge is what every API's router runs before anything of the API (after panic recovery): the
// text of the path and query is checked (valid UTF-8, no NUL); a request with a body passes the
// API's Gate (credentials sent in headers) before a byte of the body is read; then the body is
// read whole under the API's limit and, when it is JSON, checked by CheckJSON, so the validator,
// the generated code and the handlers all read the same checked bytes from memory. A body the
// handler streams itself (API.Streamed) is only capped. Every failure is answered in the API's
// format, and a failure that leaves part of a body unread closes the connection.
func (api API) edge(next http.Handler) http.Handler {
	limit := api.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := CheckRequestText(r); err != nil {
			api.WriteError(w, r, err)
			return
		}
		if !hasBody(r) {
			next.ServeHTTP(w, r)
			return
		}
		if api.Gate != nil {
			gated, err := api.Gate(r)
			if err != nil {
				w.Header().Set("Connection", "close") // the body is never read
				api.WriteError(w, r, err)
				return
			}
			r = gated
		}
		if n := api.streamed(r); n > 0 {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
			return
		}
		b, err := ReadBody(w, r, limit)
		if err != nil {
			api.WriteError(w, r, err)
			return
		}
		if IsJSON(r.Header.Get("Content-Type")) && len(bytes.TrimSpace(b)) > 0 {
			if err := CheckJSON(b); err != nil {
				api.WriteError(w, r, err)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		r.ContentLength = int64(len(b))
		r.TransferEncoding = nil
		next.ServeHTTP(w, r)
	})
}

func (api API) streamed(r *http.Request) int64 {
	if api.Streamed == nil {
		return 0
	}
	return api.Streamed(r)
}

func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// IsJSON reports whether a Content-Type is JSON (application/json or any +json type).
func IsJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
