// Package server composes Switchboard's HTTP surface: every API under its prefix on one router,
// the docs site, health and readiness, and the shared request plumbing.
package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/switchboard-dev/switchboard/openapi"
	"github.com/switchboard-dev/switchboard/server/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/desk"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/docs"
	"github.com/switchboard-dev/switchboard/server/helpdesk"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/hub"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/messaging"
	"github.com/switchboard-dev/switchboard/server/netguard"
	"github.com/switchboard-dev/switchboard/server/outbox"
	"github.com/switchboard-dev/switchboard/server/service"
)

// Config is what the server needs.
type Config struct {
	Service        *service.Service
	AdminTokenHash []byte // credential.HashOperatorToken of the operator token
	Logger         *slog.Logger
	Limits         httpkit.Limits     // zero fields: httpkit.DefaultLimits
	Desk           deskservice.Config // the Desk API's server settings (attachment downloads)
	// AuthGuard slows down repeated failed authentication per client address (cmd/switchboard
	// sets httpkit.NewAuthGuard); nil: none, for tests that fail authentication on purpose.
	AuthGuard *httpkit.AuthGuard

	// Outbox delivers every API's webhooks; nil makes one on Service's store and clock whose
	// client reaches public addresses only. New registers it with Service so that moving the
	// virtual clock runs due deliveries; running its background loop is the caller's job.
	Outbox *outbox.Worker
	// Hub is the Hub Direct API's service; nil makes one on Service's store and clock.
	Hub *hubservice.Service
	// HubConfig sets the Hub API's limits (rate, deadline); its Service and Draining are set here.
	HubConfig hub.Config
}

// Server is the composed HTTP handler.
type Server struct {
	http.Handler
	svc      *service.Service
	draining atomic.Bool
	limits   httpkit.Limits
}

// Configure sets the connection limits of the http.Server that serves s (the per-request body
// and write deadlines are s's own).
func (s *Server) Configure(hs *http.Server) { s.limits.Configure(hs) }

// New builds the router.
func New(cfg Config) (*Server, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{svc: cfg.Service, limits: cfg.Limits}
	r := chi.NewRouter()
	r.Use(httpkit.RequestID, httpkit.AccessLog(cfg.Logger), httpkit.Transport(cfg.Limits))
	if cfg.AuthGuard != nil {
		r.Use(cfg.AuthGuard.Middleware)
	}
	r.Use(httpkit.Recover(writeError))

	deskSvc := deskservice.New(cfg.Service.Store, cfg.Service.Clock, cfg.Desk)
	if cfg.Outbox == nil {
		cfg.Outbox = outbox.NewWorker(cfg.Service.Store, cfg.Service.Clock,
			netguard.Policy{}.Client(netguard.ClientOptions{Timeout: outbox.AttemptTimeout}), cfg.Logger)
	}
	cfg.Service.AddScheduler(cfg.Outbox)
	if cfg.Hub == nil {
		cfg.Hub = hubservice.New(cfg.Service.Store, cfg.Service.Clock)
		cfg.Hub.Outbox = cfg.Outbox
	}
	hc := cfg.HubConfig
	hc.Service, hc.Draining = cfg.Hub, s.draining.Load

	// Building an API is mostly decoding its spec; the five are independent, so they are built
	// at once (a cold start to /readyz waits for the slowest, not for the sum).
	var hd, ms, dk, hb, ad http.Handler
	if err := buildAll(
		func() (err error) { hd, err = helpdesk.New(cfg.Service); return err },
		func() (err error) { ms, err = messaging.New(cfg.Service); return err },
		func() (err error) { dk, err = desk.New(deskSvc); return err },
		func() (err error) { hb, err = hub.New(hc); return err },
		func() (err error) {
			ad, err = admin.New(cfg.Service, cfg.AdminTokenHash, admin.WithDesk(deskSvc), admin.WithHub(cfg.Hub, cfg.Outbox))
			return err
		},
	); err != nil {
		return nil, err
	}
	r.Mount(helpdesk.Prefix, hd)
	r.Mount(messaging.Prefix, ms)
	r.Mount(hub.Prefix, hb)
	r.Mount(desk.Prefix, dk)
	r.Mount(admin.Prefix, ad)

	// The docs site is rendered on its first request: rendering every spec would otherwise be
	// most of a cold start to /readyz.
	logger := cfg.Logger
	r.Mount("/docs", http.StripPrefix("/docs", docs.Lazy(DocsSite, func(err error) {
		logger.Error("docs: rendering the site failed", "error", err)
	})))
	r.Get("/", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/docs/", http.StatusFound) })
	r.Get("/healthz", func(w http.ResponseWriter, r *http.Request) {
		httpkit.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	r.Get("/readyz", s.ready)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, apierr.NotFoundf("no route for %s %s: the APIs are under /messaging, /helpdesk, /desk, /hub and /admin, the docs at /docs/",
			httpkit.Cap(r.Method, 20), httpkit.Cap(r.URL.Path, 200)))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, &apierr.Error{Kind: apierr.MethodNotAllowed, Allow: []string{"GET", "HEAD"}, Message: "method " + httpkit.Cap(r.Method, 20) + " is not allowed on " + httpkit.Cap(r.URL.Path, 200)})
	})
	s.Handler = r
	return s, nil
}

