package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Large data sets of `switchboard bench-compare` are seeded in SQL, not through the API, while
// the server is stopped. Each seed copies a template row that the server itself wrote through
// the API (a question, a message, a Desk message, a Hub activity) n times with
//
//	INSERT INTO table (explicit columns) SELECT … FROM <1..n> AS s(i), table AS t WHERE t is the template
//
// changing only what must differ (keys, uuids, times). Assumptions, so that a later schema still
// seeds: the columns named here exist (those of migrations 0001–0006, store/schema.go); columns
// added later have defaults (they are not named, so they take them); anything kept per row
// (counters, positions) is maintained by triggers, which fire for INSERT … SELECT on both
// databases, or is recomputed by the server from the rows. The server is restarted after
// seeding, so no cache of it has seen the database before.
type seeder struct {
	db      *sql.DB
	dialect string
}

// copies inserts n copies of the template row of table (alias t, chosen by where) into table:
// each column takes set[column] when given (an expression over t and the series index s.i,
// 1…n), else the template's value.
func (s seeder) copies(ctx context.Context, table string, cols []string, set map[string]string, where string, n int) error {
	if n <= 0 {
		return nil
	}
	exprs := make([]string, len(cols))
	for i, c := range cols {
		if e, ok := set[c]; ok {
			exprs[i] = e
		} else {
			exprs[i] = "t." + c
		}
	}
	var q string
	if s.dialect == "postgres" {
		q = fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM generate_series(1, %d) AS s(i), %s AS t WHERE %s",
			table, strings.Join(cols, ", "), strings.Join(exprs, ", "), n, table, where)
	} else {
		q = fmt.Sprintf("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) INSERT INTO %s (%s) SELECT %s FROM s, %s AS t WHERE %s",
			n, table, strings.Join(cols, ", "), strings.Join(exprs, ", "), table, where)
	}
	res, err := s.db.ExecContext(ctx, q)
	if err != nil {
		return fmt.Errorf("seed %s: %w", table, err)
	}
	if got, err := res.RowsAffected(); err == nil && got != int64(n) {
		return fmt.Errorf("seed %s: %d rows inserted, want %d (is the template row there?)", table, got, n)
	}
	if s.dialect == "postgres" {
		// Statistics now, not whenever autovacuum gets to it: the next seed's foreign-key checks
		// (1M messages each looking up its question) are planned from them rather than from
		// what the table looked like before (seeding took from 2½ to over 10 minutes between
		// runs of the same build).
		if _, err := s.db.ExecContext(ctx, "ANALYZE "+table); err != nil {
			return fmt.Errorf("seed %s: analyze: %w", table, err)
		}
	}
	return nil
}

// uuidExpr is a distinct uuid for each s.i: a random prefix of this seed, then s.i in hex.
func (s seeder) uuidExpr() string {
	var b [6]byte
	rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	prefix := h[:8] + "-" + h[8:12]
	if s.dialect == "postgres" {
		return fmt.Sprintf("('%s-4000-8000-' || lpad(to_hex(s.i), 12, '0'))::uuid", prefix)
	}
	return fmt.Sprintf("printf('%%s-4000-8000-%%012x', '%s', s.i)", prefix)
}

// before is the template's timestamp column col, s.i seconds earlier (in the stored format: on
// SQLite bun's UTC text "2006-01-02 15:04:05[.999999]+00:00").
func (s seeder) before(col string) string {
	if s.dialect == "postgres" {
		return fmt.Sprintf("t.%s - s.i * interval '1 second'", col)
	}
	return fmt.Sprintf("strftime('%%Y-%%m-%%d %%H:%%M:%%S', CAST(strftime('%%s', substr(t.%s, 1, 19)) AS INTEGER) - s.i, 'unixepoch') || '+00:00'", col)
}

// quoteUUIDs are the ids as SQL literals, each checked to be a uuid (they come from the API).
func quoteUUIDs(ids ...string) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		u, err := uuid.Parse(id)
		if err != nil {
			return nil, fmt.Errorf("seed: %q is not a uuid", id)
		}
		out[i] = "'" + u.String() + "'"
	}
	return out, nil
}

var messageColumns = []string{"tenant_id", "uuid", "question_uuid", "response_uuid", "type", "author_type", "author_uuid", "author_name", "body", "is_read", "created_at"}

// messages adds n copies of a message (the template: tenant, message uuid) to its question. They
// keep the template's created_at: the store orders a thread by seq, and equal times keep the
// times in seq order (the API adds later messages at later times).
func (s seeder) messages(ctx context.Context, tenant, message string, n int) error {
	q, err := quoteUUIDs(tenant, message)
	if err != nil {
		return err
	}
	return s.copies(ctx, "messages", messageColumns, map[string]string{"uuid": s.uuidExpr()},
		fmt.Sprintf("t.tenant_id = %s AND t.uuid = %s", q[0], q[1]), n)
}

