package service

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
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
		now := s.Clock.Now() // outside the job's transaction: the clock may read the database
		ran, err := s.Store.RunDueJob(ctx, now, func(tx *store.TenantTx, j store.Job) error {
			return s.runJob(ctx, tx, j, now)
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
func (s *Service) runJob(ctx context.Context, tx *store.TenantTx, j store.Job, now time.Time) error {
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
	doc, err := tx.Settings(ctx)
	if err != nil {
		return err
	}
	st, err := decodeSettings(tx.TenantID(), doc)
	if err != nil {
		return err
	}
	c, err := s.loadConversation(ctx, tx, id, "")
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

// VirtualClock is the operator-controlled clock. Its time lives in the database, so it survives
// restarts and every instance sharing the database reads the same time; the last value read is
// kept for when the database cannot be reached.
type VirtualClock struct {
	mu    sync.Mutex // serialises set/advance on this instance (jobs run in due order)
	st    *store.Store
	cache *clock.Fixed
}

// Now returns the virtual time as stored, or the last time read if the database fails.
func (v *VirtualClock) Now() time.Time {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	t, err := v.read(ctx)
	if err != nil {
		slog.Error("reading the virtual clock; using the last value read", "err", err)
		return v.cache.Now()
	}
	return t
}

func (v *VirtualClock) read(ctx context.Context) (time.Time, error) {
	b, err := v.st.OperatorSetting(ctx, clockSetting)
	if err != nil {
		return time.Time{}, err
	}
	if b == nil {
		return v.cache.Now(), nil
	}
	var t time.Time
	if err := t.UnmarshalText(b); err != nil {
		return time.Time{}, fmt.Errorf("stored virtual clock: %w", err)
	}
	v.cache.Set(t)
	return t.UTC(), nil
}

func (v *VirtualClock) set(ctx context.Context, t time.Time) error {
	b, _ := t.UTC().MarshalText()
	if err := v.st.SetOperatorSetting(ctx, clockSetting, b, time.Now()); err != nil {
		return err
	}
	v.cache.Set(t)
	return nil
}

// UseVirtualClock switches the service to the virtual clock, starting from the stored virtual
// time or, the first time, from the wall clock.
func (s *Service) UseVirtualClock(ctx context.Context) error {
	v := &VirtualClock{st: s.Store, cache: clock.NewFixed(time.Now().UTC().Truncate(time.Second))}
	b, err := s.Store.OperatorSetting(ctx, clockSetting)
	if err != nil {
		return err
	}
	if b == nil {
		if err := v.set(ctx, v.cache.Now()); err != nil {
			return err
		}
	} else if _, err := v.read(ctx); err != nil {
		return err
	}
	s.Clock, s.virtual = v, v
	return nil
}

// ClockState is the server clock as the operator sees it.
type ClockState struct {
	Now     time.Time
	Mode    string
	JobsRun int
}

// ClockNow reports the server time and mode (on the virtual clock, as stored now).
func (s *Service) ClockNow(ctx context.Context) (ClockState, error) {
	if s.virtual == nil {
		return ClockState{Now: s.Clock.Now(), Mode: ClockWall}, nil
	}
	t, err := s.virtual.read(ctx)
	return ClockState{Now: t, Mode: ClockVirtual}, err
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
	now, err := s.virtual.read(ctx)
	if err != nil {
		return ClockState{}, err
	}
	if t.Before(now) {
		return ClockState{}, apierr.Invalidf("now: %s is before the current virtual time %s; the clock only moves forward",
			t.UTC().Format(time.RFC3339), now.Format(time.RFC3339))
	}
	return s.stepTo(ctx, now, t.UTC())
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
	now, err := s.virtual.read(ctx)
	if err != nil {
		return ClockState{}, err
	}
	return s.stepTo(ctx, now, now.Add(d))
}

// Scheduler is durable work on the server clock besides the timers (the webhook outbox): moving
// the virtual clock runs what falls due on the way, at its own due time, as it runs the timers.
type Scheduler interface {
	// NextDue is when the earliest piece of work is due (false: none is waiting).
	NextDue(ctx context.Context) (time.Time, bool, error)
	// RunDue does everything due now on the server clock and says how much it did.
	RunDue(ctx context.Context) (int, error)
}

// AddScheduler makes the virtual clock run sc's work too (once, however often it is added). Call
// it before serving.
func (s *Service) AddScheduler(sc Scheduler) {
	if !slices.Contains(s.schedulers, sc) {
		s.schedulers = append(s.schedulers, sc)
	}
}

// nextDue is the earliest due time of the timers and of every scheduler's work.
func (s *Service) nextDue(ctx context.Context) (time.Time, bool, error) {
	due, ok, err := s.Store.NextJobDue(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	for _, sc := range s.schedulers {
		d, has, err := sc.NextDue(ctx)
		if err != nil {
			return time.Time{}, false, err
		}
		if has && (!ok || d.Before(due)) {
			due, ok = d, true
		}
	}
	return due, ok, nil
}

// stepTo moves the virtual clock from now to target, stopping at each due job's (or scheduled
// work's) time so that it runs "at" its due time (and other instances read that time meanwhile).
// JobsRun counts the timers only.
func (s *Service) stepTo(ctx context.Context, now, target time.Time) (ClockState, error) {
	total := 0
	for {
		due, ok, err := s.nextDue(ctx)
		if err != nil {
			return ClockState{}, err
		}
		if !ok || due.After(target) {
			break
		}
		if due.After(now) {
			if err := s.virtual.set(ctx, due); err != nil {
				return ClockState{}, err
			}
			now = due
		}
		n, err := s.RunDueJobs(ctx)
		total += n
		if err != nil {
			return ClockState{}, err
		}
		for _, sc := range s.schedulers {
			if _, err := sc.RunDue(ctx); err != nil {
				return ClockState{}, err
			}
		}
		// Nothing ran: another instance holds that work right now; look again.
	}
	if err := s.virtual.set(ctx, target); err != nil {
		return ClockState{}, err
	}
	return ClockState{Now: target, Mode: ClockVirtual, JobsRun: total}, nil
}
