package store

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/uptrace/bun/driver/pgdriver"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// isUniqueViolation reports a unique / primary-key constraint violation.
func isUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE || se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
	}
	var pe pgdriver.Error
	if errors.As(err, &pe) {
		return pe.Field('C') == "23505"
	}
	return false
}

// isForeignKeyViolation reports a foreign-key constraint violation.
func isForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe pgdriver.Error
	if errors.As(err, &pe) {
		return pe.Field('C') == "23503"
	}
	return false
}

// mapWriteErr turns constraint violations into ErrConflict / ErrNotFound
// (wrapped, keeping the driver error's text for logs).
func mapWriteErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case isUniqueViolation(err):
		return fmt.Errorf("store: %s: %w (%v)", op, ErrConflict, err)
	case isForeignKeyViolation(err):
		return fmt.Errorf("store: %s: referenced record %w (%v)", op, ErrNotFound, err)
	default:
		return fmt.Errorf("store: %s: %w", op, err)
	}
}

// mapReadErr turns sql.ErrNoRows into ErrNotFound.
func mapReadErr(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: %s: %w", op, ErrNotFound)
	default:
		return fmt.Errorf("store: %s: %w", op, err)
	}
}
