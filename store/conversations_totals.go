package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// QuestionTotal is the number of the tenant's questions that match f's Channel, Status and
// AuthorRefID (empty = any), read from the totals the triggers of migration 0007 keep: a sum of
// at most a few dozen rows, whatever the number of questions.
func (s *Store) QuestionTotal(ctx context.Context, tenantID uuid.UUID, f PageFilter) (int, error) {
	table := "question_totals"
	if f.AuthorRefID != "" {
		table = "question_author_totals"
	}
	q := s.db.NewSelect().TableExpr(table).ColumnExpr("CAST(COALESCE(SUM(n), 0) AS BIGINT)").
		Where("tenant_id = ?", tenantID)
	if f.Channel != "" {
		q = q.Where("channel = ?", f.Channel)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.AuthorRefID != "" {
		q = q.Where("author_ref_id = ?", f.AuthorRefID)
	}
	var n int64
	if err := q.Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("store: question total: %w", err)
	}
	return int(n), nil
}
