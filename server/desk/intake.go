package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/paging"
)

// MaxBody is the largest request body the Desk API reads (reference §1); a larger one is
// `Invalid value for: body`.
const MaxBody = 1 << 20

// call is what the intake learnt about a request, in the vendor's check order, for the handlers:
// who it speaks for and its parameters, parsed. Handlers read it instead of the generated
// parameters, which bind the same (normalised) values.
type call struct {
	principal      deskservice.Principal
	conversationID int64
	ids            map[string]uuid.UUID // UUID path parameters by name
	pageLimit      int
	pageKey        *deskrules.PageKey
	filter         deskrules.Filter
	force          bool
	next           func(pageKey string) string // absolute URL of the page starting at pageKey
}

type ctxKey struct{}

func callFrom(ctx context.Context) *call {
	c, _ := ctx.Value(ctxKey{}).(*call)
	if c == nil {
		return &call{}
	}
	return c
}

// intake runs the vendor's checks, in the vendor's order: the route (a miss is left to the
// validator, which answers 404 or 405), the token (401), the rate limit (429), the path
// parameters, the query parameters (each kept once: its first value), then the body (one JSON
// value, whatever its Content-Type; `null` members dropped as absent; checked against the
// operation's schema). Each failure is answered with the vendor's string. What passes reaches
// the validator and the generated handlers normalised: a JSON body with Content-Type
// application/json, no body where the operation takes none.
//
// The shared edge (httpkit) reads a request's body before any middleware of the API runs, so for
// a request with a body the checks up to the query run as its Gate, before the body is read: an
// unauthenticated call, or one with a bad id, is refused unread. For a request without a body the
// middleware runs them.
type intake struct {
	svc      *deskservice.Service
	router   routers.Router
	writeErr func(http.ResponseWriter, *http.Request, error)
}

// route finds r's operation; ok is false on a route miss.
func (in *intake) route(r *http.Request) (*routers.Route, map[string]string, bool) {
	probe := r.Clone(r.Context())
	probe.URL.Path = strings.TrimPrefix(r.URL.Path, Prefix)
	probe.URL.RawPath = ""
	route, params, err := in.router.FindRoute(probe)
	return route, params, err == nil
}

// gate is the API's httpkit Gate: the checks before the body (see intake). The body of an
// operation that takes none is dropped here, unread, whatever it holds.
func (in *intake) gate(r *http.Request) (*http.Request, error) {
	route, params, ok := in.route(r)
	if !ok {
		return r, nil
	}
	r, err := in.beforeBody(r, route, params)
	if err == nil && route.Operation.RequestBody == nil {
		r.Body, r.ContentLength = http.NoBody, 0
		r.Header.Del("Content-Type")
	}
	return r, err
}

