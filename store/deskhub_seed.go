package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// Seeding for benchmarks and the load harness: large Desk and Hub data sets written in SQL, one
// INSERT … SELECT per call, by copying a template row n times (a million rows take seconds, not
// the hours a million API calls would). Nothing in the server calls these. Copies get fresh ids
// and times 1 ms apart after the template's, so they sort after it; unique keys a copy cannot
// share (external ids, contact keys) are left out.

// SeedDeskMessages adds n copies of the conversation's latest message after it, 1 ms apart (no
// externalId), and moves the conversation's lastMessageAt to the last copy.
func (s *Store) SeedDeskMessages(ctx context.Context, tenantID uuid.UUID, conversationID int64, n int) error {
	var template uuid.UUID
	if err := s.db.QueryRowContext(ctx, `SELECT id FROM desk_messages WHERE tenant_id = ? AND conversation_id = ?
		ORDER BY created_at DESC LIMIT 1`, tenantID, conversationID).Scan(&template); err != nil {
		return fmt.Errorf("store: seed desk messages: %w", err)
	}
	err := s.seedCopies(ctx, n, "desk_messages",
		[]string{"tenant_id", "id", "conversation_id", "created_at", "author_id", "external_id", "direction", "attributes", "redacted"},
		map[string]string{"id": s.seedUUID(), "created_at": s.seedTime("t.created_at"), "external_id": "NULL"},
		"t.tenant_id = ? AND t.id = ?", tenantID, template)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE desk_conversations SET last_message_at = (SELECT MAX(created_at) FROM desk_messages
		WHERE tenant_id = ? AND conversation_id = ?) WHERE tenant_id = ? AND id = ?`, tenantID, conversationID, tenantID, conversationID)
	return err
}

// SeedDeskContacts adds n copies of the tenant's contact (same kind, without its keys), created
// 1 ms apart after it.
func (s *Store) SeedDeskContacts(ctx context.Context, tenantID, contactID uuid.UUID, n int) error {
	return s.seedCopies(ctx, n, "desk_contacts",
		[]string{"tenant_id", "id", "kind", "created_at", "display_name", "email", "phone_number", "external_id", "first_name",
			"last_name", "middle_names", "additional_emails", "additional_phone_numbers", "avatar_url", "roles"},
		map[string]string{"id": s.seedUUID(), "created_at": s.seedTime("t.created_at")},
		"t.tenant_id = ? AND t.id = ?", tenantID, contactID)
}

// SeedDeskConversations adds n copies of the tenant's conversation (same requester, without
// messages), with the next ids, created 1 ms apart after it.
func (s *Store) SeedDeskConversations(ctx context.Context, tenantID uuid.UUID, conversationID int64, n int) error {
	var last int64
	if err := s.db.QueryRowContext(ctx, "SELECT COALESCE(MAX(id), 0) FROM desk_conversations WHERE tenant_id = ?", tenantID).Scan(&last); err != nil {
		return err
	}
	return s.seedCopies(ctx, n, "desk_conversations",
		[]string{"tenant_id", "id", "requester_id", "channel", "direction", "state", "state_updated_at", "created_at", "anonymized_at",
			"integration_email", "from_email", "subject", "language", "browser_info", "from_number", "to_number", "last_message_at"},
		map[string]string{"id": fmt.Sprintf("%d + g.i", last), "created_at": s.seedTime("t.created_at")},
		"t.tenant_id = ? AND t.id = ?", tenantID, conversationID)
}

// SeedHubActivities adds n copies of the conversation's latest activity after it (the next
// eventIds, 1 ms apart) and moves the conversation's last eventId to the last copy.
func (s *Store) SeedHubActivities(ctx context.Context, tenantID, conversationID uuid.UUID, n int) error {
	var last int64
	if err := s.db.QueryRowContext(ctx, "SELECT MAX(event_id) FROM hub_activities WHERE tenant_id = ? AND conversation_id = ?",
		tenantID, conversationID).Scan(&last); err != nil {
		return fmt.Errorf("store: seed hub activities: %w", err)
	}
	err := s.seedCopies(ctx, n, "hub_activities",
		[]string{"tenant_id", "conversation_id", "event_id", "type", "sender_id", "sender_kind", "recipient_id", "recipient_kind", "body", "created_at"},
		map[string]string{"event_id": "t.event_id + g.i", "created_at": s.seedTime("t.created_at")},
		"t.tenant_id = ? AND t.conversation_id = ? AND t.event_id = ?", tenantID, conversationID, last)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `UPDATE hub_conversations SET last_event_id = (SELECT MAX(event_id) FROM hub_activities
		WHERE tenant_id = ? AND conversation_id = ?) WHERE tenant_id = ? AND id = ?`, tenantID, conversationID, tenantID, conversationID)
	return err
}

// SeedHubConversations adds n copies of the tenant's conversation (same hub and integration,
// bindings "<its binding>-<call>-<i>", no activities), open or closed at its opening time.
func (s *Store) SeedHubConversations(ctx context.Context, tenantID, conversationID uuid.UUID, n int, closed bool) error {
	closedAt := "NULL"
	if closed {
		closedAt = "t.opened_at"
	}
	return s.seedCopies(ctx, n, "hub_conversations",
		[]string{"tenant_id", "id", "hub_id", "integration_id", "binding", "token_id", "profile", "additional", "opened_at",
			"closed_at", "last_activity_at", "last_event_id", "active_business_id"},
		map[string]string{"id": s.seedUUID(), "binding": "t.binding || '-" + uuid.NewString()[:8] + "-' || CAST(g.i AS TEXT)", "closed_at": closedAt},
		"t.tenant_id = ? AND t.id = ?", tenantID, conversationID)
}

// seedChunk is the most rows one seeding statement inserts (a statement must end within the
// driver's read timeout).
const seedChunk = 10_000

// seedCopies inserts n copies of the one row of table (alias t) matching where: each column is
// copied, or computed by set[column] (an expression of t and the copy's number g.i, 1…n). The
// copies are inserted seedChunk at a time, each chunk a statement of its own.
func (s *Store) seedCopies(ctx context.Context, n int, table string, cols []string, set map[string]string, where string, args ...any) error {
	exprs := make([]string, len(cols))
	for i, c := range cols {
		if e, ok := set[c]; ok {
			exprs[i] = e
		} else {
			exprs[i] = "t." + c
		}
	}
	for from := 1; from <= n; from += seedChunk {
		to := min(n, from+seedChunk-1)
		series := fmt.Sprintf("%s AS t, generate_series(%d, %d) AS g(i)", table, from, to)
		prefix := ""
		if !s.isPG() {
			prefix = fmt.Sprintf("WITH RECURSIVE g(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM g WHERE i < %d) ", from, to)
			series = table + " AS t, g"
		}
		q := fmt.Sprintf("%sINSERT INTO %s (%s) SELECT %s FROM %s WHERE %s", prefix, table,
			strings.Join(cols, ", "), strings.Join(exprs, ", "), series, where)
		res, err := s.db.ExecContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("store: seed %s: %w", table, err)
		}
		if got, err := res.RowsAffected(); err == nil && got != int64(to-from+1) {
			return fmt.Errorf("store: seed %s: %d rows, want %d (no template row?)", table, got, to-from+1)
		}
	}
	// A table that grew to this size in service would have statistics (autovacuum's ANALYZE):
	// without them PostgreSQL plans with those of the empty table. (Not VACUUM: on a busy
	// machine it outlasts the driver's read timeout at a million rows.)
	if _, err := s.db.ExecContext(ctx, "ANALYZE "+table); err != nil {
		return fmt.Errorf("store: seed %s: analyze: %w", table, err)
	}
	return nil
}

// seedUUID is a fresh random (version 4) UUID per row, in the column's form.
func (s *Store) seedUUID() string {
	if s.isPG() {
		return "gen_random_uuid()"
	}
	return `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-' ||
		substr('89ab', 1 + abs(random()) % 4, 1) || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`
}

// seedTime is the time col plus g.i milliseconds, in the column's form (on SQLite bun's text
// "2006-01-02 15:04:05.999999+00:00", trailing zeros of the fraction dropped, so it compares
// with the times bun writes).
func (s *Store) seedTime(col string) string {
	if s.isPG() {
		return col + " + g.i * INTERVAL '1 millisecond'"
	}
	mod := "printf('+%.3f seconds', g.i / 1000.0)"
	return fmt.Sprintf("strftime('%%Y-%%m-%%d %%H:%%M:', %[1]s, %[2]s) || rtrim(rtrim(strftime('%%f', %[1]s, %[2]s), '0'), '.') || '+00:00'", col, mod)
}
