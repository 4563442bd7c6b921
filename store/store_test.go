package store_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// ---------------------------------------------------------------------------
// helpers

func ctxT(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustTenant(t *testing.T, s *store.Store, sub string) store.Tenant {
	t.Helper()
	tn := store.Tenant{ID: uuid.New(), Name: "Tenant " + sub, Subdomain: sub}
	if err := s.CreateTenant(ctxT(t), tn); err != nil {
		t.Fatalf("CreateTenant(%s): %v", sub, err)
	}
	got, err := s.GetTenant(ctxT(t), tn.ID)
	if err != nil {
		t.Fatalf("GetTenant: %v", err)
	}
	return got
}

func inTx(t *testing.T, s *store.Store, tenant uuid.UUID, fn func(tx *store.TenantTx) error) {
	t.Helper()
	if err := s.InTenantTx(ctxT(t), tenant, fn); err != nil {
		t.Fatalf("InTenantTx: %v", err)
	}
}

func newHelpDeskQuestion(hid string) *store.Question {
	return &store.Question{
		Channel:    store.ChannelHelpDesk,
		HelpDeskID: hid,
		Subject:    "Subject " + hid,
		Text:       "How do I " + hid + "?",
		Language:   "en",
		AuthorName: "Ann",
		Category:   "general",
	}
}

func mustInsertQuestion(t *testing.T, s *store.Store, tenant uuid.UUID, q *store.Question) {
	t.Helper()
	inTx(t, s, tenant, func(tx *store.TenantTx) error { return tx.InsertQuestion(ctxT(t), q) })
}

func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func wantUTC(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.Format(time.RFC3339Nano), want.Format(time.RFC3339Nano))
	}
	if got.Location() != time.UTC {
		t.Errorf("%s location = %v, want UTC", what, got.Location())
	}
}

// ---------------------------------------------------------------------------
// migrations

func TestMigrateIsIdempotent(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		applied, err := s.Applied(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(applied, store.Migrations()) {
			t.Fatalf("Applied = %v, want %v", applied, store.Migrations())
		}
		tn := mustTenant(t, s, "keep")
		for range 2 {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
		}
		again, err := s.Applied(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(again, applied) {
			t.Fatalf("Applied after re-migrate = %v, want %v", again, applied)
		}
		if _, err := s.GetTenant(ctx, tn.ID); err != nil {
			t.Fatalf("data lost by re-migrate: %v", err)
		}
	})
}

func TestConcurrentMigrate(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			before, err := n.Store.Applied(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(before) != 0 {
				t.Fatalf("fresh database has applied migrations %v", before)
			}
			const instances = 4
			handles := []*store.Store{n.Store}
			for range instances - 1 {
				s2, err := store.Open(ctx, n.URL)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = s2.Close() })
				handles = append(handles, s2)
			}
			var wg sync.WaitGroup
			errs := make([]error, len(handles))
			for i, h := range handles {
				wg.Go(func() { errs[i] = h.Migrate(ctx) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("instance %d: Migrate: %v", i, err)
				}
			}
			for i, h := range handles {
				got, err := h.Applied(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(got, store.Migrations()) {
					t.Errorf("instance %d: Applied = %v, want %v", i, got, store.Migrations())
				}
			}
			// The schema works.
			mustTenant(t, n.Store, "after-concurrent-migrate")
		})
	}
}

// ---------------------------------------------------------------------------
// tenants & credentials

func TestTenants(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
		idLow := uuid.MustParse("00000000-0000-4000-8000-000000000001")
		idHigh := uuid.MustParse("ffffffff-0000-4000-8000-000000000001")
		// Inserted out of order on purpose.
		inputs := []store.Tenant{
			{ID: uuid.New(), Name: "Late", Subdomain: "late", CreatedAt: base.Add(time.Hour)},
			{ID: idHigh, Name: "Tie high", Subdomain: "tie-high", CreatedAt: base},
			{ID: idLow, Name: "Tie low", Subdomain: "Tie-Low", CreatedAt: base},
			{ID: uuid.New(), Name: "Early", Subdomain: "early", CreatedAt: base.Add(-time.Microsecond)},
		}
		for _, tn := range inputs {
			if err := s.CreateTenant(ctx, tn); err != nil {
				t.Fatalf("CreateTenant(%s): %v", tn.Subdomain, err)
			}
		}
		got, err := s.ListTenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, tn := range got {
			order = append(order, tn.Subdomain)
		}
		want := []string{"early", "tie-low", "tie-high", "late"}
		if !slices.Equal(order, want) {
			t.Fatalf("ListTenants order = %v, want %v", order, want)
		}

		low, err := s.GetTenant(ctx, idLow)
		if err != nil {
			t.Fatal(err)
		}
		if low.Subdomain != "tie-low" || low.Name != "Tie low" {
			t.Errorf("GetTenant = %+v (subdomain must be stored lowercased)", low)
		}
		wantUTC(t, "CreatedAt", low.CreatedAt, base)

		// Subdomain unique, case-insensitively; duplicate ID conflicts too.
		err = s.CreateTenant(ctx, store.Tenant{ID: uuid.New(), Name: "dup", Subdomain: "LATE"})
		wantErr(t, "duplicate subdomain", err, store.ErrConflict)
		err = s.CreateTenant(ctx, store.Tenant{ID: idLow, Name: "dup id", Subdomain: "fresh"})
		wantErr(t, "duplicate id", err, store.ErrConflict)

		_, err = s.GetTenant(ctx, uuid.New())
		wantErr(t, "GetTenant(unknown)", err, store.ErrNotFound)

		if err := s.CreateTenant(ctx, store.Tenant{Name: "no id", Subdomain: "x"}); err == nil {
			t.Error("CreateTenant without ID succeeded")
		}
		if err := s.CreateTenant(ctx, store.Tenant{ID: uuid.New(), Name: "no sub"}); err == nil {
			t.Error("CreateTenant without subdomain succeeded")
		}
		if all, _ := s.ListTenants(ctx); len(all) != 4 {
			t.Errorf("ListTenants has %d tenants after failed creates, want 4", len(all))
		}
	})
}

