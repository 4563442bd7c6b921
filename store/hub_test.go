package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func mustHub(t *testing.T, s *store.Store, tenant uuid.UUID, name string) store.Hub {
	t.Helper()
	h := store.Hub{TenantID: tenant, ID: uuid.New(), Name: name, Description: "d", StatusID: 2000}
	if err := s.CreateHub(ctxT(t), &h); err != nil {
		t.Fatalf("CreateHub: %v", err)
	}
	return h
}

func mustIntegration(t *testing.T, s *store.Store, tenant, hub uuid.UUID, kind, name string) store.HubIntegration {
	t.Helper()
	in := store.HubIntegration{TenantID: tenant, ID: uuid.New(), HubID: hub, Kind: kind, Channel: "Direct", Name: name,
		StatusID: 3000, WebhookURL: "https://example.com/" + name, PublicKey: "PUB", PrivateKey: "PRIV"}
	if kind == "System" {
		in.Channel, in.Events = "System", []string{"message"}
	}
	if err := s.CreateHubIntegration(ctxT(t), &in); err != nil {
		t.Fatalf("CreateHubIntegration: %v", err)
	}
	return in
}

func mustConversation(t *testing.T, s *store.Store, tenant uuid.UUID, customer store.HubIntegration, binding string) store.HubConversation {
	t.Helper()
	c := store.HubConversation{ID: uuid.New(), HubID: customer.HubID, IntegrationID: customer.ID, Binding: binding,
		TokenID: "tok", Profile: map[string]string{"device": "Direct"}, Additional: map[string]string{}}
	inTx(t, s, tenant, func(tx *store.TenantTx) error { return tx.InsertHubConversation(ctxT(t), &c) })
	return c
}

func TestHubClients(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := mustTenant(t, s, "a"), mustTenant(t, s, "b")
		c1 := store.HubClient{TenantID: a.ID, ClientID: "hubster.engine.api.x", Audience: "engine", SecretHash: []byte{1}}
		if err := s.ReplaceHubClient(ctx, &c1); err != nil {
			t.Fatal(err)
		}
		c2 := store.HubClient{TenantID: a.ID, ClientID: "hubster.engine.api.x", Audience: "engine", SecretHash: []byte{2}}
		if err := s.ReplaceHubClient(ctx, &c2); err != nil {
			t.Fatal(err)
		}
		if c2.Seq <= c1.Seq {
			t.Errorf("seq %d after %d", c2.Seq, c1.Seq)
		}
		got, err := s.HubClientByID(ctx, "hubster.engine.api.x")
		if err != nil || got.Seq != c2.Seq || got.SecretHash[0] != 2 || got.TenantID != a.ID {
			t.Fatalf("HubClientByID = %+v, %v; want the replacement", got, err)
		}
		// Another tenant cannot take a live id.
		c3 := store.HubClient{TenantID: b.ID, ClientID: "hubster.engine.api.x", Audience: "engine", SecretHash: []byte{3}}
		wantErr(t, "other tenant's live id", s.ReplaceHubClient(ctx, &c3), store.ErrConflict)
		if l, _ := s.HubClients(ctx, b.ID); len(l) != 0 {
			t.Errorf("tenant b has %d clients", len(l))
		}
		if l, _ := s.HubClients(ctx, a.ID); len(l) != 1 {
			t.Errorf("tenant a has %d live clients, want 1", len(l))
		}
		wantErr(t, "revoke as another tenant", s.RevokeHubClient(ctx, b.ID, "hubster.engine.api.x", time.Time{}), store.ErrNotFound)
		if err := s.RevokeHubClient(ctx, a.ID, "hubster.engine.api.x", time.Time{}); err != nil {
			t.Fatal(err)
		}
		_, err = s.HubClientByID(ctx, "hubster.engine.api.x")
		wantErr(t, "revoked client", err, store.ErrNotFound)
		wantErr(t, "revoke twice", s.RevokeHubClient(ctx, a.ID, "hubster.engine.api.x", time.Time{}), store.ErrNotFound)
	})
}

func TestInitOperatorSetting(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		v, err := s.InitOperatorSetting(ctx, "k", []byte("first"))
		if err != nil || string(v) != "first" {
			t.Fatalf("first init = %q, %v", v, err)
		}
		v, err = s.InitOperatorSetting(ctx, "k", []byte("second"))
		if err != nil || string(v) != "first" {
			t.Fatalf("second init = %q, %v; want the first value kept", v, err)
		}
	})
}

