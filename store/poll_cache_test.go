package store_test

import (
	"context"
	"encoding/hex"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestPollCacheTwoInstances: two handles on one database (two servers), each with its poll
// cache warm. Whatever one commits — a question's lastUpdated, a revocation, a deletion by the
// expiry job, a statement run by hand — the other's NEXT Poll reports. On SQLite the first
// handle also holds the server claim (the previous attempt kept caching there while a second
// server wrote the file).
func TestPollCacheTwoInstances(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := context.Background()
			a := n.Store
			b, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			if n.Name == store.DialectSQLite {
				release, taken, err := a.ClaimSQLiteFile(ctx)
				if err != nil || taken {
					t.Fatalf("claim: taken %v, %v", taken, err)
				}
				defer release()
			}
			storetest.WaitPollCache(t, a, true)
			storetest.WaitPollCache(t, b, true)

			ten := mustTenant(t, a, "a")
			t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
			mustClient(t, a, ten.ID, "ca", t0)
			tok := mustToken(t, a, ten.ID, "ca", "raw", t0)
			q := &store.Question{Channel: store.ChannelMessaging, LastUpdated: t0}
			mustInsertQuestion(t, a, ten.ID, q)

			poll := func(s *store.Store, want time.Time) store.Poll {
				t.Helper()
				p, err := s.Poll(ctx, tok.Hash, q.UUID)
				if err != nil {
					t.Fatal(err)
				}
				if !p.LastUpdated.Equal(want) {
					t.Fatalf("LastUpdated = %v, want %v", p.LastUpdated, want)
				}
				return p
			}
			warm := func(want time.Time) {
				t.Helper()
				for range 3 {
					poll(a, want)
					poll(b, want)
				}
			}
			warm(t0)
			hits, _ := b.PollCacheStats()
			if hits == 0 {
				t.Fatal("b's poll cache was never hit: the test would prove nothing")
			}

			// A change committed through A's store methods.
			t1 := t0.Add(time.Minute)
			err = a.InTenantTx(ctx, ten.ID, func(tx *store.TenantTx) error {
				got, err := tx.QuestionByUUID(ctx, q.UUID, true)
				if err != nil {
					return err
				}
				got.LastUpdated = t1
				return tx.UpdateQuestion(ctx, &got)
			})
			if err != nil {
				t.Fatal(err)
			}
			poll(b, t1)
			warm(t1)

			// A statement run by hand on another connection, in another pool.
			t2 := t1.Add(time.Minute)
			raw, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			if err := raw.ExecRaw(ctx, "UPDATE questions SET last_updated = ? WHERE uuid = ?", t2, q.UUID); err != nil {
				t.Fatal(err)
			}
			poll(a, t2)
			poll(b, t2)
			warm(t2)

			// Logout on A: B's next poll sees the revocation.
			if _, err := a.RevokeAccessToken(ctx, tok.Hash, t2); err != nil {
				t.Fatal(err)
			}
			if p := poll(b, t2); p.Token.RevokedAt == nil {
				t.Fatal("b still sees the token live after a logout on a")
			}
			// The expiry job deletes the row: unknown from then on.
			if err := a.InTenantTx(ctx, ten.ID, func(tx *store.TenantTx) error { return tx.DeleteAccessToken(ctx, tok.Hash) }); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Poll(ctx, tok.Hash, q.UUID); err == nil {
				t.Fatal("b still finds a deleted token")
			}
		})
	}
}

