package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"strings"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	helpdeskapi "github.com/switchboard-dev/switchboard/gen/helpdesk"
	msgapi "github.com/switchboard-dev/switchboard/gen/messaging"
)

// messagingIsolation: another company's token gets 404 on every object endpoint and changes
// nothing; a Help Desk question is not visible through the Messaging API.
func messagingIsolation(ctx context.Context, e *Env) error {
	a, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{Classes: &[]adminapi.TextClass{billingClass}}})
	if err != nil {
		return err
	}
	b, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{Classes: &[]adminapi.TextClass{billingClass}}})
	if err != nil {
		return err
	}
	q, err := a.ask(ctx, e, "Isolation: A's question")
	if err != nil {
		return err
	}
	id := q.Data.Uuid
	rid, err := a.respond(ctx, e, 0, id, "A's expert answers.")
	if err != nil {
		return err
	}
	aa, err := a.M.CreateAutomaticAnswerWithResponse(ctx, msgapi.AutomaticAnswerRequest{Query: "refund for my invoice"})
	if err != nil {
		return err
	}
	if !e.Expect(aa.JSON200 != nil && aa.JSON200.Data != nil, "A's automatic answer: %d %s", aa.StatusCode(), aa.Body) {
		return nil
	}
	answer := aa.JSON200.Data.Uuid
	_, before, err := a.get(ctx, id)
	if err != nil {
		return err
	}

	m := b.M
	calls := []struct {
		op   string
		call func() (int, []byte, error)
	}{
		{"getQuestion", func() (int, []byte, error) { return result(m.GetQuestionWithResponse(ctx, id, nil)) }},
		{"getQuestion with lastChecked", func() (int, []byte, error) {
			return result(m.GetQuestionWithResponse(ctx, id, &msgapi.GetQuestionParams{LastChecked: ptr("2000-01-01T00:00:00Z")}))
		}},
		{"closeQuestion", func() (int, []byte, error) { return result(m.CloseQuestionWithResponse(ctx, id)) }},
		{"expireQuestion", func() (int, []byte, error) { return result(m.ExpireQuestionWithResponse(ctx, id)) }},
		{"rerouteQuestion", func() (int, []byte, error) {
			return result(m.RerouteQuestionWithResponse(ctx, id, msgapi.RerouteRequest{}))
		}},
		{"markQuestionRead", func() (int, []byte, error) { return result(m.MarkQuestionReadWithResponse(ctx, id)) }},
		{"acceptResponse", func() (int, []byte, error) { return result(m.AcceptResponseWithResponse(ctx, rid)) }},
		{"rateResponse", func() (int, []byte, error) {
			return result(m.RateResponseWithResponse(ctx, rid, msgapi.RateRequest{Rating: msgapi.RatingNegative5}))
		}},
		{"addTestimonial", func() (int, []byte, error) {
			return result(m.AddTestimonialWithResponse(ctx, rid, msgapi.TestimonialRequest{Text: "Not mine."}))
		}},
		{"listMessages", func() (int, []byte, error) {
			return result(m.ListMessagesWithResponse(ctx, &msgapi.ListMessagesParams{QuestionUuid: id}))
		}},
		{"listMessages of a thread", func() (int, []byte, error) {
			return result(m.ListMessagesWithResponse(ctx, &msgapi.ListMessagesParams{QuestionUuid: id, ResponseUuid: &rid}))
		}},
		{"createMessage", func() (int, []byte, error) {
			return result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: id, Body: "Hi from B."}))
		}},
		{"createMessage in a thread", func() (int, []byte, error) {
			return result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: id, ResponseUuid: &rid, Body: "Hi from B."}))
		}},
		{"sendAutomaticAnswerFeedback", func() (int, []byte, error) {
			return result(m.SendAutomaticAnswerFeedbackWithResponse(ctx, answer, msgapi.AutomaticAnswerFeedbackRequest{QuickReply: msgapi.QuickReplyRejected}))
		}},
	}
	for _, c := range calls {
		st, body, err := c.call()
		if err != nil {
			return err
		}
		code, _, ok := envelopeError(body)
		e.Expect(st == http.StatusNotFound && ok && code == "NOT_FOUND", "%s with another company's token: want 404 NOT_FOUND, got %d %s", c.op, st, truncate(body))
	}
	_, afterRaw, err := a.get(ctx, id)
	if err != nil {
		return err
	}
	e.Expect(sameJSON(before, afterRaw), "another company's calls changed A's question:\nbefore %s\nafter  %s", before, afterRaw)
	fb, err := a.M.SendAutomaticAnswerFeedbackWithResponse(ctx, answer, msgapi.AutomaticAnswerFeedbackRequest{QuickReply: msgapi.QuickReplyAccepted})
	if err != nil {
		return err
	}
	e.Expect(fb.JSON200 != nil && fb.JSON200.Data != nil && fb.JSON200.Data.Feedback != nil && *fb.JSON200.Data.Feedback == msgapi.QuickReplyAccepted,
		"A's own feedback after B's attempt: %d %s", fb.StatusCode(), fb.Body)
	l, err := m.ListQuestionsWithResponse(ctx, nil)
	if err != nil {
		return err
	}
	if e.Expect(l.JSON200 != nil, "B listQuestions: %d %s", l.StatusCode(), l.Body) {
		e.Expect(len(l.JSON200.Data) == 0 && l.JSON200.Meta.Pagination != nil && l.JSON200.Meta.Pagination.Total == 0, "B lists A's questions: %s", truncate(l.Body))
	}

	// A Help Desk question of A is not visible through A's Messaging API.
	hd, err := e.HelpDesk(a.tenant.Token).SaveQuestionWithFormdataBodyWithResponse(ctx, helpdeskapi.SaveQuestionFormdataRequestBody{
		Text: "A Help Desk ticket", EmailAddress: "joe@example.com", HelpDeskId: "iso-1"})
	if err != nil {
		return err
	}
	if e.Expect(hd.JSON200 != nil, "saveQuestion: %d %s", hd.StatusCode(), hd.Body) {
		qs, err := questions(ctx, e, a.ID)
		if err != nil {
			return err
		}
		if hq := findQuestion(qs, "iso-1"); e.Expect(hq != nil, "the Help Desk question is not listed") {
			st, body, err := result(a.M.GetQuestionWithResponse(ctx, hq.Uuid, nil))
			if err != nil {
				return err
			}
			e.Expect(st == http.StatusNotFound, "a Help Desk question through the Messaging API: want 404, got %d %s", st, truncate(body))
		}
	}
	return nil
}

