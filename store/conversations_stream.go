package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// MessageRange selects messages of one question for EachMessage.
type MessageRange struct {
	All    bool       // every level, in Seq order (messages_question_idx)
	Thread *uuid.UUID // when not All: nil = question level only, else that response's thread (messages_thread_idx)
}

// EachMessage calls fn with the tenant's question's messages in r, in Seq order, as it reads
// them from a cursor: memory does not grow with the number of messages. fn's error ends the
// walk and is returned as it is. The rows are read outside any transaction; the cursor holds a
// connection until the walk ends.
func (s *Store) EachMessage(ctx context.Context, tenantID, questionUUID uuid.UUID, r MessageRange, fn func(*Message) error) error {
	q := s.db.NewSelect().Model((*messageRow)(nil)).
		Where("m.tenant_id = ?", tenantID).
		Where("m.question_uuid = ?", questionUUID)
	switch {
	case r.All:
	case r.Thread == nil:
		q = q.Where("m.response_uuid IS NULL")
	default:
		q = q.Where("m.response_uuid = ?", *r.Thread)
	}
	// Columns named and scanned by hand: bun's ScanRow builds its model again for every row.
	rows, err := q.Column("seq", "tenant_id", "uuid", "question_uuid", "response_uuid", "type", "author_type",
		"author_uuid", "author_name", "body", "is_read", "created_at").
		OrderExpr("m.seq ASC").Rows(ctx)
	if err != nil {
		return fmt.Errorf("store: each message: %w", err)
	}
	defer rows.Close()
	var row messageRow
	var response, author uuid.NullUUID
	for rows.Next() {
		err := rows.Scan(&row.Seq, &row.TenantID, &row.UUID, &row.QuestionUUID, &response, &row.Type, &row.AuthorType,
			&author, &row.AuthorName, &row.Body, &row.IsRead, &row.CreatedAt)
		if err != nil {
			return fmt.Errorf("store: each message: %w", err)
		}
		row.ResponseUUID, row.AuthorUUID = nil, nil
		if response.Valid {
			id := response.UUID
			row.ResponseUUID = &id
		}
		if author.Valid {
			id := author.UUID
			row.AuthorUUID = &id
		}
		m := row.toMessage()
		if err := fn(&m); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: each message: %w", err)
	}
	return nil
}

// FirstQuestionMessages is TenantTx.FirstMessages outside a transaction: up to n of the
// question's first messages, the whole conversation when it holds at most n.
func (s *Store) FirstQuestionMessages(ctx context.Context, tenantID, questionUUID uuid.UUID, n int) ([]Message, error) {
	return firstMessages(ctx, s.db, tenantID, questionUUID, n)
}
