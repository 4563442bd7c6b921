package messaging_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func TestWriteScopeIsNeededForEveryPost(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rw := e.token()
	id := e.ask(rw, `{"text":"hello"}`)["uuid"].(string)
	ro := e.tokenFor(e.client, e.secret, "read")
	if r := e.do("GET", "/messaging/v1/questions/"+id, nil, bearer(ro)...); r.status != 200 {
		t.Fatalf("GET with a read token: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/messaging/v1/classifications?text=refund", nil, bearer(ro)...); r.status != 200 {
		t.Fatalf("GET classifications with a read token: %d %s", r.status, r.body)
	}
	posts := map[string]string{
		"/messaging/v1/questions":                                 `{"text":"hi"}`,
		"/messaging/v1/questions/" + id + "/close":                ``,
		"/messaging/v1/questions/" + id + "/expire":               ``,
		"/messaging/v1/questions/" + id + "/reroute":              ``,
		"/messaging/v1/questions/" + id + "/read":                 ``,
		"/messaging/v1/responses/" + uuid.NewString() + "/accept": ``,
		"/messaging/v1/messages":                                  `{"questionUuid":"` + id + `","body":"hi"}`,
		"/messaging/v1/predictiveRouting":                         `{"text":"hi"}`,
		"/messaging/v1/automaticAnswers":                          `{"query":"hi"}`,
		"/messaging/v1/content":                                   `{"text":"hi"}`,
		"/messaging/questions":                                    `{"text":"hi"}`,
	}
	for path, body := range posts {
		r := e.do("POST", path, body, jsonHeaders(ro)...)
		if r.status != 403 || r.errorCode() != "FORBIDDEN" || !strings.Contains(r.errorMessage(), `"write"`) {
			t.Errorf("POST %s with a read token: %d %s", path, r.status, r.body)
		}
	}
	// Nothing was created or changed.
	r := e.do("GET", "/messaging/v1/questions", nil, bearer(ro)...)
	if len(list(r.json["data"])) != 1 || obj(obj(list(r.json["data"])[0])["state"])["status"] != "UNRESOLVED" {
		t.Errorf("a forbidden write changed something: %s", r.body)
	}
}

// Another company's token sees none of this company's objects: 404 on every object endpoint.
func TestAnotherTenantGetsNotFound(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)
		mine := e.token()
		id := e.ask(mine, `{"text":"hello"}`)["uuid"].(string)
		e.respond(id)
		q := e.do("GET", "/messaging/v1/questions/"+id, nil, bearer(mine)...).data()
		respID := obj(list(obj(q["conversation"])["responses"])[0])["uuid"].(string)
		e.configureClasses()
		aa := e.do("POST", "/messaging/v1/automaticAnswers", `{"query":"I need a refund for my invoice"}`, jsonHeaders(mine)...)
		if aa.status != 200 || aa.json["data"] == nil {
			t.Fatalf("automatic answer: %d %s", aa.status, aa.body)
		}
		aaID := aa.data()["uuid"].(string)

		other, err := e.svc.CreateTenant(context.Background(), "Globex", "globex")
		if err != nil {
			t.Fatal(err)
		}
		oid, osecret := e.oauthClient(other.ID, "read", "write")
		theirs := e.tokenFor(oid, osecret, "")
		cases := []struct{ method, path, body string }{
			{"GET", "/messaging/v1/questions/" + id, ""},
			{"GET", "/messaging/v1/questions/" + id + "?lastChecked=2000-01-01T00:00:00Z", ""},
			{"GET", "/messaging/questions/" + id + "?lastChecked=0", ""},
			{"POST", "/messaging/v1/questions/" + id + "/close", ""},
			{"POST", "/messaging/v1/questions/" + id + "/expire", ""},
			{"POST", "/messaging/v1/questions/" + id + "/reroute", ""},
			{"POST", "/messaging/v1/questions/" + id + "/read", ""},
			{"POST", "/messaging/v1/responses/" + respID + "/accept", ""},
			{"POST", "/messaging/v1/responses/" + respID + "/rate", `{"rating":"POSITIVE_5"}`},
			{"POST", "/messaging/v1/responses/" + respID + "/testimonial", `{"text":"great"}`},
			{"GET", "/messaging/v1/messages?questionUuid=" + id, ""},
			{"GET", "/messaging/v1/messages?questionUuid=" + id + "&lastChecked=0", ""},
			{"POST", "/messaging/v1/messages", `{"questionUuid":"` + id + `","body":"hi"}`},
			{"POST", "/messaging/v1/automaticAnswers/" + aaID + "/feedback", `{"quickReply":"ACCEPTED"}`},
		}
		for _, c := range cases {
			r := e.do(c.method, c.path, c.body, jsonHeaders(theirs)...)
			if r.status != 404 || r.errorCode() != "NOT_FOUND" {
				t.Errorf("%s %s with another company's token: %d %s", c.method, c.path, r.status, r.body)
			}
		}
		if r := e.do("GET", "/messaging/v1/questions", nil, bearer(theirs)...); len(list(r.json["data"])) != 0 {
			t.Errorf("listQuestions shows another company's question: %s", r.body)
		}
		// Unchanged for its owner.
		q = e.do("GET", "/messaging/v1/questions/"+id, nil, bearer(mine)...).data()
		if obj(q["state"])["status"] != "UNRESOLVED" || q["lastUpdated"] != "2017-05-18T16:50:40Z" {
			t.Errorf("another company's calls changed the question: %v", q)
		}
	})
}

