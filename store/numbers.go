package store

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Public numeric ids (a question's Help Desk `id` and URL, a response's `answers[].id`) are
// numbered per tenant: one tenant cannot count another's questions from the gaps in its own
// ids. The rows' keys (ID) stay server-wide and internal.
//
// On SQLite a tenant's counter is a row of tenant_counters, updated inside the transaction
// (SQLite has one writer anyway; a rollback returns the number). On PostgreSQL each tenant has
// its own sequences, created with the tenant: nextval never waits for another transaction, so
// concurrent asks of one tenant never serialise on a counter (a rollback leaves a gap).

// Kinds of per-tenant numbers.
const (
	numberQuestion = "question"
	numberResponse = "response"
)

// counterNumberStart (counters.name) is the first question number of a tenant
// (EnsureQuestionIDStart); responses start at 1.
const counterNumberStart = "question_number_start"

// NextQuestionNumber allocates the transaction's tenant's next question number.
func (tx *TenantTx) NextQuestionNumber(ctx context.Context) (int64, error) {
	return tx.nextNumber(ctx, numberQuestion)
}

// NextResponseNumber allocates the transaction's tenant's next response number.
func (tx *TenantTx) NextResponseNumber(ctx context.Context) (int64, error) {
	return tx.nextNumber(ctx, numberResponse)
}

func (tx *TenantTx) nextNumber(ctx context.Context, kind string) (int64, error) {
	var n int64
	q := tx.tx.NewRaw(`INSERT INTO tenant_counters (tenant_id, name, next_value) VALUES (?, ?, ? + 1)
		ON CONFLICT (tenant_id, name) DO UPDATE SET next_value = tenant_counters.next_value + 1
		RETURNING next_value - 1`, tx.tenant, kind, startExpr(kind))
	if tx.dialect == DialectPostgres {
		q = tx.tx.NewRaw("SELECT nextval(?)", tenantSequence(kind, tx.tenant))
	}
	if err := q.Scan(ctx, &n); err != nil {
		return 0, mapReadErr("next "+kind+" number", err)
	}
	return n, nil
}

// newTenantSequences creates a new tenant's PostgreSQL sequences, starting at the start.
func newTenantSequences(ctx context.Context, db bun.IDB, tenant uuid.UUID) error {
	for _, kind := range []string{numberQuestion, numberResponse} {
		var start int64
		if err := db.NewRaw("SELECT "+string(startExpr(kind))).Scan(ctx, &start); err != nil {
			return err
		}
		seq := tenantSequence(kind, tenant)
		if _, err := db.ExecContext(ctx, fmt.Sprintf("CREATE SEQUENCE IF NOT EXISTS %s START WITH %d", seq, start)); err != nil {
			return fmt.Errorf("create sequence %s: %w", seq, err)
		}
	}
	return nil
}

// startExpr is the SQL of the first number of kind.
func startExpr(kind string) bun.Safe {
	if kind == numberQuestion {
		return bun.Safe("COALESCE((SELECT next_value FROM counters WHERE name = '" + counterNumberStart + "'), 1)")
	}
	return bun.Safe("1")
}

// QuestionNumberSequence is the name of the PostgreSQL sequence of tenant's question numbers, for
// tools that insert questions in SQL beside a running server (bench-compare's ask floor): a number
// taken from it is never one the server gives. Hex only: safe to quote.
func QuestionNumberSequence(tenant uuid.UUID) string { return tenantSequence(numberQuestion, tenant) }

// tenantSequence is the name of a tenant's PostgreSQL sequence of kind (hex only: safe to quote).
func tenantSequence(kind string, tenant uuid.UUID) string {
	return "tn_" + kind[:1] + "_" + hex.EncodeToString(tenant[:])
}

// createTenantSequences creates tenant's PostgreSQL sequences, or moves them to the next number
// the tenant's rows leave free (at least the start). Idempotent. (migrateV4, EnsureQuestionIDStart.)
func createTenantSequences(ctx context.Context, db bun.IDB, tenant uuid.UUID) error {
	for _, c := range []struct{ kind, table string }{{numberQuestion, "questions"}, {numberResponse, "responses"}} {
		seq := tenantSequence(c.kind, tenant)
		if _, err := db.ExecContext(ctx, "CREATE SEQUENCE IF NOT EXISTS "+seq); err != nil {
			return fmt.Errorf("create sequence %s: %w", seq, err)
		}
		q := fmt.Sprintf(`SELECT setval('%[1]s', GREATEST(%[2]s,
			(SELECT COALESCE(MAX(number), 0) + 1 FROM %[3]s WHERE tenant_id = ?),
			(SELECT last_value + CASE WHEN is_called THEN 1 ELSE 0 END FROM %[1]s)), false)`, seq, startExpr(c.kind), c.table)
		if _, err := db.NewRaw(q, tenant).Exec(ctx); err != nil {
			return fmt.Errorf("start sequence %s: %w", seq, err)
		}
	}
	return nil
}

