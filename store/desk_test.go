package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func TestDeskTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		owner := uuid.New()
		t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		ta, err := s.CreateDeskToken(ctx, store.DeskToken{TenantID: a.ID, Name: "crm", OwnerID: owner, Hash: hashOf("ta"), CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		tb, err := s.CreateDeskToken(ctx, store.DeskToken{TenantID: b.ID, Name: "bot", OwnerID: uuid.New(), Hash: hashOf("tb"), CreatedAt: t0})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateDeskToken(ctx, store.DeskToken{TenantID: a.ID, OwnerID: owner, Hash: hashOf("ta")})
		wantErr(t, "same hash", err, store.ErrConflict)
		_, err = s.CreateDeskToken(ctx, store.DeskToken{TenantID: uuid.New(), OwnerID: owner, Hash: hashOf("tx")})
		wantErr(t, "unknown tenant", err, store.ErrNotFound)
		if _, err := s.CreateDeskToken(ctx, store.DeskToken{TenantID: a.ID, Hash: hashOf("ty")}); err == nil {
			t.Error("a token without owner was stored")
		}

		p, err := s.DeskPrincipalByHash(ctx, hashOf("ta"))
		if err != nil || p.TenantID != a.ID || p.TokenID != ta.ID || p.OwnerID != owner || p.Settings != nil {
			t.Fatalf("principal of ta: %+v, %v", p, err)
		}
		if err := s.PutDeskSettings(ctx, a.ID, []byte(`{"rateLimit":{"perSecond":10,"burst":4}}`), t0); err != nil {
			t.Fatal(err)
		}
		if err := s.PutDeskSettings(ctx, a.ID, []byte(`not json`), t0); err == nil {
			t.Error("invalid settings stored")
		}
		wantErr(t, "settings of an unknown tenant", s.PutDeskSettings(ctx, uuid.New(), []byte(`{}`), t0), store.ErrNotFound)
		if p, _ := s.DeskPrincipalByHash(ctx, hashOf("ta")); string(p.Settings) != `{"rateLimit":{"perSecond":10,"burst":4}}` {
			t.Errorf("principal settings: %q", p.Settings)
		}
		if doc, err := s.DeskSettings(ctx, b.ID); doc != nil || err != nil {
			t.Errorf("b's settings: %q, %v", doc, err)
		}

		wantErr(t, "revoke another tenant's token", s.RevokeDeskToken(ctx, a.ID, tb.ID, t0), store.ErrNotFound)
		if err := s.RevokeDeskToken(ctx, a.ID, ta.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeDeskToken(ctx, a.ID, ta.ID, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		_, err = s.DeskPrincipalByHash(ctx, hashOf("ta"))
		wantErr(t, "revoked token", err, store.ErrNotFound)
		_, err = s.DeskPrincipalByHash(ctx, hashOf("nope"))
		wantErr(t, "unknown token", err, store.ErrNotFound)

		list, err := s.DeskTokens(ctx, a.ID)
		if err != nil || len(list) != 1 || list[0].ID != ta.ID || list[0].RevokedAt == nil {
			t.Fatalf("a's tokens: %+v, %v", list, err)
		}
		wantUTC(t, "revokedAt keeps the first revocation", *list[0].RevokedAt, t0.Add(time.Hour))
	})
}

func mustContact(t *testing.T, s *store.Store, tenant uuid.UUID, kind string, at time.Time, keys ...store.DeskContactKey) store.DeskContact {
	t.Helper()
	c, err := s.CreateDeskContact(ctxT(t), store.DeskContact{TenantID: tenant, Kind: kind, CreatedAt: at, DisplayName: "C"}, keys)
	if err != nil {
		t.Fatalf("CreateDeskContact: %v", err)
	}
	return c
}

func TestDeskContacts(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		email := store.DeskContactKey{Field: "email", Value: "jane@example.org"}
		jane, err := s.CreateDeskContact(ctx, store.DeskContact{TenantID: a.ID, Kind: store.DeskEndUser, CreatedAt: t0,
			DisplayName: "Jane", Email: "Jane@example.org", MiddleNames: []string{"Q"}, AdditionalEmails: []string{"j@w.example"}},
			[]store.DeskContactKey{email, {Field: "email", Value: "j@w.example"}, {Field: "externalId", Value: "C-1"}})
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.DeskContact(ctx, a.ID, store.DeskEndUser, jane.ID)
		if err != nil || got.Email != "Jane@example.org" || !slices.Equal(got.MiddleNames, []string{"Q"}) ||
			!slices.Equal(got.AdditionalEmails, []string{"j@w.example"}) || len(got.AdditionalPhoneNumbers) != 0 || got.AdditionalPhoneNumbers == nil {
			t.Fatalf("jane: %+v, %v", got, err)
		}
		_, err = s.DeskContact(ctx, a.ID, store.DeskAgent, jane.ID)
		wantErr(t, "an end user read as an agent", err, store.ErrNotFound)
		_, err = s.DeskContact(ctx, b.ID, store.DeskEndUser, jane.ID)
		wantErr(t, "another tenant's end user", err, store.ErrNotFound)

		// A key another end user holds: nothing of the new one is stored.
		_, err = s.CreateDeskContact(ctx, store.DeskContact{TenantID: a.ID, Kind: store.DeskEndUser, DisplayName: "Dup"},
			[]store.DeskContactKey{{Field: "phone", Value: "+4512345678"}, email})
		wantErr(t, "a taken email", err, store.ErrConflict)
		if n, _ := s.CountRows(ctx, "desk_contacts"); n != 1 {
			t.Errorf("desk_contacts holds %d rows after a refused create", n)
		}
		if n, _ := s.CountRows(ctx, "desk_contact_keys"); n != 3 {
			t.Errorf("desk_contact_keys holds %d rows after a refused create", n)
		}
		// The same key is free for an agent, and in another tenant.
		mustContact(t, s, a.ID, store.DeskAgent, t0, email)
		mustContact(t, s, b.ID, store.DeskEndUser, t0, email)

		// Paging: same creation time, then by id.
		var ids []string
		for i := 0; i < 5; i++ {
			c := mustContact(t, s, a.ID, store.DeskEndUser, t0.Add(time.Duration(i%2)*time.Second))
			_ = c
		}
		all, err := s.DeskContacts(ctx, a.ID, store.DeskEndUser, nil, nil, 100)
		if err != nil || len(all) != 6 {
			t.Fatalf("all end users: %d, %v", len(all), err)
		}
		for i := 1; i < len(all); i++ {
			p, c := all[i-1], all[i]
			if c.CreatedAt.Before(p.CreatedAt) || (c.CreatedAt.Equal(p.CreatedAt) && c.ID.String() <= p.ID.String()) {
				t.Errorf("order broken at %d: %v %s, %v %s", i, p.CreatedAt, p.ID, c.CreatedAt, c.ID)
			}
		}
		var after *store.DeskCursor
		for {
			page, err := s.DeskContacts(ctx, a.ID, store.DeskEndUser, after, nil, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				ids = append(ids, c.ID.String())
			}
			if len(page) < 2 {
				break
			}
			last := page[len(page)-1]
			after = &store.DeskCursor{CreatedAt: last.CreatedAt, ID: last.ID.String()}
		}
		var want []string
		for _, c := range all {
			want = append(want, c.ID.String())
		}
		if !slices.Equal(ids, want) {
			t.Errorf("paging by 2 gave %v, want %v", ids, want)
		}

		// Filtering by key.
		f, err := s.DeskContacts(ctx, a.ID, store.DeskEndUser, nil, &store.DeskContactKey{Field: "externalId", Value: "C-1"}, 10)
		if err != nil || len(f) != 1 || f[0].ID != jane.ID {
			t.Errorf("filter externalId: %+v, %v", f, err)
		}
		f, _ = s.DeskContacts(ctx, a.ID, store.DeskEndUser, nil, &store.DeskContactKey{Field: "email", Value: "j@w.example"}, 10)
		if len(f) != 1 || f[0].ID != jane.ID {
			t.Errorf("filter by an additional email: %+v", f)
		}
		f, _ = s.DeskContacts(ctx, b.ID, store.DeskEndUser, nil, &store.DeskContactKey{Field: "externalId", Value: "C-1"}, 10)
		if len(f) != 0 {
			t.Errorf("b sees a's end user through a filter: %+v", f)
		}
		if _, err := s.DeskContacts(ctx, a.ID, store.DeskEndUser, &store.DeskCursor{ID: "x"}, nil, 10); err == nil {
			t.Error("a cursor with a bad id was accepted")
		}
	})
}

