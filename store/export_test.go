package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/uptrace/bun/driver/pgdriver"
)

// Test-only hooks for the external test package.

// AcquireMigrateMutex exposes the outer migration mutex.
func (s *Store) AcquireMigrateMutex(ctx context.Context) (func(), error) {
	return s.acquireMigrateMutex(ctx)
}

// ExecRaw runs a raw statement (bun placeholders).
func (s *Store) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := s.db.NewRaw(query, args...).Exec(ctx)
	return err
}

// LockMigrationsTable takes bun's migration lock row and never releases it,
// like a process that crashed mid-migration.
func (s *Store) LockMigrationsTable(ctx context.Context) error {
	m := s.migrator()
	if err := m.Init(ctx); err != nil {
		return err
	}
	return m.Lock(ctx)
}

// CountRows counts the rows of a table.
func (s *Store) CountRows(ctx context.Context, table string) (int, error) {
	var n int
	err := s.db.NewRaw("SELECT count(*) FROM "+table).Scan(ctx, &n)
	return n, err
}

// MigrateFirst applies only the first n migrations (a database left by an
// older build).
func (s *Store) MigrateFirst(ctx context.Context, n int) error {
	m := s.migratorFor(migrations[:n])
	if err := m.Init(ctx); err != nil || n == 0 {
		return err // n == 0: bun's bookkeeping tables alone
	}
	_, err := m.Migrate(ctx)
	return err
}

// GroupQueued is how many InTenantTx calls wait for a group (SQLite).
func (s *Store) GroupQueued() int {
	s.group.mu.Lock()
	defer s.group.mu.Unlock()
	return len(s.group.members)
}

// ExecForTest runs q on the transaction as the store's own methods do.
func (tx *TenantTx) ExecForTest(ctx context.Context, q string, args ...any) error {
	_, err := tx.tx.ExecContext(ctx, q, args...)
	return err
}

// PrunePollChanges runs a PostgreSQL pruning round of poll_changes whose horizon is the xmin of
// a snapshot taken now (as an instance would one round later).
func (s *Store) PrunePollChanges(ctx context.Context) error {
	var snap string
	if err := s.db.DB.QueryRowContext(ctx, pgPollSnapshot).Scan(&snap); err != nil {
		return err
	}
	return prunePollChanges(ctx, s.db.DB, snap)
}

// SetDeepPageOffset sets the offset from which PageQuestions looks its position up in the
// bucket counts (math.MaxInt: never, the plain skip); the returned func restores it.
func SetDeepPageOffset(n int) func() {
	old := deepPageOffset
	deepPageOffset = n
	return func() { deepPageOffset = old }
}

// PagePositionFound reports whether PageQuestions finds the position of f's page in the bucket
// counts (rather than skipping from the start).
func (s *Store) PagePositionFound(ctx context.Context, tenant uuid.UUID, f PageFilter) (bool, error) {
	_, _, ok, err := s.pagePosition(ctx, tenant, f)
	return ok, err
}

// PagePlan is the database's plan of the query of f's page ids (EXPLAIN QUERY PLAN on SQLite,
// EXPLAIN on PostgreSQL) and how many index entries it skips.
func (s *Store) PagePlan(ctx context.Context, tenant uuid.UUID, f PageFilter) (plan string, skip int, err error) {
	page, skip, err := s.pageIDs(ctx, tenant, f)
	if err != nil {
		return "", 0, err
	}
	explain := "EXPLAIN QUERY PLAN "
	if s.isPG() {
		explain = "EXPLAIN "
	}
	rows, err := s.db.QueryContext(ctx, explain+page.String())
	if err != nil {
		return "", 0, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", 0, err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", 0, err
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n"), skip, rows.Err()
}

// PreparedShapes returns the statement shapes a transaction runs prepared (those prepared).
func (s *Store) PreparedShapes() []string {
	if s.stmts == nil {
		return nil
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	var out []string
	for q, st := range s.stmts.stmts {
		if st != nil {
			out = append(out, q)
		}
	}
	return out
}

// WaitPrepared waits for the statements being prepared in the background.
func (s *Store) WaitPrepared() {
	if s.stmts != nil {
		s.stmts.later.Wait()
	}
}

// PGMaxConns is the size of an instance's PostgreSQL pool.
const PGMaxConns = pgMaxConns

// PollCheckGenericPlan returns the plan PostgreSQL gives the poll check prepared on the
// watcher's own connection, with its settings; or, when watcher is false, the generic plan (the
// one a prepared statement may keep whatever its parameters) on a connection of the pool.
func (s *Store) PollCheckGenericPlan(ctx context.Context, watcher bool) (string, error) {
	c := s.pollCacheStarted(ctx)
	if c == nil || c.pg == nil {
		return "", errors.New("no PostgreSQL poll watcher")
	}
	w := c.pg
	w.mu.Lock()
	defer w.mu.Unlock()
	var conn *sql.Conn
	if watcher { // as the watcher has set it up: its own settings
		if err := w.connect(ctx); err != nil {
			return "", err
		}
		conn = w.conn
	} else { // a pool connection, asked for the generic plan
		pc, err := s.db.DB.Conn(ctx)
		if err != nil {
			return "", err
		}
		defer pc.Close()
		conn = pc
		if _, err := conn.ExecContext(ctx, "SET plan_cache_mode = force_generic_plan"); err != nil {
			return "", err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "RESET plan_cache_mode")
	}
	if _, err := conn.ExecContext(ctx, "PREPARE sb_plan_check(text) AS "+pgPollChanges); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DEALLOCATE sb_plan_check")
	rows, err := conn.QueryContext(ctx, "EXPLAIN EXECUTE sb_plan_check('1:1:')")
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		plan = append(plan, line)
	}
	return strings.Join(plan, "\n"), rows.Err()
}

// OpenPGPool opens a one-connection database/sql pool on dsn with the store's PostgreSQL
// connections (pgconn.go), and InlineCommit is what ends a query that commits its transaction.
func OpenPGPool(dsn string) *sql.DB {
	db, _ := OpenPGPoolCounted(dsn)
	return db
}

// OpenPGPoolCounted is OpenPGPool and the count of the round trips its connection makes.
func OpenPGPoolCounted(dsn string) (*sql.DB, func() int64) {
	c := newPGConnector(pgdriver.NewConnector(pgdriver.WithDSN(dsn)))
	db := sql.OpenDB(c)
	db.SetMaxOpenConns(1)
	return db, c.trips.Load
}

const InlineCommit = inlineCommit
