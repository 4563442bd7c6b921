// Package messaging serves Directly's Messaging API (openapi/messaging.yaml) under /messaging:
// OAuth tokens, questions, responses, messages, the text endpoints and training files.
//
// Handlers translate HTTP ↔ domain and nothing more: every rule lives in package question and
// runs through package service. This file wires the API: the intake in front of the router
// (request ids, the unprefixed aliases, body limits, the credentials a handler needs), the
// validator's authentication, and the generated strict server.
package messaging

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/render"
	"github.com/switchboard-dev/switchboard/server/service"
)

// Prefix is where the API is mounted.
const Prefix = "/messaging"

// Body limits: every request body is at most MaxBody bytes, except a training file upload,
// whose file part may hold MaxTrainingFile bytes (the whole multipart body gets MaxUploadBody,
// room for the part headers and the description), and which is streamed, never held whole.
const (
	MaxBody         = 1 << 20
	MaxTrainingFile = 10 << 20
	MaxUploadBody   = MaxTrainingFile + 1<<20
)

// uploadPath is the path of uploadTrainingFile (intake has rewritten the alias without /v1).
const uploadPath = Prefix + "/v1/trainingFiles"

// streamed is the training file upload's body limit: its body is read by the handler as a
// stream (httpkit.API.Streamed); every other body is read whole by the edge, up to MaxBody.
func streamed(r *http.Request) int64 {
	if r.Method == http.MethodPost && r.URL.Path == uploadPath {
		return MaxUploadBody
	}
	return 0
}

// aliased are the first path segments that are also served without the /v1 prefix
// (/messaging/questions/{uuid} = /messaging/v1/questions/{uuid}), as the getting-started guide
// writes them.
var aliased = map[string]bool{
	"questions": true, "responses": true, "messages": true, "classifications": true,
	"predictiveRouting": true, "automaticAnswers": true, "content": true, "trainingFiles": true,
}

// Handler implements the generated strict server interface.
type Handler struct {
	svc    *service.Service
	render *render.Renderer
}

var _ gen.StrictServerInterface = (*Handler)(nil)

// specSource decodes the Messaging API's OpenAPI document for New.
var specSource = httpkit.NewSpecSource(gen.Spec)

// Spec is where New takes the Messaging API's decoded spec from; a server prefetches it at process start
// (httpkit.PrefetchSpecs), so that decoding overlaps opening the database.
func Spec() *httpkit.SpecSource { return specSource }

// New returns the Messaging API as an http.Handler to mount at Prefix.
func New(svc *service.Service) (http.Handler, error) { return newAPI(svc, true) }

// newAPI is New; without fastPoll every poll takes the generic stack (the differential tests
// compare the two).
func newAPI(svc *service.Service, fastPoll bool) (http.Handler, error) {
	spec, err := specSource.Get()
	if err != nil {
		return nil, err
	}
	httpkit.RegisterDecoders()
	h := &Handler{svc: svc, render: render.New()}
	r, err := httpkit.NewRouter(httpkit.API{
		Prefix: Prefix, Docs: "/docs/messaging/", Spec: spec, WriteError: h.writeError, Authenticate: h.authenticate,
		MaxBody: MaxBody, Streamed: streamed, Gate: h.gate,
	})
	if err != nil {
		return nil, err
	}
	reqErr, respErr := httpkit.StrictErrors(h.writeError)
	strict := gen.NewStrictHandlerWithOptions(h, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr,
	})
	var fast func(http.ResponseWriter, *http.Request) bool
	if fastPoll {
		fast = h.pollFast
	}
	return intake(gen.HandlerWithOptions(strict, gen.ChiServerOptions{
		BaseRouter: r, ErrorHandlerFunc: httpkit.ParamErrors(h.writeError),
		Middlewares: []gen.MiddlewareFunc{rawQuestionBody},
	}), fast), nil
}

// rawQuestionBody makes createQuestion decode its body from the bytes sent. The validator leaves
// the value it decoded on the body, and the generated code would bind that (a map) instead,
// losing the key order of `metadata`, which the API keeps as sent.
func rawQuestionBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == Prefix+"/v1/questions" && r.Body != nil {
			r.Body = struct{ io.ReadCloser }{r.Body} // hides ValidatedValue
		}
		next.ServeHTTP(w, r)
	})
}

// ---------------------------------------------------------------------------
// Intake: runs before everything else of the API (panic recovery and validation included), so
// that every answer, error or not, sees the same request.

type ctxKey int

const credKey ctxKey = iota

// credentials carries the caller's Authorization header to the handlers (strict handlers see
// only the context), and what the validator's authentication found.
type credentials struct {
	header    string            // the Authorization header as sent
	principal service.Principal // set by authenticate
	token     string            // the bearer token, when authentication was left to the handler (poll)
	deferred  bool              // authenticate only checked a token is present: the handler polls with it
	gated     bool              // gate authenticated the token already (a call with a body)
}

func credentialsFrom(ctx context.Context) *credentials {
	if c, ok := ctx.Value(credKey).(*credentials); ok {
		return c
	}
	return &credentials{}
}

// principal is who the request speaks for, as authenticated by the validator.
func principal(ctx context.Context) service.Principal { return credentialsFrom(ctx).principal }

