package store_test

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// twoTenants creates tenants "a" and "b" (b is the other tenant of the
// isolation checks).
func twoTenants(t *testing.T, s *store.Store) (a, b store.Tenant) {
	t.Helper()
	return mustTenant(t, s, "a"), mustTenant(t, s, "b")
}

// mustMessagingQuestion inserts a default messaging question for tenant.
func mustMessagingQuestion(t *testing.T, s *store.Store, tenant uuid.UUID) *store.Question {
	t.Helper()
	q := &store.Question{Channel: store.ChannelMessaging}
	mustInsertQuestion(t, s, tenant, q)
	return q
}

func mustExpert(t *testing.T, s *store.Store, tenant uuid.UUID, name string, created time.Time) store.Expert {
	t.Helper()
	e := store.Expert{TenantID: tenant, Name: name, IsActive: true, CreatedAt: created}
	if err := s.InsertExpert(ctxT(t), &e); err != nil {
		t.Fatalf("InsertExpert(%s): %v", name, err)
	}
	return e
}

func expertNames(es []store.Expert) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	return out
}

func TestExperts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 4, 5, 6, 7, 8, 9000, time.FixedZone("X", -3600))

		full := store.Expert{
			TenantID: a.ID, Name: "Zed", Languages: []string{"en", "fr"}, Categories: []string{"billing"},
			Topics: []string{"refund", "invoice \"quoted\""}, IsElite: true, IsActive: true, Capacity: 3, CreatedAt: t0,
		}
		if err := s.InsertExpert(ctx, &full); err != nil {
			t.Fatal(err)
		}
		if full.UUID == uuid.Nil || !full.UpdatedAt.Equal(full.CreatedAt) || full.CreatedAt.Location() != time.UTC {
			t.Fatalf("InsertExpert defaults: %+v", full)
		}
		// Same creation time, inserted later: listed later (creation order, not name/uuid).
		bare := mustExpert(t, s, a.ID, "Abe", t0)
		mustExpert(t, s, b.ID, "Bea", t0)

		got, err := s.Expert(ctx, a.ID, full.UUID)
		if err != nil {
			t.Fatal(err)
		}
		assertExpertEqual(t, got, full)
		gotBare, _ := s.Expert(ctx, a.ID, bare.UUID)
		if gotBare.Languages == nil || gotBare.Categories == nil || gotBare.Topics == nil ||
			len(gotBare.Languages)+len(gotBare.Categories)+len(gotBare.Topics) != 0 {
			t.Errorf("empty lists must read back as empty, non-nil: %+v", gotBare)
		}

		list, err := s.Experts(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if names := expertNames(list); !slices.Equal(names, []string{"Zed", "Abe"}) {
			t.Fatalf("Experts(a) = %v, want creation order", names)
		}
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			l, err := tx.Experts(ctx)
			if err != nil {
				return err
			}
			if names := expertNames(l); !slices.Equal(names, []string{"Zed", "Abe"}) {
				t.Errorf("tx.Experts = %v", names)
			}
			e, err := tx.Expert(ctx, full.UUID)
			if err != nil {
				return err
			}
			assertExpertEqual(t, e, full)
			if _, err := tx.Expert(ctx, uuid.New()); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("tx.Expert(unknown) = %v", err)
			}
			return nil
		})

		// Update.
		upd := got
		upd.Name, upd.Languages, upd.Categories, upd.Topics = "Zed II", []string{"de"}, nil, []string{"x"}
		upd.IsElite, upd.IsActive, upd.Capacity = false, false, 0
		upd.UpdatedAt = t0.Add(time.Hour)
		upd.CreatedAt = t0.Add(99 * time.Hour) // ignored
		if err := s.UpdateExpert(ctx, &upd); err != nil {
			t.Fatal(err)
		}
		got, _ = s.Expert(ctx, a.ID, full.UUID)
		upd.CreatedAt = full.CreatedAt
		upd.Categories = []string{}
		assertExpertEqual(t, got, upd)

		// Conflicts and unknowns.
		dup := store.Expert{TenantID: a.ID, UUID: full.UUID, Name: "dup"}
		wantErr(t, "duplicate expert", s.InsertExpert(ctx, &dup), store.ErrConflict)
		wantErr(t, "expert of unknown tenant", s.InsertExpert(ctx, &store.Expert{TenantID: uuid.New()}), store.ErrNotFound)
		missing := upd
		missing.UUID = uuid.New()
		wantErr(t, "UpdateExpert(unknown)", s.UpdateExpert(ctx, &missing), store.ErrNotFound)

		// Isolation: b cannot read or update a's experts; a's UUID may be reused by b.
		_, err = s.Expert(ctx, b.ID, full.UUID)
		wantErr(t, "Expert(b, a's expert)", err, store.ErrNotFound)
		if l, _ := s.Experts(ctx, b.ID); !slices.Equal(expertNames(l), []string{"Bea"}) {
			t.Errorf("Experts(b) = %v", expertNames(l))
		}
		hijack := upd
		hijack.TenantID = b.ID
		hijack.Name = "hijacked"
		wantErr(t, "UpdateExpert(b, a's expert)", s.UpdateExpert(ctx, &hijack), store.ErrNotFound)
		if got, _ := s.Expert(ctx, a.ID, full.UUID); got.Name != "Zed II" {
			t.Errorf("a's expert changed through b: %+v", got)
		}
		inTx(t, s, b.ID, func(tx *store.TenantTx) error {
			if _, err := tx.Expert(ctx, full.UUID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("tx(b).Expert(a's) = %v", err)
			}
			return nil
		})
		same := store.Expert{TenantID: b.ID, UUID: full.UUID, Name: "b's twin"}
		if err := s.InsertExpert(ctx, &same); err != nil {
			t.Errorf("same UUID in another tenant: %v", err)
		}
	})
}

