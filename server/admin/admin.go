// Package admin serves the operator API (openapi/admin.yaml) under /admin: tenants, their
// credentials, and the operator's view of their data.
package admin

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3filter"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/outbox"
	"github.com/switchboard-dev/switchboard/server/service"
)

// Prefix is where the API is mounted.
const Prefix = "/admin"

// Handler implements the generated strict server interface.
type Handler struct {
	svc    *service.Service
	desk   *deskservice.Service // the Desk API's operator side (WithDesk)
	hub    *hubservice.Service  // the Hub API's clients (WithHub)
	outbox *outbox.Worker       // every API's webhook deliveries (WithHub)
}

// WithHub gives the operator API the Hub API's clients and the webhook deliveries.
func WithHub(hub *hubservice.Service, ob *outbox.Worker) Option {
	return func(h *Handler) { h.hub, h.outbox = hub, ob }
}

// Option adds a vendor domain's operator side to the API.
type Option func(*Handler)

// WithDesk serves the Desk API's tokens, settings and conversations from d.
func WithDesk(d *deskservice.Service) Option { return func(h *Handler) { h.desk = d } }

var _ gen.StrictServerInterface = (*Handler)(nil)

// MaxBody is the operator API's body limit.
const MaxBody = 2 << 20

// specSource decodes the operator API's OpenAPI document for New.
var specSource = httpkit.NewSpecSource(gen.Spec)

// Spec is where New takes the operator API's decoded spec from; a server prefetches it at process start
// (httpkit.PrefetchSpecs), so that decoding overlaps opening the database.
func Spec() *httpkit.SpecSource { return specSource }

// New returns the operator API as an http.Handler to mount at Prefix. tokenHash is the stored
// hash of the admin token (credential.HashOperatorToken; an unsalted SHA-256 stored by an earlier
// version is accepted, and replaced by the salted form on its first use).
func New(svc *service.Service, tokenHash []byte, opts ...Option) (http.Handler, error) {
	spec, err := specSource.Get()
	if err != nil {
		return nil, err
	}
	httpkit.RegisterDecoders()
	var stored atomic.Pointer[[]byte]
	stored.Store(&tokenHash)
	check := func(r *http.Request) error {
		h := r.Header.Get("Authorization")
		scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
		if h == "" {
			return apierr.Unauthorizedf("missing admin token: send Authorization: Bearer <token>")
		}
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return apierr.Unauthorizedf("Authorization must use the Bearer scheme")
		}
		token = strings.TrimSpace(token)
		match, legacy := credential.MatchesOperatorToken(token, *stored.Load())
		if !match {
			return apierr.Unauthorizedf("invalid admin token")
		}
		if legacy {
			salted := credential.HashOperatorToken(token)
			if err := svc.Store.SetAdminTokenHash(r.Context(), salted); err != nil {
				httpkit.Logger(r.Context()).Warn("could not store the operator token salted; it stays unsalted for now", "error", err.Error())
			} else {
				stored.Store(&salted)
				httpkit.Logger(r.Context()).Info("the operator token is now stored salted")
			}
		}
		return nil
	}
	r, err := httpkit.NewRouter(httpkit.API{
		Prefix: Prefix, Docs: "/docs/admin/", Spec: spec, WriteError: writeError, MaxBody: MaxBody,
		Authenticate: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
			return check(in.RequestValidationInput.Request)
		},
		Gate: func(r *http.Request) (*http.Request, error) { return r, check(r) },
	})
	if err != nil {
		return nil, err
	}
	reqErr, respErr := httpkit.StrictErrors(writeError)
	h := &Handler{svc: svc}
	for _, o := range opts {
		o(h)
	}
	strict := gen.NewStrictHandlerWithOptions(h, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr,
	})
	return gen.HandlerWithOptions(strict, gen.ChiServerOptions{BaseRouter: r, ErrorHandlerFunc: httpkit.ParamErrors(writeError)}), nil
}
