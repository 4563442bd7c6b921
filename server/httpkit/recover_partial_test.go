package httpkit_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// A panic after the response started cannot be turned into an error body: the connection is
// dropped so the client sees a failure instead of a truncated 200.
func TestRecoverAfterPartialResponseAbortsTheConnection(t *testing.T) {
	called := false
	writeErr := func(w http.ResponseWriter, r *http.Request, err error) { called = true }
	h := httpkit.Recover(writeErr)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(`{"partial":`))
		http.NewResponseController(w).Flush()
		panic("boom")
	}))
	srv := httptest.NewServer(h)
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