func assertExpertEqual(t *testing.T, got, want store.Expert) {
	t.Helper()
	wantUTC(t, "expert CreatedAt", got.CreatedAt, want.CreatedAt)
	wantUTC(t, "expert UpdatedAt", got.UpdatedAt, want.UpdatedAt)
	got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if want.Languages == nil {
		want.Languages = []string{}
	}
	if want.Categories == nil {
		want.Categories = []string{}
	}
	if want.Topics == nil {
		want.Topics = []string{}
	}
	if got.TenantID != want.TenantID || got.UUID != want.UUID || got.Name != want.Name ||
		!slices.Equal(got.Languages, want.Languages) || !slices.Equal(got.Categories, want.Categories) ||
		!slices.Equal(got.Topics, want.Topics) || got.IsElite != want.IsElite || got.IsActive != want.IsActive ||
		got.Capacity != want.Capacity {
		t.Errorf("expert mismatch:\n got %+v\nwant %+v", got, want)
	}
}

func TestExpertLoadsAndStats(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		e1 := mustExpert(t, s, a.ID, "e1", time.Time{})
		e2 := mustExpert(t, s, a.ID, "e2", time.Time{})
		e3 := mustExpert(t, s, a.ID, "idle", time.Time{})

		q := func(tenant uuid.UUID, category, status string, claimer *uuid.UUID) *store.Question {
			qq := &store.Question{Channel: store.ChannelMessaging, Category: category, Status: status, ClaimedBy: claimer}
			mustInsertQuestion(t, s, tenant, qq)
			return qq
		}
		q1 := q(a.ID, "billing", "UNRESOLVED", &e1.UUID)
		q2 := q(a.ID, "billing", "RESOLVED", &e1.UUID)
		q3 := q(a.ID, "tech", "UNRESOLVED", &e2.UUID)
		q(a.ID, "tech", "UNRESOLVED", nil)
		q(a.ID, "tech", "UNRESOLVED", &e1.UUID)
		// Tenant b: a question claimed by e1's UUID must not count for a.
		qb := q(b.ID, "billing", "UNRESOLVED", &e1.UUID)

		resp := func(tenant uuid.UUID, qq *store.Question, typ string, author *uuid.UUID, accepted bool, rating string) {
			inTx(t, s, tenant, func(tx *store.TenantTx) error {
				return tx.InsertResponse(ctx, &store.Response{QuestionUUID: qq.UUID, Type: typ, AuthorUUID: author, IsAccepted: accepted, Rating: rating})
			})
		}
		resp(a.ID, q1, "Expert", &e1.UUID, true, "POSITIVE_5")
		resp(a.ID, q2, "Expert", &e1.UUID, false, "")
		resp(a.ID, q3, "Expert", &e1.UUID, false, "NEGATIVE_5")
		resp(a.ID, q3, "Expert", &e2.UUID, true, "")
		resp(a.ID, q3, "Automated", nil, true, "POSITIVE_5")
		resp(a.ID, q1, "Automated", &e2.UUID, true, "POSITIVE_5") // not an Expert response
		resp(b.ID, qb, "Expert", &e1.UUID, true, "POSITIVE_5")

		if loads, err := s.ExpertLoads(ctx, a.ID); err != nil || !maps.Equal(loads, map[uuid.UUID]int{e1.UUID: 2, e2.UUID: 1}) {
			t.Errorf("Store.ExpertLoads(a) = %v, %v", loads, err)
		}
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			loads, err := tx.ExpertLoads(ctx)
			if err != nil {
				return err
			}
			if want := map[uuid.UUID]int{e1.UUID: 2, e2.UUID: 1}; !maps.Equal(loads, want) {
				t.Errorf("ExpertLoads = %v, want %v", loads, want)
			}
			all, err := tx.ExpertStats(ctx, "")
			if err != nil {
				return err
			}
			assertStats(t, "all e1", all[e1.UUID], 3, 1, map[string]int{"POSITIVE_5": 1, "NEGATIVE_5": 1})
			assertStats(t, "all e2", all[e2.UUID], 1, 1, map[string]int{})
			if _, ok := all[e3.UUID]; ok || len(all) != 2 {
				t.Errorf("ExpertStats has %d entries: %v", len(all), all)
			}
			billing, err := tx.ExpertStats(ctx, "billing")
			if err != nil {
				return err
			}
			assertStats(t, "billing e1", billing[e1.UUID], 2, 1, map[string]int{"POSITIVE_5": 1})
			if _, ok := billing[e2.UUID]; ok {
				t.Errorf("e2 has billing stats: %v", billing[e2.UUID])
			}
			none, err := tx.ExpertStats(ctx, "nonexistent")
			if err != nil || len(none) != 0 {
				t.Errorf("ExpertStats(nonexistent) = %v, %v", none, err)
			}
			return nil
		})
		for _, c := range []struct {
			tenant, expert uuid.UUID
			want           int
		}{{a.ID, e1.UUID, 2}, {a.ID, e2.UUID, 1}, {a.ID, e3.UUID, 0}, {b.ID, e1.UUID, 1}, {b.ID, e2.UUID, 0}} {
			if n, err := s.ExpertLoad(ctx, c.tenant, c.expert); err != nil || n != c.want {
				t.Errorf("ExpertLoad(%v, %v) = %d, %v; want %d", c.tenant, c.expert, n, err, c.want)
			}
		}
		// Tenant b sees only its own responses and claims.
		inTx(t, s, b.ID, func(tx *store.TenantTx) error {
			loads, err := tx.ExpertLoads(ctx)
			if err != nil {
				return err
			}
			if want := map[uuid.UUID]int{e1.UUID: 1}; !maps.Equal(loads, want) {
				t.Errorf("tx(b).ExpertLoads = %v", loads)
			}
			st, err := tx.ExpertStats(ctx, "")
			if err != nil {
				return err
			}
			if len(st) != 1 {
				t.Errorf("tx(b).ExpertStats = %v", st)
			}
			assertStats(t, "b e1", st[e1.UUID], 1, 1, map[string]int{"POSITIVE_5": 1})
			return nil
		})
	})
}

