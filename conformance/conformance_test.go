package conformance_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/conformance"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestSwitchboard drives every API through the generated clients, on SQLite and on PostgreSQL,
// validating every exchange against the specs, and requires every declared (operation, status)
// pair to be exercised.
func TestSwitchboard(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			suite, err := conformance.NewSwitchboardSuite()
			if err != nil {
				t.Fatal(err)
			}
			adminToken := credential.NewAdminToken()
			srv, err := server.New(server.Config{Service: service.New(st.Store), AdminTokenHash: credential.Hash(adminToken)})
			if err != nil {
				t.Fatal(err)
			}
			target := conformance.Target{BaseURL: "http://switchboard.test", AdminToken: adminToken, Transport: conformance.HandlerTransport(srv)}
			results, err := conformance.RunScenarios(ctx, suite, target, conformance.Scenarios())
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range results {
				for _, f := range r.Failures {
					t.Errorf("%s: %s", r.Name, f)
				}
			}

			// Internal errors: with the database gone, every operation answers 500 in its API's
			// format, naming only the request id.
			st.Store.Close()
			internalErrors(t, ctx, suite, target)

			var matrix bytes.Buffer
			suite.WriteMatrix(&matrix)
			t.Log("\n" + matrix.String())
			suite.Check(t)
		})
	}
}

func internalErrors(t *testing.T, ctx context.Context, suite *conformance.Suite, target conformance.Target) {
	e, err := conformance.NewEnv(suite, target)
	if err != nil {
		t.Fatal(err)
	}
	expect := conformance.ExpectStatusHeader + ": 500"
	auth := "Authorization: Bearer " + target.AdminToken
	id := uuid.NewString()
	for _, c := range []struct{ method, path, ctype, body, header string }{
		{http.MethodPost, "/helpdesk/helpDesk/saveQuestion", "application/x-www-form-urlencoded", "text=hi&emailAddress=a@example.com&helpDeskId=1", "ApiToken: " + strings.Repeat("a", 40)},
		{http.MethodPost, "/helpdesk/helpDesk/closeQuestion", "application/x-www-form-urlencoded", "helpDeskId=1", "ApiToken: " + strings.Repeat("a", 40)},
		{http.MethodGet, "/admin/v1/tenants", "", "", auth},
		{http.MethodPost, "/admin/v1/tenants", "application/json", `{"name":"x"}`, auth},
		{http.MethodGet, "/admin/v1/tenants/" + id, "", "", auth},
		{http.MethodPost, "/admin/v1/tenants/" + id + "/helpdesk-token", "", "", auth},
		{http.MethodGet, "/admin/v1/tenants/" + id + "/questions", "", "", auth},
	} {
		resp, body, err := e.Raw(ctx, c.method, c.path, c.ctype, c.body, c.header, expect)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(body), `"INTERNAL_ERROR"`) ||
			!strings.Contains(string(body), resp.Header.Get("X-Request-Id")) || strings.Contains(string(body), "sql") {
			t.Errorf("%s %s with the database closed: want 500 INTERNAL_ERROR naming only the request id, got %d %s", c.method, c.path, resp.StatusCode, body)
		}
	}
}