func newConversation(requester uuid.UUID, at time.Time) store.DeskConversation {
	return store.DeskConversation{RequesterID: requester, Channel: "Email", Direction: "Inbound", State: "Open",
		StateUpdatedAt: at, CreatedAt: at, IntegrationEmail: "s@x.io", FromEmail: "j@x.org", Subject: "S", LastMessageAt: at}
}

func TestDeskConversationIDsPerTenant(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			s := n.Store
			ctx := ctxT(t)
			a, b := twoTenants(t, s)
			t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
			ua := mustContact(t, s, a.ID, store.DeskEndUser, t0)
			ub := mustContact(t, s, b.ID, store.DeskEndUser, t0)
			insert := func(tenant, requester uuid.UUID) (int64, error) {
				var id int64
				err := s.InTenantTx(ctx, tenant, func(tx *store.TenantTx) error {
					var err error
					id, err = tx.InsertDeskConversation(ctx, newConversation(requester, t0))
					return err
				})
				return id, err
			}
			for want := int64(1); want <= 3; want++ {
				if id, err := insert(a.ID, ua.ID); err != nil || id != want {
					t.Fatalf("a's conversation %d: got %d, %v", want, id, err)
				}
			}
			if id, err := insert(b.ID, ub.ID); err != nil || id != 1 {
				t.Fatalf("b's first conversation: %d, %v", id, err)
			}
			_, err := insert(a.ID, ub.ID)
			wantErr(t, "a conversation for another tenant's end user", err, store.ErrNotFound)

			// Concurrent creates in one tenant, on a second handle too: distinct ids, no gaps, no errors.
			other, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			var mu sync.Mutex
			var got []int64
			var wg sync.WaitGroup
			for i := 0; i < 8; i++ {
				wg.Add(1)
				go func(st *store.Store) {
					defer wg.Done()
					var id int64
					err := st.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error {
						var err error
						id, err = tx.InsertDeskConversation(ctx, newConversation(ua.ID, t0))
						return err
					})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got = append(got, id)
					mu.Unlock()
				}([]*store.Store{s, other}[i%2])
			}
			wg.Wait()
			slices.Sort(got)
			if !slices.Equal(got, []int64{4, 5, 6, 7, 8, 9, 10, 11}) {
				t.Errorf("concurrent ids: %v", got)
			}
		})
	}
}

