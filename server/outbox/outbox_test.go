package outbox_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
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

// TestSignKnownVector: RFC 4231 test case 2, in standard base64.
func TestSignKnownVector(t *testing.T) {
	got := outbox.Sign([]byte("Jefe"), []byte("what do ya want for nothing?"))
	if want := "W9zBRr9gdU5qBCQmCJV1x1oAPwidJzmDnexYuWTsOEM="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestNextAttempt(t *testing.T) {
	at := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	want := []time.Duration{2, 4, 6, 8, 10}
	for n := 1; n <= 5; n++ {
		next, ok := outbox.NextAttempt(n, at)
		if !ok || next.Sub(at) != want[n-1]*time.Minute {
			t.Errorf("after attempt %d: %v %v", n, next.Sub(at), ok)
		}
	}
	if _, ok := outbox.NextAttempt(6, at); ok {
		t.Error("a seventh attempt")
	}
	if outbox.MaxAttempts != 6 {
		t.Errorf("MaxAttempts = %d", outbox.MaxAttempts)
	}
}

// receiver is a webhook endpoint on loopback that checks signatures the way Hubster's
// WebhookSample does: it reads Content-Length bytes, HMACs them with the UTF-8 bytes of the private
// key, compares the standard base64 with x-hubster-signature and answers 403 on a mismatch. fail
// makes it answer 500 to the first fail requests.
type receiver struct {
	t    *testing.T
	key  string
	fail int

	mu       sync.Mutex
	requests []received
	srv      *httptest.Server
	block    chan struct{} // when not nil, requests wait on it
	notify   chan struct{} // when not nil, gets a value per request received
}

type received struct {
	body      []byte
	signature string
	headers   http.Header
	status    int
}

func newReceiver(t *testing.T, key string, fail int) *receiver {
	r := &receiver{t: t, key: key, fail: fail}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	pub, sig := req.Header.Get("x-hubster-public-key"), req.Header.Get("x-hubster-signature")
	status := http.StatusOK
	body := make([]byte, max(req.ContentLength, 0))
	if _, err := io.ReadFull(req.Body, body); err != nil || pub == "" || sig == "" || req.ContentLength < 0 {
		status = http.StatusForbidden
	}
	if r.block != nil { // the body is read, so the server notices when the client gives up
		select {
		case <-r.block:
		case <-req.Context().Done():
			return
		}
	}
	m := hmac.New(sha256.New, []byte(r.key))
	m.Write(body)
	if base64.StdEncoding.EncodeToString(m.Sum(nil)) != sig {
		status = http.StatusForbidden
	}
	r.mu.Lock()
	if status == http.StatusOK && len(r.requests) < r.fail {
		status = http.StatusInternalServerError
	}
	r.requests = append(r.requests, received{body: body, signature: sig, headers: req.Header.Clone(), status: status})
	r.mu.Unlock()
	if r.notify != nil {
		r.notify <- struct{}{}
	}
	w.WriteHeader(status)
	io.WriteString(w, http.StatusText(status))
}

func (r *receiver) got() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.requests...)
}

var loopback = netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTenant(t testing.TB, st *store.Store) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if err := st.CreateTenant(context.Background(), store.Tenant{ID: id, Name: "T", Subdomain: "t" + id.String()[:8]}); err != nil {
		t.Fatal(err)
	}
	return id
}

func queue(t testing.TB, st *store.Store, tenant uuid.UUID, now time.Time, msgs ...outbox.Message) []store.OutboxDelivery {
	t.Helper()
	ds := outbox.Prepare(now, msgs...)
	if err := st.InTenantTx(context.Background(), tenant, func(tx *store.TenantTx) error {
		return tx.EnqueueDeliveries(context.Background(), ds)
	}); err != nil {
		t.Fatal(err)
	}
	return ds
}

func message(url, key, body string) outbox.Message {
	return outbox.Message{Topic: "test", Subject: "s", URL: url, Body: []byte(body),
		Headers:         map[string]string{"Content-Type": "application/json; charset=utf-8", "x-hubster-public-key": "PUB"},
		SignatureHeader: "x-hubster-signature", Key: []byte(key)}
}

