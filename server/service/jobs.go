package service

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/store"
)

// RunDueJobs runs every timer that is due on the server clock, each exactly once even with
// several instances on one database, and returns how many ran.
func (s *Service) RunDueJobs(ctx context.Context) (int, error) {
	n := 0
	for {
		ran, err := s.Store.RunDueJob(ctx, s.Clock.Now(), func(tx *store.TenantTx, j store.Job) error {
			return s.runJob(ctx, tx, j)
		})
		if err != nil {
			return n, err
		}
		if !ran {
			return n, nil
		}
		n++
	}
}

// runJob applies one due timer inside the transaction that removed it. A job whose question is
// gone, or whose moment has passed (the question moved on), does nothing.
func (s *Service) runJob(ctx context.Context, tx *store.TenantTx, j store.Job) error {
	now := s.Clock.Now()
	if j.Kind == question.JobTokenExpiry {
		hash, err := hex.DecodeString(j.Subject)
		if err != nil {
			return fmt.Errorf("job %d: bad token hash: %w", j.ID, err)
		}
		return tx.DeleteAccessToken(ctx, hash)
	}
	id, err := uuid.Parse(j.Subject)
	if err != nil {
		return fmt.Errorf("job %d: bad question uuid: %w", j.ID, err)
	}
	st := DefaultSettings()
	doc, err := tx.Settings(ctx)
	if err != nil {
		return err
	}
	if doc != nil {
		if err := json.Unmarshal(doc, &st); err != nil {
			return fmt.Errorf("settings of tenant %s: %w", tx.TenantID(), err)
		}
	}
	c, err := loadConversation(ctx, tx, id, "")
	if apierr.KindOf(err) == apierr.NotFound {
		return nil
	}
	if err != nil {
		return err
	}
	timers := st.Timers(c.Q.Category)
	var ch *question.Change
	switch j.Kind {
	case question.JobUnanswered:
		ch = c.UnansweredTimeout(timers.UnansweredAction, now)
	case question.JobReroutePrompt:
		ch = c.ReroutePromptDue(timers.PromptAfter, now)
	case question.JobOfferWiden:
		if c.Q.Status == question.Unresolved && c.Q.ClaimedBy == nil && !c.HasExpertResponse() {
			_, err := offerNextTier(ctx, tx, c.Q, st, now)
			return err
		}
		return nil
	default:
		slog.WarnContext(ctx, "dropping a job of unknown kind", "kind", j.Kind, "job", j.ID)
		return nil
	}
	return persist(ctx, tx, c, ch, now)
}

// RunTimers runs due jobs every interval until ctx ends (the wall-clock scheduler; with the
// virtual clock, setting or advancing the clock also runs them).
func (s *Service) RunTimers(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.RunDueJobs(ctx); err != nil && ctx.Err() == nil {
				slog.ErrorContext(ctx, "running timers", "err", err)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// The virtual clock.

// Clock modes.
const (
	ClockWall    = "wall"
	ClockVirtual = "virtual"
)

const clockSetting = "clock"

// VirtualClock is the operator-controlled clock. Its time is kept in the database, so it
// survives restarts and every instance sharing the database starts from it.
type VirtualClock struct {
	mu    sync.Mutex // serialises set/advance (jobs run in order)
	fixed *clock.Fixed
}

// Now returns the virtual time.
func (v *VirtualClock) Now() time.Time { return v.fixed.Now() }

// UseVirtualClock switches the service to a virtual clock, starting from the stored virtual
// time or, the first time, from the wall clock.
func (s *Service) UseVirtualClock(ctx context.Context) error {
	start := time.Now().UTC().Truncate(time.Second)
	b, err := s.Store.OperatorSetting(ctx, clockSetting)
	if err != nil {
		return err
	}
	if b != nil {
		if err := start.UnmarshalText(b); err != nil {
			return fmt.Errorf("stored virtual clock: %w", err)
		}
	}
	v := &VirtualClock{fixed: clock.NewFixed(start)}
	s.Clock, s.virtual = v, v
	return s.saveClock(ctx)
}

func (s *Service) saveClock(ctx context.Context) error {
	b, _ := s.virtual.Now().MarshalText()
	return s.Store.SetOperatorSetting(ctx, clockSetting, b, time.Now())
}

// ClockState is the server clock as the operator sees it.
type ClockState struct {
	Now     time.Time
	Mode    string
	JobsRun int
}

// ClockNow reports the server time and mode.
func (s *Service) ClockNow() ClockState {
	if s.virtual == nil {
		return ClockState{Now: s.Clock.Now(), Mode: ClockWall}
	}
	return ClockState{Now: s.Clock.Now(), Mode: ClockVirtual}
}

var errWallClock = apierr.Conflictf("the server runs on the wall clock; start it with --clock=virtual to set or advance time")

// SetClock moves the virtual clock forward to t, running every job that falls due on the way,
// each at its own due time.
func (s *Service) SetClock(ctx context.Context, t time.Time) (ClockState, error) {
	if s.virtual == nil {
		return ClockState{}, errWallClock
	}
	s.virtual.mu.Lock()
	defer s.virtual.mu.Unlock()
	if t.Before(s.virtual.Now()) {
		return ClockState{}, apierr.Invalidf("now: %s is before the current virtual time %s; the clock only moves forward",
			t.UTC().Format(time.RFC3339), s.virtual.Now().Format(time.RFC3339))
	}
	return s.stepTo(ctx, t.UTC())
}

// AdvanceClock moves the virtual clock forward by d (see SetClock).
func (s *Service) AdvanceClock(ctx context.Context, d time.Duration) (ClockState, error) {
	if s.virtual == nil {
		return ClockState{}, errWallClock
	}
	if d < 0 {
		return ClockState{}, apierr.Invalidf("seconds: must not be negative")
	}
	s.virtual.mu.Lock()
	defer s.virtual.mu.Unlock()
	return s.stepTo(ctx, s.virtual.Now().Add(d))
}

func (s *Service) stepTo(ctx context.Context, target time.Time) (ClockState, error) {
	total := 0
	for {
		due, ok, err := s.Store.NextJobDue(ctx)
		if err != nil {
			return ClockState{}, err
		}
		if !ok || due.After(target) {
			break
		}
		if due.After(s.virtual.Now()) {
			s.virtual.fixed.Set(due)
		}
		n, err := s.RunDueJobs(ctx)
		total += n
		if err != nil {
			return ClockState{}, err
		}
		if n == 0 && !due.After(s.virtual.Now()) {
			// Another instance took it between our look and our run: look again.
			continue
		}
	}
	s.virtual.fixed.Set(target)
	if err := s.saveClock(ctx); err != nil {
		return ClockState{}, err
	}
	return ClockState{Now: target, Mode: ClockVirtual, JobsRun: total}, nil
}
