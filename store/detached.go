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
type detachedTx struct{ bun.Tx }

// noCancelConn runs the query builders' statements on the raw transaction without its
// context's cancellation (bun's own Tx would run the query hooks a second time).
type noCancelConn struct{ tx *sql.Tx }

func (c noCancelConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.tx.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (c noCancelConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return c.tx.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (c noCancelConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return c.tx.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}

func (t detachedTx) conn() bun.IConn { return noCancelConn{t.Tx.Tx} }

func (t detachedTx) NewSelect() *bun.SelectQuery { return t.Tx.NewSelect().Conn(t.conn()) }
func (t detachedTx) NewInsert() *bun.InsertQuery { return t.Tx.NewInsert().Conn(t.conn()) }
func (t detachedTx) NewUpdate() *bun.UpdateQuery { return t.Tx.NewUpdate().Conn(t.conn()) }
func (t detachedTx) NewDelete() *bun.DeleteQuery { return t.Tx.NewDelete().Conn(t.conn()) }

func (t detachedTx) NewRaw(query string, args ...any) *bun.RawQuery {
	return t.Tx.NewRaw(query, args...).Conn(t.conn())
}

func (t detachedTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(context.WithoutCancel(ctx), query, args...)
}

func (t detachedTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(context.WithoutCancel(ctx), query, args...)
}

func (t detachedTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(context.WithoutCancel(ctx), query, args...)
}
