package store_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// 0002 applies on top of a database that an older build migrated to 0001 and
// filled; it is idempotent, also when it runs again after its bookkeeping
// was lost (a crash between commit and recording).
func TestMigration0002OnTopOf0001(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			s := n.Store
			if err := s.MigrateFirst(ctx, 1); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.Applied(ctx); !slices.Equal(got, []string{"0001_initial_schema"}) {
				t.Fatalf("Applied after 0001 only = %v", got)
			}
			tn := mustTenant(t, s, "old")
			// A question written by the 0001 schema (no reroute_reason column).
			qid := uuid.New()
			created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			err := s.ExecRaw(ctx, `INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text",
				language, author_name, author_email, author_ref_id, category, elite_only, metadata, status,
				rerouted_by, created_at, last_updated)
				VALUES (7, ?, ?, 'messaging', '', 's', 't', 'en', 'Ann', '', '', '', ?, '{}', 'REROUTED', 'USER', ?, ?)`,
				tn.ID, qid, false, created, created)
			if err != nil {
				t.Fatal(err)
			}

			for i := range 2 {
				if err := s.Migrate(ctx); err != nil {
					t.Fatalf("Migrate #%d on a 0001 database: %v", i+1, err)
				}
			}
			// Bookkeeping lost: 0002 runs again on the migrated schema.
			if err := s.ExecRaw(ctx, "DELETE FROM bun_migrations WHERE name = ?", "0002_messaging"); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("re-running 0002: %v", err)
			}
			if got, _ := s.Applied(ctx); !slices.Equal(got, store.Migrations()) {
				t.Fatalf("Applied = %v, want %v", got, store.Migrations())
			}

			// The old row reads with the new column's default and can be updated.
			q, err := s.Question(ctx, tn.ID, qid)
			if err != nil {
				t.Fatal(err)
			}
			if q.RerouteReason != "" || q.Status != "REROUTED" || q.ID != 7 {
				t.Fatalf("old question after 0002: %+v", q)
			}
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				q.RerouteReason = "too slow"
				return tx.UpdateQuestion(ctx, &q)
			})
			if got, _ := s.Question(ctx, tn.ID, qid); got.RerouteReason != "too slow" {
				t.Fatalf("RerouteReason after update = %q", got.RerouteReason)
			}
			// The new tables work.
			e := store.Expert{TenantID: tn.ID, Name: "Eve"}
			if err := s.InsertExpert(ctx, &e); err != nil {
				t.Fatal(err)
			}
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				return tx.InsertOffers(ctx, []store.Offer{{QuestionUUID: qid, ExpertUUID: e.UUID, Rank: 1}})
			})
		})
	}
}
