// Package store is Switchboard's persistence layer: Bun models, versioned
// migrations and tenant-scoped queries, on SQLite (default, pure Go through
// modernc.org/sqlite) or PostgreSQL (through bun's pgdriver).
//
// Tenant isolation: apart from the operator-level records (tenants, the
// server-wide id counters and operator settings), every table carries a
// tenant_id, and every method that reads or writes tenant data takes the
// tenant — as an explicit parameter or through a [TenantTx] bound to one
// tenant at Begin — and filters every query by it. Cross-row references
// (messages → questions, responses → questions, questions → customers) are
// composite foreign keys that include tenant_id, so the database itself
// refuses a row that points into another tenant. The only lookups without a
// tenant are those that start from a server-wide key and learn the tenant
// from the row — a credential hash (TenantByHelpDeskTokenHash,
// AccessTokenByHash, Poll, RevokeAccessToken), an OAuth client id
// (OAuthClientByID) — and the job runner (NextJobDue, RunDueJob), which
// binds each job's TenantTx to the job's tenant.
//
// Secrets are only ever stored as hashes computed by the caller.
//
// Durability: every write commits before the method returns. SQLite runs in
// WAL mode with synchronous=FULL, so a committed transaction survives a
// process crash and a power loss.
//
// This package imports nothing else from the Switchboard module.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	"github.com/uptrace/bun/driver/pgdriver"
	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" database/sql driver
)

// ErrNotFound is returned (possibly wrapped) when a looked-up record does not
// exist — or exists only for another tenant, which is indistinguishable by
// design.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned (possibly wrapped) when a write would violate a
// uniqueness rule (taken subdomain, duplicate helpDeskId, duplicate UUID…).
var ErrConflict = errors.New("conflict")

// Dialect names returned by [Store.Dialect].
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DefaultSQLitePath is where Open("") puts the database.
const DefaultSQLitePath = "./data/switchboard.db"

// SQLite connection settings applied to every pooled connection.
//
//   - journal_mode=WAL: readers never block the writer and vice versa.
//   - synchronous=FULL: the WAL is fsynced at every commit, so an acknowledged
//     write survives power loss (NORMAL would only survive a process crash).
//   - foreign_keys=ON: enforce the (tenant-scoped) foreign keys.
//   - busy_timeout=5000: wait up to 5 s for the write lock instead of failing.
//   - _txlock=immediate: BEGIN IMMEDIATE takes the write lock at the start of
//     each transaction, so two writers queue on the lock instead of
//     deadlocking on a read→write upgrade (SQLITE_BUSY_SNAPSHOT).
//   - temp_store=MEMORY: temporary files, among them the sub-journals that let
//     a savepoint of group commit roll back alone, stay in memory instead of
//     costing a write(2) per page. They only ever serve a rollback within a
//     transaction: durability is the WAL's, unchanged.
const sqliteParams = "_busy_timeout=5000&_foreign_keys=1&_synchronous=FULL&_txlock=immediate&_pragma=temp_store(MEMORY)"

// Store is the handle on one database. It is safe for concurrent use.
type Store struct {
	db      *bun.DB
	dialect string

	// sqlitePath is the database file ("" for PostgreSQL and :memory:); its
	// sibling "<path>.migrate-lock" serialises Migrate across processes.
	sqlitePath string
	// pgConnector opens connections to the PostgreSQL database (zero on SQLite): the pool's
	// (pgConn), and the poll watcher's own (pgdriver's: it runs no transaction, and its checks
	// are not counted in RoundTrips).
	pgConnector pgConnector

	memMigrateMu sync.Mutex // serialises Migrate on a :memory: database

	// pollStmt is Poll's prepared statement, prepared on first use (the
	// tables must exist) under pollMu and closed by Close.
	pollStmt atomic.Pointer[sql.Stmt]
	pollMu   sync.Mutex

	// pollCache serves Poll from memory when it can (poll_cache.go).
	pollCache pollCacheHolder

	// questionCounters: 0017's trigger was seen (SQLite; see TenantTx.hasQuestionCounters).
	questionCounters atomic.Bool

	// writers admits one write transaction at a time on SQLite (nil on PostgreSQL). SQLite
	// allows one writer anyway, but its busy handler polls: under load a waiting transaction
	// could lose the race again and again until busy_timeout ("database is locked"). Waiting
	// here instead is first come, first served, and honours the context.
	writers chan struct{}

	// group is the queue of InTenantTx calls waiting to share a transaction (SQLite; see
	// groupcommit.go).
	group groupQueue
	// writeConn is the group's own connection (a file database), used only by the holder of
	// the write slot; nil until first used. Closed by Close.
	writeConn *bun.Conn
	// stopCheckpoints ends the checkpointer (checkpoint.go), which closes checkpointsDone.
	stopCheckpoints, checkpointsDone chan struct{}

	// stmts prepares the statements of write transactions (on PostgreSQL their SELECTs only: a
	// use case's writes go as one batch); readStmts those of Store.reads (one cache on either).
	stmts, readStmts *stmtCache

	// writeTxs counts the write transactions begun (WriteTransactions).
	writeTxs atomic.Int64

	// tenants holds the ids of tenants InTenantTx has seen exist, so it checks each once per
	// process rather than once per transaction. Only presence is cached, which stays true:
	// tenants are never deleted.
	tenants sync.Map
}

