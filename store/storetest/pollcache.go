package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
)

// WaitPollCache waits until s's poll cache is enabled (or, with enabled false, disabled), and
// fails t after 10 s. The cache starts on the first poll and is enabled by its first successful
// freshness check.
func WaitPollCache(t testing.TB, s *store.Store, enabled bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.PollCacheEnabled(context.Background()) != enabled {
		if time.Now().After(deadline) {
			t.Fatalf("poll cache enabled = %v after 10 s, want %v", !enabled, enabled)
		}
		time.Sleep(time.Millisecond)
	}
}
