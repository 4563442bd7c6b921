package messaging_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/go-chi/chi/v5"
)

// BenchmarkPoll304 is the hot path: GET /messaging/v1/questions/{uuid}?lastChecked= answering
// 304 through the whole stack (root router, intake, validator, handler, one store read).
func BenchmarkPoll304(b *testing.B) {
	e := newEnv(b)
	tok := e.token()
	q := e.ask(tok, `{"text":"hello"}`)
	target := "/messaging/v1/questions/" + q["uuid"].(string) + "?lastChecked=" + q["lastUpdated"].(string)
	req := httptest.NewRequest("GET", target, nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
}

// BenchmarkBareChi304 is the baseline: a bare chi handler answering 304.
func BenchmarkBareChi304(b *testing.B) {
	r := chi.NewRouter()
	r.Get("/messaging/v1/questions/{uuid}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotModified) })
	req := httptest.NewRequest("GET", "/messaging/v1/questions/123e4567-e89b-12d3-a456-426655440000?lastChecked=1", nil)
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
	}
}
