// Package desk serves the Desk API (openapi/desk.yaml), wire-compatible with Dixa's API v1
// conversations and messages, under /desk. Handlers translate HTTP ↔ domain and nothing more:
// the rules live in package deskrules and run through package deskservice. This file wires the
// API: the intake in front of the validator (package intake.go), the validator's authentication,
// and the generated strict server.
package desk

import (
	"context"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// Prefix is where the API is mounted.
const Prefix = "/desk"

// operationIds the intake needs to tell apart.
const (
	opEndUserConversations = "getEndusersUseridConversations"
	opListAgents           = "getAgents"
)

// Handler implements the generated strict server interface.
type Handler struct {
	svc *deskservice.Service
}

var _ gen.StrictServerInterface = (*Handler)(nil)

// specSource decodes the Desk API's OpenAPI document for New.
var specSource = httpkit.NewSpecSource(gen.Spec)

// Spec is where New takes the Desk API's decoded spec from; a server prefetches it at process start
// (httpkit.PrefetchSpecs), so that decoding overlaps opening the database.
func Spec() *httpkit.SpecSource { return specSource }

// New returns the Desk API as an http.Handler to mount at Prefix.
func New(svc *deskservice.Service) (http.Handler, error) {
	spec, err := specSource.Get()
	if err != nil {
		return nil, err
	}
	// The intake routes on the same document the validator reads (both only read it; decoding
	// the spec is most of what building the API costs, so it is done once).
	spec.Servers = nil
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, err
	}
	httpkit.RegisterDecoders()
	in := &intake{svc: svc, router: router}
	in.writeErr = in.writeError
	r, err := httpkit.NewRouter(httpkit.API{
		Prefix: Prefix, Docs: "/docs/desk/", Spec: spec, WriteError: in.writeError, Authenticate: authenticated,
		MaxBody: MaxBody, Gate: in.gate,
	}, in.handle)
	if err != nil {
		return nil, err
	}
	reqErr, respErr := httpkit.StrictErrors(in.writeError)
	strict := gen.NewStrictHandlerWithOptions(&Handler{svc: svc}, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr,
	})
	return gen.HandlerWithOptions(strict, gen.ChiServerOptions{BaseRouter: r, ErrorHandlerFunc: httpkit.ParamErrors(in.writeError)}), nil
}

// authenticated is the validator's check of the ApiKeyAuth scheme. The token itself was verified
// by the intake (it must answer 401 before any parameter is looked at); this makes sure no
// request reaches a handler without that.
func authenticated(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	if _, ok := in.RequestValidationInput.Request.Context().Value(ctxKey{}).(*call); !ok {
		return deskrules.Unauthorized()
	}
	return nil
}
