package store

import (
	"runtime"
	"sync/atomic"
	"testing"
)

// A call already runnable when a freshness check begins arrives before the check is numbered,
// so that check serves it (beginCheck yields first). On one processor the order is the
// scheduler's: without the yield the call runs only after the check is numbered, every time;
// with it, first, except when the scheduler's fairness tick (one schedule in 61) happens to
// run the yielding goroutine again at once. So: most of 20 trials, not all.
func TestBeginCheckServesTheCallsAlreadyRunnable(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var started atomic.Uint64
	served := 0
	const trials = 20
	for range trials {
		arrived := make(chan uint64, 1)
		go func() { arrived <- started.Load() }() // a poll on its way to fresh: runnable, not run yet
		n := beginCheck(&started)
		if <-arrived < n {
			served++
		}
	}
	if served < trials/2 {
		t.Fatalf("%d of %d calls runnable when a check began were served by it; want most", served, trials)
	}
}
