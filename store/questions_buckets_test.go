package store_test

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// bucketTimes are last_updated values that put questions on and next to the bucket edges
// (half-hours, days), share times (ties ordered by id), and go before 1970 (negative epochs).
func bucketTime(r *rand.Rand, used []time.Time) time.Time {
	day := time.Date(2025, 3, 10, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Intn(3)) * 24 * time.Hour)
	half := day.Add(time.Duration(r.Intn(48)) * 30 * time.Minute)
	switch r.Intn(8) {
	case 0:
		return half // on the edge
	case 1:
		return half.Add(-time.Microsecond) // just below it
	case 2:
		return half.Add(-time.Second) // a whole second below it (text without a fraction)
	case 3:
		if len(used) > 0 {
			return used[r.Intn(len(used))] // a tie
		}
		return half
	case 4:
		epoch := time.Unix(0, 0).UTC()
		return epoch.Add(time.Duration(r.Intn(5)-3) * 1800 * time.Second / 2).Add(time.Duration(r.Intn(3)-1) * time.Microsecond)
	default:
		return half.Add(time.Duration(r.Int63n(int64(30*time.Minute))) / time.Microsecond * time.Microsecond)
	}
}

// wantSamePages compares PageQuestions through the bucket counts with the plain skip for many
// filters and offsets.
func wantSamePages(t *testing.T, s *store.Store, tenant uuid.UUID, r *rand.Rand, when string) {
	t.Helper()
	ctx := ctxT(t)
	page := func(f store.PageFilter, deep int) ([]string, int) {
		t.Helper()
		defer store.SetDeepPageOffset(deep)()
		qs, total, err := s.PageQuestions(ctx, tenant, f)
		if err != nil {
			t.Fatalf("%s: PageQuestions(%+v): %v", when, f, err)
		}
		ids := make([]string, len(qs))
		for i, q := range qs {
			ids[i] = fmt.Sprintf("%d@%s", q.ID, q.LastUpdated.Format(time.RFC3339Nano))
		}
		return ids, total
	}
	for _, ch := range []string{store.ChannelMessaging, store.ChannelHelpDesk} {
		for _, st := range append([]string{""}, totalStatuses...) {
			f := store.PageFilter{Channel: ch, Status: st}
			total, err := s.QuestionTotal(ctx, tenant, f)
			if err != nil {
				t.Fatal(err)
			}
			offsets := []int{0, 1, total - 1, total, total + 1}
			for i := 0; i < 12; i++ {
				offsets = append(offsets, r.Intn(total+1))
			}
			for _, off := range offsets {
				if off < 0 {
					continue
				}
				f.Offset, f.Limit = off, 1+r.Intn(12)
				want, wantTotal := page(f, math.MaxInt)
				got, gotTotal := page(f, 0)
				if !slices.Equal(got, want) || gotTotal != wantTotal {
					t.Fatalf("%s: PageQuestions(%+v) = %v (total %d), the plain skip gives %v (total %d)",
						when, f, got, gotTotal, want, wantTotal)
				}
				if off < total && len(want) == 0 {
					t.Fatalf("%s: PageQuestions(%+v): no rows below the total %d", when, f, total)
				}
				if found, err := s.PagePositionFound(ctx, tenant, f); err != nil || found != (off < total) {
					t.Fatalf("%s: position of %+v (total %d) found in the bucket counts: %v, %v", when, f, total, found, err)
				}
			}
		}
	}
}

