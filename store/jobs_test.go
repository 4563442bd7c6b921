package store_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func jobsOf(t *testing.T, s *store.Store, tenant uuid.UUID, subject string) []store.Job {
	t.Helper()
	var out []store.Job
	inTx(t, s, tenant, func(tx *store.TenantTx) (err error) {
		out, err = tx.Jobs(ctxT(t), subject)
		return err
	})
	return out
}

func schedule(t *testing.T, s *store.Store, tenant uuid.UUID, kind, subject string, due time.Time) {
	t.Helper()
	inTx(t, s, tenant, func(tx *store.TenantTx) error { return tx.ScheduleJob(ctxT(t), kind, subject, due) })
}

func TestScheduleAndCancelJobs(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 7, 1, 12, 0, 0, 0, time.FixedZone("X", 7200))

		if _, ok, err := s.NextJobDue(ctx); ok || err != nil {
			t.Fatalf("NextJobDue on empty = %v, %v", ok, err)
		}
		schedule(t, s, a.ID, "unanswered_timeout", "q1", t0.Add(time.Hour))
		schedule(t, s, a.ID, "reroute_prompt", "q1", t0.Add(30*time.Minute))
		schedule(t, s, b.ID, "unanswered_timeout", "q1", t0.Add(10*time.Minute)) // same key, other tenant

		jobs := jobsOf(t, s, a.ID, "q1")
		if len(jobs) != 2 || jobs[0].Kind != "reroute_prompt" || jobs[1].Kind != "unanswered_timeout" {
			t.Fatalf("Jobs(a, q1) = %+v", jobs)
		}
		wantUTC(t, "job DueAt", jobs[0].DueAt, t0.Add(30*time.Minute))
		if jobs[0].TenantID != a.ID || jobs[0].Subject != "q1" || jobs[0].ID == 0 {
			t.Errorf("job = %+v", jobs[0])
		}
		first := jobs[1]

		// Rescheduling moves due_at (later or earlier); the key stays unique.
		schedule(t, s, a.ID, "unanswered_timeout", "q1", t0.Add(2*time.Hour))
		schedule(t, s, a.ID, "unanswered_timeout", "q1", t0.Add(5*time.Minute))
		jobs = jobsOf(t, s, a.ID, "q1")
		if len(jobs) != 2 || jobs[0].ID != first.ID || !jobs[0].DueAt.Equal(t0.Add(5*time.Minute)) {
			t.Fatalf("after rescheduling: %+v", jobs)
		}
		due, ok, err := s.NextJobDue(ctx)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		wantUTC(t, "NextJobDue", due, t0.Add(5*time.Minute))

		// Tenant isolation: b neither sees nor cancels a's jobs.
		if jb := jobsOf(t, s, b.ID, "q1"); len(jb) != 1 || jb[0].TenantID != b.ID {
			t.Errorf("Jobs(b, q1) = %+v", jb)
		}
		inTx(t, s, b.ID, func(tx *store.TenantTx) error { return tx.CancelJob(ctx, "reroute_prompt", "q1") })
		if len(jobsOf(t, s, a.ID, "q1")) != 2 {
			t.Error("tenant b cancelled a's job")
		}

		// Cancel; cancelling again or something absent is fine.
		for range 2 {
			inTx(t, s, a.ID, func(tx *store.TenantTx) error { return tx.CancelJob(ctx, "reroute_prompt", "q1") })
		}
		if jobs := jobsOf(t, s, a.ID, "q1"); len(jobs) != 1 || jobs[0].Kind != "unanswered_timeout" {
			t.Errorf("after cancel: %+v", jobs)
		}
		err = s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error { return tx.ScheduleJob(ctx, "", "x", t0) })
		if err == nil {
			t.Error("job without kind accepted")
		}
		err = s.InTenantTx(ctx, a.ID, func(tx *store.TenantTx) error { return tx.ScheduleJob(ctx, "k", "", t0) })
		if err == nil {
			t.Error("job without subject accepted")
		}
	})
}