func TestHubsAndIntegrations(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := mustTenant(t, s, "a"), mustTenant(t, s, "b")
		h1 := mustHub(t, s, a.ID, "one")
		h2 := mustHub(t, s, a.ID, "two")
		dup := store.Hub{TenantID: a.ID, ID: uuid.New(), Name: "one", StatusID: 2000}
		wantErr(t, "duplicate hub name", s.CreateHub(ctx, &dup), store.ErrConflict)
		mustHub(t, s, b.ID, "one") // names are per tenant

		hubs, total, err := s.Hubs(ctx, a.ID, 1, 1)
		if err != nil || total != 2 || len(hubs) != 1 || hubs[0].ID != h2.ID {
			t.Fatalf("Hubs page 2 = %v, %d, %v", hubs, total, err)
		}
		_, err = s.Hub(ctx, b.ID, h1.ID)
		wantErr(t, "other tenant's hub", err, store.ErrNotFound)

		h1.Name, h1.StatusID, h1.CloseDormantDays = "uno", 2002, 3
		if err := s.UpdateHub(ctx, &h1); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Hub(ctx, a.ID, h1.ID); got.Name != "uno" || got.StatusID != 2002 || got.CloseDormantDays != 3 {
			t.Errorf("updated hub = %+v", got)
		}
		h1.Name = "two"
		wantErr(t, "rename to a taken name", s.UpdateHub(ctx, &h1), store.ErrConflict)
		other := h1
		other.TenantID = b.ID
		wantErr(t, "update as another tenant", s.UpdateHub(ctx, &other), store.ErrNotFound)

		cust := mustIntegration(t, s, a.ID, h1.ID, "Customer", "web")
		bot := mustIntegration(t, s, a.ID, h1.ID, "Bot", "bot")
		sys := mustIntegration(t, s, a.ID, h1.ID, "System", "audit")
		mustIntegration(t, s, a.ID, h2.ID, "Agent", "web") // names are per hub
		dupIn := store.HubIntegration{TenantID: a.ID, ID: uuid.New(), HubID: h1.ID, Kind: "Agent", Channel: "Direct", Name: "bot"}
		wantErr(t, "duplicate integration name", s.CreateHubIntegration(ctx, &dupIn), store.ErrConflict)
		foreign := store.HubIntegration{TenantID: b.ID, ID: uuid.New(), HubID: h1.ID, Kind: "Agent", Channel: "Direct", Name: "x"}
		wantErr(t, "integration in another tenant's hub", s.CreateHubIntegration(ctx, &foreign), store.ErrNotFound)

		got, err := s.HubIntegration(ctx, a.ID, sys.ID)
		if err != nil || got.Kind != "System" || len(got.Events) != 1 || got.Seq <= bot.Seq || got.Start != nil {
			t.Fatalf("HubIntegration = %+v, %v", got, err)
		}
		_, err = s.HubIntegration(ctx, b.ID, sys.ID)
		wantErr(t, "other tenant's integration", err, store.ErrNotFound)

		list, total, err := s.HubIntegrations(ctx, a.ID, store.HubIntegrationFilter{HubID: &h1.ID, Channel: "Direct"})
		if err != nil || total != 2 || list[0].ID != cust.ID || list[1].ID != bot.ID {
			t.Fatalf("Direct integrations of h1 = %v, %d, %v", list, total, err)
		}
		_, total, _ = s.HubIntegrations(ctx, a.ID, store.HubIntegrationFilter{Limit: 1})
		if total != 4 {
			t.Errorf("all integrations total = %d, want 4", total)
		}
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			l, err := tx.HubIntegrations(ctx, h1.ID)
			if err != nil || len(l) != 3 {
				t.Errorf("tx.HubIntegrations = %d, %v", len(l), err)
			}
			return err
		})

		bot.Echo, bot.WebhookURL, bot.Start, bot.StatusID = true, "", []byte(`[{"type":"text","text":"hi"}]`), 3002
		if err := s.UpdateHubIntegration(ctx, &bot); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.HubIntegration(ctx, a.ID, bot.ID); !got.Echo || got.WebhookURL != "" || string(got.Start) != string(bot.Start) || got.StatusID != 3002 {
			t.Errorf("updated integration = %+v", got)
		}

		// Deleting the hub takes its integrations, conversations and activities.
		c := mustConversation(t, s, a.ID, cust, "u1")
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			return tx.InsertHubActivity(ctx, &store.HubActivity{ConversationID: c.ID, EventID: 1, Type: "message",
				SenderID: cust.ID, SenderKind: "Customer", RecipientID: bot.ID, RecipientKind: "Bot", Body: []byte(`{}`)})
		})
		_, err = s.DeleteHub(ctx, b.ID, h1.ID)
		wantErr(t, "delete another tenant's hub", err, store.ErrNotFound)
		del, err := s.DeleteHub(ctx, a.ID, h1.ID)
		if err != nil || del.ID != h1.ID {
			t.Fatalf("DeleteHub = %+v, %v", del, err)
		}
		_, err = s.HubIntegration(ctx, a.ID, cust.ID)
		wantErr(t, "integration of a deleted hub", err, store.ErrNotFound)
		_, err = s.HubConversation(ctx, a.ID, c.ID)
		wantErr(t, "conversation of a deleted hub", err, store.ErrNotFound)
		if n, _ := s.CountRows(ctx, "hub_activities"); n != 0 {
			t.Errorf("%d activities left", n)
		}
		_, err = s.DeleteHub(ctx, a.ID, h1.ID)
		wantErr(t, "delete twice", err, store.ErrNotFound)

		agent := mustIntegration(t, s, a.ID, h2.ID, "Agent", "desk")
		_, err = s.DeleteHubIntegration(ctx, b.ID, agent.ID)
		wantErr(t, "delete another tenant's integration", err, store.ErrNotFound)
		if d, err := s.DeleteHubIntegration(ctx, a.ID, agent.ID); err != nil || d.ID != agent.ID {
			t.Fatalf("DeleteHubIntegration = %+v, %v", d, err)
		}
	})
}

