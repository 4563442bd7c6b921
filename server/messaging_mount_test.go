package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/messaging"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The Messaging API is mounted at /messaging; its training file upload alone takes up to 10 MiB,
// every other body keeps the API's 1 MiB.
func TestMessagingIsMounted(t *testing.T) {
	ctx := context.Background()
	svc := service.New(storetest.Stores(t)[0].Store)
	srv, err := server.New(server.Config{Service: svc, AdminTokenHash: credential.Hash(credential.NewAdminToken())})
	if err != nil {
		t.Fatal(err)
	}
	ten, err := svc.CreateTenant(ctx, "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	c, secret, err := svc.CreateOAuthClient(ctx, ten.ID, "app", nil)
	if err != nil {
		t.Fatal(err)
	}
	send := func(method, target string, body []byte, header ...string) (int, map[string]any) {
		t.Helper()
		req := httptest.NewRequest(method, target, bytes.NewReader(body))
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		var out map[string]any
		json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}

	status, tok := send("POST", "/messaging/oauth/token",
		[]byte("grant_type=client_credentials&client_id="+url.QueryEscape(c.ClientID)+"&client_secret="+url.QueryEscape(secret)),
		"Content-Type", "application/x-www-form-urlencoded")
	if status != 200 || tok["access_token"] == nil {
		t.Fatalf("token: %d %v", status, tok)
	}
	auth := "Bearer " + tok["access_token"].(string)

	if status, body := send("GET", "/messaging/v1/questions", nil); status != 401 || body["meta"] == nil {
		t.Errorf("no token: %d %v", status, body)
	}
	if status, body := send("GET", "/nowhere", nil); status != 404 || !strings.Contains(body["error"].(map[string]any)["message"].(string), "/messaging") {
		t.Errorf("root 404: %d %v", status, body)
	}

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "big.csv")
	fw.Write(bytes.Repeat([]byte("a"), 5<<20))
	mw.Close()
	if status, body := send("POST", "/messaging/v1/trainingFiles", buf.Bytes(), "Authorization", auth, "Content-Type", mw.FormDataContentType()); status != 201 {
		t.Errorf("5 MiB training file: %d %v", status, body)
	}

	big := []byte(`{"text":"hi","metadata":{"x":"` + strings.Repeat("a", 2*messaging.MaxBody) + `"}}`)
	status, body := send("POST", "/messaging/v1/questions", big, "Authorization", auth, "Content-Type", "application/json")
	if msg, _ := body["error"].(map[string]any)["message"].(string); status != 400 || !strings.Contains(msg, "1048576") {
		t.Errorf("2 MiB question: %d %v", status, body)
	}
}
