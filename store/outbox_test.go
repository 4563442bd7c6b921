package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

var t0 = time.Date(2030, 5, 1, 12, 0, 0, 0, time.UTC)

func enqueue(t *testing.T, s *store.Store, tenant uuid.UUID, n int, due time.Time) []store.OutboxDelivery {
	t.Helper()
	ds := make([]store.OutboxDelivery, n)
	for i := range ds {
		ds[i] = store.OutboxDelivery{Topic: "test", Subject: fmt.Sprint(i), URL: "http://127.0.0.1:1/hook",
			Headers: map[string]string{"x-sig": "s"}, Body: []byte(fmt.Sprintf(`{"i":%d}`, i)), Signature: "s",
			MaxAttempts: 3, NextAttemptAt: due}
	}
	inTx(t, s, tenant, func(tx *store.TenantTx) error { return tx.EnqueueDeliveries(ctxT(t), ds) })
	return ds
}

func TestOutboxEnqueueIsTransactional(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		boom := errors.New("boom")
		err := s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
			if err := tx.EnqueueDeliveries(ctx, []store.OutboxDelivery{{URL: "http://x/", MaxAttempts: 1, NextAttemptAt: t0}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n, _ := s.CountRows(ctx, "outbox_deliveries"); n != 0 {
			t.Fatalf("a rolled-back enqueue left %d deliveries", n)
		}
		ds := enqueue(t, s, a.ID, 2, t0)
		if ds[0].ID == 0 || ds[1].ID <= ds[0].ID || ds[0].State != store.DeliveryPending {
			t.Fatalf("enqueued = %+v", ds)
		}
		got, err := s.Delivery(ctx, a.ID, ds[1].ID)
		if err != nil || string(got.Body) != `{"i":1}` || got.Headers["x-sig"] != "s" || got.Attempts != 0 || !got.NextAttemptAt.Equal(t0) {
			t.Fatalf("Delivery = %+v, %v", got, err)
		}
	})
}

func TestOutboxClaimAndRecord(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := mustTenant(t, s, "a"), mustTenant(t, s, "b")
		ds := enqueue(t, s, a.ID, 2, t0)
		enqueue(t, s, b.ID, 1, t0.Add(time.Hour)) // not due
		wall := time.Now()

		if c, _ := s.ClaimDueDeliveries(ctx, t0.Add(-time.Second), wall, wall.Add(time.Minute), 10); len(c) != 0 {
			t.Fatalf("claimed %d deliveries before they were due", len(c))
		}
		claims, err := s.ClaimDueDeliveries(ctx, t0, wall, wall.Add(time.Minute), 10)
		if err != nil || len(claims) != 2 || claims[0].ID != ds[0].ID || claims[0].Token == "" {
			t.Fatalf("claims = %+v, %v", claims, err)
		}
		// Held: not claimed again while the lease runs, even once due.
		if c, _ := s.ClaimDueDeliveries(ctx, t0.Add(time.Hour), wall, wall.Add(time.Minute), 10); len(c) != 1 || c[0].TenantID != b.ID {
			t.Fatalf("second claim = %+v; want only tenant b's", c)
		}

		// A failure schedules the next attempt; a success delivers.
		d, err := s.RecordAttempt(ctx, claims[0], store.Attempt{At: t0, Status: 500, Error: "HTTP 500", NextAt: t0.Add(2 * time.Minute)})
		if err != nil || d.State != store.DeliveryPending || d.Attempts != 1 || d.LastStatus != 500 || !d.NextAttemptAt.Equal(t0.Add(2*time.Minute)) {
			t.Fatalf("after a failure: %+v, %v", d, err)
		}
		_, err = s.RecordAttempt(ctx, claims[0], store.Attempt{At: t0, OK: true, Status: 200})
		wantErr(t, "recording twice under one claim", err, store.ErrNotFound)
		d, err = s.RecordAttempt(ctx, claims[1], store.Attempt{At: t0, OK: true, Status: 204})
		if err != nil || d.State != store.DeliveryDelivered || d.FinishedAt == nil || d.Attempts != 1 {
			t.Fatalf("after a success: %+v, %v", d, err)
		}

		// Attempts 2 and 3 fail: the third is final (MaxAttempts 3).
		for i := 2; i <= 3; i++ {
			now := t0.Add(time.Duration(i) * time.Hour)
			c, _ := s.ClaimDueDeliveries(ctx, now, wall, wall.Add(time.Minute), 1)
			if len(c) != 1 || c[0].ID != ds[0].ID {
				t.Fatalf("attempt %d: claims = %+v", i, c)
			}
			d, err = s.RecordAttempt(ctx, c[0], store.Attempt{At: now, Error: "refused", NextAt: now.Add(time.Minute)})
			if err != nil {
				t.Fatal(err)
			}
		}
		if d.State != store.DeliveryFailed || d.Attempts != 3 || d.FinishedAt == nil || d.LastError != "refused" {
			t.Fatalf("after the last attempt: %+v", d)
		}
		if _, ok, _ := s.NextDeliveryDue(ctx, wall); ok {
			t.Error("tenant b's delivery is claimed: not due for anyone else")
		}
		if due, ok, _ := s.NextDeliveryDue(ctx, wall.Add(2*time.Minute)); !ok || !due.Equal(t0.Add(time.Hour)) {
			t.Errorf("once the claim expires, tenant b's delivery is due at %v (%v)", due, ok)
		}

		// Redeliver: another tenant cannot; the owner gets one more attempt.
		_, err = s.Redeliver(ctx, b.ID, ds[0].ID, t0)
		wantErr(t, "redeliver another tenant's delivery", err, store.ErrNotFound)
		_, err = s.Delivery(ctx, b.ID, ds[0].ID)
		wantErr(t, "read another tenant's delivery", err, store.ErrNotFound)
		d, err = s.Redeliver(ctx, a.ID, ds[0].ID, t0.Add(5*time.Hour))
		if err != nil || d.State != store.DeliveryPending || d.MaxAttempts != 4 || d.FinishedAt != nil {
			t.Fatalf("Redeliver = %+v, %v", d, err)
		}
		c, _ := s.ClaimDueDeliveries(ctx, t0.Add(5*time.Hour), wall, wall.Add(time.Minute), 5)
		if len(c) != 1 || c[0].ID != ds[0].ID {
			t.Fatalf("redelivered claim = %+v", c)
		}
		d, _ = s.RecordAttempt(ctx, c[0], store.Attempt{At: t0, Error: "again", NextAt: t0.Add(time.Hour)})
		if d.State != store.DeliveryFailed || d.Attempts != 4 {
			t.Fatalf("a failed redelivery: %+v", d)
		}

		list, err := s.Deliveries(ctx, a.ID, "", 0, 10)
		if err != nil || len(list) != 2 || list[0].ID != ds[1].ID {
			t.Fatalf("Deliveries = %+v, %v", list, err)
		}
		if l, _ := s.Deliveries(ctx, a.ID, store.DeliveryFailed, 0, 10); len(l) != 1 || l[0].ID != ds[0].ID {
			t.Errorf("failed deliveries = %+v", l)
		}
		if l, _ := s.Deliveries(ctx, a.ID, "", ds[1].ID, 10); len(l) != 1 || l[0].ID != ds[0].ID {
			t.Errorf("page before %d = %+v", ds[1].ID, l)
		}
	})
}