// messagingBadInput: bad input answers the envelope with a clear message and changes nothing;
// tokens: missing, unknown, revoked (logout, revoked client) → 401; a read-only token may not
// POST (403); the token endpoints answer every RFC 6749 error in OAuthError form.
func messagingBadInput(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{Classes: &[]adminapi.TextClass{billingClass}}})
	if err != nil {
		return err
	}
	m := c.M
	auth := "Authorization: Bearer " + c.Token
	invalid := func(what string, st int, body []byte, mention string) {
		code, msg, ok := envelopeError(body)
		e.Expect(st == http.StatusBadRequest && ok && code == "INVALID_PARAMETER" && strings.Contains(msg, mention),
			"%s: want 400 INVALID_PARAMETER naming %q, got %d %s", what, mention, st, truncate(body))
	}
	count := func() int {
		r, err := m.ListQuestionsWithResponse(ctx, nil)
		if err != nil || r.JSON200 == nil || r.JSON200.Meta.Pagination == nil {
			e.Failf("listQuestions: %v %s", err, r.Body)
			return -1
		}
		return r.JSON200.Meta.Pagination.Total
	}

	// Asking with bad input stores nothing.
	for _, c := range []struct {
		what    string
		in      msgapi.CreateQuestionRequest
		mention string
	}{
		{"blank text", msgapi.CreateQuestionRequest{Text: "   "}, "text"},
		{"text too long", msgapi.CreateQuestionRequest{Text: strings.Repeat("a", 20001)}, "text"},
		{"unknown classification", msgapi.CreateQuestionRequest{Text: "Hi", Classification: ptr("shipping")}, "classification"},
		{"language not ISO 639-1", msgapi.CreateQuestionRequest{Text: "Hi", Language: ptr("English")}, "language"},
		{"email without @", msgapi.CreateQuestionRequest{Text: "Hi", Author: &msgapi.QuestionAuthorInput{Email: ptr("joe.example.com")}}, "email"},
		{"subject too long", msgapi.CreateQuestionRequest{Text: "Hi", Subject: ptr(strings.Repeat("s", 256))}, "subject"},
	} {
		st, body, err := result(m.CreateQuestionWithResponse(ctx, c.in))
		if err != nil {
			return err
		}
		invalid("createQuestion with "+c.what, st, body, c.mention)
	}
	for _, c := range []struct{ what, body, mention string }{
		{"malformed JSON", `{"text": "hi",`, "body"},
		{"a JSON array", `["hi"]`, "body"},
		{"text not a string", `{"text": 42}`, "text"},
		{"metadata not an object", `{"text": "hi", "metadata": "x"}`, "metadata"},
		{"metadata over 16 KiB", `{"text": "hi", "metadata": {"k": "` + strings.Repeat("x", 17000) + `"}}`, "metadata"},
	} {
		resp, body, err := e.Raw(ctx, http.MethodPost, "/messaging/v1/questions", "application/json", c.body, auth)
		if err != nil {
			return err
		}
		invalid("createQuestion with "+c.what, resp.StatusCode, body, c.mention)
	}
	e.Expect(count() == 0, "bad input stored questions")

	// Bad input on an existing question changes nothing.
	q, err := c.ask(ctx, e, "Bad input: my question")
	if err != nil {
		return err
	}
	id := q.Data.Uuid
	rid, err := c.respond(ctx, e, 0, id, "An answer.")
	if err != nil {
		return err
	}
	_, before, err := c.get(ctx, id)
	if err != nil {
		return err
	}
	st, body, err := result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: id, Body: " \n "}))
	if err != nil {
		return err
	}
	invalid("createMessage with a blank body", st, body, "body")
	resp, body, err := e.Raw(ctx, http.MethodPost, "/messaging/v1/responses/"+rid.String()+"/rate", "application/json", `{"rating": 5}`, auth)
	if err != nil {
		return err
	}
	invalid("rateResponse with a number", resp.StatusCode, body, "rating")
	resp, body, err = e.Raw(ctx, http.MethodPost, "/messaging/v1/responses/"+rid.String()+"/rate", "application/json", `{"rating": "GREAT"}`, auth)
	if err != nil {
		return err
	}
	invalid("rateResponse with an unknown rating", resp.StatusCode, body, "rating")
	resp, body, err = e.Raw(ctx, http.MethodPost, "/messaging/v1/questions/"+id.String()+"/reroute", "application/json", `{"reason": "`+strings.Repeat("r", 1001)+`"}`, auth)
	if err != nil {
		return err
	}
	invalid("rerouteQuestion with a reason over 1000 characters", resp.StatusCode, body, "reason")
	resp, body, err = e.Raw(ctx, http.MethodGet, "/messaging/v1/questions/not-a-uuid", "", "", auth)
	if err != nil {
		return err
	}
	invalid("getQuestion with a malformed uuid", resp.StatusCode, body, "uuid")
	for _, p := range []string{"/messaging/v1/responses/12345/accept", "/messaging/v1/questions/x/close", "/messaging/v1/questions/x/expire",
		"/messaging/v1/questions/x/read", "/messaging/v1/questions/" + id.String() + "x/reroute"} {
		resp, body, err = e.Raw(ctx, http.MethodPost, p, "", "", auth)
		if err != nil {
			return err
		}
		invalid("POST "+p+" (a malformed uuid)", resp.StatusCode, body, "uuid")
	}
	for _, nf := range []struct {
		what string
		call func() (int, []byte, error)
	}{
		{"getQuestion of an unknown uuid", func() (int, []byte, error) { return result(m.GetQuestionWithResponse(ctx, uuid.New(), nil)) }},
		{"acceptResponse of an unknown response", func() (int, []byte, error) { return result(m.AcceptResponseWithResponse(ctx, uuid.New())) }},
		{"createMessage in an unknown thread", func() (int, []byte, error) {
			return result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: id, ResponseUuid: ptr(uuid.New()), Body: "Hi"}))
		}},
		{"createMessage for an unknown question", func() (int, []byte, error) {
			return result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: uuid.New(), Body: "Hi"}))
		}},
	} {
		st, body, err := nf.call()
		if err != nil {
			return err
		}
		code, _, ok := envelopeError(body)
		e.Expect(st == http.StatusNotFound && ok && code == "NOT_FOUND", "%s: want 404 NOT_FOUND, got %d %s", nf.what, st, truncate(body))
	}
	_, afterRaw, err := c.get(ctx, id)
	if err != nil {
		return err
	}
	e.Expect(sameJSON(before, afterRaw), "bad input changed the question:\nbefore %s\nafter  %s", before, afterRaw)

	// Accept on a closed question: 400 INVALID_STATE with a clear message, nothing changed.
	if err := want200(result(m.CloseQuestionWithResponse(ctx, id))); err != nil {
		return err
	}
	_, before, err = c.get(ctx, id)
	if err != nil {
		return err
	}
	st, body, err = result(m.AcceptResponseWithResponse(ctx, rid))
	if err != nil {
		return err
	}
	code, msg, ok := envelopeError(body)
	e.Expect(st == http.StatusBadRequest && ok && code == "INVALID_STATE" && strings.Contains(msg, "CLOSED"),
		"accept on a closed question: want 400 INVALID_STATE naming CLOSED, got %d %s", st, body)
	_, afterRaw, err = c.get(ctx, id)
	if err != nil {
		return err
	}
	e.Expect(sameJSON(before, afterRaw), "accept on a closed question changed it")

	// 401: no token, an unknown one, a malformed header; every one with the Bearer challenge.
	for _, h := range []string{"", "Authorization: Bearer nope", "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(c.ClientID+":"+c.Secret))} {
		var hs []string
		if h != "" {
			hs = append(hs, h)
		}
		resp, body, err := e.Raw(ctx, http.MethodGet, "/messaging/v1/questions/"+id.String(), "", "", hs...)
		if err != nil {
			return err
		}
		code, _, ok := envelopeError(body)
		e.Expect(resp.StatusCode == http.StatusUnauthorized && ok && code == "UNAUTHORIZED" && resp.Header.Get("WWW-Authenticate") == `Bearer error="invalid_token"`,
			"getQuestion with %q: want 401 UNAUTHORIZED and the Bearer challenge, got %d %q %s", h, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	// Every /v1 operation refuses a request without a token.
	nobody := e.Messaging("")
	for _, c := range []struct {
		op   string
		call func() (int, []byte, error)
	}{
		{"createQuestion", func() (int, []byte, error) {
			return result(nobody.CreateQuestionWithResponse(ctx, msgapi.CreateQuestionRequest{Text: "hi"}))
		}},
		{"listQuestions", func() (int, []byte, error) { return result(nobody.ListQuestionsWithResponse(ctx, nil)) }},
		{"getQuestion", func() (int, []byte, error) { return result(nobody.GetQuestionWithResponse(ctx, id, nil)) }},
		{"closeQuestion", func() (int, []byte, error) { return result(nobody.CloseQuestionWithResponse(ctx, id)) }},
		{"expireQuestion", func() (int, []byte, error) { return result(nobody.ExpireQuestionWithResponse(ctx, id)) }},
		{"rerouteQuestion", func() (int, []byte, error) {
			return result(nobody.RerouteQuestionWithResponse(ctx, id, msgapi.RerouteRequest{}))
		}},
		{"markQuestionRead", func() (int, []byte, error) { return result(nobody.MarkQuestionReadWithResponse(ctx, id)) }},
		{"acceptResponse", func() (int, []byte, error) { return result(nobody.AcceptResponseWithResponse(ctx, rid)) }},
		{"rateResponse", func() (int, []byte, error) {
			return result(nobody.RateResponseWithResponse(ctx, rid, msgapi.RateRequest{Rating: msgapi.RatingPositive5}))
		}},
		{"addTestimonial", func() (int, []byte, error) {
			return result(nobody.AddTestimonialWithResponse(ctx, rid, msgapi.TestimonialRequest{Text: "x"}))
		}},
		{"listMessages", func() (int, []byte, error) {
			return result(nobody.ListMessagesWithResponse(ctx, &msgapi.ListMessagesParams{QuestionUuid: id}))
		}},
		{"createMessage", func() (int, []byte, error) {
			return result(nobody.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: id, Body: "x"}))
		}},
		{"getClassification", func() (int, []byte, error) {
			return result(nobody.GetClassificationWithResponse(ctx, &msgapi.GetClassificationParams{Text: "invoice"}))
		}},
		{"predictRouting", func() (int, []byte, error) {
			return result(nobody.PredictRoutingWithResponse(ctx, msgapi.PredictRoutingRequest{Text: "invoice"}))
		}},
		{"createAutomaticAnswer", func() (int, []byte, error) {
			return result(nobody.CreateAutomaticAnswerWithResponse(ctx, msgapi.AutomaticAnswerRequest{Query: "invoice"}))
		}},
		{"sendAutomaticAnswerFeedback", func() (int, []byte, error) {
			return result(nobody.SendAutomaticAnswerFeedbackWithResponse(ctx, uuid.New(), msgapi.AutomaticAnswerFeedbackRequest{QuickReply: msgapi.QuickReplyAccepted}))
		}},
		{"getContent", func() (int, []byte, error) {
			return result(nobody.GetContentWithResponse(ctx, msgapi.ContentRequest{Text: "invoice"}))
		}},
		{"uploadTrainingFile", func() (int, []byte, error) {
			ct, body := trainingFile("a.csv", "text/csv", "a,b\n", nil)
			return result(nobody.UploadTrainingFileWithBodyWithResponse(ctx, ct, body))
		}},
	} {
		st, body, err := c.call()
		if err != nil {
			return err
		}
		code, _, ok := envelopeError(body)
		e.Expect(st == http.StatusUnauthorized && ok && code == "UNAUTHORIZED", "%s without a token: want 401 UNAUTHORIZED, got %d %s", c.op, st, truncate(body))
	}

	// 403: a read-only token may read but not write.
	ro, err := c.token(ctx, e, "read")
	if err != nil {
		return err
	}
	rom := e.Messaging(ro)
	if _, _, err := (&company{M: rom}).get(ctx, id); err != nil {
		e.Failf("a read-only token cannot read: %v", err)
	}
	for _, c := range []struct {
		op   string
		call func() (int, []byte, error)
	}{
		{"createQuestion", func() (int, []byte, error) {
			return result(rom.CreateQuestionWithResponse(ctx, msgapi.CreateQuestionRequest{Text: "hi"}))
		}},
		{"closeQuestion", func() (int, []byte, error) { return result(rom.CloseQuestionWithResponse(ctx, id)) }},
		{"expireQuestion", func() (int, []byte, error) { return result(rom.ExpireQuestionWithResponse(ctx, id)) }},
		{"rerouteQuestion", func() (int, []byte, error) {
			return result(rom.RerouteQuestionWithResponse(ctx, id, msgapi.RerouteRequest{}))
		}},
		{"markQuestionRead", func() (int, []byte, error) { return result(rom.MarkQuestionReadWithResponse(ctx, id)) }},
		{"acceptResponse", func() (int, []byte, error) { return result(rom.AcceptResponseWithResponse(ctx, rid)) }},
		{"rateResponse", func() (int, []byte, error) {
			return result(rom.RateResponseWithResponse(ctx, rid, msgapi.RateRequest{Rating: msgapi.RatingPositive5}))
		}},
		{"addTestimonial", func() (int, []byte, error) {
			return result(rom.AddTestimonialWithResponse(ctx, rid, msgapi.TestimonialRequest{Text: "x"}))
		}},
		{"createMessage", func() (int, []byte, error) {
			return result(rom.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: id, Body: "x"}))
		}},
		{"predictRouting", func() (int, []byte, error) {
			return result(rom.PredictRoutingWithResponse(ctx, msgapi.PredictRoutingRequest{Text: "invoice"}))
		}},
		{"createAutomaticAnswer", func() (int, []byte, error) {
			return result(rom.CreateAutomaticAnswerWithResponse(ctx, msgapi.AutomaticAnswerRequest{Query: "invoice"}))
		}},
		{"sendAutomaticAnswerFeedback", func() (int, []byte, error) {
			return result(rom.SendAutomaticAnswerFeedbackWithResponse(ctx, uuid.New(), msgapi.AutomaticAnswerFeedbackRequest{QuickReply: msgapi.QuickReplyAccepted}))
		}},
		{"getContent", func() (int, []byte, error) {
			return result(rom.GetContentWithResponse(ctx, msgapi.ContentRequest{Text: "invoice"}))
		}},
		{"uploadTrainingFile", func() (int, []byte, error) {
			ct, body := trainingFile("a.csv", "text/csv", "a,b\n", nil)
			return result(rom.UploadTrainingFileWithBodyWithResponse(ctx, ct, body))
		}},
	} {
		st, body, err := c.call()
		if err != nil {
			return err
		}
		code, _, ok := envelopeError(body)
		e.Expect(st == http.StatusForbidden && ok && code == "FORBIDDEN", "%s with a read-only token: want 403 FORBIDDEN, got %d %s", c.op, st, truncate(body))
	}
	_, afterRaw, err = c.get(ctx, id)
	if err != nil {
		return err
	}
	e.Expect(sameJSON(before, afterRaw), "the read-only token's writes changed the question")

	return oauthErrors(ctx, e, c, id)
}

