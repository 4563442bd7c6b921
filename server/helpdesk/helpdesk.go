// Package helpdesk serves Directly's Help Desk API (openapi/helpdesk.yaml) under /helpdesk:
// saveQuestion and closeQuestion. Handlers translate HTTP ↔ domain; the rules live in package
// question and run through package service.
package helpdesk

import (
	"context"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"

	gen "github.com/switchboard-dev/switchboard/gen/helpdesk"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/service"
)

// Prefix is where the API is mounted.
const Prefix = "/helpdesk"

// Handler implements the generated strict server interface.
type Handler struct {
	svc *service.Service
}

var _ gen.StrictServerInterface = (*Handler)(nil)

// specSource decodes the Help Desk API's OpenAPI document for New.
var specSource = httpkit.NewSpecSource(gen.Spec)

// Spec is where New takes the Help Desk API's decoded spec from; a server prefetches it at process start
// (httpkit.PrefetchSpecs), so that decoding overlaps opening the database.
func Spec() *httpkit.SpecSource { return specSource }

// New returns the Help Desk API as an http.Handler to mount at Prefix.
func New(svc *service.Service) (http.Handler, error) {
	spec, err := specSource.Get()
	if err != nil {
		return nil, err
	}
	httpkit.RegisterDecoders()
	h := &Handler{svc: svc}
	in := &intake{svc: svc, paths: map[string]bool{}, stringFields: map[string][]string{}}
	for path, item := range spec.Paths.Map() {
		in.paths[Prefix+path] = true
		if op := item.Post; op != nil && op.RequestBody != nil {
			if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
				for name, p := range mt.Schema.Value.Properties {
					if p.Value.Type.Is("string") {
						in.stringFields[Prefix+path] = append(in.stringFields[Prefix+path], name)
					}
				}
			}
		}
	}
	r, err := httpkit.NewRouter(httpkit.API{
		Prefix: Prefix, Docs: "/docs/helpdesk/", Spec: spec, WriteError: writeError, Authenticate: authenticated,
		MaxBody: int64(limits.MaxBytes), Gate: in.gate,
	}, in.handle)
	if err != nil {
		return nil, err
	}
	reqErr, respErr := httpkit.StrictErrors(writeError)
	strict := gen.NewStrictHandlerWithOptions(h, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr,
	})
	return gen.HandlerWithOptions(strict, gen.ChiServerOptions{BaseRouter: r, ErrorHandlerFunc: httpkit.ParamErrors(writeError)}), nil
}

// authenticated is the validator's check of the spec's security schemes. The token itself was
// verified by intake (it may arrive in the body, where the validator cannot look); this makes
// sure no request reaches a handler without that.
func authenticated(ctx context.Context, _ *openapi3filter.AuthenticationInput) error {
	if _, ok := ctx.Value(tenantKey).(tenantValue); !ok {
		return apierr.Unauthorizedf("missing API token: send the ApiToken header or the apiToken parameter")
	}
	return nil
}
