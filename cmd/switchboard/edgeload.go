package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"
)

// The "edge" op of `switchboard load`: a slow-client and connection-flood check, bounded and on
// loopback only. It opens slowBodies connections that send a request's headers and then its body
// at one byte a second (far below the server's minimum rate), and silentConns connections that
// send nothing at all, holds them while honest requests keep being answered, and reports what
// the server process holds (GET /admin/v1/runtime) before, while it is held, and after the
// server's own limits had their time to cut them; and how many of them the server closed, and
// when.
const (
	edgeSlowBodies  = 50
	edgeSilentConns = 500
	edgeHold        = 15 * time.Second // the default header and body limits are 10 s
	edgeHonest      = 20
)

func edgeCheck(ctx context.Context, lc *loadClient, out io.Writer) error {
	u, err := url.Parse(lc.base)
	if err != nil {
		return err
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("edge: the slow-client and flood check runs against loopback only, not %s", host)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(host, "80")
	}
	fmt.Fprintf(out, "edge: %d slow bodies (1 byte/s) and %d silent connections to %s, held %s\n", edgeSlowBodies, edgeSilentConns, addr, edgeHold)
	before, err := lc.runtime(ctx)
	if err != nil {
		return err
	}

	ctx, cancel := context.WithTimeout(ctx, edgeHold+5*time.Second)
	defer cancel()
	start := time.Now()
	var (
		mu     sync.Mutex
		closed = map[string][]time.Duration{} // kind → when the server closed each
		failed int
		wg     sync.WaitGroup
	)
	hold := func(kind string, head string, trickle bool) {
		defer wg.Done()
		d := net.Dialer{Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			mu.Lock()
			failed++
			mu.Unlock()
			return
		}
		defer conn.Close()
		go func() { <-ctx.Done(); conn.Close() }()
		if head != "" {
			conn.Write([]byte(head))
		}
		gone := make(chan struct{})
		go func() { // the server closing the connection (after any answer) ends the read
			defer close(gone)
			io.Copy(io.Discard, conn)
		}()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-gone:
				if ctx.Err() == nil {
					mu.Lock()
					closed[kind] = append(closed[kind], time.Since(start))
					mu.Unlock()
				}
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				if trickle {
					conn.Write([]byte("a"))
				}
			}
		}
	}
	slowHead := "POST /messaging/oauth/token HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n"
	for range edgeSlowBodies {
		wg.Add(1)
		go hold("slow", slowHead, true)
	}
	for range edgeSilentConns {
		wg.Add(1)
		go hold("silent", "", false)
	}

	// Honest clients while the server is held.
	time.Sleep(2 * time.Second)
	during, err := lc.runtime(ctx)
	if err != nil {
		return err
	}
	var lat []time.Duration
	ok := 0
	for range edgeHonest {
		t0 := time.Now()
		if lc.expect(ctx, http.MethodGet, lc.base+"/healthz", "", nil, http.StatusOK) == nil {
			ok++
			lat = append(lat, time.Since(t0))
		}
	}
	slices.Sort(lat)

	select {
	case <-time.After(edgeHold - time.Since(start)):
	case <-ctx.Done():
	}
	cancel()
	wg.Wait()
	time.Sleep(500 * time.Millisecond) // let the server see the test's own closes
	after, err := lc.runtime(context.Background())
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "  %-8s %12s %12s %12s %12s\n", "", "connections", "goroutines", "heap", "rss")
	for _, r := range []struct {
		name string
		rt   runtimeFigures
	}{{"before", before}, {"held", during}, {"after", after}} {
		fmt.Fprintf(out, "  %-8s %12d %12d %12s %12s\n", r.name, r.rt.Connections, r.rt.Goroutines, mib(r.rt.HeapBytes), mib(r.rt.RSSBytes))
	}
	for _, k := range []struct {
		kind string
		n    int
	}{{"slow", edgeSlowBodies}, {"silent", edgeSilentConns}} {
		c := closed[k.kind]
		slices.Sort(c)
		span := "never"
		if len(c) > 0 {
			span = fmt.Sprintf("after %s–%s", c[0].Round(100*time.Millisecond), c[len(c)-1].Round(100*time.Millisecond))
		}
		fmt.Fprintf(out, "  %s connections closed by the server within %s: %d/%d (%s)\n", k.kind, edgeHold, len(c), k.n, span)
	}
	p50 := "-"
	if len(lat) > 0 {
		p50 = lat[len(lat)/2].Round(time.Microsecond).String()
	}
	fmt.Fprintf(out, "  honest requests while held: %d/%d answered, p50 %s; connections the load tool could not open: %d\n", ok, edgeHonest, p50, failed)
	if ok < edgeHonest {
		return errors.New("edge: honest requests failed while the server was held")
	}
	return nil
}

type runtimeFigures struct {
	Connections int   `json:"connections"`
	Goroutines  int   `json:"goroutines"`
	HeapBytes   int64 `json:"heapBytes"`
	RSSBytes    int64 `json:"rssBytes"`
}

func (lc *loadClient) runtime(ctx context.Context) (runtimeFigures, error) {
	status, body, err := lc.do(ctx, http.MethodGet, lc.base+"/admin/v1/runtime", lc.admin, nil, "")
	if err != nil {
		return runtimeFigures{}, err
	}
	if status != http.StatusOK {
		return runtimeFigures{}, fmt.Errorf("edge: GET /admin/v1/runtime: %d %s", status, body)
	}
	var r runtimeFigures
	return r, json.Unmarshal(body, &r)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
