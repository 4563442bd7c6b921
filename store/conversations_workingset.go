package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// AuthorSystem is the author type of system messages: the ones messages_system_idx holds.
const AuthorSystem = "SYSTEM"

// FirstMessages returns up to n of the question's first messages (all levels) in Seq order: the
// whole conversation when it holds at most n. One range read of messages_question_idx.
func (tx *TenantTx) FirstMessages(ctx context.Context, questionUUID uuid.UUID, n int) ([]Message, error) {
	return firstMessages(ctx, tx.tx, tx.tenant, questionUUID, n)
}

func firstMessages(ctx context.Context, db bun.IDB, tenant, questionUUID uuid.UUID, n int) ([]Message, error) {
	var rows []messageRow
	err := db.NewSelect().Model(&rows).
		Where("m.tenant_id = ?", tenant).
		Where("m.question_uuid = ?", questionUUID).
		OrderExpr("m.seq ASC").
		Limit(n).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: first messages: %w", err)
	}
	return mapRows(rows, (*messageRow).toMessage), nil
}

// SystemMessages returns the question's system messages (author type SYSTEM, all levels) in Seq
// order, from the partial index messages_system_idx: its cost depends on how many system
// messages the question has, not on how many messages.
func (tx *TenantTx) SystemMessages(ctx context.Context, questionUUID uuid.UUID) ([]Message, error) {
	var rows []messageRow
	err := tx.tx.NewSelect().Model(&rows).
		Where("m.tenant_id = ?", tx.tenant).
		Where("m.question_uuid = ?", questionUUID).
		Where("m.author_type = 'SYSTEM'"). // literal: the partial index's predicate
		OrderExpr("m.seq ASC").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: system messages: %w", err)
	}
	return mapRows(rows, (*messageRow).toMessage), nil
}

// LatestMessageOfTypes returns the question's newest message (highest Seq, any level) whose type
// is one of types; ok is false when there is none. It walks messages_question_idx backwards from
// the newest message and stops at the first match, so it reads only the newer messages of other
// types.
func (tx *TenantTx) LatestMessageOfTypes(ctx context.Context, questionUUID uuid.UUID, types ...string) (m Message, ok bool, err error) {
	var rows []messageRow
	err = tx.tx.NewSelect().Model(&rows).
		Where("m.tenant_id = ?", tx.tenant).
		Where("m.question_uuid = ?", questionUUID).
		Where("m.type IN (?)", bun.In(types)).
		OrderExpr("m.seq DESC").
		Limit(1).
		Scan(ctx)
	if err != nil {
		return Message{}, false, fmt.Errorf("store: latest message: %w", err)
	}
	if len(rows) == 0 {
		return Message{}, false, nil
	}
	return rows[0].toMessage(), true, nil
}

// ThreadOpeners returns, for each response of the question, the first message of its thread
// that is not a system message (the response's text), keyed by response UUID; a thread without
// one has no entry. One indexed read of messages_thread_idx per response, each stopping at its
// first match.
func (tx *TenantTx) ThreadOpeners(ctx context.Context, questionUUID uuid.UUID, responseUUIDs []uuid.UUID) (map[uuid.UUID]Message, error) {
	out := make(map[uuid.UUID]Message, len(responseUUIDs))
	for _, r := range responseUUIDs {
		var rows []messageRow
		err := tx.tx.NewSelect().Model(&rows).
			Where("m.tenant_id = ?", tx.tenant).
			Where("m.question_uuid = ?", questionUUID).
			Where("m.response_uuid = ?", r).
			Where("m.author_type <> 'SYSTEM'").
			OrderExpr("m.seq ASC").
			Limit(1).
			Scan(ctx)
		if err != nil {
			return nil, fmt.Errorf("store: thread openers: %w", err)
		}
		if len(rows) == 1 {
			out[r] = rows[0].toMessage()
		}
	}
	return out, nil
}
