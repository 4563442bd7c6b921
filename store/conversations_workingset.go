package store

import (
	"cmp"
	"context"
	"fmt"
	"slices"

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

// workingSetRow is a message of WorkingSet's read; Last marks the newest message of the asked
// types (the other rows are the system messages).
type workingSetRow struct {
	messageRow `bun:",extend"`
	Last       bool `bun:"ws_last,scanonly"`
}

// workingSetColumns are messageRow's columns, in its order.
const workingSetColumns = "m.seq, m.tenant_id, m.uuid, m.question_uuid, m.response_uuid, m.type, m.author_type, " +
	"m.author_uuid, m.author_name, m.body, m.is_read, m.created_at"

// WorkingSet returns, in one read (one round trip on PostgreSQL), the question's system messages
// (author type SYSTEM, all levels) in Seq order, and its newest message (highest Seq, any level)
// whose type is one of types (ok false when there is none). Its cost does not grow with the
// conversation: the system messages come from the partial index messages_system_idx (its cost
// depends on how many system messages the question has), and the newest message from a walk of
// the question's messages backwards from the newest, which stops at the first match.
func (tx *TenantTx) WorkingSet(ctx context.Context, questionUUID uuid.UUID, types ...string) (system []Message, last Message, ok bool, err error) {
	var rows []workingSetRow
	err = tx.tx.NewRaw(
		"SELECT * FROM (SELECT "+workingSetColumns+", FALSE AS ws_last FROM messages AS m"+
			" WHERE m.tenant_id = ? AND m.question_uuid = ? AND m.author_type = 'SYSTEM'"+ // literal: the partial index's predicate
			" ORDER BY m.seq ASC) AS s"+
			" UNION ALL "+
			"SELECT * FROM (SELECT "+workingSetColumns+", TRUE AS ws_last FROM messages AS m"+
			" WHERE m.tenant_id = ? AND m.question_uuid = ? AND m.type IN (?)"+
			" ORDER BY m.seq DESC LIMIT 1) AS l",
		tx.tenant, questionUUID, tx.tenant, questionUUID, bun.In(types)).
		Scan(ctx, &rows)
	if err != nil {
		return nil, Message{}, false, fmt.Errorf("store: working set: %w", err)
	}
	for i := range rows {
		if rows[i].Last {
			last, ok = rows[i].toMessage(), true
			continue
		}
		system = append(system, rows[i].toMessage())
	}
	// A UNION ALL promises no order: put the system messages back in Seq order.
	slices.SortFunc(system, func(a, b Message) int { return cmp.Compare(a.Seq, b.Seq) })
	return system, last, ok, nil
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
