package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Violation kinds. See the package documentation for exactly what triggers each.
const (
	KindRequest          = "request"           // invalid request answered neither 2xx nor 4xx/5xx (e.g. 3xx)
	KindNegativeAccepted = "negative-accepted" // invalid request answered 2xx
	KindStatusUndeclared = "status-undeclared" // status not declared explicitly for the operation
	KindResponseSchema   = "response-schema"   // non-error body does not match the declared schema
	KindResponseHeader   = "response-header"   // declared response header missing (if required) or invalid
	KindContentType      = "content-type"      // body without / with unparseable / with undeclared Content-Type; Content-Type on 304
	KindNoBodyExpected   = "no-body-expected"  // body on 204, 304, HEAD, or on a status that declares no content
	KindEmptySuccess     = "empty-success"     // 2xx with declared content but an empty body
	KindETag             = "etag"              // 304 without the ETag it declares; malformed ETag
	KindLocation         = "location"          // 201 without the Location it declares, or one naming no resource of the API
	KindErrorBody        = "error-body"        // 4xx/5xx body empty, not JSON, or not matching its schema
	KindRouteMiss        = "route-miss"        // no operation matched and the status is not the 404/405 due
	KindAllowHeader      = "allow-header"      // 405 on a route miss without Allow = documented methods
	KindServerError      = "server-error"      // 5xx not announced with ExpectStatusHeader
	KindExpectStatus     = "expect-status"     // status differs from ExpectStatusHeader, or the header is malformed
	KindBodyRead         = "body-read"         // reading the response body failed
)

// exchange is one request/response pair under check.
type exchange struct {
	sp      *spec
	req     *http.Request // as sent (prefix included, expect header stripped)
	reqBody []byte
	probe   *http.Request // prefix stripped, for the router and kin

	route    *routers.Route
	params   map[string]string
	routeErr error
	op       *opInfo
	opID     string
	reqErr   error

	expectSet bool
	expect    int
	expectBad string

	status    int
	header    http.Header
	bodyKnown bool // false for streaming responses
	body      []byte
	readErr   error

	viols []Violation
}

func (x *exchange) add(kind, format string, args ...any) {
	x.viols = append(x.viols, Violation{
		Spec:        x.sp.name,
		Method:      x.req.Method,
		Path:        x.req.URL.Path,
		OperationID: x.opID,
		Status:      x.status,
		Kind:        kind,
		Message:     fmt.Sprintf(format, args...),
	})
}

