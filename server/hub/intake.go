package hub

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/routers"

	"github.com/switchboard-dev/switchboard/server/apierr"
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
	known     bool // the request matched an operation
	principal *hubservice.Principal
	body      hubrules.Body
	activity  hubrules.Activity // the Direct paths: the parsed activity
	query     hubrules.ActivityQuery
	page      hubrules.Page
	channel   string
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

func (in *intake) handle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{}
		ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), stateKey, st), in.h.cfg.Timeout)
		defer cancel()
		r = r.WithContext(ctx)
		if in.h.cfg.Draining() {
			w.Header().Set("Retry-After", strconv.Itoa(DrainRetryAfter))
			writeError(w, r, hubrules.Fail(hubrules.Unavailable, "The service is unavailable (shutting down); retry on another instance in %d seconds.", DrainRetryAfter))
			return
		}
		probe := r.Clone(ctx)
		probe.URL.Path = strings.TrimPrefix(r.URL.Path, Prefix)
		probe.URL.RawPath = ""
		route, params, err := in.router.FindRoute(probe)
		if err != nil {
			next.ServeHTTP(w, r) // a route miss: the validator answers 404 or 405
			return
		}
		id := operationID(route.Operation.OperationID)
		op, ok := operations[id]
		if !ok {
			panic("hub: no intake rules for operation " + id)
		}
		st.id, st.op, st.known = id, op, true
		if err := in.check(w, r, st, op, params); err != nil {
			writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// check runs the checks in order; the first failing one answers.
func (in *intake) check(w http.ResponseWriter, r *http.Request, st *state, op operation, params map[string]string) error {
	ctx := r.Context()
	if st.id == "requestToken" {
		return in.limitTokenRequest(w, r)
	}
	if op.audience != "" {
		p, err := in.authenticate(ctx, r, op)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hub"`)
			return err
		}
		st.principal = &p
		if err := in.h.limit(w, p.ClientID); err != nil {
			return err
		}
	}
	for _, name := range op.guids {
		if _, err := hubrules.PathGUID(name, params[name], op.family.BadGUID()); err != nil {
			return err
		}
	}
	if err := queryChecks(r, st, params); err != nil {
		return err
	}
	if !op.body {
		return nil
	}
	b, err := readBody(ctx, r, op.family)
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

// limitTokenRequest applies the client's rate limit to its token requests too (the client id is
// in the form body, which the validator and the handler read again).
func (in *intake) limitTokenRequest(w http.ResponseWriter, r *http.Request) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, hubrules.MaxBody+1))
	if err != nil {
		return apierr.Invalidf("the request body could not be read: %v", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(raw))
	form, err := url.ParseQuery(string(raw))
	if err != nil || form.Get("client_id") == "" {
		return nil // the validator and the handler say what is wrong with the form
	}
	return in.h.limit(w, form.Get("client_id"))
}

// limit takes a token from the client's bucket; an empty bucket answers 429 with Retry-After.
func (h *Handler) limit(w http.ResponseWriter, clientID string) error {
	if h.cfg.RatePerSecond < 0 {
		return nil
	}
	ok, wait := h.cfg.Limiter.Allow("hub:"+clientID, h.cfg.RatePerSecond, h.cfg.RateBurst)
	if ok {
		return nil
	}
	secs := ratelimit.RetryAfterSeconds(wait)
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return hubrules.Fail(hubrules.TooManyRequests, "API usage limit has been reached; retry after %d second(s).", secs)
}

// queryChecks validates the query parameters (and the channel segment) of the operations that
// take some.
func queryChecks(r *http.Request, st *state, params map[string]string) error {
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
		st.channel, err = hubrules.ParseChannelSegment(params["channelType"])
	case "listActivities":
		st.query, err = hubrules.ParseActivityQuery(q.Get("type"), q.Has("type"), q.Get("leid"))
	}
	return err
}

// readBody reads the request body up to hubrules.MaxBody within the request's deadline.
func readBody(ctx context.Context, r *http.Request, f hubrules.Family) (hubrules.Body, error) {
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
		raw, err := io.ReadAll(io.LimitReader(r.Body, hubrules.MaxBody+1))
		done <- result{raw, err}
	}()
	select {
	case <-ctx.Done():
		return b, ctx.Err()
	case res := <-done:
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(res.err, &tooBig):
			b.TooLarge = true
		case res.err != nil:
			return b, hubrules.Fail(f.BodyRequired(), "The request body could not be read: %v.", res.err)
		case len(res.raw) > hubrules.MaxBody:
			b.TooLarge = true
		}
		b.Raw = res.raw
		// The handlers and the validator read the body again.
		r.Body = io.NopCloser(bytes.NewReader(res.raw))
		return b, nil
	}
}
