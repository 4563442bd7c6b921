package store

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestWALStaysBounded: with checkpoints moved off the write path, a steady stream of writes
// still reuses the WAL from its start instead of growing it without end.
func TestWALStaysBounded(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	path := filepath.Join(t.TempDir(), "wal.db")
	s, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	tenant := Tenant{ID: uuid.New(), Name: "t", Subdomain: "t"}
	if err := s.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("x", 100<<10)
	const total = 400 // × 100 KiB = 40 MiB written, 2.5 times what the WAL may hold
	for i := range total {
		err := s.InTenantTx(ctx, tenant.ID, func(tx *TenantTx) error {
			return tx.InsertQuestion(ctx, &Question{UUID: uuid.New(), Channel: "messaging", Subject: "s", Text: text,
				Language: "en", AuthorName: "a", Status: "UNRESOLVED", Metadata: []byte(`{}`)})
		})
		if err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	fi, err := os.Stat(path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	if limit := int64(walAutoCheckpointPages)*4096 + 8<<20; fi.Size() > limit {
		t.Errorf("the WAL grew to %d MiB after %d MiB of writes (limit %d MiB)", fi.Size()>>20, total*100>>10, limit>>20)
	}
}
