package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// BenchmarkDeskMessages lists a conversation of 10 and one of 10,000 messages, in the same
// database and run (plus 50 other conversations of 100 messages, so the table is not just the
// two). The statement is one range scan of desk_messages_order_uq in either case: the plan is
// logged as the database chooses it (no planner settings forced), after ANALYZE.
func BenchmarkDeskMessages(b *testing.B) {
	for _, n := range benchStores(b) {
		b.Run(n.name, func(b *testing.B) {
			ctx := context.Background()
			s := n.store
			tenant := Tenant{ID: uuid.New(), Name: "Bench", Subdomain: "bench-" + uuid.NewString()[:8]}
			if err := s.CreateTenant(ctx, tenant); err != nil {
				b.Fatal(err)
			}
			user, err := s.CreateDeskContact(ctx, DeskContact{TenantID: tenant.ID, Kind: DeskEndUser}, nil)
			if err != nil {
				b.Fatal(err)
			}
			t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			attrs := []byte(`{"emailContent":{"content":{"value":"Where is my order? It was due last week.","_type":"Text"},"_type":"Regular"},"from":{"email":"jane@example.org","name":"Jane Doe"},"to":[{"email":"support@acme.email.dixa.io"}],"cc":[],"bcc":[],"isAutoReply":false,"inlineImages":[],"attachments":[],"direction":"Inbound","_type":"EmailAttributes"}`)
			seed := func(messages int) int64 {
				var id int64
				err := s.InTenantTx(ctx, tenant.ID, func(tx *TenantTx) error {
					var err error
					if id, err = tx.InsertDeskConversation(ctx, DeskConversation{RequesterID: user.ID, Channel: "Email", Direction: "Inbound",
						State: "Open", StateUpdatedAt: t0, CreatedAt: t0, LastMessageAt: t0}); err != nil {
						return err
					}
					for i := 0; i < messages; i++ {
						if _, err := tx.InsertDeskMessage(ctx, DeskMessage{ConversationID: id, CreatedAt: t0.Add(time.Duration(i) * time.Millisecond),
							AuthorID: user.ID, Direction: "Inbound", Attributes: attrs}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
				return id
			}
			small := seed(10)
			large := seed(10_000)
			for i := 0; i < 50; i++ {
				seed(100)
			}
			analyze := "ANALYZE"
			if _, err := s.db.ExecContext(ctx, analyze); err != nil {
				b.Fatal(err)
			}
			for _, c := range []struct {
				name string
				id   int64
				want int
			}{{"10", small, 10}, {"10000", large, 10_000}} {
				plan, err := s.ExplainDeskMessages(ctx, tenant.ID, c.id, false)
				if err != nil {
					b.Fatal(err)
				}
				b.Logf("%s, %s messages: %s", n.name, c.name, strings.Join(plan, " | "))
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						ms, err := s.DeskMessages(ctx, tenant.ID, c.id)
						if err != nil || len(ms) != c.want {
							b.Fatalf("%d messages, %v", len(ms), err)
						}
					}
				})
			}
		})
	}
}

type benchStore struct {
	name  string
	store *Store
}

// benchStores opens a fresh SQLite file and, when reachable, a fresh PostgreSQL database (the
// storetest package imports store, so the internal benchmark opens its own).
func benchStores(b *testing.B) []benchStore {
	ctx := context.Background()
	open := func(url string) *Store {
		s, err := Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		if err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		return s
	}
	out := []benchStore{{"sqlite", open("sqlite:" + b.TempDir() + "/bench.db")}}
	admin, err := Open(ctx, "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	if err != nil || admin.Ping(ctx) != nil {
		b.Log("PostgreSQL not reachable; SQLite only")
		return out
	}
	name := fmt.Sprintf("sb_bench_%d", time.Now().UnixNano())
	if _, err := admin.db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		admin.db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	})
	return append(out, benchStore{"postgres", open("postgres://postgres@127.0.0.1:5432/" + name + "?sslmode=disable")})
}
