package store_test

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestBatch: writes queued in a Batch are all applied, in order, by one query on PostgreSQL;
// a failing one fails the batch with the write methods' error mapping, and the rollback undoes
// the batch and what came before it.
func TestBatch(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "batch")
		q := newHelpDeskQuestion("b1")
		mustInsertQuestion(t, s, tn.ID, q)
		msg := func(body string) store.Message {
			return store.Message{QuestionUUID: q.UUID, Type: "message", AuthorType: "USER", AuthorName: "Ann", Body: body}
		}

		before, trips := s.Queries(), s.RoundTrips()
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			return tx.Batch(ctx, func() error {
				for _, body := range []string{"one; two", "it's ?"} { // SQL-ish text stays text
					m := msg(body)
					if err := tx.InsertMessage(ctx, &m); err != nil {
						return err
					}
				}
				q.Status = "RESOLVED"
				q.LastUpdated = time.Now()
				if err := tx.UpdateQuestion(ctx, q); err != nil {
					return err
				}
				if err := tx.ScheduleJob(ctx, "k", q.UUID.String(), time.Now()); err != nil {
					return err
				}
				return tx.InsertEvent(ctx, &store.Event{Type: "QUESTION_RESOLVED", QuestionUUID: q.UUID})
			})
		})
		// BEGIN, the batch, COMMIT on PostgreSQL, where the batch is held until the commit and
		// carries both: one round trip. Five statements between them on SQLite.
		want := map[string]int64{store.DialectPostgres: 3, store.DialectSQLite: 7}[s.Dialect()]
		if s.Dialect() == store.DialectPostgres {
			if n := s.RoundTrips() - trips; n != 1 {
				t.Errorf("a transaction of one batch took %d round trips, want 1", n)
			}
		}
		if n := s.Queries() - before; n != want {
			t.Errorf("a transaction of one batch sent %d queries, want %d", n, want)
		}
		ms, err := s.QuestionMessages(ctx, tn.ID, q.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 || ms[0].Body != "one; two" || ms[1].Body != "it's ?" {
			t.Fatalf("messages after the batch: %+v", ms)
		}
		got, err := s.Question(ctx, tn.ID, q.UUID)
		if err != nil || got.Status != "RESOLVED" {
			t.Fatalf("question after the batch: %v, %v", got.Status, err)
		}

		// A message of a question that does not exist: the foreign key fails the batch, as
		// InsertMessage alone would (ErrNotFound), and nothing of the transaction stays.
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			ok := msg("kept?")
			if err := tx.InsertMessage(ctx, &ok); err != nil { // sent at once, before the batch
				return err
			}
			return tx.Batch(ctx, func() error {
				m := msg("first")
				if err := tx.InsertMessage(ctx, &m); err != nil {
					return err
				}
				bad := msg("orphan")
				bad.QuestionUUID = uuid.New()
				return tx.InsertMessage(ctx, &bad)
			})
		})
		wantErr(t, "batch with an orphan message", err, store.ErrNotFound)
		if ms, _ := s.QuestionMessages(ctx, tn.ID, q.UUID); len(ms) != 2 {
			t.Errorf("after the failed batch: %d messages, want the 2 from before", len(ms))
		}

		// fn's own error is returned as is and nothing queued is sent.
		boom := errors.New("boom")
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			return tx.Batch(ctx, func() error {
				m := msg("never")
				if err := tx.InsertMessage(ctx, &m); err != nil {
					return err
				}
				return boom
			})
		})
		if !errors.Is(err, boom) {
			t.Errorf("Batch returned %v, want fn's error", err)
		}
		if ms, _ := s.QuestionMessages(ctx, tn.ID, q.UUID); len(ms) != 2 {
			t.Errorf("after fn failed: %d messages, want 2", len(ms))
		}
	})
}

// TestBatchedQuestion: InsertQuestion inside a Batch gives the question its id and number at
// once (sequences on PostgreSQL, counters on SQLite) and stores it with the batch. On
// PostgreSQL its INSERT is queued: until the batch is sent, the tenant's counter rows, which
// every new question of the tenant updates, stay free for other transactions; and a duplicate
// help desk id fails the transaction with ErrConflict, as the INSERT sent alone does.
func TestBatchedQuestion(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) { testBatchedQuestion(t, n) })
	}
}

func testBatchedQuestion(t *testing.T, n storetest.Named) {
	s := n.Store
	ctx := ctxT(t)
	tn := mustTenant(t, s, "batched-question")
	t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	for i := range 16 { // every stripe of the counter rows exists
		q := newHelpDeskQuestion(fmt.Sprint("earlier-", i))
		q.LastUpdated = t0
		mustInsertQuestion(t, s, tn.ID, q)
	}
	var other *sql.DB // PostgreSQL: another session
	if s.Dialect() == store.DialectPostgres {
		other = store.OpenPGPool(n.URL)
		defer other.Close()
	}
	q := newHelpDeskQuestion("second")
	q.LastUpdated = t0
	inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
		return tx.Batch(ctx, func() error {
			if err := tx.InsertQuestion(ctx, q); err != nil {
				return err
			}
			if q.ID == 0 || q.Number == 0 {
				t.Errorf("in the batch: id %d, number %d; want both taken", q.ID, q.Number)
			}
			if other != nil {
				for _, table := range []string{"question_totals", "question_buckets"} {
					if _, err := other.ExecContext(ctx, "SELECT 1 FROM "+table+" WHERE tenant_id = $1 FOR UPDATE NOWAIT", tn.ID); err != nil {
						t.Errorf("%s locked by a question not yet sent: %v", table, err)
					}
				}
			}
			m := store.Message{QuestionUUID: q.UUID, Type: "message", AuthorType: "USER", AuthorName: "Ann", Body: "hi"}
			return tx.InsertMessage(ctx, &m) // its question is inserted first
		})
	})
	got, err := s.Question(ctx, tn.ID, q.UUID)
	if err != nil || got.ID != q.ID || got.Number != q.Number || got.HelpDeskID != "second" {
		t.Fatalf("stored: %+v, %v; want id %d, number %d", got, err, q.ID, q.Number)
	}
	if ms, _ := s.QuestionMessages(ctx, tn.ID, q.UUID); len(ms) != 1 {
		t.Errorf("the batch's message: %d stored, want 1", len(ms))
	}

	dup := newHelpDeskQuestion("second")
	err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
		return tx.Batch(ctx, func() error { return tx.InsertQuestion(ctx, dup) })
	})
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("a duplicate help desk id in a batch: %v, want ErrConflict", err)
	}
	if _, err := s.Question(ctx, tn.ID, dup.UUID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused duplicate was stored: %v", err)
	}
}
