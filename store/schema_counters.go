package store

import (
	"context"

	"github.com/uptrace/bun"
)

// 0017_sqlite_question_counters (SQLite; nothing on PostgreSQL, whose ids and numbers come from
// sequences): a new question's id and number are read in its INSERT (InsertQuestion), and this
// trigger moves each counter past the value the INSERT took from it, in the same statement. An
// ask no longer sends two statements of its own to take them: they were about a fifth of the
// single writer's time per ask (0.69 s of 3.54 s of writer CPU, profiled under load).
//
// A counter moves only when the question took exactly its next value, as when the counter was
// read and moved by statements of their own: a question inserted with an id or a number of its
// own leaves the counters as they were (a bulk load can put rows above them, as the bench
// harness's seed does), and a build that still moves the counters itself (its UPDATE first, then
// the INSERT) is not moved twice. Like any write, the trigger's changes go with its transaction
// or savepoint.
func migrateV17(ctx context.Context, tx bun.Tx, dialect string) error {
	if dialect == DialectPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `CREATE TRIGGER IF NOT EXISTS `+questionCountersTrigger+` AFTER INSERT ON questions BEGIN
		UPDATE counters SET next_value = next_value + 1 WHERE name = '`+counterQuestionID+`' AND next_value = NEW.id;
		INSERT INTO tenant_counters (tenant_id, name, next_value)
			SELECT NEW.tenant_id, '`+numberQuestion+`', NEW.number + 1
			WHERE NEW.number = COALESCE((SELECT next_value FROM tenant_counters WHERE tenant_id = NEW.tenant_id AND name = '`+numberQuestion+`'),
				`+string(startExpr(numberQuestion))+`)
			ON CONFLICT (tenant_id, name) DO UPDATE SET next_value = excluded.next_value;
	END`)
	return err
}

// questionCountersTrigger is 0017's trigger.
const questionCountersTrigger = "questions_counters"

// hasQuestionCounters reports whether 0017's trigger exists, asked through tx (once seen, it is
// remembered: triggers are never dropped). A store on an older schema (a test's partial
// migration) moves the counters with statements of their own.
func (tx *TenantTx) hasQuestionCounters(ctx context.Context) (bool, error) {
	if tx.counters == nil || tx.counters.Load() {
		return tx.counters != nil, nil
	}
	var n int
	if err := tx.tx.NewRaw("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?", questionCountersTrigger).Scan(ctx, &n); err != nil {
		return false, err
	}
	if n == 1 {
		tx.counters.Store(true)
	}
	return n == 1, nil
}