// TestPollCachePruned (PostgreSQL): another instance prunes poll_changes past what this one
// has read — the row of a change this handle never saw is gone — and this handle's next poll
// still sees the change (the horizon tells it to drop its cache); pruning does delete rows.
func TestPollCachePruned(t *testing.T) {
	forPostgres(t, func(t *testing.T, n storetest.Named) {
		ctx := context.Background()
		s := n.Store
		storetest.WaitPollCache(t, s, true)
		_, tok, q, t0 := pollable(t, s, "a")
		poll := func(want time.Time) {
			t.Helper()
			if p, err := s.Poll(ctx, tok.Hash, q.UUID); err != nil || !p.LastUpdated.Equal(want) {
				t.Fatalf("Poll = %v, %v; want lastUpdated %v", p.LastUpdated, err, want)
			}
		}
		for range 3 {
			poll(t0)
		}
		other, err := store.Open(ctx, n.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		t1 := t0.Add(time.Minute)
		if err := other.ExecRaw(ctx, "UPDATE questions SET last_updated = ? WHERE uuid = ?", t1, q.UUID); err != nil {
			t.Fatal(err)
		}
		before, err := other.CountRows(ctx, "poll_changes")
		if err != nil || before == 0 {
			t.Fatalf("poll_changes holds %d rows (%v): the trigger wrote nothing", before, err)
		}
		// A pruning round: its horizon is the xmin of a snapshot (cluster-wide, so what it
		// deletes depends on other databases' transactions too), never a row above it.
		if err := other.PrunePollChanges(ctx); err != nil {
			t.Fatal(err)
		}
		if err := other.ExecRaw(ctx, `DO $$ BEGIN
				IF (SELECT horizon FROM poll_prune) = '0' THEN RAISE EXCEPTION 'the horizon did not move'; END IF;
				IF EXISTS (SELECT 1 FROM poll_changes, poll_prune WHERE xid < horizon) THEN RAISE EXCEPTION 'rows left below the horizon'; END IF;
			END $$`); err != nil {
			t.Fatal(err)
		}
		// A round past everything s has read: the row of the change s never saw is gone.
		if err := other.ExecRaw(ctx, "UPDATE poll_prune SET horizon = pg_current_xact_id()"); err != nil {
			t.Fatal(err)
		}
		if err := other.ExecRaw(ctx, "DELETE FROM poll_changes"); err != nil {
			t.Fatal(err)
		}
		poll(t1)
		for range 3 {
			poll(t1)
		}
		// And the cache works on afterwards.
		t2 := t1.Add(time.Minute)
		if err := other.ExecRaw(ctx, "UPDATE questions SET last_updated = ? WHERE uuid = ?", t2, q.UUID); err != nil {
			t.Fatal(err)
		}
		poll(t2)
		if hits, _ := s.PollCacheStats(); hits == 0 {
			t.Fatal("the cache was never hit: the test would prove nothing")
		}
	})
}

// TestPollCacheGap: more changes than poll_changes keeps, committed while this handle was not
// looking, empty its cache instead of leaving entries it can no longer check (SQLite).
func TestPollCacheGap(t *testing.T) {
	n := storetest.Stores(t)[0]
	ctx := context.Background()
	s := n.Store
	storetest.WaitPollCache(t, s, true)
	ten := mustTenant(t, s, "a")
	t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	mustClient(t, s, ten.ID, "ca", t0)
	tok := mustToken(t, s, ten.ID, "ca", "raw", t0)
	var target uuid.UUID
	err := s.InTenantTx(ctx, ten.ID, func(tx *store.TenantTx) error {
		for i := range 4200 {
			q := &store.Question{Channel: store.ChannelMessaging, LastUpdated: t0}
			if err := tx.InsertQuestion(ctx, q); err != nil {
				return err
			}
			if i == 0 {
				target = q.UUID // updated first: its change is among those pruned
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if p, err := s.Poll(ctx, tok.Hash, target); err != nil || !p.LastUpdated.Equal(t0) {
			t.Fatalf("Poll = %v, %v", p.LastUpdated, err)
		}
	}
	other, err := store.Open(ctx, n.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	t1 := t0.Add(time.Minute)
	// One statement, 4200 changes: the oldest are pruned before s reads them.
	if err := other.ExecRaw(ctx, "UPDATE questions SET last_updated = ?", t1); err != nil {
		t.Fatal(err)
	}
	if p, err := s.Poll(ctx, tok.Hash, target); err != nil || !p.LastUpdated.Equal(t1) {
		t.Fatalf("Poll after a gap = %v, %v; want %v", p.LastUpdated, err, t1)
	}
}

// TestPollCacheNeedsItsTriggers: a database whose poll triggers are gone (a migration that
// rebuilt the table) gets no cache, and Poll still reads the truth.
func TestPollCacheNeedsItsTriggers(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := context.Background()
			drop := "DROP TRIGGER poll_questions_update"
			if n.Name == store.DialectPostgres {
				drop += " ON questions"
			}
			if err := n.Store.ExecRaw(ctx, drop); err != nil {
				t.Fatal(err)
			}
			s, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.PollCacheEnabled(ctx) {
				t.Fatal("poll cache enabled without its triggers")
			}
		})
	}
}

// TestPollCacheOtherProcess: another process (this test binary run again) writes the SQLite
// file while this one polls from its cache, holding the server claim; the next poll sees it.
func TestPollCacheOtherProcess(t *testing.T) {
	if os.Getenv("SB_POLL_HELPER_DB") != "" {
		return
	}
	n := storetest.Stores(t)[0]
	ctx := context.Background()
	s := n.Store
	release, taken, err := s.ClaimSQLiteFile(ctx)
	if err != nil || taken {
		t.Fatalf("claim: taken %v, %v", taken, err)
	}
	defer release()
	storetest.WaitPollCache(t, s, true)
	_, tok, q, t0 := pollable(t, s, "a")
	for range 3 {
		if p, err := s.Poll(ctx, tok.Hash, q.UUID); err != nil || !p.LastUpdated.Equal(t0) {
			t.Fatalf("Poll = %v, %v", p.LastUpdated, err)
		}
	}
	run := func(stmt string, args ...string) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestPollCacheOtherProcessHelper$")
		cmd.Env = append(os.Environ(), "SB_POLL_HELPER_DB="+n.URL, "SB_POLL_HELPER_SQL="+stmt, "SB_POLL_HELPER_ARGS="+strings.Join(args, ","))
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("helper process: %v: %s", err, out)
		}
	}
	t1 := t0.Add(time.Minute)
	run("UPDATE questions SET last_updated = ? WHERE uuid = ?", t1.Format("2006-01-02 15:04:05.999999-07:00"), q.UUID.String())
	p, err := s.Poll(ctx, tok.Hash, q.UUID)
	if err != nil || !p.LastUpdated.Equal(t1) {
		t.Fatalf("Poll after another process's write = %v, %v; want %v", p.LastUpdated, err, t1)
	}
	run("UPDATE access_tokens SET revoked_at = ? WHERE token_hash = ?", t1.Format("2006-01-02 15:04:05.999999-07:00"), hex.EncodeToString(tok.Hash))
	if p, err := s.Poll(ctx, tok.Hash, q.UUID); err != nil || p.Token.RevokedAt == nil {
		t.Fatalf("Poll after another process's logout = %+v, %v; want revoked", p.Token, err)
	}
}

