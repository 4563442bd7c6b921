package service_test

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun/driver/pgdriver"
	_ "modernc.org/sqlite"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// rawDB opens a second, plain handle on a store under test, for seeding in SQL.
func rawDB(b *testing.B, st storetest.Named) *sql.DB {
	var db *sql.DB
	if st.Name == store.DialectPostgres {
		db = sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(st.URL), pgdriver.WithTimeout(10*time.Minute)))
	} else {
		var err error
		if db, err = sql.Open("sqlite", strings.TrimPrefix(st.URL, "sqlite:")+"?_pragma=busy_timeout(10000)"); err != nil {
			b.Fatal(err)
		}
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// seedMessages appends n read USER_MESSAGEs at question level to a question, in SQL (the
// API would take hours at 1M), then refreshes the planner's statistics.
func seedMessages(b *testing.B, st storetest.Named, tenant, q uuid.UUID, n int) {
	ctx := context.Background()
	db := rawDB(b, st)
	start := time.Now()
	var err error
	prefix := q.String()[:8]
	if st.Name == store.DialectPostgres {
		_, err = db.ExecContext(ctx, `INSERT INTO messages (tenant_id, uuid, question_uuid, type, author_type, author_name, body, is_read, created_at)
			SELECT $1, ($2 || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, $3, 'USER_MESSAGE', 'USER', 'User',
				'A message of a long conversation, seeded in SQL.', true, now()
			FROM generate_series(1, $4) AS i`, tenant, prefix, q, n)
		if err == nil {
			_, err = db.ExecContext(ctx, "ANALYZE")
		}
	} else {
		_, err = db.ExecContext(ctx, `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
			INSERT INTO messages (tenant_id, uuid, question_uuid, type, author_type, author_name, body, is_read, created_at)
			SELECT ?, printf('%s-0000-4000-8000-%012x', ?, i), ?, 'USER_MESSAGE', 'USER', 'User',
				'A message of a long conversation, seeded in SQL.', 1, (SELECT created_at FROM questions WHERE uuid = ?)
			FROM c`, n, tenant.String(), prefix, q.String(), q.String())
		if err == nil {
			_, err = db.ExecContext(ctx, "ANALYZE")
		}
		if err == nil { // not left for the benchmarked commits to copy back
			_, err = db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
		}
	}
	if err != nil {
		b.Fatalf("seed %d messages: %v", n, err)
	}
	b.Logf("%s: seeded %d messages in %v", st.Name, n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkQuestionSize measures what a question costs to write to and read as it grows: a
// small question (3 messages) against questions of benchSizes messages, in one database.
// Not run by go test (benchmarks only); 1M is seeded only when SWITCHBOARD_BENCH_SIZES asks.
//
//	go test -run '^$' -bench QuestionSize -benchmem ./server/service/
func BenchmarkQuestionSize(b *testing.B) {
	for _, st := range storetest.Stores(b) {
		b.Run(st.Name, func(b *testing.B) {
			ctx := context.Background()
			svc := service.New(st.Store)
			if err := svc.UseVirtualClock(ctx); err != nil {
				b.Fatal(err)
			}
			ten, err := svc.CreateTenant(ctx, "Bench "+uuid.NewString()[:8], "")
			if err != nil {
				b.Fatal(err)
			}
			p := service.Principal{TenantID: ten.ID, Scope: "read write"}
			name := "Ada"
			x, err := svc.CreateExpert(ctx, ten.ID, service.ExpertInput{Name: &name})
			if err != nil {
				b.Fatal(err)
			}
			ask := func() (service.View, uuid.UUID) {
				v, err := svc.Ask(ctx, p, question.MessagingInput{Text: "How do I reset my password?"})
				if err != nil {
					b.Fatal(err)
				}
				ev, err := svc.Respond(ctx, ten.ID, x.UUID, v.Q.UUID, "Like this.")
				if err != nil {
					b.Fatal(err)
				}
				return v, ev.Responses[0].UUID
			}
			sizes := append([]int{0}, storetest.BenchSizes(b)...)
			for _, n := range sizes {
				v, resp := ask()
				if n > 0 {
					seedMessages(b, st, ten.ID, v.Q.UUID, n)
				}
				id := v.Q.UUID
				label := fmt.Sprintf("messages=%d", n+3)
				b.Run(label+"/addMessage", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if _, _, err := svc.PostUserMessage(ctx, p, id, nil, "One more."); err != nil {
							b.Fatal(err)
						}
					}
				})
				b.Run(label+"/listMessages", func(b *testing.B) { // GET /v1/messages, every level
					b.ReportAllocs()
					var peak uint64
					for b.Loop() {
						peak = max(peak, peakHeap(func() { listMessages(b, svc, p, id) }))
					}
					b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
				})
				b.Run(label+"/acceptAgain", func(b *testing.B) { // a write that changes nothing, and the view
					if _, err := svc.AcceptResponse(ctx, p, resp); err != nil {
						b.Fatal(err)
					}
					b.ReportAllocs()
					for b.Loop() {
						if _, err := svc.AcceptResponse(ctx, p, resp); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// peakHeap runs fn and returns the most heap in use seen while it ran, above what was in use
// before (sampled every millisecond).
func peakHeap(fn func()) uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	done := make(chan struct{})
	sampled := make(chan uint64)
	go func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		top := uint64(0)
		for {
			select {
			case <-done:
				sampled <- top
				return
			case <-t.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				top = max(top, ms.HeapInuse)
			}
		}
	}()
	fn()
	close(done)
	peak = max(peak, <-sampled)
	return peak - base
}
