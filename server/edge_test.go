package server_test

// The server's edge, tried as a client would: every reproducer of "hardened edges" (issue 7)
// against the composed server, each API answering in its own format.

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

type edgeEnv struct {
	t       *testing.T
	srv     http.Handler
	svc     *service.Service
	tenant  store.Tenant
	admin   string // "Bearer <operator token>"
	bearer  string // "Bearer <Messaging access token>"
	hdToken string // Help Desk API token
}

func newEdgeEnv(t *testing.T, st *store.Store) *edgeEnv {
	t.Helper()
	ctx := context.Background()
	svc := service.New(st)
	admin := credential.NewAdminToken()
	srv, err := server.New(server.Config{Service: svc, AdminTokenHash: credential.Hash(admin)})
	if err != nil {
		t.Fatal(err)
	}
	ten, err := svc.CreateTenant(ctx, "Acme", "acme")
	if err != nil {
		t.Fatal(err)
	}
	hd, _, err := svc.RotateHelpDeskToken(ctx, ten.ID)
	if err != nil {
		t.Fatal(err)
	}
	e := &edgeEnv{t: t, srv: srv, svc: svc, tenant: ten, admin: "Bearer " + admin, hdToken: hd}
	e.bearer = e.accessToken()
	return e
}

func (e *edgeEnv) accessToken() string {
	e.t.Helper()
	c, secret, err := e.svc.CreateOAuthClient(context.Background(), e.tenant.ID, "app", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	r := e.send("POST", "/messaging/oauth/token",
		"grant_type=client_credentials&client_id="+url.QueryEscape(c.ClientID)+"&client_secret="+url.QueryEscape(secret),
		"Content-Type", "application/x-www-form-urlencoded")
	tok, _ := r.json["access_token"].(string)
	if r.status != 200 || tok == "" {
		e.t.Fatalf("token: %d %s", r.status, r.body)
	}
	return "Bearer " + tok
}

type edgeResp struct {
	status int
	header http.Header
	body   string
	json   map[string]any
}

// message is the error message of any of the APIs' error formats ("" when there is none).
func (r edgeResp) message() string {
	switch e := r.json["error"].(type) {
	case map[string]any:
		m, _ := e["message"].(string)
		return m
	case string:
		m, _ := r.json["error_description"].(string)
		return m
	}
	return ""
}

// code is the error code of any of the APIs' error formats.
func (r edgeResp) code() string {
	switch e := r.json["error"].(type) {
	case map[string]any:
		c, _ := e["code"].(string)
		return c
	case string:
		return e
	}
	return ""
}

func (e *edgeEnv) send(method, target, body string, header ...string) edgeResp {
	e.t.Helper()
	return e.sendReader(method, target, strings.NewReader(body), header...)
}

func (e *edgeEnv) sendReader(method, target string, body io.Reader, header ...string) edgeResp {
	e.t.Helper()
	req := httptest.NewRequest(method, target, body)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	r := edgeResp{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
	json.Unmarshal(rec.Body.Bytes(), &r.json)
	if ct := rec.Header().Get("Content-Type"); rec.Code >= 400 && !strings.HasPrefix(ct, "application/json") {
		e.t.Errorf("%s %s: %d with Content-Type %q: %s", method, target, rec.Code, ct, r.body)
	}
	return r
}

// Shorthands for the three APIs.
func (e *edgeEnv) ask(body string, header ...string) edgeResp {
	e.t.Helper()
	return e.send("POST", "/messaging/v1/questions", body, append([]string{"Authorization", e.bearer, "Content-Type", "application/json"}, header...)...)
}

func (e *edgeEnv) operator(method, path, body string) edgeResp {
	e.t.Helper()
	return e.send(method, "/admin/v1"+path, body, "Authorization", e.admin, "Content-Type", "application/json")
}

func (e *edgeEnv) saveQuestion(contentType, body string) edgeResp {
	e.t.Helper()
	return e.send("POST", "/helpdesk/helpDesk/saveQuestion", body, "ApiToken", e.hdToken, "Content-Type", contentType)
}

// questions counts the tenant's stored questions (bad input stores nothing).
func (e *edgeEnv) questions() int {
	e.t.Helper()
	qs, _, err := e.svc.Store.PageQuestions(context.Background(), e.tenant.ID, store.PageFilter{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(qs)
}

func (e *edgeEnv) expect(what string, r edgeResp, status int, code, msgPart string) {
	e.t.Helper()
	if r.status != status || (code != "" && r.code() != code) || !strings.Contains(r.message(), msgPart) {
		e.t.Errorf("%s: got %d %s, want %d %s with a message containing %q", what, r.status, r.body, status, code, msgPart)
	}
}

func sqliteEnv(t *testing.T) *edgeEnv { return newEdgeEnv(t, storetest.Stores(t)[0].Store) }

// "Blank" is one thing: white space is Unicode's White_Space or U+FEFF, in the spec patterns and
// in the code alike.
func TestEdgeBlankIsOneDefinition(t *testing.T) {
	e := sqliteEnv(t)
	for _, blank := range []string{`\u0085`, `\ufeff`, `\u00a0`, `\u3000 \t`} {
		e.expect("ask "+blank, e.ask(`{"text":"`+blank+`"}`), 400, "INVALID_PARAMETER", "text")
		e.expect("createOAuthClient "+blank, e.operator("POST", "/tenants/"+e.tenant.ID.String()+"/oauth-clients", `{"name":"`+blank+`"}`), 400, "INVALID_PARAMETER", "name")
		e.expect("createExpert "+blank, e.operator("POST", "/tenants/"+e.tenant.ID.String()+"/experts", `{"name":"`+blank+`"}`), 400, "INVALID_PARAMETER", "name")
		e.expect("saveQuestion "+blank, e.saveQuestion("application/json", `{"text":"`+blank+`","helpDeskId":"1","emailAddress":"a@b"}`), 400, "INVALID_PARAMETER", "text")
	}
	if n := e.questions(); n != 0 {
		t.Errorf("%d questions stored from blank text", n)
	}
	// Text around white space keeps its inner spaces and loses the outer ones.
	r := e.ask(`{"text":"\ufeff how do I\u00a0reset? \u0085"}`)
	if r.status != 201 || !strings.Contains(r.body, `"how do I`+"\u00a0"+`reset?"`) {
		t.Errorf("trimmed ask: %d %s", r.status, r.body)
	}
}