// TestPollCacheOtherProcessHelper is the other process of TestPollCacheOtherProcess: it runs
// one statement on the file (a value named hex:… is bytes) and exits.
func TestPollCacheOtherProcessHelper(t *testing.T) {
	path := os.Getenv("SB_POLL_HELPER_DB")
	if path == "" {
		t.Skip("only run by TestPollCacheOtherProcess")
	}
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var args []any
	for _, a := range strings.Split(os.Getenv("SB_POLL_HELPER_ARGS"), ",") {
		if b, err := hex.DecodeString(a); err == nil && len(a) == 64 {
			args = append(args, b)
		} else {
			args = append(args, a)
		}
	}
	if err := s.ExecRaw(context.Background(), os.Getenv("SB_POLL_HELPER_SQL"), args...); err != nil {
		t.Fatal(err)
	}
}

// TestTokenCacheTwoInstances: every authenticated request reads its token through the poll
// cache; a logout, a deletion by the expiry job or a statement run by hand on one instance is
// seen by the other's next AccessTokenByHash, exactly as for Poll.
func TestTokenCacheTwoInstances(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := context.Background()
			a := n.Store
			b, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Close()
			storetest.WaitPollCache(t, a, true)
			storetest.WaitPollCache(t, b, true)

			ten := mustTenant(t, a, "a")
			t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
			mustClient(t, a, ten.ID, "ca", t0)
			tok := mustToken(t, a, ten.ID, "ca", "raw", t0)
			read := func(s *store.Store) store.AccessToken {
				t.Helper()
				got, err := s.AccessTokenByHash(ctx, tok.Hash)
				if err != nil {
					t.Fatal(err)
				}
				if got.TenantID != ten.ID || got.ClientID != "ca" || !got.ExpiresAt.Equal(tok.ExpiresAt) || string(got.Hash) != string(tok.Hash) {
					t.Fatalf("token read back as %+v, want %+v", got, tok)
				}
				return got
			}
			hits0, _ := b.PollCacheStats()
			for range 3 {
				read(a)
				read(b)
			}
			if hits, _ := b.PollCacheStats(); hits == hits0 {
				t.Fatal("b's cache served no token read: the test would prove nothing")
			}

			// Logout on A: B's next read sees the revocation.
			if _, err := a.RevokeAccessToken(ctx, tok.Hash, t0.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got := read(b); got.RevokedAt == nil {
				t.Fatal("b still sees the token live after a logout on a")
			}
			// A statement run by hand on another connection: un-revoked, B sees it.
			raw, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			read(b)
			if err := raw.ExecRaw(ctx, "UPDATE access_tokens SET revoked_at = NULL WHERE token_hash = ?", tok.Hash); err != nil {
				t.Fatal(err)
			}
			if got := read(b); got.RevokedAt != nil {
				t.Fatal("b missed a change made by hand")
			}
			// The expiry job deletes the row: unknown from then on.
			if err := a.InTenantTx(ctx, ten.ID, func(tx *store.TenantTx) error { return tx.DeleteAccessToken(ctx, tok.Hash) }); err != nil {
				t.Fatal(err)
			}
			if _, err := b.AccessTokenByHash(ctx, tok.Hash); err == nil {
				t.Fatal("b still finds a deleted token")
			}
		})
	}
}

