package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/uptrace/bun/schema"
)

// writeQuery is a bun INSERT, UPDATE or DELETE: run now, or formatted into a batch.
type writeQuery interface {
	AppendQuery(gen schema.QueryGen, b []byte) ([]byte, error)
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
}

// Batch runs fn with the transaction's write methods queued instead of sent, then sends what
// they queued: on PostgreSQL as one multi-statement query (one round trip for the whole change,
// whatever its number of rows and tables), on SQLite one statement after the other (in process:
// no round trip to save, and a script would make SQLite parse its first statement twice).
//
// Queued are InsertMessage, DeleteMessagesByUUID, DeleteMessages, MarkMessagesRead,
// UpdateQuestion, InsertResponse's row, UpdateResponse, InsertEvent, InsertOffers, ScheduleJob
// and CancelJob; reads and id allocation still run at once. A queued write learns nothing back:
// counts are 0, Seq is not assigned, and a missing row (UPDATE of nothing) or a duplicate key
// absorbed by ON CONFLICT DO NOTHING go unnoticed, so batch only writes whose rows the
// transaction has already read or locked, or has just created. Any other failure (a foreign key,
// a constraint) is returned by Batch, mapped as the write methods map it, and the caller must
// then roll back (return it from the InTenantTx callback). fn must not rely on reads seeing its
// queued writes. Nested calls join the outer batch.
func (tx *TenantTx) Batch(ctx context.Context, fn func() error) error {
	if tx.batching {
		return fn()
	}
	tx.batching = true
	err := fn()
	tx.batching = false
	pending := tx.pending
	tx.pending = nil
	if err != nil || len(pending) == 0 {
		return err
	}
	if tx.dialect == DialectPostgres {
		_, err = tx.tx.ExecContext(ctx, strings.Join(pending, ";\n"))
		return mapWriteErr("write batch", err)
	}
	for _, q := range pending {
		if _, err := tx.tx.ExecContext(ctx, q); err != nil {
			return mapWriteErr("write batch", err)
		}
	}
	return nil
}

// exec runs q, or queues it inside a Batch (then the result is nil).
func (tx *TenantTx) exec(ctx context.Context, q writeQuery) (sql.Result, error) {
	if !tx.batching {
		return q.Exec(ctx)
	}
	b, err := q.AppendQuery(tx.gen, nil)
	if err != nil {
		return nil, err
	}
	tx.pending = append(tx.pending, string(b))
	return nil, nil
}

// returning is the RETURNING clause of a write that reads back cols when sent alone; in a
// batch nothing can be read back (and PostgreSQL's multi-statement protocol carries no rows), so
// it is "NULL", which also stops bun from adding its own RETURNING of the key.
func (tx *TenantTx) returning(cols string) string {
	if tx.batching {
		return "NULL"
	}
	return cols
}
