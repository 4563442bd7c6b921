package messaging_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/switchboard-dev/switchboard/store/storetest"
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

// BenchmarkAsk is POST /messaging/v1/questions through the whole stack, routing included (one
// expert), on SQLite.
func BenchmarkAsk(b *testing.B) {
	e := newEnv(b)
	tok := e.token()
	b.ReportAllocs()
	for b.Loop() {
		r := e.raw("POST", "/messaging/v1/questions", `{"text":"How do I reset my password?"}`, tok)
		if r.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", r.Code, r.Body)
		}
	}
}

// BenchmarkAddMessage is POST /messaging/v1/messages on a question with a response, each
// iteration on a fresh question so the conversation does not grow with b.N.
func BenchmarkAddMessage(b *testing.B) {
	e := newEnv(b)
	tok := e.token()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		q := e.ask(tok, `{"text":"hello"}`)["uuid"].(string)
		e.respond(q)
		b.StartTimer()
		r := e.raw("POST", "/messaging/v1/messages", `{"questionUuid":"`+q+`","body":"It did not work."}`, tok)
		if r.Code != http.StatusCreated {
			b.Fatalf("status %d: %s", r.Code, r.Body)
		}
	}
}

// BenchmarkRespond is an expert's response (service.Respond: the transaction that loads the
// conversation, applies the rule and persists it), each on a fresh question.
func BenchmarkRespond(b *testing.B) {
	e := newEnv(b)
	tok := e.token()
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		q := e.ask(tok, `{"text":"hello"}`)["uuid"].(string)
		b.StartTimer()
		e.respond(q)
	}
}

func (e *env) raw(method, target, body, token string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

// BenchmarkPoll304Parallel is BenchmarkPoll304 from 64 goroutines (the load test's 64 clients)
// on every dialect: on PostgreSQL the poll cache's freshness ping is shared by the polls that
// wait for it.
func BenchmarkPoll304Parallel(b *testing.B) {
	for _, n := range storetest.Stores(b) {
		b.Run(n.Name, func(b *testing.B) {
			e := newEnvOn(b, n.Store)
			tok := e.token()
			q := e.ask(tok, `{"text":"hello"}`)
			target := "/messaging/v1/questions/" + q["uuid"].(string) + "?lastChecked=" + q["lastUpdated"].(string)
			storetest.WaitPollCache(b, n.Store, true)
			b.ReportAllocs()
			b.SetParallelism(32)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				req := httptest.NewRequest("GET", target, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				for pb.Next() {
					rec := httptest.NewRecorder()
					e.h.ServeHTTP(rec, req)
					if rec.Code != http.StatusNotModified {
						b.Fatalf("status %d: %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}
