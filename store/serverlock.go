package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ClaimSQLiteFile marks this process as a server of the SQLite database for as long as it runs,
// by holding BEGIN EXCLUSIVE on the side file "<db>.server-lock" (the OS drops the lock if the
// process dies). taken reports that another process holds it already: two servers on one SQLite
// file share its data and its single writer, which is rarely what was meant. The claim does not
// stop anything; the caller warns. On PostgreSQL and :memory: there is nothing to claim.
func (s *Store) ClaimSQLiteFile(ctx context.Context) (release func(), taken bool, err error) {
	if s.sqlitePath == "" {
		return func() {}, false, nil
	}
	path := s.sqlitePath + ".server-lock"
	db, err := sql.Open("sqlite", path+"?_busy_timeout=0")
	if err != nil {
		return nil, false, err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, "BEGIN EXCLUSIVE")
		if err != nil {
			conn.Close()
		}
	}
	if err != nil {
		db.Close()
		var se *sqlite.Error
		if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
			return func() {}, true, nil
		}
		return nil, false, fmt.Errorf("store: claim %s: %w", path, err)
	}
	return func() {
		_, _ = conn.ExecContext(context.Background(), "ROLLBACK")
		_ = conn.Close()
		_ = db.Close()
	}, false, nil
}

// SQLitePath is the database file, or "" on PostgreSQL and :memory:.
func (s *Store) SQLitePath() string { return s.sqlitePath }