// TestRetriesOnTheServerClock: the receiver fails three times; each retry comes only when the
// server clock reaches it (2, 4, 6 minutes after each failure); the fourth attempt succeeds; every
// attempt sends the same bytes and signature.
func TestRetriesOnTheServerClock(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		const key = "FA96D15568654A4482772E00BA941BCB"
		rcv := newReceiver(t, key, 3)
		clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
		w := outbox.NewWorker(st, clk, loopback.Client(netguard.ClientOptions{}), quietLogger())
		tenant := newTenant(t, st)
		ds := queue(t, st, tenant, clk.Now(), message(rcv.srv.URL+"/hook", key, `{"a":"é <b>"}`))

		steps := []struct {
			advance  time.Duration
			attempts int // made by this step
			state    string
		}{
			{0, 1, store.DeliveryPending},
			{2*time.Minute - time.Second, 0, store.DeliveryPending},
			{time.Second, 1, store.DeliveryPending},
			{4 * time.Minute, 1, store.DeliveryPending},
			{6*time.Minute - time.Second, 0, store.DeliveryPending},
			{time.Second, 1, store.DeliveryDelivered},
			{time.Hour, 0, store.DeliveryDelivered},
		}
		total := 0
		for i, s := range steps {
			clk.Advance(s.advance)
			n, err := w.RunDue(ctx)
			if err != nil || n != s.attempts {
				t.Fatalf("step %d: %d attempts, %v; want %d", i, n, err, s.attempts)
			}
			total += n
			d, _ := st.Delivery(ctx, tenant, ds[0].ID)
			if d.State != s.state || d.Attempts != total {
				t.Fatalf("step %d: %s after %d attempts; want %s after %d", i, d.State, d.Attempts, s.state, total)
			}
		}
		got := rcv.got()
		if len(got) != 4 {
			t.Fatalf("receiver got %d requests", len(got))
		}
		for i, r := range got {
			if !bytes.Equal(r.body, got[0].body) || r.signature != got[0].signature || string(r.body) != `{"a":"é <b>"}` {
				t.Errorf("attempt %d sent %q signed %s; first was %q signed %s", i+1, r.body, r.signature, got[0].body, got[0].signature)
			}
			if r.headers.Get("Content-Type") != "application/json; charset=utf-8" || r.headers.Get("x-hubster-public-key") != "PUB" {
				t.Errorf("attempt %d headers %v", i+1, r.headers)
			}
		}
		if got[3].status != http.StatusOK {
			t.Errorf("the signature check failed: %d", got[3].status)
		}
		d, _ := st.Delivery(ctx, tenant, ds[0].ID)
		if d.LastStatus != 200 || d.LastError != "" || d.FinishedAt == nil {
			t.Errorf("delivered: %+v", d)
		}
	})
}

// TestFinalFailure: six failed attempts, then the delivery has failed for good; the operator's
// redelivery makes one more attempt, with the same bytes.
func TestFinalFailure(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t, "right key", 0)
		clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
		w := outbox.NewWorker(st, clk, loopback.Client(netguard.ClientOptions{}), quietLogger())
		tenant := newTenant(t, st)
		ds := queue(t, st, tenant, clk.Now(), message(rcv.srv.URL, "wrong key", `{}`))
		for i := 0; i < 10; i++ {
			if _, err := w.RunDue(ctx); err != nil {
				t.Fatal(err)
			}
			clk.Advance(10 * time.Minute)
		}
		d, _ := st.Delivery(ctx, tenant, ds[0].ID)
		if d.State != store.DeliveryFailed || d.Attempts != 6 || d.LastStatus != 403 || !strings.Contains(d.LastError, "HTTP 403") {
			t.Fatalf("after every attempt: %+v", d)
		}
		if n := len(rcv.got()); n != 6 {
			t.Errorf("receiver got %d requests, want 6", n)
		}
		if _, err := st.Redeliver(ctx, tenant, d.ID, clk.Now()); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.RunDue(ctx); n != 1 {
			t.Errorf("redelivery: %d attempts", n)
		}
		got := rcv.got()
		if len(got) != 7 || !bytes.Equal(got[6].body, got[0].body) || got[6].signature != got[0].signature {
			t.Errorf("redelivery sent something else")
		}
	})
}

// TestRefusedAddresses: without the operator's allow-list, loopback (and any private address) is
// refused at connect time; the refusal is an ordinary failed attempt.
func TestRefusedAddresses(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t, "k", 0)
		clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
		w := outbox.NewWorker(st, clk, netguard.Policy{}.Client(netguard.ClientOptions{}), quietLogger())
		tenant := newTenant(t, st)
		ds := queue(t, st, tenant, clk.Now(),
			message(rcv.srv.URL, "k", `{}`),
			message("http://169.254.169.254/latest/meta-data", "k", `{}`),
			message("http://10.0.0.1/x", "k", `{}`))
		if n, err := w.RunDue(ctx); err != nil || n != 3 {
			t.Fatalf("RunDue = %d, %v", n, err)
		}
		for _, q := range ds {
			d, _ := st.Delivery(ctx, tenant, q.ID)
			if d.State != store.DeliveryPending || d.Attempts != 1 || d.LastStatus != 0 || !strings.Contains(d.LastError, "refused") {
				t.Errorf("%s: %+v", q.URL, d)
			}
		}
		if n := len(rcv.got()); n != 0 {
			t.Errorf("a refused address received %d requests", n)
		}
	})
}

