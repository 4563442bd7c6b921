package hub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/routers"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/ratelimit"
)

// The intake runs before the validator, so that every request meets the reference's checks in the
// reference's order, each with its own code (§4.4): the token (401), the rate limit (429), path
// GUIDs and query parameters, the body (present, application/json, a JSON object, at most 256 KiB),
// and on the Direct paths the envelope and the content. The validator would otherwise answer some
// of these first, in its own words and with one code for all.

// operation is what the intake knows of an operation.
type operation struct {
	family   hubrules.Family
	audience string   // "" on /connect/token; either audience on the Direct paths ("*")
	guids    []string // path parameters that are GUIDs
	body     bool     // takes a JSON body
	business bool     // the Direct business path
}

var operations = map[string]operation{
	"requestToken": {family: hubrules.Identity},

	"listHubs":                     {family: hubrules.Portal, audience: hubservice.AudiencePortal},
	"createHub":                    {family: hubrules.Portal, audience: hubservice.AudiencePortal, body: true},
	"getHub":                       {family: hubrules.Portal, audience: hubservice.AudiencePortal, guids: []string{"hubId"}},
	"updateHub":                    {family: hubrules.Portal, audience: hubservice.AudiencePortal, guids: []string{"hubId"}, body: true},
	"deleteHub":                    {family: hubrules.Portal, audience: hubservice.AudiencePortal, guids: []string{"hubId"}},
	"listIntegrations":             {family: hubrules.Portal, audience: hubservice.AudiencePortal},
	"createIntegration":            {family: hubrules.Portal, audience: hubservice.AudiencePortal, guids: []string{"hubId"}, body: true},
	"listHubIntegrationsByChannel": {family: hubrules.Portal, audience: hubservice.AudiencePortal, guids: []string{"hubId"}},
	"getIntegration":               {family: hubrules.Portal, audience: hubservice.AudiencePortal, guids: []string{"integrationId"}},
	"updateIntegration":            {family: hubrules.Portal, audience: hubservice.AudiencePortal, guids: []string{"integrationId"}, body: true},
	"deleteIntegration":            {family: hubrules.Portal, audience: hubservice.AudiencePortal, guids: []string{"integrationId"}},

	"establishConversation":        {family: hubrules.Engine, audience: hubservice.AudienceEngine, body: true},
	"getEstablishedConversation":   {family: hubrules.Engine, audience: hubservice.AudienceEngine, guids: []string{"conversationId"}},
	"listEstablishedConversations": {family: hubrules.Engine, audience: hubservice.AudienceEngine, guids: []string{"hubId"}},
	"listActivities":               {family: hubrules.Engine, audience: hubservice.AudienceEngine, guids: []string{"conversationId"}},

	"sendCustomerActivity": {family: hubrules.Direct, audience: "*", guids: []string{"conversationId"}, body: true},
	"sendBusinessActivity": {family: hubrules.Direct, audience: "*", guids: []string{"conversationId"}, body: true, business: true},
}

