package outbox_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/netguard"
	"github.com/switchboard-dev/switchboard/server/outbox"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// Independent attempts: a receiver that hangs holds one slot of the worker and nothing else. The
// hanging requests below hang until the test releases them (no attempt times out); the bounds
// on waiting only turn a hung test into a failure, and are far longer than anything should take.

const waitBound = 10 * time.Second

// arrival is a request as the hangReceiver saw it come in.
type arrival struct {
	path, body string
	inflight   int // requests in progress at the receiver, this one included
}

// hangReceiver answers 200 at once on every path but /hang, where each request waits for a value
// on release (or for the client to give up) first.
type hangReceiver struct {
	srv      *httptest.Server
	arrivals chan arrival
	release  chan struct{}
	once     sync.Once

	mu          sync.Mutex
	inflight    int
	maxInflight int
}

func newHangReceiver(t *testing.T) *hangReceiver {
	h := &hangReceiver{arrivals: make(chan arrival, 100), release: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.srv.Close)
	t.Cleanup(h.releaseAll) // runs first: whatever still hangs ends
	return h
}

// releaseAll ends every request that hangs, and every one to come.
func (h *hangReceiver) releaseAll() { h.once.Do(func() { close(h.release) }) }

func (h *hangReceiver) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.inflight++
	h.maxInflight = max(h.maxInflight, h.inflight)
	a := arrival{path: r.URL.Path, body: string(body), inflight: h.inflight}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.inflight--
		h.mu.Unlock()
	}()
	h.arrivals <- a
	if r.URL.Path == "/hang" {
		select {
		case <-h.release:
		case <-r.Context().Done():
			return
		}
	}
	w.WriteHeader(http.StatusOK)
}

// next is the next request to arrive.
func (h *hangReceiver) next(t *testing.T, what string) arrival {
	t.Helper()
	select {
	case a := <-h.arrivals:
		return a
	case <-time.After(waitBound):
		t.Fatalf("%s: no request arrived in %v", what, waitBound)
	}
	return arrival{}
}

func hangingWorker(st *store.Store, clk clock.Clock) *outbox.Worker {
	w := outbox.NewWorker(st, clk, loopback.Client(netguard.ClientOptions{Timeout: time.Hour}), quietLogger())
	w.Timeout = time.Hour // a hanging attempt hangs until released
	w.Lease = 2 * time.Hour
	return w
}

// running runs w's loop until the test ends; then rcv releases what hangs, and the loop returns
// once its attempts are made.
func running(t *testing.T, w *outbox.Worker, rcv *hangReceiver) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx, time.Hour) }() // only kicks wake it
	t.Cleanup(func() { cancel(); <-done })
	t.Cleanup(rcv.releaseAll)
}

// TestHangingReceiverDelaysNoOtherTenant: while one tenant's receiver hangs, a delivery queued for
// another tenant goes out at once.
func TestHangingReceiverDelaysNoOtherTenant(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		rcv := newHangReceiver(t)
		clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
		w := hangingWorker(st, clk)
		running(t, w, rcv)
		a, b := newTenant(t, st), newTenant(t, st)

		queue(t, st, a, clk.Now(), message(rcv.srv.URL+"/hang", "k", `{"tenant":"a"}`))
		w.Kick()
		if got := rcv.next(t, "tenant a"); got.path != "/hang" {
			t.Fatalf("first request: %+v", got)
		}
		fast := queue(t, st, b, clk.Now(), message(rcv.srv.URL+"/fast", "k", `{"tenant":"b"}`))
		w.Kick()
		if got := rcv.next(t, "tenant b, while tenant a's receiver hangs"); got.path != "/fast" || got.inflight != 2 {
			t.Fatalf("second request: %+v", got)
		}
		waitState(t, st, b, fast[0].ID, store.DeliveryDelivered)
	})
}

// TestSlotsAreRefilledAtOnce: at most Parallel attempts are in flight; as soon as one ends, its
// slot takes the next due delivery, while the others still hang.
func TestSlotsAreRefilledAtOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		rcv := newHangReceiver(t)
		clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
		w := hangingWorker(st, clk)
		w.Parallel = 2
		tenant := newTenant(t, st)
		ds := queue(t, st, tenant, clk.Now(),
			message(rcv.srv.URL+"/hang", "k", `{"n":1}`),
			message(rcv.srv.URL+"/hang", "k", `{"n":2}`),
			message(rcv.srv.URL+"/fast", "k", `{"n":3}`))
		done := make(chan int)
		go func() { n, _ := w.RunDue(context.Background()); done <- n }()
		rcv.next(t, "first hanging delivery")
		rcv.next(t, "second hanging delivery")
		rcv.release <- struct{}{} // one of them answers
		if got := rcv.next(t, "the third, in the freed slot"); got.path != "/fast" || got.inflight != 2 {
			t.Fatalf("third request: %+v", got)
		}
		waitState(t, st, tenant, ds[2].ID, store.DeliveryDelivered)
		rcv.release <- struct{}{}
		select {
		case n := <-done:
			if n != 3 {
				t.Errorf("RunDue made %d attempts, want 3", n)
			}
		case <-time.After(waitBound):
			t.Fatal("RunDue did not return")
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		if rcv.maxInflight != 2 {
			t.Errorf("%d attempts in flight at once, want at most Parallel = 2", rcv.maxInflight)
		}
		for _, d := range ds {
			if got, _ := st.Delivery(context.Background(), tenant, d.ID); got.State != store.DeliveryDelivered || got.Attempts != 1 {
				t.Errorf("delivery %d: %s after %d attempts", d.ID, got.State, got.Attempts)
			}
		}
	})
}

// TestSuccessIsRecordedAtOnce: a delivery that got its 200 is recorded while another attempt of
// the same claim still hangs, so a crash (kill -9) then does not send it again.
func TestSuccessIsRecordedAtOnce(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		rcv := newHangReceiver(t)
		clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
		w := hangingWorker(st, clk)
		a, b := newTenant(t, st), newTenant(t, st)
		queue(t, st, a, clk.Now(), message(rcv.srv.URL+"/hang", "k", `{}`))
		fast := queue(t, st, b, clk.Now(), message(rcv.srv.URL+"/fast", "k", `{}`))
		done := make(chan struct{})
		go func() { defer close(done); w.RunDue(context.Background()) }()
		waitState(t, st, b, fast[0].ID, store.DeliveryDelivered)
		rcv.release <- struct{}{}
		<-done
	})
}

// waitState waits until the delivery is in state (polling the store; a bounded wait, failing the
// test when it runs out).
func waitState(t *testing.T, st *store.Store, tenant uuid.UUID, id int64, state string) {
	t.Helper()
	deadline := time.Now().Add(waitBound)
	for {
		d, err := st.Delivery(context.Background(), tenant, id)
		if err == nil && d.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery %d: %s after %v, want %s (%v)", id, d.State, waitBound, state, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
