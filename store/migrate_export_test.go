package store

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/uptrace/bun"
)

// Test-only hooks of the migration tests.

// MigrateFailingAt runs the locked migration path over the first n+1 migrations, the last of
// which runs its real step and then fails, so its transaction rolls back as if the process had
// died before the commit.
func (s *Store) MigrateFailingAt(ctx context.Context, n int) error {
	steps := slices.Clone(migrations[:n+1])
	real := steps[n].up
	steps[n].up = func(ctx context.Context, tx bun.Tx, dialect string) error {
		if err := real(ctx, tx, dialect); err != nil {
			return err
		}
		return errors.New("crash before commit")
	}
	return s.migrateSteps(ctx, steps)
}

// SchemaDump describes the database's schema (tables, columns, indexes, constraints, triggers,
// functions, sequences) as text that is equal for equal schemas.
func (s *Store) SchemaDump(ctx context.Context) (string, error) {
	var queries []string
	if s.isPG() {
		queries = []string{
			`SELECT table_name || '.' || column_name || ' ' || ordinal_position || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '')
			 FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`,
			`SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`,
			`SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
			 WHERE connamespace = 'public'::regnamespace ORDER BY conrelid::regclass::text, conname`,
			`SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgrelid::regclass::text, tgname`,
			`SELECT proname || ' ' || prosrc FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY proname`,
			`SELECT sequence_name || ' ' || start_value || ' ' || increment FROM information_schema.sequences
			 WHERE sequence_schema = 'public' ORDER BY sequence_name`,
		}
	} else {
		queries = []string{`SELECT type || ' ' || name || ' ' || tbl_name || ' ' || coalesce(sql, '') FROM sqlite_master
			WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name`}
	}
	var b strings.Builder
	for _, q := range queries {
		var lines []string
		if err := s.db.NewRaw(q).Scan(ctx, &lines); err != nil {
			return "", err
		}
		for _, l := range lines {
			b.WriteString(l)
			b.WriteByte('\n')
		}
	}
	return b.String(), nil
}
