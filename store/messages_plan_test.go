package store_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// A question's reads stay within its range of messages whatever the statistics say. PostgreSQL
// sees (after ANALYZE) that one question holds most rows; with an index on seq alone its planner
// walked that index backwards for the newest user message and filtered out every newer message
// of the other questions first (0015 removes such an index).
func TestLargeQuestionReadsStayInTheQuestion(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		if s.Dialect() != store.DialectPostgres {
			t.Skip("PostgreSQL's planner; SQLite's picks the index whose equality columns match")
		}
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		big, other := &store.Question{Channel: store.ChannelMessaging}, &store.Question{Channel: store.ChannelMessaging}
		mustInsertQuestion(t, s, a.ID, big)
		mustInsertQuestion(t, s, a.ID, other)
		const n = 20000
		seed := `INSERT INTO messages (tenant_id, uuid, question_uuid, type, author_type, author_name, body, is_read, created_at)
			SELECT ?, gen_random_uuid(), ?, 'USER_MESSAGE', 'USER', 'u', 'b', TRUE, now() FROM generate_series(1, ?)`
		for _, q := range []*store.Question{big, other} { // the other question's messages are newer
			if err := s.ExecRaw(ctx, seed, a.ID, q.UUID, n); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.ExecRaw(ctx, "ANALYZE messages"); err != nil {
			t.Fatal(err)
		}
		var seen []string
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			var err error
			seen = s.CaptureSQL(func() {
				if _, _, ok, e := tx.WorkingSet(ctx, big.UUID, "USER_MESSAGE", "EXPERT_MESSAGE"); e != nil || !ok {
					err = e
				}
				if _, e := tx.FirstMessages(ctx, big.UUID, 10); e != nil {
					err = e
				}
			})
			return err
		})
		if len(seen) != 2 {
			t.Fatalf("statements run: %q", seen)
		}
		removed := regexp.MustCompile(`Rows Removed by Filter: (\d+)`)
		for _, q := range seen {
			plan, err := s.QueryStrings(ctx, "EXPLAIN (ANALYZE, COSTS OFF) "+q)
			if err != nil {
				t.Fatal(err)
			}
			p := strings.Join(plan, "\n")
			for _, m := range removed.FindAllStringSubmatch(p, -1) {
				if k, _ := strconv.Atoi(m[1]); k > 100 {
					t.Errorf("%s\nread %d rows of other questions:\n%s", q, k, p)
				}
			}
		}
	})
}

// A transaction's reads run prepared on both databases (on PostgreSQL its SELECTs only): each
// shape is prepared once, and its values are bound.
func TestTransactionReadsRunPrepared(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		latest := func(s *store.Store) []string {
			var out []string
			for _, q := range s.PreparedShapes() {
				if strings.HasPrefix(q, "SELECT ") && strings.Contains(q, "ws_last") {
					out = append(out, q)
				}
			}
			return out
		}
		for i := range 3 {
			q := &store.Question{Channel: store.ChannelMessaging}
			mustInsertQuestion(t, s, a.ID, q)
			inTx(t, s, a.ID, func(tx *store.TenantTx) error {
				_, _, _, err := tx.WorkingSet(ctx, q.UUID, "USER_MESSAGE")
				return err
			})
			s.WaitPrepared() // PostgreSQL prepares a new shape in the background
			if got := latest(s); len(got) != 1 || strings.Contains(got[0], q.UUID.String()) {
				t.Fatalf("after %d questions, prepared shapes of the working-set read: %q", i+1, got)
			}
		}
	})
}

// Transactions holding every connection of the pool, each meeting a statement shape the cache
// has not prepared yet, all finish: preparing a shape must not wait for a connection of the pool
// (on PostgreSQL it did, and every one of them waited for another to give one back).
func TestNewShapesWithThePoolFull(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		if s.Dialect() != store.DialectPostgres {
			t.Skip("SQLite runs one write transaction at a time")
		}
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		n := store.PGMaxConns
		qs := make([]*store.Question, n)
		for i := range qs {
			qs[i] = &store.Question{Channel: store.ChannelMessaging}
			mustInsertQuestion(t, s, a.ID, qs[i])
		}
		var inside sync.WaitGroup // every connection held by a transaction
		inside.Add(n)
		errs := make(chan error, n)
		for _, q := range qs {
			go func() {
				errs <- s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
					inside.Done()
					inside.Wait()
					_, _, _, err := tx.WorkingSet(ctx, q.UUID, "EXPERT_MESSAGE", "SYSTEM_MESSAGE")
					return err
				})
			}()
		}
		stuck, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for range n {
			select {
			case err := <-errs:
				if err != nil {
					t.Fatal(err)
				}
			case <-stuck.Done():
				t.Fatalf("%d transactions holding the pool, meeting a new statement shape, did not finish", n)
			}
		}
	})
}