func TestRunDueJob(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, s *store.Store) {
		ctx := ctxT(t)
		a, b := twoTenants(t, s)
		t0 := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
		q := mustMessagingQuestion(t, s, a.ID)

		schedule(t, s, a.ID, "k", "third", t0.Add(3*time.Second))
		schedule(t, s, b.ID, "k", "first", t0.Add(1*time.Second))
		schedule(t, s, a.ID, "k", "second", t0.Add(2*time.Second))
		schedule(t, s, a.ID, "k", "future", t0.Add(time.Hour))

		var order []string
		run := func(now time.Time) bool {
			t.Helper()
			ran, err := s.RunDueJob(ctx, now, func(tx *store.TenantTx, j store.Job) error {
				if tx.TenantID() != j.TenantID {
					t.Errorf("TenantTx bound to %v for a job of %v", tx.TenantID(), j.TenantID)
				}
				order = append(order, j.Subject)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return ran
		}
		// Due at now is due (<=); ordering by due time across tenants.
		for run(t0.Add(3 * time.Second)) {
		}
		if want := []string{"first", "second", "third"}; !slices.Equal(order, want) {
			t.Fatalf("run order = %v, want %v", order, want)
		}
		if run(t0.Add(time.Hour - time.Microsecond)) {
			t.Fatal("ran a job that is not due yet")
		}

		// fn's error rolls everything back: the job stays, fn's writes vanish.
		boom := errors.New("boom")
		ran, err := s.RunDueJob(ctx, t0.Add(time.Hour), func(tx *store.TenantTx, j store.Job) error {
			if err := tx.InsertEvent(ctx, &store.Event{Type: "X", QuestionUUID: q.UUID}); err != nil {
				return err
			}
			if err := tx.ScheduleJob(ctx, "other", "side-effect", t0); err != nil {
				return err
			}
			return fmt.Errorf("wrapped: %w", boom)
		})
		if ran || !errors.Is(err, boom) || err.Error() != "wrapped: boom" {
			t.Fatalf("RunDueJob with failing fn = %v, %v", ran, err)
		}
		if jobs := jobsOf(t, s, a.ID, "future"); len(jobs) != 1 {
			t.Fatalf("failed job was not kept: %+v", jobs)
		}
		if len(jobsOf(t, s, a.ID, "side-effect")) != 0 {
			t.Error("fn's job survived the rollback")
		}
		if evs, _ := s.Events(ctx, a.ID, store.EventFilter{}); len(evs) != 0 {
			t.Errorf("fn's event survived the rollback: %+v", evs)
		}

		// A panic rolls back too (and propagates).
		func() {
			defer func() {
				if r := recover(); r != "kaboom" {
					t.Errorf("recovered %v", r)
				}
			}()
			_, _ = s.RunDueJob(ctx, t0.Add(time.Hour), func(*store.TenantTx, store.Job) error { panic("kaboom") })
		}()
		if jobs := jobsOf(t, s, a.ID, "future"); len(jobs) != 1 {
			t.Fatalf("job lost in a panic: %+v", jobs)
		}

		// fn reschedules its own key: the new job replaces the run one.
		old := jobsOf(t, s, a.ID, "future")[0]
		ran, err = s.RunDueJob(ctx, t0.Add(time.Hour), func(tx *store.TenantTx, j store.Job) error {
			if err := tx.InsertEvent(ctx, &store.Event{Type: "RAN", QuestionUUID: q.UUID}); err != nil {
				return err
			}
			return tx.ScheduleJob(ctx, j.Kind, j.Subject, t0.Add(2*time.Hour))
		})
		if !ran || err != nil {
			t.Fatalf("RunDueJob(reschedule) = %v, %v", ran, err)
		}
		jobs := jobsOf(t, s, a.ID, "future")
		if len(jobs) != 1 || jobs[0].ID == old.ID || !jobs[0].DueAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("after rescheduling from fn: %+v (old %+v)", jobs, old)
		}
		if evs, _ := s.Events(ctx, a.ID, store.EventFilter{}); len(evs) != 1 || evs[0].Type != "RAN" {
			t.Errorf("fn's write not committed with the job: %+v", evs)
		}
		// Rescheduled as already due: it runs again on the next call.
		ran, err = s.RunDueJob(ctx, t0.Add(2*time.Hour), func(tx *store.TenantTx, j store.Job) error {
			return tx.ScheduleJob(ctx, j.Kind, j.Subject, t0)
		})
		if !ran || err != nil {
			t.Fatal(ran, err)
		}
		order = nil
		if !run(t0.Add(2*time.Hour)) || !slices.Equal(order, []string{"future"}) || run(t0.Add(2*time.Hour)) {
			t.Fatalf("immediately due rescheduled job: order %v", order)
		}
		if _, ok, _ := s.NextJobDue(ctx); ok {
			t.Error("jobs left")
		}
	})
}

// Several instances (Store handles) × goroutines drain 200 due jobs: each
// job runs — and its effect commits — exactly once.
func TestRunDueJobExactlyOnce(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := ctxT(t)
			tenants := []store.Tenant{mustTenant(t, n.Store, "x"), mustTenant(t, n.Store, "y")}
			now := time.Date(2025, 7, 1, 12, 0, 0, 0, time.UTC)
			const total = 200
			for i, tn := range tenants {
				inTx(t, n.Store, tn.ID, func(tx *store.TenantTx) error {
					for j := i; j < total; j += len(tenants) {
						if err := tx.ScheduleJob(ctx, "work", fmt.Sprint(j), now.Add(-time.Duration(j)*time.Millisecond)); err != nil {
							return err
						}
					}
					return nil
				})
			}
			other, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = other.Close() })
			handles := []*store.Store{n.Store, other, n.Store, other}

			var mu sync.Mutex
			committed := map[int64]int{} // job ID → committed runs
			calls := 0
			var wg sync.WaitGroup
			for _, h := range handles {
				wg.Go(func() {
					for {
						var job store.Job
						ran, err := h.RunDueJob(ctx, now, func(tx *store.TenantTx, j store.Job) error {
							mu.Lock()
							calls++
							mu.Unlock()
							job = j
							// The job's effect: a marker job in the same tenant.
							return tx.ScheduleJob(ctx, "done", j.Subject, now.Add(time.Hour))
						})
						if err != nil {
							t.Errorf("RunDueJob: %v", err)
							return
						}
						if !ran {
							return
						}
						mu.Lock()
						committed[job.ID]++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if len(committed) != total || calls != total {
				t.Fatalf("%d distinct jobs committed, fn called %d times; want %d", len(committed), calls, total)
			}
			for id, c := range committed {
				if c != 1 {
					t.Errorf("job %d ran %d times", id, c)
				}
			}
			markers := 0
			for _, tn := range tenants {
				for j := range total {
					markers += len(jobsOf(t, n.Store, tn.ID, fmt.Sprint(j)))
				}
			}
			if markers != total {
				t.Errorf("%d effects committed, want %d", markers, total)
			}
			if ran, err := n.Store.RunDueJob(ctx, now, func(*store.TenantTx, store.Job) error { return nil }); ran || err != nil {
				t.Errorf("a due job is left: %v, %v", ran, err)
			}
		})
	}
}
