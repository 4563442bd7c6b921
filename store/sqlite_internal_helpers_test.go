package store

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
)

// migratedSQLite opens a migrated SQLite store in a temporary directory, closed with the test,
// and returns it with its file's path and a context bounded by timeout.
func migratedSQLite(t *testing.T, timeout time.Duration) (context.Context, *Store, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	path := filepath.Join(t.TempDir(), "s.db")
	s, err := Open(ctx, "sqlite:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx, s, path
}

// newTestTenant creates a tenant.
func newTestTenant(ctx context.Context, t *testing.T, s *Store) Tenant {
	t.Helper()
	tenant := Tenant{ID: uuid.New(), Name: "t", Subdomain: "t"}
	if err := s.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	return tenant
}

// insertTestQuestion inserts a Messaging question with this text in a transaction of its own.
func insertTestQuestion(ctx context.Context, t *testing.T, s *Store, tenant uuid.UUID, text string) *Question {
	t.Helper()
	q := &Question{UUID: uuid.New(), Channel: ChannelMessaging, Subject: "s", Text: text, Language: "en", AuthorName: "a",
		Status: statusUnresolved, Metadata: []byte(`{"k":"v"}`)}
	if err := s.InTenantTx(ctx, tenant, func(tx *TenantTx) error { return tx.InsertQuestion(ctx, q) }); err != nil {
		t.Fatal(err)
	}
	return q
}
