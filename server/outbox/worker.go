package outbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/store"
)

// Worker attempts due deliveries. Several workers (in one process or in several instances on one
// database) may run at once: each delivery is claimed by one of them at a time.
//
// Each delivery is attempted on its own, at most Parallel at once: a slot freed by an attempt that
// ends is filled by a new claim at once, so a receiver that hangs holds its own slot and delays no
// other delivery. Each result is recorded as soon as its attempt ends, together with whatever
// other results are waiting at that moment (one transaction for them all, never waiting for an
// attempt still in flight).
type Worker struct {
	Store  *store.Store
	Clock  clock.Clock  // the server clock: when deliveries are due
	Client *http.Client // makes the attempts; its own timeout applies besides AttemptTimeout
	Logger *slog.Logger

	Batch    int           // most deliveries one claim takes, and most results one transaction records (default 64)
	Parallel int           // attempts in flight at once (default 64)
	Lease    time.Duration // how long a claim holds a delivery, on the wall clock (default Timeout + 20 s)
	Timeout  time.Duration // bounds one attempt (default AttemptTimeout)

	kick chan struct{}
	once sync.Once

	claiming sync.Mutex // one claim at a time: the slots it counts as free stay free

	mu    sync.Mutex
	busy  int           // attempts in flight
	freed chan struct{} // closed, and replaced, whenever an attempt ends

	recording sync.Mutex
	results   []result // attempts made, waiting to be recorded
	flushing  bool     // a goroutine is recording them
}

// result is an attempt to record, and what to call once it is.
type result struct {
	store.Recorded
	done func()
}

// run is one caller's (Run's or RunDue's) share of the attempts in flight.
type run struct {
	inflight atomic.Int64   // attempts it started that have not ended
	recorded sync.WaitGroup // done when each of them is recorded
}

// NewWorker returns a worker with the default batch, parallelism and lease.
func NewWorker(st *store.Store, clk clock.Clock, client *http.Client, logger *slog.Logger) *Worker {
	if logger == nil {
		logger = slog.Default()
	}
	return &Worker{Store: st, Clock: clk, Client: client, Logger: logger}
}

func (w *Worker) init() {
	w.once.Do(func() {
		w.kick = make(chan struct{}, 1)
		w.freed = make(chan struct{})
		if w.Parallel <= 0 {
			w.Parallel = 64
		}
		if w.Batch <= 0 {
			w.Batch = 64
		}
		if w.Timeout <= 0 {
			w.Timeout = AttemptTimeout
		}
		if w.Lease <= 0 {
			w.Lease = w.Timeout + 20*time.Second
		}
		if w.Logger == nil {
			w.Logger = slog.Default()
		}
	})
}

// Kick tells a running worker that deliveries were queued (it does not wait for its next tick).
// It never blocks.
func (w *Worker) Kick() {
	w.init()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Run attempts due deliveries whenever kicked, whenever a slot frees while more are due, and at
// least every interval (the first time after one interval or a kick), until ctx ends. Attempts in flight when ctx ends finish first (each within
// Timeout) and are recorded.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	w.init()
	var r run
	defer r.recorded.Wait()
	t := time.NewTicker(interval)
	defer t.Stop()
	// The first look comes with the first tick or kick, not at once: at a server's start it
	// would take the only connection of the pool just as the first requests (and /readyz)
	// arrive, and on PostgreSQL each of those would wait for a new one.
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-w.kick:
	}
	for ctx.Err() == nil {
		freed := w.freedSignal()
		n, more, err := w.fill(ctx, &r)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("outbox: delivering", "err", err)
		}
		if err == nil && more && n > 0 {
			continue // the claim got every delivery it asked for: more may be due
		}
		var slot <-chan struct{}
		if err == nil && more {
			slot = freed // every slot is taken: claim again when one frees
		}
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-w.kick:
		case <-slot:
		}
	}
}

// NextDue is when the earliest pending delivery that no worker holds is due (false: none).
func (w *Worker) NextDue(ctx context.Context) (time.Time, bool, error) {
	return w.Store.NextDeliveryDue(ctx, time.Now())
}

// RunDue attempts every delivery due now on the server clock, and those that fall due while it
// works, and returns how many attempts it made once they are recorded. It returns when nothing is
// due and none of its attempts is in flight (failed attempts are due again only after their
// wait), or when ctx ends (after its attempts in flight end).
func (w *Worker) RunDue(ctx context.Context) (int, error) {
	w.init()
	var r run
	defer r.recorded.Wait()
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		freed := w.freedSignal()
		n, more, err := w.fill(ctx, &r)
		total += n
		switch {
		case err != nil:
			return total, err
		case more && n > 0:
			continue // the claim got every delivery it asked for: more may be due
		case !more && r.inflight.Load() == 0:
			return total, nil
		}
		// Every slot is taken, or nothing more is due while attempts of ours are in flight: look
		// again when an attempt ends (it frees a slot) or a delivery is queued.
		select {
		case <-freed:
		case <-w.kick:
		case <-ctx.Done():
		}
	}
}

