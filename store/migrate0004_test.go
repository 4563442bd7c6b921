package store_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// 0004 numbers questions per tenant on a database that already has questions: every existing
// question keeps its published id (number = id), and each tenant continues after its highest.
// It is idempotent.
func TestMigration0004KeepsPublishedIDs(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			s := n.Store
			if err := s.MigrateFirst(ctx, 3); err != nil {
				t.Fatal(err)
			}
			a, b := mustTenant(t, s, "a"), mustTenant(t, s, "b")
			created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			old := map[int64]uuid.UUID{}
			for _, c := range []struct {
				id     int64
				tenant uuid.UUID
			}{{7, a.ID}, {8, b.ID}, {9, a.ID}} {
				old[c.id] = uuid.New()
				err := s.ExecRaw(ctx, `INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text",
					language, author_name, author_email, author_ref_id, category, elite_only, metadata, status,
					rerouted_by, created_at, last_updated)
					VALUES (?, ?, ?, 'messaging', '', 's', 't', 'en', 'Ann', '', '', '', ?, '{}', 'UNRESOLVED', '', ?, ?)`,
					c.id, c.tenant, old[c.id], false, created, created)
				if err != nil {
					t.Fatal(err)
				}
			}
			for i := range 2 {
				if err := s.Migrate(ctx); err != nil {
					t.Fatalf("Migrate #%d: %v", i+1, err)
				}
			}
			if err := s.ExecRaw(ctx, "DELETE FROM bun_migrations WHERE name = ?", "0004_tenant_numbers_file_chunks"); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("re-running 0004: %v", err)
			}
			for id, u := range old {
				if q, err := s.Question(ctx, map[int64]uuid.UUID{7: a.ID, 8: b.ID, 9: a.ID}[id], u); err != nil || q.Number != id {
					t.Errorf("question %d after 0004: number %d, %v", id, q.Number, err)
				}
			}
			next := func(tn uuid.UUID) int64 {
				q := &store.Question{Channel: store.ChannelMessaging}
				mustInsertQuestion(t, s, tn, q)
				return q.Number
			}
			if n := next(a.ID); n != 10 {
				t.Errorf("A's next number %d, want 10", n)
			}
			if n := next(b.ID); n != 9 {
				t.Errorf("B's next number %d, want 9", n)
			}
			if n := next(mustTenant(t, s, "new").ID); n != 1 {
				t.Errorf("a new tenant's first number %d, want 1", n)
			}
		})
	}
}
