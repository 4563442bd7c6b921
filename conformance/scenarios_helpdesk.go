package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	helpdeskapi "github.com/switchboard-dev/switchboard/gen/helpdesk"
)

// seedBody is seed 001's saveQuestion curl sample as curl puts it on the wire: `--data` values
// joined with "&", unencoded (raw spaces, "@" and brackets).
const seedBody = "text=sample question detailed description&emailAddress=user@example.com&fullname=Joe User" +
	"&helpDeskId=123456789&metadata[Operating+System]=iOS+8.1&metadata[Browser]=Safari" +
	"&metadata[Account][Creation Date]=2016-06-06 11:34:00&metadata[Account][Worth]=1000000"

const (
	seedMetadata  = `{"Operating System":"iOS 8.1","Browser":"Safari","Account":{"Creation Date":"2016-06-06 11:34:00","Worth":"1000000"}}`
	seedVisible   = `{"Operating System":"iOS 8.1","Browser":"Safari"}`
	formType      = "application/x-www-form-urlencoded"
	saveQuestion  = "/helpdesk/helpDesk/saveQuestion"
	closeQuestion = "/helpdesk/helpDesk/closeQuestion"
)

func helpDeskClose(id string) helpdeskapi.CloseQuestionFormdataRequestBody {
	return helpdeskapi.CloseQuestionFormdataRequestBody{HelpDeskId: id}
}

// savedQuestion decodes a saveQuestion 200 body and checks its exact key set.
func savedQuestion(e *Env, what string, status int, body []byte) (helpdeskapi.SavedQuestion, bool) {
	var out helpdeskapi.SaveQuestionResult
	if !e.Expect(status == http.StatusOK, "%s: want 200, got %d %s", what, status, body) {
		return out.Question, false
	}
	if err := json.Unmarshal(body, &out); err != nil {
		e.Failf("%s: %v", what, err)
		return out.Question, false
	}
	e.Expect(keys(body, "question") == "answers,id,isEscalated,status,url", "%s: question has keys %s", what, keys(body, "question"))
	return out.Question, true
}

// keys lists the keys of body[field], sorted, comma-separated.
func keys(body []byte, field string) string {
	var m map[string]map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "(not an object)"
	}
	var ks []string
	for k := range m[field] {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

func errorCode(body []byte) (code, message string) {
	var e helpdeskapi.Error
	json.Unmarshal(body, &e)
	return string(e.Error.Code), e.Error.Message
}

func compactJSON(b []byte) string {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return string(b)
	}
	return buf.String()
}

func findQuestion(qs []adminapi.AdminQuestion, helpDeskID string) *adminapi.AdminQuestion {
	for i := range qs {
		if qs[i].HelpDeskId != nil && *qs[i].HelpDeskId == helpDeskID {
			return &qs[i]
		}
	}
	return nil
}

