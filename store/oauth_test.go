package store_test

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func hashOf(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func mustClient(t *testing.T, s *store.Store, tenant uuid.UUID, id string, created time.Time) store.OAuthClient {
	t.Helper()
	c := store.OAuthClient{TenantID: tenant, ClientID: id, SecretHash: hashOf("secret-" + id), Name: "Client " + id,
		Scopes: []string{"questions", "messages:write"}, CreatedAt: created}
	if err := s.CreateOAuthClient(ctxT(t), c); err != nil {
		t.Fatalf("CreateOAuthClient(%s): %v", id, err)
	}
	return c
}

func mustToken(t *testing.T, s *store.Store, tenant uuid.UUID, client, raw string, issued time.Time) store.AccessToken {
	t.Helper()
	tok := store.AccessToken{Hash: hashOf(raw), TenantID: tenant, ClientID: client, Scope: "questions",
		IssuedAt: issued, ExpiresAt: issued.Add(12 * time.Hour)}
	if err := s.InsertAccessToken(ctxT(t), tok); err != nil {
		t.Fatalf("InsertAccessToken(%s): %v", raw, err)
	}
	return tok
}

func TestOAuthClients(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		zone := time.FixedZone("X", 3*3600)
		t0 := time.Date(2025, 2, 3, 4, 5, 6, 7008009, zone)

		// Same creation time: creation order still holds.
		c2 := mustClient(t, s, a.ID, "zz-second", t0)
		c1 := mustClient(t, s, a.ID, "aa-first", t0)
		cb := mustClient(t, s, b.ID, "b-only", t0)
		_ = c1

		err := s.CreateOAuthClient(ctx, store.OAuthClient{TenantID: a.ID, ClientID: "zz-second", SecretHash: []byte("x")})
		wantErr(t, "duplicate client id, same tenant", err, store.ErrConflict)
		err = s.CreateOAuthClient(ctx, store.OAuthClient{TenantID: b.ID, ClientID: "zz-second", SecretHash: []byte("x")})
		wantErr(t, "duplicate client id, other tenant", err, store.ErrConflict)
		err = s.CreateOAuthClient(ctx, store.OAuthClient{TenantID: uuid.New(), ClientID: "orphan", SecretHash: []byte("x")})
		wantErr(t, "unknown tenant", err, store.ErrNotFound)
		for _, bad := range []store.OAuthClient{
			{TenantID: a.ID, SecretHash: []byte("x")},
			{TenantID: a.ID, ClientID: "no-secret"},
			{TenantID: a.ID, ClientID: "bad-scope", SecretHash: []byte("x"), Scopes: []string{"a b"}},
			{TenantID: a.ID, ClientID: "empty-scope", SecretHash: []byte("x"), Scopes: []string{""}},
		} {
			if err := s.CreateOAuthClient(ctx, bad); err == nil {
				t.Errorf("CreateOAuthClient(%+v) succeeded", bad)
			}
		}

		list, err := s.OAuthClients(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ClientID)
		}
		if !slices.Equal(ids, []string{"zz-second", "aa-first"}) {
			t.Fatalf("OAuthClients(a) = %v, want creation order", ids)
		}
		got := list[0]
		if got.TenantID != a.ID || !bytes.Equal(got.SecretHash, c2.SecretHash) || got.Name != c2.Name ||
			!slices.Equal(got.Scopes, c2.Scopes) || got.RevokedAt != nil {
			t.Errorf("client round trip: %+v", got)
		}
		wantUTC(t, "client CreatedAt", got.CreatedAt, t0.Truncate(time.Microsecond))

		// Isolation of the list; the server-wide lookup finds any tenant's client.
		if list, _ := s.OAuthClients(ctx, b.ID); len(list) != 1 || list[0].ClientID != cb.ClientID {
			t.Errorf("OAuthClients(b) = %+v", list)
		}
		byID, err := s.OAuthClientByID(ctx, "b-only")
		if err != nil || byID.TenantID != b.ID {
			t.Errorf("OAuthClientByID(b-only) = %+v, %v", byID, err)
		}
		_, err = s.OAuthClientByID(ctx, "nope")
		wantErr(t, "OAuthClientByID(unknown)", err, store.ErrNotFound)

		// No scopes round-trips as empty.
		if err := s.CreateOAuthClient(ctx, store.OAuthClient{TenantID: a.ID, ClientID: "bare", SecretHash: []byte("x")}); err != nil {
			t.Fatal(err)
		}
		if c, _ := s.OAuthClientByID(ctx, "bare"); len(c.Scopes) != 0 {
			t.Errorf("scopes of a client without scopes = %q", c.Scopes)
		}
	})
}

func TestAccessTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 2, 3, 4, 5, 6, 7008009, time.UTC)
		mustClient(t, s, a.ID, "c1", t0)
		mustClient(t, s, a.ID, "c2", t0)
		mustClient(t, s, b.ID, "cb", t0)

		tok1 := mustToken(t, s, a.ID, "c1", "t1", t0)
		tok2 := mustToken(t, s, a.ID, "c1", "t2", t0)
		tok3 := mustToken(t, s, a.ID, "c2", "t3", t0)
		tokB := mustToken(t, s, b.ID, "cb", "tb", t0)

		got, err := s.AccessTokenByHash(ctx, tok1.Hash)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Hash, tok1.Hash) || got.TenantID != a.ID || got.ClientID != "c1" || got.Scope != "questions" || got.RevokedAt != nil {
			t.Errorf("AccessTokenByHash = %+v", got)
		}
		wantUTC(t, "IssuedAt", got.IssuedAt, t0.Truncate(time.Microsecond))
		wantUTC(t, "ExpiresAt", got.ExpiresAt, t0.Add(12*time.Hour).Truncate(time.Microsecond))
		_, err = s.AccessTokenByHash(ctx, hashOf("unknown"))
		wantErr(t, "AccessTokenByHash(unknown)", err, store.ErrNotFound)

		// The client must be the token tenant's, known and live.
		for name, tok := range map[string]store.AccessToken{
			"another tenant's client": {Hash: hashOf("x1"), TenantID: b.ID, ClientID: "c1"},
			"unknown client":          {Hash: hashOf("x2"), TenantID: a.ID, ClientID: "nope"},
			"unknown tenant":          {Hash: hashOf("x3"), TenantID: uuid.New(), ClientID: "c1"},
		} {
			wantErr(t, "InsertAccessToken: "+name, s.InsertAccessToken(ctx, tok), store.ErrNotFound)
		}
		dup := tok1
		dup.ClientID = "c2"
		wantErr(t, "duplicate token hash", s.InsertAccessToken(ctx, dup), store.ErrConflict)

		// RevokeAccessToken: true once, then false; unknown → false.
		t1 := t0.Truncate(time.Microsecond).Add(time.Hour)
		for i, want := range []bool{true, false} {
			ok, err := s.RevokeAccessToken(ctx, tok2.Hash, t1.Add(time.Duration(i)*time.Minute))
			if err != nil || ok != want {
				t.Fatalf("RevokeAccessToken #%d = %v, %v; want %v", i, ok, err, want)
			}
		}
		if ok, err := s.RevokeAccessToken(ctx, hashOf("unknown"), t1); ok || err != nil {
			t.Errorf("RevokeAccessToken(unknown) = %v, %v", ok, err)
		}
		got, _ = s.AccessTokenByHash(ctx, tok2.Hash)
		if got.RevokedAt == nil {
			t.Fatal("revoked token has no RevokedAt")
		}
		wantUTC(t, "RevokedAt", *got.RevokedAt, t1)

		// Revoking another tenant's client: ErrNotFound, nothing changes.
		wantErr(t, "RevokeOAuthClient(b, c1)", s.RevokeOAuthClient(ctx, b.ID, "c1", t1), store.ErrNotFound)
		wantErr(t, "RevokeOAuthClient(a, unknown)", s.RevokeOAuthClient(ctx, a.ID, "nope", t1), store.ErrNotFound)
		if got, _ := s.AccessTokenByHash(ctx, tok1.Hash); got.RevokedAt != nil {
			t.Fatal("token revoked through another tenant")
		}

		// Revoking the client revokes its live tokens, not others'.
		t2 := t0.Truncate(time.Microsecond).Add(2 * time.Hour)
		if err := s.RevokeOAuthClient(ctx, a.ID, "c1", t2); err != nil {
			t.Fatal(err)
		}
		c1, _ := s.OAuthClientByID(ctx, "c1")
		if c1.RevokedAt == nil {
			t.Fatal("client not revoked")
		}
		wantUTC(t, "client RevokedAt", *c1.RevokedAt, t2)
		for _, c := range []struct {
			tok  store.AccessToken
			want *time.Time
		}{{tok1, &t2}, {tok2, &t1}, {tok3, nil}, {tokB, nil}} {
			got, err := s.AccessTokenByHash(ctx, c.tok.Hash)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == nil && got.RevokedAt != nil:
				t.Errorf("token of %s revoked at %v", got.ClientID, got.RevokedAt)
			case c.want != nil && (got.RevokedAt == nil || !got.RevokedAt.Equal(*c.want)):
				t.Errorf("token %x of %s: RevokedAt %v, want %v", got.Hash[:4], got.ClientID, got.RevokedAt, c.want)
			}
		}
		// Again: no error, first revocation time kept.
		if err := s.RevokeOAuthClient(ctx, a.ID, "c1", t2.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if c1, _ := s.OAuthClientByID(ctx, "c1"); !c1.RevokedAt.Equal(t2) {
			t.Errorf("second revoke moved RevokedAt to %v", c1.RevokedAt)
		}
		// No new token for a revoked client.
		err = s.InsertAccessToken(ctx, store.AccessToken{Hash: hashOf("late"), TenantID: a.ID, ClientID: "c1"})
		wantErr(t, "token for a revoked client", err, store.ErrNotFound)

		// DeleteAccessToken: scoped to the tx's tenant, idempotent.
		inTx(t, s, b.ID, func(tx *store.TenantTx) error { return tx.DeleteAccessToken(ctx, tok3.Hash) })
		if _, err := s.AccessTokenByHash(ctx, tok3.Hash); err != nil {
			t.Fatalf("tenant b deleted a's token: %v", err)
		}
		for range 2 {
			inTx(t, s, a.ID, func(tx *store.TenantTx) error { return tx.DeleteAccessToken(ctx, tok3.Hash) })
		}
		_, err = s.AccessTokenByHash(ctx, tok3.Hash)
		wantErr(t, "deleted token", err, store.ErrNotFound)
	})
}

