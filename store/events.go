package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Event is one entry of a tenant's event log (vendor webhook type names such
// as QUESTION_CREATED).
type Event struct {
	Seq          int64 // server-wide, increasing; assigned on insert
	TenantID     uuid.UUID
	Type         string
	QuestionUUID uuid.UUID
	ExpertUUID   *uuid.UUID // nil = no expert involved
	Data         []byte     // JSON, stored verbatim; "{}" when empty
	CreatedAt    time.Time
}

// EventFilter selects events for Events. Seq follows insertion, not commit:
// on PostgreSQL a transaction still open when a page is read may later
// commit a lower Seq, so After-pagination of a log being written can pass
// over such an event (fine for the operator view it serves).
type EventFilter struct {
	After        int64      // only Seq > After (keyset pagination)
	Limit        int        // default DefaultListLimit, capped at MaxListLimit
	QuestionUUID *uuid.UUID // nil = every question
}

type eventRow struct {
	bun.BaseModel `bun:"table:events,alias:ev"`

	Seq          int64      `bun:"seq,pk,autoincrement"`
	TenantID     uuid.UUID  `bun:"tenant_id"`
	Type         string     `bun:"type"`
	QuestionUUID uuid.UUID  `bun:"question_uuid"`
	ExpertUUID   *uuid.UUID `bun:"expert_uuid"`
	Data         string     `bun:"data"`
	CreatedAt    time.Time  `bun:"created_at"`
}

func (r *eventRow) toEvent() Event {
	return Event{
		Seq:          r.Seq,
		TenantID:     r.TenantID,
		Type:         r.Type,
		QuestionUUID: r.QuestionUUID,
		ExpertUUID:   r.ExpertUUID,
		Data:         []byte(r.Data),
		CreatedAt:    r.CreatedAt.UTC(),
	}
}

// InsertEvent appends e to the tenant's event log and sets e.Seq (and
// e.TenantID; a zero CreatedAt means now; empty Data is "{}", otherwise it
// must be valid JSON; in a Batch Seq stays 0). The question — and the expert, if set — must be this
// tenant's (ErrNotFound otherwise).
func (tx *TenantTx) InsertEvent(ctx context.Context, e *Event) error {
	if e.Type == "" {
		return errors.New("store: insert event: empty type")
	}
	if len(e.Data) == 0 {
		e.Data = []byte("{}")
	} else if !json.Valid(e.Data) {
		return errors.New("store: insert event: data is not valid JSON")
	}
	e.TenantID = tx.tenant
	e.CreatedAt = nowOr(e.CreatedAt)
	row := &eventRow{
		TenantID:     e.TenantID,
		Type:         e.Type,
		QuestionUUID: e.QuestionUUID,
		ExpertUUID:   e.ExpertUUID,
		Data:         string(e.Data),
		CreatedAt:    e.CreatedAt,
	}
	if _, err := tx.exec(ctx, tx.tx.NewInsert().Model(row).Returning(tx.returning("seq"))); err != nil {
		return mapWriteErr("insert event", err)
	}
	e.Seq = row.Seq
	return nil
}

// Events returns the tenant's events matching f in Seq order.
func (s *Store) Events(ctx context.Context, tenantID uuid.UUID, f EventFilter) ([]Event, error) {
	var rows []eventRow
	q := s.db.NewSelect().Model(&rows).
		Where("ev.tenant_id = ?", tenantID).
		Where("ev.seq > ?", f.After)
	if f.QuestionUUID != nil {
		q = q.Where("ev.question_uuid = ?", *f.QuestionUUID)
	}
	if err := q.OrderExpr("ev.seq ASC").Limit(listLimit(f.Limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	return mapRows(rows, (*eventRow).toEvent), nil
}