// beginWrite waits for this process's turn to write (SQLite) and returns its release.
func (s *Store) beginWrite(ctx context.Context) (func(), error) {
	s.writeTxs.Add(1)
	if s.writers == nil {
		return func() {}, nil
	}
	select {
	case s.writers <- struct{}{}:
		return func() { <-s.writers }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// WriteTransactions is how many write transactions (InTenantTx and the job, outbox and migration
// writers that queue like it) this handle has begun: a measure of what a use case costs.
func (s *Store) WriteTransactions() int64 { return s.writeTxs.Load() }

// RoundTrips is how many queries the pool's connections have sent to PostgreSQL, each waiting
// for its answer (BEGIN and COMMIT only when sent on their own: pgconn.go); -1 on SQLite.
// Poll's freshness checks and the preparing of statements are not counted. A measure of what a
// use case costs, for tests.
func (s *Store) RoundTrips() int64 {
	if s.pgConnector.trips == nil {
		return -1
	}
	return s.pgConnector.trips.Load()
}

// Queries is how many queries this handle has sent through bun: every statement, BEGIN and
// COMMIT, and a batch of writes sent as one (see [TenantTx.Batch]) counted once. On
// PostgreSQL each is a round trip. (Poll's prepared statement is not counted.) A measure of
// what a use case costs, for tests and benchmarks.
func (s *Store) Queries() int64 { return int64(s.db.DBStats().Queries) }

// Open connects to the database named by url:
//
//   - "" → SQLite file ./data/switchboard.db (./data is created);
//   - "sqlite:PATH", "sqlite://PATH", "file:PATH", "file://PATH", or a bare
//     path ending in ".db" → SQLite at PATH (its directory is created);
//     PATH ":memory:" gives a private in-memory database on a single
//     connection (no WAL; meant for tests);
//   - "postgres://…" or "postgresql://…" → PostgreSQL through pgdriver
//     (pgdriver tries TLS unless the URL says sslmode=disable).
//
// Open does not migrate; call [Store.Migrate].
func Open(ctx context.Context, dbURL string) (*Store, error) {
	lower := strings.ToLower(dbURL)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return openPostgres(ctx, dbURL)
	case dbURL == "":
		return openSQLite(ctx, DefaultSQLitePath)
	}
	path := dbURL
	switch {
	case strings.HasPrefix(lower, "sqlite://"):
		path = dbURL[len("sqlite://"):]
	case strings.HasPrefix(lower, "sqlite:"):
		path = dbURL[len("sqlite:"):]
	case strings.HasPrefix(lower, "file://"):
		path = dbURL[len("file://"):]
	case strings.HasPrefix(lower, "file:"):
		path = dbURL[len("file:"):]
	case strings.HasSuffix(lower, ".db"), dbURL == ":memory:":
	default:
		return nil, fmt.Errorf("store: unrecognised database URL %q (want postgres://…, sqlite:PATH, file:PATH or a path ending in .db)", dbURL)
	}
	if path == "" {
		return nil, fmt.Errorf("store: database URL %q has an empty path", dbURL)
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("store: SQLite path %q must not contain '?' or '#' (query parameters are not supported)", path)
	}
	return openSQLite(ctx, path)
}

func openSQLite(ctx context.Context, path string) (*Store, error) {
	memory := path == ":memory:"
	dsn := path + "?" + sqliteParams
	if !memory {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return nil, fmt.Errorf("store: create database directory: %w", err)
			}
		}
		dsn += fmt.Sprintf("&_journal_mode=WAL&_pragma=wal_autocheckpoint(%d)", walAutoCheckpointPages) // checkpoint.go
	}
	sqldb, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if memory {
		// Every connection to ":memory:" is a separate database: keep exactly
		// one, forever. (Do not call Store methods from inside an InTenantTx
		// callback on such a store: the only connection is the tx's.)
		sqldb.SetMaxOpenConns(1)
		sqldb.SetMaxIdleConns(1)
		sqldb.SetConnMaxLifetime(0)
		sqldb.SetConnMaxIdleTime(0)
	} else {
		// WAL gives concurrent readers and one writer. A bounded pool makes
		// surplus writers queue (fairly, honouring ctx) in database/sql rather
		// than in SQLite's polling busy handler.
		n := max(8, runtime.GOMAXPROCS(0)) + 1 // + the group committer's own (groupcommit.go)
		sqldb.SetMaxOpenConns(n)
		sqldb.SetMaxIdleConns(n)
		sqldb.SetConnMaxIdleTime(5 * time.Minute)
	}
	s := &Store{db: bun.NewDB(sqldb, sqlitedialect.New()), dialect: DialectSQLite, writers: make(chan struct{}, 1)}
	s.stmts = newStmtCache(sqldb, DialectSQLite)
	s.readStmts = s.stmts
	if !memory {
		s.sqlitePath = path
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("store: open sqlite %s: %w", path, err)
	}
	if !memory {
		s.stopCheckpoints, s.checkpointsDone = make(chan struct{}), make(chan struct{})
		go s.runCheckpointer(s.stopCheckpoints, s.checkpointsDone)
	}
	return s, nil
}

