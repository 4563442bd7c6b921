package store

import (
	"context"

	"github.com/google/uuid"
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
	if err := m.Init(ctx); err != nil {
		return err
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
