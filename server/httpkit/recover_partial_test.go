package httpkit_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// A panic after the response started cannot be turned into an error body: the connection is
// dropped so the client sees a failure instead of a truncated 200.
// Alone, and behind the edge (whose access log records the status Recover then reads).
func TestRecoverAfterPartialResponseAbortsTheConnection(t *testing.T) {
	for name, wrap := range edgeWrappers {
		t.Run(name, func(t *testing.T) { testRecoverAfterPartialResponse(t, wrap) })
	}
}

func testRecoverAfterPartialResponse(t *testing.T, wrap func(http.Handler) http.Handler) {
	called := false
	writeErr := func(w http.ResponseWriter, r *http.Request, err error) { called = true }
	h := httpkit.Recover(writeErr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"partial":`))
		http.NewResponseController(w).Flush()
		panic("boom")
	}))
	srv := httptest.NewServer(wrap(h))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Fatal("the client read a complete response after the handler panicked mid-body")
	}
	if called {
		t.Fatal("the error writer ran after the response had started")
	}
}

// edgeWrappers put a middleware alone, or behind RequestID and AccessLog as server.New does:
// behind them, Recover and AuthGuard read the status from the access log's recorder instead of
// wrapping the writer again.
var edgeWrappers = map[string]func(http.Handler) http.Handler{
	"alone": func(h http.Handler) http.Handler { return h },
	"behind the edge": func(h http.Handler) http.Handler {
		return httpkit.RequestID(httpkit.AccessLog(slog.New(slog.DiscardHandler))(h))
	},
}
