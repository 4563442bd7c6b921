package store

import (
	"context"

	"github.com/google/uuid"
)

// ExplainDeskMessages returns the query plan of DeskMessages, one line per row, as the database
// reports it (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). noSeqScan forbids sequential
// scans on PostgreSQL for the statement, so a tiny test table shows the plan a large one gets.
func (s *Store) ExplainDeskMessages(ctx context.Context, tenantID uuid.UUID, conversationID int64, noSeqScan bool) ([]string, error) {
	query := s.DeskMessagesQuery(tenantID, conversationID)
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
