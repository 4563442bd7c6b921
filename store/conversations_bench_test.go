package store

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// benchQuestionCounts are the numbers of questions BenchmarkPageQuestions seeds, one tenant
// each, in one database: $SWITCHBOARD_BENCH_QUESTIONS (comma-separated, e.g. 1000,1000000),
// 1000 and 100000 by default.
func benchQuestionCounts(b *testing.B) []int {
	spec := os.Getenv("SWITCHBOARD_BENCH_QUESTIONS")
	if spec == "" {
		spec = "1000,100000"
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			b.Fatalf("SWITCHBOARD_BENCH_QUESTIONS: %v", err)
		}
		out = append(out, n)
	}
	return out
}

// seedQuestions inserts n Messaging questions for tenant in SQL: last_updated one second apart,
// statuses in turn (UNRESOLVED 2 in 5, then RESOLVED, CLOSED, REROUTED), author refIds ref-0 …
// ref-999. ids start at base (far above what the API allocates).
func seedQuestions(b *testing.B, s *Store, tenant uuid.UUID, n int, base int64) {
	ctx := context.Background()
	start := time.Now()
	var err error
	prefix := fmt.Sprintf("%08x", base/1_000_000_000)
	if s.isPG() {
		// In batches: one statement must end within the driver's read timeout.
		for from := 1; from <= n && err == nil; from += 10_000 {
			err = seedQuestionsPG(ctx, s, tenant, prefix, base, from, min(from+9_999, n))
		}
	} else {
		_, err = s.db.ExecContext(ctx, `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
			INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text", language,
				author_name, author_email, author_ref_id, category, elite_only, metadata, status, rerouted_by, created_at, last_updated,
				reroute_reason, number)
			SELECT ? + i, ?, printf('%s-0000-4000-8000-%012x', ?, i), 'messaging', '', 'A subject', 'A question', 'en',
				'User', '', 'ref-' || (i % 1000), '', 0, '{}',
				CASE i % 5 WHEN 1 THEN 'RESOLVED' WHEN 3 THEN 'CLOSED' WHEN 4 THEN 'REROUTED' ELSE 'UNRESOLVED' END, '',
				strftime('%Y-%m-%d %H:%M:%S', 1700000000 + i, 'unixepoch') || '+00:00',
				strftime('%Y-%m-%d %H:%M:%S', 1700000000 + i, 'unixepoch') || '+00:00', '', i
			FROM c`, n, base, tenant, prefix)
	}
	if err != nil {
		b.Fatalf("seed %d questions: %v", n, err)
	}
	b.Logf("%s: seeded %d questions in %v", s.dialect, n, time.Since(start).Round(time.Millisecond))
}

func seedQuestionsPG(ctx context.Context, s *Store, tenant uuid.UUID, prefix string, base int64, from, to int) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO questions (id, tenant_id, uuid, channel, help_desk_id, subject, "text", language,
				author_name, author_email, author_ref_id, category, elite_only, metadata, status, rerouted_by, created_at, last_updated,
				reroute_reason, number)
			SELECT ?::bigint + i, ?, (? || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, 'messaging', '', 'A subject', 'A question', 'en',
				'User', '', 'ref-' || (i % 1000), '', false, '{}',
				(ARRAY['UNRESOLVED','RESOLVED','UNRESOLVED','CLOSED','REROUTED'])[i % 5 + 1], '',
				to_timestamp(1700000000 + i), to_timestamp(1700000000 + i), '', i
			FROM generate_series(?::bigint, ?::bigint) AS i`, base, tenant, prefix, from, to)
	return err
}

// BenchmarkPageQuestions lists the first and a deep page (the middle) of tenants holding
// benchQuestionCounts Messaging questions, in one database, with and without filters: the
// Messaging listQuestions (page/pageSize, newest first, with the total).
//
//	go test -run '^$' -bench PageQuestions -benchmem ./store/
func BenchmarkPageQuestions(b *testing.B) {
	for _, n := range benchStores(b) {
		b.Run(n.name, func(b *testing.B) {
			ctx := context.Background()
			s := n.store
			type seeded struct {
				tenant uuid.UUID
				n      int
			}
			var tenants []seeded
			for i, count := range benchQuestionCounts(b) {
				t := Tenant{ID: uuid.New(), Name: "Bench", Subdomain: "bench-" + uuid.NewString()[:8]}
				if err := s.CreateTenant(ctx, t); err != nil {
					b.Fatal(err)
				}
				seedQuestions(b, s, t.ID, count, int64(i+1)*1_000_000_000_000)
				tenants = append(tenants, seeded{t.ID, count})
			}
			if _, err := s.db.ExecContext(ctx, "ANALYZE"); err != nil {
				b.Fatal(err)
			}
			if !s.isPG() {
				if _, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
					b.Fatal(err)
				}
			}
			for _, t := range tenants {
				for _, c := range []struct {
					name  string
					f     PageFilter
					plain bool // skip from the start, as before migration 0011 (for comparison)
				}{
					{"first", PageFilter{Channel: ChannelMessaging, Limit: 20}, false},
					{"deep", PageFilter{Channel: ChannelMessaging, Offset: t.n / 2, Limit: 20}, false},
					{"deep-plainskip", PageFilter{Channel: ChannelMessaging, Offset: t.n / 2, Limit: 20}, true},
					{"first-status", PageFilter{Channel: ChannelMessaging, Status: "RESOLVED", Limit: 20}, false},
					{"deep-status", PageFilter{Channel: ChannelMessaging, Status: "RESOLVED", Offset: t.n / 10, Limit: 20}, false},
					{"deep-status-plainskip", PageFilter{Channel: ChannelMessaging, Status: "RESOLVED", Offset: t.n / 10, Limit: 20}, true},
					{"first-author", PageFilter{Channel: ChannelMessaging, AuthorRefID: "ref-7", Limit: 20}, false},
				} {
					b.Run(fmt.Sprintf("questions=%d/%s", t.n, c.name), func(b *testing.B) {
						b.ReportAllocs()
						if c.plain {
							defer func(old int) { deepPageOffset = old }(deepPageOffset)
							deepPageOffset = math.MaxInt
						}
						for b.Loop() {
							qs, total, err := s.PageQuestions(ctx, t.tenant, c.f)
							if err != nil || len(qs) == 0 || total == 0 {
								b.Fatalf("%d questions of %d: %v", len(qs), total, err)
							}
						}
					})
				}
			}
		})
	}
}
