package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"

	"github.com/uptrace/bun"
)

// Prepared statements for SQLite's write transactions.
//
// Bun writes every value into the SQL text, so each statement is new to SQLite and is parsed and
// compiled again, with the programs of every trigger it fires: that was about a quarter of the
// server's CPU on the ask path, all of it spent by the one writer. Inside a write transaction the
// statement's literals are therefore lifted out into parameters (liftLiterals): statements of
// the same shape share one text, which is prepared once per connection and kept (stmtCache).
// The values bound are the very text and numbers bun wrote, so what is stored is unchanged.
//
// A literal compared with a column that a partial index's WHERE tests (e.g. channel =
// 'helpdesk') stays in the text: SQLite can use a partial index only when it can prove its
// condition from the statement, which it cannot from a parameter. partialIndexColumns lists
// those columns; a test checks it against the schema.

// partialIndexColumns are the columns compared with a literal in a partial index's WHERE.
var partialIndexColumns = []string{"channel", "author_type", "state"}

// maxCachedStmts bounds the cache; statements beyond it run unprepared, as before.
const maxCachedStmts = 512

type stmtCache struct {
	db     *sql.DB
	dollar bool // PostgreSQL's $n placeholders
	// selectsOnly: inside transactions, only SELECT statements run prepared (PostgreSQL: see
	// prepared).
	selectsOnly bool

	mu      sync.Mutex
	stmts   map[string]*sql.Stmt
	pending map[string]bool // being prepared in the background (prepareLater)
	closed  bool
	later   sync.WaitGroup
}

func newStmtCache(db *sql.DB, dialect string) *stmtCache {
	pg := dialect == DialectPostgres
	return &stmtCache{db: db, dollar: pg, selectsOnly: pg, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// prepareLater returns the prepared statement for query if the cache has one; otherwise it
// starts preparing it in the background (on a pooled connection, once one is free) and returns
// nil. A PostgreSQL transaction meeting a new shape must not prepare it on the spot: that takes a
// second connection from the pool while the transaction holds one, and with every connection
// held by transactions doing the same, none would ever be free (it happened: every add message
// of a load run hung). So the statement runs as written this time, and prepared once the
// background has prepared it.
func (c *stmtCache) prepareLater(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, known := c.stmts[query]; known || len(c.stmts) >= maxCachedStmts || c.pending[query] || c.closed {
		return st
	}
	c.pending[query] = true
	c.later.Add(1)
	go func() {
		defer c.later.Done()
		st, err := c.db.PrepareContext(context.Background(), query)
		if err != nil {
			st = nil
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.pending, query)
		c.keep(query, st)
	}()
	return nil
}

// keep records st (nil: query cannot be prepared) as query's statement and returns the one
// recorded: an earlier one if another caller prepared it meanwhile, nil once the cache is
// closed. The caller holds mu.
func (c *stmtCache) keep(query string, st *sql.Stmt) *sql.Stmt {
	if prev, ok := c.stmts[query]; ok || c.closed {
		if st != nil {
			_ = st.Close()
		}
		return prev
	}
	c.stmts[query] = st
	return st
}

// get returns the prepared statement for query, preparing it at first use; nil when the cache
// is full or the statement cannot be prepared (remembered: the caller runs the statement as it
// was, and gets its error there if it has one).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, known := c.stmts[query]
	full := len(c.stmts) >= maxCachedStmts
	c.mu.Unlock()
	if known || full {
		return st
	}
	// Prepared without the lock: preparing takes a pooled connection, and whoever holds one
	// (e.g. a stream with rows open) may be waiting for this cache.
	st, err := c.db.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		st = nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.keep(query, st)
}

// forget marks query as one to run as it is from now on.
func (c *stmtCache) forget(query string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.stmts[query]; st != nil {
		_ = st.Close()
	}
	c.stmts[query] = nil
}

func (c *stmtCache) close() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.later.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.stmts {
		if st != nil {
			_ = st.Close()
		}
		delete(c.stmts, q)
	}
}