func TestHelpDeskTokenRotation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		b := mustTenant(t, s, "b")

		_, err := s.HelpDeskTokenIssuedAt(ctx, a.ID)
		wantErr(t, "IssuedAt before any token", err, store.ErrNotFound)
		_, err = s.TenantByHelpDeskTokenHash(ctx, []byte("nothing"))
		wantErr(t, "lookup of unknown hash", err, store.ErrNotFound)

		h1 := bytes.Repeat([]byte{0x01}, 32)
		h2 := bytes.Repeat([]byte{0x02}, 32)
		hb := append(bytes.Repeat([]byte{0xff}, 31), 0x00) // includes 0x00 and 0xff
		t1 := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 5*3600))
		t2 := t1.Add(time.Hour)

		if err := s.SetHelpDeskTokenHash(ctx, a.ID, h1, t1); err != nil {
			t.Fatal(err)
		}
		if err := s.SetHelpDeskTokenHash(ctx, b.ID, hb, t1); err != nil {
			t.Fatal(err)
		}
		got, err := s.TenantByHelpDeskTokenHash(ctx, h1)
		if err != nil || got.ID != a.ID {
			t.Fatalf("lookup h1 = %v, %v; want tenant a", got.ID, err)
		}
		issued, err := s.HelpDeskTokenIssuedAt(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantUTC(t, "issued at", issued, t1.Truncate(time.Microsecond))

		// Rotate: the old hash stops matching at once, the new one matches.
		if err := s.SetHelpDeskTokenHash(ctx, a.ID, h2, t2); err != nil {
			t.Fatal(err)
		}
		_, err = s.TenantByHelpDeskTokenHash(ctx, h1)
		wantErr(t, "old hash after rotation", err, store.ErrNotFound)
		got, err = s.TenantByHelpDeskTokenHash(ctx, h2)
		if err != nil || got.ID != a.ID {
			t.Fatalf("lookup h2 = %v, %v; want tenant a", got.ID, err)
		}
		issued, _ = s.HelpDeskTokenIssuedAt(ctx, a.ID)
		wantUTC(t, "issued at after rotation", issued, t2.Truncate(time.Microsecond))

		// b is untouched.
		got, err = s.TenantByHelpDeskTokenHash(ctx, hb)
		if err != nil || got.ID != b.ID {
			t.Fatalf("lookup hb = %v, %v; want tenant b", got.ID, err)
		}
		// Another tenant cannot take a live hash.
		err = s.SetHelpDeskTokenHash(ctx, b.ID, h2, t2)
		wantErr(t, "hash held by another tenant", err, store.ErrConflict)

		err = s.SetHelpDeskTokenHash(ctx, uuid.New(), []byte("x"), t2)
		wantErr(t, "SetHelpDeskTokenHash(unknown tenant)", err, store.ErrNotFound)
		if err := s.SetHelpDeskTokenHash(ctx, a.ID, nil, t2); err == nil {
			t.Error("empty hash accepted")
		}
	})
}

func TestAdminTokenHash(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		_, err := s.AdminTokenHash(ctx)
		wantErr(t, "AdminTokenHash before set", err, store.ErrNotFound)
		for _, h := range [][]byte{[]byte("first-hash\x00\xff"), []byte("second-hash")} {
			if err := s.SetAdminTokenHash(ctx, h); err != nil {
				t.Fatal(err)
			}
			got, err := s.AdminTokenHash(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, h) {
				t.Fatalf("AdminTokenHash = %q, want %q", got, h)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// questions

func TestQuestionInsertLookupUpdate(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "acme")
		created := time.Date(2025, 3, 4, 5, 6, 7, 891234000, time.UTC)

		var q store.Question
		var cust store.Customer
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			var err error
			cust, err = tx.UpsertCustomer(ctx, "Ann@Example.COM", "Ann", created)
			if err != nil {
				return err
			}
			q = *newHelpDeskQuestion("HD-1")
			q.CustomerID = cust.ID
			q.AuthorEmail = "ann@example.com"
			q.AuthorRefID = "ref-1"
			q.EliteOnly = true
			q.CreatedAt = created
			return tx.InsertQuestion(ctx, &q)
		})
		if q.TenantID != tn.ID || q.UUID == uuid.Nil || q.ID <= 0 {
			t.Fatalf("InsertQuestion did not fill TenantID/UUID/ID: %+v", q)
		}
		if q.Status != "UNRESOLVED" || string(q.Metadata) != "{}" || !q.LastUpdated.Equal(created) {
			t.Fatalf("InsertQuestion defaults: status %q metadata %q lastUpdated %v", q.Status, q.Metadata, q.LastUpdated)
		}

		got, err := s.Question(ctx, tn.ID, q.UUID)
		if err != nil {
			t.Fatal(err)
		}
		assertQuestionEqual(t, got, q)

		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			byHD, err := tx.QuestionByHelpDeskID(ctx, "HD-1", true)
			if err != nil {
				return err
			}
			assertQuestionEqual(t, byHD, q)
			if _, err := tx.QuestionByHelpDeskID(ctx, "hd-1", false); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("helpDeskId lookup must be case-sensitive, got %v", err)
			}
			byUUID, err := tx.QuestionByUUID(ctx, q.UUID, true)
			if err != nil {
				return err
			}
			assertQuestionEqual(t, byUUID, q)

			// Update every mutable column.
			rerouted := time.Date(2025, 3, 5, 0, 0, 0, 1000, time.UTC)
			claimer := uuid.New()
			byUUID.Subject = "new subject"
			byUUID.Text = "new text"
			byUUID.Language = "fr"
			byUUID.AuthorName = "Ann B"
			byUUID.AuthorEmail = "annb@example.com"
			byUUID.AuthorRefID = "ref-2"
			byUUID.Category = "billing"
			byUUID.EliteOnly = false
			byUUID.Metadata = []byte(`{"k":"v"}`)
			byUUID.Status = "REROUTED"
			byUUID.ReroutedBy = "EXPERT"
			byUUID.ReroutedAt = &rerouted
			byUUID.RerouteReason = "nobody answered"
			byUUID.ClaimedBy = &claimer
			byUUID.LastUpdated = rerouted
			// Immutable columns are ignored.
			byUUID.HelpDeskID = "HD-changed"
			byUUID.Channel = store.ChannelMessaging
			if err := tx.UpdateQuestion(ctx, &byUUID); err != nil {
				return err
			}
			q2, err := tx.QuestionByUUID(ctx, q.UUID, false)
			if err != nil {
				return err
			}
			byUUID.HelpDeskID = "HD-1"
			byUUID.Channel = store.ChannelHelpDesk
			assertQuestionEqual(t, q2, byUUID)
			q = q2
			return nil
		})

		// Clearing nullable columns works.
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			q.ReroutedAt, q.ClaimedBy, q.ReroutedBy, q.RerouteReason, q.CustomerID = nil, nil, "", "", uuid.Nil
			return tx.UpdateQuestion(ctx, &q)
		})
		got, _ = s.Question(ctx, tn.ID, q.UUID)
		assertQuestionEqual(t, got, q)

		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			missing := q
			missing.UUID = uuid.New()
			return tx.UpdateQuestion(ctx, &missing)
		})
		wantErr(t, "UpdateQuestion(unknown)", err, store.ErrNotFound)
		_, err = s.Question(ctx, tn.ID, uuid.New())
		wantErr(t, "Question(unknown)", err, store.ErrNotFound)

		// Validation.
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			return tx.InsertQuestion(ctx, &store.Question{Channel: "email"})
		})
		if err == nil {
			t.Error("unknown channel accepted")
		}
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			bad := newHelpDeskQuestion("bad-json")
			bad.Metadata = []byte(`{"a":`)
			return tx.InsertQuestion(ctx, bad)
		})
		if err == nil {
			t.Error("invalid metadata JSON accepted")
		}
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			q := newHelpDeskQuestion("unknown-customer")
			q.CustomerID = uuid.New()
			return tx.InsertQuestion(ctx, q)
		})
		wantErr(t, "InsertQuestion with unknown customer", err, store.ErrNotFound)
	})
}