func assertStats(t *testing.T, what string, got store.ExpertStats, responses, accepted int, ratings map[string]int) {
	t.Helper()
	if got.Responses != responses || got.Accepted != accepted || !maps.Equal(got.Ratings, ratings) {
		t.Errorf("%s: stats = %+v, want {%d %d %v}", what, got, responses, accepted, ratings)
	}
}

func TestOffers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		e1 := mustExpert(t, s, a.ID, "e1", time.Time{})
		e2 := mustExpert(t, s, a.ID, "e2", time.Time{})
		e3 := mustExpert(t, s, a.ID, "e3", time.Time{})
		eb := mustExpert(t, s, b.ID, "eb", time.Time{})
		qa := mustMessagingQuestion(t, s, a.ID)
		qa2 := mustMessagingQuestion(t, s, a.ID)
		qb := mustMessagingQuestion(t, s, b.ID)
		t0 := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
		bd := []byte(`{"category":1,"language":0.5, "load":1}`)

		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			if err := tx.InsertOffers(ctx, nil); err != nil {
				return err
			}
			err := tx.InsertOffers(ctx, []store.Offer{
				{QuestionUUID: qa.UUID, ExpertUUID: e2.UUID, Tier: 0, Rank: 2, Score: 0.5, OfferedAt: t0},
				{QuestionUUID: qa.UUID, ExpertUUID: e1.UUID, Tier: 0, Rank: 1, Score: 0.875, Breakdown: bd, OfferedAt: t0},
			})
			if err != nil {
				return err
			}
			// Widening: a new tier, plus a pair already offered (left alone).
			return tx.InsertOffers(ctx, []store.Offer{
				{QuestionUUID: qa.UUID, ExpertUUID: e1.UUID, Tier: 1, Rank: 9, Score: 0.1, OfferedAt: t0.Add(time.Hour)},
				{QuestionUUID: qa.UUID, ExpertUUID: e3.UUID, Tier: 1, Rank: 3, Score: 0.25, OfferedAt: t0.Add(time.Hour)},
			})
		})
		want := []store.Offer{
			{TenantID: a.ID, QuestionUUID: qa.UUID, ExpertUUID: e1.UUID, Tier: 0, Rank: 1, Score: 0.875, Breakdown: bd, OfferedAt: t0},
			{TenantID: a.ID, QuestionUUID: qa.UUID, ExpertUUID: e2.UUID, Tier: 0, Rank: 2, Score: 0.5, Breakdown: []byte("{}"), OfferedAt: t0},
			{TenantID: a.ID, QuestionUUID: qa.UUID, ExpertUUID: e3.UUID, Tier: 1, Rank: 3, Score: 0.25, Breakdown: []byte("{}"), OfferedAt: t0.Add(time.Hour)},
		}
		got, err := s.QuestionOffers(ctx, a.ID, qa.UUID)
		if err != nil {
			t.Fatal(err)
		}
		assertOffers(t, "QuestionOffers", got, want)
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			got, err := tx.Offers(ctx, qa.UUID)
			assertOffers(t, "tx.Offers", got, want)
			return err
		})
		o, err := s.Offer(ctx, a.ID, qa.UUID, e1.UUID)
		if err != nil {
			t.Fatal(err)
		}
		assertOffers(t, "Offer", []store.Offer{o}, want[:1])
		_, err = s.Offer(ctx, a.ID, qa2.UUID, e1.UUID)
		wantErr(t, "Offer(not offered)", err, store.ErrNotFound)

		// Isolation.
		_, err = s.Offer(ctx, b.ID, qa.UUID, e1.UUID)
		wantErr(t, "Offer(b, a's offer)", err, store.ErrNotFound)
		if l, err := s.QuestionOffers(ctx, b.ID, qa.UUID); err != nil || len(l) != 0 {
			t.Errorf("QuestionOffers(b, qa) = %v, %v", l, err)
		}
		inTx(t, s, b.ID, func(tx *store.TenantTx) error {
			if l, err := tx.Offers(ctx, qa.UUID); err != nil || len(l) != 0 {
				t.Errorf("tx(b).Offers(qa) = %v, %v", l, err)
			}
			return nil
		})
		for name, off := range map[string]store.Offer{
			"a's question": {QuestionUUID: qa.UUID, ExpertUUID: eb.UUID},
			"a's expert":   {QuestionUUID: qb.UUID, ExpertUUID: e1.UUID},
			"unknown":      {QuestionUUID: qb.UUID, ExpertUUID: uuid.New()},
		} {
			err := s.InTenantTx(ctx, b.ID, func(tx *store.TenantTx) error { return tx.InsertOffers(ctx, []store.Offer{off}) })
			wantErr(t, "tx(b).InsertOffers with "+name, err, store.ErrNotFound)
		}
		err = s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
			return tx.InsertOffers(ctx, []store.Offer{{QuestionUUID: qa2.UUID, ExpertUUID: e1.UUID, Breakdown: []byte("{")}})
		})
		if err == nil {
			t.Error("invalid breakdown JSON accepted")
		}
	})
}