func TestDeskMessages(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		ua := mustContact(t, s, a.ID, store.DeskEndUser, t0)
		ub := mustContact(t, s, b.ID, store.DeskEndUser, t0)
		var ca, cb int64
		inTx(t, s, a.ID, func(tx *store.TenantTx) (err error) {
			ca, err = tx.InsertDeskConversation(ctx, newConversation(ua.ID, t0))
			return err
		})
		inTx(t, s, b.ID, func(tx *store.TenantTx) (err error) {
			cb, err = tx.InsertDeskConversation(ctx, newConversation(ub.ID, t0))
			return err
		})
		if ca != 1 || cb != 1 {
			t.Fatalf("ids %d %d", ca, cb)
		}
		add := func(tenant uuid.UUID, conv int64, at time.Time, ext string) (store.DeskMessage, error) {
			var m store.DeskMessage
			err := s.InTenantTx(ctx, tenant, func(tx *store.TenantTx) error {
				var err error
				m, err = tx.InsertDeskMessage(ctx, store.DeskMessage{ConversationID: conv, CreatedAt: at, AuthorID: ua.ID,
					ExternalID: ext, Direction: "Inbound", Attributes: []byte(`{"_type":"EmailAttributes","n":"` + ext + `"}`)})
				return err
			})
			return m, err
		}
		m1, err := add(a.ID, ca, t0, "A-1")
		if err != nil {
			t.Fatal(err)
		}
		// Inserted out of order: the list is by createdAt.
		m3, _ := add(a.ID, ca, t0.Add(2*time.Millisecond), "")
		m2, _ := add(a.ID, ca, t0.Add(time.Millisecond), "")
		if _, err := add(b.ID, cb, t0, "A-1"); err != nil {
			t.Errorf("b's conversation 1 cannot use the externalId of a's: %v", err)
		}
		_, err = add(a.ID, ca, t0.Add(3*time.Millisecond), "A-1")
		wantErr(t, "duplicate externalId", err, store.ErrConflict)
		_, err = add(a.ID, ca, t0.Add(time.Millisecond), "")
		wantErr(t, "two messages at one time", err, store.ErrConflict)
		_, err = add(a.ID, 99, t0.Add(5*time.Millisecond), "")
		wantErr(t, "unknown conversation", err, store.ErrNotFound)

		list, err := s.DeskMessages(ctx, a.ID, ca)
		if err != nil {
			t.Fatal(err)
		}
		var order []uuid.UUID
		for _, m := range list {
			order = append(order, m.ID)
		}
		if !slices.Equal(order, []uuid.UUID{m1.ID, m2.ID, m3.ID}) || list[0].ExternalID != "A-1" || list[1].ExternalID != "" {
			t.Fatalf("a's messages: %+v", list)
		}
		if c, _ := s.DeskConversation(ctx, a.ID, ca); !c.LastMessageAt.Equal(t0.Add(2 * time.Millisecond)) {
			t.Errorf("lastMessageAt %v", c.LastMessageAt)
		}
		if bl, _ := s.DeskMessages(ctx, b.ID, cb); len(bl) != 1 || bl[0].ID == m1.ID {
			t.Errorf("b's messages: %+v", bl)
		}

		inTx(t, s, a.ID, func(tx *store.TenantTx) error {
			if taken, err := tx.DeskExternalIDTaken(ctx, ca, "A-1"); err != nil || !taken {
				t.Errorf("A-1 taken: %v %v", taken, err)
			}
			if taken, _ := tx.DeskExternalIDTaken(ctx, ca, "a-1"); taken {
				t.Error("externalIds are case-sensitive")
			}
			if _, err := tx.DeskMessage(ctx, ca, uuid.New()); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("unknown message: %v", err)
			}
			if err := tx.RedactDeskMessage(ctx, ca, m2.ID, []byte(`{"_type":"EmailAttributes"}`)); err != nil {
				return err
			}
			if err := tx.RedactDeskMessage(ctx, ca+1, m2.ID, []byte(`{}`)); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("redact in the wrong conversation: %v", err)
			}
			m, err := tx.DeskMessage(ctx, ca, m2.ID)
			if err != nil || !m.Redacted || string(m.Attributes) != `{"_type":"EmailAttributes"}` {
				t.Errorf("redacted message: %+v %v", m, err)
			}
			if err := tx.AnonymizeDeskConversation(ctx, ca, "Closed", t0.Add(time.Hour), t0.Add(time.Hour)); err != nil {
				return err
			}
			return nil
		})
		inTx(t, s, b.ID, func(tx *store.TenantTx) error {
			if _, err := tx.DeskMessage(ctx, cb, m1.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("b reads a's message: %v", err)
			}
			return nil
		})
		c, _ := s.DeskConversation(ctx, a.ID, ca)
		if c.State != "Closed" || c.AnonymizedAt == nil || !c.StateUpdatedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("anonymized conversation: %+v", c)
		}
		if c, _ := s.DeskConversation(ctx, b.ID, cb); c.AnonymizedAt != nil {
			t.Error("b's conversation 1 was anonymized with a's")
		}
	})
}