// migrateV4 numbers questions and responses per tenant (see above) and adds the chunk table of
// training files (stored in chunks, never held whole in memory). Existing rows keep their
// numbers (number = id), so no published id or URL changes; each tenant continues after its
// highest.
func migrateV4(ctx context.Context, tx bun.Tx, dialect string) error {
	for _, table := range []string{"questions", "responses"} {
		if err := addColumnIfMissing(ctx, tx, dialect, table, "number", "BIGINT NOT NULL DEFAULT 0"); err != nil {
			return err
		}
		if err := execAll(ctx, tx, dialect, []string{
			"UPDATE " + table + " SET number = id WHERE number = 0",
			"CREATE UNIQUE INDEX IF NOT EXISTS " + table + "_number_uq ON " + table + " (tenant_id, number)",
		}); err != nil {
			return err
		}
	}
	if err := execDDL(schemaV4)(ctx, tx, dialect); err != nil {
		return err
	}
	if dialect != DialectPostgres {
		for _, c := range []struct{ kind, table string }{{numberQuestion, "questions"}, {numberResponse, "responses"}} {
			q := fmt.Sprintf(`INSERT INTO tenant_counters (tenant_id, name, next_value)
				SELECT tenant_id, '%s', MAX(number) + 1 FROM %s GROUP BY tenant_id
				ON CONFLICT (tenant_id, name) DO NOTHING`, c.kind, c.table)
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}
	return createAllTenantSequences(ctx, tx)
}

// createAllTenantSequences runs createTenantSequences for every tenant.
func createAllTenantSequences(ctx context.Context, db bun.IDB) error {
	var tenants []uuid.UUID
	if err := db.NewRaw("SELECT id FROM tenants").Scan(ctx, &tenants); err != nil {
		return err
	}
	for _, t := range tenants {
		if err := createTenantSequences(ctx, db, t); err != nil {
			return err
		}
	}
	return nil
}

var schemaV4 = []string{
	`INSERT INTO counters (name, next_value) VALUES ('` + counterNumberStart + `', 1) ON CONFLICT (name) DO NOTHING`,
	// SQLite's per-tenant counters (PostgreSQL uses sequences; the table stays empty there).
	`CREATE TABLE IF NOT EXISTS tenant_counters (
		tenant_id {UUID} NOT NULL REFERENCES tenants (id),
		name TEXT NOT NULL,
		next_value BIGINT NOT NULL,
		PRIMARY KEY (tenant_id, name)
	)`,
	`CREATE TABLE IF NOT EXISTS training_file_chunks (
		tenant_id {UUID} NOT NULL,
		file_uuid {UUID} NOT NULL,
		seq INTEGER NOT NULL,
		data {BYTES} NOT NULL,
		PRIMARY KEY (tenant_id, file_uuid, seq),
		FOREIGN KEY (tenant_id, file_uuid) REFERENCES training_files (tenant_id, uuid)
	)`,
}

// EnsureQuestionIDStart makes every tenant's next question number, and a new tenant's first, at
// least start. It never lowers a number.
func (s *Store) EnsureQuestionIDStart(ctx context.Context, start int64) error {
	raise := "UPDATE counters SET next_value = ? WHERE name = ? AND next_value < ?"
	if !s.isPG() {
		if _, err := s.db.NewRaw(raise, start, counterNumberStart, start).Exec(ctx); err != nil {
			return fmt.Errorf("store: ensure question id start: %w", err)
		}
		_, err := s.db.NewRaw("UPDATE tenant_counters SET next_value = ? WHERE name = ? AND next_value < ?",
			start, numberQuestion, start).Exec(ctx)
		if err != nil {
			return fmt.Errorf("store: ensure question id start: %w", err)
		}
		return nil
	}
	// On PostgreSQL each tenant's sequences move when the start rises, in the transaction that
	// raises it: a start that did not rise (every restart with the same --question-id-start)
	// then costs one statement, not four per tenant. (A crash before the commit leaves the start
	// where it was, so the next start moves the sequences again; setval only ever moves them up.)
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		res, err := tx.NewRaw(raise, start, counterNumberStart, start).Exec(ctx)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return createAllTenantSequences(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("store: ensure question id start: %w", err)
	}
	return nil
}
