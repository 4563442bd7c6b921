package main

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// childServeEnv makes the test binary run `switchboard serve` with the arguments in it (separated
// by newlines) instead of the tests: the crash test kills that process with SIGKILL.
const childServeEnv = "SWITCHBOARD_TEST_CHILD_SERVE"

func TestMain(m *testing.M) {
	if args := os.Getenv(childServeEnv); args != "" {
		if err := run(context.Background(), strings.Split(args, "\n"), os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "child serve:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// child is a `switchboard serve` in its own process.
type child struct {
	cmd  *exec.Cmd
	base string
}

func startChild(t *testing.T, args ...string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childServeEnv+"="+strings.Join(append([]string{"serve"}, args...), "\n"), "SWITCHBOARD_LOG_LEVEL=error")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewScanner(out)
	for lines.Scan() {
		if m := listeningLine.FindStringSubmatch(lines.Text()); m != nil {
			go io.Copy(io.Discard, out)
			return &child{cmd: cmd, base: m[1]}
		}
	}
	t.Fatalf("the child server exited before listening: %v", lines.Err())
	return nil
}

func (c *child) call(t *testing.T, method, path, ctype, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestPendingDeliveriesSurviveKill: activities are accepted while the bot's endpoint fails; the
// server is killed with SIGKILL with their webhooks pending (some never attempted, some failed
// and waiting, perhaps one in flight); started again on the same database, it delivers every one
// of them, each with its signature.
func TestPendingDeliveriesSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	var mu sync.Mutex
	up := false
	got := map[string]int{} // externalId → valid deliveries
	var key string
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := make([]byte, max(r.ContentLength, 0))
		io.ReadFull(r.Body, body)
		mu.Lock()
		defer mu.Unlock()
		m := hmac.New(sha256.New, []byte(key))
		m.Write(body)
		if !up || base64.StdEncoding.EncodeToString(m.Sum(nil)) != r.Header.Get("x-hubster-signature") {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var d struct {
			Activity struct {
				ExternalID string `json:"externalId"`
			} `json:"activity"`
		}
		json.Unmarshal(body, &d)
		got[d.Activity.ExternalID]++
	}))
	defer rcv.Close()

	db := filepath.Join(t.TempDir(), "sb.db")
	args := []string{"--addr", "127.0.0.1:0", "--database-url", db, "--clock=virtual", "--admin-token", crashAdminToken,
		"--outbound-allow", "127.0.0.1/32", "--delivery-timeout", "1s", "--delivery-lease", "2s", "--delivery-interval", "100ms"}
	first := startChild(t, args...)
	admin := []string{"Authorization", "Bearer " + crashAdminToken}
	js := "application/json"
	st, ten := first.call(t, http.MethodPost, "/admin/v1/tenants", js, `{"name":"Crash"}`, admin...)
	if st != 201 {
		t.Fatalf("createTenant: %d %v", st, ten)
	}
	tenant := ten["id"].(string)
	token := func(c *child, aud string) string {
		_, cl := c.call(t, http.MethodPost, "/admin/v1/tenants/"+tenant+"/hub-clients", js, `{"audience":"`+aud+`"}`, admin...)
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cl["clientId"].(string)}, "client_secret": {cl["clientSecret"].(string)}}
		_, tok := c.call(t, http.MethodPost, "/hub/connect/token", "application/x-www-form-urlencoded", form.Encode())
		return "Bearer " + tok["access_token"].(string)
	}
	portal, engine := token(first, "portal"), token(first, "engine")
	_, hub := first.call(t, http.MethodPost, "/hub/api/v1/hubs", js, `{"name":"h","description":"d"}`, "Authorization", portal)
	hubID := hub["hubId"].(string)
	_, cust := first.call(t, http.MethodPost, "/hub/api/v1/integrations/hubs/"+hubID, js,
		`{"channelId":"Direct","name":"c","configuration":{"integrationType":"Customer"}}`, "Authorization", portal)
	_, bot := first.call(t, http.MethodPost, "/hub/api/v1/integrations/hubs/"+hubID, js,
		`{"channelId":"Direct","name":"b","configuration":{"integrationType":"Bot","webhookUrl":"`+rcv.URL+`/bot"}}`, "Authorization", portal)
	mu.Lock()
	key = bot["configuration"].(map[string]any)["privateSigningKey"].(string)
	mu.Unlock()
	_, conv := first.call(t, http.MethodPost, "/hub/api/v1/conversations/establish", js,
		`{"integrationId":"`+cust["integrationId"].(string)+`","binding":"u","channelType":"Direct"}`, "Authorization", engine)
	path := "/hub/inbound/customer/v1/direct/activity/" + conv["conversationId"].(string)
	const n = 20
	for i := 0; i < n; i++ {
		if st, r := first.call(t, http.MethodPost, path, js, fmt.Sprintf(`{"externalId":"a%d","message":{"type":"text","text":"m%d"}}`, i, i),
			"Authorization", engine); st != 200 {
			t.Fatalf("activity %d: %d %v", i, st, r)
		}
	}
	if err := first.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no flush
		t.Fatal(err)
	}
	first.cmd.Wait()
	mu.Lock()
	up = true
	mu.Unlock()

	second := startChild(t, args...)
	// Failed attempts wait 2 minutes on the virtual clock; claims of the killed process expire
	// after the 2 s lease on the wall clock.
	if st, _ := second.call(t, http.MethodPost, "/admin/v1/clock/advance", js, `{"seconds":600}`, admin...); st != 200 {
		t.Fatalf("advanceClock: %d", st)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, list := second.call(t, http.MethodGet, "/admin/v1/tenants/"+tenant+"/deliveries?limit=100", "", "", admin...)
		ds, _ := list["deliveries"].([]any)
		delivered := 0
		for _, d := range ds {
			if d.(map[string]any)["state"] == "delivered" {
				delivered++
			}
		}
		if len(ds) == n && delivered == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart %d of %d deliveries delivered: %v", delivered, len(ds), ds)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := 0; i < n; i++ {
		if got[fmt.Sprintf("a%d", i)] < 1 {
			t.Errorf("activity a%d was never delivered", i)
		}
	}
}

