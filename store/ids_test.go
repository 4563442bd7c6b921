package store_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The rows that grow with traffic get time-ordered ids (store.NewID), so that their index
// inserts land together; an id the caller chose is kept as it is.
func TestGrowingRowsGetTimeOrderedIDs(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "ids")
		var ids []uuid.UUID
		for i := range 3 {
			q := newHelpDeskQuestion(string(rune('A' + i)))
			mustInsertQuestion(t, s, tn.ID, q)
			ids = append(ids, q.UUID)
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				r := store.Response{QuestionUUID: q.UUID, Type: "Automated", AuthorName: "Bot"}
				if err := tx.InsertResponse(ctx, &r); err != nil {
					return err
				}
				m := store.Message{QuestionUUID: q.UUID, Type: "question", AuthorType: "USER", AuthorName: "Ann", Body: "b"}
				if err := tx.InsertMessage(ctx, &m); err != nil {
					return err
				}
				ids = append(ids, r.UUID, m.UUID)
				return nil
			})
		}
		for i, id := range ids {
			if id.Version() != 7 {
				t.Fatalf("id %d = %s: version %d, want 7", i, id, id.Version())
			}
			if i > 0 && id.String() <= ids[i-1].String() {
				t.Errorf("id %d = %s does not sort after %s, made before it", i, id, ids[i-1])
			}
		}

		chosen := uuid.New()
		q := newHelpDeskQuestion("CHOSEN")
		q.UUID = chosen
		mustInsertQuestion(t, s, tn.ID, q)
		if q.UUID != chosen {
			t.Errorf("a chosen id became %s, want %s", q.UUID, chosen)
		}
	})
}