// freedSignal is closed when the next attempt ends.
func (w *Worker) freedSignal() <-chan struct{} {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.freed
}

// fill claims due deliveries for the free slots (at most Batch at once) and starts an attempt for
// each at once, so that every attempt ends within Timeout of its claim, well inside the claim's
// lease. It returns how many it started, and whether more may be due now: the claim got every
// delivery it asked for, or there was no free slot to ask for one.
func (w *Worker) fill(ctx context.Context, r *run) (int, bool, error) {
	w.claiming.Lock()
	defer w.claiming.Unlock()
	w.mu.Lock()
	free := w.Parallel - w.busy
	w.mu.Unlock()
	if free <= 0 {
		return 0, true, nil
	}
	want := min(free, w.Batch)
	now, wall := w.Clock.Now(), time.Now()
	claims, err := w.Store.ClaimDueDeliveries(ctx, now, wall, wall.Add(w.Lease), want)
	if err != nil {
		return 0, false, err
	}
	w.mu.Lock()
	w.busy += len(claims)
	w.mu.Unlock()
	for _, c := range claims {
		r.inflight.Add(1)
		r.recorded.Add(1)
		go w.attempt(c, r)
	}
	return len(claims), len(claims) == want, nil
}

// attempt makes one attempt under claim c, frees its slot, and records the result.
func (w *Worker) attempt(c store.Claim, r *run) {
	status, problem := w.post(c.OutboxDelivery)
	at := w.Clock.Now()
	a := store.Attempt{At: at, Status: status, Error: problem, OK: problem == ""}
	if !a.OK {
		a.NextAt, _ = NextAttempt(c.Attempts+1, at)
	}
	r.inflight.Add(-1)
	w.mu.Lock()
	w.busy--
	close(w.freed)
	w.freed = make(chan struct{})
	w.mu.Unlock()
	w.record(result{Recorded: store.Recorded{Claim: c, Attempt: a}, done: r.recorded.Done})
}

// record records res at once if no other result is being recorded; otherwise the goroutine
// recording now records it next, with every other result waiting by then (at most Batch per
// transaction).
func (w *Worker) record(res result) {
	w.recording.Lock()
	w.results = append(w.results, res)
	if w.flushing {
		w.recording.Unlock()
		return
	}
	w.flushing = true
	for len(w.results) > 0 {
		n := min(len(w.results), w.Batch)
		batch := w.results[:n:n]
		w.results = w.results[n:]
		w.recording.Unlock()
		w.flush(batch)
		w.recording.Lock()
	}
	w.results, w.flushing = nil, false
	w.recording.Unlock()
}

// flush records a batch of results in one transaction, and logs what they did.
func (w *Worker) flush(batch []result) {
	defer func() {
		for _, res := range batch {
			res.done()
		}
	}()
	rs := make([]store.Recorded, len(batch))
	for i, res := range batch {
		rs[i] = res.Recorded
	}
	// Recorded even when the server is shutting down: the attempts were made.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results, err := w.Store.RecordAttempts(ctx, rs)
	if err != nil {
		w.Logger.Error("outbox: recording attempts (they will be made again once their claims expire)", "attempts", len(rs), "err", err)
		return
	}
	for i, res := range results {
		c, a, d := rs[i].Claim, rs[i].Attempt, res.Delivery
		switch {
		case res.Lost:
			w.Logger.Info("outbox: an attempt's claim was lost (redelivered or expired); its result is not recorded",
				"delivery", c.ID, "tenant", c.TenantID)
		case d.State == store.DeliveryFailed:
			w.Logger.Warn("outbox: delivery failed for good", "delivery", d.ID, "tenant", d.TenantID, "topic", d.Topic,
				"subject", d.Subject, "url", d.URL, "attempts", d.Attempts, "last_status", d.LastStatus, "last_error", d.LastError)
		case !a.OK:
			w.Logger.Info("outbox: attempt failed; will retry", "delivery", d.ID, "tenant", d.TenantID, "url", d.URL,
				"attempt", d.Attempts, "next_attempt_at", d.NextAttemptAt, "error", a.Error)
		}
	}
}

// post makes the request: the stored body and headers, nothing else. It returns the status (0
// when none came back) and what went wrong ("" for a 2xx).
func (w *Worker) post(d store.OutboxDelivery) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), w.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, "bad target URL: " + err.Error()
	}
	for k, v := range d.Headers {
		req.Header.Set(k, v)
	}
	resp, err := w.Client.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	resp.Body.Close()
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp.StatusCode, ""
	}
	return resp.StatusCode, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, printable(snippet))
}

// printable is a response snippet fit for a log line and the operator API.
func printable(b []byte) string {
	s := strings.ToValidUTF8(string(b), "�")
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
