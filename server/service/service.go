// Package service runs the question rules (package question) against the store, one tenant-bound
// transaction per use case. Handlers of every API call it; it knows no HTTP and writes no SQL.
// Store errors with a meaning for the caller become apierr kinds here, so handlers only
// translate HTTP ↔ domain.
package service

import (
	"errors"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/store"
)

// Service is the application: the store, the clock, and the settings rules need.
type Service struct {
	Store        *store.Store
	Clock        clock.Clock
	PublicDomain string // builds Help Desk question URLs; default "directly.com"
	// WholeUpTo: a write loads the whole conversation of a question holding at most this many
	// messages, and only the working set (question.Partial) of a larger one. 0 means
	// DefaultWholeUpTo (itself 0: always the working set); negative means always the working set.
	// TestWorkingSetDifferential compares both ways.
	WholeUpTo int

	virtual    *VirtualClock // set by UseVirtualClock; nil on the wall clock
	schedulers []Scheduler   // more work the virtual clock runs (AddScheduler)
}

// New returns a Service on st with the wall clock.
func New(st *store.Store) *Service {
	return &Service{Store: st, Clock: clock.Wall{}, PublicDomain: "directly.com"}
}

// notFound maps store.ErrNotFound to an apierr with msg. Any other store error is passed on as
// it is: not being an *apierr.Error, it is answered as internal and its text only logged.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, store.ErrNotFound) {
		return apierr.NotFoundf(format, args...)
	}
	return err
}