func TestHubConversationsAndActivities(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := mustTenant(t, s, "a"), mustTenant(t, s, "b")
		h := mustHub(t, s, a.ID, "hub")
		cust := mustIntegration(t, s, a.ID, h.ID, "Customer", "web")
		bot := mustIntegration(t, s, a.ID, h.ID, "Bot", "bot")
		c := mustConversation(t, s, a.ID, cust, "u1")

		// One open conversation per binding.
		again := store.HubConversation{ID: uuid.New(), HubID: h.ID, IntegrationID: cust.ID, Binding: "u1", TokenID: "t2"}
		err := s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error { return tx.InsertHubConversation(ctx, &again) })
		wantErr(t, "second open conversation for a binding", err, store.ErrConflict)

		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			got, err := tx.OpenHubConversation(ctx, cust.ID, "u1")
			if err != nil || got.ID != c.ID || got.Profile["device"] != "Direct" {
				t.Errorf("OpenHubConversation = %+v, %v", got, err)
			}
			return tx.SetHubConversationProperties(ctx, c.ID, map[string]string{"full name": "Ann"}, map[string]string{"k": "v"})
		})
		got, err := s.HubConversation(ctx, a.ID, c.ID)
		if err != nil || got.Profile["full name"] != "Ann" || got.Additional["k"] != "v" || got.ActiveBusinessID != nil {
			t.Fatalf("HubConversation = %+v, %v", got, err)
		}
		_, err = s.HubConversation(ctx, b.ID, c.ID)
		wantErr(t, "other tenant's conversation", err, store.ErrNotFound)
		err = s.InTenantTx(ctx, b.ID, func(tx *store.TenantTx) error {
			_, err := tx.LockHubConversation(ctx, c.ID)
			return err
		})
		wantErr(t, "lock another tenant's conversation", err, store.ErrNotFound)

		at := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			conv, err := tx.LockHubConversation(ctx, c.ID)
			if err != nil {
				return err
			}
			for i, kind := range []string{"Customer", "Bot", "Customer"} {
				act := &store.HubActivity{ConversationID: conv.ID, EventID: int64(10 + i), Type: "message", Body: []byte(`{"n":1}`),
					SenderID: cust.ID, SenderKind: kind, RecipientID: bot.ID, RecipientKind: "Bot"}
				if kind == "Bot" {
					act.SenderKind, act.RecipientKind = "Bot", "Customer"
				}
				if err := tx.InsertHubActivity(ctx, act); err != nil {
					return err
				}
			}
			return tx.AdvanceHubConversation(ctx, conv.ID, 12, at, &bot.ID)
		})
		err = s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
			return tx.InsertHubActivity(ctx, &store.HubActivity{ConversationID: c.ID, EventID: 12, Type: "event", Body: []byte(`{}`)})
		})
		wantErr(t, "duplicate eventId", err, store.ErrConflict)
		err = s.InTenantTx(ctx, b.ID, func(tx *store.TenantTx) error {
			return tx.InsertHubActivity(ctx, &store.HubActivity{ConversationID: c.ID, EventID: 99, Type: "event", Body: []byte(`{}`)})
		})
		wantErr(t, "activity in another tenant's conversation", err, store.ErrNotFound)

		got, _ = s.HubConversation(ctx, a.ID, c.ID)
		if got.LastEventID != 12 || !got.LastActivityAt.Equal(at) || got.ActiveBusinessID == nil || *got.ActiveBusinessID != bot.ID {
			t.Errorf("advanced conversation = %+v", got)
		}
		acts, err := s.HubActivities(ctx, a.ID, c.ID, "Customer", 10, 500)
		if err != nil || len(acts) != 2 || acts[0].EventID != 11 || acts[1].EventID != 12 || string(acts[0].Body) != `{"n":1}` {
			t.Fatalf("HubActivities(Customer, after 10) = %+v, %v", acts, err)
		}
		if acts, _ := s.HubActivities(ctx, a.ID, c.ID, "Agent", 0, 500); len(acts) != 0 {
			t.Errorf("agent activities = %d", len(acts))
		}
		if acts, _ := s.HubActivities(ctx, a.ID, c.ID, "Bot", 0, 2); len(acts) != 2 || acts[0].EventID != 10 {
			t.Errorf("bot activities, limit 2 = %+v", acts)
		}
		if acts, _ := s.HubActivities(ctx, b.ID, c.ID, "Bot", 0, 500); len(acts) != 0 {
			t.Errorf("another tenant reads %d activities", len(acts))
		}

		open, err := s.OpenHubConversations(ctx, a.ID, h.ID)
		if err != nil || len(open) != 1 {
			t.Fatalf("OpenHubConversations = %v, %v", open, err)
		}
		inTx(t, s, a.ID, func(tx *store.TenantTx) error { return tx.CloseHubConversation(ctx, c.ID, at) })
		if open, _ := s.OpenHubConversations(ctx, a.ID, h.ID); len(open) != 0 {
			t.Errorf("closed conversation still listed")
		}
		// A closed binding can be established again.
		mustConversation(t, s, a.ID, cust, "u1")
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			_, err := tx.OpenHubConversation(ctx, cust.ID, "u2")
			if !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown binding: %v", err)
			}
			return nil
		})
	})
}

