package store_test

import (
	"slices"
	"testing"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestWorkingSet: one read returns the question's system messages in Seq order and its newest
// message of the asked types (a SYSTEM-authored one among them is in both halves), and only
// that question's.
func TestWorkingSet(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "ws")
		q, other := newHelpDeskQuestion("w1"), newHelpDeskQuestion("w2")
		mustInsertQuestion(t, s, tn.ID, q)
		mustInsertQuestion(t, s, tn.ID, other)
		add := func(q *store.Question, typ, author, body string) {
			t.Helper()
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				return tx.InsertMessage(ctx, &store.Message{QuestionUUID: q.UUID, Type: typ, AuthorType: author, AuthorName: "n", Body: body})
			})
		}
		read := func(q *store.Question, types ...string) (bodies []string, last string, ok bool) {
			t.Helper()
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				sys, l, found, err := tx.WorkingSet(ctx, q.UUID, types...)
				for _, m := range sys {
					bodies = append(bodies, m.Body)
				}
				last, ok = l.Body, found
				return err
			})
			return bodies, last, ok
		}

		if sys, _, ok := read(q, "USER_MESSAGE"); len(sys) != 0 || ok {
			t.Fatalf("empty question: system %q, newest found %v", sys, ok)
		}
		add(q, "NOTIFYING_EXPERTS", store.AuthorSystem, "s1")
		add(q, "USER_MESSAGE", "USER", "u1")
		add(other, "USER_MESSAGE", "USER", "other's")
		add(other, "NOTIFYING_EXPERTS", store.AuthorSystem, "other's system")
		add(q, "EXPERT_MESSAGE", "EXPERT", "e1")
		add(q, "REROUTED", store.AuthorSystem, "s2")
		add(q, "USER_MESSAGE", "USER", "u2")
		add(q, "NOTIFYING_EXPERTS", store.AuthorSystem, "s3")

		sys, last, ok := read(q, "USER_MESSAGE", "EXPERT_MESSAGE")
		if !slices.Equal(sys, []string{"s1", "s2", "s3"}) || !ok || last != "u2" {
			t.Errorf("working set: system %q, newest %q (%v); want [s1 s2 s3], u2", sys, last, ok)
		}
		if _, last, ok := read(q, "EXPERT_MESSAGE"); !ok || last != "e1" {
			t.Errorf("newest expert message: %q (%v), want e1", last, ok)
		}
		if sys, last, ok := read(q, "REROUTED"); !ok || last != "s2" || !slices.Equal(sys, []string{"s1", "s2", "s3"}) {
			t.Errorf("a system type asked for: system %q, newest %q (%v); want [s1 s2 s3], s2", sys, last, ok)
		}
		if _, _, ok := read(q, "ACCEPTED"); ok {
			t.Error("a type the question has no message of was found")
		}
	})
}
