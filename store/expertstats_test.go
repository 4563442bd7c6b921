package store_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

var statsCategories = []string{"", "billing", "tech", "sales"}

// checkStatsMatch compares ExpertStats (the totals) with the GROUP BY it replaced, for every
// tenant and category (and "" = all, and a category nobody uses).
func checkStatsMatch(t *testing.T, s *store.Store, step string, tenants ...uuid.UUID) {
	t.Helper()
	ctx := ctxT(t)
	for _, tn := range tenants {
		for _, c := range append([]string{"", "nonexistent"}, statsCategories[1:]...) {
			got, err := s.ExpertStats(ctx, tn, c)
			if err != nil {
				t.Fatalf("%s: ExpertStats: %v", step, err)
			}
			want, err := s.ExpertStatsGroupBy(ctx, tn, c)
			if err != nil {
				t.Fatalf("%s: reference: %v", step, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: tenant %s category %q:\n got %v\nwant %v", step, tn, c, got, want)
			}
		}
	}
}

// ExpertStats, read from expert_response_totals, equals the GROUP BY over the responses after
// every step of a random sequence of writes — through the store's methods and through raw SQL
// (bulk updates of any counted column, moves between questions and tenants, deletes, category
// changes of one or many questions, a rolled-back transaction) — across two tenants.
func TestExpertStatsTotalsMatchGroupBy(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		tenants := []uuid.UUID{a.ID, b.ID}
		experts := map[uuid.UUID][]uuid.UUID{}
		for _, tn := range tenants {
			for i := range 3 {
				experts[tn] = append(experts[tn], mustExpert(t, s, tn, fmt.Sprint("e", i), zeroTime).UUID)
			}
		}
		// The same expert UUID in both tenants: its records must not mix.
		shared := store.Expert{TenantID: b.ID, UUID: experts[a.ID][0], Name: "shared", IsActive: true}
		if err := s.InsertExpert(ctx, &shared); err != nil {
			t.Fatal(err)
		}
		experts[b.ID] = append(experts[b.ID], shared.UUID)
		questions := map[uuid.UUID][]uuid.UUID{}
		for _, tn := range tenants {
			for i := range 6 {
				q := &store.Question{Channel: store.ChannelMessaging, Category: statsCategories[i%len(statsCategories)]}
				mustInsertQuestion(t, s, tn, q)
				questions[tn] = append(questions[tn], q.UUID)
			}
		}
		type resp struct{ tenant, id uuid.UUID }
		var responses []resp

		rng := rand.New(rand.NewPCG(10, uint64(len(s.Dialect()))))
		pick := func(l []uuid.UUID) uuid.UUID { return l[rng.IntN(len(l))] }
		types := []string{"Expert", "Expert", "Expert", "Automated", "Customer"}
		ratings := []string{"", "POSITIVE_5", "NEGATIVE_5", "NEUTRAL"}
		author := func(tn uuid.UUID) *uuid.UUID {
			switch rng.IntN(8) {
			case 0:
				return nil
			case 1:
				id := uuid.New() // not an expert of the tenant: still counted, as before
				return &id
			}
			id := pick(experts[tn])
			return &id
		}
		raw := func(step, q string, args ...any) {
			if err := s.ExecRaw(ctx, q, args...); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
		}
		errRollback := errors.New("roll back")

		const steps = 300
		for i := range steps {
			tn := tenants[rng.IntN(2)]
			op := rng.IntN(14)
			if len(responses) == 0 {
				op = 0
			}
			var r resp
			if len(responses) > 0 {
				r = responses[rng.IntN(len(responses))]
			}
			step := fmt.Sprintf("step %d op %d", i, op)
			switch op {
			case 0, 1, 2: // insert a response
				nr := &store.Response{QuestionUUID: pick(questions[tn]), Type: types[rng.IntN(len(types))],
					AuthorUUID: author(tn), IsAccepted: rng.IntN(2) == 0, Rating: ratings[rng.IntN(len(ratings))]}
				inTx(t, s, tn, func(tx *store.TenantTx) error { return tx.InsertResponse(ctx, nr) })
				responses = append(responses, resp{tn, nr.UUID})
			case 3, 4, 5: // UpdateResponse: accept, rate, change type or author, or only other columns
				err := s.InTenantTx(ctx, r.tenant, func(tx *store.TenantTx) error {
					cur, err := tx.ResponseByUUID(ctx, r.id)
					if err != nil {
						return err
					}
					switch rng.IntN(5) {
					case 0:
						cur.IsAccepted = !cur.IsAccepted
					case 1:
						cur.Rating = ratings[rng.IntN(len(ratings))]
					case 2:
						cur.Type = types[rng.IntN(len(types))]
					case 3:
						cur.AuthorUUID = author(r.tenant)
					case 4:
						cur.Testimonial = "thanks"
						cur.IsMarkedAsResolved = !cur.IsMarkedAsResolved
					}
					return tx.UpdateResponse(ctx, &cur)
				})
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("%s: %v", step, err)
				}
			case 6: // UpdateQuestion changing the category (or not)
				inTx(t, s, tn, func(tx *store.TenantTx) error {
					q, err := tx.QuestionByUUID(ctx, pick(questions[tn]), true)
					if err != nil {
						return err
					}
					if rng.IntN(3) > 0 {
						q.Category = statsCategories[rng.IntN(len(statsCategories))]
					} else {
						q.Status = "RESOLVED"
					}
					return tx.UpdateQuestion(ctx, &q)
				})
			case 7: // delete one response
				raw(step, "DELETE FROM responses WHERE tenant_id = ? AND uuid = ?", r.tenant, r.id)
			case 8: // bulk: a question's responses all deleted
				raw(step, "DELETE FROM responses WHERE tenant_id = ? AND question_uuid = ?", tn, pick(questions[tn]))
			case 9: // bulk: toggle accepted / flip type / re-rate over many responses
				switch rng.IntN(3) {
				case 0:
					raw(step, "UPDATE responses SET is_accepted = NOT is_accepted WHERE tenant_id = ? AND question_uuid = ?", tn, pick(questions[tn]))
				case 1:
					raw(step, `UPDATE responses SET type = CASE WHEN type = 'Expert' THEN 'Automated' ELSE 'Expert' END
						WHERE tenant_id = ? AND id % 2 = ?`, tn, rng.IntN(2))
				case 2:
					raw(step, "UPDATE responses SET rating = ? WHERE tenant_id = ? AND author_uuid = ?",
						ratings[rng.IntN(len(ratings))], tn, pick(experts[tn]))
				}
			case 10: // bulk: categories swapped over all of a tenant's questions
				raw(step, `UPDATE questions SET category = CASE WHEN category = 'billing' THEN 'tech'
					WHEN category = 'tech' THEN 'billing' WHEN category = '' THEN 'sales' ELSE '' END WHERE tenant_id = ?`, tn)
			case 11: // a response moves to another question, of its tenant or of the other one
				to := tenants[rng.IntN(2)]
				// (number: out of the way of the tenant's own numbering, which is unique)
				raw(step, "UPDATE responses SET tenant_id = ?, question_uuid = ?, number = -id WHERE tenant_id = ? AND uuid = ?",
					to, pick(questions[to]), r.tenant, r.id)
				for j := range responses {
					if responses[j] == r {
						responses[j].tenant = to
					}
				}
			case 12: // author removed or set in bulk
				if rng.IntN(2) == 0 {
					raw(step, "UPDATE responses SET author_uuid = NULL WHERE tenant_id = ? AND uuid = ?", r.tenant, r.id)
				} else {
					raw(step, "UPDATE responses SET author_uuid = ? WHERE tenant_id = ? AND question_uuid = ?",
						pick(experts[tn]), tn, pick(questions[tn]))
				}
			case 13: // writes that roll back leave no trace
				err := s.InTenantTx(ctx, tn, func(tx *store.TenantTx) error {
					nr := &store.Response{QuestionUUID: pick(questions[tn]), Type: "Expert", AuthorUUID: author(tn), Rating: "POSITIVE_5"}
					if err := tx.InsertResponse(ctx, nr); err != nil {
						return err
					}
					q, err := tx.QuestionByUUID(ctx, nr.QuestionUUID, true)
					if err != nil {
						return err
					}
					q.Category = "rolled back"
					if err := tx.UpdateQuestion(ctx, &q); err != nil {
						return err
					}
					return errRollback
				})
				if !errors.Is(err, errRollback) {
					t.Fatalf("%s: %v", step, err)
				}
			}
			checkStatsMatch(t, s, step, tenants...)
		}
		// The sequence exercised what it is meant to: both tenants have records.
		for _, tn := range tenants {
			if st, err := s.ExpertStats(ctx, tn, ""); err != nil || len(st) == 0 {
				t.Errorf("tenant %s: no stats after %d steps (%v)", tn, steps, err)
			}
		}
	})
}

