package httpkit_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// Repeated failures from one address slow that address down; a valid credential is never
// refused, only served later; another address is not slowed.
func TestAuthGuard(t *testing.T) {
	for name, wrap := range edgeWrappers {
		t.Run(name, func(t *testing.T) { testAuthGuard(t, wrap) })
	}
}

func testAuthGuard(t *testing.T, wrap func(http.Handler) http.Handler) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var slept []time.Duration
	g := httpkit.NewAuthGuard(func() time.Time { return now }, func(_ context.Context, d time.Duration) {
		slept = append(slept, d)
		now = now.Add(d)
	})
	h := wrap(g.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "good" {
			w.WriteHeader(http.StatusUnauthorized)
		}
	})))
	send := func(addr, auth string) int {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = addr + ":1234"
		r.Header.Set("Authorization", auth)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Code
	}
	for i := range g.Burst + 1 {
		if code := send("10.0.0.1", "bad"); code != 401 {
			t.Fatalf("failure %d: %d", i, code)
		}
	}
	if len(slept) != 0 {
		t.Fatalf("the first %d failures waited: %v", g.Burst+1, slept)
	}
	// The bucket is empty: the next request from the address waits, and a valid one is served.
	if code := send("10.0.0.1", "good"); code != 200 {
		t.Fatalf("a valid credential after failures: %d", code)
	}
	if len(slept) != 1 || slept[0] <= 0 || slept[0] > g.MaxDelay {
		t.Fatalf("waits %v, want one of up to %v", slept, g.MaxDelay)
	}
	// From then on, failures come at most about one a second.
	start := now
	for range 20 {
		send("10.0.0.1", "bad")
	}
	if took := now.Sub(start); took < 18*time.Second {
		t.Errorf("20 more failures took %v, want about 20 s", took)
	}
	// Another address is not slowed down.
	n := len(slept)
	if code := send("10.0.0.2", "good"); code != 200 || len(slept) != n {
		t.Errorf("another address: %d, waited %v", code, slept[n:])
	}
	// A valid credential is never refused, however many failures came first.
	for range 50 {
		send("10.0.0.1", "bad")
	}
	if code := send("10.0.0.1", "good"); code != 200 {
		t.Errorf("valid credential after 50 more failures: %d", code)
	}
	// After a quiet while the address is not slowed down any more.
	now = now.Add(time.Minute)
	n = len(slept)
	send("10.0.0.1", "good")
	if len(slept) != n {
		t.Errorf("after a minute of quiet: waited %v", slept[n:])
	}
}