// oauthErrors: the token endpoints' successes (form, JSON, HTTP Basic, scopes) and each RFC 6749
// error they can answer; logout in every form; a revoked client's tokens die with it.
func oauthErrors(ctx context.Context, e *Env, c *company, id uuid.UUID) error {
	anon := e.Messaging("")
	tokenForm := func(body msgapi.TokenRequest) (int, []byte, http.Header, error) {
		r, err := anon.CreateTokenWithFormdataBodyWithResponse(ctx, body)
		if err != nil {
			return 0, nil, nil, err
		}
		return r.StatusCode(), r.Body, r.HTTPResponse.Header, nil
	}
	cc := "client_credentials"
	wrong := "not-the-secret"
	unknown := "sb_unknown_client"
	for _, tc := range []struct {
		what      string
		body      msgapi.TokenRequest
		status    int
		code      string
		challenge bool
	}{
		{"no client_id", msgapi.TokenRequest{GrantType: cc, ClientSecret: &c.Secret}, 400, "invalid_request", false},
		{"no client_secret", msgapi.TokenRequest{GrantType: cc, ClientId: &c.ClientID}, 400, "invalid_request", false},
		{"grant_type password", msgapi.TokenRequest{GrantType: "password", ClientId: &c.ClientID, ClientSecret: &c.Secret}, 400, "unsupported_grant_type", false},
		{"an unknown scope", msgapi.TokenRequest{GrantType: cc, ClientId: &c.ClientID, ClientSecret: &c.Secret, Scope: ptr("read admin")}, 400, "invalid_scope", false},
		{"a wrong secret", msgapi.TokenRequest{GrantType: cc, ClientId: &c.ClientID, ClientSecret: &wrong}, 401, "invalid_client", false},
		{"an unknown client", msgapi.TokenRequest{GrantType: cc, ClientId: &unknown, ClientSecret: &wrong}, 401, "invalid_client", false},
	} {
		st, body, h, err := tokenForm(tc.body)
		if err != nil {
			return err
		}
		code, desc := oauthError(body)
		e.Expect(st == tc.status && code == tc.code && desc != "", "createToken with %s: want %d %s, got %d %s", tc.what, tc.status, tc.code, st, body)
		e.Expect(h.Get("WWW-Authenticate") == "", "createToken with %s (no Basic): unexpected WWW-Authenticate %q", tc.what, h.Get("WWW-Authenticate"))
	}
	// grant_type missing: the form encoder always sends it, so by hand.
	resp, body, err := e.Raw(ctx, http.MethodPost, "/messaging/oauth/token", formType,
		"client_id="+url.QueryEscape(c.ClientID)+"&client_secret="+url.QueryEscape(c.Secret))
	if err != nil {
		return err
	}
	code, _ := oauthError(body)
	e.Expect(resp.StatusCode == http.StatusBadRequest && code == "invalid_request", "createToken without grant_type: want 400 invalid_request, got %d %s", resp.StatusCode, body)
	// HTTP Basic: success, and a wrong secret answered with the Basic challenge.
	basic := func(id, secret string) string {
		return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
	}
	resp, body, err = e.Raw(ctx, http.MethodPost, "/messaging/oauth/token", formType, "grant_type=client_credentials&scope=read", basic(c.ClientID, c.Secret))
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"scope":"read"`), "createToken with HTTP Basic, scope read: want 200 with scope read, got %d %s", resp.StatusCode, body)
	resp, body, err = e.Raw(ctx, http.MethodPost, "/messaging/oauth/token", formType, "grant_type=client_credentials", basic(c.ClientID, "wrong"))
	if err != nil {
		return err
	}
	code, _ = oauthError(body)
	e.Expect(resp.StatusCode == http.StatusUnauthorized && code == "invalid_client" && strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic"),
		"createToken with HTTP Basic and a wrong secret: want 401 invalid_client with WWW-Authenticate: Basic, got %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	// A JSON body works too.
	jr, err := anon.CreateTokenWithResponse(ctx, msgapi.TokenRequest{GrantType: cc, ClientId: &c.ClientID, ClientSecret: &c.Secret, Scope: ptr("write read")})
	if err != nil {
		return err
	}
	e.Expect(jr.JSON200 != nil && jr.JSON200.TokenType == "bearer", "createToken with a JSON body: %d %s", jr.StatusCode(), jr.Body)
	// A read-only client cannot get write.
	ro, err := e.Admin.CreateOAuthClientWithResponse(ctx, c.ID, adminapi.CreateOAuthClientRequest{Name: "read only", Scopes: &[]adminapi.OAuthScope{adminapi.Read}})
	if err != nil {
		return err
	}
	if e.Expect(ro.JSON201 != nil, "createOAuthClient read-only: %d %s", ro.StatusCode(), ro.Body) {
		st, body, _, err := tokenForm(msgapi.TokenRequest{GrantType: cc, ClientId: &ro.JSON201.ClientId, ClientSecret: &ro.JSON201.ClientSecret, Scope: ptr("write")})
		if err != nil {
			return err
		}
		code, _ := oauthError(body)
		e.Expect(st == http.StatusBadRequest && code == "invalid_scope", "a read-only client asking for write: want 400 invalid_scope, got %d %s", st, body)
		st, body, _, err = tokenForm(msgapi.TokenRequest{GrantType: cc, ClientId: &ro.JSON201.ClientId, ClientSecret: &ro.JSON201.ClientSecret})
		if err != nil {
			return err
		}
		e.Expect(st == http.StatusOK && strings.Contains(string(body), `"scope":"read"`), "a read-only client's default scope: want read, got %d %s", st, body)
	}

	// Logout: Bearer, form field, query parameter, GET and DELETE; unknown token still 200; no token 400.
	tokens := make([]string, 5)
	for i := range tokens {
		if tokens[i], err = c.token(ctx, e, ""); err != nil {
			return err
		}
	}
	lo := func(what string) func(int, []byte, error) {
		return func(st int, body []byte, err error) {
			if err != nil {
				e.Failf("%s: %v", what, err)
				return
			}
			e.Expect(st == http.StatusOK && strings.TrimSpace(string(body)) == "{}", "%s: want 200 {}, got %d %s", what, st, body)
		}
	}
	lo("logout with Bearer")(result(anon.LogoutWithFormdataBodyWithResponse(ctx, nil, msgapi.LogoutForm{}, withToken(tokens[0]))))
	lo("logout with the form field token")(result(anon.LogoutWithFormdataBodyWithResponse(ctx, nil, msgapi.LogoutForm{Token: &tokens[1]})))
	lo("logout with the query parameter access_token")(result(anon.LogoutWithFormdataBodyWithResponse(ctx, &msgapi.LogoutParams{AccessToken: &tokens[2]}, msgapi.LogoutForm{})))
	lo("logout with GET")(result(anon.LogoutWithGetWithResponse(ctx, &msgapi.LogoutWithGetParams{Token: &tokens[3]})))
	lo("logout with DELETE")(result(anon.LogoutWithDeleteWithResponse(ctx, nil, withToken(tokens[4]))))
	lo("logout of an unknown token")(result(anon.LogoutWithFormdataBodyWithResponse(ctx, nil, msgapi.LogoutForm{}, withToken("never-issued"))))
	lo("logout of a token already logged out")(result(anon.LogoutWithFormdataBodyWithResponse(ctx, nil, msgapi.LogoutForm{}, withToken(tokens[0]))))
	for i, t := range tokens {
		st, body, err := result(e.Messaging(t).GetQuestionWithResponse(ctx, id, nil))
		if err != nil {
			return err
		}
		e.Expect(st == http.StatusUnauthorized, "logged-out token %d: want 401, got %d %s", i+1, st, truncate(body))
	}
	for _, nt := range []struct {
		what string
		call func() (int, []byte, error)
	}{
		{"logout", func() (int, []byte, error) {
			return result(anon.LogoutWithFormdataBodyWithResponse(ctx, nil, msgapi.LogoutForm{}))
		}},
		{"logoutWithGet", func() (int, []byte, error) { return result(anon.LogoutWithGetWithResponse(ctx, nil)) }},
		{"logoutWithDelete", func() (int, []byte, error) { return result(anon.LogoutWithDeleteWithResponse(ctx, nil)) }},
	} {
		st, body, err := nt.call()
		if err != nil {
			return err
		}
		code, _ := oauthError(body)
		e.Expect(st == http.StatusBadRequest && code == "invalid_request", "%s without a token: want 400 invalid_request, got %d %s", nt.what, st, body)
	}

	// Revoking the client kills its tokens and its credentials.
	live, err := c.token(ctx, e, "")
	if err != nil {
		return err
	}
	rv, err := e.Admin.RevokeOAuthClientWithResponse(ctx, c.ID, c.ClientID)
	if err != nil {
		return err
	}
	e.Expect(rv.StatusCode() == http.StatusNoContent, "revokeOAuthClient: want 204, got %d %s", rv.StatusCode(), rv.Body)
	st, body, err := result(e.Messaging(live).GetQuestionWithResponse(ctx, id, nil))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusUnauthorized, "a token of a revoked client: want 401, got %d %s", st, truncate(body))
	st, body, _, err = tokenForm(msgapi.TokenRequest{GrantType: cc, ClientId: &c.ClientID, ClientSecret: &c.Secret})
	if err != nil {
		return err
	}
	code, _ = oauthError(body)
	e.Expect(st == http.StatusUnauthorized && code == "invalid_client", "a token call of a revoked client: want 401 invalid_client, got %d %s", st, body)
	return nil
}

// trainingFile builds a multipart body with a file part (nil content type: none given) and
// optional extra fields.
func trainingFile(name, contentType, content string, fields map[string]string) (string, *bytes.Buffer) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if name != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, name))
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		p, _ := w.CreatePart(h)
		p.Write([]byte(content))
	}
	w.Close()
	return w.FormDataContentType(), &b
}

// messagingText: the text endpoints with classes configured through the operator API:
// classifications, predictiveRouting, automaticAnswers and their feedback, content, training
// files; and Markdown/sanitized bodyHtml.
func messagingText(ctx context.Context, e *Env) error {
	shipping := adminapi.TextClass{Name: "shipping", Keywords: []string{"parcel", "delivery"},
		Answer: adminapi.ClassAnswer{Title: "Where is my parcel?", Body: "Track it under **Orders**."}}
	c, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{
		Classes: &[]adminapi.TextClass{billingClass, shipping}, AgentOnlyKeywords: &[]string{"lawsuit"}, ClassificationThreshold: ptr(0.5)}})
	if err != nil {
		return err
	}
	m := c.M
	near := func(a, b float64) bool { return a-b < 0.01 && b-a < 0.01 }

	// Classifications.
	for _, tc := range []struct {
		text  string
		class string
		conf  float64
	}{
		{"I need a REFUND for my invoice", "billing", 2.0 / 3},
		{"refund invoice charge", "billing", 1},
		{"My parcel: no delivery yet", "shipping", 1},
		{"only a refund", "", 1.0 / 3},
		{"hello there", "", 0},
		{"refunds and invoices", "", 0}, // whole words only
	} {
		r, err := m.GetClassificationWithResponse(ctx, &msgapi.GetClassificationParams{Text: tc.text})
		if err != nil {
			return err
		}
		if !e.Expect(r.JSON200 != nil, "getClassification %q: %d %s", tc.text, r.StatusCode(), r.Body) {
			continue
		}
		d := r.JSON200.Data
		got := ""
		if d.Classification != nil {
			got = *d.Classification
		}
		e.Expect(d.Text == tc.text && got == tc.class && near(d.Confidence, tc.conf),
			"getClassification %q: got %q %.3f, want %q %.3f", tc.text, got, d.Confidence, tc.class, tc.conf)
	}
	for _, bad := range []string{"", "   "} {
		st, body, err := result(m.GetClassificationWithResponse(ctx, &msgapi.GetClassificationParams{Text: bad}))
		if err != nil {
			return err
		}
		code, msg, ok := envelopeError(body)
		e.Expect(st == http.StatusBadRequest && ok && code == "INVALID_PARAMETER" && strings.Contains(msg, "text"), "getClassification text=%q: want 400 naming text, got %d %s", bad, st, body)
	}

	// Predictive routing.
	for _, tc := range []struct {
		text    string
		experts bool
	}{
		{"Where is my parcel?", true},
		{"I will file a LAWSUIT about this invoice", false},
	} {
		r, err := m.PredictRoutingWithResponse(ctx, msgapi.PredictRoutingRequest{Text: tc.text})
		if err != nil {
			return err
		}
		if e.Expect(r.JSON200 != nil, "predictRouting %q: %d %s", tc.text, r.StatusCode(), r.Body) {
			d := r.JSON200.Data
			e.Expect(d.Text == tc.text && d.RouteToExperts == tc.experts && d.Confidence >= 0 && d.Confidence <= 1,
				"predictRouting %q: %+v, want routeToExperts %v", tc.text, d, tc.experts)
		}
	}
	st, body, err := result(m.PredictRoutingWithResponse(ctx, msgapi.PredictRoutingRequest{Text: " "}))
	if err != nil {
		return err
	}
	code, _, ok := envelopeError(body)
	e.Expect(st == http.StatusBadRequest && ok && code == "INVALID_PARAMETER", "predictRouting with blank text: want 400, got %d %s", st, body)

	// Automatic answers and feedback.
	aa, err := m.CreateAutomaticAnswerWithResponse(ctx, msgapi.AutomaticAnswerRequest{Query: "Where is my parcel? No delivery!"})
	if err != nil {
		return err
	}
	var answer uuid.UUID
	if e.Expect(aa.JSON200 != nil && aa.JSON200.Data != nil, "createAutomaticAnswer: want 200 with an answer, got %d %s", aa.StatusCode(), aa.Body) {
		d := aa.JSON200.Data
		answer = d.Uuid
		e.Expect(d.Title == shipping.Answer.Title && d.Body == shipping.Answer.Body && d.Feedback == nil && near(d.Confidence, 1) &&
			d.Query == "Where is my parcel? No delivery!" && d.BodyHtml != "", "createAutomaticAnswer: %+v", *d)
		e.Expect(!strings.Contains(d.BodyHtml, "<strong>"), "bodyHtml %q renders Markdown though the company did not turn it on", d.BodyHtml)
	}
	again, err := m.CreateAutomaticAnswerWithResponse(ctx, msgapi.AutomaticAnswerRequest{Query: "Where is my parcel? No delivery!"})
	if err != nil {
		return err
	}
	e.Expect(again.JSON200 != nil && again.JSON200.Data != nil && again.JSON200.Data.Uuid != answer, "createAutomaticAnswer: each hit gets a new uuid")
	none, err := m.CreateAutomaticAnswerWithResponse(ctx, msgapi.AutomaticAnswerRequest{Query: "hello"})
	if err != nil {
		return err
	}
	e.Expect(none.StatusCode() == http.StatusOK && none.JSON200 != nil && none.JSON200.Data == nil && strings.Contains(string(none.Body), `"data":null`),
		"createAutomaticAnswer with no match: want 200 with data null, got %d %s", none.StatusCode(), none.Body)
	if answer != uuid.Nil {
		for _, fb := range []msgapi.QuickReply{msgapi.QuickReplyAccepted, msgapi.QuickReplyRejected} {
			r, err := m.SendAutomaticAnswerFeedbackWithResponse(ctx, answer, msgapi.AutomaticAnswerFeedbackRequest{QuickReply: fb})
			if err != nil {
				return err
			}
			e.Expect(r.JSON200 != nil && r.JSON200.Data != nil && r.JSON200.Data.Uuid == answer && r.JSON200.Data.Feedback != nil && *r.JSON200.Data.Feedback == fb,
				"sendAutomaticAnswerFeedback %s: want the answer with that feedback (the last one wins), got %d %s", fb, r.StatusCode(), r.Body)
		}
		resp, body, err := e.Raw(ctx, http.MethodPost, "/messaging/v1/automaticAnswers/"+answer.String()+"/feedback", "application/json", `{"quickReply":"MAYBE"}`, "Authorization: Bearer "+c.Token)
		if err != nil {
			return err
		}
		code, msg, ok := envelopeError(body)
		e.Expect(resp.StatusCode == http.StatusBadRequest && ok && code == "INVALID_PARAMETER" && strings.Contains(msg, "quickReply"),
			"feedback MAYBE: want 400 naming quickReply, got %d %s", resp.StatusCode, body)
	}
	st, body, err = result(m.SendAutomaticAnswerFeedbackWithResponse(ctx, uuid.New(), msgapi.AutomaticAnswerFeedbackRequest{QuickReply: msgapi.QuickReplyAccepted}))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotFound, "feedback on an unknown answer: want 404, got %d %s", st, body)
	st, body, err = result(m.CreateAutomaticAnswerWithResponse(ctx, msgapi.AutomaticAnswerRequest{Query: ""}))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusBadRequest, "createAutomaticAnswer with an empty query: want 400, got %d %s", st, body)

	// Content (deprecated): up to three items over the threshold, best first.
	cr, err := m.GetContentWithResponse(ctx, msgapi.ContentRequest{Text: "refund invoice charge, parcel delivery"})
	if err != nil {
		return err
	}
	if e.Expect(cr.JSON200 != nil, "getContent: %d %s", cr.StatusCode(), cr.Body) {
		items := cr.JSON200.Data.Content
		e.Expect(len(items) == 2, "getContent: %d items, want both classes", len(items))
		for i := 1; i < len(items); i++ {
			e.Expect(items[i-1].Confidence >= items[i].Confidence, "getContent: items not best first: %+v", items)
		}
	}
	cr, err = m.GetContentWithResponse(ctx, msgapi.ContentRequest{Text: "just a refund"})
	if err != nil {
		return err
	}
	e.Expect(cr.JSON200 != nil && len(cr.JSON200.Data.Content) == 0 && strings.Contains(string(cr.Body), `"content":[]`),
		"getContent below the threshold: want an empty list, got %d %s", cr.StatusCode(), cr.Body)
	st, body, err = result(m.GetContentWithResponse(ctx, msgapi.ContentRequest{Text: "  "}))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusBadRequest, "getContent with blank text: want 400, got %d %s", st, body)

	// Training files (multipart).
	ct, mp := trainingFile("chats-2017-04.csv", "text/csv", "when,who,what\n1,joe,hi\n", map[string]string{"description": "April chats"})
	tf, err := m.UploadTrainingFileWithBodyWithResponse(ctx, ct, mp)
	if err != nil {
		return err
	}
	if e.Expect(tf.StatusCode() == http.StatusCreated && tf.JSON201 != nil, "uploadTrainingFile: want 201, got %d %s", tf.StatusCode(), tf.Body) {
		d := tf.JSON201.Data
		e.Expect(d.Filename == "chats-2017-04.csv" && d.Size == 23 && d.ContentType == "text/csv" && d.Description != nil && *d.Description == "April chats" &&
			d.Status == msgapi.TrainingFileStatusReceived, "uploadTrainingFile: %+v", d)
	}
	ct, mp = trainingFile("blob.bin", "", "\x00\x01\x02", nil)
	tf, err = m.UploadTrainingFileWithBodyWithResponse(ctx, ct, mp)
	if err != nil {
		return err
	}
	if e.Expect(tf.JSON201 != nil, "uploadTrainingFile without a part content type: %d %s", tf.StatusCode(), tf.Body) {
		d := tf.JSON201.Data
		e.Expect(d.ContentType == "application/octet-stream" && d.Description == nil && d.Size == 3, "uploadTrainingFile defaults: %+v", d)
	}
	for _, bad := range []struct {
		what        string
		name, value string
	}{
		{"no file part", "", ""},
		{"an empty file", "empty.csv", ""},
	} {
		ct, mp = trainingFile(bad.name, "text/csv", bad.value, map[string]string{"description": "x"})
		st, body, err := result(m.UploadTrainingFileWithBodyWithResponse(ctx, ct, mp))
		if err != nil {
			return err
		}
		code, msg, ok := envelopeError(body)
		e.Expect(st == http.StatusBadRequest && ok && code == "INVALID_PARAMETER" && strings.Contains(msg, "file"), "uploadTrainingFile with %s: want 400 naming file, got %d %s", bad.what, st, body)
	}

	// bodyHtml: escaped and sanitized; Markdown when the company turns it on.
	q, err := c.ask(ctx, e, "Rendering <script>alert(1)</script>")
	if err != nil {
		return err
	}
	payload := "<script>alert('x')</script><img src=x onerror=alert(1)> **bold** https://example.com/help"
	if err := want200(result(e.Admin.RespondToQuestionWithResponse(ctx, c.ID, c.expert(0), q.Data.Uuid, adminapi.RespondToQuestionRequest{Text: payload}))); err != nil {
		return err
	}
	checkHTML := func(what, body string, wantStrong bool) {
		got, _, err := c.get(ctx, q.Data.Uuid)
		if err != nil {
			e.Failf("%s: %v", what, err)
			return
		}
		for _, msg := range anywhere(got) {
			if msg.Body != body {
				continue
			}
			e.Expect(!liveHTML.MatchString(msg.BodyHtml), "%s: bodyHtml %q carries a live script, image or event handler", what, msg.BodyHtml)
			e.Expect(strings.Contains(msg.BodyHtml, `href="https://example.com/help"`), "%s: bodyHtml %q does not link the URL", what, msg.BodyHtml)
			e.Expect(strings.Contains(msg.BodyHtml, "<strong>") == wantStrong, "%s: bodyHtml %q (Markdown %v)", what, msg.BodyHtml, wantStrong)
			return
		}
		e.Failf("%s: the expert's message is missing", what)
	}
	checkHTML("plain text rendering", payload, false)
	if err := want200(result(e.Admin.UpdateSettingsWithResponse(ctx, c.ID, adminapi.UpdateSettingsRequest{Markdown: ptr(true)}))); err != nil {
		return err
	}
	md := "Markdown: " + payload
	if err := want200(result(e.Admin.PostExpertMessageWithResponse(ctx, c.ID, c.expert(0), q.Data.Uuid, adminapi.PostExpertMessageRequest{Body: md}))); err != nil {
		return err
	}
	checkHTML("Markdown rendering", md, true)
	return nil
}

// liveHTML finds markup that could run: a script, iframe, image or object tag, or an on…
// attribute or javascript: URL inside any tag. Escaped text (&lt;script&gt;) does not match.
var liveHTML = regexp.MustCompile(`(?i)<\s*(script|iframe|img|object|embed|svg)|<[^>]*\son[a-z]+\s*=|<[^>]*javascript:`)

// messagingRouteMisses: unknown paths and methods answer the envelope, with Allow on 405; the
// unprefixed aliases answer like the /v1 paths.
func messagingRouteMisses(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{})
	if err != nil {
		return err
	}
	auth := "Authorization: Bearer " + c.Token
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{http.MethodGet, "/messaging/v1/nothing", 404, ""},
		{http.MethodGet, "/messaging/nothing", 404, ""},
		{http.MethodGet, "/messaging/oauth/nothing", 404, ""},
		{http.MethodDelete, "/messaging/v1/questions", 405, "GET, POST"},
		{http.MethodPut, "/messaging/v1/questions/" + uuid.NewString(), 405, "GET"},
		{http.MethodGet, "/messaging/oauth/token", 405, "POST"},
		{http.MethodPut, "/messaging/oauth/logout", 405, "GET, POST, DELETE"},
		{http.MethodGet, "/messaging/v1/responses/" + uuid.NewString() + "/accept", 405, "POST"},
		{http.MethodDelete, "/messaging/questions", 405, "GET, POST"},
	} {
		resp, body, err := e.Raw(ctx, tc.method, tc.path, "", "", auth)
		if err != nil {
			return err
		}
		code, _, ok := envelopeError(body)
		want := "NOT_FOUND"
		if tc.status == 405 {
			want = "METHOD_NOT_ALLOWED"
		}
		e.Expect(resp.StatusCode == tc.status && ok && code == want && resp.Header.Get("Allow") == tc.allow,
			"%s %s: want %d %s in the envelope with Allow %q, got %d %q %s", tc.method, tc.path, tc.status, want, tc.allow, resp.StatusCode, resp.Header.Get("Allow"), body)
	}

	// The seed writes the paths without /v1: they work the same.
	resp, body, err := e.Raw(ctx, http.MethodPost, "/messaging/questions", "application/json", `{"text":"Asked on the alias"}`, auth)
	if err != nil {
		return err
	}
	var created msgapi.QuestionEnvelope
	if !e.Expect(resp.StatusCode == http.StatusCreated && jsonInto(body, &created) == nil, "POST /messaging/questions: want 201, got %d %s", resp.StatusCode, body) {
		return nil
	}
	id := created.Data.Uuid
	resp, body, err = e.Raw(ctx, http.MethodGet, "/messaging/questions/"+id.String()+"?lastChecked="+url.QueryEscape(stamp(created.Data.LastUpdated)), "", "", auth)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusNotModified, "GET /messaging/questions/{uuid}?lastChecked: want 304, got %d %s", resp.StatusCode, body)
	rid, err := c.respond(ctx, e, 0, id, "Answered.")
	if err != nil {
		return err
	}
	resp, body, err = e.Raw(ctx, http.MethodPost, "/messaging/responses/"+rid.String()+"/accept", "", "", auth)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusOK && strings.Contains(string(body), `"status":"RESOLVED"`), "POST /messaging/responses/{uuid}/accept: want 200 RESOLVED, got %d %s", resp.StatusCode, truncate(body))
	resp, body, err = e.Raw(ctx, http.MethodGet, "/messaging/messages?questionUuid="+id.String(), "", "", auth)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusOK, "GET /messaging/messages: want 200, got %d %s", resp.StatusCode, truncate(body))
	return nil
}
