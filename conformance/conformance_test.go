package conformance_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/conformance"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestSwitchboard drives every API through the generated clients, on SQLite and on PostgreSQL,
// validating every exchange against the specs, and requires every declared (operation, status)
// pair to be exercised.
//
// The scenarios run against a server on the virtual clock (timers move only when the scenarios
// advance it); the clock scenario runs again against a second server on the wall clock, sharing
// the database, for the 409 of setClock and advanceClock. Then the database is closed and every
// operation must answer 500 in its API's format (getClock too: the virtual clock lives in the
// database).
func TestSwitchboard(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			suite, err := conformance.NewSwitchboardSuite()
			if err != nil {
				t.Fatal(err)
			}
			adminToken := credential.NewAdminToken()
			svc := service.New(st.Store)
			if err := svc.UseVirtualClock(ctx); err != nil {
				t.Fatal(err)
			}
			ob := loopbackOutbox(st.Store, svc)
			srv, err := server.New(server.Config{Service: svc, AdminTokenHash: credential.Hash(adminToken), Outbox: ob})
			if err != nil {
				t.Fatal(err)
			}
			target := conformance.Target{BaseURL: "http://switchboard.test", AdminToken: adminToken, Transport: conformance.HandlerTransport(srv)}
			results, err := conformance.RunScenarios(ctx, suite, target, conformance.Scenarios())
			report(t, results, err)

			wall, err := server.New(server.Config{Service: service.New(st.Store), AdminTokenHash: credential.Hash(adminToken)})
			if err != nil {
				t.Fatal(err)
			}
			wallTarget := conformance.Target{BaseURL: "http://switchboard.test", AdminToken: adminToken, Transport: conformance.HandlerTransport(wall)}
			results, err = conformance.RunScenarios(ctx, suite, wallTarget, conformance.ClockScenarios())
			report(t, results, err)

			// The Hub API's 408 and 503: servers whose deadline has passed, and that drain.
			hubReqs, err := conformance.HubRequests(ctx, suite, target)
			if err != nil {
				t.Fatal(err)
			}
			hubLimits(t, ctx, suite, st.Store, adminToken, hubReqs)

			// Attachment downloads: a server with downloads on and a loopback file server allow-listed.
			files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/ok.pdf" {
					w.Write([]byte("%PDF-1.4"))
					return
				}
				http.NotFound(w, r)
			}))
			defer files.Close()
			dl, err := server.New(server.Config{Service: svc, AdminTokenHash: credential.Hash(adminToken), Outbox: ob,
				Desk: deskservice.Config{DownloadAttachments: true, DownloadAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}})
			if err != nil {
				t.Fatal(err)
			}
			dlTarget := conformance.Target{BaseURL: "http://switchboard.test", AdminToken: adminToken, Transport: conformance.HandlerTransport(dl)}
			results, err = conformance.RunScenarios(ctx, suite, dlTarget, conformance.DeskDownloadScenarios(files.URL))
			report(t, results, err)

			// Internal errors: with the database gone, every operation answers 500 in its API's
			// format, naming only the request id.
			st.Store.Close()
			internalErrors(t, ctx, suite, target)
			internalError(t, ctx, suite, target, call{http.MethodGet, "/admin/v1/clock", "", "", ""}, "the virtual clock's database is gone")
			hubStatuses(t, ctx, suite, srv, adminToken, hubReqs, http.StatusInternalServerError, "the database closed")

			suite.Check(t) // logs the coverage matrix
		})
	}
}

func report(t *testing.T, results []conformance.Result, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range results {
		if r.Skipped != "" {
			t.Errorf("%s: skipped in-process (the in-process server must run every scenario): %s", r.Name, r.Skipped)
		}
		for _, f := range r.Failures {
			t.Errorf("%s: %s", r.Name, f)
		}
	}
}

type call struct{ method, path, ctype, body, header string }

