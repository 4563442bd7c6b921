package service_test

import (
	"testing"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestWriteQueryBudget pins what an ask and an add-message send to the database (issue 10: a
// use case must not cost a round trip per statement on PostgreSQL, nor hold SQLite's write lock
// for reads it can do before). Queries counts every statement, BEGIN and COMMIT, and a batch of
// writes once; on PostgreSQL each is a round trip.
func TestWriteQueryBudget(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.expert("Ann", service.ExpertInput{})
		e.ask("warm-up: the tenant check is done once per process")

		// Outside the transaction: the virtual clock, the ranking's loads and records (the
		// settings and the experts come from the poll cache). Inside, on SQLite: BEGIN, the
		// question INSERT (it reads its id and number from the counters, which a trigger
		// moves), the message, the event, two timers in one upsert, the offers, COMMIT. On
		// PostgreSQL: BEGIN, the SELECT of the question's id and number from the sequences,
		// the batch (the question and all the rest: one query), COMMIT.
		ask := map[string]int64{store.DialectSQLite: 10, store.DialectPostgres: 7}
		// Outside: the clock (settings from the poll cache). Inside: BEGIN, the question
		// (locked), its responses, its working set (system messages and the newest user or
		// expert message, one query), the batch (the message, the question row, the event, the
		// timer: one query on PostgreSQL, four statements on SQLite), COMMIT.
		add := map[string]int64{store.DialectSQLite: 10, store.DialectPostgres: 7}
		// Round trips on PostgreSQL, where BEGIN goes with the transaction's first statement
		// and COMMIT with the batch: the ask's five are the clock, the loads, the records, the
		// id and number, the batch; add message's five are the clock, the question, its
		// responses, its working set, the batch. (Both were nine before the batch carried
		// COMMIT, the working set was one read and settings and experts were cached; add
		// message's was six while a prepared first statement sent BEGIN on its own.)
		const askTrips, addTrips = 5, 5
		// within runs do, which must be one write transaction within its budgets: queries
		// (by dialect) and, on PostgreSQL, round trips.
		within := func(what string, queries map[string]int64, trips int64, do func()) {
			t.Helper()
			before, txs, rt := st.Queries(), st.WriteTransactions(), st.RoundTrips()
			do()
			if n := st.RoundTrips() - rt; st.Dialect() == store.DialectPostgres && n > trips {
				t.Errorf("%s took %d round trips, budget %d", what, n, trips)
			}
			if n := st.Queries() - before; n > queries[st.Dialect()] {
				t.Errorf("%s sent %d queries, budget %d", what, n, queries[st.Dialect()])
			}
			if n := st.WriteTransactions() - txs; n != 1 {
				t.Errorf("%s ran %d write transactions, want 1", what, n)
			}
		}
		var v service.View
		within("ask", ask, askTrips, func() { v = e.ask("how do I reset my password?") })
		within("add message", add, addTrips, func() {
			if _, _, err := e.svc.PostUserMessage(e.ctx, e.p, v.Q.UUID, nil, "and my username?"); err != nil {
				t.Fatal(err)
			}
		})

		// A help desk ticket's new question, as the ask: outside the transaction, the clock, the
		// ranking's loads and records; inside, BEGIN with the read of the ticket's question,
		// the customer (INSERT, then SELECT of the row kept), then on SQLite the question
		// INSERT, the message, the event, the timer and the offers, COMMIT; on PostgreSQL the
		// id and number, then the batch with the COMMIT. PostgreSQL's eight round trips were
		// thirteen while the INSERT went alone and the ranking and the rest followed it.
		helpDesk := map[string]int64{store.DialectSQLite: 13, store.DialectPostgres: 10}
		within("help desk create", helpDesk, 8, func() {
			if _, err := e.svc.SaveHelpDeskQuestion(e.ctx, e.ten, newQuestion(t, "T-budget")); err != nil {
				t.Fatal(err)
			}
		})

		// What was batched was written: the question's state is the rules' (the conformance
		// and lifecycle tests check the rest).
		got, err := e.svc.MessagingQuestion(e.ctx, e.p, v.Q.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Messages) != 2 || got.Messages[1].Body != "and my username?" || got.Q.Status != question.Unresolved {
			t.Errorf("after ask and add message: %d messages, status %s", len(got.Messages), got.Q.Status)
		}
	})
}
