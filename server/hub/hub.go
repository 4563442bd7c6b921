// Package hub serves Hubster's Engine Direct API and the identity, portal and engine endpoints it
// depends on (openapi/hub.yaml) under /hub. Handlers translate HTTP ↔ domain and nothing more: the
// rules live in package hubrules and run through package hubservice.
//
// This file wires the API: the intake in front of the router (CORS, draining, the deadline, the
// checks the reference orders before the body's content: token, rate limit, path and query, body),
// the validator, and the generated strict server.
package hub

import (
	"context"
	"io"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/ratelimit"
)

// Prefix is where the API is mounted.
const Prefix = "/hub"

// Defaults of Config.
const (
	DefaultTimeout       = 15 * time.Second
	DefaultRatePerSecond = 50
	DefaultRateBurst     = 100
	// DrainRetryAfter is the Retry-After of a 503 while the server drains.
	DrainRetryAfter = 30
)

// Config is what the API needs.
type Config struct {
	Service *hubservice.Service
	// Limiter keys its buckets by client id; nil makes one on the wall clock.
	Limiter       *ratelimit.Limiter
	RatePerSecond float64 // per API client (DefaultRatePerSecond when 0; negative: no limit)
	RateBurst     int     // DefaultRateBurst when 0
	// Timeout is each request's deadline (DefaultTimeout when 0): past it the answer is 408.
	Timeout time.Duration
	// Draining reports that the server is shutting down: requests then answer 503.
	Draining func() bool
}

// Handler implements the generated strict server interface.
type Handler struct {
	svc *hubservice.Service
	cfg Config
}

var _ gen.StrictServerInterface = (*Handler)(nil)

// specSource decodes the Hub API's OpenAPI document for New.
var specSource = httpkit.NewSpecSource(gen.Spec)

// Spec is where New takes the Hub API's decoded spec from; a server prefetches it at process start
// (httpkit.PrefetchSpecs), so that decoding overlaps opening the database.
func Spec() *httpkit.SpecSource { return specSource }

// New returns the API as an http.Handler to mount at Prefix.
func New(cfg Config) (http.Handler, error) {
	if cfg.Limiter == nil {
		cfg.Limiter = ratelimit.New(nil)
	}
	if cfg.RatePerSecond == 0 {
		cfg.RatePerSecond = DefaultRatePerSecond
	}
	if cfg.RateBurst == 0 {
		cfg.RateBurst = DefaultRateBurst
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Draining == nil {
		cfg.Draining = func() bool { return false }
	}
	spec, err := specSource.Get()
	if err != nil {
		return nil, err
	}
	httpkit.RegisterDecoders()
	h := &Handler{svc: cfg.Service, cfg: cfg}
	// The intake routes on the same document the validator reads (both only read it; decoding
	// the spec is most of what building the API costs, so it is done once).
	spec.Servers = nil
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		return nil, err
	}
	in := &intake{h: h, router: router}
	r, err := httpkit.NewRouter(httpkit.API{
		Prefix: Prefix, Docs: "/docs/hub/", Spec: spec, WriteError: writeError, Authenticate: authenticated,
		MaxBody: hubrules.MaxBody, Streamed: streamed, Gate: in.gate,
	}, in.handle)
	if err != nil {
		return nil, err
	}
	reqErr, respErr := httpkit.StrictErrors(writeError)
	strict := gen.NewStrictHandlerWithOptions(h, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc: reqErr, ResponseErrorHandlerFunc: respErr,
	})
	return cors(deadline(cfg.Timeout, gen.HandlerWithOptions(strict, gen.ChiServerOptions{
		BaseRouter: r, ErrorHandlerFunc: httpkit.ParamErrors(writeError),
		Middlewares: []gen.MiddlewareFunc{rawBody},
	}))), nil
}

// streamed hands every JSON body of the API to the intake unread (capped at MaxBody): the
// reference orders the body's checks after the token, the rate limit and the path, and gives each
// failure its own code, which the intake can only do if it reads the body itself. The token
// endpoint's form body is read and validated by the edge and the validator like any other API's.
func streamed(r *http.Request) int64 {
	if r.URL.Path == Prefix+"/connect/token" {
		return 0
	}
	return hubrules.MaxBody
}

// deadline gives every request of the API its deadline (reference §8: 15 s); an answer that
// could not be made in time is a 408.
func deadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticated is the validator's check of the security schemes. The token itself was verified
// by the intake (in the reference's order: before the rate limit, the path and the body); this
// makes sure no request reaches a handler without that.
func authenticated(ctx context.Context, _ *openapi3filter.AuthenticationInput) error {
	if stateFrom(ctx).principal == nil {
		return apierr.Unauthorizedf("Unauthorized access.")
	}
	return nil
}

// rawBody hides the value the validator decoded, so the generated code binds request bodies from
// the bytes sent (json.RawMessage bodies keep their keys' case, order and duplicates).
func rawBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = struct{ io.ReadCloser }{r.Body}
		}
		next.ServeHTTP(w, r)
	})
}

// cors answers preflights without a token and lets any origin read the answers (reference §8:
// the Origin is echoed; Hubster's client sends one on every call).
func cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" {
			w.Header().Set("Access-Control-Allow-Origin", origin)
			w.Header().Add("Vary", "Origin")
		}
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			w.Header().Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
			w.Header().Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
