package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// 0009_poll_changes: the database tells every instance what a poll may have cached that a commit
// changed (see poll_cache.go). Triggers, not the write methods, produce the changes, so every
// writer is covered: this process, another instance, another binary, a hand-run SQL statement.
//
// What a poll reads is a token row (by hash) and a question's channel and last_updated (by
// tenant and uuid). A change to either, or its deletion, is announced; inserts are not (a poll
// never caches an absent row).
//
//   - PostgreSQL: the trigger called pg_notify on channel pollChannel; since 0013 it appends to
//     poll_changes instead (migrateV13).
//   - SQLite (no notifications): the trigger appends to poll_changes, in the writer's
//     transaction; a reader notices a commit by PRAGMA data_version and reads the rows after the
//     last it saw. Only the newest pollChangesKept rows are kept: a reader that finds a gap
//     drops everything it cached.
func migrateV9(ctx context.Context, tx bun.Tx, dialect string) error {
	stmts := pollTriggersSQLite
	if dialect == DialectPostgres {
		stmts = pollTriggersPG
	}
	return execAll(ctx, tx, dialect, stmts)
}

// pollChannel is the PostgreSQL notification channel of poll invalidations.
const pollChannel = "switchboard_poll"

// pollChangesKept is how many poll_changes rows SQLite keeps.
const pollChangesKept = 4096

// questionPollChanged is when an UPDATE of a question changes what a poll reads; distinct is
// the dialect's null-safe inequality.
func questionPollChanged(distinct string) string {
	return strings.NewReplacer("<>", distinct).Replace(`OLD.last_updated <> NEW.last_updated OR OLD.channel <> NEW.channel
		OR OLD.uuid <> NEW.uuid OR OLD.tenant_id <> NEW.tenant_id`)
}

var pollTriggersPG = []string{
	`CREATE OR REPLACE FUNCTION switchboard_poll_question() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		PERFORM pg_notify('` + pollChannel + `', 'q' || OLD.tenant_id::text || OLD.uuid::text);
		RETURN NULL;
	END $$`,
	`CREATE OR REPLACE FUNCTION switchboard_poll_token() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		PERFORM pg_notify('` + pollChannel + `', 't' || encode(OLD.token_hash, 'hex'));
		RETURN NULL;
	END $$`,
	`DROP TRIGGER IF EXISTS poll_questions_update ON questions`,
	`CREATE TRIGGER poll_questions_update AFTER UPDATE ON questions FOR EACH ROW
		WHEN (` + questionPollChanged("IS DISTINCT FROM") + `) EXECUTE FUNCTION switchboard_poll_question()`,
	`DROP TRIGGER IF EXISTS poll_questions_delete ON questions`,
	`CREATE TRIGGER poll_questions_delete AFTER DELETE ON questions FOR EACH ROW
		EXECUTE FUNCTION switchboard_poll_question()`,
	`DROP TRIGGER IF EXISTS poll_tokens_change ON access_tokens`,
	`CREATE TRIGGER poll_tokens_change AFTER UPDATE OR DELETE ON access_tokens FOR EACH ROW
		EXECUTE FUNCTION switchboard_poll_token()`,
}

// pollPrune keeps the newest pollChangesKept rows of poll_changes (run by each trigger).
var pollPrune = fmt.Sprintf(`DELETE FROM poll_changes WHERE seq <= (SELECT max(seq) FROM poll_changes) - %d;`, pollChangesKept)

var pollTriggersSQLite = []string{
	`CREATE TABLE IF NOT EXISTS poll_changes (
		seq INTEGER PRIMARY KEY AUTOINCREMENT,
		tenant_id TEXT,
		question_uuid TEXT,
		token_hash BLOB
	)`,
	`CREATE TRIGGER IF NOT EXISTS poll_questions_update AFTER UPDATE ON questions FOR EACH ROW
		WHEN ` + questionPollChanged("IS NOT") + `
		BEGIN
			INSERT INTO poll_changes (tenant_id, question_uuid) VALUES (OLD.tenant_id, OLD.uuid);
			` + pollPrune + `
		END`,
	`CREATE TRIGGER IF NOT EXISTS poll_questions_delete AFTER DELETE ON questions FOR EACH ROW
		BEGIN
			INSERT INTO poll_changes (tenant_id, question_uuid) VALUES (OLD.tenant_id, OLD.uuid);
			` + pollPrune + `
		END`,
	`CREATE TRIGGER IF NOT EXISTS poll_tokens_update AFTER UPDATE ON access_tokens FOR EACH ROW
		BEGIN
			INSERT INTO poll_changes (token_hash) VALUES (OLD.token_hash);
			` + pollPrune + `
		END`,
	`CREATE TRIGGER IF NOT EXISTS poll_tokens_delete AFTER DELETE ON access_tokens FOR EACH ROW
		BEGIN
			INSERT INTO poll_changes (token_hash) VALUES (OLD.token_hash);
			` + pollPrune + `
		END`,
}

// 0013_pg_poll_changes (PostgreSQL; nothing on SQLite): the poll triggers append to a
// poll_changes table, each row stamped with its transaction's id, instead of calling pg_notify.
// A notifying transaction holds a database-wide lock from its pre-commit until its commit record
// is flushed (so that notifications are queued in commit order), which serialised every write
// that changed a question, on every instance. Instances now read the rows through snapshots
// (poll_cache.go pgWatch); poll_prune holds the horizon below which rows were pruned.
func migrateV13(ctx context.Context, tx bun.Tx, dialect string) error {
	if dialect != DialectPostgres {
		return nil
	}
	return execAll(ctx, tx, dialect, pollChangesPG)
}

var pollChangesPG = []string{
	`CREATE TABLE IF NOT EXISTS poll_changes (
		seq bigserial PRIMARY KEY,
		xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
		tenant_id uuid,
		question_uuid uuid,
		token_hash bytea
	)`,
	`CREATE INDEX IF NOT EXISTS poll_changes_xid_idx ON poll_changes (xid)`,
	`CREATE TABLE IF NOT EXISTS poll_prune (
		id int PRIMARY KEY CHECK (id = 1),
		horizon xid8 NOT NULL
	)`,
	`INSERT INTO poll_prune (id, horizon) VALUES (1, '0') ON CONFLICT (id) DO NOTHING`,
	`CREATE OR REPLACE FUNCTION switchboard_poll_question() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO poll_changes (tenant_id, question_uuid) VALUES (OLD.tenant_id, OLD.uuid);
		RETURN NULL;
	END $$`,
	`CREATE OR REPLACE FUNCTION switchboard_poll_token() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		INSERT INTO poll_changes (token_hash) VALUES (OLD.token_hash);
		RETURN NULL;
	END $$`,
}