func TestBadLastChecked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	id := e.ask(tok, `{"text":"hello"}`)["uuid"].(string)
	const msg = "lastChecked: must be an ISO-8601 date-time such as 2017-05-18T16:50:38Z or epoch milliseconds"
	for _, bad := range []string{"yesterday", "2017-05-18", "2017-05-18T16:50:38", "16:50:38Z", "-5", "1.5", "99999999999999999999999", "2017-05-18%2016:50:38Z"} {
		for _, path := range []string{"/messaging/v1/questions/" + id + "?lastChecked=", "/messaging/v1/messages?questionUuid=" + id + "&lastChecked="} {
			r := e.do("GET", path+bad, nil, bearer(tok)...)
			if r.status != 400 || r.errorCode() != "INVALID_PARAMETER" || r.errorMessage() != msg {
				t.Errorf("%s%s: %d %s", path, bad, r.status, r.body)
			}
		}
	}
	if r := e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked=", nil, bearer(tok)...); r.status != 400 || !strings.Contains(r.errorMessage(), "lastChecked") {
		t.Errorf("empty lastChecked: %d %s", r.status, r.body)
	}
	// A bad token is answered before a bad parameter.
	if r := e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked=yesterday", nil, bearer("nope")...); r.status != 401 {
		t.Errorf("bad token and bad lastChecked: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked=2017-05-18T16:50:38Z", nil); r.status != 401 {
		t.Errorf("poll without a token: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked=2017-05-18T16:50:38Z", nil, "Authorization", "Basic eDp5"); r.status != 401 {
		t.Errorf("poll with Basic: %d %s", r.status, r.body)
	}
	if r := e.do("GET", "/messaging/v1/questions/"+uuid.NewString()+"?lastChecked=2017-05-18T16:50:38Z", nil, bearer(tok)...); r.status != 404 {
		t.Errorf("poll of an unknown question: %d %s", r.status, r.body)
	}
}

