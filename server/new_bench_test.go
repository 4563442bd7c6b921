package server_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
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

// BenchmarkServerPoll304 is the poll that answers 304 through the whole server as
// `switchboard serve` builds it: the edge (request id, access log, transport limits, the
// authentication guard, panic recovery), the root router, the Messaging API's intake and its
// fast path, and the poll cache. Its allocations are most of what a poll costs the collector.
func BenchmarkServerPoll304(b *testing.B) {
	e := newEdgeEnvWith(b, storetest.Stores(b)[0].Store, server.Config{
		Logger: slog.New(slog.DiscardHandler), AuthGuard: httpkit.NewAuthGuard(nil, nil)})
	q := e.ask(`{"text":"hello"}`)
	data, _ := q.json["data"].(map[string]any)
	if q.status != http.StatusCreated || data == nil {
		b.Fatalf("ask: %d %s", q.status, q.body)
	}
	req := httptest.NewRequest(http.MethodGet, fmt.Sprintf("/messaging/v1/questions/%s?lastChecked=%s", data["uuid"], data["lastUpdated"]), nil)
	req.Header.Set("Authorization", e.bearer)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}
