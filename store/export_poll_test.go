package store

import (
	"context"
	"testing"
	"time"
)

// WaitPollCache waits until the store's poll cache is enabled (PostgreSQL: its subscription is
// confirmed) or, with enabled false, disabled; it fails t after 10 s.
func WaitPollCache(t testing.TB, s *Store, enabled bool) {
	t.Helper()
	c := s.pollCacheStarted(context.Background())
	if c == nil {
		t.Fatal("no poll cache")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.RLock()
		e := c.enabled
		c.mu.RUnlock()
		if e == enabled {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("poll cache enabled = %v after 10 s, want %v", e, enabled)
		}
		_ = c.fresh(context.Background()) // SQLite enables on a check
		time.Sleep(time.Millisecond)
	}
}
