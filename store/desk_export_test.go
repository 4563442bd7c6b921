package store

import (
	"context"
	"time"

	"github.com/google/uuid"
)

// ExplainDeskMessages returns the query plan of DeskMessages, one line per row, as the database
// reports it (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). noSeqScan forbids sequential
// scans on PostgreSQL for the statement, so a tiny test table shows the plan a large one gets.
func (s *Store) ExplainDeskMessages(ctx context.Context, tenantID uuid.UUID, conversationID int64, noSeqScan bool) ([]string, error) {
	return s.explain(ctx, s.DeskMessagesQuery(tenantID, conversationID), noSeqScan)
}

// ExplainDeskHubPages returns the plans (as ExplainDeskMessages, sequential scans off) of a page of
// end users and a page of an end user's conversations after a position, and of an activity poll.
func (s *Store) ExplainDeskHubPages(ctx context.Context, tenantID uuid.UUID) (contacts, conversations, activities []string, err error) {
	after := &DeskCursor{CreatedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), ID: uuid.NewString()}
	q, err := s.deskContactsQuery(tenantID, DeskEndUser, after, nil, 50, &[]deskContactRow{})
	if err != nil {
		return nil, nil, nil, err
	}
	if contacts, err = s.explain(ctx, q.String(), true); err != nil {
		return nil, nil, nil, err
	}
	after.ID = "7"
	if q, err = s.deskConversationsByRequesterQuery(tenantID, uuid.New(), after, 50, &[]deskConversationRow{}); err != nil {
		return nil, nil, nil, err
	}
	if conversations, err = s.explain(ctx, q.String(), true); err != nil {
		return nil, nil, nil, err
	}
	activities, err = s.explainPoll(ctx, tenantID)
	return contacts, conversations, activities, err
}

// ExplainDeskContactsByKey returns the plan of a page of end users filtered by a key.
func (s *Store) ExplainDeskContactsByKey(ctx context.Context, tenantID uuid.UUID) ([]string, error) {
	q, err := s.deskContactsQuery(tenantID, DeskEndUser, nil, &DeskContactKey{Field: "email", Value: "a@example.org"}, 50, &[]deskContactRow{})
	if err != nil {
		return nil, err
	}
	return s.explain(ctx, q.String(), true)
}

func (s *Store) explainPoll(ctx context.Context, tenantID uuid.UUID) (activities []string, err error) {
	conv := uuid.New()
	poll := s.db.NewRaw(hubActivitiesQuery, tenantID, conv, "Agent", 0, 500, tenantID, conv, "Agent", 0, 500).String()
	return s.explain(ctx, poll, true)
}

func (s *Store) explain(ctx context.Context, query string, noSeqScan bool) ([]string, error) {
	prefix := "EXPLAIN QUERY PLAN "
	if s.isPG() {
		prefix = "EXPLAIN "
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if noSeqScan && s.isPG() {
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return nil, err
		}
	}
	rows, err := tx.QueryContext(ctx, prefix+query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		line := ""
		for _, v := range vals {
			switch x := v.(type) {
			case string:
				line += x + " "
			case []byte:
				line += string(x) + " "
			}
		}
		lines = append(lines, line)
	}
	return lines, rows.Err()
}
