package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestSharedParentsNotLocked (PostgreSQL, migration 0018): the writes of an ask — a question,
// its offers, an event naming an expert, its timers, a message — leave the tenant's row and its
// experts' rows unlocked while their transaction is open, so concurrent asks of one tenant do
// not pile MultiXacts onto them. With the foreign keys they replaced, another connection could
// not lock those rows FOR UPDATE until the transaction ended.
func TestSharedParentsNotLocked(t *testing.T) {
	forPostgres(t, func(t *testing.T, n storetest.Named) {
		ctx := context.Background()
		s := n.Store
		a, _ := twoTenants(t, s)
		t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
		e := mustExpert(t, s, a.ID, "Ann", t0)
		other := store.OpenPGPool(n.URL)
		defer other.Close()
		lockable := func(what, q string, args ...any) {
			t.Helper()
			if _, err := other.ExecContext(ctx, q+" FOR UPDATE NOWAIT", args...); err != nil {
				t.Errorf("%s is locked by an open ask: %v", what, err)
			}
		}
		err := s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
			q := &store.Question{Channel: store.ChannelMessaging, LastUpdated: t0}
			if err := tx.InsertQuestion(ctx, q); err != nil {
				return err
			}
			if err := tx.InsertOffers(ctx, []store.Offer{{QuestionUUID: q.UUID, ExpertUUID: e.UUID, OfferedAt: t0}}); err != nil {
				return err
			}
			if err := tx.InsertEvent(ctx, &store.Event{Type: "offered", QuestionUUID: q.UUID, ExpertUUID: &e.UUID, CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.ScheduleJob(ctx, "timeout", q.UUID.String(), t0.Add(time.Hour)); err != nil {
				return err
			}
			if err := tx.InsertMessage(ctx, &store.Message{QuestionUUID: q.UUID, Type: "USER_MESSAGE", AuthorType: "USER", Body: "hi", CreatedAt: t0}); err != nil {
				return err
			}
			lockable("the tenant's row", "SELECT 1 FROM tenants WHERE id = $1", a.ID)
			lockable("the expert's row", "SELECT 1 FROM experts WHERE tenant_id = $1 AND uuid = $2", a.ID, e.UUID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestSharedParentChecks (PostgreSQL, migration 0018): where a trigger replaced a foreign key to
// a shared parent, a row whose parent does not exist is still refused with a foreign key
// violation (the store's ErrNotFound), on insert and on an update of the reference; a NULL
// reference is not checked.
func TestSharedParentChecks(t *testing.T) {
	forPostgres(t, func(t *testing.T, n storetest.Named) {
		ctx := context.Background()
		s := n.Store
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
		eb := mustExpert(t, s, b.ID, "Bob", t0)
		q := &store.Question{Channel: store.ChannelMessaging, LastUpdated: t0}
		mustInsertQuestion(t, s, a.ID, q)
		refused := func(what, stmt string, args ...any) {
			t.Helper()
			err := s.ExecRaw(ctx, stmt, args...)
			if err == nil || !strings.Contains(err.Error(), "23503") {
				t.Errorf("%s: %v, want a foreign key violation (23503)", what, err)
			}
		}
		refused("a timer of no tenant", "INSERT INTO jobs (tenant_id, kind, subject, due_at, created_at) VALUES (?, 'k', 's', ?, ?)", uuid.New(), t0, t0)
		refused("an event naming another tenant's expert", "INSERT INTO events (tenant_id, type, question_uuid, expert_uuid, data, created_at) VALUES (?, 'x', ?, ?, '{}', ?)",
			a.ID, q.UUID, eb.UUID, t0)
		refused("an offer to another tenant's expert", "INSERT INTO offers (tenant_id, question_uuid, expert_uuid, tier, rank, score, breakdown, offered_at) VALUES (?, ?, ?, 1, 1, 0, '{}', ?)",
			a.ID, q.UUID, eb.UUID, t0)
		if err := s.ExecRaw(ctx, "INSERT INTO events (tenant_id, type, question_uuid, expert_uuid, data, created_at) VALUES (?, 'x', ?, NULL, '{}', ?)", a.ID, q.UUID, t0); err != nil {
			t.Errorf("an event with no expert: %v", err)
		}
		if err := s.ExecRaw(ctx, "UPDATE questions SET last_updated = ? WHERE uuid = ?", t0.Add(time.Minute), q.UUID); err != nil {
			t.Errorf("an update that keeps the tenant: %v", err)
		}
		// A question nothing references (else their foreign keys would refuse the move).
		lone := &store.Question{Channel: store.ChannelMessaging, LastUpdated: t0}
		mustInsertQuestion(t, s, a.ID, lone)
		refused("a question moved to no tenant", "UPDATE questions SET tenant_id = ? WHERE uuid = ?", uuid.New(), lone.UUID)
	})
}
