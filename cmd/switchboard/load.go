package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
)

// loadConfig is `switchboard load`: a load generator against a running server on loopback.
type loadConfig struct {
	baseURL, adminToken, ops string
	clients                  int
	duration                 time.Duration
}

// load sets up a tenant, an OAuth client, an expert and a question through the public APIs, then
// drives each operation with N concurrent keep-alive clients for a fixed time and prints
// requests/s and latency percentiles. "bare" is a chi handler answering 304 in this process, on
// loopback, measured in the same run as the baseline for the poll path.
func load(ctx context.Context, args []string, out io.Writer) error {
	var c loadConfig
	fs := newFlags("load")
	fs.StringVar(&c.baseURL, "base-url", "http://127.0.0.1:8080", "the server to load")
	fs.StringVar(&c.adminToken, "admin-token", "", "its operator API token")
	fs.StringVar(&c.ops, "ops", "bare,poll,ask,message,respond,edge", "operations to run, in order: bare, poll, ask, message, respond, edge (slow clients and a connection flood, loopback only; see edgeload.go)")
	fs.IntVar(&c.clients, "clients", 64, "concurrent clients")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each operation runs")
	if err := parse(fs, args); err != nil {
		return err
	}
	if c.adminToken == "" {
		return fmt.Errorf("--admin-token is required")
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: c.clients * 2, MaxIdleConnsPerHost: c.clients * 2}, Timeout: 30 * time.Second}
	lc := &loadClient{hc: hc, base: strings.TrimRight(c.baseURL, "/"), admin: c.adminToken}
	if err := lc.setup(ctx); err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	bare, stop, err := bareServer()
	if err != nil {
		return err
	}
	defer stop()

	fmt.Fprintf(out, "%d clients, %s per operation, target %s\n", c.clients, c.duration, lc.base)
	fmt.Fprintf(out, "%-8s %10s %10s %10s %10s %8s\n", "op", "requests", "req/s", "p50", "p99", "errors")
	for _, op := range strings.Split(c.ops, ",") {
		if strings.TrimSpace(op) == "edge" {
			if err := edgeCheck(ctx, lc, out); err != nil {
				return err
			}
			continue
		}
		do, err := lc.loadOp(strings.TrimSpace(op), c.clients, bare)
		if err != nil {
			return err
		}
		r := runLoad(ctx, c.clients, c.duration, do)
		fmt.Fprintf(out, "%-8s %10d %10.0f %10s %10s %8d\n", op, r.n, float64(r.n)/r.elapsed.Seconds(), r.p(0.50), r.p(0.99), r.errors)
		if r.firstErr != nil {
			fmt.Fprintf(out, "  first error: %v\n", r.firstErr)
		}
	}
	return nil
}

// loadOp is one operation of `switchboard load` (bare, poll, ask, message, respond) as a
// runLoad function; bare is the base URL of bareServer.
func (lc *loadClient) loadOp(op string, clients int, bare string) (func(ctx context.Context, worker, i int) error, error) {
	switch op {
	case "bare":
		return func(ctx context.Context, _, _ int) error {
			return lc.expect(ctx, http.MethodGet, bare+"/v1/questions/"+lc.question+"?lastChecked="+url.QueryEscape(lc.lastChecked), "", nil, http.StatusNotModified)
		}, nil
	case "poll":
		return func(ctx context.Context, _, _ int) error {
			return lc.expect(ctx, http.MethodGet, lc.base+"/messaging/v1/questions/"+lc.question+"?lastChecked="+url.QueryEscape(lc.lastChecked), lc.token, nil, http.StatusNotModified)
		}, nil
	case "ask":
		return func(ctx context.Context, w, i int) error {
			body := fmt.Sprintf(`{"text":"load question %d-%d: how do I reset my password?"}`, w, i)
			return lc.expect(ctx, http.MethodPost, lc.base+"/messaging/v1/questions", lc.token, []byte(body), http.StatusCreated)
		}, nil
	case "message":
		// Each client posts into a question of its own, a fresh one every 50 messages, so
		// the measure is of a conversation, not of one ever-growing thread.
		perWorker := make([]string, clients)
		return func(ctx context.Context, w, i int) error {
			if i%50 == 0 {
				q, err := lc.ask(ctx, fmt.Sprintf("message load %d-%d", w, i))
				if err != nil {
					return err
				}
				perWorker[w] = q
			}
			body := fmt.Sprintf(`{"questionUuid":%q,"body":"message %d-%d"}`, perWorker[w], w, i)
			return timed(ctx, func() error {
				return lc.expect(ctx, http.MethodPost, lc.base+"/messaging/v1/messages", lc.token, []byte(body), http.StatusCreated)
			})
		}, nil
	case "respond":
		// Each request asks a question and has the expert respond to it; the respond call is timed.
		return func(ctx context.Context, w, i int) error {
			q, err := lc.ask(ctx, fmt.Sprintf("respond load %d-%d", w, i))
			if err != nil {
				return err
			}
			u := fmt.Sprintf("%s/admin/v1/tenants/%s/experts/%s/questions/%s/responses", lc.base, lc.tenant, lc.expert, q)
			return timed(ctx, func() error {
				return lc.expect(ctx, http.MethodPost, u, lc.admin, []byte(`{"text":"Use the reset link."}`), http.StatusCreated)
			})
		}, nil
	default:
		return nil, fmt.Errorf("unknown op %q", op)
	}
}

