package store_test

import (
	"testing"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// A question's id and number come from the counters, which move past exactly the values taken,
// whoever takes them: the INSERT itself (0017's trigger on SQLite, the sequences on PostgreSQL)
// or statements of their own first (an older build). A question with an id or a number of its own
// leaves them as they were.
func TestQuestionCountersMoveOnce(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			s := n.Store
			ctx := ctxT(t)
			ten := mustTenant(t, s, "acme")
			first := &store.Question{Channel: store.ChannelMessaging}
			mustInsertQuestion(t, s, ten.ID, first)

			// Taken by statements of their own, then inserted: not moved a second time.
			var taken store.Question
			inTx(t, s, ten.ID, func(tx *store.TenantTx) error {
				id, err := tx.NextQuestionID(ctx)
				if err != nil {
					return err
				}
				num, err := tx.NextQuestionNumber(ctx)
				if err != nil {
					return err
				}
				taken = store.Question{Channel: store.ChannelMessaging, ID: id, Number: num}
				return tx.InsertQuestion(ctx, &taken)
			})
			// Its own number, far above: the counter stays.
			mustInsertQuestion(t, s, ten.ID, &store.Question{Channel: store.ChannelMessaging, Number: first.Number + 500})
			next := &store.Question{Channel: store.ChannelMessaging}
			mustInsertQuestion(t, s, ten.ID, next)

			if taken.Number != first.Number+1 || next.Number != first.Number+2 {
				t.Errorf("numbers %d, %d, %d: want consecutive", first.Number, taken.Number, next.Number)
			}
			// SQLite's id counter is gap-free (the question with its own number took the id between
			// taken and next); PostgreSQL's sequence is not, but never repeats.
			if n.Name == "sqlite" && (taken.ID != first.ID+1 || next.ID != first.ID+3) {
				t.Errorf("ids %d, %d, %d: want %d, %d, %d", first.ID, taken.ID, next.ID, first.ID, first.ID+1, first.ID+3)
			}
		})
	}
}