// HubActivities reads a page of activities sent by the kind and a page received by it and merges
// them: the answer must be exactly the naive filter's (sender OR recipient of the kind, after the
// eventId, oldest first, at most limit), for every kind, position and limit, including activities
// both sent and received by the kind (listed once) and runs where only one side matches.
func TestHubActivitiesMatchTheFilter(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := mustTenant(t, s, "acts")
		h := mustHub(t, s, a.ID, "h")
		cust := mustIntegration(t, s, a.ID, h.ID, "Customer", "c")
		c := mustConversation(t, s, a.ID, cust, "b")
		kinds := []string{"Customer", "Bot", "Agent"}
		var all []store.HubActivity
		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			for i := range 60 {
				act := &store.HubActivity{ConversationID: c.ID, EventID: int64(1 + i), Type: "message", Body: []byte(`{}`),
					SenderID: cust.ID, SenderKind: kinds[(i*7/5)%3], RecipientID: cust.ID, RecipientKind: kinds[(i/4)%3]}
				if i >= 40 { // a long run no agent takes part in
					act.SenderKind, act.RecipientKind = "Customer", "Bot"
				}
				if err := tx.InsertHubActivity(ctx, act); err != nil {
					return err
				}
				all = append(all, *act)
			}
			return nil
		})
		for _, kind := range kinds {
			for _, after := range []int64{0, 1, 17, 39, 40, 59, 60} {
				for _, limit := range []int{1, 3, 10, 500} {
					var want []int64
					for _, x := range all {
						if x.EventID > after && (x.SenderKind == kind || x.RecipientKind == kind) && len(want) < limit {
							want = append(want, x.EventID)
						}
					}
					acts, err := s.HubActivities(ctx, a.ID, c.ID, kind, after, limit)
					if err != nil {
						t.Fatal(err)
					}
					got := make([]int64, len(acts))
					for i, x := range acts {
						got[i] = x.EventID
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Fatalf("%s after %d, limit %d: %v, want %v", kind, after, limit, got, want)
					}
				}
			}
		}
	})
}