// helpDeskSeedFlow: the seed's curl sample, verbatim, then closeQuestion; and the idempotence of both.
func helpDeskSeedFlow(ctx context.Context, e *Env) error {
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	tok := "ApiToken:" + t.Token
	resp, body, err := e.Raw(ctx, http.MethodPost, saveQuestion, formType, seedBody, tok)
	if err != nil {
		return err
	}
	q, ok := savedQuestion(e, "seed saveQuestion", resp.StatusCode, body)
	if !ok {
		return nil
	}
	e.Expect(resp.Header.Get("Content-Type") == "application/json;charset=UTF-8", "saveQuestion Content-Type %q", resp.Header.Get("Content-Type"))
	e.Expect(q.Status == "0 answers" && !q.IsEscalated && len(q.Answers) == 0 && q.Id > 0, "seed saveQuestion: got %s", body)
	sub := ""
	if g, err := e.Admin.GetTenantWithResponse(ctx, t.ID); err == nil && g.JSON200 != nil {
		sub = g.JSON200.Subdomain
	}
	urlRE := regexp.MustCompile(fmt.Sprintf(`^https://%s\.[a-z0-9.-]+/p/%s-sample-question-detailed-description-%d$`, sub, sub, q.Id))
	e.Expect(urlRE.MatchString(q.Url), "seed saveQuestion: url %q does not match %s", q.Url, urlRE)

	// The operator sees all of the metadata in order, experts only the top-level texts.
	qs, err := questions(ctx, e, t.ID)
	if err != nil {
		return err
	}
	if aq := findQuestion(qs, "123456789"); e.Expect(aq != nil, "the operator does not list the saved question") {
		e.Expect(compactJSON(aq.Metadata) == seedMetadata, "metadata %s, want %s", aq.Metadata, seedMetadata)
		e.Expect(compactJSON(aq.VisibleMetadata) == seedVisible, "visibleMetadata %s, want %s", aq.VisibleMetadata, seedVisible)
		e.Expect(aq.Author.Name == "Joe User" && aq.Author.Email == "user@example.com", "author %+v", aq.Author)
		e.Expect(aq.Subject == "sample question detailed description" && aq.Status == adminapi.UNRESOLVED, "subject %q status %s", aq.Subject, aq.Status)
	}

	// Saving again creates nothing and answers with the same question.
	resp, body, err = e.Raw(ctx, http.MethodPost, saveQuestion, formType, strings.Replace(seedBody, "sample question", "changed question", 1), tok)
	if err != nil {
		return err
	}
	if again, ok := savedQuestion(e, "repeated saveQuestion", resp.StatusCode, body); ok {
		e.Expect(again.Id == q.Id && again.Url == q.Url && again.Status == "0 answers", "repeated saveQuestion: got %s, want the first question", body)
	}

	// closeQuestion, as in the seed's second sample, then again.
	for i := 0; i < 2; i++ {
		resp, body, err = e.Raw(ctx, http.MethodPost, closeQuestion, formType, "helpDeskId=123456789", tok)
		if err != nil {
			return err
		}
		e.Expect(resp.StatusCode == http.StatusOK && keys(body, "question") == "id,status,url", "closeQuestion #%d: got %d %s", i+1, resp.StatusCode, body)
		var c helpdeskapi.CloseQuestionResult
		json.Unmarshal(body, &c)
		e.Expect(c.Question.Id == q.Id && c.Question.Url == q.Url && c.Question.Status == helpdeskapi.CLOSED, "closeQuestion #%d: got %s", i+1, body)
	}
	resp, body, err = e.Raw(ctx, http.MethodPost, saveQuestion, formType, seedBody, tok)
	if err != nil {
		return err
	}
	if closed, ok := savedQuestion(e, "saveQuestion after close", resp.StatusCode, body); ok {
		e.Expect(closed.Id == q.Id && closed.Status == "CLOSED", "saveQuestion after close: got %s", body)
	}
	return nil
}

