package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/store"
)

// TestConfiguredAdminToken: --admin-token is stored salted; the same token at the next start
// writes nothing (the stored hash, salt included, stays as it was); another token replaces it.
func TestConfiguredAdminToken(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "sb.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	const a, b = "Qk3v9Xz0Lm2Np7Rt4Yw8Bc1Df6Gh5Jk0Ls3Mq9Nv2Pw=", "Zr8Tq1Wm4Yp7Xk2Lc9Vb6Nd3Hf5Gj0Sa1Qe8Ru4Io7="
	start := func(token string) []byte {
		t.Helper()
		h, err := adminTokenHash(ctx, st, serveConfig{adminToken: token}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		stored, err := st.AdminTokenHash(ctx)
		if err != nil || !bytes.Equal(stored, h) {
			t.Fatalf("stored %x, %v; returned %x", stored, err, h)
		}
		if ok, legacy := credential.MatchesOperatorToken(token, stored); !ok || legacy {
			t.Fatalf("the stored hash does not verify %q", token)
		}
		return stored
	}
	first := start(a)
	if again := start(a); !bytes.Equal(again, first) {
		t.Error("the same token at the next start was stored again (new salt): a write at every start")
	}
	start(b)
	if stored, _ := st.AdminTokenHash(ctx); func() bool { ok, _ := credential.MatchesOperatorToken(a, stored); return ok }() {
		t.Error("the replaced token still verifies")
	}
}
