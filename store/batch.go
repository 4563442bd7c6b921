package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
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
// On PostgreSQL that query is held until the transaction's next statement, which it goes just
// before, or its end, where it carries the COMMIT (heldWrites): a use case whose batch is its
// last step commits in the batch's round trip. Its errors then come back from that statement
// (or from InTenantTx), not from Batch; either way the transaction fails with them.
//
// Queued are InsertMessage, DeleteMessagesByUUID, DeleteMessages, MarkMessagesRead,
// UpdateQuestion, InsertResponse's row, UpdateResponse, InsertEvent, InsertOffers, ScheduleJob,
// CancelJob and, on PostgreSQL, InsertQuestion (see queueQuestion); reads and id allocation
// still run at once. A queued write learns nothing back:
// counts are 0, Seq is not assigned, and a missing row (UPDATE of nothing) or a duplicate key
// absorbed by ON CONFLICT DO NOTHING go unnoticed, so batch only writes whose rows the
// transaction has already read or locked, or has just created. Any other failure (a foreign key,
// a constraint) is returned, mapped as the write methods map it, and the caller must then roll
// back (return it from the InTenantTx callback). fn must not rely on reads seeing its queued
// writes. Nested calls join the outer batch.
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
	if held := tx.tx.held; held != nil {
		held.sql = append(held.sql, pending...)
		return nil
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

// heldWrites is a PostgreSQL transaction's write batch that has not been sent yet. The
// transaction's next statement sends it first (send); its commit sends it with the COMMIT in
// one query (commit). err keeps the first failure to send it, which InTenantTx returns
// whatever the callback made of it.
type heldWrites struct {
	sql []string
	err error
}

// send sends the held writes on tx, if any.
func (h *heldWrites) send(ctx context.Context, tx *sql.Tx) error {
	if h == nil || len(h.sql) == 0 {
		return nil
	}
	q := strings.Join(h.sql, ";\n")
	h.sql = nil
	_, err := tx.ExecContext(ctx, q)
	return h.failed(err)
}

func (h *heldWrites) failed(err error) error {
	if err == nil {
		return nil
	}
	err = mapWriteErr("write batch", err)
	if h.err == nil {
		h.err = err
	}
	return err
}

// commit commits btx, on PostgreSQL with the held writes in the same query (pgConn). A failed
// send leaves btx for the caller to roll back.
func (tx *TenantTx) commit(ctx context.Context, btx bun.Tx) error {
	if h := tx.tx.held; h != nil {
		if h.err != nil {
			return h.err
		}
		if len(h.sql) > 0 {
			q := strings.Join(h.sql, ";\n") + inlineCommit
			h.sql = nil
			if _, err := tx.tx.ExecContext(ctx, q); err != nil { // bun counts it (Queries)
				return h.failed(err)
			}
		}
	}
	if err := btx.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", err)
	}
	return nil
}

// heldErr is the error of held writes that failed to send, if any: it is why the
// transaction failed, whatever the callback returned after it.
func (tx *TenantTx) heldErr() error {
	if h := tx.tx.held; h != nil {
		return h.err
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
