package server_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/admin"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func newServer(t *testing.T) (*server.Server, string) {
	t.Helper()
	token := credential.NewAdminToken()
	srv, err := server.New(server.Config{Service: service.New(storetest.Stores(t)[0].Store), AdminTokenHash: credential.Hash(token)})
	if err != nil {
		t.Fatal(err)
	}
	return srv, token
}

func do(t *testing.T, h http.Handler, method, target, body string, header ...string) (*http.Response, map[string]map[string]string) {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	var out map[string]map[string]string
	json.Unmarshal(b, &out)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") && resp.StatusCode >= 400 {
		t.Errorf("%s %s: %d with Content-Type %q: %s", method, target, resp.StatusCode, ct, b)
	}
	return resp, out
}

func TestRootRoutes(t *testing.T) {
	srv, _ := newServer(t)
	if resp, _ := do(t, srv, "GET", "/healthz", ""); resp.StatusCode != 200 {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "GET", "/readyz", ""); resp.StatusCode != 200 {
		t.Errorf("/readyz: %d", resp.StatusCode)
	}
	resp, body := do(t, srv, "GET", "/nowhere", "")
	if resp.StatusCode != 404 || body["error"]["code"] != "NOT_FOUND" || !strings.Contains(body["error"]["message"], "/nowhere") {
		t.Errorf("/nowhere: %d %v", resp.StatusCode, body)
	}
	resp, body = do(t, srv, "POST", "/healthz", "")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") == "" || body["error"]["code"] != "METHOD_NOT_ALLOWED" {
		t.Errorf("POST /healthz: %d %q %v", resp.StatusCode, resp.Header.Get("Allow"), body)
	}
	if resp, _ := do(t, srv, "GET", "/docs/", ""); resp.StatusCode != 200 {
		t.Errorf("/docs/: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "GET", "/", ""); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/docs/" {
		t.Errorf("/: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	srv.Drain()
	if resp, _ := do(t, srv, "GET", "/readyz", ""); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/readyz while draining: %d", resp.StatusCode)
	}
	if resp, _ := do(t, srv, "GET", "/healthz", ""); resp.StatusCode != 200 {
		t.Errorf("/healthz while draining: %d", resp.StatusCode)
	}
}

func TestOversizedOperatorBodyIsABadRequest(t *testing.T) {
	srv, token := newServer(t)
	big := `{"name":"` + strings.Repeat("a", admin.MaxBody) + `"}`
	resp, body := do(t, srv, "POST", "/admin/v1/tenants", big, "Authorization", "Bearer "+token, "Content-Type", "application/json")
	if resp.StatusCode != 400 || body["error"]["code"] != "INVALID_PARAMETER" || !strings.Contains(body["error"]["message"], "larger than") {
		t.Fatalf("got %d %v", resp.StatusCode, body)
	}
	req := httptest.NewRequest("GET", "/admin/v1/tenants", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 200 || strings.TrimSpace(rec.Body.String()) != `{"tenants":[]}` {
		t.Fatalf("after the rejected create, listTenants: %d %s", rec.Code, rec.Body)
	}
}

func TestRequestIDIsEchoed(t *testing.T) {
	srv, _ := newServer(t)
	resp, _ := do(t, srv, "GET", "/healthz", "", "X-Request-Id", "abc-123")
	if resp.Header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("X-Request-Id %q", resp.Header.Get("X-Request-Id"))
	}
}

// With the specs prefetched (as serve does at process start), every API is built from a complete
// document and validates as before: routes come from the spec and a body the schema refuses is
// refused.
func TestNewOnPrefetchedSpecsValidates(t *testing.T) {
	server.PrefetchSpecs()
	srv, token := newServer(t)
	for _, api := range []string{"messaging", "helpdesk", "desk", "hub", "admin"} {
		if resp, _ := do(t, srv, "GET", "/"+api+"/no-such-operation", "", "Authorization", "Bearer "+token); resp.StatusCode != 404 {
			t.Errorf("%s: unknown operation: %d", api, resp.StatusCode)
		}
	}
	resp, body := do(t, srv, "POST", "/admin/v1/tenants", `{"name":5}`, "Authorization", "Bearer "+token, "Content-Type", "application/json")
	if resp.StatusCode != 400 || body["error"]["code"] != "INVALID_PARAMETER" {
		t.Errorf("createTenant with a number for a name: %d %v", resp.StatusCode, body)
	}
	if resp, _ := do(t, srv, "GET", "/admin/v1/tenants", "", "Authorization", "Bearer "+token); resp.StatusCode != 200 {
		t.Errorf("listTenants: %d", resp.StatusCode)
	}
}