func (s *Suite) check(x *exchange) {
	var hit *pairKey
	serverErr := s.checkCommon(x)
	if x.routeErr != nil {
		hit = s.checkMiss(x, serverErr)
	} else {
		hit = s.checkOperation(x, serverErr)
	}
	if len(x.viols) > 0 {
		curl := curlCommand(x.req, x.reqBody)
		for i := range x.viols {
			x.viols[i].Curl = curl
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exchanges[x.sp.name]++
	if x.reqErr != nil {
		s.invalidReqs[x.sp.name]++
	}
	if hit != nil {
		s.hits[*hit]++
	}
	s.violations = append(s.violations, x.viols...)
}

// checkCommon runs the checks that do not depend on the route; it reports whether the exchange
// is an unexpected 5xx.
func (s *Suite) checkCommon(x *exchange) (serverErr bool) {
	if x.readErr != nil {
		x.add(KindBodyRead, "reading the response body failed after %d bytes: %v", len(x.body), x.readErr)
	}
	if x.expectSet {
		if x.expectBad != "" {
			x.add(KindExpectStatus, "%s: %q is not a status code", ExpectStatusHeader, x.expectBad)
		} else if x.status != x.expect {
			x.add(KindExpectStatus, "scenario expected status %d, got %d", x.expect, x.status)
		}
	}
	if x.status >= 500 && !(x.expectSet && x.expect == x.status) {
		x.add(KindServerError, "unexpected %d %s (announce deliberate ones with %s)%s",
			x.status, http.StatusText(x.status), ExpectStatusHeader, bodySnippet(x))
		return true
	}
	return false
}

func (s *Suite) checkOperation(x *exchange, serverErr bool) *pairKey {
	if x.op == nil { // cannot happen with kin's router; keep the exchange countable anyway
		x.op = &opInfo{id: x.route.Method + " " + x.route.Path, method: x.route.Method, path: x.route.Path, op: x.route.Operation,
			errSchema: x.sp.errSchema, errSchemaName: x.sp.errSchemaName}
		x.opID = x.op.id
	}
	if x.reqErr != nil {
		switch {
		case x.status >= 200 && x.status < 300:
			x.add(KindNegativeAccepted, "request fails validation but was accepted with %d: %v", x.status, x.reqErr)
		case x.status < 400:
			x.add(KindRequest, "request fails validation; want a 4xx rejection with the error body, got %d: %v", x.status, x.reqErr)
		}
	}

	ref, key := lookupStatus(x.route.Operation.Responses, x.status)
	if ref == nil || ref.Value == nil {
		if !serverErr {
			how := ""
			if x.route.Operation.Responses != nil && x.route.Operation.Responses.Default() != nil {
				how = " (matched only by `default`)"
			}
			x.add(KindStatusUndeclared, "status %d is not declared for %s %s%s; declared: %s",
				x.status, x.op.method, x.op.path, how, strings.Join(x.op.statuses, ", "))
		}
		switch {
		case x.bodiless():
			s.checkNoBody(x)
		case x.bodyKnown && x.status >= 400:
			s.checkErrorBodySchema(x, x.op.errSchema, "the error schema "+x.op.errSchemaName)
		}
		return nil
	}
	hit := &pairKey{x.sp.name, x.op.id, key}
	resp := ref.Value

	s.checkHeaders(x, resp)
	if x.bodiless() {
		s.checkNoBody(x)
		return hit
	}
	if !x.bodyKnown { // streaming: only the media type can be checked
		if len(resp.Content) > 0 {
			s.checkContentType(x, resp.Content)
		}
		return hit
	}
	if len(resp.Content) == 0 {
		if len(x.body) > 0 {
			x.add(KindNoBodyExpected, "status %d declares no content but the response has a %d-byte body (Content-Type %q)",
				x.status, len(x.body), x.header.Get("Content-Type"))
		}
		return hit
	}
	if len(x.body) == 0 {
		switch {
		case x.status >= 200 && x.status < 300:
			x.add(KindEmptySuccess, "status %d declares content (%s) but the body is empty", x.status, mediaTypes(resp.Content))
		case x.status >= 400:
			x.add(KindErrorBody, "status %d has an empty body; declared %s", x.status, mediaTypes(resp.Content))
		}
		return hit
	}
	if x.status >= 400 {
		if msg := notJSON(x); msg != "" {
			x.add(KindErrorBody, "%s", msg)
			return hit
		}
	}
	if !s.checkContentType(x, resp.Content) {
		return hit
	}
	// Body against the declared schema: kin on a copy of the response without headers, which
	// checkHeaders already covered.
	bodyOnly := *resp
	bodyOnly.Headers = nil
	if err := x.kinValidate(&bodyOnly); err != nil {
		kind := KindResponseSchema
		if x.status >= 400 {
			kind = KindErrorBody
		}
		x.add(kind, "%v", err)
	}
	return hit
}

// lookupStatus finds the response declared for status: exact code first, then the "NXX" range.
// `default` does not count.
func lookupStatus(rs *openapi3.Responses, status int) (*openapi3.ResponseRef, string) {
	if rs == nil {
		return nil, ""
	}
	code := strconv.Itoa(status)
	if r := rs.Value(code); r != nil {
		return r, code
	}
	if status >= 100 && status < 600 {
		rng := code[:1] + "XX"
		if r := rs.Value(rng); r != nil {
			return r, rng
		}
		if r := rs.Value(code[:1] + "xx"); r != nil {
			return r, rng
		}
	}
	return nil, ""
}

func (x *exchange) bodiless() bool {
	return x.req.Method == http.MethodHead || x.status == http.StatusNoContent || x.status == http.StatusNotModified
}

func (s *Suite) checkNoBody(x *exchange) {
	what := strconv.Itoa(x.status)
	if x.req.Method == http.MethodHead {
		what = "HEAD"
	}
	ct := x.header.Get("Content-Type")
	if len(x.body) > 0 {
		x.add(KindNoBodyExpected, "a %s response must not have a body; got %d bytes (Content-Type %q)", what, len(x.body), ct)
		return
	}
	if x.status == http.StatusNotModified && ct != "" {
		x.add(KindContentType, "a 304 response must not carry Content-Type; got %q", ct)
	}
}

// checkHeaders validates each declared response header on its own (kin stops at the first bad
// header), plus the 304/ETag rules kin skips.
func (s *Suite) checkHeaders(x *exchange, resp *openapi3.Response) {
	names := make([]string, 0, len(resp.Headers))
	for n := range resp.Headers {
		if !strings.EqualFold(n, "Content-Type") {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if x.status == http.StatusNotModified && strings.EqualFold(n, "ETag") && len(x.header.Values("ETag")) == 0 {
			x.add(KindETag, "the 304 response declares an ETag header but carries none")
			continue
		}
		if x.status == http.StatusCreated && strings.EqualFold(n, "Location") {
			if len(x.header.Values("Location")) == 0 {
				x.add(KindLocation, "the 201 response declares a Location header but carries none")
				continue
			}
			s.checkLocation(x)
		}
		one := *resp
		one.Headers = openapi3.Headers{n: resp.Headers[n]}
		one.Content = nil
		if err := x.kinValidate(&one); err != nil {
			x.add(KindResponseHeader, "%v", err)
		}
	}
	for _, et := range x.header.Values("ETag") {
		if !validETag(et) {
			x.add(KindETag, "malformed ETag %q (want \"opaque\" or W/\"opaque\")", et)
		}
	}
}

// checkLocation checks that the Location of a 201 names a resource of the same API: resolved
// against the request URL, on the same host, under the spec's prefix, and answered by a GET
// operation of the spec.
func (s *Suite) checkLocation(x *exchange) {
	raw := x.header.Get("Location")
	u, err := url.Parse(raw)
	if err != nil {
		x.add(KindLocation, "Location %q is not a URI reference: %v", raw, err)
		return
	}
	loc := x.req.URL.ResolveReference(u)
	if loc.Host != x.req.URL.Host {
		return // another host: nothing to check it against
	}
	if s.match(loc.Path) != x.sp {
		x.add(KindLocation, "Location %q is not under the API's prefix %q", raw, x.sp.prefix)
		return
	}
	probe := &http.Request{Method: http.MethodGet, URL: x.sp.strip(loc), Header: http.Header{}, Host: loc.Host}
	if _, _, err := x.sp.router.FindRoute(probe); err != nil {
		x.add(KindLocation, "Location %q names no GET operation of the API: %v", raw, err)
	}
}

// kinValidate runs openapi3filter.ValidateResponse against a synthetic operation whose only
// response is resp, under status 200 of a GET: kin skips HEAD and 3xx (304 included) outright,
// and the status itself has been checked by lookupStatus.
func (x *exchange) kinValidate(resp *openapi3.Response) error {
	op := *x.route.Operation
	op.Responses = openapi3.NewResponses(openapi3.WithStatus(http.StatusOK, &openapi3.ResponseRef{Value: resp}))
	route := *x.route
	route.Operation = &op
	probe := &http.Request{Method: http.MethodGet, URL: x.probe.URL, Header: x.probe.Header}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: probe, PathParams: x.params, Route: &route},
		Status:                 http.StatusOK,
		Header:                 x.header,
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(x.body)
	return openapi3filter.ValidateResponse(x.req.Context(), in)
}

// checkContentType checks that Content-Type is present, parseable and declared; it reports
// whether the body can be validated against the declared content.
func (s *Suite) checkContentType(x *exchange, content openapi3.Content) bool {
	ct := x.header.Get("Content-Type")
	if ct == "" {
		x.add(KindContentType, "a %d-byte body without Content-Type; declared %s", len(x.body), mediaTypes(content))
		return false
	}
	if _, _, err := mime.ParseMediaType(ct); err != nil {
		x.add(KindContentType, "unparseable Content-Type %q: %v", ct, err)
		return false
	}
	if content.Get(ct) == nil {
		x.add(KindContentType, "Content-Type %q is not declared for status %d; declared %s", ct, x.status, mediaTypes(content))
		return false
	}
	return true
}

func (s *Suite) checkMiss(x *exchange, serverErr bool) *pairKey {
	want := http.StatusNotFound
	var item *openapi3.PathItem
	if errors.Is(x.routeErr, routers.ErrMethodNotAllowed) {
		want = http.StatusMethodNotAllowed
		item = x.sp.pathItemFor(x.probe)
	}
	var hit *pairKey
	if x.status == http.StatusNotFound || x.status == http.StatusMethodNotAllowed {
		hit = &pairKey{x.sp.name, RouteMissOperation, strconv.Itoa(x.status)}
	}
	if !serverErr && x.status != want {
		why := "no such path in the spec"
		if want == http.StatusMethodNotAllowed {
			why = "the path is documented, the method is not (documented: " + strings.Join(documentedMethods(item), ", ") + ")"
		}
		x.add(KindRouteMiss, "no operation for %s %s: %s; want %d, got %d", x.req.Method, x.probe.URL.Path, why, want, x.status)
	}
	if x.status == http.StatusMethodNotAllowed && want == http.StatusMethodNotAllowed {
		docs := documentedMethods(item)
		var got []string
		for _, v := range x.header.Values("Allow") {
			for _, m := range strings.Split(v, ",") {
				if m = strings.TrimSpace(m); m != "" {
					got = append(got, m)
				}
			}
		}
		switch {
		case len(got) == 0:
			x.add(KindAllowHeader, "405 without an Allow header; documented methods: %s", strings.Join(docs, ", "))
		case !sameSet(got, docs):
			x.add(KindAllowHeader, "Allow %q does not list exactly the documented methods %s", strings.Join(got, ", "), strings.Join(docs, ", "))
		}
	}
	switch {
	case x.req.Method == http.MethodHead || x.status == http.StatusNoContent || x.status == http.StatusNotModified:
		s.checkNoBody(x)
	case x.bodyKnown && x.status >= 400:
		schema, name := x.sp.missErrorSchema(x.probe.URL.Path)
		s.checkErrorBodySchema(x, schema, "the error schema "+name)
	}
	return hit
}

// pathItemFor finds the path item a method-less match hit, probing the router with each method
// the spec uses.
func (sp *spec) pathItemFor(probe *http.Request) *openapi3.PathItem {
	for _, m := range sp.methods {
		p := probe.Clone(probe.Context())
		p.Method = m
		if route, _, err := sp.router.FindRoute(p); err == nil {
			return route.PathItem
		}
	}
	return nil
}

func documentedMethods(item *openapi3.PathItem) []string {
	if item == nil {
		return nil
	}
	var ms []string
	for m := range item.Operations() {
		ms = append(ms, m)
	}
	sort.Slice(ms, func(i, j int) bool {
		return methodRank(ms[i]) < methodRank(ms[j]) || methodRank(ms[i]) == methodRank(ms[j]) && ms[i] < ms[j]
	})
	return ms
}

func sameSet(a, b []string) bool {
	set := map[string]bool{}
	for _, v := range a {
		set[v] = true
	}
	other := map[string]bool{}
	for _, v := range b {
		if !set[v] {
			return false
		}
		other[v] = true
	}
	return len(set) == len(other)
}

// checkErrorBodySchema checks a 4xx/5xx body that has no declared response to go by (route miss,
// undeclared status) against the API's error schema.
func (s *Suite) checkErrorBodySchema(x *exchange, schema *openapi3.SchemaRef, what string) {
	if len(x.body) == 0 {
		x.add(KindErrorBody, "status %d has an empty body; want %s", x.status, what)
		return
	}
	if msg := notJSON(x); msg != "" {
		x.add(KindErrorBody, "%s", msg)
		return
	}
	dec := json.NewDecoder(bytes.NewReader(x.body))
	dec.UseNumber()
	var v any
	_ = dec.Decode(&v) // notJSON checked validity
	if err := schema.Value.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsResponse()); err != nil {
		x.add(KindErrorBody, "body does not match %s: %v", what, err)
	}
}

// notJSON explains why an error body is not JSON, or returns "".
func notJSON(x *exchange) string {
	ct := x.header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case ct == "":
		return fmt.Sprintf("error body without Content-Type (want JSON)%s", bodySnippet(x))
	case err != nil || !isJSONMediaType(mt):
		return fmt.Sprintf("error body has Content-Type %q, want JSON%s", ct, bodySnippet(x))
	case !json.Valid(x.body):
		return fmt.Sprintf("error body is not valid JSON%s", bodySnippet(x))
	}
	return ""
}

func isJSONMediaType(mt string) bool {
	mt = strings.ToLower(strings.TrimSpace(mt))
	if base, _, ok := strings.Cut(mt, ";"); ok {
		mt = strings.TrimSpace(base)
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

func mediaTypes(c openapi3.Content) string {
	ks := make([]string, 0, len(c))
	for k := range c {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ", ")
}

func bodySnippet(x *exchange) string {
	if !x.bodyKnown || len(x.body) == 0 {
		return ""
	}
	b := x.body
	const max = 200
	if len(b) > max {
		return fmt.Sprintf("; body: %q…", b[:max])
	}
	return fmt.Sprintf("; body: %q", b)
}

// validETag reports whether v is an entity-tag per RFC 9110 §8.8.3: [W/] DQUOTE *etagc DQUOTE.
func validETag(v string) bool {
	v = strings.TrimPrefix(v, "W/")
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return false
	}
	for i := 1; i < len(v)-1; i++ {
		c := v[i]
		if c == '"' || c < 0x21 || c == 0x7f {
			return false
		}
	}
	return true
}
