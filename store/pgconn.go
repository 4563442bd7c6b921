package store

import (
	"context"
	"database/sql/driver"
	"strings"
	"sync/atomic"

	"github.com/uptrace/bun/driver/pgdriver"
)

// PostgreSQL connections that do not spend a round trip on BEGIN or COMMIT when the statements
// around them can carry them.
//
// database/sql sends BEGIN when a transaction starts and COMMIT when it ends, each on its own
// round trip. A write use case here is a few reads and one batch of writes (batch.go), so those
// two were a quarter of its round trips, and each round trip costs PostgreSQL and the server a
// wake-up and a pair of socket calls whatever the statement.
//
//   - BEGIN is owed, not sent, when a transaction starts. The transaction's first statement
//     carries it if it goes as a simple query ("BEGIN;\n" in front of its text, one message, one
//     answer). So does a statement prepared by the store: while BEGIN is owed it goes as a
//     simple query with its values written in (pgStmt), parsed again but with no round trip of
//     BEGIN's own; the transaction's later statements run prepared. A transaction
//     that sends nothing sends neither BEGIN nor COMMIT.
//   - A simple query that ends with inlineCommit commits the transaction itself (the store's
//     final write batch: TenantTx.commit, batch.go); the transaction's Commit then has nothing left to send.
//     In a multi-statement query PostgreSQL stops at the first error, so that COMMIT runs only
//     if every write before it succeeded; if one failed, the transaction block is left aborted
//     and Rollback ends it, as it would have.
//
// Transactions with an isolation level or READ ONLY begin as pgdriver begins them.

// inlineCommit ends a simple query that commits its transaction (pgConn.ExecContext).
const inlineCommit = ";\nCOMMIT"

// pgConnector makes pgdriver's connections into pgConns. trips counts the queries its
// connections send (each waits for its answer: a round trip), for Store.RoundTrips; preparing a
// statement is not counted (once per statement and connection, mostly in the background).
type pgConnector struct {
	*pgdriver.Connector
	trips *atomic.Int64
}

func newPGConnector(c *pgdriver.Connector) pgConnector {
	return pgConnector{c, new(atomic.Int64)}
}

func (c pgConnector) Connect(ctx context.Context) (driver.Conn, error) {
	cn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &pgConn{Conn: cn.(*pgdriver.Conn), trips: c.trips}, nil
}

// pgConn is a pgdriver connection whose transactions begin and commit with their statements.
// database/sql uses a connection from one goroutine at a time, so its state needs no lock.
type pgConn struct {
	*pgdriver.Conn
	trips     *atomic.Int64
	owesBegin bool // a transaction has started and PostgreSQL has not been told
	committed bool // the transaction's COMMIT went with its last statement
}

var (
	_ driver.ConnBeginTx        = (*pgConn)(nil)
	_ driver.ExecerContext      = (*pgConn)(nil)
	_ driver.QueryerContext     = (*pgConn)(nil)
	_ driver.ConnPrepareContext = (*pgConn)(nil)
	_ driver.SessionResetter    = (*pgConn)(nil)
	_ driver.Validator          = (*pgConn)(nil)
	_ driver.Pinger             = (*pgConn)(nil)
)

func (cn *pgConn) Begin() (driver.Tx, error) {
	return cn.BeginTx(context.Background(), driver.TxOptions{})
}

func (cn *pgConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if opts.Isolation != driver.IsolationLevel(0) || opts.ReadOnly {
		t, err := cn.Conn.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		return pgTx{cn, t}, nil
	}
	if !cn.IsValid() {
		return nil, driver.ErrBadConn
	}
	cn.owesBegin, cn.committed = true, false
	return pgTx{cn, nil}, nil
}

// withBegin puts the owed BEGIN in front of a simple query's text.
func (cn *pgConn) withBegin(query string) string {
	if !cn.owesBegin {
		return query
	}
	cn.owesBegin = false
	return "BEGIN;\n" + query
}

func (cn *pgConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cn.trips.Add(1)
	res, err := cn.Conn.ExecContext(ctx, cn.withBegin(query), args)
	if err == nil && strings.HasSuffix(query, inlineCommit) {
		cn.committed = true
	}
	return res, err
}

func (cn *pgConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cn.trips.Add(1)
	return cn.Conn.QueryContext(ctx, cn.withBegin(query), args)
}

func (cn *pgConn) Prepare(query string) (driver.Stmt, error) {
	return cn.PrepareContext(context.Background(), query)
}

func (cn *pgConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	// Not counted in trips: a statement is parsed once per connection, and in the background.
	st, err := cn.Conn.PrepareContext(ctx, query) // Parse is not part of any transaction
	if err != nil {
		return nil, err
	}
	return &pgStmt{st.(pgdriverStmt), cn, query}, nil
}

func (cn *pgConn) ResetSession(ctx context.Context) error {
	cn.owesBegin, cn.committed = false, false
	return cn.Conn.ResetSession(ctx)
}

// pgdriverStmt is what pgdriver's prepared statements implement.
type pgdriverStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
}

// pgStmt is a prepared statement that carries its connection's owed BEGIN. The extended
// protocol's messages cannot, so the statement then goes as a simple query, with pgdriver
// writing its values into the text as it does for any query with arguments: one round trip
// where BEGIN on its own and then the prepared statement took two.
type pgStmt struct {
	pgdriverStmt
	cn    *pgConn
	query string
}

func (st *pgStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if st.cn.owesBegin {
		return st.cn.ExecContext(ctx, st.query, args)
	}
	st.cn.trips.Add(1)
	return st.pgdriverStmt.ExecContext(ctx, args)
}

func (st *pgStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if st.cn.owesBegin {
		return st.cn.QueryContext(ctx, st.query, args)
	}
	st.cn.trips.Add(1)
	return st.pgdriverStmt.QueryContext(ctx, args)
}

// pgTx ends a transaction, sending only what PostgreSQL has not been told.
type pgTx struct {
	cn *pgConn
	tx driver.Tx // pgdriver's, for a transaction it began itself (isolation, READ ONLY)
}

func (t pgTx) Commit() error {
	if t.tx != nil {
		return t.tx.Commit()
	}
	cn := t.cn
	if cn.owesBegin || cn.committed { // nothing was sent, or the COMMIT was
		cn.owesBegin, cn.committed = false, false
		return nil
	}
	cn.trips.Add(1)
	_, err := cn.Conn.ExecContext(context.Background(), "COMMIT", nil)
	return err
}

func (t pgTx) Rollback() error {
	if t.tx != nil {
		return t.tx.Rollback()
	}
	cn := t.cn
	if cn.owesBegin || cn.committed {
		cn.owesBegin, cn.committed = false, false
		return nil
	}
	cn.trips.Add(1)
	_, err := cn.Conn.ExecContext(context.Background(), "ROLLBACK", nil)
	return err
}