// helpDeskEncodings: every accepted encoding and token place yields the same question.
func helpDeskEncodings(ctx context.Context, e *Env) error {
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	hd := e.HelpDesk(t.Token)
	tok := "ApiToken:" + t.Token
	meta := map[string]interface{}{"Browser": "Safari", "Account": map[string]interface{}{"Worth": "1000000"}}
	fullname := "Joe User"

	// Generated client, JSON body.
	j, err := hd.SaveQuestionWithResponse(ctx, helpdeskapi.SaveQuestionJSONRequestBody{
		Text: "json question", EmailAddress: "joe.user@example.com", HelpDeskId: "json-1", Metadata: &meta, Fullname: &fullname,
	})
	if err != nil {
		return err
	}
	e.Expect(j.JSON200 != nil && j.JSON200.Question.Status == "0 answers", "saveQuestion (JSON, generated client): got %d %s", j.StatusCode(), j.Body)

	// Generated client, form body (it cannot send nested metadata; the fields are enough).
	f, err := hd.SaveQuestionWithFormdataBodyWithResponse(ctx, helpdeskapi.SaveQuestionFormdataRequestBody{
		Text: "form question", EmailAddress: "joe.user@example.com", HelpDeskId: "form-1",
	})
	if err != nil {
		return err
	}
	e.Expect(f.JSON200 != nil, "saveQuestion (form, generated client): got %d %s", f.StatusCode(), f.Body)

	// Percent-encoded form, as most HTTP libraries send it.
	enc := "text=encoded+question&emailAddress=joe.user%40example.com&helpDeskId=enc-1" +
		"&metadata%5BBrowser%5D=Safari&metadata%5BAccount%5D%5BWorth%5D=1000000&metadata%5Btags%5D%5B%5D=a&metadata%5Btags%5D%5B%5D=b"
	resp, body, err := e.Raw(ctx, http.MethodPost, saveQuestion, formType+"; charset=utf-8", enc, tok)
	if err != nil {
		return err
	}
	savedQuestion(e, "saveQuestion (percent-encoded form)", resp.StatusCode, body)

	// Multipart with the same bracket names.
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	for _, kv := range [][2]string{{"text", "multipart question"}, {"emailAddress", "joe.user@example.com"}, {"helpDeskId", "mp-1"}, {"metadata[Browser]", "Safari"}, {"metadata[Account][Worth]", "1000000"}} {
		w.WriteField(kv[0], kv[1])
	}
	w.Close()
	resp, body, err = e.Raw(ctx, http.MethodPost, saveQuestion, w.FormDataContentType(), mp.String(), tok)
	if err != nil {
		return err
	}
	savedQuestion(e, "saveQuestion (multipart)", resp.StatusCode, body)

	// Token in the body, and in the query string; a body without Content-Type; a field sent twice
	// keeps its last value. (Body fields taken from the query string are tested in server/helpdesk:
	// no spec can say "required in the body or the query".)
	resp, body, err = e.Raw(ctx, http.MethodPost, saveQuestion, formType, "apiToken="+t.Token+"&text=body+token&emailAddress=a@example.com&helpDeskId=bt-1")
	if err != nil {
		return err
	}
	savedQuestion(e, "saveQuestion (token in the body)", resp.StatusCode, body)
	resp, body, err = e.Raw(ctx, http.MethodPost, saveQuestion+"?apiToken="+url.QueryEscape(t.Token), "", "text=first&text=query+token&emailAddress=a@example.com&helpDeskId=qt-1")
	if err != nil {
		return err
	}
	savedQuestion(e, "saveQuestion (token in the query, no Content-Type)", resp.StatusCode, body)

	qs, err := questions(ctx, e, t.ID)
	if err != nil {
		return err
	}
	e.Expect(len(qs) == 6, "the tenant has %d questions, want 6", len(qs))
	for _, c := range []struct{ id, meta, visible string }{
		{"json-1", `{"Browser":"Safari","Account":{"Worth":"1000000"}}`, `{"Browser":"Safari"}`},
		{"enc-1", `{"Browser":"Safari","Account":{"Worth":"1000000"},"tags":["a","b"]}`, `{"Browser":"Safari","tags":["a","b"]}`},
		{"mp-1", `{"Browser":"Safari","Account":{"Worth":"1000000"}}`, `{"Browser":"Safari"}`},
		{"form-1", `{}`, `{}`},
	} {
		q := findQuestion(qs, c.id)
		if !e.Expect(q != nil, "question %s not listed", c.id) {
			continue
		}
		// JSON objects carry no order, so the JSON body's metadata is compared as a set of entries.
		if c.id == "json-1" {
			var got, want map[string]any
			json.Unmarshal(q.Metadata, &got)
			json.Unmarshal([]byte(c.meta), &want)
			e.Expect(fmt.Sprint(got) == fmt.Sprint(want), "%s metadata %s, want %s", c.id, q.Metadata, c.meta)
			continue
		}
		e.Expect(compactJSON(q.Metadata) == c.meta, "%s metadata %s, want %s", c.id, q.Metadata, c.meta)
		e.Expect(compactJSON(q.VisibleMetadata) == c.visible, "%s visibleMetadata %s, want %s", c.id, q.VisibleMetadata, c.visible)
		e.Expect(q.Author.Name == "Joe User", "%s: author name %q, want the one derived from joe.user@example.com", c.id, q.Author.Name)
	}
	if q := findQuestion(qs, "qt-1"); e.Expect(q != nil, "question qt-1 not listed") {
		e.Expect(q.Text == "query token", "a field sent twice: text %q, want the last value", q.Text)
	}
	return nil
}

