package conformance

import (
	"bytes"
	"compress/gzip"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// RoundTripper returns an http.RoundTripper that sends each request through next (nil means
// http.DefaultTransport) and checks the exchange against the spec whose Prefix covers the
// request path. It records violations and coverage and never alters what the caller sees:
// the request and response bodies are buffered and replayed byte for byte (a body read error
// is replayed after the bytes read). Only ExpectStatusHeader is removed from the request sent.
// Transport errors are returned unchecked. Streaming responses (text/event-stream, NDJSON) are
// not buffered: their status and headers are checked, their body is not.
func (s *Suite) RoundTripper(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{s: s, next: next}
}

type transport struct {
	s    *Suite
	next http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	expect, hasExpect := "", false
	if vs, ok := req.Header[http.CanonicalHeaderKey(ExpectStatusHeader)]; ok {
		hasExpect = true
		if len(vs) > 0 {
			expect = strings.TrimSpace(vs[0])
		}
	}
	sp := t.s.match(req.URL.Path)
	if sp != nil && (sp.unchecked[sp.strip(req.URL).Path] || preflight(req)) {
		sp = nil
	}
	if sp == nil {
		t.s.countUnchecked()
		if hasExpect {
			req = req.Clone(req.Context())
			req.Header.Del(ExpectStatusHeader)
		}
		return t.next.RoundTrip(req)
	}

	// Buffer the request body; send a replay of it.
	var body []byte
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
	}
	out := req.Clone(req.Context())
	out.Header.Del(ExpectStatusHeader)
	if hasBody {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}

	x := &exchange{sp: sp, req: out, reqBody: body}
	if hasExpect {
		x.expectSet = true
		n, err := strconv.Atoi(expect)
		if err != nil || n < 100 || n > 599 {
			x.expectBad = expect
		}
		x.expect = n
	}
	x.probe = out.Clone(out.Context())
	x.probe.URL = sp.unalias(sp.strip(out.URL))
	x.probe.Body = http.NoBody
	if hasBody {
		x.probe.Body = io.NopCloser(bytes.NewReader(body))
		x.probe.GetBody = out.GetBody
		if sp.defaultType != "" && x.probe.Header.Get("Content-Type") == "" {
			x.probe.Header.Set("Content-Type", sp.defaultType)
		}
	}
	if sp.readAs != nil {
		sp.readAs(x.probe)
	}
	x.route, x.params, x.routeErr = sp.router.FindRoute(x.probe)
	if x.routeErr == nil {
		x.op = sp.opByRoute[x.route.Method+" "+x.route.Path]
		x.opID = x.op.id
		x.reqErr = openapi3filter.ValidateRequest(out.Context(), &openapi3filter.RequestValidationInput{
			Request:    x.probe,
			PathParams: x.params,
			Route:      x.route,
			Options:    sp.reqOpts,
		})
	} else {
		x.opID = RouteMissOperation
	}

	resp, err := t.next.RoundTrip(out)
	if err != nil {
		return resp, err
	}

	x.status = resp.StatusCode
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	x.header = resp.Header
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	if isStreaming(resp.Header.Get("Content-Type")) {
		t.s.check(x)
		return resp, nil
	}
	data, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = &replayBody{r: bytes.NewReader(data), err: rerr}
	x.bodyKnown = true
	x.body = data
	x.readErr = rerr
	if rerr == nil && strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip") && len(data) > 0 {
		if zr, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
			if plain, err := io.ReadAll(zr); err == nil {
				x.body = plain
			}
		}
	}
	t.s.check(x)
	return resp, nil
}

// preflight reports a CORS preflight request (OPTIONS with Origin and
// Access-Control-Request-Method): the browser's question, answered before any API operation, not
// an operation of the spec. It passes through unchecked.
func preflight(req *http.Request) bool {
	return req.Method == http.MethodOptions && req.Header.Get("Origin") != "" && req.Header.Get("Access-Control-Request-Method") != ""
}

func (s *Suite) countUnchecked() {
	s.mu.Lock()
	s.unchecked++
	s.mu.Unlock()
}

// replayBody replays buffered bytes, then the error the original body returned, if any.
type replayBody struct {
	r   *bytes.Reader
	err error
}

func (b *replayBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.err != nil {
		err = b.err
	}
	return n, err
}

func (b *replayBody) Close() error { return nil }

func isStreaming(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "text/event-stream", "application/x-ndjson", "application/ndjson", "application/stream+json", "application/jsonl":
		return true
	}
	return false
}

// HandlerTransport returns an http.RoundTripper that serves every request in-process with h,
// recording the response with an httptest.ResponseRecorder. Unlike a real HTTP connection it
// hands the caller exactly what the handler wrote, including a body written on a 304, a 204 or a
// HEAD response that net/http would silently drop, so wrap it with Suite.RoundTripper to catch
// those. Not for streaming handlers: the response is returned after the handler finishes.
func HandlerTransport(h http.Handler) http.RoundTripper {
	return handlerTransport{h}
}

type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	in := req.Clone(req.Context())
	if in.Body == nil {
		in.Body = http.NoBody
	}
	if in.Host == "" {
		in.Host = req.URL.Host
	}
	in.RequestURI = req.URL.RequestURI()
	in.RemoteAddr = "192.0.2.1:1234"
	if in.Proto == "" {
		in.Proto, in.ProtoMajor, in.ProtoMinor = "HTTP/1.1", 1, 1
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	if req.Body != nil {
		req.Body.Close()
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}