// ExpertStats runs no query over responses: one read of expert_response_totals.
func TestExpertStatsReadsTotalsOnly(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		e := mustExpert(t, s, a.ID, "e", zeroTime)
		q := &store.Question{Channel: store.ChannelMessaging, Category: "billing"}
		mustInsertQuestion(t, s, a.ID, q)
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			return tx.InsertResponse(ctx, &store.Response{QuestionUUID: q.UUID, Type: "Expert", AuthorUUID: &e.UUID, IsAccepted: true})
		})
		for _, c := range []string{"", "billing"} {
			var st map[uuid.UUID]store.ExpertStats
			var err error
			seen := s.CaptureSQL(func() { st, err = s.ExpertStats(ctx, a.ID, c) })
			if err != nil || st[e.UUID].Responses != 1 || st[e.UUID].Accepted != 1 {
				t.Fatalf("ExpertStats(%q) = %v, %v", c, st, err)
			}
			if len(seen) != 1 || !strings.Contains(seen[0], "expert_response_totals") || strings.Contains(seen[0], "responses ") {
				t.Fatalf("ExpertStats(%q) ran %q; want one read of expert_response_totals", c, seen)
			}
			if s.Dialect() != store.DialectPostgres {
				continue
			}
			plan, err := s.QueryStrings(ctx, "EXPLAIN "+seen[0])
			if err != nil {
				t.Fatal(err)
			}
			p := strings.Join(plan, "\n")
			if !strings.Contains(p, "expert_response_totals") || strings.Contains(p, " on responses") || strings.Contains(p, " on questions") {
				t.Errorf("plan of %q:\n%s", seen[0], p)
			}
		}
	})
}

