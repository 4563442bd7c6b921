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
		before, txs, trips := st.Queries(), st.WriteTransactions(), st.RoundTrips()
		v := e.ask("how do I reset my password?")
		if n := st.RoundTrips() - trips; st.Dialect() == store.DialectPostgres && n > askTrips {
			t.Errorf("ask took %d round trips, budget %d", n, askTrips)
		}
		if n := st.Queries() - before; n > ask[st.Dialect()] {
			t.Errorf("ask sent %d queries, budget %d", n, ask[st.Dialect()])
		}
		if n := st.WriteTransactions() - txs; n != 1 {
			t.Errorf("ask ran %d write transactions, want 1", n)
		}

		before, txs, trips = st.Queries(), st.WriteTransactions(), st.RoundTrips()
		if _, _, err := e.svc.PostUserMessage(e.ctx, e.p, v.Q.UUID, nil, "and my username?"); err != nil {
			t.Fatal(err)
		}
		if n := st.RoundTrips() - trips; st.Dialect() == store.DialectPostgres && n > addTrips {
			t.Errorf("add message took %d round trips, budget %d", n, addTrips)
		}
		if n := st.Queries() - before; n > add[st.Dialect()] {
			t.Errorf("add message sent %d queries, budget %d", n, add[st.Dialect()])
		}
		if n := st.WriteTransactions() - txs; n != 1 {
			t.Errorf("add message ran %d write transactions, want 1", n)
		}

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