func internalErrors(t *testing.T, ctx context.Context, suite *conformance.Suite, target conformance.Target) {
	hd := "ApiToken: " + strings.Repeat("a", 40)
	auth := "Authorization: Bearer " + target.AdminToken
	bearer := "Authorization: Bearer " + strings.Repeat("t", 43)
	desk := "Authorization: " + strings.Repeat("d", 43)
	form := "application/x-www-form-urlencoded"
	id := uuid.NewString()
	tn := "/admin/v1/tenants/" + id
	x := tn + "/experts/" + uuid.NewString()
	q := uuid.NewString()
	mp := "multipart/form-data; boundary=b"
	file := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\r\n--b--\r\n"
	for _, c := range []call{
		{http.MethodPost, "/helpdesk/helpDesk/saveQuestion", form, "text=hi&emailAddress=a@example.com&helpDeskId=1", hd},
		{http.MethodPost, "/helpdesk/helpDesk/closeQuestion", form, "helpDeskId=1", hd},

		{http.MethodGet, "/admin/v1/tenants", "", "", auth},
		{http.MethodPost, "/admin/v1/tenants", "application/json", `{"name":"x"}`, auth},
		{http.MethodGet, tn, "", "", auth},
		{http.MethodPost, tn + "/helpdesk-token", "", "", auth},
		{http.MethodGet, tn + "/questions", "", "", auth},
		{http.MethodGet, tn + "/settings", "", "", auth},
		{http.MethodPut, tn + "/settings", "application/json", `{"markdown":true}`, auth},
		{http.MethodGet, tn + "/oauth-clients", "", "", auth},
		{http.MethodPost, tn + "/oauth-clients", "application/json", `{"name":"x"}`, auth},
		{http.MethodDelete, tn + "/oauth-clients/sb_x", "", "", auth},
		{http.MethodGet, tn + "/experts", "", "", auth},
		{http.MethodPost, tn + "/experts", "application/json", `{"name":"x"}`, auth},
		{http.MethodGet, x, "", "", auth},
		{http.MethodPatch, x, "application/json", `{"capacity":1}`, auth},
		{http.MethodGet, x + "/queue", "", "", auth},
		{http.MethodGet, x + "/questions/" + q, "", "", auth},
		{http.MethodPost, x + "/questions/" + q + "/claim", "", "", auth},
		{http.MethodPost, x + "/questions/" + q + "/release", "", "", auth},
		{http.MethodPost, x + "/questions/" + q + "/responses", "application/json", `{"text":"x"}`, auth},
		{http.MethodPost, x + "/questions/" + q + "/messages", "application/json", `{"body":"x"}`, auth},
		{http.MethodPost, x + "/questions/" + q + "/resolve", "", "", auth},
		{http.MethodPost, x + "/questions/" + q + "/reroute", "application/json", `{"reason":"x"}`, auth},
		{http.MethodGet, tn + "/questions/" + q, "", "", auth},
		{http.MethodGet, tn + "/questions/" + q + "/offers", "", "", auth},
		{http.MethodPost, tn + "/questions/" + q + "/release", "", "", auth},
		{http.MethodPost, tn + "/questions/" + q + "/customer/messages", "application/json", `{"body":"x"}`, auth},
		{http.MethodPost, tn + "/questions/" + q + "/customer/accept", "application/json", `{"responseUuid":"` + uuid.NewString() + `"}`, auth},
		{http.MethodPost, tn + "/questions/" + q + "/customer/reroute", "application/json", `{}`, auth},
		{http.MethodGet, tn + "/events", "", "", auth},
		{http.MethodGet, tn + "/hub-clients", "", "", auth},
		{http.MethodPost, tn + "/hub-clients", "application/json", `{"audience":"engine"}`, auth},
		{http.MethodDelete, tn + "/hub-clients/hubster.engine.api." + strings.Repeat("a", 32), "", "", auth},
		{http.MethodGet, tn + "/deliveries", "", "", auth},
		{http.MethodGet, tn + "/deliveries/1", "", "", auth},
		{http.MethodPost, tn + "/deliveries/1/redeliver", "", "", auth},
		{http.MethodPut, "/admin/v1/clock", "application/json", `{"now":"` + time.Now().AddDate(10, 0, 0).UTC().Format(time.RFC3339) + `"}`, auth},
		{http.MethodPost, "/admin/v1/clock/advance", "application/json", `{"seconds":1}`, auth},

		{http.MethodPost, "/messaging/oauth/token", form, "grant_type=client_credentials&client_id=a&client_secret=b", ""},
		{http.MethodPost, "/messaging/oauth/logout", "", "", bearer},
		{http.MethodGet, "/messaging/oauth/logout", "", "", bearer},
		{http.MethodDelete, "/messaging/oauth/logout", "", "", bearer},
		{http.MethodPost, "/messaging/v1/questions", "application/json", `{"text":"hi"}`, bearer},
		{http.MethodGet, "/messaging/v1/questions", "", "", bearer},
		{http.MethodGet, "/messaging/v1/questions/" + q, "", "", bearer},
		{http.MethodPost, "/messaging/v1/questions/" + q + "/close", "", "", bearer},
		{http.MethodPost, "/messaging/v1/questions/" + q + "/expire", "", "", bearer},
		{http.MethodPost, "/messaging/v1/questions/" + q + "/reroute", "", "", bearer},
		{http.MethodPost, "/messaging/v1/questions/" + q + "/read", "", "", bearer},
		{http.MethodPost, "/messaging/v1/responses/" + q + "/accept", "", "", bearer},
		{http.MethodPost, "/messaging/v1/responses/" + q + "/rate", "application/json", `{"rating":"POSITIVE_5"}`, bearer},
		{http.MethodPost, "/messaging/v1/responses/" + q + "/testimonial", "application/json", `{"text":"x"}`, bearer},
		{http.MethodGet, "/messaging/v1/messages?questionUuid=" + q, "", "", bearer},
		{http.MethodPost, "/messaging/v1/messages", "application/json", `{"questionUuid":"` + q + `","body":"x"}`, bearer},
		{http.MethodGet, "/messaging/v1/classifications?text=x", "", "", bearer},
		{http.MethodPost, "/messaging/v1/predictiveRouting", "application/json", `{"text":"x"}`, bearer},
		{http.MethodPost, "/messaging/v1/automaticAnswers", "application/json", `{"query":"x"}`, bearer},
		{http.MethodPost, "/messaging/v1/automaticAnswers/" + q + "/feedback", "application/json", `{"quickReply":"ACCEPTED"}`, bearer},
		{http.MethodPost, "/messaging/v1/content", "application/json", `{"text":"x"}`, bearer},
		{http.MethodPost, "/messaging/v1/trainingFiles", mp, file, bearer},

		{http.MethodGet, tn + "/desk/tokens", "", "", auth},
		{http.MethodPost, tn + "/desk/tokens", "application/json", `{}`, auth},
		{http.MethodDelete, tn + "/desk/tokens/" + q, "", "", auth},
		{http.MethodGet, tn + "/desk/settings", "", "", auth},
		{http.MethodPut, tn + "/desk/settings", "application/json", `{}`, auth},
		{http.MethodGet, tn + "/desk/conversations", "", "", auth},
		{http.MethodGet, tn + "/desk/conversations/1", "", "", auth},

		{http.MethodPost, "/desk/v1/conversations/1/messages", "application/json", `{"content":{"value":"x","_type":"Text"},"_type":"Inbound"}`, desk},
		{http.MethodGet, "/desk/v1/conversations/1/messages", "", "", desk},
		{http.MethodPatch, "/desk/v1/conversations/1/messages/" + q + "/anonymize", "", "", desk},
		{http.MethodPost, "/desk/v1/conversations", "application/json", `{}`, desk},
		{http.MethodGet, "/desk/v1/conversations/1", "", "", desk},
		{http.MethodPatch, "/desk/v1/conversations/1/anonymize", "", "", desk},
		{http.MethodGet, "/desk/v1/anonymization/request/" + q, "", "", desk},
		{http.MethodPost, "/desk/v1/endusers", "application/json", `{}`, desk},
		{http.MethodGet, "/desk/v1/endusers", "", "", desk},
		{http.MethodGet, "/desk/v1/endusers/" + q, "", "", desk},
		{http.MethodGet, "/desk/v1/endusers/" + q + "/conversations", "", "", desk},
		{http.MethodPost, "/desk/v1/agents", "application/json", `{}`, desk},
		{http.MethodGet, "/desk/v1/agents", "", "", desk},
		{http.MethodGet, "/desk/v1/agents/" + q, "", "", desk},
	} {
		internalError(t, ctx, suite, target, c, "the database closed")
	}
}