// 0012 counts the responses that exist when it runs, and running it again changes nothing (and
// leaves one set of triggers).
func TestMigration0012BackfillsTotals(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			s := n.Store
			if err := s.MigrateFirst(ctx, store.MigrationsBefore("0012_expert_response_totals")); err != nil {
				t.Fatal(err)
			}
			a, b := mustTenant(t, s, "a"), mustTenant(t, s, "b")
			e1, e2 := mustExpert(t, s, a.ID, "e1", zeroTime), mustExpert(t, s, a.ID, "e2", zeroTime)
			eb := mustExpert(t, s, b.ID, "eb", zeroTime)
			add := func(tn uuid.UUID, category string, rs ...store.Response) {
				q := &store.Question{Channel: store.ChannelMessaging, Category: category}
				mustInsertQuestion(t, s, tn, q)
				inTx(t, s, tn, func(tx *store.TenantTx) error {
					for _, r := range rs {
						r.QuestionUUID = q.UUID
						if err := tx.InsertResponse(ctx, &r); err != nil {
							return err
						}
					}
					return nil
				})
			}
			add(a.ID, "billing",
				store.Response{Type: "Expert", AuthorUUID: &e1.UUID, IsAccepted: true, Rating: "POSITIVE_5"},
				store.Response{Type: "Expert", AuthorUUID: &e2.UUID},
				store.Response{Type: "Automated", AuthorUUID: &e2.UUID, IsAccepted: true})
			add(a.ID, "tech",
				store.Response{Type: "Expert", AuthorUUID: &e1.UUID, Rating: "NEGATIVE_5"},
				store.Response{Type: "Expert"})
			add(a.ID, "", store.Response{Type: "Expert", AuthorUUID: &e1.UUID, IsAccepted: true, Rating: "POSITIVE_5"})
			add(b.ID, "billing", store.Response{Type: "Expert", AuthorUUID: &eb.UUID, IsAccepted: true})

			want := map[string]map[uuid.UUID]store.ExpertStats{}
			for _, c := range []string{"", "billing", "tech"} {
				w, err := s.ExpertStatsGroupBy(ctx, a.ID, c)
				if err != nil {
					t.Fatal(err)
				}
				want[c] = w
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			checkStatsMatch(t, s, "after 0012", a.ID, b.ID)
			assertStats(t, "e1 all", want[""][e1.UUID], 3, 2, map[string]int{"POSITIVE_5": 2, "NEGATIVE_5": 1})
			for c, w := range want {
				got, err := s.ExpertStats(ctx, a.ID, c)
				if err != nil || !reflect.DeepEqual(got, w) {
					t.Errorf("ExpertStats(%q) after 0012 = %v, %v; want %v", c, got, err, w)
				}
			}

			if err := s.ExecRaw(ctx, "DELETE FROM bun_migrations WHERE name = ?", "0012_expert_response_totals"); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("re-running 0012: %v", err)
			}
			checkStatsMatch(t, s, "after re-running 0012", a.ID, b.ID)
			// The triggers count a new response once.
			add(a.ID, "tech", store.Response{Type: "Expert", AuthorUUID: &e2.UUID, IsAccepted: true})
			checkStatsMatch(t, s, "after a new response", a.ID, b.ID)
			if st, err := s.ExpertStats(ctx, a.ID, "tech"); err != nil || st[e2.UUID].Responses != 1 {
				t.Errorf("ExpertStats(tech)[e2] = %v, %v; want 1 response", st[e2.UUID], err)
			}
		})
	}
}

