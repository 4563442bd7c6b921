package store_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// forPostgres runs fn on a fresh, migrated PostgreSQL store, or skips when there is none.
func forPostgres(t *testing.T, fn func(t *testing.T, n storetest.Named)) {
	t.Helper()
	for _, n := range storetest.Stores(t) {
		if n.Name == store.DialectPostgres {
			fn(t, n)
			return
		}
	}
	t.Skip("no PostgreSQL")
}

// inTransactionBlock reports whether db's one connection is inside a transaction block
// (SAVEPOINT is refused outside one).
func inTransactionBlock(t *testing.T, ctx context.Context, exec func(context.Context, string, ...any) error) bool {
	t.Helper()
	err := exec(ctx, "SAVEPOINT probe")
	if err == nil {
		if err := exec(ctx, "RELEASE SAVEPOINT probe"); err != nil {
			t.Fatal(err)
		}
		return true
	}
	if !strings.Contains(err.Error(), "transaction block") {
		t.Fatalf("SAVEPOINT: %v", err)
	}
	return false
}

// TestPGTransactionsBeginAndCommitWithTheirStatements: a transaction's BEGIN goes with its first
// simple query and its COMMIT with a query ending in InlineCommit; whatever happens, the
// connection goes back to the pool outside any transaction, with nothing half-done.
func TestPGTransactionsBeginAndCommitWithTheirStatements(t *testing.T) {
	forPostgres(t, func(t *testing.T, n storetest.Named) {
		ctx := ctxT(t)
		db, trips := store.OpenPGPoolCounted(n.URL)
		defer db.Close()
		exec := func(ctx context.Context, q string, args ...any) error {
			_, err := db.ExecContext(ctx, q, args...)
			return err
		}
		if err := exec(ctx, "CREATE TABLE pgconn_t (k int PRIMARY KEY)"); err != nil {
			t.Fatal(err)
		}
		sel, err := db.PrepareContext(ctx, "SELECT count(*) FROM pgconn_t WHERE k = $1")
		if err != nil {
			t.Fatal(err)
		}
		defer sel.Close()
		count := func() (n int) {
			t.Helper()
			if err := db.QueryRowContext(ctx, "SELECT count(*) FROM pgconn_t").Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		// The first statement carries BEGIN: a second statement sees the first's row, and a
		// rollback undoes both.
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO pgconn_t VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		var in int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM pgconn_t").Scan(&in); err != nil || in != 1 {
			t.Fatalf("inside the transaction: %d rows, %v", in, err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != 0 {
			t.Fatalf("after the rollback: %d rows, want 0", got)
		}

		// A query ending in InlineCommit commits: Commit sends nothing more, the rows stay,
		// and the connection is outside any transaction.
		tx, _ = db.BeginTx(ctx, nil)
		if _, err := tx.ExecContext(ctx, "INSERT INTO pgconn_t VALUES (1);\nINSERT INTO pgconn_t VALUES (2)"+store.InlineCommit); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != 2 {
			t.Fatalf("after the inline commit: %d rows, want 2", got)
		}
		if inTransactionBlock(t, ctx, exec) {
			t.Fatal("the connection is still in a transaction after the inline commit")
		}

		// A failing write before the inline COMMIT: nothing of the transaction stays (the first
		// statement's row included), and Rollback leaves the connection usable.
		tx, _ = db.BeginTx(ctx, nil)
		if _, err := tx.ExecContext(ctx, "INSERT INTO pgconn_t VALUES (3)"); err != nil {
			t.Fatal(err)
		}
		_, err = tx.ExecContext(ctx, "INSERT INTO pgconn_t VALUES (4);\nINSERT INTO pgconn_t VALUES (1)"+store.InlineCommit)
		if err == nil || !strings.Contains(err.Error(), "duplicate key") {
			t.Fatalf("duplicate key in the committing query: %v", err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if got := count(); got != 2 {
			t.Fatalf("after the failed commit: %d rows, want 2", got)
		}
		if inTransactionBlock(t, ctx, exec) {
			t.Fatal("the connection is still in a transaction after the failed commit")
		}

		// A transaction that sends nothing: Commit and Rollback send nothing either.
		for _, end := range []string{"commit", "rollback"} {
			tx, _ = db.BeginTx(ctx, nil)
			if end == "commit" {
				err = tx.Commit()
			} else {
				err = tx.Rollback()
			}
			if err != nil {
				t.Fatalf("%s of an empty transaction: %v", end, err)
			}
			if inTransactionBlock(t, ctx, exec) {
				t.Fatalf("in a transaction after the empty transaction's %s", end)
			}
		}

		// rollBackInBlock rolls tx back, after checking that what ran first began its block.
		rollBackInBlock := func(tx *sql.Tx, first string) {
			t.Helper()
			if !inTransactionBlock(t, ctx, func(ctx context.Context, q string, args ...any) error {
				_, err := tx.ExecContext(ctx, q, args...)
				return err
			}) {
				t.Fatalf("%s ran outside a transaction block", first)
			}
			if err := tx.Rollback(); err != nil {
				t.Fatal(err)
			}
		}

		// A prepared statement first: BEGIN goes with it, in the one round trip of a simple
		// query with its values written in; the next run of it inside the transaction is the
		// prepared one. A rollback undoes its writes.
		st, err := db.PrepareContext(ctx, "INSERT INTO pgconn_t VALUES ($1)")
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		tx, _ = db.BeginTx(ctx, nil)
		before := trips()
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, 5); err != nil {
			t.Fatal(err)
		}
		if n := trips() - before; n != 1 {
			t.Errorf("the prepared statement carrying BEGIN: %d round trips, want 1", n)
		}
		if _, err := tx.StmtContext(ctx, st).ExecContext(ctx, 6); err != nil {
			t.Fatal(err)
		}
		var five int
		if err := tx.StmtContext(ctx, sel).QueryRowContext(ctx, 5).Scan(&five); err != nil || five != 1 {
			t.Fatalf("the prepared read of the prepared write: %d rows, %v", five, err)
		}
		if n := trips() - before; n != 3 {
			t.Errorf("three statements in the transaction: %d round trips, want 3", n)
		}
		rollBackInBlock(tx, "the prepared statement")

		// A prepared read first carries BEGIN too.
		tx, _ = db.BeginTx(ctx, nil)
		before = trips()
		var none int
		if err := tx.StmtContext(ctx, sel).QueryRowContext(ctx, 1).Scan(&none); err != nil || none != 1 {
			t.Fatalf("the prepared read carrying BEGIN: %d rows, %v", none, err)
		}
		if n := trips() - before; n != 1 {
			t.Errorf("the prepared read carrying BEGIN: %d round trips, want 1", n)
		}
		rollBackInBlock(tx, "the prepared read")
		if got := count(); got != 2 {
			t.Fatalf("after rolling back the prepared insert: %d rows, want 2", got)
		}
	})
}

// TestHeldBatch: on PostgreSQL a batch waits for the transaction's next statement or its commit.
// A read after it sees its writes; its failure fails the transaction even if the callback
// ignores the error of the statement that sent it; a transaction that sends nothing costs
// nothing. (TestBatch counts the one round trip of a transaction of one batch.)
func TestHeldBatch(t *testing.T) {
	forPostgres(t, func(t *testing.T, n storetest.Named) {
		s := n.Store
		ctx := ctxT(t)
		tn := mustTenant(t, s, "held")
		q := newHelpDeskQuestion("h1")
		mustInsertQuestion(t, s, tn.ID, q)
		msg := func(body string) store.Message {
			return store.Message{QuestionUUID: q.UUID, Type: "message", AuthorType: "USER", AuthorName: "Ann", Body: body}
		}

		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			if err := tx.Batch(ctx, func() error {
				m := msg("one")
				return tx.InsertMessage(ctx, &m)
			}); err != nil {
				return err
			}
			ms, err := tx.FirstMessages(ctx, q.UUID, 10)
			if err != nil {
				return err
			}
			if len(ms) != 1 || ms[0].Body != "one" {
				t.Errorf("the read after the batch saw %+v, want the batch's message", ms)
			}
			return tx.Batch(ctx, func() error {
				m := msg("two")
				return tx.InsertMessage(ctx, &m)
			})
		})
		if ms, _ := s.QuestionMessages(ctx, tn.ID, q.UUID); len(ms) != 2 {
			t.Fatalf("after the transaction: %d messages, want 2", len(ms))
		}

		// The batch fails (an orphan message) when the read sends it; the callback ignores
		// that and returns nil: the transaction still fails, with the batch's mapped error.
		err := s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			_ = tx.Batch(ctx, func() error {
				ok := msg("lost")
				if err := tx.InsertMessage(ctx, &ok); err != nil {
					return err
				}
				bad := msg("orphan")
				bad.QuestionUUID = uuid.New()
				return tx.InsertMessage(ctx, &bad)
			})
			_, _ = tx.FirstMessages(ctx, q.UUID, 10)
			return nil
		})
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("a failed held batch: %v, want ErrNotFound", err)
		}
		if ms, _ := s.QuestionMessages(ctx, tn.ID, q.UUID); len(ms) != 2 {
			t.Fatalf("after the failed batch: %d messages, want 2", len(ms))
		}

		// Nothing sent, nothing to begin or commit.
		trips := s.RoundTrips()
		inTx(t, s, tn.ID, func(*store.TenantTx) error { return nil })
		if got := s.RoundTrips() - trips; got != 0 {
			t.Errorf("an empty transaction: %d round trips, want 0", got)
		}
	})
}