// helpDeskBadInput: every kind of bad input gets a 400 in the API's format naming the problem,
// and nothing is stored.
func helpDeskBadInput(ctx context.Context, e *Env) error {
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	tok := "ApiToken:" + t.Token
	ok := "&emailAddress=user@example.com&helpDeskId=bad-1"
	many := strings.Repeat("metadata[k]=v&", 1001)
	cases := []struct {
		name, path, ctype, body, mention string
	}{
		{"missing text", saveQuestion, formType, "emailAddress=user@example.com&helpDeskId=bad-1", "text"},
		{"blank text", saveQuestion, formType, "text=+++" + ok, "text: must not be blank"},
		{"missing helpDeskId", saveQuestion, formType, "text=hi&emailAddress=user@example.com", "helpDeskId"},
		{"missing emailAddress", saveQuestion, formType, "text=hi&helpDeskId=bad-1", "emailAddress"},
		{"email without @", saveQuestion, formType, "text=hi&emailAddress=user.example.com&helpDeskId=bad-1", "emailAddress"},
		{"email with two @", saveQuestion, formType, "text=hi&emailAddress=a@b@example.com&helpDeskId=bad-1", "emailAddress"},
		{"unclosed metadata key", saveQuestion, formType, "text=hi" + ok + "&metadata[a=1", `metadata[a`},
		{"text after a metadata key", saveQuestion, formType, "text=hi" + ok + "&metadata[a]b=1", `metadata[a]b`},
		{"metadata both text and map", saveQuestion, formType, "text=hi" + ok + "&metadata[a]=1&metadata[a][b]=2", "metadata[a]"},
		{"metadata not a map", saveQuestion, formType, "text=hi" + ok + "&metadata=v", "metadata"},
		{"metadata a list", saveQuestion, formType, "text=hi" + ok + "&metadata[]=v", "metadata"},
		{"bad percent-escape", saveQuestion, formType, "text=%zz" + ok, "percent"},
		{"too many fields", saveQuestion, formType, many + "text=hi" + ok, "1000"},
		{"oversized body", saveQuestion, formType, "text=" + strings.Repeat("a", 1<<20) + ok, "larger than"},
		{"text too long", saveQuestion, formType, "text=" + strings.Repeat("a", 20001) + ok, "text"},
		{"unsupported content type", saveQuestion, "text/xml", "<text>hi</text>", "unsupported content type"},
		{"malformed JSON", saveQuestion, "application/json", `{"text": "hi",`, "request body"},
		{"JSON that is not an object", saveQuestion, "application/json", `["text"]`, "request body"},
		{"closeQuestion without helpDeskId", closeQuestion, formType, "", "helpDeskId"},
		{"closeQuestion with a blank helpDeskId", closeQuestion, formType, "helpDeskId=++", "helpDeskId"},
	}
	for _, c := range cases {
		resp, body, err := e.Raw(ctx, http.MethodPost, c.path, c.ctype, c.body, tok)
		if err != nil {
			return err
		}
		code, msg := errorCode(body)
		e.Expect(resp.StatusCode == http.StatusBadRequest && code == "INVALID_PARAMETER" && strings.Contains(msg, c.mention),
			"%s: want 400 INVALID_PARAMETER naming %q, got %d %s", c.name, c.mention, resp.StatusCode, truncate(body))
	}
	qs, err := questions(ctx, e, t.ID)
	if err != nil {
		return err
	}
	e.Expect(len(qs) == 0, "bad input stored %d questions", len(qs))
	return nil
}

func truncate(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "..."
	}
	return string(b)
}

// helpDeskTokens: a missing or wrong token is a 401 on both operations; a present header alone decides.
func helpDeskTokens(ctx context.Context, e *Env) error {
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	for _, path := range []string{saveQuestion, closeQuestion} {
		for _, c := range []struct {
			name, body string
			headers    []string
		}{
			{"no token", "helpDeskId=1&text=hi&emailAddress=a@example.com", nil},
			{"unknown token", "helpDeskId=1&text=hi&emailAddress=a@example.com", []string{"ApiToken: " + strings.Repeat("0", 40)}},
			{"wrong header, good body token", "apiToken=" + t.Token + "&helpDeskId=1&text=hi&emailAddress=a@example.com", []string{"ApiToken: nope"}},
			{"empty header, good body token", "apiToken=" + t.Token + "&helpDeskId=1&text=hi&emailAddress=a@example.com", []string{"ApiToken: "}},
		} {
			resp, body, err := e.Raw(ctx, http.MethodPost, path, formType, c.body, c.headers...)
			if err != nil {
				return err
			}
			code, msg := errorCode(body)
			e.Expect(resp.StatusCode == http.StatusUnauthorized && code == "UNAUTHORIZED" && strings.Contains(msg, "token"),
				"%s %s: want 401 UNAUTHORIZED, got %d %s", path, c.name, resp.StatusCode, body)
		}
	}
	// The header name is case-insensitive and its value trimmed.
	resp, body, err := e.Raw(ctx, http.MethodPost, saveQuestion, formType, "helpDeskId=case-1&text=hi&emailAddress=a@example.com", "apitoken:   "+t.Token+"  ")
	if err != nil {
		return err
	}
	savedQuestion(e, "saveQuestion with header apitoken", resp.StatusCode, body)
	return nil
}

