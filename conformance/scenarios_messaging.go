package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	msgapi "github.com/switchboard-dev/switchboard/gen/messaging"
)

var (
	uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	// dateRE finds every date the API emits; all must be whole seconds in UTC.
	dateRE      = regexp.MustCompile(`"(createdAt|lastUpdated|timestamp|reroutedAt)":"([^"]*)"`)
	wholeSecond = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$`)
)

// checkDates records a failure for every date in body not written like 2017-05-18T16:50:38Z.
func checkDates(e *Env, what string, body []byte) {
	for _, m := range dateRE.FindAllSubmatch(body, -1) {
		e.Expect(wholeSecond.Match(m[2]), "%s: %s %q is not an ISO 8601 UTC date in whole seconds", what, m[1], m[2])
	}
}

// keySet lists the keys of a JSON object, sorted, comma-separated.
func keySet(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return "(not an object)"
	}
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return strings.Join(ks, ",")
}

// messagingSeedFlow is the seed's Simple Sample Flow, step by step: token, ask, poll (304), an
// expert responds, poll (200), accept, logout, and the old token is refused.
func messagingSeedFlow(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{})
	if err != nil {
		return err
	}

	// 1. Get an access token.
	tr, err := e.Messaging("").CreateTokenWithFormdataBodyWithResponse(ctx, msgapi.CreateTokenFormdataRequestBody{
		GrantType: "client_credentials", ClientId: &c.ClientID, ClientSecret: &c.Secret})
	if err != nil {
		return err
	}
	if !e.Expect(tr.StatusCode() == http.StatusOK && tr.JSON200 != nil, "1. token: want 200, got %d %s", tr.StatusCode(), tr.Body) {
		return nil
	}
	tok := tr.JSON200
	e.Expect(keySet(tr.Body) == "access_token,expires_in,scope,token_type", "1. token: keys %s, want exactly access_token, token_type, expires_in, scope", keySet(tr.Body))
	e.Expect(tok.TokenType == "bearer" && tok.ExpiresIn == 43200 && tok.Scope == "read write" && len(tok.AccessToken) >= 43,
		"1. token: got %s (want bearer, expires_in 43200, scope \"read write\", 32 random bytes)", tr.Body)
	e.Expect(tr.HTTPResponse.Header.Get("Cache-Control") == "no-store" && tr.HTTPResponse.Header.Get("Pragma") == "no-cache",
		"1. token: Cache-Control %q, Pragma %q", tr.HTTPResponse.Header.Get("Cache-Control"), tr.HTTPResponse.Header.Get("Pragma"))
	m := e.Messaging(tok.AccessToken)

	// 2. Ask a new question.
	text := "How do I turn location services back on?\nThe app stopped finding me after the iOS update."
	meta := json.RawMessage(`{"Operating System":"iOS 10.3","Browser":"Safari"}`)
	ar, err := m.CreateQuestionWithResponse(ctx, msgapi.CreateQuestionRequest{Text: text, Language: ptr("en"), Metadata: &meta,
		Author: &msgapi.QuestionAuthorInput{Name: ptr("Joe User"), Email: ptr("joe.user@example.com"), RefId: ptr("user-42")}})
	if err != nil {
		return err
	}
	if !e.Expect(ar.StatusCode() == http.StatusCreated && ar.JSON201 != nil, "2. ask: want 201, got %d %s", ar.StatusCode(), ar.Body) {
		return nil
	}
	asked := ar.JSON201
	q := asked.Data
	e.Expect(ar.HTTPResponse.Header.Get("Location") == "/messaging/v1/questions/"+q.Uuid.String(), "2. ask: Location %q", ar.HTTPResponse.Header.Get("Location"))
	e.Expect(uuidRE.MatchString(q.Uuid.String()) && strings.Contains(string(ar.Body), `"uuid":"`+q.Uuid.String()+`"`), "2. ask: uuid %s not lowercase 8-4-4-4-12", q.Uuid)
	e.Expect(asked.Meta.Version == "v1", "2. ask: meta.version %q", asked.Meta.Version)
	checkDates(e, "2. ask", ar.Body)
	e.Expect(q.Conversation.Text == text && q.Conversation.Author.Name == "Joe User" && q.Conversation.Author.Type == msgapi.AuthorTypeUser &&
		q.Conversation.Author.Uuid == nil && q.Conversation.Language == "en" && q.Conversation.Subject == "How do I turn location services back on?",
		"2. ask: conversation %+v", q.Conversation)
	e.Expect(!strings.Contains(string(ar.Body), "joe.user@example.com") && !strings.Contains(string(ar.Body), "user-42"),
		"2. ask: the author's email or refId is echoed: %s", ar.Body)
	e.Expect(q.State.Status == msgapi.QuestionStatusUnresolved && !q.State.IsAnswered && !q.State.IsClosed && !q.State.IsClaimed &&
		!q.State.RerouteStatus.IsRerouted && q.State.RerouteStatus.ReroutedBy == nil && q.State.RerouteStatus.ReroutedAt == nil,
		"2. ask: state %+v", q.State)
	e.Expect(strings.Join(types(q.Conversation.Messages), ",") == "NOTIFYING_EXPERTS_SYSTEM_MESSAGE" && len(q.Conversation.Responses) == 0 &&
		q.Conversation.UnreadMessageCount == 0, "2. ask: messages %v, responses %d", types(q.Conversation.Messages), len(q.Conversation.Responses))
	if n := q.Conversation.Messages; len(n) == 1 {
		e.Expect(n[0].Author.Name == "System" && n[0].Author.Type == msgapi.AuthorTypeSystem && n[0].Author.Uuid == nil && n[0].IsRead &&
			n[0].ResponseUuid == nil && n[0].QuestionUuid == q.Uuid, "2. ask: system message %+v", n[0])
	}
	e.Expect(sameJSON(q.Metadata, meta), "2. ask: metadata %s, want %s", q.Metadata, meta)
	e.Expect(q.LastUpdated.After(asked.Meta.Timestamp), "2. ask: lastUpdated %s must be after meta.timestamp %s (§8 bump)", q.LastUpdated, asked.Meta.Timestamp)

	// 3. Poll with lastChecked. A client polling with the previous answer's meta.timestamp first
	// catches up with the creation itself (lastUpdated is a second after it: 200), then, a poll
	// interval later, gets 304 while nothing changes.
	if e.Virtual() {
		if _, err := advance(ctx, e, 1); err != nil {
			return err
		}
	}
	p1, err := m.GetQuestionWithResponse(ctx, q.Uuid, &msgapi.GetQuestionParams{LastChecked: ptr(stamp(asked.Meta.Timestamp))})
	if err != nil {
		return err
	}
	if !e.Expect(p1.StatusCode() == http.StatusOK && p1.JSON200 != nil, "3. poll with the ask's meta.timestamp (lastUpdated is later): want 200, got %d %s", p1.StatusCode(), p1.Body) {
		return nil
	}
	lastChecked := p1.JSON200.Meta.Timestamp
	if e.Virtual() {
		e.Expect(!p1.JSON200.Data.LastUpdated.After(lastChecked), "3. after a second, meta.timestamp %s should have caught up with lastUpdated %s", lastChecked, p1.JSON200.Data.LastUpdated)
	} else if p1.JSON200.Data.LastUpdated.After(lastChecked) {
		lastChecked = p1.JSON200.Data.LastUpdated // the wall clock has not moved on yet: use lastUpdated
	}
	p2, err := m.GetQuestionWithResponse(ctx, q.Uuid, &msgapi.GetQuestionParams{LastChecked: ptr(stamp(lastChecked))})
	if err != nil {
		return err
	}
	e.Expect(p2.StatusCode() == http.StatusNotModified && len(p2.Body) == 0, "3. poll, nothing changed: want 304 without a body, got %d %s", p2.StatusCode(), p2.Body)

	// An expert responds, through the operator API.
	if err := c.claim(ctx, e, 0, q.Uuid); err != nil {
		return err
	}
	answer := "Open Settings, then Privacy, then Location Services, and switch it on."
	rid, err := c.respond(ctx, e, 0, q.Uuid, answer)
	if err != nil {
		return err
	}

	// Poll again: 200 with the response.
	p3, err := m.GetQuestionWithResponse(ctx, q.Uuid, &msgapi.GetQuestionParams{LastChecked: ptr(stamp(lastChecked))})
	if err != nil {
		return err
	}
	if !e.Expect(p3.StatusCode() == http.StatusOK && p3.JSON200 != nil, "3. poll after the response: want 200, got %d %s", p3.StatusCode(), p3.Body) {
		return nil
	}
	q = p3.JSON200.Data
	e.Expect(q.State.IsAnswered && q.State.IsClaimed && q.State.Status == msgapi.QuestionStatusUnresolved, "3. answered state %+v", q.State)
	e.Expect(!has(q.Conversation.Messages, msgapi.MessageTypeNotifyingExperts), "3. NOTIFYING_EXPERTS still shown after the expert engaged: %v", types(q.Conversation.Messages))
	r := thread(q, rid)
	if e.Expect(r != nil && len(q.Conversation.Responses) == 1, "3. the response %s is not in %s", rid, p3.Body) {
		e.Expect(r.Type == msgapi.ResponseTypeExpert && r.Author.Name == "Jane Expert" && r.Author.Type == msgapi.AuthorTypeExpert &&
			r.Author.Uuid != nil && *r.Author.Uuid == c.expert(0) && !r.IsAccepted && r.Rating == nil && r.Testimonial == nil,
			"3. response %+v", *r)
		e.Expect(strings.Join(types(r.Messages), ",") == "EXPERT_MESSAGE,ACCEPT_RESPONSE_SYSTEM_MESSAGE", "3. thread %v, want the response text and ACCEPT_RESPONSE", types(r.Messages))
		if len(r.Messages) > 0 {
			e.Expect(r.Messages[0].Body == answer && !r.Messages[0].IsRead && r.Messages[0].BodyHtml != "" && *r.Messages[0].ResponseUuid == rid,
				"3. first thread message %+v", r.Messages[0])
		}
		e.Expect(q.Conversation.UnreadMessageCount == 1, "3. unreadMessageCount %d, want 1", q.Conversation.UnreadMessageCount)
	}

	// 4. Accept the response.
	acc, err := m.AcceptResponseWithResponse(ctx, rid)
	if err != nil {
		return err
	}
	if e.Expect(acc.StatusCode() == http.StatusOK && acc.JSON200 != nil, "4. accept: want 200, got %d %s", acc.StatusCode(), acc.Body) {
		q = acc.JSON200.Data
		e.Expect(q.State.Status == msgapi.QuestionStatusResolved && !q.State.IsClosed, "4. accept: state %+v", q.State)
		if r := thread(q, rid); e.Expect(r != nil, "4. accept: response gone") {
			e.Expect(r.IsAccepted, "4. accept: isAccepted false")
			e.Expect(strings.Join(types(r.Messages), ",") == "EXPERT_MESSAGE,ACCEPTED_RESPONSE_SYSTEM_MESSAGE,RATE_RESPONSE_SYSTEM_MESSAGE",
				"4. accept: thread %v, want ACCEPT_RESPONSE replaced by ACCEPTED_RESPONSE and RATE_RESPONSE", types(r.Messages))
		}
	}

	// 5. Log the token out; it is refused at once.
	lo, err := m.LogoutWithFormdataBodyWithResponse(ctx, nil, msgapi.LogoutForm{})
	if err != nil {
		return err
	}
	e.Expect(lo.StatusCode() == http.StatusOK && strings.TrimSpace(string(lo.Body)) == "{}", "5. logout: want 200 {}, got %d %s", lo.StatusCode(), lo.Body)
	old, err := m.GetQuestionWithResponse(ctx, q.Uuid, nil)
	if err != nil {
		return err
	}
	code, _, ok := envelopeError(old.Body)
	e.Expect(old.StatusCode() == http.StatusUnauthorized && ok && code == "UNAUTHORIZED", "5. the logged-out token: want 401 UNAUTHORIZED, got %d %s", old.StatusCode(), old.Body)
	e.Expect(old.HTTPResponse.Header.Get("WWW-Authenticate") == `Bearer error="invalid_token"`, "5. WWW-Authenticate %q", old.HTTPResponse.Header.Get("WWW-Authenticate"))
	// The company's other token still works.
	if _, _, err := c.get(ctx, q.Uuid); err != nil {
		e.Failf("5. logout revoked more than the one token: %v", err)
	}
	return nil
}

// adminQuestion reads a question through the operator API.
func adminQuestion(ctx context.Context, e *Env, tenant, q uuid.UUID) (*adminapi.TenantQuestionDetail, error) {
	r, err := e.Admin.GetTenantQuestionWithResponse(ctx, tenant, q)
	if err != nil {
		return nil, err
	}
	if r.JSON200 == nil {
		return nil, fmt.Errorf("getTenantQuestion: %d %s", r.StatusCode(), r.Body)
	}
	return r.JSON200, nil
}

// after is a helper for "a visible change moved lastUpdated forward".
func after(e *Env, what string, prev, cur time.Time) {
	e.Expect(cur.After(prev), "%s: lastUpdated %s did not move past %s", what, stamp(cur), stamp(prev))
}

// poll reads a question with lastChecked and returns the status and, on 200, the envelope.
func poll(ctx context.Context, m *msgapi.ClientWithResponses, id uuid.UUID, lastChecked string) (int, *msgapi.QuestionEnvelope, []byte, error) {
	r, err := m.GetQuestionWithResponse(ctx, id, &msgapi.GetQuestionParams{LastChecked: &lastChecked})
	if err != nil {
		return 0, nil, nil, err
	}
	return r.StatusCode(), r.JSON200, r.Body, nil
}

// pollMessages reads the messages of a question with lastChecked.
func pollMessages(ctx context.Context, m *msgapi.ClientWithResponses, id uuid.UUID, thread *uuid.UUID, lastChecked *string) (int, *msgapi.MessageListEnvelope, []byte, error) {
	r, err := m.ListMessagesWithResponse(ctx, &msgapi.ListMessagesParams{QuestionUuid: id, ResponseUuid: thread, LastChecked: lastChecked})
	if err != nil {
		return 0, nil, nil, err
	}
	return r.StatusCode(), r.JSON200, r.Body, nil
}

// messagingPolling: 304 exactly when nothing changed since lastChecked; a change in the same
// second as the previous poll is never missed; GET /v1/messages follows the same rule;
// lastChecked as epoch milliseconds, with fractions or an offset; a bad lastChecked is a 400;
// marking read is not news; listing is never 304 and pages.
func messagingPolling(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{})
	if err != nil {
		return err
	}
	m := c.M
	a, err := c.ask(ctx, e, "Polling: how do I export my data?")
	if err != nil {
		return err
	}
	id := a.Data.Uuid
	lu := a.Data.LastUpdated

	st, _, _, err := poll(ctx, m, id, stamp(lu))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotModified, "poll with lastChecked = lastUpdated: want 304, got %d", st)
	st, env, _, err := poll(ctx, m, id, stamp(lu.Add(-time.Second)))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusOK && env != nil, "poll with lastChecked a second before lastUpdated: want 200, got %d", st)
	st, _, _, err = poll(ctx, m, id, stamp(lu.Add(time.Hour)))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotModified, "poll with lastChecked after lastUpdated: want 304, got %d", st)

	// Other spellings of the same instant.
	for _, lc := range []string{
		strings.TrimSuffix(stamp(lu), "Z") + ".000Z",
		lu.In(time.FixedZone("", 2*3600)).Format(time.RFC3339),
		lu.Add(999 * time.Millisecond).Format(time.RFC3339Nano),
		fmt.Sprint(lu.UnixMilli()),
	} {
		st, _, _, err = poll(ctx, m, id, lc)
		if err != nil {
			return err
		}
		e.Expect(st == http.StatusNotModified, "poll with lastChecked=%s (= lastUpdated): want 304, got %d", lc, st)
	}
	st, _, _, err = poll(ctx, m, id, fmt.Sprint(lu.UnixMilli()-1))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusOK, "poll with lastChecked = lastUpdated - 1 ms (epoch millis): want 200, got %d", st)

	// Bad lastChecked: 400 naming it, on both polling operations.
	for _, bad := range []string{"yesterday", "2017-05-18", "2017-13-40T99:00:00Z", "-5", "1e9"} {
		r, err := m.GetQuestionWithResponse(ctx, id, &msgapi.GetQuestionParams{LastChecked: &bad})
		if err != nil {
			return err
		}
		code, msg, ok := envelopeError(r.Body)
		e.Expect(r.StatusCode() == http.StatusBadRequest && ok && code == "INVALID_PARAMETER" && strings.Contains(msg, "lastChecked"),
			"getQuestion lastChecked=%q: want 400 INVALID_PARAMETER naming lastChecked, got %d %s", bad, r.StatusCode(), r.Body)
		st, _, body, err := pollMessages(ctx, m, id, nil, &bad)
		if err != nil {
			return err
		}
		code, msg, ok = envelopeError(body)
		e.Expect(st == http.StatusBadRequest && ok && code == "INVALID_PARAMETER" && strings.Contains(msg, "lastChecked"),
			"listMessages lastChecked=%q: want 400 INVALID_PARAMETER naming lastChecked, got %d %s", bad, st, body)
	}

	// Same second: poll (304), then a change, then poll with the 304's time → 200. The virtual
	// clock stands still, so every step below happens within one second.
	st, env, _, err = poll(ctx, m, id, stamp(lu.Add(-time.Second)))
	if err != nil {
		return err
	}
	if !e.Expect(st == http.StatusOK && env != nil, "poll: %d", st) {
		return nil
	}
	seen := env.Meta.Timestamp
	if seen.Before(lu) {
		seen = lu // a client that keeps the later of meta.timestamp and lastUpdated
	}
	st, _, _, err = poll(ctx, m, id, stamp(seen))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotModified, "poll with the previous answer's time: want 304, got %d", st)
	rid, err := c.respond(ctx, e, 0, id, "Settings > Privacy > Export.")
	if err != nil {
		return err
	}
	st, env, _, err = poll(ctx, m, id, stamp(seen))
	if err != nil {
		return err
	}
	if e.Expect(st == http.StatusOK && env != nil, "a response right after a 304, same second: want 200, got %d (the change was missed)", st) {
		e.Expect(thread(env.Data, rid) != nil, "the 200 does not carry the response")
		e.Expect(env.Data.LastUpdated.After(seen), "lastUpdated %s is not after the previous poll's time %s", env.Data.LastUpdated, seen)
		lu = env.Data.LastUpdated
		// And with the 200's own meta.timestamp right away: 200 again or 304, never a lost change.
		st2, env2, _, err := poll(ctx, m, id, stamp(env.Meta.Timestamp))
		if err != nil {
			return err
		}
		e.Expect(st2 == http.StatusOK && env2 != nil || !lu.After(env.Meta.Timestamp),
			"poll with meta.timestamp %s while lastUpdated is %s: want 200, got %d", env.Meta.Timestamp, lu, st2)
	}
	// Two changes in a row, each polled with the time the previous poll answered.
	for i, body := range []string{"Does it include photos?", "And messages?"} {
		if err := want200(result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: id, ResponseUuid: &rid, Body: body}))); err != nil {
			return err
		}
		st, env, _, err = poll(ctx, m, id, stamp(lu))
		if err != nil {
			return err
		}
		if e.Expect(st == http.StatusOK && env != nil, "user message %d right after the last poll: want 200, got %d", i+1, st) {
			after(e, fmt.Sprintf("user message %d", i+1), lu, env.Data.LastUpdated)
			lu = env.Data.LastUpdated
		}
	}

	// GET /v1/messages: the same 304 rule, then the full list in creation order.
	st, _, _, err = pollMessages(ctx, m, id, nil, ptr(stamp(lu)))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotModified, "listMessages with lastChecked = lastUpdated: want 304, got %d", st)
	st, list, body, err := pollMessages(ctx, m, id, nil, ptr(stamp(lu.Add(-time.Second))))
	if err != nil {
		return err
	}
	if e.Expect(st == http.StatusOK && list != nil, "listMessages with an earlier lastChecked: want 200, got %d %s", st, body) {
		got := types(list.Data)
		e.Expect(strings.Join(got, ",") == "EXPERT_MESSAGE,ACCEPT_RESPONSE_SYSTEM_MESSAGE,USER_MESSAGE,USER_MESSAGE" ||
			strings.Join(got, ",") == "EXPERT_MESSAGE,USER_MESSAGE,USER_MESSAGE,ACCEPT_RESPONSE_SYSTEM_MESSAGE",
			"listMessages: %v, want every message of the question in creation order", got)
		for i := 1; i < len(list.Data); i++ {
			e.Expect(!list.Data[i].CreatedAt.Before(list.Data[i-1].CreatedAt), "listMessages: not in creation order at %d", i)
		}
	}
	st, list, body, err = pollMessages(ctx, m, id, &rid, nil)
	if err != nil {
		return err
	}
	if e.Expect(st == http.StatusOK && list != nil, "listMessages of one thread: want 200, got %d %s", st, body) {
		for _, msg := range list.Data {
			e.Expect(msg.ResponseUuid != nil && *msg.ResponseUuid == rid, "listMessages responseUuid=%s: message %s of another thread", rid, msg.Uuid)
		}
	}
	if err := want200(result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: id, Body: "Question-level note."}))); err != nil {
		return err
	}
	st, list, _, err = pollMessages(ctx, m, id, nil, ptr(stamp(lu)))
	if err != nil {
		return err
	}
	if e.Expect(st == http.StatusOK && list != nil, "listMessages after a new message, lastChecked = the old lastUpdated: want 200, got %d", st) {
		e.Expect(len(list.Data) == 5, "listMessages: %d messages, want 5 (question level and thread merged)", len(list.Data))
	}
	q, _, err := c.get(ctx, id)
	if err != nil {
		return err
	}
	lu = q.LastUpdated

	// Marking read is not news.
	e.Expect(q.Conversation.UnreadMessageCount == 1, "unreadMessageCount %d, want 1 (the expert's response)", q.Conversation.UnreadMessageCount)
	rr, err := m.MarkQuestionReadWithResponse(ctx, id)
	if err != nil {
		return err
	}
	if e.Expect(rr.JSON200 != nil, "markQuestionRead: %d %s", rr.StatusCode(), rr.Body) {
		e.Expect(rr.JSON200.Data.Conversation.UnreadMessageCount == 0 && rr.JSON200.Data.LastUpdated.Equal(lu),
			"markQuestionRead: unread %d, lastUpdated %s (want 0 and unchanged %s)", rr.JSON200.Data.Conversation.UnreadMessageCount, rr.JSON200.Data.LastUpdated, lu)
		for _, msg := range anywhere(rr.JSON200.Data) {
			e.Expect(msg.IsRead, "markQuestionRead: message %s (%s) still unread", msg.Uuid, msg.Type)
		}
	}
	st, _, _, err = poll(ctx, m, id, stamp(lu))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotModified, "poll after markQuestionRead: want 304 (a read is not news), got %d", st)
	// A GET never marks read: a new expert message stays unread through reads.
	if err := want200(result(e.Admin.PostExpertMessageWithResponse(ctx, c.ID, c.expert(0), id, adminapi.PostExpertMessageRequest{Body: "Photos too."}))); err != nil {
		return err
	}
	for i := 0; i < 2; i++ {
		q, _, err = c.get(ctx, id)
		if err != nil {
			return err
		}
		e.Expect(q.Conversation.UnreadMessageCount == 1, "read %d after a new expert message: unreadMessageCount %d, want 1", i+1, q.Conversation.UnreadMessageCount)
	}

	// Listing: never 304, most recently updated first, paged, filtered.
	b, err := c.ask(ctx, e, "Polling: a second question")
	if err != nil {
		return err
	}
	if err := want200(result(m.CloseQuestionWithResponse(ctx, b.Data.Uuid))); err != nil {
		return err
	}
	qa, _, err := c.get(ctx, id)
	if err != nil {
		return err
	}
	qb, _, err := c.get(ctx, b.Data.Uuid)
	if err != nil {
		return err
	}
	first, second := qa.Uuid, qb.Uuid // most recently updated first
	if qb.LastUpdated.After(qa.LastUpdated) {
		first, second = second, first
	}
	tie := qa.LastUpdated.Equal(qb.LastUpdated)
	lr, err := m.ListQuestionsWithResponse(ctx, &msgapi.ListQuestionsParams{PageSize: ptr(1)})
	if err != nil {
		return err
	}
	if e.Expect(lr.JSON200 != nil, "listQuestions pageSize=1: %d %s", lr.StatusCode(), lr.Body) {
		p := lr.JSON200.Meta.Pagination
		e.Expect(p != nil && p.Page == 1 && p.PageSize == 1 && p.Total == 2 && len(lr.JSON200.Data) == 1,
			"listQuestions pageSize=1: pagination %+v, %d questions (want page 1 of size 1, total 2)", p, len(lr.JSON200.Data))
		e.Expect(tie || len(lr.JSON200.Data) == 1 && lr.JSON200.Data[0].Uuid == first, "listQuestions: page 1 is not the most recently updated question %s", first)
	}
	lr, err = m.ListQuestionsWithResponse(ctx, &msgapi.ListQuestionsParams{Page: ptr(2), PageSize: ptr(1)})
	if err != nil {
		return err
	}
	if e.Expect(lr.JSON200 != nil, "listQuestions page=2: %d %s", lr.StatusCode(), lr.Body) {
		e.Expect(len(lr.JSON200.Data) == 1 && (tie || lr.JSON200.Data[0].Uuid == second), "listQuestions page 2: %v, want %s", lr.JSON200.Data, second)
	}
	lr, err = m.ListQuestionsWithResponse(ctx, &msgapi.ListQuestionsParams{Page: ptr(3), PageSize: ptr(1)})
	if err != nil {
		return err
	}
	if e.Expect(lr.JSON200 != nil, "listQuestions page=3: %d %s", lr.StatusCode(), lr.Body) {
		e.Expect(len(lr.JSON200.Data) == 0 && lr.JSON200.Meta.Pagination != nil && lr.JSON200.Meta.Pagination.Total == 2, "listQuestions page 3: %s", lr.Body)
	}
	st2 := msgapi.QuestionStatusClosed
	lr, err = m.ListQuestionsWithResponse(ctx, &msgapi.ListQuestionsParams{Status: &st2})
	if err != nil {
		return err
	}
	if e.Expect(lr.JSON200 != nil, "listQuestions status=CLOSED: %d %s", lr.StatusCode(), lr.Body) {
		e.Expect(len(lr.JSON200.Data) == 1 && lr.JSON200.Data[0].Uuid == b.Data.Uuid, "listQuestions status=CLOSED: %d questions", len(lr.JSON200.Data))
	}
	for _, bad := range []msgapi.ListQuestionsParams{{PageSize: ptr(101)}, {PageSize: ptr(0)}, {Page: ptr(0)}, {Status: ptr(msgapi.QuestionStatus("OPEN"))}} {
		r, err := m.ListQuestionsWithResponse(ctx, &bad)
		if err != nil {
			return err
		}
		code, _, ok := envelopeError(r.Body)
		e.Expect(r.StatusCode() == http.StatusBadRequest && ok && code == "INVALID_PARAMETER", "listQuestions %+v: want 400, got %d %s", bad, r.StatusCode(), r.Body)
	}
	// listMessages without questionUuid (no client can leave out a required parameter).
	resp, body, err := e.Raw(ctx, http.MethodGet, "/messaging/v1/messages", "", "", "Authorization: Bearer "+c.Token)
	if err != nil {
		return err
	}
	code, msg, ok := envelopeError(body)
	e.Expect(resp.StatusCode == http.StatusBadRequest && ok && code == "INVALID_PARAMETER" && strings.Contains(msg, "questionUuid"),
		"listMessages without questionUuid: want 400 naming questionUuid, got %d %s", resp.StatusCode, body)
	// Unknown question and thread: 404.
	st, _, body, err = pollMessages(ctx, m, uuid.New(), nil, nil)
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotFound, "listMessages of an unknown question: want 404, got %d %s", st, body)
	st, _, body, err = pollMessages(ctx, m, id, ptr(uuid.New()), nil)
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotFound, "listMessages of an unknown thread: want 404, got %d %s", st, body)
	return nil
}
