package messaging_test

import (
	"bytes"
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/messaging"
)

func TestTextEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	e.configureClasses()

	r := e.do("GET", "/messaging/v1/classifications?text="+url.QueryEscape("I need a refund for my invoice"), nil, bearer(tok)...)
	if r.status != 200 || r.data()["classification"] != "billing" || r.data()["confidence"] != float64(1) ||
		r.data()["text"] != "I need a refund for my invoice" {
		t.Errorf("classification: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/messaging/v1/classifications?text=hello", nil, bearer(tok)...)
	if r.status != 200 || r.data()["classification"] != nil {
		t.Errorf("no classification: %d %s", r.status, r.body)
	}

	r = e.do("POST", "/messaging/v1/predictiveRouting", `{"text":"my lawyer will call"}`, jsonHeaders(tok)...)
	if r.status != 200 || r.data()["routeToExperts"] != false || r.data()["confidence"] != 0.5 {
		t.Errorf("predictiveRouting (agent-only): %d %s", r.status, r.body)
	}
	r = e.do("POST", "/messaging/v1/predictiveRouting", `{"text":"where is my parcel"}`, jsonHeaders(tok)...)
	if r.status != 200 || r.data()["routeToExperts"] != true {
		t.Errorf("predictiveRouting: %d %s", r.status, r.body)
	}

	r = e.do("POST", "/messaging/v1/automaticAnswers", `{"query":"refund of my invoice please"}`, jsonHeaders(tok)...)
	a := r.data()
	if r.status != 200 || a["title"] != "Refunds" || a["feedback"] != nil || a["query"] != "refund of my invoice please" ||
		a["bodyHtml"] != "<p>Refunds take **5 days**.<br>\nSee <a href=\"https://example.com/refunds\" rel=\"nofollow noopener noreferrer\">https://example.com/refunds</a></p>" {
		t.Errorf("automaticAnswers: %d %s", r.status, r.body)
	}
	id := a["uuid"].(string)
	r = e.do("POST", "/messaging/v1/automaticAnswers", `{"query":"hello"}`, jsonHeaders(tok)...)
	if r.status != 200 || r.json["data"] != nil || !strings.Contains(string(r.body), `"data":null`) {
		t.Errorf("automaticAnswers without a match: %d %s", r.status, r.body)
	}
	for _, reply := range []string{"ACCEPTED", "REJECTED"} {
		r = e.do("POST", "/messaging/v1/automaticAnswers/"+id+"/feedback", `{"quickReply":"`+reply+`"}`, jsonHeaders(tok)...)
		if r.status != 200 || r.data()["feedback"] != reply || r.data()["uuid"] != id {
			t.Errorf("feedback %s: %d %s", reply, r.status, r.body)
		}
	}
	if r = e.do("POST", "/messaging/v1/automaticAnswers/"+id+"/feedback", `{"quickReply":"MAYBE"}`, jsonHeaders(tok)...); r.status != 400 {
		t.Errorf("bad quickReply: %d %s", r.status, r.body)
	}
	if r = e.do("POST", "/messaging/v1/automaticAnswers/"+uuid.NewString()+"/feedback", `{"quickReply":"ACCEPTED"}`, jsonHeaders(tok)...); r.status != 404 {
		t.Errorf("feedback on an unknown answer: %d %s", r.status, r.body)
	}

	// Markdown companies get Markdown; raw HTML stays text either way.
	if _, err := e.svc.UpdateSettings(context.Background(), e.tenant.ID, []byte(`{"markdown":true}`)); err != nil {
		t.Fatal(err)
	}
	r = e.do("POST", "/messaging/v1/content", `{"text":"parcel tracking and an invoice refund"}`, jsonHeaders(tok)...)
	items := list(r.data()["content"])
	if r.status != 200 || len(items) != 2 || obj(items[0])["title"] != "Refunds" ||
		!strings.Contains(obj(items[0])["bodyHtml"].(string), "<strong>5 days</strong>") ||
		strings.Contains(obj(items[1])["bodyHtml"].(string), "<b>") {
		t.Errorf("content: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/messaging/v1/content", `{"text":"hello"}`, jsonHeaders(tok)...)
	if r.status != 200 || r.data()["content"] == nil || len(list(r.data()["content"])) != 0 {
		t.Errorf("content without a match must be []: %d %s", r.status, r.body)
	}

	// A question with a classification gets the class's automatic answer.
	q := e.ask(tok, `{"text":"refund please","classification":"billing"}`)
	resp := obj(list(obj(q["conversation"])["responses"])[0])
	if resp["type"] != "Automated" || obj(resp["author"])["type"] != "BOT" || obj(resp["author"])["uuid"] != nil ||
		obj(list(resp["messages"])[0])["type"] != "AUTOMATED_MESSAGE" || obj(q["conversation"])["unreadMessageCount"] != float64(1) {
		t.Errorf("automated response: %v", resp)
	}

	// Blank text is a 400 on every text endpoint; nothing is created.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/messaging/v1/classifications?text=%20%20", ""},
		{"GET", "/messaging/v1/classifications", ""},
		{"POST", "/messaging/v1/predictiveRouting", `{"text":"  "}`},
		{"POST", "/messaging/v1/predictiveRouting", `{}`},
		{"POST", "/messaging/v1/automaticAnswers", `{"query":"\n"}`},
		{"POST", "/messaging/v1/content", `{"text":""}`},
	} {
		if r := e.do(c.method, c.path, c.body, jsonHeaders(tok)...); r.status != 400 || r.errorCode() != "INVALID_PARAMETER" {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.status, r.body)
		}
	}
}

func TestTrainingFiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	upload := func(body []byte, ct string) result {
		t.Helper()
		return e.do("POST", "/messaging/v1/trainingFiles", body, "Authorization", "Bearer "+tok, "Content-Type", ct)
	}

	body, ct := multipartBody(t, []byte("question,answer\nhi,hello\n"), "April chats")
	r := upload(body, ct)
	if r.status != 201 || r.data()["filename"] != "transcripts.csv" || r.data()["size"] != float64(25) ||
		r.data()["contentType"] != "application/octet-stream" || r.data()["description"] != "April chats" ||
		r.data()["status"] != "RECEIVED" || r.data()["createdAt"] != "2017-05-18T16:50:38Z" {
		t.Errorf("upload: %d %s", r.status, r.body)
	}
	body, ct = multipartBody(t, []byte("x"), "")
	if r = e.do("POST", "/messaging/trainingFiles", body, "Authorization", "Bearer "+tok, "Content-Type", ct); r.status != 201 || r.data()["description"] != nil {
		t.Errorf("upload via the alias without a description: %d %s", r.status, r.body)
	}

	// The whole 10 MiB is accepted past the server-wide 2 MiB cap; one byte more is not.
	body, ct = multipartBody(t, bytes.Repeat([]byte("a"), messaging.MaxTrainingFile), "")
	if r = upload(body, ct); r.status != 201 || r.data()["size"] != float64(messaging.MaxTrainingFile) {
		t.Errorf("10 MiB upload: %d %.300s", r.status, r.body)
	}
	body, ct = multipartBody(t, bytes.Repeat([]byte("a"), messaging.MaxTrainingFile+1), "")
	if r = upload(body, ct); r.status != 400 || !strings.Contains(r.errorMessage(), "10485760") {
		t.Errorf("10 MiB + 1 upload: %d %.300s", r.status, r.body)
	}
	body, ct = multipartBody(t, bytes.Repeat([]byte("a"), messaging.MaxUploadBody), "")
	if r = upload(body, ct); r.status != 400 || !strings.Contains(r.errorMessage(), "10485760") {
		t.Errorf("upload over the body limit: %d %.300s", r.status, r.body) // the file's limit is met first
	}

	for name, c := range map[string]struct {
		file []byte
		desc string
	}{
		"empty file":       {[]byte{}, ""},
		"no file":          {nil, "just words"},
		"long description": {[]byte("x"), strings.Repeat("d", 1001)},
	} {
		body, ct := multipartBody(t, c.file, c.desc)
		if r := upload(body, ct); r.status != 400 || r.errorCode() != "INVALID_PARAMETER" {
			t.Errorf("%s: %d %s", name, r.status, r.body)
		}
	}
	if r = upload([]byte(`{"file":"x"}`), "application/json"); r.status != 400 {
		t.Errorf("JSON upload: %d %s", r.status, r.body)
	}
}

// Request bodies are at most 1 MiB everywhere else (below the server's own 2 MiB cap).
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.token()
	big := `{"text":"hello","metadata":{"x":"` + strings.Repeat("a", messaging.MaxBody) + `"}}`
	r := e.do("POST", "/messaging/v1/questions", big, jsonHeaders(tok)...)
	if r.status != 400 || r.errorMessage() != "request body: larger than 1048576 bytes" {
		t.Errorf("1 MiB + body: %d %.300s", r.status, r.body)
	}
	r = e.do("POST", "/messaging/oauth/token", "grant_type=client_credentials&x="+strings.Repeat("a", messaging.MaxBody), "Content-Type", formCT)
	if r.status != 400 || r.str("error") != "invalid_request" || !strings.Contains(r.str("error_description"), "larger than") {
		t.Errorf("1 MiB + token body: %d %.300s", r.status, r.body)
	}
	if r = e.do("GET", "/messaging/v1/questions", nil, bearer(tok)...); len(list(r.json["data"])) != 0 {
		t.Errorf("the rejected create created something: %s", r.body)
	}
}
