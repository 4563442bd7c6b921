package docs

import (
	"bytes"
	"context"
	"errors"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// chromiumTimeout bounds each Chromium run.
const chromiumTimeout = 60 * time.Second

// findChromium returns the browser binary: $SWITCHBOARD_CHROMIUM, else
// chromium or chromium-browser on PATH.
func findChromium() (string, error) {
	if p := os.Getenv("SWITCHBOARD_CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("neither chromium nor chromium-browser is on PATH and SWITCHBOARD_CHROMIUM is not set")
}

// dumpDOM loads url in headless Chromium and returns the serialized DOM after
// load (scripts have run) and Chromium's stderr log.
func dumpDOM(t *testing.T, bin, url string) (dom, log string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), chromiumTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-quic", "--no-first-run",
		"--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
		"--enable-logging=stderr", "--v=0",
		"--user-data-dir="+t.TempDir(),
		"--dump-dom", url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	killGroup := setProcessGroup(cmd) // on timeout, kill Chromium and its helpers
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	killGroup() // reap any helper process left behind
	if ctx.Err() != nil {
		t.Fatalf("Chromium timed out after %v on %s\nstderr:\n%s", chromiumTimeout, url, tail(stderr.String()))
	}
	if err != nil {
		t.Fatalf("Chromium failed on %s: %v\nstderr:\n%s", url, err, tail(stderr.String()))
	}
	return stdout.String(), stderr.String()
}

func tail(s string) string {
	if len(s) > 4000 {
		return "…" + s[len(s)-4000:]
	}
	return s
}

// requestLog records what the browser fetched.
type requestLog struct {
	mu   sync.Mutex
	seen map[string]int // path → status
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (l *requestLog) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		l.mu.Lock()
		l.seen[r.URL.Path] = sw.status
		l.mu.Unlock()
	})
}

var (
	domOpRe      = regexp.MustCompile(`<article\b[^>]*\bid="op-([^"]*)"[^>]*\bdata-operation-id="([^"]*)"`)
	domAPILinkRe = regexp.MustCompile(`<a class="api-link" href="([^"]*)"`)
	cspViolation = regexp.MustCompile(`(?i)content security policy|refused to (load|apply|execute|connect)`)
)

// TestDocsInChromium renders the real specs (../../openapi/*.yaml) and loads
// the index and every API page in headless Chromium, under the site's real
// Content-Security-Policy. It checks, from the DOM Chromium builds:
//   - the index links to every API page;
//   - every operationId of every spec has its data-operation-id element;
//   - site.js ran (it adds the expand/collapse toolbar), and site.css and
//     site.js were fetched with 200;
//   - Chromium logged no CSP violation, and the browser requested nothing
//     that 404'd (so no missing or external resources).
func TestDocsInChromium(t *testing.T) {
	bin, err := findChromium()
	if err != nil {
		if os.Getenv("SWITCHBOARD_REQUIRE_CHROMIUM") == "1" {
			t.Fatalf("SWITCHBOARD_REQUIRE_CHROMIUM=1 but %v (apt-get install -y chromium)", err)
		}
		t.Skipf("skipping browser test: %v; install it (apt-get install -y chromium) or set SWITCHBOARD_CHROMIUM", err)
	}
	start := time.Now()

	specs := loadSpecs(t, "../../openapi/*.yaml")
	if len(specs) == 0 {
		t.Log("no specs in ../../openapi/*.yaml yet; using testdata fixtures instead")
		specs = fixtureSpecs(t)
	} else {
		names := make([]string, len(specs))
		for i, s := range specs {
			names[i] = s.Name
		}
		t.Logf("real specs: %v", names)
	}
	site, err := New(specs)
	if err != nil {
		t.Fatal(err)
	}

	log := &requestLog{seen: map[string]int{}}
	mux := http.NewServeMux()
	mux.Handle("/docs/", http.StripPrefix("/docs", site.Handler()))
	srv := httptest.NewServer(log.wrap(mux)) // listens on 127.0.0.1
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server not on 127.0.0.1: %s", srv.URL)
	}
	base := srv.URL + "/docs/"

	checkLog := func(t *testing.T, url, stderr string) {
		for _, line := range strings.Split(stderr, "\n") {
			if cspViolation.MatchString(line) {
				t.Errorf("%s: CSP violation: %s", url, line)
			}
		}
	}

	// index
	dom, stderr := dumpDOM(t, bin, base)
	checkLog(t, base, stderr)
	var links []string
	for _, m := range domAPILinkRe.FindAllStringSubmatch(dom, -1) {
		links = append(links, html.UnescapeString(m[1]))
	}
	for _, s := range specs {
		if !slices.Contains(links, s.Name+"/") {
			t.Errorf("index does not link to %s/ (links: %v)", s.Name, links)
		}
	}

	// one page per spec
	for _, s := range specs {
		t.Run(s.Name, func(t *testing.T) {
			url := base + s.Name + "/"
			dom, stderr := dumpDOM(t, bin, url)
			checkLog(t, url, stderr)
			if !strings.Contains(dom, `class="toolbar"`) {
				t.Errorf("%s: site.js did not run (no toolbar in the DOM)", url)
			}
			_, ids := specOperations(t, s.Raw)
			found := map[string]bool{}
			for _, m := range domOpRe.FindAllStringSubmatch(dom, -1) {
				id, dataID := html.UnescapeString(m[1]), html.UnescapeString(m[2])
				if id != dataID {
					t.Errorf("element id op-%s has data-operation-id %q", id, dataID)
				}
				found[dataID] = true
			}
			var missing []string
			for _, id := range ids {
				if !found[id] {
					missing = append(missing, id)
				}
			}
			if len(missing) > 0 {
				t.Errorf("%s: %d of %d operationIds have no data-operation-id element in the DOM: %v", url, len(missing), len(ids), missing)
			}
			t.Logf("%s: %d operations present", s.Name, len(ids))
		})
	}

	log.mu.Lock()
	defer log.mu.Unlock()
	for _, p := range []string{"/docs/assets/site.css", "/docs/assets/site.js"} {
		if log.seen[p] != http.StatusOK {
			t.Errorf("browser fetch of %s: status %d", p, log.seen[p])
		}
	}
	var paths []string
	for p := range log.seen {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if st := log.seen[p]; st >= 400 {
			t.Errorf("browser requested %s → %d", p, st)
		}
	}
	t.Logf("Chromium checked %d pages in %v (%s)", len(specs)+1, time.Since(start).Round(time.Millisecond), bin)
}
