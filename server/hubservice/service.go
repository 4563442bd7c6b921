// Package hubservice runs Hubster's Direct domain (the rules of package hubrules) against the
// store: API clients and their tokens, hubs and integrations, conversations, and activities, each
// accepted in one write transaction together with its queued webhooks. It knows no HTTP and writes
// no SQL; store errors with a meaning for the caller become hubrules codes here.
package hubservice

import (
	"crypto/rsa"
	"errors"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/store"
)

// Kicker is told when deliveries were queued (the outbox worker).
type Kicker interface{ Kick() }

// Service is the Hub domain's application layer.
type Service struct {
	Store  *store.Store
	Clock  clock.Clock // the server clock (virtual in tests and `make run`)
	Outbox Kicker      // may be nil: the worker's own tick then picks deliveries up

	keyMu sync.Mutex
	key   *rsa.PrivateKey // signs tokens; loaded or made on first use (UseKey in tests)

	rndMu sync.Mutex
	rnd   *rand.Rand // fun names
}

// New returns the service on st and the server clock clk.
func New(st *store.Store, clk clock.Clock) *Service {
	return &Service{Store: st, Clock: clk, rnd: rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))}
}

// Principal is who an access token speaks for.
type Principal struct {
	TenantID uuid.UUID
	ClientID string
	Audience string // AudiencePortal or AudienceEngine
}

// notFound turns store.ErrNotFound into the code's error; any other error passes unchanged (an
// internal error).
func notFound(err error, code hubrules.Code, format string, args ...any) error {
	if errors.Is(err, store.ErrNotFound) {
		return hubrules.Fail(code, format, args...)
	}
	return err
}

func (s *Service) funName() string {
	s.rndMu.Lock()
	defer s.rndMu.Unlock()
	return hubrules.FunName(s.rnd)
}

func (s *Service) kick() {
	if s.Outbox != nil {
		s.Outbox.Kick()
	}
}