// Every failure is the envelope with a clear message (checked by do), and carries no internal
// text; a bad path uuid is 400, an unknown one 404.
func TestErrorsAreEnvelopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	id := e.ask(tok, `{"text":"hello"}`)["uuid"].(string)
	cases := []struct {
		method, path, body string
		header             []string
		status             int
		code, contains     string
	}{
		{"GET", "/messaging/v1/questions/not-a-uuid", "", bearer(tok), 400, "INVALID_PARAMETER", "uuid"},
		{"GET", "/messaging/v1/questions/" + uuid.NewString(), "", bearer(tok), 404, "NOT_FOUND", "not found"},
		{"POST", "/messaging/v1/responses/" + uuid.NewString() + "/accept", "", bearer(tok), 404, "NOT_FOUND", "response"},
		{"POST", "/messaging/v1/responses/nope/accept", "", bearer(tok), 400, "INVALID_PARAMETER", "uuid"},
		{"POST", "/messaging/v1/questions", "{", jsonHeaders(tok), 400, "INVALID_PARAMETER", "request body"},
		{"POST", "/messaging/v1/questions", `{"subject":"x"}`, jsonHeaders(tok), 400, "INVALID_PARAMETER", "text"},
		{"POST", "/messaging/v1/questions", `{"text":" \n "}`, jsonHeaders(tok), 400, "INVALID_PARAMETER", "text: must not be blank"},
		{"POST", "/messaging/v1/questions", `{"text":"x","classification":"nope"}`, jsonHeaders(tok), 400, "INVALID_PARAMETER", "classification"},
		{"POST", "/messaging/v1/questions", `{"text":"x","metadata":[1]}`, jsonHeaders(tok), 400, "INVALID_PARAMETER", "metadata"},
		{"POST", "/messaging/v1/questions", `{"text":"x"}`, []string{"Authorization", "Bearer " + tok, "Content-Type", "text/plain"}, 400, "INVALID_PARAMETER", "content type"},
		{"POST", "/messaging/v1/messages", `{"questionUuid":"` + id + `","body":""}`, jsonHeaders(tok), 400, "INVALID_PARAMETER", "body"},
		{"POST", "/messaging/v1/messages", `{"questionUuid":"` + uuid.NewString() + `","body":"hi"}`, jsonHeaders(tok), 404, "NOT_FOUND", "question"},
		{"GET", "/messaging/v1/questions", "", nil, 401, "UNAUTHORIZED", "missing access token"},
		{"GET", "/messaging/v1/questions", "", bearer("not-a-token"), 401, "UNAUTHORIZED", "unknown access token"},
		{"GET", "/messaging/v1/questions", "", []string{"Authorization", "Basic eDp5"}, 401, "UNAUTHORIZED", "Bearer"},
		{"POST", "/messaging/v1/questions", "{", []string{"Content-Type", "application/json"}, 401, "UNAUTHORIZED", "missing access token"},
		{"GET", "/messaging/v1/nowhere", "", bearer(tok), 404, "NOT_FOUND", "/messaging/v1/nowhere"},
		{"GET", "/messaging/nowhere", "", nil, 404, "NOT_FOUND", "/messaging/nowhere"},
		{"GET", "/messaging", "", nil, 404, "NOT_FOUND", "no route"},
		{"PUT", "/messaging/v1/questions/" + id, "", bearer(tok), 405, "METHOD_NOT_ALLOWED", "GET"},
		{"DELETE", "/messaging/v1/messages", "", bearer(tok), 405, "METHOD_NOT_ALLOWED", "GET, POST"},
		{"GET", "/messaging/v1/predictiveRouting", "", bearer(tok), 405, "METHOD_NOT_ALLOWED", "POST"},
	}
	for _, c := range cases {
		r := e.do(c.method, c.path, c.body, c.header...)
		if r.status != c.status || r.errorCode() != c.code || !strings.Contains(r.errorMessage(), c.contains) {
			t.Errorf("%s %s: %d %s; want %d %s containing %q", c.method, c.path, r.status, r.body, c.status, c.code, c.contains)
		}
	}
	if r := e.do("PUT", "/messaging/v1/questions/"+id, nil, bearer(tok)...); r.header.Get("Allow") != "GET" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}

// An unexpected failure is a 500 INTERNAL_ERROR whose message names only the request id.
func TestInternalErrorNamesOnlyTheRequestID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	id := e.ask(tok, `{"text":"hello"}`)["uuid"].(string)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/messaging/v1/questions/" + id, "/messaging/v1/questions/" + id + "?lastChecked=0"} {
		r := e.do("GET", target, nil, "Authorization", "Bearer "+tok, "X-Request-Id", "0f8fad5b-d9cb-469f-a165-70867728950e")
		if r.status != 500 || r.errorCode() != "INTERNAL_ERROR" ||
			r.errorMessage() != "internal error (request id 0f8fad5b-d9cb-469f-a165-70867728950e)" {
			t.Errorf("%s: %d %s", target, r.status, r.body)
		}
	}
	r := e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials", "Content-Type", formCT, "Authorization", basic(e.client, e.secret))
	if r.status != 500 || r.str("error") != "server_error" || !strings.HasPrefix(r.str("error_description"), "internal error (request id ") {
		t.Errorf("token with the store down: %d %s", r.status, r.body)
	}
}

// meta.requestId is a uuid: a caller's X-Request-Id is kept when it is one (lowercased), replaced
// otherwise; the header echoes what meta says.
func TestRequestIDIsAUUID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	for in, want := range map[string]string{
		"0f8fad5b-d9cb-469f-a165-70867728950e": "0f8fad5b-d9cb-469f-a165-70867728950e",
		"0F8FAD5B-D9CB-469F-A165-70867728950E": "0f8fad5b-d9cb-469f-a165-70867728950e",
		"req-42":                               "",
	} {
		r := e.do("GET", "/messaging/v1/questions", nil, "Authorization", "Bearer "+tok, "X-Request-Id", in)
		got := r.meta()["requestId"].(string)
		if want != "" && got != want || want == "" && (got == in || uuid.Validate(got) != nil) {
			t.Errorf("X-Request-Id %q: meta.requestId %q", in, got)
		}
	}
}

