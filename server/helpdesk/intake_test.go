package helpdesk_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"github.com/switchboard-dev/switchboard/server/helpdesk"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The behaviours no spec can state, so the conformance suite cannot check them.

func setup(t *testing.T) (http.Handler, *service.Service, store.Tenant, string) {
	t.Helper()
	st := storetest.Stores(t)[0].Store
	svc := service.New(st)
	ctx := context.Background()
	ten, err := svc.CreateTenant(ctx, "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := svc.RotateHelpDeskToken(ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	h, err := helpdesk.New(svc)
	if err != nil {
		t.Fatal(err)
	}
	root := chi.NewRouter()
	root.Mount(helpdesk.Prefix, h)
	return root, svc, ten, tok
}

func post(t *testing.T, h http.Handler, target, ctype, body string, headers ...string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	b, _ := io.ReadAll(rec.Body)
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: body is not JSON: %q", target, b)
	}
	return rec.Code, out
}

func TestFieldsMissingFromTheBodyComeFromTheQuery(t *testing.T) {
	h, svc, ten, tok := setup(t)
	code, out := post(t, h, "/helpdesk/helpDesk/saveQuestion?helpDeskId=from-query&text=ignored", "application/x-www-form-urlencoded",
		"text=from+body&emailAddress=a@example.com", "ApiToken", tok)
	if code != http.StatusOK {
		t.Fatalf("got %d %v", code, out)
	}
	page, err := svc.TenantQuestions(context.Background(), ten.ID, store.QuestionFilter{})
	if err != nil || len(page.Questions) != 1 {
		t.Fatalf("questions: %v %+v", err, page)
	}
	q := page.Questions[0]
	if q.HelpDeskID != "from-query" || q.Text != "from body" {
		t.Fatalf("helpDeskId %q text %q: want the query to fill only what the body lacks", q.HelpDeskID, q.Text)
	}
}

func TestTheTokenIsNeverStoredAsAField(t *testing.T) {
	h, svc, ten, tok := setup(t)
	code, out := post(t, h, "/helpdesk/helpDesk/saveQuestion", "application/x-www-form-urlencoded",
		"apiToken="+tok+"&text=hi&emailAddress=a@example.com&helpDeskId=1&metadata[k]=v")
	if code != http.StatusOK {
		t.Fatalf("got %d %v", code, out)
	}
	page, _ := svc.TenantQuestions(context.Background(), ten.ID, store.QuestionFilter{})
	if got := string(page.Questions[0].Metadata); strings.Contains(got, tok) || got != `{"k":"v"}` {
		t.Fatalf("metadata %s", got)
	}
}

func TestBadBodyWithoutTokenIsUnauthorized(t *testing.T) {
	h, _, _, _ := setup(t)
	// The token is checked before the body: no token and a malformed body is a 401, not a 400.
	code, out := post(t, h, "/helpdesk/helpDesk/saveQuestion", "application/x-www-form-urlencoded", "metadata[a=1")
	if code != http.StatusUnauthorized {
		t.Fatalf("got %d %v", code, out)
	}
}
