package store_test

import (
	"errors"
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