// prepared returns query's statement inside tx with its lifted arguments, or ok=false when
// query should run as it is.
//
// On PostgreSQL only the transaction's SELECTs run prepared: its writes go as one batch
// (batch.go), and its reads (the question locked for update, its responses, its working set)
// were otherwise parsed and planned on every call, ~0.1 ms of the backend's CPU each, a third of
// an add message's statements' time. Inside a transaction a lifted statement that failed could
// not run again as written (the transaction is aborted by then), so the shape is proven first:
// it is prepared on a pooled connection, in the background (prepareLater), before any
// transaction's connection uses it (a shape PostgreSQL cannot type stays unprepared), and a
// parameter gets the type the literal would have been coerced to in its place (a column's,
// LIMIT's), so a value the literal accepts is accepted bound.
func (c *stmtCache) prepared(ctx context.Context, tx *sql.Tx, query string) (st *sql.Stmt, args []any, ok bool) {
	if c == nil || c.selectsOnly && !strings.HasPrefix(query, "SELECT ") {
		return nil, nil, false
	}
	shape, args, ok := liftLiterals(query, c.dollar)
	if !ok {
		return nil, nil, false
	}
	var parent *sql.Stmt
	if c.dollar {
		parent = c.prepareLater(shape)
	} else { // SQLite: the one writer holds one connection; the pool has others
		parent = c.get(ctx, shape)
	}
	if parent == nil {
		return nil, nil, false
	}
	// On the transaction's connection the statement is prepared once and then reused.
	return tx.StmtContext(context.WithoutCancel(ctx), parent), args, true
}

// liftLiterals replaces the string, blob and numeric literals of a DML statement with ? and returns
// them as arguments, in order. ok is false for anything else (DDL, PRAGMA, statements that
// already have parameters), which then runs as it is.
//
// With dollar (PostgreSQL) the parameters are written $1, $2, …, and numbers with a fraction or
// an exponent stay in the text: a parameter takes its type from its context, and in an integer
// expression "1.5" would fail where the literal 1.5 makes the expression numeric.
func liftLiterals(query string, dollar bool) (shape string, args []any, ok bool) {
	head := strings.TrimLeft(query, " \t\n")
	if len(head) < 6 {
		return "", nil, false
	}
	switch strings.ToUpper(head[:6]) {
	case "INSERT", "UPDATE", "DELETE", "SELECT", "SAVEPO", "RELEAS", "ROLLBA": // DML; savepoints
	default:
		return "", nil, false
	}
	var b strings.Builder
	b.Grow(len(query))
	for i := 0; i < len(query); {
		c := query[i]
		switch {
		case c == ':' && i+1 < len(query) && query[i+1] == ':': // a PostgreSQL cast
			b.WriteString("::")
			i += 2
		case c == '?' || c == '$' || c == ':' || c == '@' || c == ';':
			return "", nil, false // parameters of its own; several statements
		case c == '-' && i+1 < len(query) && query[i+1] == '-', c == '/' && i+1 < len(query) && query[i+1] == '*':
			return "", nil, false // comments: not worth the trouble
		case c == '"' || c == '`' || c == '[':
			end := closing(query, i)
			if end < 0 {
				return "", nil, false
			}
			b.WriteString(query[i : end+1])
			i = end + 1
		case c == '\'':
			end := closing(query, i)
			if end < 0 {
				return "", nil, false
			}
			if keepLiteral(previousWord(query, i)) { // a partial index may need to see it
				b.WriteString(query[i : end+1])
			} else {
				args = append(args, strings.ReplaceAll(query[i+1:end], "''", "'"))
				placeholder(&b, len(args), dollar)
			}
			i = end + 1
		case c >= '0' && c <= '9' && (i == 0 || !isIdentByte(query[i-1]) && query[i-1] != '.'):
			j := i
			for j < len(query) && (query[j] >= '0' && query[j] <= '9') {
				j++
			}
			isFloat := false
			if j < len(query) && (query[j] == '.' || query[j] == 'e' || query[j] == 'E') {
				isFloat = true
				for j < len(query) && (query[j] >= '0' && query[j] <= '9' || query[j] == '.' || query[j] == 'e' || query[j] == 'E' ||
					(query[j] == '+' || query[j] == '-') && (query[j-1] == 'e' || query[j-1] == 'E')) {
					j++
				}
			}
			lit := query[i:j]
			var v any
			var err error
			if isFloat {
				v, err = strconv.ParseFloat(lit, 64)
			} else {
				v, err = strconv.ParseInt(lit, 10, 64)
			}
			prev := previousWord(query, i)
			if err != nil || j < len(query) && isIdentByte(query[j]) || strings.EqualFold(prev, "BY") || keepLiteral(prev) || isFloat && dollar {
				b.WriteString(lit) // out of range, part of a name, ORDER/GROUP BY n, a partial index's
			} else {
				args = append(args, v)
				placeholder(&b, len(args), dollar)
			}
			i = j
		case isIdentByte(c):
			j := i
			for j < len(query) && isIdentByte(query[j]) {
				j++
			}
			if j == i+1 && (c == 'X' || c == 'x') && j < len(query) && query[j] == '\'' { // X'…': a blob
				end := closing(query, j)
				if end < 0 {
					return "", nil, false
				}
				blob, err := hex.DecodeString(query[j+1 : end])
				if err != nil {
					return "", nil, false
				}
				args = append(args, blob)
				placeholder(&b, len(args), dollar)
				i = end + 1
				continue
			}
			b.WriteString(query[i:j])
			i = j
		default:
			b.WriteByte(c)
			i++
		}
	}
	return b.String(), args, true
}

