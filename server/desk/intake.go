package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/paging"
	"github.com/switchboard-dev/switchboard/server/ratelimit"
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

// intake runs before request validation, in the vendor's order: the route (a miss is left to
// the validator, which answers 404 or 405), the token (401), the rate limit (429), the path
// parameters, the query parameters (each kept once: its first value), then the body (read up to
// MaxBody as one JSON value; `null` members dropped as absent; checked against the operation's
// schema). Each failure is answered with the vendor's string. What passes reaches the validator
// and the generated handlers normalised: a JSON body with Content-Type application/json, no body
// where the operation takes none.
type intake struct {
	svc      *deskservice.Service
	router   routers.Router
	writeErr func(http.ResponseWriter, *http.Request, error)
}

func (in *intake) handle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		probe := r.Clone(r.Context())
		probe.URL.Path = strings.TrimPrefix(r.URL.Path, Prefix)
		probe.URL.RawPath = ""
		route, params, err := in.router.FindRoute(probe)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		c, r2, err := in.check(r, route, params)
		if err != nil {
			var limited *rateLimited
			if errors.As(err, &limited) {
				w.Header().Set("Retry-After", strconv.Itoa(ratelimit.RetryAfterSeconds(limited.wait)))
				err = limited.err
			}
			in.writeErr(w, r, err)
			return
		}
		next.ServeHTTP(w, r2.WithContext(context.WithValue(r2.Context(), ctxKey{}, c)))
	})
}

type rateLimited struct {
	wait time.Duration
	err  error
}

func (e *rateLimited) Error() string { return e.err.Error() }

// check runs the checks and returns the call and the request to pass on.
func (in *intake) check(r *http.Request, route *routers.Route, params map[string]string) (*call, *http.Request, error) {
	ctx := r.Context()
	p, err := in.svc.Authenticate(ctx, r.Header.Get("Authorization"))
	if err != nil {
		return nil, nil, err
	}
	if wait, err := in.svc.Allow(p); err != nil {
		return nil, nil, &rateLimited{wait: wait, err: err}
	}
	c := &call{principal: p, ids: map[string]uuid.UUID{}}
	op := route.Operation

	// Path parameters, in the order of the path.
	for _, name := range pathParams(route.Path) {
		v := params[name]
		if name == "conversationId" {
			if c.conversationID, err = deskrules.ParseConversationID(v); err != nil {
				return nil, nil, err
			}
			continue
		}
		if c.ids[name], err = deskrules.ParsePathUUID(name, v); err != nil {
			return nil, nil, err
		}
	}

	// Query parameters: the operation's, in the order they are declared.
	query, err := firstValues(r.URL.RawQuery, op)
	if err != nil {
		return nil, nil, err
	}
	if err := c.readQuery(op, query); err != nil {
		return nil, nil, err
	}
	r = r.Clone(ctx)
	r.URL.RawQuery = query.Encode()
	c.next = func(key string) string {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("pageKey", key)
		q.Set("pageLimit", strconv.Itoa(c.pageLimit))
		return paging.NextURL(r, q)
	}

	// Body.
	r.GetBody = nil // whoever reads the body next (the validator prefers GetBody) reads it from here
	if op.RequestBody == nil {
		r.Body, r.ContentLength = http.NoBody, 0
		r.Header.Del("Content-Type")
		r.Header.Del("Transfer-Encoding")
		return c, r, nil
	}
	body, err := readBody(r, op.RequestBody.Value.Content.Get("application/json").Schema.Value)
	if err != nil {
		return nil, nil, err
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Del("Transfer-Encoding")
	return c, r, nil
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

// readBody reads the body as one JSON value, drops null object members (null is absent) and
// checks the value against the operation's schema. Any failure is `Invalid value for: body`.
func readBody(r *http.Request, schema *openapi3.Schema) ([]byte, error) {
	if r.Body == nil {
		return nil, deskrules.Body()
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
	if err != nil || len(raw) > MaxBody || !utf8.Valid(raw) {
		return nil, deskrules.Body()
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, deskrules.Body()
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, deskrules.Body() // data after the value
	}
	v = dropNulls(v)
	if v == nil || schema.VisitJSON(v) != nil {
		return nil, deskrules.Body()
	}
	if hasNUL(v) {
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

// hasNUL reports a NUL character in any string of v (text may not hold one).
func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case map[string]any:
		for k, e := range x {
			if strings.IndexByte(k, 0) >= 0 || hasNUL(e) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	}
	return false
}
