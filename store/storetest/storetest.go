// Package storetest gives tests one fresh, migrated *store.Store per
// available dialect: always SQLite (a file in a temp dir), plus PostgreSQL
// when reachable.
//
// PostgreSQL: the server URL comes from $SWITCHBOARD_TEST_POSTGRES_URL
// (default DefaultPostgresURL). Each call creates a database
// sb_test_<random> on it and drops it WITH (FORCE) in t.Cleanup. If the
// server cannot be reached the PostgreSQL variant is skipped with a t.Log —
// unless $SWITCHBOARD_REQUIRE_POSTGRES=1, in which case the test fails.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"

	"github.com/switchboard-dev/switchboard/store"
)

// Environment variables read by this package.
const (
	EnvPostgresURL     = "SWITCHBOARD_TEST_POSTGRES_URL"
	EnvRequirePostgres = "SWITCHBOARD_REQUIRE_POSTGRES"
)

// DefaultPostgresURL is used when EnvPostgresURL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Named is one store under test.
type Named struct {
	Name  string // "sqlite" or "postgres"
	Store *store.Store
	URL   string // what store.Open was given; open it again for a second handle
}

// Stores returns one migrated, empty store per available dialect.
func Stores(t testing.TB) []Named {
	t.Helper()
	return stores(t, true)
}

// EmptyStores is like Stores but does not migrate (for migration tests).
func EmptyStores(t testing.TB) []Named {
	t.Helper()
	return stores(t, false)
}

// ForEach runs fn as subtest "sqlite" and, when available, "postgres", each
// with its own fresh, migrated store.
func ForEach(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, n := range Stores(t) {
		t.Run(n.Name, func(t *testing.T) { fn(t, n.Store) })
	}
}

func stores(t testing.TB, migrate bool) []Named {
	t.Helper()
	out := []Named{openSQLite(t, migrate)}
	if pg, ok := openPostgres(t, migrate); ok {
		out = append(out, pg)
	}
	return out
}

func openSQLite(t testing.TB, migrate bool) Named {
	t.Helper()
	u := "sqlite:" + filepath.Join(t.TempDir(), "switchboard.db")
	return Named{Name: store.DialectSQLite, Store: openStore(t, u, migrate), URL: u}
}

func openStore(t testing.TB, u string, migrate bool) *store.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := store.Open(ctx, u)
	if err != nil {
		t.Fatalf("storetest: open %s: %v", redact(u), err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if migrate {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("storetest: migrate %s: %v", redact(u), err)
		}
	}
	return s
}

// PostgresURL is the server URL the PostgreSQL variant uses.
func PostgresURL() string {
	if u := os.Getenv(EnvPostgresURL); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// pgProbe remembers a failed connection so that every test does not pay the
// dial timeout again.
var pgProbe struct {
	sync.Mutex
	failed error
}

func openPostgres(t testing.TB, migrate bool) (Named, bool) {
	t.Helper()
	require := os.Getenv(EnvRequirePostgres) == "1"
	unavailable := func(err error) (Named, bool) {
		t.Helper()
		if require {
			t.Fatalf("storetest: PostgreSQL required (%s=1) but not usable at %s: %v", EnvRequirePostgres, redact(PostgresURL()), err)
		}
		t.Logf("storetest: skipping PostgreSQL variant (%s unreachable: %v); set %s to point elsewhere", redact(PostgresURL()), err, EnvPostgresURL)
		return Named{}, false
	}

	pgProbe.Lock()
	failed := pgProbe.failed
	pgProbe.Unlock()
	if failed != nil {
		return unavailable(failed)
	}

	serverURL := PostgresURL()
	admin, err := openAdmin(serverURL)
	if err != nil {
		return unavailable(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	err = admin.PingContext(ctx)
	cancel()
	if err != nil {
		_ = admin.Close()
		pgProbe.Lock()
		pgProbe.failed = err
		pgProbe.Unlock()
		return unavailable(err)
	}

	name := "sb_test_" + randomHex(8)
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	_, err = admin.ExecContext(ctx, "CREATE DATABASE "+name)
	cancel()
	if err != nil {
		_ = admin.Close()
		t.Fatalf("storetest: create database %s: %v", name, err)
	}
	// Registered before the store's own Close cleanup, so it runs after it.
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("storetest: drop database %s: %v", name, err)
		}
	})

	u, err := withDatabase(serverURL, name)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	return Named{Name: store.DialectPostgres, Store: openStore(t, u, migrate), URL: u}, true
}

func openAdmin(serverURL string) (db *sql.DB, err error) {
	defer func() { // pgdriver.WithDSN panics on a bad DSN
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("invalid URL: %v", r)
		}
	}()
	db = sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(serverURL)))
	db.SetMaxOpenConns(2)
	return db, nil
}

func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", redact(serverURL), err)
	}
	u.Path = "/" + name
	u.RawPath = ""
	return u.String(), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func redact(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparseable URL)"
	}
	return p.Redacted()
}
