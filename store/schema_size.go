package store

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// 0007_conversation_counters: what keeps the cost of a question's reads and writes, and of the
// question lists, independent of how much is stored.
//
//   - messages_system_idx: a question's system messages (author_type SYSTEM), the working set the
//     lifecycle rules need on every write (package question: Conversation.Partial). Partial, so it
//     holds only those (bounded per question by its responses × the eleven system types) and
//     costs nothing on a user or expert message insert. A query uses it only when its WHERE has
//     the literal author_type = 'SYSTEM' (see WorkingSet).
//   - messages_thread_idx: one thread's messages in order (response_uuid NULL = question level),
//     for views written thread by thread, a thread's first message (the Help Desk answer text)
//     and GET /v1/messages?responseUuid=.
//   - messages_unread_idx: a question's unread messages, which marking it read (an UPDATE …
//     WHERE is_read = FALSE, literal as bun writes it on both databases) finds without walking
//     every message. Only expert and automated messages start unread, so it stays small.
//   - questions_status_updated_idx: the Messaging list filtered by status, newest first, its
//     skipped rows read from the index alone (PageQuestions).
//   - question_totals, question_author_totals: how many questions each tenant has per channel and
//     status (and per author refId), kept by triggers on questions, so that a list's total is a
//     sum of a few rows instead of count(*) over everything stored (PageQuestions). The totals
//     are split over totalStripes rows by question id, and on PostgreSQL the triggers run once
//     per statement (schemaSizePG): concurrent asks of one tenant rarely share a counter row,
//     and a bulk write updates each counter row once. Triggers, not the write path, so
//     every writer of questions keeps them right.
//
// The migration creates the triggers before it counts what is stored (on PostgreSQL CREATE
// TRIGGER locks out writers of questions until it commits), and recounts from scratch, so
// running it again changes nothing.
func migrateV7(ctx context.Context, tx bun.Tx, dialect string) error {
	stmts := append([]string{}, schemaSizeCommon...)
	if dialect == DialectPostgres {
		stmts = append(stmts, schemaSizePG...)
	} else {
		stmts = append(stmts, schemaSizeSQLite...)
	}
	stmts = append(stmts, schemaSizeBackfill...)
	for i, s := range stmts {
		stmts[i] = ddl(dialect, strings.ReplaceAll(s, "{STRIPES}", totalStripes))
	}
	return execAll(ctx, tx, dialect, stmts)
}

// totalStripes is how many rows each question total is split over (by question id).
const totalStripes = "16"

var schemaSizeCommon = []string{
	`CREATE INDEX IF NOT EXISTS messages_system_idx ON messages (tenant_id, question_uuid, seq)
		WHERE author_type = 'SYSTEM'`,
	`CREATE INDEX IF NOT EXISTS messages_thread_idx ON messages (tenant_id, question_uuid, response_uuid, seq)`,
	`CREATE INDEX IF NOT EXISTS messages_unread_idx ON messages (tenant_id, question_uuid) WHERE is_read = FALSE`,
	`CREATE INDEX IF NOT EXISTS questions_status_updated_idx ON questions (tenant_id, channel, status, last_updated, id)`,
	`CREATE TABLE IF NOT EXISTS question_totals (
		tenant_id {UUID} NOT NULL REFERENCES tenants (id),
		channel TEXT NOT NULL,
		status TEXT NOT NULL,
		stripe INTEGER NOT NULL,
		n BIGINT NOT NULL,
		PRIMARY KEY (tenant_id, channel, status, stripe)
	)`,
	`CREATE TABLE IF NOT EXISTS question_author_totals (
		tenant_id {UUID} NOT NULL REFERENCES tenants (id),
		channel TEXT NOT NULL,
		author_ref_id TEXT NOT NULL,
		status TEXT NOT NULL,
		n BIGINT NOT NULL,
		PRIMARY KEY (tenant_id, channel, author_ref_id, status)
	)`,
}

// SQLite: one writer at a time, so plain AFTER triggers; an author total only for a non-empty
// refId (the list's filter ignores an empty one).
var schemaSizeSQLite = []string{
	`CREATE TRIGGER IF NOT EXISTS questions_totals_insert AFTER INSERT ON questions BEGIN
		INSERT INTO question_totals (tenant_id, channel, status, stripe, n)
			VALUES (NEW.tenant_id, NEW.channel, NEW.status, NEW.id % {STRIPES}, 1)
			ON CONFLICT (tenant_id, channel, status, stripe) DO UPDATE SET n = n + 1;
		INSERT INTO question_author_totals (tenant_id, channel, author_ref_id, status, n)
			SELECT NEW.tenant_id, NEW.channel, NEW.author_ref_id, NEW.status, 1 WHERE NEW.author_ref_id <> ''
			ON CONFLICT (tenant_id, channel, author_ref_id, status) DO UPDATE SET n = n + 1;
	END`,
	`CREATE TRIGGER IF NOT EXISTS questions_totals_update AFTER UPDATE OF status, author_ref_id ON questions
		WHEN OLD.status <> NEW.status OR OLD.author_ref_id <> NEW.author_ref_id BEGIN
		UPDATE question_totals SET n = n - 1
			WHERE tenant_id = OLD.tenant_id AND channel = OLD.channel AND status = OLD.status AND stripe = OLD.id % {STRIPES};
		INSERT INTO question_totals (tenant_id, channel, status, stripe, n)
			VALUES (NEW.tenant_id, NEW.channel, NEW.status, NEW.id % {STRIPES}, 1)
			ON CONFLICT (tenant_id, channel, status, stripe) DO UPDATE SET n = n + 1;
		UPDATE question_author_totals SET n = n - 1
			WHERE tenant_id = OLD.tenant_id AND channel = OLD.channel AND author_ref_id = OLD.author_ref_id AND status = OLD.status;
		INSERT INTO question_author_totals (tenant_id, channel, author_ref_id, status, n)
			SELECT NEW.tenant_id, NEW.channel, NEW.author_ref_id, NEW.status, 1 WHERE NEW.author_ref_id <> ''
			ON CONFLICT (tenant_id, channel, author_ref_id, status) DO UPDATE SET n = n + 1;
	END`,
	`CREATE TRIGGER IF NOT EXISTS questions_totals_delete AFTER DELETE ON questions BEGIN
		UPDATE question_totals SET n = n - 1
			WHERE tenant_id = OLD.tenant_id AND channel = OLD.channel AND status = OLD.status AND stripe = OLD.id % {STRIPES};
		UPDATE question_author_totals SET n = n - 1
			WHERE tenant_id = OLD.tenant_id AND channel = OLD.channel AND author_ref_id = OLD.author_ref_id AND status = OLD.status;
	END`,
}