func TestDeskAnonymizationRequestsAndLists(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		ua := mustContact(t, s, a.ID, store.DeskEndUser, t0)
		other := mustContact(t, s, a.ID, store.DeskEndUser, t0)
		var r store.DeskAnonymizationRequest
		inTx(t, s, a.ID, func(tx *store.TenantTx) (err error) {
			for i := 0; i < 5; i++ {
				req := ua.ID
				if i == 2 {
					req = other.ID
				}
				if _, err := tx.InsertDeskConversation(ctx, newConversation(req, t0.Add(time.Duration(i%2)*time.Second))); err != nil {
					return err
				}
			}
			r, err = tx.InsertDeskAnonymizationRequest(ctx, store.DeskAnonymizationRequest{Type: "Message",
				TargetEntityID: "1_x", RequestedBy: ua.ID, InitiatedAt: t0, ProcessedAt: &t0})
			return err
		})
		got, err := s.DeskAnonymizationRequest(ctx, a.ID, r.ID)
		if err != nil || got.Type != "Message" || got.TargetEntityID != "1_x" || got.ProcessedAt == nil {
			t.Fatalf("request: %+v, %v", got, err)
		}
		_, err = s.DeskAnonymizationRequest(ctx, b.ID, r.ID)
		wantErr(t, "another tenant's request", err, store.ErrNotFound)

		// ua requested 1, 2, 4, 5 (created t0, t0+1s, t0+1s, t0): by time, then id → 1, 5, 2, 4.
		var ids []int64
		var after *store.DeskCursor
		for {
			page, err := s.DeskConversationsByRequester(ctx, a.ID, ua.ID, after, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page {
				ids = append(ids, c.ID)
			}
			if len(page) < 3 {
				break
			}
			last := page[len(page)-1]
			after = &store.DeskCursor{CreatedAt: last.CreatedAt, ID: fmt.Sprint(last.ID)}
		}
		if !slices.Equal(ids, []int64{1, 5, 2, 4}) {
			t.Errorf("ua's conversations: %v", ids)
		}
		if l, _ := s.DeskConversationsByRequester(ctx, b.ID, ua.ID, nil, 10); len(l) != 0 {
			t.Errorf("b lists a's end user's conversations: %v", l)
		}
		ops, err := s.DeskConversations(ctx, a.ID, 0, 2)
		if err != nil || len(ops) != 2 || ops[0].ID != 5 || ops[1].ID != 4 {
			t.Fatalf("operator list: %+v, %v", ops, err)
		}
		ops, _ = s.DeskConversations(ctx, a.ID, 4, 10)
		if len(ops) != 3 || ops[0].ID != 3 {
			t.Errorf("operator list before 4: %+v", ops)
		}
		if ok, _ := s.DeskConversationExists(ctx, a.ID, 5); !ok {
			t.Error("conversation 5 does not exist")
		}
		if ok, _ := s.DeskConversationExists(ctx, b.ID, 5); ok {
			t.Error("b has a's conversation 5")
		}
	})
}

