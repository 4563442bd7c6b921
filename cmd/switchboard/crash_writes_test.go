package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAcknowledgedAsksSurviveKill: 32 clients ask questions concurrently, so that SQLite's
// group commit shares transactions between them; the server is killed with SIGKILL in the
// middle. Started again on the same database, it has every question it had acknowledged (201).
func TestAcknowledgedAsksSurviveKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	db := filepath.Join(t.TempDir(), "sb.db")
	args := []string{"--addr", "127.0.0.1:0", "--database-url", db, "--admin-token", crashAdminToken}
	first := startChild(t, args...)
	admin := []string{"Authorization", "Bearer " + crashAdminToken}
	js := "application/json"
	st, ten := first.call(t, http.MethodPost, "/admin/v1/tenants", js, `{"name":"Crash asks"}`, admin...)
	if st != 201 {
		t.Fatalf("createTenant: %d %v", st, ten)
	}
	tenant := ten["id"].(string)
	_, cl := first.call(t, http.MethodPost, "/admin/v1/tenants/"+tenant+"/oauth-clients", js, `{"name":"c"}`, admin...)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cl["clientId"].(string)}, "client_secret": {cl["clientSecret"].(string)}}
	_, tok := first.call(t, http.MethodPost, "/messaging/oauth/token", "application/x-www-form-urlencoded", form.Encode())
	bearer := "Bearer " + tok["access_token"].(string)
	if st, x := first.call(t, http.MethodPost, "/admin/v1/tenants/"+tenant+"/experts", js, `{"name":"Ann"}`, admin...); st != 201 {
		t.Fatalf("createExpert: %d %v", st, x)
	}

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodPost, first.base+"/messaging/v1/questions",
					strings.NewReader(fmt.Sprintf(`{"text":"crash ask %d-%d"}`, w, i)))
				req.Header.Set("Content-Type", js)
				req.Header.Set("Authorization", bearer)
				resp, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				var q struct{ Data struct{ UUID string } }
				err = json.NewDecoder(resp.Body).Decode(&q)
				resp.Body.Close()
				if resp.StatusCode == http.StatusCreated && err == nil {
					mu.Lock()
					acked = append(acked, q.Data.UUID)
					mu.Unlock()
				}
			}
		}()
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d asks acknowledged in 30 s", n)
		}
	}
	if err := first.cmd.Process.Kill(); err != nil { // SIGKILL with asks in flight
		t.Fatal(err)
	}
	first.cmd.Wait()
	close(stop)
	wg.Wait()

	second := startChild(t, args...)
	for _, id := range acked {
		if st, q := second.call(t, http.MethodGet, "/messaging/v1/questions/"+id, "", "", "Authorization", bearer); st != 200 {
			t.Errorf("acknowledged question %s after the restart: %d %v", id, st, q)
		}
	}
	t.Logf("%d acknowledged asks, all present after kill -9", len(acked))
}