func assertQuestionEqual(t *testing.T, got, want store.Question) {
	t.Helper()
	g, w := got, want
	// Compare times and metadata separately.
	for _, p := range []struct {
		name string
		g, w time.Time
	}{{"CreatedAt", g.CreatedAt, w.CreatedAt}, {"LastUpdated", g.LastUpdated, w.LastUpdated}} {
		wantUTC(t, p.name, p.g, p.w)
	}
	if (g.ReroutedAt == nil) != (w.ReroutedAt == nil) {
		t.Errorf("ReroutedAt = %v, want %v", g.ReroutedAt, w.ReroutedAt)
	} else if g.ReroutedAt != nil {
		wantUTC(t, "ReroutedAt", *g.ReroutedAt, *w.ReroutedAt)
	}
	if (g.ClaimedBy == nil) != (w.ClaimedBy == nil) || (g.ClaimedBy != nil && *g.ClaimedBy != *w.ClaimedBy) {
		t.Errorf("ClaimedBy = %v, want %v", g.ClaimedBy, w.ClaimedBy)
	}
	if !bytes.Equal(g.Metadata, w.Metadata) {
		t.Errorf("Metadata = %q, want %q", g.Metadata, w.Metadata)
	}
	g.CreatedAt, g.LastUpdated, g.ReroutedAt, g.ClaimedBy, g.Metadata = time.Time{}, time.Time{}, nil, nil, nil
	w.CreatedAt, w.LastUpdated, w.ReroutedAt, w.ClaimedBy, w.Metadata = time.Time{}, time.Time{}, nil, nil, nil
	if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
		t.Errorf("question mismatch:\n got %+v\nwant %+v", g, w)
	}
}

func TestHelpDeskIDUniqueness(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		b := mustTenant(t, s, "b")
		qa := newHelpDeskQuestion("SAME")
		mustInsertQuestion(t, s, a.ID, qa)

		// Same helpDeskId in another tenant is fine.
		qb := newHelpDeskQuestion("SAME")
		mustInsertQuestion(t, s, b.ID, qb)

		// Same helpDeskId twice in one tenant conflicts.
		err := s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
			return tx.InsertQuestion(ctx, newHelpDeskQuestion("SAME"))
		})
		wantErr(t, "duplicate helpDeskId", err, store.ErrConflict)
		// The transaction stays usable after ErrConflict (also on PostgreSQL):
		// look up the existing question and commit other work.
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			err := tx.InsertQuestion(ctx, newHelpDeskQuestion("SAME"))
			if !errors.Is(err, store.ErrConflict) {
				t.Errorf("duplicate helpDeskId in tx: %v", err)
			}
			existing, err := tx.QuestionByHelpDeskID(ctx, "SAME", true)
			if err != nil {
				return err
			}
			if existing.UUID != qa.UUID {
				t.Errorf("existing = %v, want %v", existing.UUID, qa.UUID)
			}
			return tx.InsertMessage(ctx, &store.Message{QuestionUUID: existing.UUID, Type: "after-conflict", AuthorType: "SYSTEM"})
		})
		if ms, _ := s.QuestionMessages(ctx, a.ID, qa.UUID); len(ms) != 1 || ms[0].Type != "after-conflict" {
			t.Errorf("work after a conflict was not committed: %+v", ms)
		}
		// Case differs → different id.
		mustInsertQuestion(t, s, a.ID, newHelpDeskQuestion("same"))

		// Duplicate UUID conflicts.
		err = s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
			q := newHelpDeskQuestion("other")
			q.UUID = qa.UUID
			return tx.InsertQuestion(ctx, q)
		})
		wantErr(t, "duplicate UUID", err, store.ErrConflict)

		// Messaging questions have no helpDeskId and never collide.
		for range 3 {
			mustInsertQuestion(t, s, a.ID, &store.Question{Channel: store.ChannelMessaging, Subject: "m"})
		}
		err = s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
			return tx.InsertQuestion(ctx, &store.Question{Channel: store.ChannelMessaging, HelpDeskID: "x"})
		})
		if err == nil {
			t.Error("messaging question with a helpDeskId accepted")
		}
		// A messaging question is not found by helpDeskId lookups.
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			if _, err := tx.QuestionByHelpDeskID(ctx, "", false); !errors.Is(err, store.ErrNotFound) {
				t.Errorf(`QuestionByHelpDeskID("") = %v, want ErrNotFound`, err)
			}
			return nil
		})
	})
}

func TestUpsertCustomer(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		b := mustTenant(t, s, "b")
		now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
		var c1, c2, cb store.Customer
		inTx(t, s, a.ID, func(tx *store.TenantTx) (err error) {
			if c1, err = tx.UpsertCustomer(ctx, "Bob@Example.com", "Bob First", now); err != nil {
				return err
			}
			c2, err = tx.UpsertCustomer(ctx, "bob@EXAMPLE.com", "Bob Second", now.Add(time.Hour))
			return err
		})
		if c1.ID != c2.ID || c2.Name != "Bob First" || c2.Email != "bob@example.com" || c2.TenantID != a.ID {
			t.Fatalf("upsert: first %+v second %+v", c1, c2)
		}
		wantUTC(t, "customer CreatedAt", c2.CreatedAt, now)
		// Across transactions too.
		inTx(t, s, a.ID, func(tx *store.TenantTx) (err error) {
			c2, err = tx.UpsertCustomer(ctx, "BOB@example.com", "Bob Third", now)
			return err
		})
		if c2.ID != c1.ID || c2.Name != "Bob First" {
			t.Fatalf("upsert in later tx: %+v", c2)
		}
		// Another tenant gets its own customer.
		inTx(t, s, b.ID, func(tx *store.TenantTx) (err error) {
			cb, err = tx.UpsertCustomer(ctx, "bob@example.com", "Bob B", now)
			return err
		})
		if cb.ID == c1.ID || cb.Name != "Bob B" || cb.TenantID != b.ID {
			t.Fatalf("tenant b customer %+v shares with %+v", cb, c1)
		}
		// A question of tenant b cannot point at tenant a's customer.
		err := s.InTenantTx(ctx, b.ID, func(tx *store.TenantTx) error {
			q := newHelpDeskQuestion("x")
			q.CustomerID = c1.ID
			return tx.InsertQuestion(ctx, q)
		})
		wantErr(t, "cross-tenant customer reference", err, store.ErrNotFound)
		err = s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
			_, err := tx.UpsertCustomer(ctx, "  ", "x", now)
			return err
		})
		if err == nil {
			t.Error("empty email accepted")
		}
	})
}

// ---------------------------------------------------------------------------
// counters