// A page found through the bucket counts is the page the plain skip finds, after inserts (one
// and many per statement), changes of status and of last_updated (one and many per statement,
// some rolled back) and deletes, with times on and next to the bucket edges.
func TestDeepPagesMatchThePlainSkip(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			s := n.Store
			a, b := mustTenant(t, s, "a"), mustTenant(t, s, "b")
			r := rand.New(rand.NewSource(11))
			var used []time.Time
			var qs []store.Question
			nextID := int64(1_000_000)
			for step := 0; step < 240; step++ {
				tenant := a.ID
				if r.Intn(4) == 0 {
					tenant = b.ID
				}
				switch k := r.Intn(10); {
				case len(qs) < 10 || k < 4:
					q := store.Question{Channel: store.ChannelMessaging, LastUpdated: bucketTime(r, used),
						Status: totalStatuses[r.Intn(len(totalStatuses))]}
					if r.Intn(3) == 0 {
						q.Channel, q.HelpDeskID = store.ChannelHelpDesk, fmt.Sprint("hd-", step)
					}
					q.CreatedAt = q.LastUpdated
					used = append(used, q.LastUpdated)
					mustInsertQuestion(t, s, tenant, &q)
					qs = append(qs, q)
				case k == 4:
					// Several questions in one statement, as a bulk load (the harness's seeding) writes them.
					var vals []string
					var args []any
					for i := 0; i < 1+r.Intn(6); i++ {
						nextID++
						at := bucketTime(r, used)
						used = append(used, at)
						vals = append(vals, `(?, ?, ?, 'messaging', '', 's', 't', 'en', 'Ann', '', '', '', ?, '{}', ?, '', ?, ?, ?)`)
						args = append(args, nextID, tenant, uuid.New(), false, totalStatuses[r.Intn(len(totalStatuses))], at, at, nextID)
					}
					err := s.ExecRaw(ctx, `INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text",
						language, author_name, author_email, author_ref_id, category, elite_only, metadata, status,
						rerouted_by, created_at, last_updated, number) VALUES `+strings.Join(vals, ", "), args...)
					if err != nil {
						t.Fatal(err)
					}
				case k == 5:
					// Many questions' times and statuses in one statement.
					at := bucketTime(r, used)
					used = append(used, at)
					st := totalStatuses[r.Intn(len(totalStatuses))]
					if err := s.ExecRaw(ctx, `UPDATE questions SET last_updated = ?, status = ? WHERE tenant_id = ? AND id % 7 = ?`,
						at, st, tenant, r.Intn(7)); err != nil {
						t.Fatal(err)
					}
				case k == 6:
					if err := s.ExecRaw(ctx, `DELETE FROM questions WHERE tenant_id = ? AND id % 13 = ?`, tenant, r.Intn(13)); err != nil {
						t.Fatal(err)
					}
				default:
					q := &qs[r.Intn(len(qs))]
					got, err := s.Question(ctx, q.TenantID, q.UUID)
					if err != nil {
						continue // deleted
					}
					*q = got
					switch r.Intn(3) {
					case 0:
						q.Status = totalStatuses[r.Intn(len(totalStatuses))]
					case 1:
						q.LastUpdated = bucketTime(r, used)
					default:
						q.Status = totalStatuses[r.Intn(len(totalStatuses))]
						q.LastUpdated = bucketTime(r, used)
					}
					used = append(used, q.LastUpdated)
					rollback := r.Intn(5) == 0
					err = s.InTenantTx(ctx, q.TenantID, func(tx *store.TenantTx) error {
						if err := tx.UpdateQuestion(ctx, q); err != nil {
							return err
						}
						if rollback {
							return errRollback
						}
						return nil
					})
					if (rollback && err != errRollback) || (!rollback && err != nil) {
						t.Fatal(err)
					}
				}
				if step%30 == 29 {
					wantSamePages(t, s, a.ID, r, fmt.Sprint("step ", step))
					wantSamePages(t, s, b.ID, r, fmt.Sprint("step ", step))
				}
			}
		})
	}
}