// PostgreSQL: concurrent transactions writing responses of the same expert (the same totals
// rows) all count — the second waits for the first's row lock, then adds to what it committed —
// and never deadlock: each statement takes its totals rows in key order.
func TestExpertStatsConcurrentWriters(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		if s.Dialect() != store.DialectPostgres {
			t.Skip("SQLite runs one write transaction at a time")
		}
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		e1, e2 := mustExpert(t, s, a.ID, "e1", zeroTime), mustExpert(t, s, a.ID, "e2", zeroTime)
		q := &store.Question{Channel: store.ChannelMessaging, Category: "billing"}
		mustInsertQuestion(t, s, a.ID, q)
		insert := func(tx *store.TenantTx, author uuid.UUID) (uuid.UUID, error) {
			r := &store.Response{QuestionUUID: q.UUID, Type: "Expert", AuthorUUID: &author}
			err := tx.InsertResponse(ctx, r)
			return r.UUID, err
		}

		// 1. Two transactions on one totals row, the second provably waiting for the first.
		inserted, release := make(chan struct{}), make(chan struct{})
		errs := make(chan error, 2)
		go func() {
			errs <- s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
				if _, err := insert(tx, e1.UUID); err != nil {
					return err
				}
				close(inserted)
				<-release
				return nil
			})
		}()
		<-inserted
		go func() {
			errs <- s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error { _, err := insert(tx, e1.UUID); return err })
		}()
		for {
			waiting, err := s.QueryStrings(ctx, `SELECT pid::text FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event_type = 'Lock'`)
			if err != nil {
				t.Fatal(err)
			}
			if len(waiting) > 0 {
				break
			}
		}
		close(release)
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		if st, err := s.ExpertStats(ctx, a.ID, "billing"); err != nil || st[e1.UUID].Responses != 2 {
			t.Fatalf("after two concurrent responses: %v, %v; want 2", st[e1.UUID], err)
		}

		// 2. Many transactions at once, each writing both experts' rows: a response each, then
		// both accepted in one statement (its rows in whatever order the database finds them).
		const workers, rounds = 4, 15
		var wg sync.WaitGroup
		fail := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range rounds {
					err := s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
						r1, err := insert(tx, e1.UUID)
						if err != nil {
							return err
						}
						r2, err := insert(tx, e2.UUID)
						if err != nil {
							return err
						}
						if (w+i)%2 == 1 {
							r1, r2 = r2, r1
						}
						return tx.ExecForTest(ctx, `UPDATE responses SET is_accepted = TRUE, rating = 'POSITIVE_5'
							WHERE tenant_id = ? AND uuid IN (?, ?)`, a.ID, r1, r2)
					})
					if err != nil {
						fail <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(fail)
		for err := range fail {
			t.Fatalf("concurrent writer: %v", err)
		}
		checkStatsMatch(t, s, "after concurrent writers", a.ID)
		st, err := s.ExpertStats(ctx, a.ID, "")
		if err != nil {
			t.Fatal(err)
		}
		assertStats(t, "e1", st[e1.UUID], 2+workers*rounds, workers*rounds, map[string]int{"POSITIVE_5": workers * rounds})
		assertStats(t, "e2", st[e2.UUID], workers*rounds, workers*rounds, map[string]int{"POSITIVE_5": workers * rounds})
	})
}

var zeroTime time.Time