func TestCounters(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "c")
		next := func() (qn, rn int64) {
			t.Helper()
			inTx(t, s, tn.ID, func(tx *store.TenantTx) (err error) {
				if qn, err = tx.NextQuestionNumber(ctx); err != nil {
					return err
				}
				rn, err = tx.NextResponseNumber(ctx)
				return err
			})
			return
		}
		if q, r := next(); q != 1 || r != 1 {
			t.Fatalf("first numbers = %d, %d; want 1, 1", q, r)
		}
		if q, r := next(); q != 2 || r != 2 {
			t.Fatalf("second numbers = %d, %d; want 2, 2", q, r)
		}
		if err := s.EnsureQuestionIDStart(ctx, 1000); err != nil {
			t.Fatal(err)
		}
		if q, r := next(); q != 1000 || r != 3 {
			t.Fatalf("after EnsureQuestionIDStart(1000): %d, %d; want 1000, 3", q, r)
		}
		// A tenant created later starts there too.
		later := mustTenant(t, s, "later")
		inTx(t, s, later.ID, func(tx *store.TenantTx) error {
			if n, err := tx.NextQuestionNumber(ctx); err != nil || n != 1000 {
				t.Errorf("a new tenant's first number %d, %v; want 1000", n, err)
			}
			return nil
		})
		// Never lowers.
		if err := s.EnsureQuestionIDStart(ctx, 10); err != nil {
			t.Fatal(err)
		}
		if err := s.EnsureQuestionIDStart(ctx, 1001); err != nil { // == next: no-op
			t.Fatal(err)
		}
		if q, _ := next(); q != 1001 {
			t.Fatalf("after lowering attempt: %d, want 1001", q)
		}
		// A rolled-back allocation is returned on SQLite; PostgreSQL's sequence leaves a gap
		// (it never blocks other transactions).
		sentinel := errors.New("abort")
		_ = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			if _, err := tx.NextQuestionNumber(ctx); err != nil {
				return err
			}
			return sentinel
		})
		want := int64(1002)
		if s.Dialect() == store.DialectPostgres {
			want = 1003
		}
		if q, _ := next(); q != want {
			t.Fatalf("after rollback: %d, want %d", q, want)
		}
		// InsertQuestion allocates the internal id and the number when they are 0.
		q := newHelpDeskQuestion("auto-id")
		mustInsertQuestion(t, s, tn.ID, q)
		if q.Number != want+1 || q.ID == 0 {
			t.Fatalf("auto-allocated question number %d (id %d), want %d", q.Number, q.ID, want+1)
		}
		got, err := s.Question(ctx, tn.ID, q.UUID)
		if err != nil || got.Number != q.Number || got.ID != q.ID {
			t.Fatalf("read back %+v, %v", got, err)
		}
	})
}

// Each tenant numbers its questions and responses on its own: B's numbers say nothing about A's.
func TestNumbersArePerTenant(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		ask := func(tn store.Tenant) (q, r int64) {
			t.Helper()
			qq := mustMessagingQuestion(t, s, tn.ID)
			resp := &store.Response{QuestionUUID: qq.UUID, Type: "Expert", AuthorName: "E"}
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error { return tx.InsertResponse(ctx, resp) })
			return qq.Number, resp.Number
		}
		if q, r := ask(b); q != 1 || r != 1 {
			t.Fatalf("B's first: %d, %d", q, r)
		}
		for i := range 3 {
			if q, r := ask(a); q != int64(i+1) || r != int64(i+1) {
				t.Fatalf("A's #%d: %d, %d", i+1, q, r)
			}
		}
		if q, r := ask(b); q != 2 || r != 2 {
			t.Fatalf("B's second after A asked 3: %d, %d; want 2, 2", q, r)
		}
	})
}