// operationID is the spec's operationId (the embedded spec carries the generated Go names,
// "RequestToken" for "requestToken").
func operationID(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

type ctxKey int

const stateKey ctxKey = iota

// state is what the intake learned, for the error writer and the handlers.
type state struct {
	id        string // operationId
	op        operation
	params    map[string]string // path parameters
	known     bool              // the request matched an operation
	principal *hubservice.Principal
	// authorization is the token request's Authorization header (its client may authenticate with
	// HTTP Basic).
	authorization string
	body          hubrules.Body
	activity      hubrules.Activity // the Direct paths: the parsed activity
	query         hubrules.ActivityQuery
	page          hubrules.Page
	channel       string
}

func stateFrom(ctx context.Context) *state {
	if s, ok := ctx.Value(stateKey).(*state); ok {
		return s
	}
	return &state{}
}

type intake struct {
	h      *Handler
	router routers.Router
}

// gate runs before the edge reads a body (httpkit.API.Gate): it finds the operation and runs
// steps 1 and 2, so a request without a valid token or over its client's rate is refused before a
// byte of its body is read. Requests without a body get the same in handle.
func (in *intake) gate(r *http.Request) (*http.Request, error) {
	st := &state{}
	r = r.WithContext(context.WithValue(r.Context(), stateKey, st))
	return r, in.begin(r, st)
}

// handle runs after the edge (which checked the path's and query's text, and read a form body):
// steps 1 and 2 when the gate did not run, then 3 (path GUIDs and query parameters) and 4–6 (the
// body; on the Direct paths its envelope and content too).
func (in *intake) handle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, gated := r.Context().Value(stateKey).(*state)
		if !gated {
			st = &state{}
			r = r.WithContext(context.WithValue(r.Context(), stateKey, st))
			if err := in.begin(r, st); err != nil {
				writeError(w, r, err)
				return
			}
		}
		if !st.known {
			next.ServeHTTP(w, r) // a route miss: the validator answers 404 or 405
			return
		}
		if err := in.check(w, r, st); err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// begin finds the operation and runs steps 1 (the token) and 2 (the rate limit).
func (in *intake) begin(r *http.Request, st *state) error {
	if in.h.cfg.Draining() {
		return hubrules.Fail(hubrules.Unavailable, "The service is unavailable (shutting down); retry on another instance in %d seconds.", DrainRetryAfter)
	}
	probe := r.Clone(r.Context())
	probe.URL.Path = strings.TrimPrefix(r.URL.Path, Prefix)
	probe.URL.RawPath = ""
	route, params, err := in.router.FindRoute(probe)
	if err != nil {
		return nil // a route miss: the validator answers 404 or 405
	}
	id := operationID(route.Operation.OperationID)
	op, ok := operations[id]
	if !ok {
		panic("hub: no intake rules for operation " + id)
	}
	st.id, st.op, st.params, st.known = id, op, params, true
	if op.audience == "" {
		return nil
	}
	p, err := in.authenticate(r.Context(), r, op)
	if err != nil {
		return err
	}
	st.principal = &p
	return in.h.limit(p.ClientID)
}

// check runs steps 3 to 6; the first failing one answers.
func (in *intake) check(w http.ResponseWriter, r *http.Request, st *state) error {
	op := st.op
	if st.id == "requestToken" {
		return in.limitTokenRequest(r, st)
	}
	for _, name := range op.guids {
		if _, err := hubrules.PathGUID(name, st.params[name], op.family.BadGUID()); err != nil {
			return err
		}
	}
	if err := queryChecks(r, st); err != nil {
		return err
	}
	if !op.body {
		return nil
	}
	b, err := readBody(r.Context(), w, r, op.family)
	if err != nil {
		return err
	}
	st.body = b
	if op.family == hubrules.Direct {
		st.activity, err = hubrules.ParseActivity(b, op.business)
		return err
	}
	return op.family.CheckBody(b)
}

// authenticate reads `Authorization: Bearer` and checks the token is one of the operation's
// audience (the Direct paths take either).
func (in *intake) authenticate(ctx context.Context, r *http.Request, op operation) (hubservice.Principal, error) {
	code := op.family.Unauthorized()
	scheme, token, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		token = ""
	}
	p, err := in.h.svc.Authenticate(ctx, strings.TrimSpace(token), code)
	if err != nil {
		return p, err
	}
	if op.audience != "*" && p.Audience != op.audience {
		return p, hubrules.Fail(code, "Unauthorized access: this is the %s API; the access token is for the %s API.", op.audience, p.Audience)
	}
	return p, nil
}

// limitTokenRequest applies the client's rate limit to its token requests too. The client id is
// in the Authorization header (HTTP Basic) or else in the form body, which the edge has read into
// memory (the validator and the handler read it again).
func (in *intake) limitTokenRequest(r *http.Request, st *state) error {
	st.authorization = r.Header.Get("Authorization")
	if id, _, basic, err := tokenCredentials(st.authorization); basic {
		if err != nil || id == "" {
			return nil // the handler answers invalid_client
		}
		return in.h.limit(id)
	}
	if r.GetBody == nil {
		return nil
	}
	body, err := r.GetBody()
	if err != nil {
		return nil
	}
	raw, _ := io.ReadAll(body)
	form, err := url.ParseQuery(string(raw))
	if err != nil || form.Get("client_id") == "" {
		return nil // the validator and the handler say what is wrong with the form
	}
	return in.h.limit(form.Get("client_id"))
}

