package store

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// benchResponseCounts are the numbers of responses BenchmarkExpertStats seeds, one tenant each:
// $SWITCHBOARD_BENCH_RESPONSES (comma-separated), 1000 and 100000 by default.
func benchResponseCounts(b *testing.B) []int {
	spec := os.Getenv("SWITCHBOARD_BENCH_RESPONSES")
	if spec == "" {
		spec = "1000,100000"
	}
	var out []int
	for _, f := range strings.Split(spec, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 4 {
			b.Fatalf("SWITCHBOARD_BENCH_RESPONSES: %q", f)
		}
		out = append(out, n)
	}
	return out
}

// BenchmarkExpertStats reads routing's inputs (ExpertStats, for a category and for all) of
// tenants holding benchResponseCounts responses (4 per question: 3 by 20 experts over 5
// categories, 1 automated), from expert_response_totals ("totals", what ExpertStats does) and
// with the GROUP BY over the responses it replaced ("groupby"), in one run.
//
//	go test -run '^$' -bench ExpertStats ./store/
func BenchmarkExpertStats(b *testing.B) {
	for _, n := range benchStores(b) {
		b.Run(n.name, func(b *testing.B) {
			ctx := context.Background()
			s := n.store
			type seeded struct {
				tenant uuid.UUID
				n      int
			}
			var tenants []seeded
			for i, count := range benchResponseCounts(b) {
				t := Tenant{ID: uuid.New(), Name: "Bench", Subdomain: "bench-" + uuid.NewString()[:8]}
				if err := s.CreateTenant(ctx, t); err != nil {
					b.Fatal(err)
				}
				seedQuestions(b, s, t.ID, count/4, int64(i+1)*1_000_000_000_000)
				seedExpertResponses(b, s, t.ID)
				tenants = append(tenants, seeded{t.ID, count / 4 * 4})
			}
			if _, err := s.db.ExecContext(ctx, "ANALYZE"); err != nil {
				b.Fatal(err)
			}
			for _, t := range tenants {
				for _, c := range []string{"billing", ""} {
					name := c
					if name == "" {
						name = "all"
					}
					for _, read := range []struct {
						name string
						f    func(context.Context, uuid.UUID, string) (map[uuid.UUID]ExpertStats, error)
					}{{"totals", s.ExpertStats}, {"groupby", s.ExpertStatsGroupBy}} {
						b.Run(fmt.Sprintf("responses=%d/%s/%s", t.n, name, read.name), func(b *testing.B) {
							b.ReportAllocs()
							for b.Loop() {
								st, err := read.f(ctx, t.tenant, c)
								if err != nil || len(st) == 0 {
									b.Fatalf("%d experts: %v", len(st), err)
								}
							}
						})
					}
				}
			}
		})
	}
}

// seedExpertResponses gives each of the tenant's questions 5 categories in turn, then 4
// responses: 3 Expert ones by 20 experts in turn (accepted 1 in 3, ratings in turn) and an
// Automated one. In SQL, through the triggers.
func seedExpertResponses(b *testing.B, s *Store, tenant uuid.UUID) {
	ctx := context.Background()
	start := time.Now()
	cat := "(ARRAY['billing','tech','sales','account','other'])[id % 5 + 1]"
	series := "generate_series(?::int, ?::int) AS g(i)"
	expert := "('00000000-0000-4000-8000-' || lpad(to_hex((q.id + g.i) % 20), 12, '0'))::uuid"
	rating := "(ARRAY['', 'POSITIVE_5', 'NEGATIVE_5', 'NEUTRAL'])[(q.id + g.i) % 4 + 1]"
	prefix, accepted := "", "(q.id + g.i) % 3 = 0"
	if !s.isPG() {
		cat = "CASE id % 5 WHEN 0 THEN 'billing' WHEN 1 THEN 'tech' WHEN 2 THEN 'sales' WHEN 3 THEN 'account' ELSE 'other' END"
		prefix = "WITH RECURSIVE g(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM g WHERE i < ?) "
		series = "g"
		expert = "printf('00000000-0000-4000-8000-%012x', (q.id + g.i) % 20)"
		rating = "CASE (q.id + g.i) % 4 WHEN 0 THEN '' WHEN 1 THEN 'POSITIVE_5' WHEN 2 THEN 'NEGATIVE_5' ELSE 'NEUTRAL' END"
		accepted = "((q.id + g.i) % 3 = 0)"
	}
	if _, err := s.db.ExecContext(ctx, "UPDATE questions SET category = "+cat+" WHERE tenant_id = ?", tenant); err != nil {
		b.Fatal(err)
	}
	// One response of each question per statement: one statement must end within the driver's
	// read timeout.
	for k := 1; k <= 4; k++ {
		_, err := s.db.ExecContext(ctx, prefix+`INSERT INTO responses (id, tenant_id, uuid, number, question_uuid, type,
			author_uuid, author_name, is_accepted, is_marked_as_resolved, rating, testimonial, created_at)
		SELECT q.id * 4 + g.i, q.tenant_id, `+s.seedUUID()+`, q.number * 4 + g.i, q.uuid,
			CASE WHEN g.i = 4 THEN 'Automated' ELSE 'Expert' END, `+expert+`, 'Expert',
			`+accepted+`, `+accepted+`, `+rating+`, '', q.created_at
		FROM questions q, `+series+` WHERE q.tenant_id = ?`, k, k, tenant)
		if err != nil {
			b.Fatalf("seed responses: %v", err)
		}
	}
	b.Logf("%s: seeded responses in %v", s.dialect, time.Since(start).Round(time.Millisecond))
}