// TestDeskMessagesIsOneIndexRangeScan: listing a conversation's messages reads the index on
// (tenant_id, conversation_id, created_at) in order: no table scan, no sort.
func TestDeskMessagesIsOneIndexRangeScan(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a := mustTenant(t, s, "a")
		plan, err := s.ExplainDeskMessages(ctx, a.ID, 1, true)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(plan, "\n")
		var ok bool
		if s.Dialect() == store.DialectSQLite {
			ok = strings.Contains(text, "USING INDEX desk_messages_order_uq") && !strings.Contains(text, "TEMP B-TREE") &&
				!strings.Contains(text, "SCAN desk_messages")
		} else {
			ok = strings.Contains(text, "Index Scan using desk_messages_order_uq") && !strings.Contains(text, "Sort")
		}
		if !ok {
			t.Errorf("plan of DeskMessages:\n%s", text)
		}
	})
}

// TestPagesSeekTheirPosition: a page after a position seeks its index to the position (an index
// condition on created_at), rather than reading the list from its start and filtering (what
// PostgreSQL does with "created_at > t OR (created_at = t AND id > i)"); an activity poll reads
// the two kind indexes, each a bounded range; a list filtered by a key starts from the key.
func TestPagesSeekTheirPosition(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		contacts, conversations, activities, err := s.ExplainDeskHubPages(ctxT(t), mustTenant(t, s, "a").ID)
		if err != nil {
			t.Fatal(err)
		}
		seeks := func(plan []string, index string) bool {
			text := strings.Join(plan, "\n")
			if s.Dialect() == store.DialectSQLite {
				return strings.Contains(text, "USING INDEX "+index+" (") && strings.Contains(text, "created_at>?") && !strings.Contains(text, "TEMP B-TREE")
			}
			for _, l := range plan {
				if strings.Contains(l, "Index Cond:") && strings.Contains(l, "created_at >=") {
					return strings.Contains(text, index) && !strings.Contains(text, "Sort")
				}
			}
			return false
		}
		if !seeks(contacts, "desk_contacts_list_idx") {
			t.Errorf("plan of a page of end users:\n%s", strings.Join(contacts, "\n"))
		}
		if !seeks(conversations, "desk_conversations_requester_idx") {
			t.Errorf("plan of a page of an end user's conversations:\n%s", strings.Join(conversations, "\n"))
		}
		text := strings.Join(activities, "\n")
		if !strings.Contains(text, "hub_activities_sender_idx") || !strings.Contains(text, "hub_activities_recipient_idx") {
			t.Errorf("plan of an activity poll:\n%s", text)
		}
		// Filtered by a key: the contact holding it is found by its primary key, not by walking
		// the list.
		byKey, err := s.ExplainDeskContactsByKey(ctxT(t), mustTenant(t, s, "b").ID)
		if err != nil {
			t.Fatal(err)
		}
		text = strings.Join(byKey, "\n")
		// (PostgreSQL, whose planner weighs the primary key against the list index by the table's
		// statistics, only has to look the contact up by id: it takes the primary key at 1M.)
		if !strings.Contains(text, "sqlite_autoindex_desk_contacts_1 (tenant_id=? AND id=?)") && !strings.Contains(text, "id = $0)") {
			t.Errorf("plan of a page of end users with a key:\n%s", text)
		}
	})
}