// bareServer is the baseline: chi on loopback answering 304 with nothing else.
func bareServer() (string, func(), error) {
	r := chi.NewRouter()
	r.Get("/v1/questions/{uuid}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNotModified) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: r, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln) //nolint:errcheck // stops with Close
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

type loadResult struct {
	n, errors int
	elapsed   time.Duration
	lat       []time.Duration
	firstErr  error
}

func (r loadResult) p(q float64) string {
	if len(r.lat) == 0 {
		return "-"
	}
	return percentile(r.lat, q).Round(time.Microsecond).String()
}

// percentile is the q-quantile (0 ≤ q ≤ 1) of sorted latencies; 0 when there are none.
func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// timedKey lets an operation time only part of its work (see "respond").
type timedKey struct{}

// runLoad runs do in clients goroutines, each one call after the other, starting calls for d.
// A call in flight at the end finishes (and counts; the elapsed time includes it) rather than
// being cancelled: cancelling would close its connection (HTTP keep-alive, a database pool's),
// and a cut-short call is no result either. Only ctx being done cancels the calls.
func runLoad(ctx context.Context, clients int, d time.Duration, do func(ctx context.Context, worker, i int) error) loadResult {
	end := time.Now().Add(d)
	var (
		mu  sync.Mutex
		res loadResult
		wg  sync.WaitGroup
	)
	start := time.Now()
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			var first error
			for i := 0; ctx.Err() == nil && time.Now().Before(end); i++ {
				var part time.Duration
				wctx := context.WithValue(ctx, timedKey{}, &part)
				t0 := time.Now()
				err := do(wctx, w, i)
				took := time.Since(t0)
				if part > 0 {
					took = part
				}
				if ctx.Err() != nil {
					break // cancelled: not a result
				}
				if err != nil {
					errs++
					if first == nil {
						first = err
					}
					continue
				}
				lat = append(lat, took)
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			if res.firstErr == nil {
				res.firstErr = first
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.n = len(res.lat)
	slices.Sort(res.lat)
	return res
}

type loadClient struct {
	hc                    *http.Client
	base, admin           string
	tenant, expert, token string
	question, lastChecked string // the polled question and its lastUpdated
}

func (lc *loadClient) do(ctx context.Context, method, u, bearer string, body []byte, contentType string) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := lc.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

// timed runs f, the part of an operation that is measured when the operation also makes
// untimed setup calls, and records how long it took for runLoad.
func timed(ctx context.Context, f func() error) error {
	t0 := time.Now()
	err := f()
	if p, ok := ctx.Value(timedKey{}).(*time.Duration); ok {
		*p = max(time.Since(t0), 1)
	}
	return err
}

// expect sends a request and checks the status.
func (lc *loadClient) expect(ctx context.Context, method, u, bearer string, body []byte, want int) error {
	status, b, err := lc.do(ctx, method, u, bearer, body, "application/json")
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("%s %s: %d %s", method, u, status, bytes.TrimSpace(b))
	}
	return nil
}

// call sends a JSON request and decodes a JSON answer into out.
func (lc *loadClient) call(ctx context.Context, method, path, bearer string, in any, want int, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	status, b, err := lc.do(ctx, method, lc.base+path, bearer, body, "application/json")
	if err != nil {
		return err
	}
	if status != want {
		return fmt.Errorf("%s %s: %d %s", method, path, status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (lc *loadClient) ask(ctx context.Context, text string) (string, error) {
	var q struct {
		Data struct{ UUID, LastUpdated string }
	}
	err := lc.call(ctx, http.MethodPost, "/messaging/v1/questions", lc.token, map[string]string{"text": text}, http.StatusCreated, &q)
	return q.Data.UUID, err
}

// messagingTenant creates a tenant (its name prefixed by prefix) with an OAuth client, and returns
// the tenant's id and a Messaging API access token of that client.
func (lc *loadClient) messagingTenant(ctx context.Context, prefix string) (tenant, token string, err error) {
	var ten struct{ ID string }
	name := fmt.Sprintf("%s-%d", prefix, time.Now().UnixNano())
	if err := lc.call(ctx, http.MethodPost, "/admin/v1/tenants", lc.admin, map[string]string{"name": name}, http.StatusCreated, &ten); err != nil {
		return "", "", err
	}
	var cl struct{ ClientID, ClientSecret string }
	if err := lc.call(ctx, http.MethodPost, "/admin/v1/tenants/"+ten.ID+"/oauth-clients", lc.admin, map[string]any{"name": "load"}, http.StatusCreated, &cl); err != nil {
		return "", "", err
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}}
	status, b, err := lc.do(ctx, http.MethodPost, lc.base+"/messaging/oauth/token", "", []byte(form.Encode()), "application/x-www-form-urlencoded")
	if err != nil {
		return "", "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if status != http.StatusOK || json.Unmarshal(b, &tok) != nil {
		return "", "", fmt.Errorf("token: %d %s", status, b)
	}
	return ten.ID, tok.AccessToken, nil
}

func (lc *loadClient) setup(ctx context.Context) error {
	var err error
	if lc.tenant, lc.token, err = lc.messagingTenant(ctx, "load"); err != nil {
		return err
	}
	var ex struct{ UUID string }
	if err := lc.call(ctx, http.MethodPost, "/admin/v1/tenants/"+lc.tenant+"/experts", lc.admin, map[string]any{"name": "Load Expert"}, http.StatusCreated, &ex); err != nil {
		return err
	}
	lc.expert = ex.UUID
	var q struct {
		Data struct{ UUID, LastUpdated string }
	}
	if err := lc.call(ctx, http.MethodPost, "/messaging/v1/questions", lc.token, map[string]string{"text": "Load test: how do I reset my password?"}, http.StatusCreated, &q); err != nil {
		return err
	}
	lc.question, lc.lastChecked = q.Data.UUID, q.Data.LastUpdated
	return nil
}
