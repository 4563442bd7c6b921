package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Bookkeeping tables (operator level, no tenant_id) — bun's defaults.
const (
	migrationsTable     = "bun_migrations"
	migrationLocksTable = "bun_migration_locks"
)

// pgMigrateLockKey is the pg_advisory_lock key serialising Migrate across
// instances sharing one PostgreSQL database ("switchboard.migrate").
const pgMigrateLockKey int64 = 0x5377_6274_4d69_6772

// pollInterval is how often Migrate retries a busy migration mutex.
const pollInterval = 100 * time.Millisecond

func (s *Store) migrator() *migrate.Migrator { return s.migratorFor(migrations) }

// migratorFor builds bun's Migrator over steps (all migrations, except in
// tests that need a database at an older version).
func (s *Store) migratorFor(steps []migration) *migrate.Migrator {
	ms := migrate.NewMigrations()
	for _, mg := range steps {
		up := mg.up
		ms.Add(migrate.Migration{
			Name: mg.name,
			Up: func(ctx context.Context, m *migrate.Migrator, _ *migrate.Migration) error {
				return m.DB().RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
					return up(ctx, tx, s.dialect)
				})
			},
		})
	}
	return migrate.NewMigrator(s.db, ms,
		migrate.WithTableName(migrationsTable),
		migrate.WithLocksTableName(migrationLocksTable),
		migrate.WithMarkAppliedOnSuccess(true),
	)
}

// Migrations lists the names of all migrations this build knows, in order.
func Migrations() []string {
	names := make([]string, len(migrations))
	for i, m := range migrations {
		names[i] = m.name
	}
	sort.Strings(names)
	return names
}

// Migrate applies the pending migrations. It is idempotent and safe to call
// from several processes at once on one database:
//
//  0. first, without any lock, one query reads the applied set: when every
//     migration this build knows is recorded there, there is nothing to do
//     and Migrate returns (a start on a database at the latest version takes
//     no lock and writes nothing). That answer cannot be wrong under
//     concurrency: migrations are only ever added, and a name is recorded by
//     the transaction that ran its step (below) — or, by builds before that,
//     after it committed — so a recorded name is a committed step;
//  1. otherwise an outer, crash-safe mutex is taken — on PostgreSQL a
//     session-level pg_advisory_lock on a dedicated connection, on SQLite an
//     exclusive lock on the sibling file "<db>.migrate-lock" (both are
//     released by the database / the OS if the process dies);
//  2. inside it, one transaction creates bun's bookkeeping tables if need be
//     and takes bun's lock row (a lock row found while holding the outer
//     mutex can only be left over from a process that crashed mid-migration,
//     so it is replaced), and the applied set is read again, under the mutex;
//  3. the pending migrations run in one transaction, which also records each
//     in bun_migrations (bun's format: same name, group and timestamp
//     columns), so the steps and their records commit together: a crash or a
//     failing step leaves the run either applied and recorded or not at all,
//     and the next start carries on from there (one commit, where a commit
//     per step was most of a first start on SQLite);
//  4. bun's lock row is removed.
func (s *Store) Migrate(ctx context.Context) error {
	if s.migratedAlready(ctx, migrations) {
		return nil
	}
	return s.migrateSteps(ctx, migrations)
}

// migratedAlready reports whether every one of steps is recorded as applied, in one query and
// without any lock. Any error (on a new database: no bookkeeping table yet) answers false, and
// the locked path, which reports errors, runs.
func (s *Store) migratedAlready(ctx context.Context, steps []migration) bool {
	var names []string
	if err := s.db.NewSelect().Column("name").ModelTableExpr(migrationsTable).Scan(ctx, &names); err != nil {
		return false
	}
	return allApplied(steps, names)
}

func allApplied(steps []migration, applied []string) bool {
	have := make(map[string]bool, len(applied))
	for _, n := range applied {
		have[n] = true
	}
	for _, m := range steps {
		if !have[m.name] {
			return false
		}
	}
	return true
}