func TestOutboxExpiredLeaseIsClaimedAgain(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		enqueue(t, s, a.ID, 1, t0)
		wall := time.Now()
		first, _ := s.ClaimDueDeliveries(ctx, t0, wall, wall.Add(time.Second), 1)
		second, _ := s.ClaimDueDeliveries(ctx, t0, wall.Add(2*time.Second), wall.Add(time.Minute), 1)
		if len(first) != 1 || len(second) != 1 || first[0].Token == second[0].Token {
			t.Fatalf("claims %+v then %+v", first, second)
		}
		_, err := s.RecordAttempt(ctx, first[0], store.Attempt{At: t0, OK: true})
		wantErr(t, "the expired claim records", err, store.ErrNotFound)
		if d, err := s.RecordAttempt(ctx, second[0], store.Attempt{At: t0, OK: true}); err != nil || d.Attempts != 1 {
			t.Fatalf("the live claim: %+v, %v", d, err)
		}
	})
}

// TestOutboxClaimsOnceAcrossInstances: workers on two handles (two "instances") claim concurrently;
// every delivery is claimed exactly once.
func TestOutboxClaimsOnceAcrossInstances(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			other, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			a := mustTenant(t, n.Store, "a")
			const total = 120
			enqueue(t, n.Store, a.ID, total, t0)
			var mu sync.Mutex
			seen := map[int64]int{}
			var wg sync.WaitGroup
			for w := 0; w < 6; w++ {
				s := n.Store
				if w%2 == 1 {
					s = other
				}
				wg.Add(1)
				go func(s *store.Store) {
					defer wg.Done()
					for {
						wall := time.Now()
						c, err := s.ClaimDueDeliveries(context.Background(), t0, wall, wall.Add(time.Hour), 7)
						if err != nil {
							t.Error(err)
							return
						}
						if len(c) == 0 {
							return
						}
						mu.Lock()
						for _, x := range c {
							seen[x.ID]++
						}
						mu.Unlock()
					}
				}(s)
			}
			wg.Wait()
			if len(seen) != total {
				t.Fatalf("%d deliveries claimed, want %d", len(seen), total)
			}
			for id, k := range seen {
				if k != 1 {
					t.Errorf("delivery %d claimed %d times", id, k)
				}
			}
		})
	}
}
