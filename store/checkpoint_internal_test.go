package store

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestWALStaysBounded: with checkpoints moved off the write path, a steady stream of writes
// still reuses the WAL from its start instead of growing it without end.
func TestWALStaysBounded(t *testing.T) {
	ctx, s, path := migratedSQLite(t, 2*time.Minute)
	tenant := newTestTenant(ctx, t, s)
	text := strings.Repeat("x", 100<<10)
	const total = 400 // × 100 KiB = 40 MiB written, 2.5 times what the WAL may hold
	for range total {
		insertTestQuestion(ctx, t, s, tenant.ID, text)
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if limit := int64(walAutoCheckpointPages)*4096 + 8<<20; fi.Size() > limit {
		t.Errorf("the WAL grew to %d MiB after %d MiB of writes (limit %d MiB)", fi.Size()>>20, total*100>>10, limit>>20)
	}
}