// On PostgreSQL a number never waits for another transaction of the same tenant: an ask holding
// its transaction open does not serialise the next one (a counter row would).
func TestNumbersNeverWait(t *testing.T) {
	forPostgres(t, func(t *testing.T, n storetest.Named) {
		s := n.Store
		ctx := ctxT(t)
		tn := mustTenant(t, s, "w")
		held := make(chan struct{})
		release := make(chan struct{})
		done := make(chan error, 1)
		go func() {
			done <- s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
				if _, err := tx.NextQuestionNumber(ctx); err != nil {
					return err
				}
				close(held)
				<-release
				return nil
			})
		}()
		<-held
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := s.InTenantTx(wctx, tn.ID, func(tx *store.TenantTx) error {
			_, err := tx.NextQuestionNumber(wctx)
			return err
		})
		cancel()
		close(release)
		if err != nil {
			t.Fatalf("a second number while the first transaction is open: %v", err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestConcurrentNextQuestionID(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tenants := []store.Tenant{mustTenant(t, s, "x"), mustTenant(t, s, "y")}
		const workers, perWorker = 8, 5
		ids := make(chan int64, workers*perWorker)
		var wg sync.WaitGroup
		errs := make(chan error, workers*perWorker)
		for w := range workers {
			wg.Go(func() {
				for range perWorker {
					err := s.InTenantTx(ctx, tenants[w%2].ID, func(tx *store.TenantTx) error {
						id, err := tx.NextQuestionID(ctx)
						if err != nil {
							return err
						}
						q := newHelpDeskQuestion(fmt.Sprintf("c-%d", id))
						q.ID = id
						if err := tx.InsertQuestion(ctx, q); err != nil {
							return err
						}
						ids <- id
						return nil
					})
					if err != nil {
						errs <- err
					}
				}
			})
		}
		wg.Wait()
		close(ids)
		close(errs)
		for err := range errs {
			t.Errorf("worker: %v", err)
		}
		seen := map[int64]bool{}
		for id := range ids {
			if seen[id] {
				t.Errorf("id %d allocated twice", id)
			}
			seen[id] = true
		}
		if len(seen) != workers*perWorker {
			t.Fatalf("got %d distinct ids, want %d", len(seen), workers*perWorker)
		}
		for i := int64(1); i <= workers*perWorker; i++ {
			if !seen[i] {
				t.Errorf("id %d missing: allocation is not gap-free", i)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// messages & responses

func TestMessagesAndResponses(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "m")
		q := newHelpDeskQuestion("Q")
		other := newHelpDeskQuestion("OTHER")
		mustInsertQuestion(t, s, tn.ID, q)
		mustInsertQuestion(t, s, tn.ID, other)

		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		expert := uuid.New()
		var r1, r2, rOther store.Response
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			r1 = store.Response{QuestionUUID: q.UUID, Type: "Expert", AuthorUUID: &expert, AuthorName: "Eve", CreatedAt: base}
			r2 = store.Response{QuestionUUID: q.UUID, Type: "Automated", AuthorName: "Bot", CreatedAt: base.Add(time.Second)}
			rOther = store.Response{QuestionUUID: other.UUID, Type: "Automated"}
			for _, r := range []*store.Response{&r1, &r2, &rOther} {
				if err := tx.InsertResponse(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		if !(r1.ID > 0 && r2.ID > r1.ID) || r1.TenantID != tn.ID {
			t.Fatalf("response ids %d, %d (tenant %v)", r1.ID, r2.ID, r1.TenantID)
		}

		// Messages interleaved across levels; Seq must follow insertion order.
		type spec struct {
			resp *store.Response
			typ  string
		}
		specs := []spec{
			{nil, "question"}, {&r1, "answer"}, {nil, "typing"}, {&r2, "typing"},
			{&r1, "typing"}, {nil, "question"}, {nil, "typing"},
		}
		var inserted []store.Message
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			for i, sp := range specs {
				m := store.Message{
					QuestionUUID: q.UUID, Type: sp.typ, AuthorType: "USER", AuthorName: "Ann",
					Body: fmt.Sprintf("body %d", i), IsRead: i%2 == 0, CreatedAt: base.Add(time.Duration(i) * time.Millisecond),
				}
				if sp.resp != nil {
					m.ResponseUUID = &sp.resp.UUID
					m.AuthorType = "EXPERT"
					m.AuthorUUID = &expert
				}
				if err := tx.InsertMessage(ctx, &m); err != nil {
					return err
				}
				if len(inserted) > 0 && m.Seq <= inserted[len(inserted)-1].Seq {
					t.Errorf("Seq %d not increasing after %d", m.Seq, inserted[len(inserted)-1].Seq)
				}
				inserted = append(inserted, m)
			}
			// In-tx reads.
			msgs, err := tx.Messages(ctx, q.UUID)
			if err != nil {
				return err
			}
			if len(msgs) != len(specs) {
				t.Errorf("tx.Messages len %d", len(msgs))
			}
			resps, err := tx.Responses(ctx, q.UUID)
			if err != nil {
				return err
			}
			if len(resps) != 2 || resps[0].UUID != r1.UUID || resps[1].UUID != r2.UUID {
				t.Errorf("tx.Responses = %+v", resps)
			}
			return nil
		})

		msgs, err := s.QuestionMessages(ctx, tn.ID, q.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) != len(inserted) {
			t.Fatalf("QuestionMessages len %d, want %d", len(msgs), len(inserted))
		}
		for i := range msgs {
			g, w := msgs[i], inserted[i]
			wantUTC(t, "message CreatedAt", g.CreatedAt, w.CreatedAt)
			g.CreatedAt, w.CreatedAt = time.Time{}, time.Time{}
			if fmt.Sprintf("%+v|%v|%v", g, deref(g.ResponseUUID), deref(g.AuthorUUID)) !=
				fmt.Sprintf("%+v|%v|%v", w, deref(w.ResponseUUID), deref(w.AuthorUUID)) {
				t.Errorf("message %d:\n got %+v\nwant %+v", i, g, w)
			}
		}

		resps, err := s.QuestionResponses(ctx, tn.ID, q.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if len(resps) != 2 {
			t.Fatalf("QuestionResponses len %d", len(resps))
		}
		if resps[0].UUID != r1.UUID || *resps[0].AuthorUUID != expert || resps[0].AuthorName != "Eve" ||
			resps[1].AuthorUUID != nil || resps[1].Type != "Automated" {
			t.Errorf("responses = %+v", resps)
		}
		wantUTC(t, "response CreatedAt", resps[0].CreatedAt, base)

		// UpdateResponse / ResponseByUUID.
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			r1.IsAccepted, r1.IsMarkedAsResolved, r1.Rating, r1.Testimonial = true, true, "5", "great"
			if err := tx.UpdateResponse(ctx, &r1); err != nil {
				return err
			}
			got, err := tx.ResponseByUUID(ctx, r1.UUID)
			if err != nil {
				return err
			}
			if !got.IsAccepted || !got.IsMarkedAsResolved || got.Rating != "5" || got.Testimonial != "great" || got.ID != r1.ID {
				t.Errorf("after UpdateResponse: %+v", got)
			}
			if _, err := tx.ResponseByUUID(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ResponseByUUID(unknown) = %v", err)
			}
			missing := r1
			missing.UUID = uuid.New()
			if err := tx.UpdateResponse(ctx, &missing); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("UpdateResponse(unknown) = %v", err)
			}
			return nil
		})

		// Referential checks: unknown question, response of another question.
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			return tx.InsertMessage(ctx, &store.Message{QuestionUUID: uuid.New(), Type: "x", AuthorType: "USER"})
		})
		wantErr(t, "message on unknown question", err, store.ErrNotFound)
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			return tx.InsertMessage(ctx, &store.Message{QuestionUUID: q.UUID, ResponseUUID: &rOther.UUID, Type: "x", AuthorType: "USER"})
		})
		wantErr(t, "message under another question's response", err, store.ErrNotFound)
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			return tx.InsertResponse(ctx, &store.Response{QuestionUUID: uuid.New(), Type: "Expert"})
		})
		wantErr(t, "response on unknown question", err, store.ErrNotFound)
		err = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			dup := inserted[0]
			dup.Seq = 0
			return tx.InsertMessage(ctx, &dup)
		})
		wantErr(t, "duplicate message UUID", err, store.ErrConflict)

		typesOf := func() []string {
			t.Helper()
			ms, err := s.QuestionMessages(ctx, tn.ID, q.UUID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				level := "q"
				if m.ResponseUUID != nil {
					level = map[uuid.UUID]string{r1.UUID: "r1", r2.UUID: "r2"}[*m.ResponseUUID]
				}
				out = append(out, level+":"+m.Type)
			}
			return out
		}

		// Question level only.
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			n, err := tx.DeleteMessages(ctx, q.UUID, nil, "typing")
			if err != nil {
				return err
			}
			if n != 2 {
				t.Errorf("DeleteMessages(question level, typing) = %d, want 2", n)
			}
			return nil
		})
		if got, want := typesOf(), []string{"q:question", "r1:answer", "r2:typing", "r1:typing", "q:question"}; !slices.Equal(got, want) {
			t.Fatalf("after question-level delete: %v, want %v", got, want)
		}
		// One response level.
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			n, err := tx.DeleteMessages(ctx, q.UUID, &r1.UUID, "typing", "nonexistent")
			if err != nil {
				return err
			}
			if n != 1 {
				t.Errorf("DeleteMessages(r1, typing) = %d, want 1", n)
			}
			return nil
		})
		if got, want := typesOf(), []string{"q:question", "r1:answer", "r2:typing", "q:question"}; !slices.Equal(got, want) {
			t.Fatalf("after r1 delete: %v, want %v", got, want)
		}
		// Anywhere, then everything at question level.
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			n, err := tx.DeleteMessagesAnywhere(ctx, q.UUID, "typing")
			if err != nil || n != 1 {
				t.Errorf("DeleteMessagesAnywhere(typing) = %d, %v; want 1", n, err)
			}
			n, err = tx.DeleteMessages(ctx, q.UUID, nil)
			if err != nil || n != 2 {
				t.Errorf("DeleteMessages(question level, all types) = %d, %v; want 2", n, err)
			}
			return nil
		})
		if got, want := typesOf(), []string{"r1:answer"}; !slices.Equal(got, want) {
			t.Fatalf("after deletes: %v, want %v", got, want)
		}
		// Seq keeps increasing after deletions.
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			m := store.Message{QuestionUUID: q.UUID, Type: "late", AuthorType: "SYSTEM"}
			if err := tx.InsertMessage(ctx, &m); err != nil {
				return err
			}
			if m.Seq <= inserted[len(inserted)-1].Seq {
				t.Errorf("Seq %d reused after deletions (last was %d)", m.Seq, inserted[len(inserted)-1].Seq)
			}
			n, err := tx.DeleteMessagesAnywhere(ctx, q.UUID)
			if err != nil || n != 2 {
				t.Errorf("DeleteMessagesAnywhere(all) = %d, %v; want 2", n, err)
			}
			return nil
		})
	})
}

