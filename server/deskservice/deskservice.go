// Package deskservice runs the Desk API's use cases (package deskrules) against the store, one
// tenant-bound transaction per write. It is the Desk domain's own use-case layer, beside package
// service (the Directly domain), sharing the store, the clock and the credentials. It knows no
// HTTP and writes no SQL; store errors with a meaning for the caller become the vendor's errors
// here.
package deskservice

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/netguard"
	"github.com/switchboard-dev/switchboard/server/ratelimit"
	"github.com/switchboard-dev/switchboard/store"

	"github.com/google/uuid"
)

// Attachment download limits (reference §6.4).
const (
	DownloadTimeout      = 10 * time.Second
	DownloadMaxBytes     = 25 << 20
	DownloadMaxRedirects = 3
)

// Config is the Desk API's server settings.
type Config struct {
	// DownloadAttachments makes the server fetch every attachment of a new message before storing
	// it (a failed download refuses the message). Off by default: offline runs stay deterministic.
	DownloadAttachments bool
	// DownloadAllow lists address ranges downloads may reach although they are not public (tests
	// allow a loopback server). Empty by default.
	DownloadAllow []netip.Prefix
}

// Service is the Desk API's application layer.
type Service struct {
	Store *store.Store
	Clock clock.Clock

	limiter  *ratelimit.Limiter
	download func(ctx context.Context, url string) error // nil: downloads off
}

// New returns the Desk service on st and clk.
func New(st *store.Store, clk clock.Clock, cfg Config) *Service {
	s := &Service{Store: st, Clock: clk}
	s.limiter = ratelimit.New(func() time.Time { return s.Clock.Now() })
	if cfg.DownloadAttachments {
		policy := netguard.Policy{Allow: cfg.DownloadAllow, Ports: []int{80, 443}}
		client := policy.Client(netguard.ClientOptions{Timeout: DownloadTimeout, MaxRedirects: DownloadMaxRedirects})
		s.download = func(ctx context.Context, url string) error { return fetch(ctx, client, url) }
	}
	return s
}

// fetch downloads url within the limits; any failure is an error.
func fetch(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		resp.Body.Close()
		return fmt.Errorf("deskservice: download %s: status %d", url, resp.StatusCode)
	}
	_, err = netguard.ReadLimited(resp, DownloadMaxBytes)
	return err
}

// downloadAll fetches every attachment when downloads are on. The files are not kept (the API
// shows each URL as submitted): a download only proves the file is there and within the limits.
func (s *Service) downloadAll(ctx context.Context, files []deskrules.File) error {
	if s.download == nil {
		return nil
	}
	for _, f := range files {
		if err := s.download(ctx, f.URL); err != nil {
			slog.WarnContext(ctx, "desk: attachment download failed", "url", capped(f.URL), "err", err)
			return deskrules.DownloadFailed()
		}
	}
	return nil
}

// capped shortens a client-supplied value for a log line.
func capped(s string) string {
	const max = 256
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func (s *Service) now() time.Time { return deskrules.Now(s.Clock.Now()) }

// Principal is who a Desk API request speaks for: the token's company and owner, and the
// company's Desk settings.
type Principal struct {
	TenantID uuid.UUID
	TokenID  uuid.UUID
	OwnerID  uuid.UUID
	Settings deskrules.Settings
}

// Authenticate reads the Authorization header (`<token>` or `Bearer <token>`) and returns what
// the token stands for, in one read. A missing, unknown or revoked token is Unauthorized.
func (s *Service) Authenticate(ctx context.Context, header string) (Principal, error) {
	token := strings.TrimSpace(header)
	if scheme, rest, ok := strings.Cut(token, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	}
	if token == "" {
		return Principal{}, deskrules.Unauthorized()
	}
	p, err := s.Store.DeskPrincipalByHash(ctx, credential.Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, deskrules.Unauthorized()
	}
	if err != nil {
		return Principal{}, err
	}
	set, err := deskrules.DecodeSettings(p.Settings)
	if err != nil {
		// The token is known but what it maps to cannot be loaded: the vendor's context failure.
		slog.ErrorContext(ctx, "desk: a token's company settings cannot be read", "tenant", p.TenantID, "err", err)
		return Principal{}, deskrules.Context()
	}
	return Principal{TenantID: p.TenantID, TokenID: p.TokenID, OwnerID: p.OwnerID, Settings: set}, nil
}

// Allow takes one request from the token's rate limit, if its company has one. When the limit is
// reached it returns the TooManyRequests error and how long until the next request may pass.
func (s *Service) Allow(p Principal) (retryAfter time.Duration, err error) {
	r := p.Settings.RateLimit
	if r == nil {
		return 0, nil
	}
	if ok, wait := s.limiter.Allow("desk:"+p.TokenID.String(), r.PerSecond, r.Burst); !ok {
		return wait, deskrules.TooManyRequests()
	}
	return 0, nil
}

// notFound maps store.ErrNotFound to the vendor's 404; other errors pass unchanged (internal).
func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return deskrules.NotFound()
	}
	return err
}

// tenantNotFound is the operator API's 404 for an unknown tenant.
func tenantNotFound(err error, tenantID uuid.UUID) error {
	if errors.Is(err, store.ErrNotFound) {
		return apierr.NotFoundf("no tenant %s", tenantID)
	}
	return err
}
