package ratelimit

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func TestBurstThenRefill(t *testing.T) {
	clk := newClock()
	l := New(clk.now)
	for i := range 4 {
		if ok, _ := l.Allow("tok", 10, 4); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.Allow("tok", 10, 4)
	if ok || wait != 100*time.Millisecond {
		t.Fatalf("5th request: ok=%v retryAfter=%v, want refused for 100ms", ok, wait)
	}
	if RetryAfterSeconds(wait) != 1 {
		t.Errorf("RetryAfterSeconds(%v) = %d, want 1", wait, RetryAfterSeconds(wait))
	}
	// A refused request takes no token: after 100ms exactly one more is allowed.
	clk.advance(100 * time.Millisecond)
	if ok, _ := l.Allow("tok", 10, 4); !ok {
		t.Fatal("after the refill period the request was refused")
	}
	if ok, _ := l.Allow("tok", 10, 4); ok {
		t.Fatal("a second request within the same refill period was allowed")
	}
}

func TestKeysAreIndependent(t *testing.T) {
	l := New(newClock().now)
	if ok, _ := l.Allow("a", 1, 1); !ok {
		t.Fatal("a refused")
	}
	if ok, _ := l.Allow("a", 1, 1); ok {
		t.Fatal("a allowed twice")
	}
	if ok, _ := l.Allow("b", 1, 1); !ok {
		t.Fatal("b refused because of a")
	}
}

func TestNoLimit(t *testing.T) {
	l := New(newClock().now)
	for range 1000 {
		if ok, _ := l.Allow("k", 0, 0); !ok {
			t.Fatal("refused without a limit")
		}
	}
	if l.Len() != 0 {
		t.Errorf("no-limit calls created %d buckets", l.Len())
	}
}

// A changed limit applies at once to an existing bucket.
func TestLimitChange(t *testing.T) {
	clk := newClock()
	l := New(clk.now)
	l.Allow("k", 1, 1)
	if ok, _ := l.Allow("k", 1, 1); ok {
		t.Fatal("allowed past the burst")
	}
	// Raised to 1000/s: the missing token refills in under 1 ms from now on (not retroactively).
	clk.advance(10 * time.Millisecond)
	if ok, wait := l.Allow("k", 1000, 1); ok || wait > time.Millisecond {
		t.Fatalf("raised rate: ok=%v wait=%v, want refused for under 1ms", ok, wait)
	}
	clk.advance(time.Millisecond)
	if ok, _ := l.Allow("k", 1000, 1); !ok {
		t.Fatal("raised rate not applied")
	}
	ok, wait := l.Allow("k", 0.5, 1)
	if ok || wait <= time.Second || wait > 2*time.Second {
		t.Fatalf("lowered rate: ok=%v wait=%v, want refused for (1s, 2s]", ok, wait)
	}
	if got := RetryAfterSeconds(1500 * time.Millisecond); got != 2 {
		t.Errorf("RetryAfterSeconds(1.5s) = %d, want 2", got)
	}
}

// Idle buckets are evicted once they would be full again; active ones stay.
func TestEviction(t *testing.T) {
	clk := newClock()
	l := New(clk.now)
	for i := range 100 {
		l.Allow(fmt.Sprint("idle", i), 10, 5) // full again after 0.5 s
	}
	clk.advance(30 * time.Second)
	l.Allow("active", 1, 100) // full again after 100 s
	clk.advance(sweepEvery)
	l.Allow("other", 10, 5)
	if l.Len() != 2 {
		t.Fatalf("%d buckets after the sweep, want 2 (active, other)", l.Len())
	}
	// The evicted key behaves as a full bucket would have.
	for range 5 {
		if ok, _ := l.Allow("idle1", 10, 5); !ok {
			t.Fatal("an evicted key did not start full")
		}
	}
}

func TestConcurrent(t *testing.T) {
	l := New(newClock().now) // time stands still: exactly burst requests pass
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				if ok, _ := l.Allow("k", 5, 50); ok {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("%d requests allowed, want exactly the burst of 50", allowed)
	}
}