// questions adds n copies of a question (the template: tenant, question uuid) with one message
// each, a copy of the template's first message (firstMessage): what a Messaging question holds
// after its ask. Their internal ids and public numbers are idBase+i (the server allocates from 1
// upwards, so pick a base far above what a run allocates, distinct per tenant: the id is
// server-wide), their times i seconds before the template's, so the template stays the newest.
func (s seeder) questions(ctx context.Context, tenant, question, firstMessage string, n int, idBase int64) error {
	q, err := quoteUUIDs(tenant, question, firstMessage)
	if err != nil {
		return err
	}
	tq, qq, mq := q[0], q[1], q[2]
	quuid := s.uuidExpr()
	cols := []string{"id", "tenant_id", "uuid", "number", "channel", "help_desk_id", "subject", `"text"`, "language", "customer_id",
		"author_name", "author_email", "author_ref_id", "category", "elite_only", "metadata", "status", "rerouted_by",
		"rerouted_at", "reroute_reason", "claimed_by", "created_at", "last_updated"}
	id := fmt.Sprintf("%d + s.i", idBase)
	if err := s.copies(ctx, "questions", cols, map[string]string{
		"id": id, "number": id, "uuid": quuid, "created_at": s.before("created_at"), "last_updated": s.before("last_updated"),
	}, fmt.Sprintf("t.tenant_id = %s AND t.uuid = %s", tq, qq), n); err != nil {
		return err
	}
	// The same series again gives each question's message the question's uuid and time.
	return s.copies(ctx, "messages", messageColumns, map[string]string{
		"uuid": s.uuidExpr(), "question_uuid": quuid, "created_at": s.before("created_at"),
	}, fmt.Sprintf("t.tenant_id = %s AND t.uuid = %s", tq, mq), n)
}

// deskMessages adds n copies of a Desk message (the template: tenant, conversation, message id)
// to its conversation, i seconds before it (a conversation's messages are unique by time), with
// no externalId (unique per conversation).
func (s seeder) deskMessages(ctx context.Context, tenant string, conversation int64, message string, n int) error {
	q, err := quoteUUIDs(tenant, message)
	if err != nil {
		return err
	}
	tq, mq := q[0], q[1]
	cols := []string{"tenant_id", "id", "conversation_id", "created_at", "author_id", "external_id", "direction", "attributes", "redacted"}
	return s.copies(ctx, "desk_messages", cols, map[string]string{
		"id": s.uuidExpr(), "created_at": s.before("created_at"), "external_id": "NULL",
	}, fmt.Sprintf("t.tenant_id = %s AND t.conversation_id = %d AND t.id = %s", tq, conversation, mq), n)
}

// hubActivities adds n copies of a Hub activity (the template: conversation, eventId; a
// conversation id is unique server-wide) to its conversation, with event ids i below the
// template's (ids are Unix milliseconds, increasing within a conversation) and times i seconds
// before.
func (s seeder) hubActivities(ctx context.Context, conversation string, eventID int64, n int) error {
	q, err := quoteUUIDs(conversation)
	if err != nil {
		return err
	}
	cq := q[0]
	cols := []string{"tenant_id", "conversation_id", "event_id", "type", "sender_id", "sender_kind", "recipient_id", "recipient_kind", "body", "created_at"}
	return s.copies(ctx, "hub_activities", cols, map[string]string{
		"event_id": "t.event_id - s.i", "created_at": s.before("created_at"),
	}, fmt.Sprintf("t.conversation_id = %s AND t.event_id = %d", cq, eventID), n)
}

// settle leaves the database as a server would find it after a while, with no work on the seed
// left for the measures: on SQLite the WAL checkpointed; on PostgreSQL the seeded tables
// vacuumed and analyzed (the visibility map and hint bits set, as autovacuum would set them on
// tables that millions of rows went into: it is off on some servers, this project's test
// machine's among them), then a checkpoint, so that the checkpointer does not write the seed's
// dirty buffers during a measure. pgbench vacuums before its runs for the same reasons.
func (s seeder) settle(ctx context.Context) error {
	qs := []string{"PRAGMA wal_checkpoint(TRUNCATE)"}
	if s.dialect == "postgres" {
		qs = []string{"VACUUM (ANALYZE)", "CHECKPOINT"}
	}
	for _, q := range qs {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	return nil
}

// timed runs f and returns how long it took.
func timeIt(f func() error) (time.Duration, error) {
	t0 := time.Now()
	err := f()
	return time.Since(t0), err
}
