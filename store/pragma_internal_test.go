package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSQLitePragmas checks the durability / concurrency settings on every
// pooled connection (each connection applies the DSN parameters itself).
func TestSQLitePragmas(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	// Hold several connections at once so that more than one is checked.
	for i := range 3 {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		var journal string
		var syncMode, fk, busy, temp int
		if err := conn.NewRaw("PRAGMA journal_mode").Scan(ctx, &journal); err != nil {
			t.Fatal(err)
		}
		if err := conn.NewRaw("PRAGMA synchronous").Scan(ctx, &syncMode); err != nil {
			t.Fatal(err)
		}
		if err := conn.NewRaw("PRAGMA foreign_keys").Scan(ctx, &fk); err != nil {
			t.Fatal(err)
		}
		if err := conn.NewRaw("PRAGMA busy_timeout").Scan(ctx, &busy); err != nil {
			t.Fatal(err)
		}
		if err := conn.NewRaw("PRAGMA temp_store").Scan(ctx, &temp); err != nil {
			t.Fatal(err)
		}
		if !strings.EqualFold(journal, "wal") || syncMode != 2 || fk != 1 || busy != 5000 || temp != 2 {
			t.Errorf("conn %d: journal_mode=%s synchronous=%d foreign_keys=%d busy_timeout=%d temp_store=%d; want wal 2 1 5000 2",
				i, journal, syncMode, fk, busy, temp)
		}
	}
}

// TestSQLiteTimestampText pins the on-disk text format of timestamps, which
// must sort lexically in time order.
func TestSQLiteTimestampText(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "ts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tm := time.Date(2025, 1, 2, 3, 4, 5, 120000000, time.FixedZone("X", 3600))
	if err := s.SetAdminTokenHash(ctx, []byte("h")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.db.NewRaw("UPDATE operator_settings SET updated_at = ?", tm).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	var text string
	if err := s.db.NewRaw("SELECT CAST(updated_at AS TEXT) FROM operator_settings").Scan(ctx, &text); err != nil {
		t.Fatal(err)
	}
	if want := "2025-01-02 02:04:05.12+00:00"; text != want {
		t.Fatalf("stored timestamp text = %q, want %q", text, want)
	}
}