// TestAttemptTimeout: a receiver that does not answer within the attempt's timeout fails it.
func TestAttemptTimeout(t *testing.T) {
	st := storetest.Stores(t)[0].Store
	ctx := context.Background()
	rcv := newReceiver(t, "k", 0)
	rcv.block = make(chan struct{}) // never answers
	t.Cleanup(func() { close(rcv.block) })
	clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	w := outbox.NewWorker(st, clk, loopback.Client(netguard.ClientOptions{}), quietLogger())
	w.Timeout = 100 * time.Millisecond
	tenant := newTenant(t, st)
	ds := queue(t, st, tenant, clk.Now(), message(rcv.srv.URL, "k", `{}`))
	if _, err := w.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	d, _ := st.Delivery(ctx, tenant, ds[0].ID)
	if d.Attempts != 1 || d.LastStatus != 0 || !strings.Contains(d.LastError, "deadline exceeded") {
		t.Fatalf("timed-out attempt: %+v", d)
	}
}

// TestCrashedClaimIsDeliveredLater: a worker that claimed a delivery and died before recording it
// (kill -9) leaves it pending; once the claim's lease runs out another worker delivers it.
func TestCrashedClaimIsDeliveredLater(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		rcv := newReceiver(t, "k", 0)
		clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
		tenant := newTenant(t, st)
		ds := queue(t, st, tenant, clk.Now(), message(rcv.srv.URL, "k", `{"n":1}`))
		wall := time.Now()
		if c, err := st.ClaimDueDeliveries(ctx, clk.Now(), wall, wall.Add(-time.Millisecond), 10); err != nil || len(c) != 1 {
			t.Fatalf("the dying worker's claim: %v %v", c, err)
		}
		w := outbox.NewWorker(st, clk, loopback.Client(netguard.ClientOptions{}), quietLogger())
		if n, err := w.RunDue(ctx); err != nil || n != 1 {
			t.Fatalf("RunDue = %d, %v", n, err)
		}
		d, _ := st.Delivery(ctx, tenant, ds[0].ID)
		if d.State != store.DeliveryDelivered || d.Attempts != 1 || len(rcv.got()) != 1 {
			t.Fatalf("after the lease: %+v, %d requests", d, len(rcv.got()))
		}
	})
}

// TestEachAttemptOnceAcrossInstances: workers on two handles of one database (two instances)
// deliver concurrently; the receiver gets every delivery exactly once.
func TestEachAttemptOnceAcrossInstances(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			ctx := context.Background()
			other, err := store.Open(ctx, n.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			rcv := newReceiver(t, "k", 0)
			clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
			tenant := newTenant(t, n.Store)
			const total = 80
			var msgs []outbox.Message
			for i := 0; i < total; i++ {
				m := message(rcv.srv.URL, "k", `{"i":`+strconv.Itoa(i)+`}`)
				msgs = append(msgs, m)
			}
			queue(t, n.Store, tenant, clk.Now(), msgs...)
			var wg sync.WaitGroup
			for i := 0; i < 4; i++ {
				st := n.Store
				if i%2 == 1 {
					st = other
				}
				w := outbox.NewWorker(st, clk, loopback.Client(netguard.ClientOptions{}), quietLogger())
				w.Batch, w.Parallel = 5, 4
				wg.Add(1)
				go func() { defer wg.Done(); w.RunDue(ctx) }()
			}
			wg.Wait()
			seen := map[string]int{}
			for _, r := range rcv.got() {
				seen[string(r.body)]++
			}
			if len(seen) != total {
				t.Fatalf("%d distinct deliveries, want %d", len(seen), total)
			}
			for b, k := range seen {
				if k != 1 {
					t.Errorf("%s delivered %d times", b, k)
				}
			}
		})
	}
}

// TestRunKicked: a running worker delivers as soon as it is kicked, not only on its tick.
func TestRunKicked(t *testing.T) {
	st := storetest.Stores(t)[0].Store
	rcv := newReceiver(t, "k", 0)
	rcv.notify = make(chan struct{}, 1)
	clk := clock.NewFixed(time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC))
	w := outbox.NewWorker(st, clk, loopback.Client(netguard.ClientOptions{}), quietLogger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx, time.Hour) }()
	tenant := newTenant(t, st)
	queue(t, st, tenant, clk.Now(), message(rcv.srv.URL, "k", `{}`))
	w.Kick()
	select {
	case <-rcv.notify:
	case <-time.After(30 * time.Second): // the tick is an hour away: only the kick can deliver
	}
	cancel()
	<-done
	if len(rcv.got()) != 1 {
		t.Fatalf("a kicked worker delivered %d", len(rcv.got()))
	}
}
