package httpkit

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/switchboard-dev/switchboard/server/ratelimit"
)

// AuthGuard slows down repeated failed authentication per client address, and never refuses a
// valid credential. Every answer 401 from an address takes a token from the address's bucket
// (Burst failures at once, then PerSecond); once the bucket is empty, every request from that
// address waits until a token would be back (at most MaxDelay) before it is handled, and then
// is handled as usual: a valid credential is served, only later. A guesser gets about one try
// per second per connection; the answer to a try is never faster than that.
//
// The client address is the connection's (RemoteAddr): behind a proxy all clients share the
// proxy's, and one client's failures slow the others down (never refuse them).
type AuthGuard struct {
	Burst     int
	PerSecond float64
	MaxDelay  time.Duration

	lim   *ratelimit.Limiter
	now   func() time.Time
	sleep func(context.Context, time.Duration)

	mu        sync.Mutex
	penalty   map[string]time.Time // address → when its next failure would be free again
	nextSweep time.Time
}

// NewAuthGuard returns a guard on the clock now (time.Now when nil) that waits with sleep (a
// timer honouring the request's context when nil): 10 failures at once, then one a second,
// waits of at most 2 s.
func NewAuthGuard(now func() time.Time, sleep func(context.Context, time.Duration)) *AuthGuard {
	if now == nil {
		now = time.Now
	}
	if sleep == nil {
		sleep = func(ctx context.Context, d time.Duration) {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-ctx.Done():
			case <-t.C:
			}
		}
	}
	return &AuthGuard{Burst: 10, PerSecond: 1, MaxDelay: 2 * time.Second,
		lim: ratelimit.New(now), now: now, sleep: sleep, penalty: map[string]time.Time{}}
}

// Middleware applies the guard to every request: the wait before, the count of a 401 after.
func (g *AuthGuard) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		addr := clientAddr(r)
		d := g.delay(addr)
		if d > 0 {
			g.sleep(r.Context(), d)
		}
		rec := recorderOf(r)
		if rec == nil {
			rec = &statusRecorder{ResponseWriter: w}
			w = rec
		}
		next.ServeHTTP(w, r)
		if rec.status == http.StatusUnauthorized {
			g.failed(addr, d > 0)
		}
	})
}

// delay is how long a request from addr waits before it is handled.
func (g *AuthGuard) delay(addr string) time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	until, ok := g.penalty[addr]
	if !ok {
		return 0
	}
	d := until.Sub(g.now())
	if d <= 0 {
		delete(g.penalty, addr)
		return 0
	}
	return min(d, g.MaxDelay)
}

// failed counts a failed authentication from addr. A failure after a wait keeps the address
// waiting (the token that came back during the wait is this failure's).
func (g *AuthGuard) failed(addr string, waited bool) {
	ok, retry := g.lim.Allow("auth-failure:"+addr, g.PerSecond, g.Burst)
	if ok && !waited {
		return
	}
	retry = max(retry, time.Duration(float64(time.Second)/g.PerSecond))
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	if until := now.Add(retry); until.After(g.penalty[addr]) {
		g.penalty[addr] = until
	}
	if now.After(g.nextSweep) { // forget penalties that are over
		g.nextSweep = now.Add(time.Minute)
		for a, until := range g.penalty {
			if !until.After(now) {
				delete(g.penalty, a)
			}
		}
	}
}

// clientAddr is the host part of the connection's address.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