// pgMaxConns is the connection pool size of one instance on PostgreSQL.
const pgMaxConns = 25

func openPostgres(ctx context.Context, dbURL string) (s *Store, err error) {
	if _, err := url.Parse(dbURL); err != nil {
		return nil, fmt.Errorf("store: invalid PostgreSQL URL: %w", err)
	}
	// pgdriver.WithDSN panics on a DSN it cannot parse.
	defer func() {
		if r := recover(); r != nil {
			s, err = nil, fmt.Errorf("store: invalid PostgreSQL URL: %v", r)
		}
	}()
	connector := newPGConnector(pgdriver.NewConnector(pgdriver.WithDSN(dbURL)))
	sqldb := sql.OpenDB(connector)
	// Keep connections: database/sql's default of 2 idle connections makes every burst open and
	// close backends (and re-prepare Poll's statement on each), which showed as a p99 of
	// ~0.7 s on the poll path at 64 clients. 25 per instance leaves room for a few instances
	// under PostgreSQL's default max_connections of 100.
	sqldb.SetMaxOpenConns(pgMaxConns)
	sqldb.SetMaxIdleConns(pgMaxConns)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)
	s = &Store{db: bun.NewDB(sqldb, pgdialect.New()), dialect: DialectPostgres, pgConnector: connector}
	s.readStmts = newStmtCache(sqldb, DialectPostgres)
	s.stmts = s.readStmts // a transaction's SELECTs (stmtCache.prepared)
	if err := s.Ping(ctx); err != nil {
		_ = s.db.Close()
		return nil, fmt.Errorf("store: connect to PostgreSQL: %w", err)
	}
	return s, nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	if s.stopCheckpoints != nil {
		close(s.stopCheckpoints)
		<-s.checkpointsDone
		s.stopCheckpoints = nil
	}
	s.closePollCache()
	if st := s.pollStmt.Load(); st != nil {
		_ = st.Close()
	}
	select {
	case s.writers <- struct{}{}: // no writer in progress (nil on PostgreSQL: never ready)
		if s.writeConn != nil {
			_ = s.writeConn.Close()
			s.writeConn = nil
		}
		<-s.writers
	default: // a writer still running keeps its connection until the process ends (Close is for shutdown)
	}
	s.readStmts.close() // the SQLite one is stmts too
	return s.db.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Dialect is "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

func (s *Store) isPG() bool { return s.dialect == DialectPostgres }

// now is the timestamp normalisation used everywhere: UTC, truncated to the
// microsecond (what both databases keep), monotonic reading stripped.
func normTime(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

func normTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := normTime(*t)
	return &v
}

// mapRows converts scanned rows to their exported type.
func mapRows[R, T any](rows []R, conv func(*R) T) []T {
	out := make([]T, len(rows))
	for i := range rows {
		out[i] = conv(&rows[i])
	}
	return out
}

// mapRowsErr is mapRows for conversions that can fail (a JSON column).
func mapRowsErr[R, T any](rows []R, conv func(*R) (T, error)) ([]T, error) {
	out := make([]T, len(rows))
	for i := range rows {
		var err error
		if out[i], err = conv(&rows[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// fillNew applies the defaults of the Insert methods in place: a new random
// UUID for a nil id, now for a zero created, and — when updated is not nil —
// created for a zero *updated; times are normalised.
func fillNew(id *uuid.UUID, created, updated *time.Time) {
	if *id == uuid.Nil {
		*id = uuid.New()
	}
	*created = nowOr(*created)
	if updated != nil {
		if updated.IsZero() {
			*updated = *created
		}
		*updated = normTime(*updated)
	}
}

func nowOr(t time.Time) time.Time {
	if t.IsZero() {
		return normTime(time.Now())
	}
	return normTime(t)
}