// TestDemoPrintsHubClients: `serve --demo` (what `make run` starts) prints a Hub portal client and
// a Hub engine client; both get tokens, and each token works on its API.
func TestDemoPrintsHubClients(t *testing.T) {
	s := startServer(t, "--addr", "127.0.0.1:0", "--database-url", filepath.Join(t.TempDir(), "sb.db"), "--demo")
	for _, aud := range []string{"portal", "engine"} {
		id := regexp.MustCompile(`Hub API ` + aud + ` client_id: +(hubster\.` + aud + `\.api\.[0-9a-f]{32})\n`).FindStringSubmatch(s.out.String())
		secret := regexp.MustCompile(`Hub API ` + aud + ` client_secret: +(\S+)\n`).FindStringSubmatch(s.out.String())
		if id == nil || secret == nil {
			t.Fatalf("no Hub API %s client printed:\n%s", aud, s.out)
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id[1]}, "client_secret": {secret[1]}}
		tok := s.do(t, http.MethodPost, "/hub/connect/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, form.Encode())
		if tok.status != 200 || tok.json(t)["token_type"] != "Bearer" || tok.json(t)["scope"] != "hubster-"+aud+"-api" {
			t.Fatalf("token for the demo %s client: %d %s", aud, tok.status, tok.body)
		}
		path := "/hub/api/v1/hubs"
		if aud == "engine" {
			path = "/hub/api/v1/conversations/" + strings.Repeat("0", 8) + "-0000-4000-8000-" + strings.Repeat("0", 12) + "/established"
		}
		r := s.do(t, http.MethodGet, path, map[string]string{"Authorization": "Bearer " + tok.json(t)["access_token"].(string)}, "")
		if want := map[string]int{"portal": 200, "engine": 404}[aud]; r.status != want {
			t.Errorf("GET %s with the %s token: %d %s, want %d", path, aud, r.status, r.body, want)
		}
	}
}

// crashAdminToken is a strong operator token (serve refuses weak ones).
const crashAdminToken = "Kq8vW2xZ4nR7tY1uP3sD6fG9hJ0kL5mN"
