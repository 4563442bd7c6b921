package store_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
)

// A second server on the same SQLite file is told so; after the first releases, it is not.
func TestClaimSQLiteFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	open := func() *store.Store {
		s, err := store.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	releaseA, taken, err := a.ClaimSQLiteFile(ctx)
	if err != nil || taken {
		t.Fatalf("first claim: taken=%v %v", taken, err)
	}
	if _, taken, err := b.ClaimSQLiteFile(ctx); err != nil || !taken {
		t.Fatalf("second claim while the first holds it: taken=%v %v", taken, err)
	}
	releaseA()
	releaseB, taken, err := b.ClaimSQLiteFile(ctx)
	if err != nil || taken {
		t.Fatalf("claim after release: taken=%v %v", taken, err)
	}
	releaseB()
}
