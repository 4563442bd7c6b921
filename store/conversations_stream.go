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

// eachMessagePage is how many messages EachMessage reads at a time.
const eachMessagePage = 256

// EachMessage calls fn with the tenant's question's messages in r, in Seq order, reading them a
// page at a time (keyset on Seq): memory does not grow with the number of messages, and no
// connection (on SQLite, no WAL read snapshot) is held while fn runs, so a client that reads a
// long answer slowly ties up nothing but its own request. Each page is its own read: a message
// added during the walk may appear at its end. fn's error ends the walk and is returned as it is.
func (s *Store) EachMessage(ctx context.Context, tenantID, questionUUID uuid.UUID, r MessageRange, fn func(*Message) error) error {
	page := make([]Message, 0, eachMessagePage)
	after := int64(-1 << 63)
	for {
		var err error
		if page, err = s.messagePage(ctx, tenantID, questionUUID, r, after, page[:0]); err != nil {
			return err
		}
		for i := range page {
			if err := fn(&page[i]); err != nil {
				return err
			}
		}
		if len(page) < eachMessagePage {
			return nil
		}
		after = page[len(page)-1].Seq
	}
}

// messagePage appends to page up to eachMessagePage messages of r with Seq after `after`.
func (s *Store) messagePage(ctx context.Context, tenantID, questionUUID uuid.UUID, r MessageRange, after int64, page []Message) ([]Message, error) {
	q := s.db.NewSelect().Model((*messageRow)(nil)).
		Where("m.tenant_id = ?", tenantID).
		Where("m.question_uuid = ?", questionUUID).
		Where("m.seq > ?", after)
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
		OrderExpr("m.seq ASC").Limit(eachMessagePage).Rows(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: each message: %w", err)
	}
	defer rows.Close()
	var row messageRow
	var response, author uuid.NullUUID
	for rows.Next() {
		err := rows.Scan(&row.Seq, &row.TenantID, &row.UUID, &row.QuestionUUID, &response, &row.Type, &row.AuthorType,
			&author, &row.AuthorName, &row.Body, &row.IsRead, &row.CreatedAt)
		if err != nil {
			return nil, fmt.Errorf("store: each message: %w", err)
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
		page = append(page, row.toMessage())
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: each message: %w", err)
	}
	return page, nil
}

// FirstQuestionMessages is TenantTx.FirstMessages outside a transaction: up to n of the
// question's first messages, the whole conversation when it holds at most n.
func (s *Store) FirstQuestionMessages(ctx context.Context, tenantID, questionUUID uuid.UUID, n int) ([]Message, error) {
	return firstMessages(ctx, s.db, tenantID, questionUUID, n)
}