func deref(u *uuid.UUID) string {
	if u == nil {
		return "<nil>"
	}
	return u.String()
}

// ---------------------------------------------------------------------------
// round trips

func TestMetadataVerbatim(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "meta")
		cases := []string{
			`{"z":"1","a":{"y":"2","b":"3"}}`,
			`{ "z" : 1 ,"a":[3,2,1], "dup":1, "dup":2 }`,
			"{\"unicode\":\"h\u00e9llo \\u00e9 \U0001F600\",\"esc\":\"a\\\"b\\\\c\\n\"}",
			`{"big":12345678901234567890123,"f":1.50}`,
		}
		for i, meta := range cases {
			q := newHelpDeskQuestion(fmt.Sprintf("meta-%d", i))
			q.Metadata = []byte(meta)
			mustInsertQuestion(t, s, tn.ID, q)
			got, err := s.Question(ctx, tn.ID, q.UUID)
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Metadata) != meta {
				t.Errorf("metadata round trip:\n got %s\nwant %s", got.Metadata, meta)
			}
			// And through an update.
			updated := `{"b":2,"a":1}`
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				got.Metadata = []byte(updated)
				return tx.UpdateQuestion(ctx, &got)
			})
			got, _ = s.Question(ctx, tn.ID, q.UUID)
			if string(got.Metadata) != updated {
				t.Errorf("metadata after update = %s, want %s", got.Metadata, updated)
			}
		}
	})
}

func TestTimesRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "times")
		zone := time.FixedZone("UTC-7", -7*3600)
		cases := []time.Time{
			time.Date(2025, 12, 31, 23, 59, 59, 999999999, zone), // crosses a day/year in UTC
			time.Date(2024, 2, 29, 0, 0, 0, 1000, time.UTC),      // 1 µs
			time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),         // no fraction
			time.Date(2024, 2, 29, 0, 0, 0, 100000000, time.UTC), // trailing zeros
			time.Date(1999, 1, 1, 0, 0, 0, 500, time.UTC),        // sub-µs only
			time.Now(), // monotonic reading + local zone
		}
		for i, tm := range cases {
			q := newHelpDeskQuestion(fmt.Sprintf("t-%d", i))
			q.CreatedAt = tm
			rer := tm.Add(time.Nanosecond * 1500)
			q.ReroutedAt = &rer
			mustInsertQuestion(t, s, tn.ID, q)
			wantUTC(t, "normalised CreatedAt in struct", q.CreatedAt, tm.UTC().Truncate(time.Microsecond))
			got, err := s.Question(ctx, tn.ID, q.UUID)
			if err != nil {
				t.Fatal(err)
			}
			want := tm.UTC().Truncate(time.Microsecond)
			wantUTC(t, fmt.Sprintf("case %d CreatedAt", i), got.CreatedAt, want)
			wantUTC(t, fmt.Sprintf("case %d LastUpdated", i), got.LastUpdated, want)
			wantUTC(t, fmt.Sprintf("case %d ReroutedAt", i), *got.ReroutedAt, rer.UTC().Truncate(time.Microsecond))
		}

		// Database-side ordering of timestamps must match time order: tenants
		// are listed by created_at.
		base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		offsets := []time.Duration{
			1100 * time.Millisecond, time.Second, 1010 * time.Millisecond, 1001 * time.Microsecond,
			1 * time.Microsecond, 999999 * time.Microsecond, 0, 10 * time.Second,
		}
		for i, off := range offsets {
			tnt := store.Tenant{ID: uuid.New(), Name: "o", Subdomain: fmt.Sprintf("order-%d", i), CreatedAt: base.Add(off).In(zone)}
			if err := s.CreateTenant(ctx, tnt); err != nil {
				t.Fatal(err)
			}
		}
		list, err := s.ListTenants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []time.Time
		for _, x := range list {
			if x.CreatedAt.Before(base) {
				continue // the "times" tenant
			}
			got = append(got, x.CreatedAt)
		}
		if !slices.IsSortedFunc(got, func(a, b time.Time) int { return a.Compare(b) }) || len(got) != len(offsets) {
			t.Errorf("tenants not in created_at order: %v", got)
		}
	})
}

// ---------------------------------------------------------------------------
// transactions

func TestInTenantTxRollback(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "rb")
		sentinel := errors.New("boom")
		var q *store.Question
		err := s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
			if tx.TenantID() != tn.ID {
				t.Errorf("TenantID() = %v", tx.TenantID())
			}
			if _, err := tx.UpsertCustomer(ctx, "gone@example.com", "Gone", time.Time{}); err != nil {
				return err
			}
			q = newHelpDeskQuestion("RB")
			if err := tx.InsertQuestion(ctx, q); err != nil {
				return err
			}
			if err := tx.InsertMessage(ctx, &store.Message{QuestionUUID: q.UUID, Type: "t", AuthorType: "USER"}); err != nil {
				return err
			}
			return fmt.Errorf("wrapped: %w", sentinel)
		})
		if !errors.Is(err, sentinel) || err.Error() != "wrapped: boom" {
			t.Fatalf("InTenantTx error = %v, want fn's error unchanged", err)
		}
		_, err = s.Question(ctx, tn.ID, q.UUID)
		wantErr(t, "question after rollback", err, store.ErrNotFound)
		if list, _ := s.ListQuestions(ctx, tn.ID, store.QuestionFilter{}); len(list) != 0 {
			t.Errorf("ListQuestions after rollback: %d rows", len(list))
		}
		if msgs, _ := s.QuestionMessages(ctx, tn.ID, q.UUID); len(msgs) != 0 {
			t.Errorf("messages after rollback: %d", len(msgs))
		}
		// The customer was rolled back too: a new upsert creates it with the new name.
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			c, err := tx.UpsertCustomer(ctx, "gone@example.com", "Back", time.Time{})
			if err == nil && c.Name != "Back" {
				t.Errorf("customer survived rollback: %+v", c)
			}
			// And the question id was returned (SQLite; PostgreSQL's sequence leaves a gap).
			id, err2 := tx.NextQuestionID(ctx)
			if want := int64(1); s.Dialect() == store.DialectSQLite && err2 == nil && id != want {
				t.Errorf("NextQuestionID after rollback = %d, want %d", id, want)
			}
			return errors.Join(err, err2)
		})

		// A panic rolls back and propagates.
		func() {
			defer func() {
				if r := recover(); r != "kaboom" {
					t.Errorf("recovered %v, want kaboom", r)
				}
			}()
			_ = s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
				if err := tx.InsertQuestion(ctx, newHelpDeskQuestion("PANIC")); err != nil {
					return err
				}
				panic("kaboom")
			})
		}()
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			if _, err := tx.QuestionByHelpDeskID(ctx, "PANIC", false); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("question survived a panic: %v", err)
			}
			return nil
		})

		// Unknown tenant.
		called := false
		err = s.InTenantTx(ctx, uuid.New(), func(*store.TenantTx) error { called = true; return nil })
		wantErr(t, "InTenantTx(unknown tenant)", err, store.ErrNotFound)
		if called {
			t.Error("fn called for an unknown tenant")
		}
	})
}