func placeholder(b *strings.Builder, n int, dollar bool) {
	if !dollar {
		b.WriteByte('?')
		return
	}
	b.WriteByte('$')
	b.WriteString(strconv.Itoa(n))
}

// closing returns the index of the quote closing the one at open (a doubled quote escapes it), or -1.
func closing(s string, open int) int {
	q := s[open]
	if q == '[' {
		q = ']'
	}
	for i := open + 1; i < len(s); i++ {
		if s[i] != q {
			continue
		}
		if q != ']' && i+1 < len(s) && s[i+1] == q {
			i++
			continue
		}
		return i
	}
	return -1
}

// previousWord is the token before position i, skipping spaces and one comparison operator:
// for `q.channel = 'x'` it is "q.channel" → compared by keepLiteral on its last part. For
// `ORDER BY 1` it is "BY".
func previousWord(s string, i int) string {
	j := i - 1
	for j >= 0 && s[j] == ' ' {
		j--
	}
	for j >= 0 && strings.IndexByte("=<>!", s[j]) >= 0 {
		j--
	}
	for j >= 0 && s[j] == ' ' {
		j--
	}
	end := j + 1
	for j >= 0 && (isIdentByte(s[j]) || s[j] == '.' || s[j] == '"') {
		j--
	}
	return strings.ReplaceAll(s[j+1:end], `"`, "")
}

// keepLiteral: word is a column a partial index tests (with or without its table alias).
func keepLiteral(word string) bool {
	if k := strings.LastIndexByte(word, '.'); k >= 0 {
		word = word[k+1:]
	}
	for _, c := range partialIndexColumns {
		if strings.EqualFold(word, c) {
			return true
		}
	}
	return false
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// cachedConn runs the reads of preparedDB prepared from the cache (any pooled connection:
// database/sql prepares a statement once on each connection it runs on). On PostgreSQL a
// parameter takes its type from its context where a literal has its own, so a lifted statement
// that fails is run again as it was written, and its shape is not lifted again.
type cachedConn struct {
	db    *sql.DB
	stmts *stmtCache
}

func (c cachedConn) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, query, args...) // writes go through transactions
}

func (c cachedConn) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if len(args) == 0 {
		if shape, lifted, ok := liftLiterals(query, c.stmts.dollar); ok {
			if st := c.stmts.get(ctx, shape); st != nil {
				rows, err := st.QueryContext(ctx, lifted...)
				if err == nil || ctx.Err() != nil || !c.stmts.dollar {
					return rows, err
				}
				c.stmts.forget(shape)
			}
		}
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c cachedConn) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return c.db.QueryRowContext(ctx, query, args...) // its error shows only at Scan: not lifted
}

// preparedDB is the Store's database for the hot reads of the write paths (the ranking's
// inputs, settings, token lookups): on SQLite their selects run prepared.
type preparedDB struct {
	*bun.DB
	conn cachedConn
}

func (d preparedDB) NewSelect() *bun.SelectQuery { return d.DB.NewSelect().Conn(d.conn) }

func (d preparedDB) NewRaw(query string, args ...any) *bun.RawQuery {
	return d.DB.NewRaw(query, args...).Conn(d.conn)
}

// reads is the database the hot reads use, with their statements prepared.
func (s *Store) reads() bun.IDB {
	return preparedDB{DB: s.db, conn: cachedConn{db: s.db.DB, stmts: s.readStmts}}
}