// The poll check runs prepared on the watcher's own connection, where its one plan is generic
// (planned once, not at each call) and reads the xid index's range: left to PostgreSQL, a
// generic plan chosen while poll_changes was empty was a sequential scan, 1 ms a check once a
// write load had filled the table.
func TestPollCheckPlanReadsTheIndex(t *testing.T) {
	forPostgres(t, func(t *testing.T, n storetest.Named) {
		ctx := context.Background()
		s := n.Store
		storetest.WaitPollCache(t, s, true)
		if err := s.ExecRaw(ctx, "ANALYZE poll_changes"); err != nil { // empty, as at a first start
			t.Fatal(err)
		}
		plan, err := s.PollCheckGenericPlan(ctx, true)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "poll_changes_xid_idx") || strings.Contains(plan, "Seq Scan on poll_changes") {
			t.Errorf("the check's plan on the watcher's connection does not read the xid index:\n%s", plan)
		}
		if !strings.Contains(plan, "$1") { // a custom plan shows the value instead
			t.Errorf("the check's plan on the watcher's connection is not its generic plan (planned at each call):\n%s", plan)
		}
		// What an ordinary connection plans, for the record (the reason for the watcher's setting).
		if plan, err := s.PollCheckGenericPlan(ctx, false); err == nil {
			t.Logf("on a pool connection:\n%s", plan)
		}
		// And the cache still works through it.
		_, tok, q, t0 := pollable(t, s, "plan")
		for range 3 {
			if p, err := s.Poll(ctx, tok.Hash, q.UUID); err != nil || !p.LastUpdated.Equal(t0) {
				t.Fatalf("Poll = %v, %v", p.LastUpdated, err)
			}
		}
		if hits, _ := s.PollCacheStats(); hits == 0 {
			t.Error("the cache was never hit")
		}
	})
}

// pollable makes a tenant (subdomain sub) with an access token and a Messaging question that
// was last updated at t0, for polls.
func pollable(t *testing.T, s *store.Store, sub string) (store.Tenant, store.AccessToken, *store.Question, time.Time) {
	t.Helper()
	ten := mustTenant(t, s, sub)
	t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	mustClient(t, s, ten.ID, "c"+sub, t0)
	tok := mustToken(t, s, ten.ID, "c"+sub, "raw-"+sub, t0)
	q := &store.Question{Channel: store.ChannelMessaging, LastUpdated: t0}
	mustInsertQuestion(t, s, ten.ID, q)
	return ten, tok, q, t0
}