// migrateSteps is Migrate's locked path (steps 1 to 4 above).
func (s *Store) migrateSteps(ctx context.Context, steps []migration) (err error) {
	release, err := s.acquireMigrateMutex(ctx)
	if err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer release()

	var applied []migrate.Migration
	if err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewCreateTable().Model((*migrate.Migration)(nil)).ModelTableExpr(migrationsTable).
			IfNotExists().Exec(ctx); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		if _, err := tx.NewCreateTable().Model((*migrationLock)(nil)).ModelTableExpr(migrationLocksTable).
			IfNotExists().Exec(ctx); err != nil {
			return fmt.Errorf("init: %w", err)
		}
		// Under the outer mutex, a lock row is a crashed run's: replace it.
		if _, err := tx.NewDelete().Model((*migrationLock)(nil)).ModelTableExpr(migrationLocksTable).
			Where("table_name = ?", migrationsTable).Exec(ctx); err != nil {
			return fmt.Errorf("clear stale lock: %w", err)
		}
		if _, err := tx.NewInsert().Model(&migrationLock{TableName: migrationsTable}).
			ModelTableExpr(migrationLocksTable).Exec(ctx); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		return tx.NewSelect().ColumnExpr("*").Model(&applied).ModelTableExpr(migrationsTable).Scan(ctx)
	}); err != nil {
		return fmt.Errorf("store: migrate: %w", err)
	}
	defer func() {
		_, uerr := s.db.NewDelete().Model((*migrationLock)(nil)).ModelTableExpr(migrationLocksTable).
			Where("table_name = ?", migrationsTable).Exec(context.WithoutCancel(ctx))
		if uerr != nil && err == nil {
			err = fmt.Errorf("store: migrate: unlock: %w", uerr)
		}
	}()

	done := make(map[string]bool, len(applied))
	var group int64
	for _, m := range applied {
		done[m.Name] = true
		group = max(group, m.GroupID)
	}
	group++ // this run's migrations form one group, as with bun's Migrator
	// The pending steps and their records commit together: one commit (one fsync on SQLite)
	// for a new database's whole schema, where a commit per step was most of a first start.
	// A step that fails rolls the run back whole: the database stays as it was, and the next
	// run starts again from there (every step is idempotent).
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var records []migrate.Migration
		for _, mg := range sortedSteps(steps) {
			if done[mg.name] {
				continue
			}
			if err := mg.up(ctx, tx, s.dialect); err != nil {
				return fmt.Errorf("store: migrate: %s: up: %w", mg.name, err)
			}
			records = append(records, migrate.Migration{Name: mg.name, GroupID: group})
		}
		if len(records) == 0 {
			return nil
		}
		// One INSERT for the run's records, in step order (bun_migrations ids follow it).
		if _, err := tx.NewInsert().Model(&records).ModelTableExpr(migrationsTable).Exec(ctx); err != nil {
			return fmt.Errorf("store: migrate: record the steps: %w", err)
		}
		return nil
	})
}

// sortedSteps orders steps by name, as bun's Migrator does.
func sortedSteps(steps []migration) []migration {
	out := slices.Clone(steps)
	slices.SortStableFunc(out, func(a, b migration) int { return strings.Compare(a.name, b.name) })
	return out
}

// migrationLock is bun's lock row (bun's own type is unexported; same table and columns).
type migrationLock struct {
	ID        int64  `bun:",pk,autoincrement"`
	TableName string `bun:",unique"`
}

// Applied returns the names of the applied migrations in order (empty if the
// database was never migrated).
func (s *Store) Applied(ctx context.Context) ([]string, error) {
	var exists bool
	var q string
	if s.isPG() {
		q = "SELECT to_regclass(?) IS NOT NULL"
	} else {
		q = "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?)"
	}
	if err := s.db.NewRaw(q, migrationsTable).Scan(ctx, &exists); err != nil {
		return nil, fmt.Errorf("store: applied migrations: %w", err)
	}
	if !exists {
		return []string{}, nil
	}
	ms, err := s.migrator().AppliedMigrations(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: applied migrations: %w", err)
	}
	names := make([]string, 0, len(ms))
	for _, m := range ms {
		names = append(names, m.Name)
	}
	sort.Strings(names)
	return names, nil
}

// acquireMigrateMutex takes the outer cross-process migration mutex and
// returns its release function.
func (s *Store) acquireMigrateMutex(ctx context.Context) (func(), error) {
	switch {
	case s.isPG():
		return s.pgAdvisoryLock(ctx)
	case s.sqlitePath != "":
		return sqliteFileLock(ctx, s.sqlitePath+".migrate-lock")
	default:
		// :memory: — the database is private to this Store.
		s.memMigrateMu.Lock()
		return s.memMigrateMu.Unlock, nil
	}
}

func (s *Store) pgAdvisoryLock(ctx context.Context) (func(), error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	// Poll pg_try_advisory_lock rather than block in pg_advisory_lock, which
	// could outlast pgdriver's socket read timeout.
	for {
		var ok bool
		if err := conn.NewRaw("SELECT pg_try_advisory_lock(?)", pgMigrateLockKey).Scan(ctx, &ok); err != nil {
			_ = conn.Close()
			if cerr := ctx.Err(); cerr != nil {
				err = cerr // pgdriver reports a cancelled query as an i/o timeout
			}
			return nil, fmt.Errorf("advisory lock: %w", err)
		}
		if ok {
			break
		}
		if err := sleepCtx(ctx, pollInterval); err != nil {
			_ = conn.Close()
			return nil, fmt.Errorf("advisory lock: %w", err)
		}
	}
	return func() {
		var ok bool
		err := conn.NewRaw("SELECT pg_advisory_unlock(?)", pgMigrateLockKey).Scan(context.Background(), &ok)
		if err != nil || !ok {
			// Never hand a session still holding the lock back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}, nil
}

// sqliteFileLock holds BEGIN EXCLUSIVE on a tiny side database: SQLite's file
// locks serialise connections across processes and within one, and the OS
// drops them if the holder dies.
func sqliteFileLock(ctx context.Context, path string) (func(), error) {
	db, err := sql.Open("sqlite", path+"?_busy_timeout=1000")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate lock %s: %w", path, err)
	}
	for {
		_, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
		if err == nil {
			break
		}
		var se *sqlite.Error
		if !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY {
			_ = conn.Close()
			_ = db.Close()
			return nil, fmt.Errorf("migrate lock %s: %w", path, err)
		}
		if err := ctx.Err(); err != nil {
			_ = conn.Close()
			_ = db.Close()
			return nil, fmt.Errorf("migrate lock %s: %w", path, err)
		}
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		_ = conn.Close()
		_ = db.Close()
	}, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