// ---------------------------------------------------------------------------
// listing

func TestListQuestions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		tn := mustTenant(t, s, "list")
		const total = 230
		inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
			for i := range total {
				q := newHelpDeskQuestion(fmt.Sprintf("L%03d", i))
				if i%3 == 0 {
					q = &store.Question{Channel: store.ChannelMessaging, Subject: "m"}
				}
				if i%5 == 0 {
					q.Status = "RESOLVED"
				}
				if err := tx.InsertQuestion(ctx, q); err != nil {
					return err
				}
			}
			return nil
		})

		all, err := s.ListQuestions(ctx, tn.ID, store.QuestionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != store.DefaultListLimit {
			t.Errorf("default limit: %d rows", len(all))
		}
		big, _ := s.ListQuestions(ctx, tn.ID, store.QuestionFilter{Limit: 1000})
		if len(big) != store.MaxListLimit {
			t.Errorf("max limit: %d rows", len(big))
		}
		// Keyset pagination over everything, ascending, no duplicates.
		var ids []int64
		after := int64(0)
		for {
			page, err := s.ListQuestions(ctx, tn.ID, store.QuestionFilter{AfterNumber: after, Limit: 37})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			for _, q := range page {
				ids = append(ids, q.Number)
			}
			after = page[len(page)-1].Number
		}
		if len(ids) != total || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != total {
			t.Fatalf("paginated ids: %d rows, sorted=%v", len(ids), slices.IsSorted(ids))
		}
		// Filters.
		msg, _ := s.ListQuestions(ctx, tn.ID, store.QuestionFilter{Channel: store.ChannelMessaging, Limit: 200})
		if len(msg) != 77 {
			t.Errorf("messaging filter: %d rows, want 77", len(msg))
		}
		for _, q := range msg {
			if q.Channel != store.ChannelMessaging || q.HelpDeskID != "" {
				t.Errorf("messaging filter returned %+v", q)
			}
		}
		res, _ := s.ListQuestions(ctx, tn.ID, store.QuestionFilter{Channel: store.ChannelHelpDesk, Status: "RESOLVED", Limit: 200})
		// i%5==0 && i%3!=0 for i<230: 46 multiples of 5, minus 16 multiples of 15.
		if len(res) != 30 {
			t.Errorf("helpdesk+RESOLVED filter: %d rows, want 30", len(res))
		}
		for _, q := range res {
			if q.Channel != store.ChannelHelpDesk || q.Status != "RESOLVED" {
				t.Errorf("filter returned %+v", q)
			}
		}
	})
}

// ---------------------------------------------------------------------------
// tenant isolation

func TestTenantIsolation(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "tenant-a")
		b := mustTenant(t, s, "tenant-b")

		qa := newHelpDeskQuestion("SHARED")
		qa.Metadata = []byte(`{"owner":"a"}`)
		var ra store.Response
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			if err := tx.InsertQuestion(ctx, qa); err != nil {
				return err
			}
			ra = store.Response{QuestionUUID: qa.UUID, Type: "Expert"}
			if err := tx.InsertResponse(ctx, &ra); err != nil {
				return err
			}
			if err := tx.InsertMessage(ctx, &store.Message{QuestionUUID: qa.UUID, Type: "t", AuthorType: "USER", Body: "a"}); err != nil {
				return err
			}
			return tx.InsertMessage(ctx, &store.Message{QuestionUUID: qa.UUID, ResponseUUID: &ra.UUID, Type: "t", AuthorType: "EXPERT", Body: "a"})
		})
		// b has questions of its own, including the same helpDeskId.
		qb := newHelpDeskQuestion("SHARED")
		mustInsertQuestion(t, s, b.ID, qb)
		mustInsertQuestion(t, s, b.ID, &store.Question{Channel: store.ChannelMessaging})

		// Store-level reads with tenant b.
		_, err := s.Question(ctx, b.ID, qa.UUID)
		wantErr(t, "Question(b, qa)", err, store.ErrNotFound)
		if rs, err := s.QuestionResponses(ctx, b.ID, qa.UUID); err != nil || len(rs) != 0 {
			t.Errorf("QuestionResponses(b, qa) = %v, %v", rs, err)
		}
		if ms, err := s.QuestionMessages(ctx, b.ID, qa.UUID); err != nil || len(ms) != 0 {
			t.Errorf("QuestionMessages(b, qa) = %v, %v", ms, err)
		}
		if _, err := s.Response(ctx, b.ID, ra.UUID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Response(b, ra) = %v, want ErrNotFound", err)
		}
		if got, err := s.Response(ctx, a.ID, ra.UUID); err != nil || got.QuestionUUID != qa.UUID {
			t.Errorf("Response(a, ra) = %+v, %v", got, err)
		}
		for _, f := range []store.QuestionFilter{{}, {Channel: store.ChannelHelpDesk}, {Status: "UNRESOLVED"}, {Limit: 200}} {
			list, err := s.ListQuestions(ctx, b.ID, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 && f.Channel == "" {
				t.Errorf("ListQuestions(b, %+v) = %d rows, want 2", f, len(list))
			}
			for _, q := range list {
				if q.TenantID != b.ID || q.UUID == qa.UUID {
					t.Errorf("ListQuestions(b) returned another tenant's row %+v", q)
				}
			}
		}
		// Unknown tenant sees nothing.
		if list, _ := s.ListQuestions(ctx, uuid.New(), store.QuestionFilter{}); len(list) != 0 {
			t.Errorf("ListQuestions(unknown tenant) = %d rows", len(list))
		}

		// Tenant b's transaction.
		inTx(t, s, b.ID, func(tx *store.TenantTx) error {
			if _, err := tx.QuestionByUUID(ctx, qa.UUID, false); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("tx(b).QuestionByUUID(qa) = %v", err)
			}
			if _, err := tx.QuestionByUUID(ctx, qa.UUID, true); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("tx(b).QuestionByUUID(qa, forUpdate) = %v", err)
			}
			got, err := tx.QuestionByHelpDeskID(ctx, "SHARED", true)
			if err != nil || got.UUID != qb.UUID {
				t.Errorf("tx(b).QuestionByHelpDeskID(SHARED) = %v, %v; want b's own", got.UUID, err)
			}
			hijack := *qa
			hijack.Subject = "hijacked"
			hijack.Status = "CLOSED"
			if err := tx.UpdateQuestion(ctx, &hijack); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("tx(b).UpdateQuestion(qa) = %v, want ErrNotFound", err)
			}
			if ms, err := tx.Messages(ctx, qa.UUID); err != nil || len(ms) != 0 {
				t.Errorf("tx(b).Messages(qa) = %v, %v", ms, err)
			}
			if rs, err := tx.Responses(ctx, qa.UUID); err != nil || len(rs) != 0 {
				t.Errorf("tx(b).Responses(qa) = %v, %v", rs, err)
			}
			if _, err := tx.ResponseByUUID(ctx, ra.UUID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("tx(b).ResponseByUUID(ra) = %v", err)
			}
			hr := ra
			hr.Rating = "1"
			if err := tx.UpdateResponse(ctx, &hr); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("tx(b).UpdateResponse(ra) = %v", err)
			}
			if n, err := tx.DeleteMessages(ctx, qa.UUID, nil); err != nil || n != 0 {
				t.Errorf("tx(b).DeleteMessages(qa) = %d, %v", n, err)
			}
			if n, err := tx.DeleteMessages(ctx, qa.UUID, &ra.UUID); err != nil || n != 0 {
				t.Errorf("tx(b).DeleteMessages(qa, ra) = %d, %v", n, err)
			}
			if n, err := tx.DeleteMessagesAnywhere(ctx, qa.UUID); err != nil || n != 0 {
				t.Errorf("tx(b).DeleteMessagesAnywhere(qa) = %d, %v", n, err)
			}
			return nil
		})
		// Writes from b that point at a's rows are refused (each in its own tx,
		// since a failed statement aborts a PostgreSQL transaction).
		for name, fn := range map[string]func(tx *store.TenantTx) error{
			"InsertMessage on a's question": func(tx *store.TenantTx) error {
				return tx.InsertMessage(ctx, &store.Message{QuestionUUID: qa.UUID, Type: "t", AuthorType: "USER"})
			},
			"InsertMessage under a's response": func(tx *store.TenantTx) error {
				return tx.InsertMessage(ctx, &store.Message{QuestionUUID: qb.UUID, ResponseUUID: &ra.UUID, Type: "t", AuthorType: "USER"})
			},
			"InsertResponse on a's question": func(tx *store.TenantTx) error {
				return tx.InsertResponse(ctx, &store.Response{QuestionUUID: qa.UUID, Type: "Expert"})
			},
		} {
			err := s.InTenantTx(ctx, b.ID, fn)
			wantErr(t, name, err, store.ErrNotFound)
		}

		// a's data is intact.
		got, err := s.Question(ctx, a.ID, qa.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Subject != qa.Subject || got.Status != "UNRESOLVED" || string(got.Metadata) != `{"owner":"a"}` {
			t.Errorf("a's question changed: %+v", got)
		}
		if ms, _ := s.QuestionMessages(ctx, a.ID, qa.UUID); len(ms) != 2 {
			t.Errorf("a's messages: %d, want 2", len(ms))
		}
		if rs, _ := s.QuestionResponses(ctx, a.ID, qa.UUID); len(rs) != 1 || rs[0].Rating != "" {
			t.Errorf("a's responses: %+v", rs)
		}
		for _, q := range mustList(t, s, a.ID) {
			if q.TenantID != a.ID {
				t.Errorf("ListQuestions(a) returned %+v", q)
			}
		}
	})
}