// The unprefixed aliases of the getting-started guide reach the same handlers.
func TestAliases(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	r := e.do("POST", "/messaging/questions", `{"text":"via the alias"}`, jsonHeaders(tok)...)
	if r.status != 201 || r.header.Get("Location") != "/messaging/v1/questions/"+r.data()["uuid"].(string) {
		t.Fatalf("POST /messaging/questions: %d %s", r.status, r.body)
	}
	id := r.data()["uuid"].(string)
	last := r.data()["lastUpdated"].(string)
	if r = e.do("GET", "/messaging/questions/"+id+"?lastChecked="+last, nil, bearer(tok)...); r.status != 304 {
		t.Errorf("poll via the alias: %d", r.status)
	}
	e.respond(id)
	r = e.do("GET", "/messaging/questions/"+id+"?lastChecked="+last, nil, bearer(tok)...)
	if r.status != 200 {
		t.Fatalf("poll via the alias after a response: %d", r.status)
	}
	respID := obj(list(obj(r.data()["conversation"])["responses"])[0])["uuid"].(string)
	if r = e.do("GET", "/messaging/messages?questionUuid="+id, nil, bearer(tok)...); r.status != 200 || len(list(r.json["data"])) != 2 {
		t.Errorf("GET /messaging/messages: %d %s", r.status, r.body)
	}
	if r = e.do("GET", "/messaging/classifications?text=hello", nil, bearer(tok)...); r.status != 200 {
		t.Errorf("GET /messaging/classifications: %d %s", r.status, r.body)
	}
	if r = e.do("POST", "/messaging/predictiveRouting", `{"text":"hello"}`, jsonHeaders(tok)...); r.status != 200 {
		t.Errorf("POST /messaging/predictiveRouting: %d %s", r.status, r.body)
	}
	if r = e.do("POST", "/messaging/responses/"+respID+"/accept", nil, bearer(tok)...); r.status != 200 || obj(r.data()["state"])["status"] != "RESOLVED" {
		t.Errorf("POST /messaging/responses/{uuid}/accept: %d %s", r.status, r.body)
	}
	if r = e.do("PATCH", "/messaging/responses/"+respID+"/accept", nil, bearer(tok)...); r.status != 405 || r.header.Get("Allow") != "POST" {
		t.Errorf("PATCH on an alias: %d %q", r.status, r.header.Get("Allow"))
	}
	if r = e.do("GET", "/messaging/questions/"+id+"/nowhere", nil, bearer(tok)...); r.status != 404 {
		t.Errorf("unknown path under an alias: %d", r.status)
	}
}

// A message body is plain text: HTML in it is shown, never interpreted.
func TestBodyHTMLIsEscaped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	id := e.ask(tok, `{"text":"hello"}`)["uuid"].(string)
	payloads := []string{
		`<script>alert(1)</script>`,
		`<img src=x onerror=alert(1)>`,
		`<a href="javascript:alert(1)">click</a>`,
		`"><svg onload=alert(1)>`,
		"javascript:alert(1)",
	}
	for _, p := range payloads {
		r := e.do("POST", "/messaging/v1/messages", `{"questionUuid":"`+id+`","body":`+jsonString(p)+`}`, jsonHeaders(tok)...)
		if r.status != 201 {
			t.Fatalf("%q: %d %s", p, r.status, r.body)
		}
		html := r.data()["bodyHtml"].(string)
		for _, m := range tagRE.FindAllStringSubmatch(html, -1) {
			if m[1] != "p" && m[1] != "/p" && m[1] != "br" {
				t.Errorf("%q rendered as %q: tag <%s>", p, html, m[1])
			}
		}
		if !strings.Contains(html, "&lt;") && strings.Contains(p, "<") {
			t.Errorf("%q rendered as %q: '<' not escaped", p, html)
		}
		if r.data()["body"] != p {
			t.Errorf("body %q, want %q", r.data()["body"], p)
		}
	}
	r := e.do("GET", "/messaging/v1/messages?questionUuid="+id, nil, bearer(tok)...)
	if !strings.Contains(string(r.body), `&lt;script&gt;alert(1)&lt;/script&gt;`) {
		t.Errorf("script not escaped in the list: %s", r.body)
	}
}

// tagRE finds the element names of the tags in some HTML.
var tagRE = regexp.MustCompile(`<(/?[A-Za-z][A-Za-z0-9]*)`)

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