// TestSettingsCacheTwoInstances: settings read through the poll cache are never stale: a change
// on another instance, by hand (insert, update, delete, on another connection) is seen by the next
// read, on both databases.
func TestSettingsCacheTwoInstances(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b, raw := cachingPair(t, n)
			ten := mustTenant(t, a, "a")
			other := mustTenant(t, a, "other")
			t0 := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)

			read := func(want string) {
				t.Helper()
				for _, s := range []*store.Store{a, b} {
					got, err := s.Settings(ctx, ten.ID)
					if err != nil {
						t.Fatal(err)
					}
					if want == "" && got != nil || want != "" && string(got) != want {
						t.Fatalf("settings read back as %q, want %q", got, want)
					}
				}
			}
			// Nothing stored, cached as such; then stored on A: B sees it.
			read("")
			read("")
			hits0, _ := b.PollCacheStats()
			read("")
			if hits, _ := b.PollCacheStats(); hits == hits0 {
				t.Fatal("b's cache served no settings read: the test would prove nothing")
			}
			if err := a.PutSettings(ctx, ten.ID, []byte(`{"v":1}`), t0); err != nil {
				t.Fatal(err)
			}
			read(`{"v":1}`)
			// Replaced on B (an upsert's UPDATE), another tenant's change in between.
			if err := b.PutSettings(ctx, other.ID, []byte(`{"other":true}`), t0); err != nil {
				t.Fatal(err)
			}
			if err := b.PutSettings(ctx, ten.ID, []byte(`{"v":2}`), t0); err != nil {
				t.Fatal(err)
			}
			read(`{"v":2}`)
			// By hand, on a third connection: an UPDATE, then a DELETE.
			if err := raw.ExecRaw(ctx, `UPDATE company_settings SET settings = '{"v":3}' WHERE tenant_id = ?`, ten.ID); err != nil {
				t.Fatal(err)
			}
			read(`{"v":3}`)
			if err := raw.ExecRaw(ctx, `DELETE FROM company_settings WHERE tenant_id = ?`, ten.ID); err != nil {
				t.Fatal(err)
			}
			read("")
			if got, err := b.Settings(ctx, other.ID); err != nil || string(got) != `{"other":true}` {
				t.Fatalf("the other tenant's settings: %q, %v", got, err)
			}
		})
	}
}

// TestSettingsCacheNeedsItsTriggers: on a database without all of 0016's triggers, settings
// (and experts) are read from the database every time (a change there might not reach the
// cache).
func TestSettingsCacheNeedsItsTriggers(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := context.Background()
			// One of 0016's triggers missing is enough.
			drop := []string{"DROP TRIGGER poll_experts_update"}
			if n.Name == store.DialectPostgres {
				drop = []string{"DROP TRIGGER poll_experts_change ON experts"}
			}
			for _, d := range drop {
				if err := n.Store.ExecRaw(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			ten := mustTenant(t, n.Store, "a")
			s, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			storetest.WaitPollCache(t, s, true) // questions and tokens are still cached
			for range 2 {
				if got, err := s.Settings(ctx, ten.ID); err != nil || got != nil {
					t.Fatalf("settings: %q, %v; want none", got, err)
				}
			}
			if err := n.Store.PutSettings(ctx, ten.ID, []byte(`{"v":1}`), time.Now()); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Settings(ctx, ten.ID); err != nil || string(got) != `{"v":1}` {
				t.Fatalf("settings after a change the triggers did not record: %q, %v", got, err)
			}
		})
	}
}