func mustList(t *testing.T, s *store.Store, tenant uuid.UUID) []store.Question {
	t.Helper()
	list, err := s.ListQuestions(ctxT(t), tenant, store.QuestionFilter{Limit: store.MaxListLimit})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// ---------------------------------------------------------------------------
// Open

func TestOpenURLs(t *testing.T) {
	ctx := ctxT(t)
	dir := t.TempDir()
	for _, u := range []string{
		"sqlite:" + filepath.Join(dir, "a", "x.db"),
		"sqlite://" + filepath.Join(dir, "b.sqlite"),
		"file:" + filepath.Join(dir, "c.sqlite3"),
		filepath.Join(dir, "nested", "d.db"),
		":memory:",
		"sqlite::memory:",
	} {
		s, err := store.Open(ctx, u)
		if err != nil {
			t.Fatalf("Open(%q): %v", u, err)
		}
		if s.Dialect() != store.DialectSQLite {
			t.Errorf("Open(%q).Dialect() = %q", u, s.Dialect())
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("Migrate(%q): %v", u, err)
		}
		mustTenant(t, s, "t")
		if err := s.Ping(ctx); err != nil {
			t.Error(err)
		}
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	}
	for _, u := range []string{"mysql://x", "x.txt", "sqlite:", "sqlite:x.db?mode=ro", "postgres://%zz"} {
		if s, err := store.Open(ctx, u); err == nil {
			_ = s.Close()
			t.Errorf("Open(%q) succeeded", u)
		}
	}
	pg := storetest.PostgresURL()
	if s, err := store.Open(ctx, pg); err == nil {
		if s.Dialect() != store.DialectPostgres {
			t.Errorf("Dialect() = %q for %s", s.Dialect(), pg)
		}
		_ = s.Close()
	}
}

func TestOpenDefaultPath(t *testing.T) {
	t.Chdir(t.TempDir())
	ctx := ctxT(t)
	s, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("data", "switchboard.db")); err != nil {
		t.Fatalf("default database file: %v", err)
	}
	// Reopen: data persists.
	mustTenant(t, s, "persist")
	_ = s.Close()
	s2, err := store.Open(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if list, err := s2.ListTenants(ctx); err != nil || len(list) != 1 {
		t.Fatalf("after reopen: %v, %v", list, err)
	}
	if applied, _ := s2.Applied(ctx); !slices.Equal(applied, store.Migrations()) {
		t.Fatalf("Applied after reopen = %v", applied)
	}
}

func TestAppliedBeforeMigrate(t *testing.T) {
	for _, n := range storetest.EmptyStores(t) {
		t.Run(n.Name, func(t *testing.T) {
			got, err := n.Store.Applied(ctxT(t))
			if err != nil || len(got) != 0 {
				t.Fatalf("Applied on empty database = %v, %v", got, err)
			}
		})
	}
}

// TestQuestionIDStartAtRestart: a start with the same --question-id-start touches no tenant's
// sequences (on PostgreSQL they move only when the start rises), however many tenants there are.
func TestQuestionIDStartAtRestart(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		if s.Dialect() != store.DialectPostgres {
			t.Skip("the tenants' sequences are PostgreSQL's")
		}
		ctx := ctxT(t)
		for i := range 20 {
			mustTenant(t, s, fmt.Sprintf("t%d", i))
		}
		if err := s.EnsureQuestionIDStart(ctx, 500); err != nil {
			t.Fatal(err)
		}
		trips := s.RoundTrips()
		if err := s.EnsureQuestionIDStart(ctx, 500); err != nil {
			t.Fatal(err)
		}
		if n := s.RoundTrips() - trips; n > 2 {
			t.Errorf("a restart with the same start took %d round trips for 20 tenants, want at most 2", n)
		}
	})
}
