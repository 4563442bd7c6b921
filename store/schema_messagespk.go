package store

import (
	"context"

	"github.com/uptrace/bun"
)

// 0015_pg_messages_question_pk: on PostgreSQL, messages' primary key is (tenant_id,
// question_uuid, seq), replacing the key on seq alone and messages_question_idx (same columns,
// not unique).
//
// Every read of messages is within one question, in seq order, and stops early: the working set's
// newest user or expert message (ORDER BY seq DESC LIMIT 1), the first messages, a page of the
// stream (seq > after LIMIT 256). With an index on seq alone, PostgreSQL's planner may walk it and
// filter by question: its statistics say a large question holds a large share of the rows, so it
// expects a match within a few entries, when in fact every newer message of every other question
// comes first. Measured with the bench harness (a question of 1M messages seeded, then 1M other
// questions' first messages): add message 217 ms against 4.5 ms on a small question, each call
// walking a million index entries. With no index that orders by seq alone the question's range
// of the key is the only ordered path. The messages table then keeps one index fewer on every
// insert. Nothing looks a message up by seq alone, and nothing references messages.
//
// SQLite keeps seq as its rowid key with messages_question_idx beside it: its planner uses the
// index whose equality columns match (measured 1.1× at 1M).
func migrateV15(ctx context.Context, tx bun.Tx, dialect string) error {
	if dialect != DialectPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `DO $$
	BEGIN
		IF NOT EXISTS (SELECT 1 FROM pg_index WHERE indrelid = 'messages'::regclass AND indisprimary AND indnatts = 3) THEN
			DROP INDEX IF EXISTS messages_question_idx;
			CREATE UNIQUE INDEX messages_question_pk ON messages (tenant_id, question_uuid, seq);
			ALTER TABLE messages DROP CONSTRAINT messages_pkey;
			ALTER TABLE messages ADD CONSTRAINT messages_pkey PRIMARY KEY USING INDEX messages_question_pk;
		END IF;
	END $$`)
	return err
}
