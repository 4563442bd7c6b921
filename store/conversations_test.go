package store_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// addResponse inserts a response to question q; id 0 lets the store allocate one.
func addResponse(t *testing.T, s *store.Store, tenant uuid.UUID, q uuid.UUID, id int64, author string) store.Response {
	t.Helper()
	r := store.Response{QuestionUUID: q, ID: id, Type: "Expert", AuthorName: author}
	inTx(t, s, tenant, func(tx *store.TenantTx) error { return tx.InsertResponse(ctxT(t), &r) })
	return r
}

// addMessage inserts a message on question q (on response r's thread when r is not nil).
func addMessage(t *testing.T, s *store.Store, tenant uuid.UUID, q uuid.UUID, r *uuid.UUID, body string) store.Message {
	t.Helper()
	m := store.Message{QuestionUUID: q, ResponseUUID: r, Type: "question", AuthorType: "USER", AuthorName: "Ann", Body: body}
	inTx(t, s, tenant, func(tx *store.TenantTx) error { return tx.InsertMessage(ctxT(t), &m) })
	return m
}

func responseUUIDs(rs []store.Response) []uuid.UUID {
	out := []uuid.UUID{}
	for _, r := range rs {
		out = append(out, r.UUID)
	}
	return out
}

func messageUUIDs(ms []store.Message) []uuid.UUID {
	out := []uuid.UUID{}
	for _, m := range ms {
		out = append(out, m.UUID)
	}
	return out
}

func TestThreads(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		q1 := mustMessagingQuestion(t, s, a.ID)
		q2 := mustMessagingQuestion(t, s, a.ID)
		empty := mustMessagingQuestion(t, s, a.ID) // no responses, no messages

		// Responses interleaved across questions. q1's second response gets a lower ID than
		// its first: the order is by ID (as QuestionResponses), not by insertion.
		r1a := addResponse(t, s, a.ID, q1.UUID, 1_000_000, "Eve")
		r2a := addResponse(t, s, a.ID, q2.UUID, 0, "Sam")
		r1b := addResponse(t, s, a.ID, q1.UUID, 999_999, "Bob")

		// Messages interleaved across questions and levels.
		m1 := addMessage(t, s, a.ID, q1.UUID, nil, "q1 #1")
		m2 := addMessage(t, s, a.ID, q2.UUID, &r2a.UUID, "q2 #1")
		m3 := addMessage(t, s, a.ID, q1.UUID, &r1a.UUID, "q1 #2")
		m4 := addMessage(t, s, a.ID, q1.UUID, nil, "q1 #3")
		m5 := addMessage(t, s, a.ID, q2.UUID, nil, "q2 #2")

		// Tenant b: a question with the same UUID as q1 (UUIDs are unique per tenant only),
		// and one of its own, each with a thread.
		bq1 := &store.Question{Channel: store.ChannelMessaging, UUID: q1.UUID}
		mustInsertQuestion(t, s, b.ID, bq1)
		bq2 := mustMessagingQuestion(t, s, b.ID)
		for _, q := range []uuid.UUID{bq1.UUID, bq2.UUID} {
			br := addResponse(t, s, b.ID, q, 0, "Other")
			addMessage(t, s, b.ID, q, nil, "other tenant")
			addMessage(t, s, b.ID, q, &br.UUID, "other tenant")
		}

		unknown := uuid.New()
		rs, ms, err := s.Threads(ctx, a.ID, []uuid.UUID{q1.UUID, q2.UUID, empty.UUID, unknown, bq2.UUID, q1.UUID})
		if err != nil {
			t.Fatal(err)
		}

		// Only tenant a's questions with a thread have entries.
		if len(rs) != 2 || len(ms) != 2 {
			t.Fatalf("Threads: %d response entries, %d message entries; want 2 and 2 (q1, q2)", len(rs), len(ms))
		}
		for _, id := range []uuid.UUID{empty.UUID, unknown, bq2.UUID} {
			if _, ok := rs[id]; ok {
				t.Errorf("responses has an entry for %s", id)
			}
			if _, ok := ms[id]; ok {
				t.Errorf("messages has an entry for %s", id)
			}
		}
		wantIDs := func(what string, got, want []uuid.UUID) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %v, want %v", what, got, want)
			}
		}
		// q1 was listed twice: its rows still come once.
		wantIDs("responses[q1]", responseUUIDs(rs[q1.UUID]), []uuid.UUID{r1b.UUID, r1a.UUID})
		wantIDs("responses[q2]", responseUUIDs(rs[q2.UUID]), []uuid.UUID{r2a.UUID})
		wantIDs("messages[q1]", messageUUIDs(ms[q1.UUID]), []uuid.UUID{m1.UUID, m3.UUID, m4.UUID})
		wantIDs("messages[q2]", messageUUIDs(ms[q2.UUID]), []uuid.UUID{m2.UUID, m5.UUID})

		// Every field as the per-question reads return it.
		for _, q := range []uuid.UUID{q1.UUID, q2.UUID} {
			wantR, err := s.QuestionResponses(ctx, a.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			wantM, err := s.QuestionMessages(ctx, a.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rs[q], wantR) {
				t.Errorf("responses[%s]:\n got %+v\nwant %+v", q, rs[q], wantR)
			}
			if !reflect.DeepEqual(ms[q], wantM) {
				t.Errorf("messages[%s]:\n got %+v\nwant %+v", q, ms[q], wantM)
			}
			for _, r := range rs[q] {
				if r.TenantID != a.ID || r.QuestionUUID != q {
					t.Errorf("response %s: tenant %s, question %s", r.UUID, r.TenantID, r.QuestionUUID)
				}
			}
			for _, m := range ms[q] {
				if m.TenantID != a.ID || m.QuestionUUID != q {
					t.Errorf("message %s: tenant %s, question %s", m.UUID, m.TenantID, m.QuestionUUID)
				}
			}
		}

		// Tenant b sees its own threads only, for the shared UUID too.
		rs, ms, err = s.Threads(ctx, b.ID, []uuid.UUID{q1.UUID, q2.UUID})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || len(rs[q1.UUID]) != 1 || rs[q1.UUID][0].AuthorName != "Other" || rs[q1.UUID][0].TenantID != b.ID {
			t.Errorf("Threads(b) responses = %+v, want b's one response on %s", rs, q1.UUID)
		}
		if len(ms) != 1 || len(ms[q1.UUID]) != 2 || ms[q1.UUID][0].Body != "other tenant" || ms[q1.UUID][1].TenantID != b.ID {
			t.Errorf("Threads(b) messages = %+v, want b's two messages on %s", ms, q1.UUID)
		}

		// A tenant that does not exist, or only other tenants' questions: nothing.
		for _, c := range []struct {
			name   string
			tenant uuid.UUID
			ids    []uuid.UUID
		}{
			{"unknown tenant", uuid.New(), []uuid.UUID{q1.UUID, q2.UUID}},
			{"other tenant's questions", a.ID, []uuid.UUID{bq2.UUID}},
		} {
			rs, ms, err := s.Threads(ctx, c.tenant, c.ids)
			if err != nil || len(rs) != 0 || len(ms) != 0 {
				t.Errorf("%s: Threads = %v, %v, %v; want empty", c.name, rs, ms, err)
			}
		}
	})
}