func TestPoll(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
		mustClient(t, s, a.ID, "ca", t0)
		tok := mustToken(t, s, a.ID, "ca", "raw", t0)

		qa := &store.Question{Channel: store.ChannelMessaging, LastUpdated: t0.Add(time.Minute)}
		qh := newHelpDeskQuestion("HD")
		qb := mustMessagingQuestion(t, s, b.ID)
		mustInsertQuestion(t, s, a.ID, qa)
		mustInsertQuestion(t, s, a.ID, qh)

		p, err := s.Poll(ctx, tok.Hash, qa.UUID)
		if err != nil {
			t.Fatal(err)
		}
		if !p.QuestionFound || p.Channel != store.ChannelMessaging || !bytes.Equal(p.Token.Hash, tok.Hash) ||
			p.Token.TenantID != a.ID || p.Token.ClientID != "ca" || p.Token.Scope != "questions" || p.Token.RevokedAt != nil {
			t.Fatalf("Poll(qa) = %+v", p)
		}
		wantUTC(t, "Poll LastUpdated", p.LastUpdated, t0.Add(time.Minute))
		wantUTC(t, "Poll IssuedAt", p.Token.IssuedAt, t0)
		wantUTC(t, "Poll ExpiresAt", p.Token.ExpiresAt, t0.Add(12*time.Hour))

		if p, err := s.Poll(ctx, tok.Hash, qh.UUID); err != nil || !p.QuestionFound || p.Channel != store.ChannelHelpDesk {
			t.Errorf("Poll(helpdesk question) = %+v, %v", p, err)
		}
		// Another tenant's question, or an unknown one: the token, no question.
		for name, id := range map[string]uuid.UUID{"b's question": qb.UUID, "unknown": uuid.New()} {
			p, err := s.Poll(ctx, tok.Hash, id)
			if err != nil || p.QuestionFound || p.Channel != "" || !p.LastUpdated.IsZero() || p.Token.TenantID != a.ID {
				t.Errorf("Poll(%s) = %+v, %v", name, p, err)
			}
		}
		_, err = s.Poll(ctx, hashOf("unknown"), qa.UUID)
		wantErr(t, "Poll(unknown token)", err, store.ErrNotFound)

		// A revoked token is reported as such.
		if _, err := s.RevokeAccessToken(ctx, tok.Hash, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		p, err = s.Poll(ctx, tok.Hash, qa.UUID)
		if err != nil || p.Token.RevokedAt == nil || !p.QuestionFound {
			t.Fatalf("Poll(revoked) = %+v, %v", p, err)
		}
		wantUTC(t, "Poll RevokedAt", *p.Token.RevokedAt, t0.Add(time.Hour))
	})
}

