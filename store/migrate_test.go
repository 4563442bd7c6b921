package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The outer migration mutex (PG advisory lock / SQLite lock file) excludes a
// second Store on the same database until released.
func TestMigrateMutexExcludes(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			other, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()

			release, err := n.Store.AcquireMigrateMutex(ctx)
			if err != nil {
				t.Fatal(err)
			}
			short, cancel := context.WithTimeout(ctx, 400*time.Millisecond)
			_, err = other.AcquireMigrateMutex(short)
			cancel()
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("second acquire while held: err = %v, want deadline exceeded", err)
			}
			// Migrate on the other store waits for the holder.
			done := make(chan error, 1)
			go func() { done <- other.Migrate(ctx) }()
			select {
			case err := <-done:
				t.Fatalf("Migrate ran while the mutex was held (err=%v)", err)
			case <-time.After(300 * time.Millisecond):
			}
			release()
			if err := <-done; err != nil {
				t.Fatalf("Migrate after release: %v", err)
			}
			// Re-acquirable after release.
			release2, err := n.Store.AcquireMigrateMutex(ctx)
			if err != nil {
				t.Fatal(err)
			}
			release2()
		})
	}
}

// A bun lock row left by a crashed migration does not block later starts.
func TestMigrateClearsStaleLock(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			if err := n.Store.LockMigrationsTable(ctx); err != nil {
				t.Fatal(err)
			}
			if c, err := n.Store.CountRows(ctx, "bun_migration_locks"); err != nil || c != 1 {
				t.Fatalf("lock rows = %d, %v; want 1", c, err)
			}
			if err := n.Store.Migrate(ctx); err != nil {
				t.Fatalf("Migrate with stale lock: %v", err)
			}
			if c, err := n.Store.CountRows(ctx, "bun_migration_locks"); err != nil || c != 0 {
				t.Fatalf("lock rows after Migrate = %d, %v; want 0", c, err)
			}
		})
	}
}
