package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// fakeScheduler has work due at given times; RunDue does what is due on the clock, recording the
// time it ran at.
type fakeScheduler struct {
	clk  clock.Clock
	due  []time.Time
	rans []time.Time
}

func (f *fakeScheduler) NextDue(context.Context) (time.Time, bool, error) {
	if len(f.due) == 0 {
		return time.Time{}, false, nil
	}
	return f.due[0], true, nil
}

func (f *fakeScheduler) RunDue(context.Context) (int, error) {
	n := 0
	for len(f.due) > 0 && !f.due[0].After(f.clk.Now()) {
		f.rans = append(f.rans, f.clk.Now())
		f.due = f.due[1:]
		n++
	}
	return n, nil
}

// TestAdvanceRunsSchedulers: moving the virtual clock runs a scheduler's work at each due time on
// the way, and not what falls due after the target.
func TestAdvanceRunsSchedulers(t *testing.T) {
	st := storetest.Stores(t)[0].Store
	e := newEnv(t, st)
	start := e.now()
	f := &fakeScheduler{clk: e.svc.Clock, due: []time.Time{start.Add(2 * time.Minute), start.Add(6 * time.Minute), start.Add(time.Hour)}}
	e.svc.AddScheduler(f)
	if jobs := e.advance(30 * time.Minute); jobs != 0 {
		t.Errorf("JobsRun = %d: it counts the timers only", jobs)
	}
	if len(f.rans) != 2 || !f.rans[0].Equal(start.Add(2*time.Minute)) || !f.rans[1].Equal(start.Add(6*time.Minute)) {
		t.Fatalf("ran at %v; want +2m and +6m", f.rans)
	}
	if len(f.due) != 1 {
		t.Errorf("work due after the target ran")
	}
}