func assertOffers(t *testing.T, what string, got, want []store.Offer) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d offers, want %d: %+v", what, len(got), len(want), got)
	}
	for i := range got {
		g, w := got[i], want[i]
		wantUTC(t, what+" OfferedAt", g.OfferedAt, w.OfferedAt)
		if g.TenantID != w.TenantID || g.QuestionUUID != w.QuestionUUID || g.ExpertUUID != w.ExpertUUID ||
			g.Tier != w.Tier || g.Rank != w.Rank || g.Score != w.Score || !bytes.Equal(g.Breakdown, w.Breakdown) {
			t.Errorf("%s[%d]:\n got %+v (%s)\nwant %+v (%s)", what, i, g, g.Breakdown, w, w.Breakdown)
		}
	}
}

func TestExpertQueue(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		e1 := mustExpert(t, s, a.ID, "e1", time.Time{})
		e2 := mustExpert(t, s, a.ID, "e2", time.Time{})
		t0 := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)

		type spec struct {
			name    string
			status  string
			claimer *uuid.UUID
			offerE1 *time.Time // nil: offered to e2 only
		}
		at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
		specs := []spec{
			{"newer", "UNRESOLVED", nil, at(2 * time.Minute)},
			{"oldest", "UNRESOLVED", nil, at(0)},
			{"held by e2", "UNRESOLVED", &e2.UUID, at(time.Minute)},
			{"held by e1", "UNRESOLVED", &e1.UUID, at(3 * time.Minute)},
			{"resolved", "RESOLVED", nil, at(-time.Minute)},
			{"e2 only", "UNRESOLVED", nil, nil},
		}
		byName := map[string]*store.Question{}
		for _, sp := range specs {
			q := &store.Question{Channel: store.ChannelMessaging, Subject: sp.name, Status: sp.status, ClaimedBy: sp.claimer}
			mustInsertQuestion(t, s, a.ID, q)
			byName[sp.name] = q
			inTx(t, s, a.ID, func(tx *store.TenantTx) error {
				offers := []store.Offer{{QuestionUUID: q.UUID, ExpertUUID: e2.UUID, Rank: 2, OfferedAt: t0}}
				if sp.offerE1 != nil {
					offers = append(offers, store.Offer{QuestionUUID: q.UUID, ExpertUUID: e1.UUID, Rank: 1, Score: 0.5, OfferedAt: *sp.offerE1})
				}
				return tx.InsertOffers(ctx, offers)
			})
		}
		qs, offers, err := s.ExpertQueue(ctx, a.ID, e1.UUID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for i, q := range qs {
			names = append(names, q.Subject)
			if offers[i].QuestionUUID != q.UUID || offers[i].ExpertUUID != e1.UUID || offers[i].Rank != 1 {
				t.Errorf("offer %d does not match its question: %+v", i, offers[i])
			}
			if q.TenantID != a.ID || q.Channel != store.ChannelMessaging || q.UUID != byName[q.Subject].UUID {
				t.Errorf("queue question %d: %+v", i, q)
			}
		}
		if want := []string{"oldest", "newer", "held by e1"}; !slices.Equal(names, want) || len(offers) != len(qs) {
			t.Fatalf("ExpertQueue(e1) = %v (%d offers), want %v", names, len(offers), want)
		}
		wantUTC(t, "queue OfferedAt", offers[0].OfferedAt, t0)
		if got := qs[2].ClaimedBy; got == nil || *got != e1.UUID {
			t.Errorf("claimed question's ClaimedBy = %v", got)
		}
		qs, _, err = s.ExpertQueue(ctx, a.ID, e2.UUID)
		if err != nil || len(qs) != 4 {
			t.Errorf("ExpertQueue(e2) = %d questions, %v; want 4", len(qs), err)
		}
		// Isolation and unknown experts.
		for name, c := range map[string][2]uuid.UUID{"b, e1": {b.ID, e1.UUID}, "a, unknown": {a.ID, uuid.New()}} {
			qs, offers, err := s.ExpertQueue(ctx, c[0], c[1])
			if err != nil || len(qs) != 0 || len(offers) != 0 {
				t.Errorf("ExpertQueue(%s) = %v, %v, %v", name, qs, offers, err)
			}
		}
	})
}