func TestThreadsEmptyInput(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		tn := mustTenant(t, s, "e")
		// A cancelled context makes any query fail: no error means no query was run.
		ctx, cancel := context.WithCancel(ctxT(t))
		cancel()
		for _, ids := range [][]uuid.UUID{nil, {}} {
			rs, ms, err := s.Threads(ctx, tn.ID, ids)
			if err != nil {
				t.Fatalf("Threads(%v): %v", ids, err)
			}
			if rs == nil || ms == nil || len(rs) != 0 || len(ms) != 0 {
				t.Errorf("Threads(%v) = %v, %v; want empty, non-nil maps", ids, rs, ms)
			}
		}
		// The same cancelled context does fail a real read (so the check above means something).
		if _, _, err := s.Threads(ctx, tn.ID, []uuid.UUID{uuid.New()}); err == nil {
			t.Error("Threads with a cancelled context and one UUID: no error")
		}
	})
}

// BenchmarkThreads reads the threads of 100 questions (1 response and 5 messages each, 2 of
// them on the response) in one call, against the per-question reads it replaces.
func BenchmarkThreads(b *testing.B) {
	ctx := context.Background()
	for _, n := range storetest.Stores(b) {
		s := n.Store
		tn := store.Tenant{ID: uuid.New(), Name: "bench", Subdomain: "bench"}
		if err := s.CreateTenant(ctx, tn); err != nil {
			b.Fatal(err)
		}
		var ids []uuid.UUID
		err := s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			for i := range 100 {
				q := &store.Question{Channel: store.ChannelMessaging, Text: fmt.Sprint(i)}
				if err := tx.InsertQuestion(ctx, q); err != nil {
					return err
				}
				ids = append(ids, q.UUID)
				r := store.Response{QuestionUUID: q.UUID, Type: "Expert", AuthorName: "Eve"}
				if err := tx.InsertResponse(ctx, &r); err != nil {
					return err
				}
				for j := range 5 {
					m := store.Message{QuestionUUID: q.UUID, Type: "question", AuthorType: "USER", Body: fmt.Sprint(j), CreatedAt: time.Now()}
					if j >= 3 {
						m.ResponseUUID, m.AuthorType = &r.UUID, "EXPERT"
					}
					if err := tx.InsertMessage(ctx, &m); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.ExecRaw(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
		b.Run(n.Name+"/batch", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rs, ms, err := s.Threads(ctx, tn.ID, ids)
				if err != nil || len(rs) != 100 || len(ms) != 100 {
					b.Fatal(len(rs), len(ms), err)
				}
			}
		})
		b.Run(n.Name+"/perQuestion", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, id := range ids {
					if _, err := s.QuestionResponses(ctx, tn.ID, id); err != nil {
						b.Fatal(err)
					}
					if _, err := s.QuestionMessages(ctx, tn.ID, id); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
