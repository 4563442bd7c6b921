package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
)

// BenchmarkEachMessage walks every message of a question of 1,000 and of 100,000 messages
// (seeded in SQL) with EachMessage, the cursor behind GET /v1/messages.
//
//	go test -run '^$' -bench EachMessage -benchmem ./store/
func BenchmarkEachMessage(b *testing.B) {
	for _, n := range benchStores(b) {
		b.Run(n.name, func(b *testing.B) {
			ctx := context.Background()
			s := n.store
			t := Tenant{ID: uuid.New(), Name: "Bench", Subdomain: "bench-" + uuid.NewString()[:8]}
			if err := s.CreateTenant(ctx, t); err != nil {
				b.Fatal(err)
			}
			seedQuestions(b, s, t.ID, 2, 5_000_000_000_000)
			qs, err := s.ListQuestions(ctx, t.ID, QuestionFilter{})
			if err != nil || len(qs) != 2 {
				b.Fatal(len(qs), err)
			}
			for i, count := range []int{1000, 100_000} {
				q := qs[i].UUID
				prefix := fmt.Sprintf("%08x", 0xe0+i)
				var err error
				if s.isPG() {
					_, err = s.db.ExecContext(ctx, `INSERT INTO messages (tenant_id, uuid, question_uuid, type, author_type, author_name, body, is_read, created_at)
						SELECT ?, (? || '-0000-4000-8000-' || lpad(to_hex(i), 12, '0'))::uuid, ?, 'USER_MESSAGE', 'USER', 'User', 'A message.', true, now()
						FROM generate_series(1, ?::bigint) AS i`, t.ID, prefix, q, count)
				} else {
					_, err = s.db.ExecContext(ctx, `WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < ?)
						INSERT INTO messages (tenant_id, uuid, question_uuid, type, author_type, author_name, body, is_read, created_at)
						SELECT ?, printf('%s-0000-4000-8000-%012x', ?, i), ?, 'USER_MESSAGE', 'USER', 'User', 'A message.', 1, '2026-01-01 00:00:00+00:00' FROM c`,
						count, t.ID, prefix, q)
				}
				if err != nil {
					b.Fatal(err)
				}
				b.Run(fmt.Sprint("messages=", count), func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						seen := 0
						if err := s.EachMessage(ctx, t.ID, q, MessageRange{All: true}, func(*Message) error { seen++; return nil }); err != nil || seen != count {
							b.Fatal(seen, err)
						}
					}
				})
			}
		})
	}
}