// BenchmarkPoll measures the poll fast path (one prepared statement) with
// 1000 questions in the tenant.
func BenchmarkPoll(b *testing.B) {
	for _, n := range storetest.Stores(b) {
		hash, target := setupPollBench(b, n.Store)
		b.Run(n.Name, func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				p, err := n.Store.Poll(ctx, hash, target)
				if err != nil || !p.QuestionFound {
					b.Fatal(p, err)
				}
			}
		})
	}
}

func setupPollBench(b *testing.B, s *store.Store) (hash []byte, target uuid.UUID) {
	b.Helper()
	ctx := b.Context()
	tn := store.Tenant{ID: uuid.New(), Name: "bench", Subdomain: "bench"}
	if err := s.CreateTenant(ctx, tn); err != nil {
		b.Fatal(err)
	}
	c := store.OAuthClient{TenantID: tn.ID, ClientID: "bench", SecretHash: []byte("x")}
	if err := s.CreateOAuthClient(ctx, c); err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	tok := store.AccessToken{Hash: hashOf("bench"), TenantID: tn.ID, ClientID: "bench", IssuedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.InsertAccessToken(ctx, tok); err != nil {
		b.Fatal(err)
	}
	err := s.InTenantTx(ctx, tn.ID, func(tx *store.TenantTx) error {
		for i := range 1000 {
			q := &store.Question{Channel: store.ChannelMessaging, Text: fmt.Sprint(i)}
			if err := tx.InsertQuestion(ctx, q); err != nil {
				return err
			}
			target = q.UUID
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	// Planner statistics, as autovacuum / a long-running database has them.
	if err := s.ExecRaw(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
	return tok.Hash, target
}

// BenchmarkPollParallel is BenchmarkPoll from 64 goroutines (the load test's 64 clients): the
// poll cache's freshness check is shared by the polls that wait for it.
func BenchmarkPollParallel(b *testing.B) {
	for _, n := range storetest.Stores(b) {
		hash, target := setupPollBench(b, n.Store)
		storetest.WaitPollCache(b, n.Store, true)
		b.Run(n.Name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetParallelism(32)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					p, err := n.Store.Poll(b.Context(), hash, target)
					if err != nil || !p.QuestionFound {
						b.Fatal(p, err)
					}
				}
			})
			hits, misses := n.Store.PollCacheStats()
			b.ReportMetric(float64(hits)/float64(hits+misses), "hit-ratio")
		})
	}
}