// TestExpertsCacheTwoInstances: experts read through the poll cache are never stale: a change on
// another instance or by hand is seen by the next read, on both databases; a caller's changes to
// the slice it got do not reach the cache.
func TestExpertsCacheTwoInstances(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := context.Background()
			a, b, raw := cachingPair(t, n)
			ten := mustTenant(t, a, "a")
			names := func(want ...string) {
				t.Helper()
				for _, s := range []*store.Store{a, b} {
					es, err := s.Experts(ctx, ten.ID)
					if err != nil {
						t.Fatal(err)
					}
					var got []string
					for _, e := range es {
						got = append(got, e.Name)
					}
					if !slices.Equal(got, want) {
						t.Fatalf("experts read back as %q, want %q", got, want)
					}
					if len(es) > 0 {
						es[0].Name = "changed by the caller"
					}
				}
			}
			names()
			hits0, _ := b.PollCacheStats()
			names()
			if hits, _ := b.PollCacheStats(); hits == hits0 {
				t.Fatal("b's cache served no experts read: the test would prove nothing")
			}
			ann := store.Expert{TenantID: ten.ID, Name: "Ann"}
			if err := a.InsertExpert(ctx, &ann); err != nil {
				t.Fatal(err)
			}
			names("Ann")
			names("Ann") // the caller's change above stayed the caller's
			ann.Name = "Anna"
			if err := b.UpdateExpert(ctx, &ann); err != nil {
				t.Fatal(err)
			}
			names("Anna")
			if err := raw.ExecRaw(ctx, `UPDATE experts SET name = 'Annie' WHERE tenant_id = ?`, ten.ID); err != nil {
				t.Fatal(err)
			}
			names("Annie")
			if err := raw.ExecRaw(ctx, `DELETE FROM experts WHERE tenant_id = ?`, ten.ID); err != nil {
				t.Fatal(err)
			}
			names()
		})
	}
}

// cachingPair returns n's store and a second handle on its database, both with their poll
// caches on, and a third handle for statements run "by hand".
func cachingPair(t *testing.T, n storetest.Named) (a, b, raw *store.Store) {
	t.Helper()
	open := func() *store.Store {
		s, err := store.Open(context.Background(), n.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	a, b, raw = n.Store, open(), open()
	storetest.WaitPollCache(t, a, true)
	storetest.WaitPollCache(t, b, true)
	return a, b, raw
}

// goneDuringCall is a caller's context still live when first looked at and cancelled from then
// on: a client that hangs up while its poll runs the freshness check.
type goneDuringCall struct {
	context.Context
	looked atomic.Bool
}

var closedDone = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (c *goneDuringCall) Done() <-chan struct{} { return closedDone }

func (c *goneDuringCall) Err() error {
	if c.looked.Swap(true) {
		return context.Canceled
	}
	return nil
}

// TestPollCacheOutlivesAGoneCaller: the freshness check serves every poll waiting behind it, so
// the caller that started it hanging up mid-check must not fail it. A failed check empties and
// disables the cache for every caller (and, on PostgreSQL, drops the watcher's connection).
// Under the caller's context, SQLite's check failed every time here; PostgreSQL's only when
// database/sql's watcher of the rows closed them first.
func TestPollCacheOutlivesAGoneCaller(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := context.Background()
			s := n.Store
			storetest.WaitPollCache(t, s, true)
			ten, tok, q, t0 := pollable(t, s, "a")
			for range 2 {
				if _, err := s.Poll(ctx, tok.Hash, q.UUID); err != nil {
					t.Fatal(err)
				}
			}
			// A commit, so that the next poll has a check to run (SQLite skips it while nothing
			// was committed).
			mustInsertQuestion(t, s, ten.ID, &store.Question{Channel: store.ChannelMessaging, LastUpdated: t0})

			_, _ = s.Poll(&goneDuringCall{Context: ctx}, tok.Hash, q.UUID) // its outcome is its own

			hits, misses := s.PollCacheStats()
			p, err := s.Poll(ctx, tok.Hash, q.UUID)
			if err != nil || !p.LastUpdated.Equal(t0) {
				t.Fatalf("Poll = %v, %v", p.LastUpdated, err)
			}
			h, m := s.PollCacheStats()
			if h != hits+1 || m != misses {
				t.Errorf("the poll after a caller left mid-check: %d hits, %d misses; want a hit (the cache kept its entries)", h-hits, m-misses)
			}
		})
	}
}