// helpDeskIsolation: another tenant's token can neither see nor close a question.
func helpDeskIsolation(ctx context.Context, e *Env) error {
	a, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	b, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	id := "shared-" + uuid.NewString()[:8]
	ra, err := e.HelpDesk(a.Token).SaveQuestionWithFormdataBodyWithResponse(ctx, helpdeskapi.SaveQuestionFormdataRequestBody{Text: "A's question", EmailAddress: "a@example.com", HelpDeskId: id})
	if err != nil {
		return err
	}
	if !e.Expect(ra.JSON200 != nil, "A saveQuestion: %d %s", ra.StatusCode(), ra.Body) {
		return nil
	}
	rc, err := e.HelpDesk(b.Token).CloseQuestionWithFormdataBodyWithResponse(ctx, helpDeskClose(id))
	if err != nil {
		return err
	}
	e.Expect(rc.StatusCode() == http.StatusNotFound && rc.JSON404 != nil && rc.JSON404.Error.Code == helpdeskapi.NOTFOUND,
		"B closing A's question: want 404 NOT_FOUND, got %d %s", rc.StatusCode(), rc.Body)
	rb, err := e.HelpDesk(b.Token).SaveQuestionWithFormdataBodyWithResponse(ctx, helpdeskapi.SaveQuestionFormdataRequestBody{Text: "B's question", EmailAddress: "b@example.com", HelpDeskId: id})
	if err != nil {
		return err
	}
	if e.Expect(rb.JSON200 != nil, "B saveQuestion with A's helpDeskId: %d %s", rb.StatusCode(), rb.Body) {
		// Ids are numbered per tenant (both may be 1); the URL names the tenant and the question.
		e.Expect(rb.JSON200.Question.Url != ra.JSON200.Question.Url, "B's saveQuestion answered with A's question %s", ra.JSON200.Question.Url)
	}
	qa, err := questions(ctx, e, a.ID)
	if err != nil {
		return err
	}
	qb, err := questions(ctx, e, b.ID)
	if err != nil {
		return err
	}
	if q := findQuestion(qa, id); e.Expect(q != nil && len(qa) == 1, "A lists %d questions", len(qa)) {
		e.Expect(q.Status == adminapi.UNRESOLVED && q.Text == "A's question", "A's question was touched: %+v", *q)
	}
	e.Expect(len(qb) == 1 && qb[0].Text == "B's question", "B lists %d questions: %+v", len(qb), qb)
	return nil
}

func helpDeskRouteMisses(ctx context.Context, e *Env) error {
	for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodDelete, http.MethodOptions} {
		resp, body, err := e.Raw(ctx, m, saveQuestion, "", "")
		if err != nil {
			return err
		}
		code, _ := errorCode(body)
		e.Expect(resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "POST" && code == "METHOD_NOT_ALLOWED",
			"%s saveQuestion: want 405 with Allow: POST, got %d %q %s", m, resp.StatusCode, resp.Header.Get("Allow"), body)
	}
	resp, body, err := e.Raw(ctx, http.MethodPost, "/helpdesk/helpDesk/deleteQuestion", formType, "helpDeskId=1")
	if err != nil {
		return err
	}
	code, _ := errorCode(body)
	e.Expect(resp.StatusCode == http.StatusNotFound && code == "NOT_FOUND", "unknown Help Desk path: want 404 NOT_FOUND, got %d %s", resp.StatusCode, body)
	return nil
}