// PrefetchSpecs starts decoding every API's OpenAPI document in the background, for the next
// New to take: a process calls it first thing, so that the decoding — most of what New costs —
// overlaps opening and migrating the database. New still builds every API (and validates every
// request) from a complete document; it only waits for the prefetched ones instead of decoding
// them itself.
func PrefetchSpecs() {
	// The largest first: what is still queued when New starts is decoded by New's goroutines.
	httpkit.PrefetchSpecs(admin.Spec(), desk.Spec(), messaging.Spec(), hub.Spec(), helpdesk.Spec())
}

// buildAll runs the builds concurrently and returns the first error, after all have finished.
func buildAll(builds ...func() error) error {
	errs := make([]error, len(builds))
	var wg sync.WaitGroup
	for i, build := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = build()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// DocsSite renders the docs site from the published specs.
func DocsSite() (*docs.Site, error) {
	var specs []docs.Spec
	for _, api := range openapi.APIs {
		raw, err := openapi.Spec(api.Name)
		if err != nil {
			return nil, err
		}
		specs = append(specs, docs.Spec{Name: api.Name, BasePath: api.Prefix, Raw: raw})
	}
	return docs.New(specs)
}

// Drain makes /readyz answer 503 so load balancers stop sending traffic before shutdown.
func (s *Server) Drain() { s.draining.Store(true) }

func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		httpkit.WriteJSON(w, http.StatusServiceUnavailable, errorBody("shutting down", "UNAVAILABLE"))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.svc.Store.Ping(ctx); err != nil {
		httpkit.Logger(r.Context()).Error("readiness: database unreachable", "error", err)
		httpkit.WriteJSON(w, http.StatusServiceUnavailable, errorBody("database unreachable", "UNAVAILABLE"))
		return
	}
	httpkit.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

type errorDetail struct {
	Message string `json:"message"`
	Code    string `json:"code"`
}

func errorBody(msg, code string) map[string]errorDetail {
	return map[string]errorDetail{"error": {Message: msg, Code: code}}
}

var rootCodes = map[apierr.Kind]string{
	apierr.Invalid: "INVALID_PARAMETER", apierr.Unauthorized: "UNAUTHORIZED", apierr.Forbidden: "FORBIDDEN",
	apierr.NotFound: "NOT_FOUND", apierr.MethodNotAllowed: "METHOD_NOT_ALLOWED", apierr.Conflict: "CONFLICT",
	apierr.RateLimited: "RATE_LIMITED", apierr.Internal: "INTERNAL_ERROR", apierr.State: "INVALID_STATE",
	apierr.Gone: "GONE", apierr.Timeout: "TIMEOUT", apierr.Unavailable: "UNAVAILABLE", apierr.NotImplemented: "NOT_IMPLEMENTED",
}

// writeError answers outside any API (unknown top-level paths, health) in the same
// {"error":{"message","code"}} shape the Help Desk and operator APIs use.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind, msg := httpkit.Describe(w, r, err)
	httpkit.WriteJSON(w, httpkit.Status(kind), errorBody(msg, rootCodes[kind]))
}
