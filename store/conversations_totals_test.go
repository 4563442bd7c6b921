package store_test

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

var totalStatuses = []string{"UNRESOLVED", "RESOLVED", "CLOSED", "EXPIRED", "REROUTED"}

// wantTotals compares QuestionTotal with a count of the questions for every filter the lists
// use: each channel or any, each status or any, each refId or any.
func wantTotals(t *testing.T, s *store.Store, tenant uuid.UUID, refs []string, when string) {
	t.Helper()
	ctx := ctxT(t)
	for _, ch := range []string{"", store.ChannelMessaging, store.ChannelHelpDesk} {
		for _, st := range append([]string{""}, totalStatuses...) {
			for _, ref := range append([]string{""}, refs...) {
				f := store.PageFilter{Channel: ch, Status: st, AuthorRefID: ref}
				got, err := s.QuestionTotal(ctx, tenant, f)
				if err != nil {
					t.Fatal(err)
				}
				want := 0
				for after := int64(0); ; {
					qs, err := s.ListQuestions(ctx, tenant, store.QuestionFilter{Channel: ch, Status: st, AfterNumber: after, Limit: store.MaxListLimit})
					if err != nil {
						t.Fatal(err)
					}
					for _, q := range qs {
						if ref == "" || q.AuthorRefID == ref {
							want++
						}
					}
					if len(qs) < store.MaxListLimit {
						break
					}
					after = qs[len(qs)-1].Number
				}
				if got != want {
					t.Fatalf("%s: total %+v = %d, want %d", when, f, got, want)
				}
			}
		}
	}
}

// The question totals follow every insert and every change of status or refId, in committed
// transactions only, and are kept per tenant.
func TestQuestionTotalsFollowWrites(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			s := n.Store
			a, b := mustTenant(t, s, "a"), mustTenant(t, s, "b")
			refs := []string{"ref-1", "ref-2"}
			r := rand.New(rand.NewSource(7))
			var qs []store.Question
			for step := 0; step < 120; step++ {
				tenant := a.ID
				if r.Intn(4) == 0 {
					tenant = b.ID
				}
				switch {
				case len(qs) == 0 || r.Intn(3) == 0:
					q := store.Question{Channel: store.ChannelMessaging, AuthorRefID: []string{"", "ref-1", "ref-2"}[r.Intn(3)]}
					if r.Intn(3) == 0 {
						q.Channel, q.HelpDeskID = store.ChannelHelpDesk, fmt.Sprint("hd-", step)
					}
					mustInsertQuestion(t, s, tenant, &q)
					qs = append(qs, q)
				default:
					q := &qs[r.Intn(len(qs))]
					q.Status = totalStatuses[r.Intn(len(totalStatuses))]
					if r.Intn(4) == 0 {
						q.AuthorRefID = []string{"", "ref-1", "ref-2"}[r.Intn(3)]
					}
					q.LastUpdated = q.LastUpdated.Add(time.Second)
					rollback := r.Intn(5) == 0
					err := s.InTenantTx(ctx, q.TenantID, func(tx *store.TenantTx) error {
						if err := tx.UpdateQuestion(ctx, q); err != nil {
							return err
						}
						if rollback {
							return errRollback
						}
						return nil
					})
					if rollback {
						if err != errRollback {
							t.Fatal(err)
						}
						got, _ := s.Question(ctx, q.TenantID, q.UUID)
						*q = got
					} else if err != nil {
						t.Fatal(err)
					}
				}
				if step%20 == 19 {
					wantTotals(t, s, a.ID, refs, fmt.Sprint("step ", step))
					wantTotals(t, s, b.ID, refs, fmt.Sprint("step ", step))
				}
			}
		})
	}
}

var errRollback = fmt.Errorf("roll back")

// 0007 counts the questions stored before it, and counts them again (not twice) when it runs
// again.
func TestMigration0007CountsExistingQuestions(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			s := n.Store
			if err := s.MigrateFirst(ctx, 6); err != nil {
				t.Fatal(err)
			}
			a := mustTenant(t, s, "a")
			created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			for i, c := range []struct{ status, ref string }{{"UNRESOLVED", "ref-1"}, {"RESOLVED", "ref-1"}, {"UNRESOLVED", ""}, {"CLOSED", "ref-2"}} {
				err := s.ExecRaw(ctx, `INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text",
					language, author_name, author_email, author_ref_id, category, elite_only, metadata, status,
					rerouted_by, created_at, last_updated, number)
					VALUES (?, ?, ?, 'messaging', '', 's', 't', 'en', 'Ann', '', ?, '', ?, '{}', ?, '', ?, ?, ?)`,
					100+i, a.ID, uuid.New(), c.ref, false, c.status, created, created, 1000+i)
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			wantTotals(t, s, a.ID, []string{"ref-1", "ref-2"}, "after 0007")
			if err := s.ExecRaw(ctx, "DELETE FROM bun_migrations WHERE name = ?", "0007_conversation_counters"); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("re-running 0007: %v", err)
			}
			wantTotals(t, s, a.ID, []string{"ref-1", "ref-2"}, "after 0007 again")
			mustInsertQuestion(t, s, a.ID, &store.Question{Channel: store.ChannelMessaging, AuthorRefID: "ref-2"})
			wantTotals(t, s, a.ID, []string{"ref-1", "ref-2"}, "after an insert")
		})
	}
}
