// Package ratelimit is the keyed token-bucket limiter every API's 429 comes from: one bucket per
// key (a token, a client id, a client address), refilled at a rate the caller passes with each
// call, so a tenant's configured limit applies from its next request. Time comes from an
// injected clock, so the virtual clock drives it in tests.
//
// Buckets idle long enough to have refilled completely are evicted: a fresh bucket is full too,
// so evicting one never changes an answer, and memory stays bounded by the keys active within
// one refill period.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter holds the buckets. It is safe for concurrent use.
type Limiter struct {
	now func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	nextSweep time.Time
}

type bucket struct {
	lim      *rate.Limiter
	lastSeen time.Time
}

// sweepEvery is how often (in clock time) idle buckets are looked for.
const sweepEvery = time.Minute

// New returns a limiter on the clock now (time.Now when nil).
func New(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{now: now, buckets: map[string]*bucket{}}
}

// Allow takes one token from key's bucket, which holds at most burst tokens and refills at
// perSecond. When the bucket is empty it returns false and how long until a token is there.
// perSecond <= 0 or burst <= 0 means no limit.
func (l *Limiter) Allow(key string, perSecond float64, burst int) (ok bool, retryAfter time.Duration) {
	if perSecond <= 0 || burst <= 0 {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[key]
	if b == nil {
		b = &bucket{lim: rate.NewLimiter(rate.Limit(perSecond), burst)}
		l.buckets[key] = b
	} else {
		if b.lim.Limit() != rate.Limit(perSecond) {
			b.lim.SetLimitAt(now, rate.Limit(perSecond))
		}
		if b.lim.Burst() != burst {
			b.lim.SetBurstAt(now, burst)
		}
	}
	b.lastSeen = now
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep evicts buckets that have been idle for longer than a full refill (l.mu held).
func (l *Limiter) sweep(now time.Time) {
	if now.Before(l.nextSweep) {
		return
	}
	l.nextSweep = now.Add(sweepEvery)
	for k, b := range l.buckets {
		full := time.Duration(float64(b.lim.Burst()) / float64(b.lim.Limit()) * float64(time.Second))
		if now.Sub(b.lastSeen) > full {
			delete(l.buckets, k)
		}
	}
}

// Len is the number of buckets held (for tests and metrics).
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// RetryAfterSeconds is d as a Retry-After value: whole seconds, rounded up, at least 1.
func RetryAfterSeconds(d time.Duration) int {
	return max(1, int(math.Ceil(d.Seconds())))
}
