package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestGroupCommit: on SQLite, InTenantTx calls that queue behind a running transaction share the
// next one: one BEGIN … COMMIT, each call in its own savepoint. A call that fails, panics or whose
// context ended leaves nothing behind and does not fail the others; every other call's work is
// committed when it returns.
func TestGroupCommit(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		if n.Name != store.DialectSQLite {
			continue // PostgreSQL runs transactions concurrently
		}
		s := n.Store
		ctx := ctxT(t)
		tn := mustTenant(t, s, "group")
		mustInsertQuestion(t, s, tn.ID, newHelpDeskQuestion("warm-up")) // the tenant check, once

		// A first transaction holds the write slot until the others have queued.
		hold, held := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				close(held)
				<-hold
				return tx.InsertQuestion(ctx, newHelpDeskQuestion("holder"))
			})
		}()
		<-held

		const members = 12
		boom := errors.New("boom")
		cancelled, cancel := context.WithCancel(ctx)
		errs := make([]error, members)
		panics := make([]any, members)
		for i := range members {
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { panics[i] = recover() }()
				c := ctx
				if i == 7 {
					c = cancelled
				}
				errs[i] = s.InTenantTx(c, tn.ID, func(tx *store.TenantTx) error {
					if err := tx.InsertQuestion(ctx, newHelpDeskQuestion(fmt.Sprint("m", i))); err != nil {
						return err
					}
					switch i {
					case 3:
						return boom
					case 5:
						panic("member 5")
					}
					return nil
				})
			}()
			for s.GroupQueued() < i+1 {
				time.Sleep(time.Millisecond)
			}
		}
		cancel() // member 7 is still queued: it leaves with its context's error
		for s.GroupQueued() != members-1 {
			time.Sleep(time.Millisecond)
		}
		before := s.Queries()
		close(hold)
		wg.Wait()
		sent := s.Queries() - before

		stored := map[string]bool{}
		for _, q := range mustList(t, s, tn.ID) {
			stored[q.HelpDeskID] = true
		}
		if !stored["holder"] {
			t.Error("the holder's question is missing")
		}
		for i := range members {
			want := map[int]error{3: boom, 7: context.Canceled}[i]
			switch {
			case i == 5:
				if panics[i] != "member 5" {
					t.Errorf("member 5: recovered %v, want its panic re-raised", panics[i])
				}
			case want != nil:
				if !errors.Is(errs[i], want) {
					t.Errorf("member %d: %v, want %v", i, errs[i], want)
				}
			case errs[i] != nil || panics[i] != nil:
				t.Errorf("member %d: %v / panic %v", i, errs[i], panics[i])
			}
			if kept := stored[fmt.Sprint("m", i)]; kept != (want == nil && i != 5) {
				t.Errorf("member %d: question stored = %v", i, kept)
			}
		}
		// The holder's INSERT (which takes the counters: 0017) and COMMIT, then ONE transaction for
		// the 11 queued: BEGIN, per member a savepoint, its INSERT, and the savepoint's RELEASE (and
		// ROLLBACK TO for the two that failed), COMMIT.
		if got, want := sent, int64(2+1+11*3+2+1); got != want {
			t.Errorf("%d queries after the holder released, want %d (one shared transaction)", got, want)
		}
	}
}

// TestGroupCommitCallerGoneMidStatement: a member whose caller goes away while its statement runs
// does not take the shared transaction down with it. On SQLite an interrupted write rolls the
// whole transaction back; the statement therefore runs to completion, and every member of the
// group is committed.
func TestGroupCommitCallerGoneMidStatement(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		if n.Name != store.DialectSQLite {
			continue
		}
		s := n.Store
		ctx := ctxT(t)
		tn := mustTenant(t, s, "gone")
		mustInsertQuestion(t, s, tn.ID, newHelpDeskQuestion("warm-up"))

		hold, held := make(chan struct{}), make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			inTx(t, s, tn.ID, func(tx *store.TenantTx) error {
				close(held)
				<-hold
				return nil
			})
		}()
		<-held

		gone, leave := context.WithCancel(ctx)
		running := make(chan struct{})
		errs := make([]error, 3)
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := ctx
				if i == 0 {
					c = gone
				}
				errs[i] = s.InTenantTx(c, tn.ID, func(tx *store.TenantTx) error {
					if err := tx.InsertQuestion(c, newHelpDeskQuestion(fmt.Sprint("g", i))); err != nil {
						return err
					}
					if i != 0 {
						return nil
					}
					close(running)
					// A write that takes a while: its caller leaves while it runs.
					return tx.ExecForTest(c, `UPDATE tenants SET name = name WHERE id = ? AND
						(WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 3000000)
						 SELECT count(*) FROM c) > 0`, tn.ID)
				})
			}()
			for s.GroupQueued() < i+1 {
				time.Sleep(time.Millisecond)
			}
		}
		go func() {
			<-running
			time.Sleep(20 * time.Millisecond) // let the statement start
			leave()
		}()
		close(hold)
		wg.Wait()
		leave()

		stored := map[string]bool{}
		for _, q := range mustList(t, s, tn.ID) {
			stored[q.HelpDeskID] = true
		}
		for i, err := range errs {
			if err != nil {
				t.Errorf("member %d: %v", i, err)
			}
			if !stored[fmt.Sprint("g", i)] {
				t.Errorf("member %d: its question was not stored", i)
			}
		}
	}
}