// internalError sends c expecting a 500 in its API's format that names only the request id.
func internalError(t *testing.T, ctx context.Context, suite *conformance.Suite, target conformance.Target, c call, why string) {
	t.Helper()
	e, err := conformance.NewEnv(suite, target)
	if err != nil {
		t.Fatal(err)
	}
	headers := []string{conformance.ExpectStatusHeader + ": 500"}
	if c.header != "" {
		headers = append(headers, c.header)
	}
	if strings.HasPrefix(c.path, "/admin/") && c.header == "" {
		headers = append(headers, "Authorization: Bearer "+target.AdminToken)
	}
	resp, body, err := e.Raw(ctx, c.method, c.path, c.ctype, c.body, headers...)
	if err != nil {
		t.Fatal(err)
	}
	rid := resp.Header.Get("X-Request-Id")
	var msg, code string
	switch {
	case strings.HasPrefix(c.path, "/desk/"):
		var d struct {
			Message string `json:"message"`
		}
		json.Unmarshal(body, &d)
		if resp.StatusCode != http.StatusInternalServerError || d.Message != "There was an internal server error while processing the request" ||
			rid == "" || len(body) != len(`{"message":""}`)+len(d.Message) {
			t.Errorf("%s %s with %s: want 500 with the vendor's message only, got %d %s", c.method, c.path, why, resp.StatusCode, body)
		}
		return
	case strings.HasPrefix(c.path, "/messaging/oauth/"):
		var o struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		json.Unmarshal(body, &o)
		code, msg = o.Error, o.Description
		if code == "server_error" {
			code = "INTERNAL_ERROR"
		}
	default:
		var env struct {
			Error struct {
				Message string `json:"message"`
				Code    string `json:"code"`
			} `json:"error"`
		}
		json.Unmarshal(body, &env)
		code, msg = env.Error.Code, env.Error.Message
	}
	if resp.StatusCode != http.StatusInternalServerError || code != "INTERNAL_ERROR" || rid == "" || !strings.Contains(msg, rid) ||
		strings.Contains(strings.ToLower(msg), "sql") || strings.Contains(msg, "panic") {
		t.Errorf("%s %s with %s: want 500 INTERNAL_ERROR (server_error on /oauth) naming only the request id, got %d %s", c.method, c.path, why, resp.StatusCode, body)
	}
}
