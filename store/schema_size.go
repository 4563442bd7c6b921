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
//     the literal author_type = 'SYSTEM' (see SystemMessages).
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
//     are split over totalStripes rows by question id, and on PostgreSQL the triggers are
//     deferred to commit: concurrent asks of one tenant then neither queue on one counter row
//     nor hold its lock for the rest of their transaction. Triggers, not the write path, so
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
	for _, s := range stmts {
		s = strings.ReplaceAll(s, "{STRIPES}", totalStripes)
		if _, err := tx.ExecContext(ctx, ddl(dialect, s)); err != nil {
			return err
		}
	}
	return nil
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

// PostgreSQL: one function for every event, run by constraint triggers deferred to commit.
var schemaSizePG = []string{
	`CREATE OR REPLACE FUNCTION questions_totals() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP = 'UPDATE' AND OLD.status = NEW.status AND OLD.author_ref_id = NEW.author_ref_id THEN
			RETURN NULL;
		END IF;
		IF TG_OP IN ('UPDATE', 'DELETE') THEN
			UPDATE question_totals SET n = n - 1
				WHERE tenant_id = OLD.tenant_id AND channel = OLD.channel AND status = OLD.status AND stripe = OLD.id % {STRIPES};
			UPDATE question_author_totals SET n = n - 1
				WHERE tenant_id = OLD.tenant_id AND channel = OLD.channel AND author_ref_id = OLD.author_ref_id AND status = OLD.status;
		END IF;
		IF TG_OP IN ('UPDATE', 'INSERT') THEN
			INSERT INTO question_totals AS t (tenant_id, channel, status, stripe, n)
				VALUES (NEW.tenant_id, NEW.channel, NEW.status, NEW.id % {STRIPES}, 1)
				ON CONFLICT (tenant_id, channel, status, stripe) DO UPDATE SET n = t.n + 1;
			IF NEW.author_ref_id <> '' THEN
				INSERT INTO question_author_totals AS t (tenant_id, channel, author_ref_id, status, n)
					VALUES (NEW.tenant_id, NEW.channel, NEW.author_ref_id, NEW.status, 1)
					ON CONFLICT (tenant_id, channel, author_ref_id, status) DO UPDATE SET n = t.n + 1;
			END IF;
		END IF;
		RETURN NULL;
	END $$`,
	`DROP TRIGGER IF EXISTS questions_totals ON questions`,
	`CREATE CONSTRAINT TRIGGER questions_totals AFTER INSERT OR DELETE OR UPDATE OF status, author_ref_id ON questions
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION questions_totals()`,
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