// intake, in order:
//   - makes the request id a lowercase uuid (meta.requestId is one): a caller's X-Request-Id that is
//     not a uuid is replaced by a new one, logged next to the old;
//   - rewrites the unprefixed aliases to their /v1 path, and /v1/oauth/… to /oauth/…, before the
//     validator or router sees them;
//   - puts the credentials holder into the context;
//   - lets fast answer a poll that is a 304 first (pollFast), when it is set.
func intake(next http.Handler, fast func(http.ResponseWriter, *http.Request) bool) http.Handler {
	renewID := httpkit.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpkit.Logger(r.Context()).Info("messaging: X-Request-Id is not a lowercase uuid; answering with a new request id",
			"messaging_request_id", httpkit.RequestIDFrom(r.Context()))
		serve(next, fast, w, r)
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := httpkit.RequestIDFrom(r.Context()); !isLowerUUID(id) {
			r = r.Clone(r.Context())
			if u, err := uuid.Parse(id); err == nil && len(id) == 36 {
				r.Header.Set("X-Request-Id", u.String()) // an upper-case uuid keeps its value
			} else {
				r.Header.Del("X-Request-Id")
			}
			renewID.ServeHTTP(w, r)
			return
		}
		serve(next, fast, w, r)
	})
}

func serve(next http.Handler, fast func(http.ResponseWriter, *http.Request) bool, w http.ResponseWriter, r *http.Request) {
	if fast != nil && r.Method == http.MethodGet && fast(w, r) {
		return
	}
	r = r.WithContext(context.WithValue(r.Context(), credKey, &credentials{header: r.Header.Get("Authorization")}))
	if rest, ok := strings.CutPrefix(r.URL.Path, Prefix+"/"); ok {
		first, _, _ := strings.Cut(rest, "/")
		switch {
		case aliased[first]:
			r = rewritePath(r, Prefix+"/", Prefix+"/v1/", "", "/v1")
		case strings.HasPrefix(rest, "v1/oauth/"):
			r = rewritePath(r, Prefix+"/v1/", Prefix+"/", "/v1", "")
		}
	}
	next.ServeHTTP(w, r)
}

// rewritePath replaces the prefix from of r's path (and chi's route path, routeFrom) with to
// (routeTo).
func rewritePath(r *http.Request, from, to, routeFrom, routeTo string) *http.Request {
	u := *r.URL
	u.Path = to + strings.TrimPrefix(u.Path, from)
	if u.RawPath != "" {
		u.RawPath = to + strings.TrimPrefix(u.RawPath, from)
	}
	r.URL = &u
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		rctx.RoutePath = routeTo + strings.TrimPrefix(rctx.RoutePath, routeFrom)
	}
	return r
}

func isLowerUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}

// ---------------------------------------------------------------------------
// Authentication (the validator calls it for every operation with the BearerToken scheme).

// pollPath is the spec path of getQuestion, the poll.
const pollPath = "/v1/questions/{uuid}"

// gate authenticates a call with a body before the edge reads the body: an unauthenticated
// call is refused without reading it. The token endpoints are the exception (the client's
// credentials may be in the body). authenticate reuses what gate found.
func (h *Handler) gate(r *http.Request) (*http.Request, error) {
	if strings.HasPrefix(r.URL.Path, Prefix+"/oauth/") {
		return r, nil
	}
	cred := credentialsFrom(r.Context())
	token, err := bearerToken(cred.header)
	if err != nil {
		return nil, err
	}
	p, err := h.svc.AuthenticateBearer(r.Context(), token)
	if err != nil {
		return nil, err
	}
	cred.principal, cred.gated = p, true
	return r, nil
}

// authenticate checks the Bearer token and, on a POST, the write scope, and leaves the principal
// for the handler. The poll (GET /v1/questions/{uuid} with lastChecked) is the exception: it only
// checks a Bearer token is present, and the handler authenticates and reads lastUpdated in one
// statement (service.Poll).
func (h *Handler) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	rv := in.RequestValidationInput
	cred := credentialsFrom(rv.Request.Context())
	token, err := bearerToken(cred.header)
	if err != nil {
		return err
	}
	if token != "" && rv.Request.Method == http.MethodGet && rv.Route != nil && rv.Route.Path == pollPath &&
		rv.GetQueryParams().Get("lastChecked") != "" {
		cred.token, cred.deferred = token, true
		return nil
	}
	p := cred.principal
	if !cred.gated {
		if p, err = h.svc.AuthenticateBearer(ctx, token); err != nil {
			return err // a non-apierr failure (an outage) is answered 500 by httpkit.RequestProblem
		}
	}
	if rv.Request.Method == http.MethodPost && !p.CanWrite() {
		return apierr.Forbiddenf("this call needs the %q scope; the access token has only %q (ask for a token with scope \"read write\")",
			service.ScopeWrite, p.Scope)
	}
	cred.principal = p
	return nil
}

// bearerToken reads `Authorization: Bearer <token>`; no header is "" (the service answers that
// the token is missing).
func bearerToken(header string) (string, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return "", nil
	}
	scheme, token, _ := strings.Cut(header, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", apierr.Unauthorizedf("Authorization must use the Bearer scheme: send Authorization: Bearer <access_token>")
	}
	return strings.TrimSpace(token), nil
}

// ---------------------------------------------------------------------------
// Envelope.

// meta is the envelope's meta of this request: API version, the server clock cut to the second,
// and the request id.
func (h *Handler) meta(ctx context.Context) gen.Meta {
	id, _ := uuid.Parse(httpkit.RequestIDFrom(ctx))
	return gen.Meta{Version: gen.MetaVersionV1, Timestamp: h.now(), RequestId: id}
}

func (h *Handler) now() time.Time { return utc(h.svc.Clock.Now()) }

// utc is how every date leaves the API: UTC, whole seconds.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
