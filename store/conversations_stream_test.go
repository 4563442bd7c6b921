package store_test

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestEachMessagePages: EachMessage walks a question of several pages' worth of messages (and one
// thread of it) whole, in Seq order, each message once, and stops at fn's error.
func TestEachMessagePages(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			s := n.Store
			ctx := ctxT(t)
			tn := mustTenant(t, s, "each-"+n.Name)
			q := newHelpDeskQuestion("each")
			mustInsertQuestion(t, s, tn.ID, q)
			thread := uuid.New()
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				if err := tx.InsertResponse(ctx, &store.Response{UUID: thread, QuestionUUID: q.UUID, Type: "EXPERT", AuthorName: "E"}); err != nil {
					return err
				}
				for i := range 700 {
					m := &store.Message{QuestionUUID: q.UUID, Type: "USER_MESSAGE", AuthorType: "USER", AuthorName: "U", Body: fmt.Sprint(i)}
					if i%3 == 0 {
						m.ResponseUUID = &thread
					}
					if err := tx.InsertMessage(ctx, m); err != nil {
						return err
					}
				}
				return nil
			})
			for _, tc := range []struct {
				name string
				r    store.MessageRange
				want func(i int) bool
			}{
				{"all", store.MessageRange{All: true}, func(int) bool { return true }},
				{"question level", store.MessageRange{}, func(i int) bool { return i%3 != 0 }},
				{"thread", store.MessageRange{Thread: &thread}, func(i int) bool { return i%3 == 0 }},
			} {
				var got, want []string
				for i := range 700 {
					if tc.want(i) {
						want = append(want, fmt.Sprint(i))
					}
				}
				last := int64(-1)
				err := s.EachMessage(ctx, tn.ID, q.UUID, tc.r, func(m *store.Message) error {
					if m.Seq <= last {
						t.Fatalf("%s: seq %d after %d", tc.name, m.Seq, last)
					}
					last = m.Seq
					got = append(got, m.Body)
					return nil
				})
				if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s: %d messages (err %v), want %d in order", tc.name, len(got), err, len(want))
				}
			}
			stop := fmt.Errorf("stop")
			seen := 0
			err := s.EachMessage(ctx, tn.ID, q.UUID, store.MessageRange{All: true}, func(*store.Message) error {
				if seen++; seen == 300 {
					return stop
				}
				return nil
			})
			if err != stop || seen != 300 {
				t.Errorf("stopped walk: %v after %d", err, seen)
			}
		})
	}
}