// limit takes a token from the client's bucket; an empty bucket answers 429 with Retry-After.
func (h *Handler) limit(clientID string) error {
	if h.cfg.RatePerSecond < 0 {
		return nil
	}
	ok, wait := h.cfg.Limiter.Allow("hub:"+clientID, h.cfg.RatePerSecond, h.cfg.RateBurst)
	if ok {
		return nil
	}
	secs := ratelimit.RetryAfterSeconds(wait)
	e := hubrules.Fail(hubrules.TooManyRequests, "API usage limit has been reached; retry after %d second(s).", secs)
	e.RetryAfter = secs
	return e
}

// queryChecks validates the query parameters (and the channel segment) of the operations that
// take some.
func queryChecks(r *http.Request, st *state) error {
	q := r.URL.Query()
	var err error
	switch st.id {
	case "listHubs", "listIntegrations":
		if st.page, err = hubrules.ParsePage(q.Get("pageNumber"), q.Get("pageSize")); err != nil {
			return err
		}
		if h := q.Get("hubId"); h != "" && st.id == "listIntegrations" {
			_, err = hubrules.PathGUID("hubId", h, hubrules.PrtBadGUID)
		}
	case "listHubIntegrationsByChannel":
		st.channel, err = hubrules.ParseChannelSegment(st.params["channelType"])
	case "listActivities":
		st.query, err = hubrules.ParseActivityQuery(q.Get("type"), q.Has("type"), q.Get("leid"))
	}
	return err
}

// readBody reads the request body (handed over unread by the edge, capped at MaxBody) within the
// request's deadline, and checks it is JSON as the edge checks every other API's (httpkit.CheckJSON:
// one value, valid UTF-8, no NUL). A body that arrives too slowly, or not before the deadline, is
// a 408; broken framing or a client that went away is the family's missing-body code; a body over
// MaxBody is marked TooLarge for the rules to answer.
//
// Only the deadline stops the wait, not the context's cancellation: net/http cancels a request's
// context as soon as reading from its connection fails, which is how a cut-off, broken or too slow
// body ends, and the read then reports why, as the edge classified it (and logged it: a client
// abort is the client's doing, not an internal error).
func readBody(ctx context.Context, w http.ResponseWriter, r *http.Request, f hubrules.Family) (hubrules.Body, error) {
	b := hubrules.Body{ContentType: r.Header.Get("Content-Type")}
	if r.Body == nil || r.Body == http.NoBody {
		return b, nil
	}
	type result struct {
		raw []byte
		err error
	}
	done := make(chan result, 1)
	go func() {
		raw, err := io.ReadAll(r.Body)
		done <- result{raw, err}
	}()
	var timeout <-chan time.Time
	if d, ok := ctx.Deadline(); ok {
		t := time.NewTimer(time.Until(d))
		defer t.Stop()
		timeout = t.C
	}
	var res result
	select {
	case <-timeout:
		w.Header().Set("Connection", "close")
		return b, context.DeadlineExceeded
	case res = <-done:
	}
	var tooBig *http.MaxBytesError
	var bad *httpkit.BodyError
	switch {
	case errors.As(res.err, &tooBig):
		w.Header().Set("Connection", "close")
		b.TooLarge = true
		return b, nil
	case errors.As(res.err, &bad) && bad.Reason == httpkit.BodyTooSlow:
		w.Header().Set("Connection", "close")
		return b, hubrules.Fail(f.TimedOut(), "The request body arrived too slowly (%d bytes received) and the request timed out.", bad.Read)
	case res.err != nil:
		w.Header().Set("Connection", "close")
		p := httpkit.BodyProblem(res.err)
		if p == nil {
			return b, res.err // not the client's doing: an internal error
		}
		return b, hubrules.Fail(f.BodyRequired(), "The request body could not be read: %s.", p.Message)
	}
	b.Raw = res.raw
	if httpkit.IsJSON(b.ContentType) && len(bytes.TrimSpace(res.raw)) > 0 {
		if err := httpkit.CheckJSON(res.raw); err != nil {
			return b, hubrules.Fail(f.BodyRequired(), "The request body must be one JSON object: %s.", apierr.As(err).Message)
		}
	}
	// The generated code binds the body again.
	r.Body = io.NopCloser(bytes.NewReader(res.raw))
	return b, nil
}
