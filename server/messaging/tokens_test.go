package messaging_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"
)

const formCT = "application/x-www-form-urlencoded"

func TestTokenRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	creds := func(extra string) string {
		return "client_id=" + url.QueryEscape(e.client) + "&client_secret=" + url.QueryEscape(e.secret) + extra
	}
	ok := func(name string, r result, scope string) string {
		t.Helper()
		if r.status != 200 || len(r.json) != 4 || r.str("access_token") == "" || r.str("token_type") != "bearer" ||
			r.json["expires_in"] != float64(43200) || r.str("scope") != scope {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
			t.Errorf("%s: Cache-Control %q Pragma %q", name, r.header.Get("Cache-Control"), r.header.Get("Pragma"))
		}
		return r.str("access_token")
	}

	ok("form", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&"+creds(""), "Content-Type", formCT), "read write")
	ok("JSON", e.do("POST", "/messaging/oauth/token",
		`{"grant_type":"client_credentials","client_id":"`+e.client+`","client_secret":"`+e.secret+`","scope":"read"}`,
		"Content-Type", "application/json"), "read")
	ok("Basic", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&scope=write",
		"Content-Type", formCT, "Authorization", basic(e.client, e.secret)), "write")
	// Basic wins over body credentials.
	ok("Basic over a wrong body secret", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&client_id=x&client_secret=y",
		"Content-Type", formCT, "Authorization", basic(e.client, e.secret)), "read write")
	// Unknown fields are ignored; scope order and duplicates do not matter.
	ok("extra fields", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&foo=bar&scope=write+read+write&"+creds(""),
		"Content-Type", formCT), "read write")

	// Several live tokens per client; each works.
	a := e.token()
	b := e.token()
	for _, tok := range []string{a, b} {
		if r := e.do("GET", "/messaging/v1/questions", nil, bearer(tok)...); r.status != 200 {
			t.Errorf("token works: %d", r.status)
		}
	}

	oauthErr := func(name string, r result, status int, code string) {
		t.Helper()
		if r.status != status || r.str("error") != code {
			t.Errorf("%s: got %d %s, want %d %s", name, r.status, r.body, status, code)
		}
	}
	oauthErr("missing grant_type", e.do("POST", "/messaging/oauth/token", creds(""), "Content-Type", formCT), 400, "invalid_request")
	oauthErr("empty grant_type", e.do("POST", "/messaging/oauth/token", "grant_type=&"+creds(""), "Content-Type", formCT), 400, "invalid_request")
	oauthErr("password grant", e.do("POST", "/messaging/oauth/token", "grant_type=password&"+creds(""), "Content-Type", formCT), 400, "unsupported_grant_type")
	oauthErr("no credentials", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials", "Content-Type", formCT), 400, "invalid_request")
	oauthErr("no secret", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&client_id="+e.client, "Content-Type", formCT), 400, "invalid_request")
	oauthErr("empty body", e.do("POST", "/messaging/oauth/token", "", "Content-Type", formCT), 400, "invalid_request")
	oauthErr("bad JSON", e.do("POST", "/messaging/oauth/token", `{"grant_type":`, "Content-Type", "application/json"), 400, "invalid_request")
	oauthErr("text/plain", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials", "Content-Type", "text/plain"), 400, "invalid_request")
	oauthErr("unknown scope", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&scope=admin&"+creds(""), "Content-Type", formCT), 400, "invalid_scope")

	r := e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&client_id="+e.client+"&client_secret=wrong", "Content-Type", formCT)
	oauthErr("wrong secret", r, 401, "invalid_client")
	if r.header.Get("WWW-Authenticate") != "" {
		t.Errorf("body credentials: WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
	}
	for name, auth := range map[string]string{
		"wrong Basic secret": basic(e.client, "wrong"),
		"unknown Basic id":   basic("nobody", e.secret),
		"malformed Basic":    "Basic !!!",
		"Basic without ':'":  "Basic Zm9v",
	} {
		r := e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials", "Content-Type", formCT, "Authorization", auth)
		oauthErr(name, r, 401, "invalid_client")
		if r.header.Get("WWW-Authenticate") != `Basic realm="messaging"` {
			t.Errorf("%s: WWW-Authenticate %q", name, r.header.Get("WWW-Authenticate"))
		}
	}

	// A read-only client asking for write.
	ro, roSecret := e.oauthClient(e.tenant.ID, "read")
	oauthErr("scope not granted", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&scope=write",
		"Content-Type", formCT, "Authorization", basic(ro, roSecret)), 400, "invalid_scope")

	// A revoked client gets nothing, and its tokens stop at once.
	tok := e.tokenFor(ro, roSecret, "")
	if err := e.svc.RevokeOAuthClient(context.Background(), e.tenant.ID, ro); err != nil {
		t.Fatal(err)
	}
	oauthErr("revoked client", e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials",
		"Content-Type", formCT, "Authorization", basic(ro, roSecret)), 401, "invalid_client")
	if r := e.do("GET", "/messaging/v1/questions", nil, bearer(tok)...); r.status != 401 {
		t.Errorf("token of a revoked client: %d", r.status)
	}

	// Route misses on the token paths are the envelope, like everywhere.
	r = e.do("GET", "/messaging/oauth/token", nil)
	if r.status != 405 || r.header.Get("Allow") != "POST" || r.errorCode() != "METHOD_NOT_ALLOWED" {
		t.Errorf("GET /oauth/token: %d %q %s", r.status, r.header.Get("Allow"), r.body)
	}
	if r = e.do("POST", "/messaging/oauth/authorize", nil); r.status != 404 || r.errorCode() != "NOT_FOUND" {
		t.Errorf("/oauth/authorize: %d %s", r.status, r.body)
	}
}

func TestTokenExpiresOnTheServerClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	id := e.ask(tok, `{"text":"hello"}`)["uuid"].(string)
	e.clk.Advance(43200*time.Second - time.Second)
	if r := e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked=2017-05-18T16:50:39Z", nil, bearer(tok)...); r.status != 304 {
		t.Fatalf("just before expiry: %d %s", r.status, r.body)
	}
	e.clk.Advance(time.Second)
	for _, target := range []string{"/messaging/v1/questions/" + id, "/messaging/v1/questions/" + id + "?lastChecked=2017-05-18T16:50:39Z"} {
		r := e.do("GET", target, nil, bearer(tok)...)
		if r.status != 401 || !strings.Contains(r.errorMessage(), "expired") {
			t.Errorf("%s after expiry: %d %s", target, r.status, r.body)
		}
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	works := func(tok string) bool {
		t.Helper()
		return e.do("GET", "/messaging/v1/questions", nil, bearer(tok)...).status == 200
	}
	cases := []struct {
		name          string
		method, query string
		body          string
		header        func(tok string) []string
	}{
		{"POST Bearer", "POST", "", "", func(tok string) []string { return bearer(tok) }},
		{"POST form token", "POST", "", "token=%s", func(string) []string { return []string{"Content-Type", formCT} }},
		{"POST form access_token", "POST", "", "access_token=%s", func(string) []string { return []string{"Content-Type", formCT} }},
		{"POST query token", "POST", "?token=%s", "", func(string) []string { return nil }},
		{"GET Bearer", "GET", "", "", func(tok string) []string { return bearer(tok) }},
		{"GET query access_token", "GET", "?access_token=%s", "", func(string) []string { return nil }},
		{"DELETE Bearer", "DELETE", "", "", func(tok string) []string { return bearer(tok) }},
		{"DELETE query token", "DELETE", "?token=%s", "", func(string) []string { return nil }},
	}
	for _, c := range cases {
		tok := e.token()
		if !works(tok) {
			t.Fatalf("%s: fresh token refused", c.name)
		}
		r := e.do(c.method, "/messaging/oauth/logout"+strings.ReplaceAll(c.query, "%s", tok), strings.ReplaceAll(c.body, "%s", tok), c.header(tok)...)
		if r.status != 200 || string(r.body) != "{}\n" {
			t.Errorf("%s: %d %s", c.name, r.status, r.body)
		}
		if works(tok) {
			t.Errorf("%s: the token still works", c.name)
		}
		// Logging out again, or an unknown token, still answers 200.
		if r := e.do(c.method, "/messaging/oauth/logout"+strings.ReplaceAll(c.query, "%s", tok), strings.ReplaceAll(c.body, "%s", tok), c.header(tok)...); r.status != 200 {
			t.Errorf("%s again: %d %s", c.name, r.status, r.body)
		}
	}
	if r := e.do("POST", "/messaging/oauth/logout?token=unknown", nil); r.status != 200 {
		t.Errorf("unknown token: %d %s", r.status, r.body)
	}
	for _, m := range []string{"POST", "GET", "DELETE"} {
		r := e.do(m, "/messaging/oauth/logout", nil)
		if r.status != 400 || r.str("error") != "invalid_request" {
			t.Errorf("%s without a token: %d %s", m, r.status, r.body)
		}
	}
	if r := e.do("PUT", "/messaging/oauth/logout", nil); r.status != 405 || r.header.Get("Allow") != "GET, POST, DELETE" {
		t.Errorf("PUT logout: %d %q %s", r.status, r.header.Get("Allow"), r.body)
	}
}
