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
	"time"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/store"
)

// Worker attempts due deliveries. Several workers (in one process or in several instances on one
// database) may run at once: each delivery is claimed by one of them at a time.
type Worker struct {
	Store  *store.Store
	Clock  clock.Clock  // the server clock: when deliveries are due
	Client *http.Client // makes the attempts; its own timeout applies besides AttemptTimeout
	Logger *slog.Logger

	Batch    int           // deliveries claimed (and attempted) at once (default 64; at most Parallel)
	Parallel int           // attempts in flight at once (default 64)
	Lease    time.Duration // how long a claim holds a delivery, on the wall clock (default Timeout + 20 s)
	Timeout  time.Duration // bounds one attempt (default AttemptTimeout)

	kick chan struct{}
	once sync.Once
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
		if w.Parallel <= 0 {
			w.Parallel = 64
		}
		if w.Batch <= 0 || w.Batch > w.Parallel {
			w.Batch = w.Parallel
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

// Run attempts due deliveries whenever kicked and at least every interval, until ctx ends.
// Attempts in flight when ctx ends finish first (each within Timeout).
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	w.init()
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.RunDue(ctx); err != nil && ctx.Err() == nil {
			w.Logger.Error("outbox: delivering", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.kick:
		}
	}
}

// NextDue is when the earliest pending delivery that no worker holds is due (false: none).
func (w *Worker) NextDue(ctx context.Context) (time.Time, bool, error) {
	return w.Store.NextDeliveryDue(ctx, time.Now())
}

// RunDue attempts every delivery due now on the server clock, and those that fall due while it
// works, and returns how many attempts it made. It returns when nothing is due (failed attempts are
// due again only after their wait) or ctx ends.
func (w *Worker) RunDue(ctx context.Context) (int, error) {
	w.init()
	total := 0
	for ctx.Err() == nil {
		now, wall := w.Clock.Now(), time.Now()
		claims, err := w.Store.ClaimDueDeliveries(ctx, now, wall, wall.Add(w.Lease), w.Batch)
		if err != nil {
			return total, err
		}
		if len(claims) == 0 {
			return total, nil
		}
		w.attemptAll(claims)
		total += len(claims)
	}
	return total, ctx.Err()
}

// attemptAll makes one attempt per claim, all at once (a batch is never larger than Parallel, so
// every attempt starts at once and ends within Timeout, well inside the claim's lease), then
// records them in one transaction.
func (w *Worker) attemptAll(claims []store.Claim) {
	rs := make([]store.Recorded, len(claims))
	var wg sync.WaitGroup
	for i, c := range claims {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, problem := w.post(c.OutboxDelivery)
			at := w.Clock.Now()
			a := store.Attempt{At: at, Status: status, Error: problem, OK: problem == ""}
			if !a.OK {
				a.NextAt, _ = NextAttempt(c.Attempts+1, at)
			}
			rs[i] = store.Recorded{Claim: c, Attempt: a}
		}()
	}
	wg.Wait()
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