func (in *intake) handle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, ok := in.route(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		if _, gated := r.Context().Value(ctxKey{}).(*call); !gated {
			var err error
			if r, err = in.beforeBody(r, route, params); err != nil {
				in.writeErr(w, r, err)
				return
			}
		}
		r, err := in.body(r, route.Operation)
		if err != nil {
			in.writeErr(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimited is the 429 of a token over its limit, with how long to wait (Retry-After).
type rateLimited struct {
	wait time.Duration
	err  error
}

func (e *rateLimited) Error() string { return e.err.Error() }
func (e *rateLimited) Unwrap() error { return e.err }

// beforeBody runs the checks up to the query and returns the request carrying the call, with its
// query normalised.
func (in *intake) beforeBody(r *http.Request, route *routers.Route, params map[string]string) (*http.Request, error) {
	ctx := r.Context()
	p, err := in.svc.Authenticate(ctx, r.Header.Get("Authorization"))
	if err != nil {
		return r, err
	}
	if wait, err := in.svc.Allow(p); err != nil {
		return r, &rateLimited{wait: wait, err: err}
	}
	c := &call{principal: p, ids: map[string]uuid.UUID{}}
	op := route.Operation

	// Path parameters, in the order of the path.
	for _, name := range pathParams(route.Path) {
		v := params[name]
		if name == "conversationId" {
			if c.conversationID, err = deskrules.ParseConversationID(v); err != nil {
				return r, err
			}
			continue
		}
		if c.ids[name], err = deskrules.ParsePathUUID(name, v); err != nil {
			return r, err
		}
	}

	// Query parameters: the operation's, in the order they are declared.
	query, err := firstValues(r.URL.RawQuery, op)
	if err != nil {
		return r, err
	}
	if err := c.readQuery(op, query); err != nil {
		return r, err
	}
	r = r.Clone(context.WithValue(ctx, ctxKey{}, c))
	r.URL.RawQuery = query.Encode()
	next := r
	c.next = func(key string) string {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("pageKey", key)
		q.Set("pageLimit", strconv.Itoa(c.pageLimit))
		return paging.NextURL(next, q)
	}
	return r, nil
}

// body checks and normalises the body of op (none, when op takes none).
func (in *intake) body(r *http.Request, op *openapi3.Operation) (*http.Request, error) {
	r = r.Clone(r.Context())
	r.GetBody = nil // whoever reads the body next (the validator prefers GetBody) reads it from here
	if op.RequestBody == nil {
		r.Body, r.ContentLength = http.NoBody, 0
		r.Header.Del("Content-Type")
		r.Header.Del("Transfer-Encoding")
		return r, nil
	}
	body, err := readBody(r, op.RequestBody.Value.Content.Get("application/json").Schema.Value)
	if err != nil {
		return r, err
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Del("Transfer-Encoding")
	return r, nil
}

// readQuery parses the query parameters the operation declares.
func (c *call) readQuery(op *openapi3.Operation, q url.Values) error {
	var err error
	has := map[string]bool{}
	for _, p := range op.Parameters {
		if p.Value.In == openapi3.ParameterInQuery {
			has[p.Value.Name] = true
		}
	}
	if has["pageLimit"] {
		if c.pageLimit, err = deskrules.ParsePageLimit(q["pageLimit"]); err != nil {
			return err
		}
	}
	if has["pageKey"] {
		parse := deskrules.ParseContactPageKey
		if isOperation(op, opEndUserConversations) {
			parse = deskrules.ParseConversationPageKey
		}
		if c.pageKey, err = parse(q["pageKey"]); err != nil {
			return err
		}
	}
	if has["email"] {
		if c.filter, err = deskrules.ContactFilter(q["email"], q["phone"], q["externalId"], isOperation(op, opListAgents)); err != nil {
			return err
		}
	}
	if has["force"] {
		if c.force, err = deskrules.ParseForce(q["force"]); err != nil {
			return err
		}
	}
	return nil
}

// isOperation reports whether op is the operation with this operationId (the generated package's
// embedded spec spells operationIds with a capital first letter).
func isOperation(op *openapi3.Operation, id string) bool {
	return strings.EqualFold(op.OperationID, id)
}

// pathParams lists the {names} of a path template in order.
func pathParams(path string) []string {
	var names []string
	for {
		i := strings.IndexByte(path, '{')
		j := strings.IndexByte(path, '}')
		if i < 0 || j < i {
			return names
		}
		names = append(names, path[i+1:j])
		path = path[j+1:]
	}
}

// firstValues parses a raw query keeping the first value of each name (a client that appends its
// filters to a next URL sends them twice). A declared parameter whose value cannot be unescaped
// is that parameter's 400; an undeclared one is dropped.
func firstValues(raw string, op *openapi3.Operation) (url.Values, error) {
	out := url.Values{}
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			continue
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			if p := op.Parameters.GetByInAndName(openapi3.ParameterInQuery, key); p != nil {
				return nil, deskrules.QueryParam(key)
			}
			continue
		}
		if _, seen := out[key]; !seen {
			out[key] = []string{val}
		}
	}
	return out, nil
}

// readBody reads the body as one JSON value (httpkit.CheckJSON: valid UTF-8, nothing after the
// value, no NUL), drops null object members (null is absent) and checks the value against the
// operation's schema. Any failure is `Invalid value for: body`.
func readBody(r *http.Request, schema *openapi3.Schema) ([]byte, error) {
	if r.Body == nil {
		return nil, deskrules.Body()
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil || len(raw) > MaxBody || len(bytes.TrimSpace(raw)) == 0 || httpkit.CheckJSON(raw) != nil {
		return nil, deskrules.Body()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, deskrules.Body()
	}
	v = dropNulls(v)
	if v == nil || schema.VisitJSON(v) != nil {
		return nil, deskrules.Body()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, deskrules.Body()
	}
	return b, nil
}

// dropNulls removes the members of objects whose value is null, at any depth.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if e == nil {
				delete(x, k)
				continue
			}
			x[k] = dropNulls(e)
		}
	case []any:
		for i, e := range x {
			x[i] = dropNulls(e)
		}
	}
	return v
}
