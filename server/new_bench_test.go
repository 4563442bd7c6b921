package server_test

import (
	"context"
	"testing"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// BenchmarkNew is what building the router costs a cold start (nearly all of it kin-openapi
// decoding the five embedded specs); `switchboard bench-compare` measures the whole start.
func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, ":memory:")
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	svc := service.New(st)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := server.New(server.Config{Service: svc, AdminTokenHash: []byte("unused")}); err != nil {
			b.Fatal(err)
		}
	}
}