// 0011 counts the questions stored before it (written in SQL as the harness seeds them: time
// text without a fraction on SQLite), and counts them again (not twice) when it runs again.
func TestMigration0011CountsExistingQuestions(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			s := n.Store
			if err := s.MigrateFirst(ctx, 9); err != nil {
				t.Fatal(err)
			}
			a := mustTenant(t, s, "a")
			r := rand.New(rand.NewSource(5))
			base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			for i := 0; i < 300; i++ {
				at := base.Add(time.Duration(r.Intn(4*86400)) * time.Second)
				var atSQL any = at
				if s.Dialect() != store.DialectPostgres {
					atSQL = at.Format("2006-01-02 15:04:05") + "+00:00"
				}
				err := s.ExecRaw(ctx, `INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text",
					language, author_name, author_email, author_ref_id, category, elite_only, metadata, status,
					rerouted_by, created_at, last_updated, number)
					VALUES (?, ?, ?, 'messaging', '', 's', 't', 'en', 'Ann', '', '', '', ?, '{}', ?, '', ?, ?, ?)`,
					100+i, a.ID, uuid.New(), false, totalStatuses[r.Intn(3)], atSQL, atSQL, 1000+i)
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			wantSamePages(t, s, a.ID, r, "after 0011")
			if err := s.ExecRaw(ctx, "DELETE FROM bun_migrations WHERE name = ?", "0011_question_buckets"); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("re-running 0011: %v", err)
			}
			wantSamePages(t, s, a.ID, r, "after 0011 again")
			mustInsertQuestion(t, s, a.ID, &store.Question{Channel: store.ChannelMessaging, LastUpdated: base.Add(36 * time.Hour)})
			wantSamePages(t, s, a.ID, r, "after an insert")
		})
	}
}

// A deep page skips only the questions of one half-hour before it, from the half-hour's bound in
// the list's index (a range, not a walk from the newest question).
func TestDeepPagesSkipWithinAHalfHour(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			s := n.Store
			a := mustTenant(t, s, "a")
			const count = 20_000 // one a second, statuses in turn
			seed := `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
				INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text", language,
					author_name, author_email, author_ref_id, category, elite_only, metadata, status, rerouted_by,
					created_at, last_updated, number)
				SELECT 1000 + i, ?, printf('00000000-0000-4000-8000-%012x', i), 'messaging', '', 's', 't', 'en',
					'Ann', '', '', '', 0, '{}', CASE i % 3 WHEN 0 THEN 'RESOLVED' ELSE 'UNRESOLVED' END, '',
					strftime('%Y-%m-%d %H:%M:%S', 1700000000 + i, 'unixepoch') || '+00:00',
					strftime('%Y-%m-%d %H:%M:%S', 1700000000 + i, 'unixepoch') || '+00:00', i
				FROM c`
			if s.Dialect() == store.DialectPostgres {
				seed = `INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text", language,
					author_name, author_email, author_ref_id, category, elite_only, metadata, status, rerouted_by,
					created_at, last_updated, number)
				SELECT 1000 + i, ?, ('00000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'messaging', '', 's', 't', 'en',
					'Ann', '', '', '', false, '{}', CASE i % 3 WHEN 0 THEN 'RESOLVED' ELSE 'UNRESOLVED' END, '',
					to_timestamp(1700000000 + i), to_timestamp(1700000000 + i), i
				FROM generate_series(1, ?) AS i`
			}
			args := []any{count, a.ID}
			if s.Dialect() == store.DialectPostgres {
				args = []any{a.ID, count}
			}
			if err := s.ExecRaw(ctx, seed, args...); err != nil {
				t.Fatal(err)
			}
			if err := s.ExecRaw(ctx, "ANALYZE"); err != nil {
				t.Fatal(err)
			}
			for _, f := range []store.PageFilter{
				{Channel: store.ChannelMessaging, Offset: count / 2, Limit: 20},
				{Channel: store.ChannelMessaging, Offset: count - 20, Limit: 20},
				{Channel: store.ChannelMessaging, Status: "RESOLVED", Offset: count / 6, Limit: 20},
			} {
				plan, skip, err := s.PagePlan(ctx, a.ID, f)
				if err != nil {
					t.Fatal(err)
				}
				if skip > 1800 {
					t.Errorf("%+v: skips %d questions, more than a half-hour's (1800)", f, skip)
				}
				ranged := strings.Contains(plan, "last_updated<?") // SQLite: SEARCH … USING COVERING INDEX (… AND last_updated<?)
				if s.Dialect() == store.DialectPostgres {
					// An index scan backward, or a bitmap scan and a sort of the few rows below the bound.
					ranged = strings.Contains(plan, "Index Cond: ((tenant_id = ") && strings.Contains(plan, "AND (last_updated < ")
				}
				if !ranged {
					t.Errorf("%+v: the page is not read from a range of the index:\n%s", f, plan)
				}
			}
		})
	}
}
