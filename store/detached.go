package store

import (
	"context"
	"database/sql"

	"github.com/uptrace/bun"
)

// detachedTx is the transaction a TenantTx writes through: once a statement has started it runs
// to completion whatever becomes of the context of the request that issued it.
//
// On SQLite a statement whose context ends is interrupted, and an interrupted write inside a
// transaction makes SQLite roll the whole transaction back. With group commit that transaction
// is shared: one client going away (or a handler's deadline passing) would fail every other
// request in its group. So the context still decides whether a request's work starts (a caller
// whose context ended while queued leaves the queue: groupcommit.go) but not whether a started
// statement finishes; the request that gave up simply does not wait for the answer.
//
// Its statements also run prepared, from stmts (stmtcache.go): all of them on SQLite, the
// SELECTs on PostgreSQL, where a use case's writes go as one batch instead.
type detachedTx struct {
	bun.Tx
	stmts *stmtCache
	held  *heldWrites // PostgreSQL: a write batch waiting for the next statement or the commit
}

// noCancelConn runs the query builders' statements on the raw transaction without its
// context's cancellation (bun's own Tx would run the query hooks a second time).
type noCancelConn struct {
	tx    *sql.Tx
	stmts *stmtCache
	held  *heldWrites
}

func (c noCancelConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = context.WithoutCancel(ctx)
	if err := c.held.send(ctx, c.tx); err != nil {
		return nil, err
	}
	if len(args) == 0 {
		if st, lifted, ok := c.stmts.prepared(ctx, c.tx, query); ok {
			defer st.Close()
			return st.ExecContext(ctx, lifted...)
		}
	}
	return c.tx.ExecContext(ctx, query, args...)
}

func (c noCancelConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = context.WithoutCancel(ctx)
	if err := c.held.send(ctx, c.tx); err != nil {
		return nil, err
	}
	if len(args) == 0 {
		if st, lifted, ok := c.stmts.prepared(ctx, c.tx, query); ok {
			return st.QueryContext(ctx, lifted...) // st is closed with the transaction
		}
	}
	return c.tx.QueryContext(ctx, query, args...)
}

func (c noCancelConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = context.WithoutCancel(ctx)
	// A failed batch is kept in held.err for InTenantTx; the row's statement then fails in the
	// aborted transaction.
	_ = c.held.send(ctx, c.tx)
	if len(args) == 0 {
		if st, lifted, ok := c.stmts.prepared(ctx, c.tx, query); ok {
			return st.QueryRowContext(ctx, lifted...)
		}
	}
	return c.tx.QueryRowContext(ctx, query, args...)
}

func (t detachedTx) conn() bun.IConn { return noCancelConn{t.Tx.Tx, t.stmts, t.held} }

func (t detachedTx) NewSelect() *bun.SelectQuery { return t.Tx.NewSelect().Conn(t.conn()) }
func (t detachedTx) NewInsert() *bun.InsertQuery { return t.Tx.NewInsert().Conn(t.conn()) }
func (t detachedTx) NewUpdate() *bun.UpdateQuery { return t.Tx.NewUpdate().Conn(t.conn()) }
func (t detachedTx) NewDelete() *bun.DeleteQuery { return t.Tx.NewDelete().Conn(t.conn()) }

func (t detachedTx) NewRaw(query string, args ...any) *bun.RawQuery {
	return t.Tx.NewRaw(query, args...).Conn(t.conn())
}

// ExecContext runs query through bun (its query hooks count it) on the detached connection.
func (t detachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.NewRaw(query, args...).Exec(ctx)
}