// PostgreSQL: statement-level triggers over transition tables. Each statement adds its rows'
// changes to the totals in one INSERT … ON CONFLICT per table, summed per counter row and applied
// in key order: a bulk insert of a million questions costs a few counter updates, not a million
// updates of the same rows (inside one transaction PostgreSQL makes that quadratic: every update
// walks the row's versions), and two transactions lock their counter rows in the same order, so
// they cannot deadlock on them. Concurrent asks of one tenant land on different stripes (by id).
var schemaSizePG = []string{
	`DROP TRIGGER IF EXISTS questions_totals ON questions`,
	`DROP TRIGGER IF EXISTS questions_totals_insert ON questions`,
	`DROP TRIGGER IF EXISTS questions_totals_update ON questions`,
	`DROP TRIGGER IF EXISTS questions_totals_delete ON questions`,
	`CREATE OR REPLACE FUNCTION questions_totals() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP = 'INSERT' THEN
			` + pgApplyTotals("SELECT tenant_id, channel, status, author_ref_id, id, 1 AS d FROM new_rows") + `
		ELSIF TG_OP = 'DELETE' THEN
			` + pgApplyTotals("SELECT tenant_id, channel, status, author_ref_id, id, -1 AS d FROM old_rows") + `
		ELSE
			` + pgApplyTotals(`SELECT o.tenant_id, o.channel, o.status, o.author_ref_id, o.id, -1 AS d
				FROM old_rows o JOIN new_rows n ON n.id = o.id
				WHERE o.status <> n.status OR o.author_ref_id <> n.author_ref_id
				UNION ALL
				SELECT n.tenant_id, n.channel, n.status, n.author_ref_id, n.id, 1 AS d
				FROM old_rows o JOIN new_rows n ON n.id = o.id
				WHERE o.status <> n.status OR o.author_ref_id <> n.author_ref_id`) + `
		END IF;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER questions_totals_insert AFTER INSERT ON questions
		REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION questions_totals()`,
	`CREATE TRIGGER questions_totals_update AFTER UPDATE ON questions
		REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION questions_totals()`,
	`CREATE TRIGGER questions_totals_delete AFTER DELETE ON questions
		REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION questions_totals()`,
}

// pgApplyTotals is the trigger body's two statements that add the changes in rows (a query of
// tenant_id, channel, status, author_ref_id, id and d, +1 or -1 per question) to the totals.
func pgApplyTotals(rows string) string {
	return `INSERT INTO question_totals AS t (tenant_id, channel, status, stripe, n)
				SELECT tenant_id, channel, status, id % {STRIPES}, sum(d) FROM (` + rows + `) c
				GROUP BY tenant_id, channel, status, id % {STRIPES}
				ORDER BY tenant_id, channel, status, id % {STRIPES}
				ON CONFLICT (tenant_id, channel, status, stripe) DO UPDATE SET n = t.n + EXCLUDED.n;
			INSERT INTO question_author_totals AS t (tenant_id, channel, author_ref_id, status, n)
				SELECT tenant_id, channel, author_ref_id, status, sum(d) FROM (` + rows + `) c
				WHERE author_ref_id <> ''
				GROUP BY tenant_id, channel, author_ref_id, status
				ORDER BY tenant_id, channel, author_ref_id, status
				ON CONFLICT (tenant_id, channel, author_ref_id, status) DO UPDATE SET n = t.n + EXCLUDED.n;`
}

// The recount, after the triggers exist.
var schemaSizeBackfill = []string{
	`DELETE FROM question_totals`,
	`INSERT INTO question_totals (tenant_id, channel, status, stripe, n)
		SELECT tenant_id, channel, status, id % {STRIPES}, count(*) FROM questions GROUP BY tenant_id, channel, status, id % {STRIPES}`,
	`DELETE FROM question_author_totals`,
	`INSERT INTO question_author_totals (tenant_id, channel, author_ref_id, status, n)
		SELECT tenant_id, channel, author_ref_id, status, count(*) FROM questions WHERE author_ref_id <> ''
		GROUP BY tenant_id, channel, author_ref_id, status`,
}
