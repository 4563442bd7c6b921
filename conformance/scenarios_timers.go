package conformance

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	helpdeskapi "github.com/switchboard-dev/switchboard/gen/helpdesk"
	msgapi "github.com/switchboard-dev/switchboard/gen/messaging"
)

// timers: every timer on the virtual clock. The reroute prompt appears, then the unanswered
// timeout reroutes (reroutedBy TIMEOUT, at its due time) and the prompt is gone; with action
// EXPIRE it expires; an expert response stops it; offers widen tier by tier until a claim;
// tokens expire after tokenTtlSeconds.
func timers(ctx context.Context, e *Env) error {
	if !e.Virtual() {
		return e.Skip("the timers need a server started with --clock=virtual")
	}
	reroute, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{
		ReroutePromptAfterSeconds: ptr(120), UnansweredTimeoutSeconds: ptr(600), UnansweredTimeoutAction: ptr(adminapi.REROUTE), TokenTtlSeconds: ptr(31536000)}})
	if err != nil {
		return err
	}
	expire, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{
		ReroutePromptAfterSeconds: ptr(31536000), UnansweredTimeoutSeconds: ptr(600), UnansweredTimeoutAction: ptr(adminapi.EXPIRE), TokenTtlSeconds: ptr(31536000)}})
	if err != nil {
		return err
	}
	q, err := reroute.ask(ctx, e, "Timers: nobody answers this one")
	if err != nil {
		return err
	}
	answered, err := reroute.ask(ctx, e, "Timers: this one gets an answer")
	if err != nil {
		return err
	}
	if _, err := reroute.respond(ctx, e, 0, answered.Data.Uuid, "Here is your answer."); err != nil {
		return err
	}
	x, err := expire.ask(ctx, e, "Timers: this one expires")
	if err != nil {
		return err
	}
	created := q.Data.CreatedAt
	w := reroute.watch(ctx, e, "timeout", q)

	clk, err := advance(ctx, e, 119)
	if err != nil {
		return err
	}
	w.look("119 s", false)
	w.qLevel("no prompt yet", notifying)
	clk, err = advance(ctx, e, 1)
	if err != nil {
		return err
	}
	e.Expect(clk.JobsRun >= 1 && clk.Mode == adminapi.Virtual, "advanceClock to the prompt: %+v, want at least one job run", clk)
	w.look("120 s: the prompt", true)
	w.qLevel("the reroute prompt appears", notifying, prompt)

	clk, err = advance(ctx, e, 479)
	if err != nil {
		return err
	}
	w.look("599 s", false)
	e.Expect(w.q.State.Status == msgapi.QuestionStatusUnresolved, "599 s: status %s, want UNRESOLVED", w.q.State.Status)
	clk, err = advance(ctx, e, 3)
	if err != nil {
		return err
	}
	w.look("602 s: the unanswered timeout", true)
	rs := w.q.State.RerouteStatus
	e.Expect(w.q.State.Status == msgapi.QuestionStatusRerouted && w.q.State.IsClosed && rs.IsRerouted && rs.ReroutedBy != nil && *rs.ReroutedBy == "TIMEOUT",
		"unanswered timeout: state %+v, want REROUTED by TIMEOUT", w.q.State)
	e.Expect(rs.ReroutedAt != nil && rs.ReroutedAt.Equal(created.Add(600*time.Second)), "reroutedAt %v, want the timer's due time %s (jobs run at their own due time)", rs.ReroutedAt, stamp(created.Add(600*time.Second)))
	w.qLevel("rerouted: the prompt is gone, QUESTION_REROUTED added", rerouted)

	a, _, err := reroute.get(ctx, answered.Data.Uuid)
	if err != nil {
		return err
	}
	e.Expect(a.State.Status == msgapi.QuestionStatusUnresolved && !has(a.Conversation.Messages, prompt),
		"a question with an expert response: status %s, messages %v (the timeout and the prompt must not fire)", a.State.Status, types(a.Conversation.Messages))
	xq, _, err := expire.get(ctx, x.Data.Uuid)
	if err != nil {
		return err
	}
	e.Expect(xq.State.Status == msgapi.QuestionStatusExpired && xq.State.IsClosed && !xq.State.RerouteStatus.IsRerouted && sameTypes(xq.Conversation.Messages, []msgapi.MessageType{expired}),
		"unanswered timeout with action EXPIRE: state %+v, messages %v", xq.State, types(xq.Conversation.Messages))
	if ev, err := e.Admin.ListTenantEventsWithResponse(ctx, reroute.ID, &adminapi.ListTenantEventsParams{QuestionUuid: &q.Data.Uuid}); err == nil && ev.JSON200 != nil {
		found := false
		for _, v := range ev.JSON200.Events {
			found = found || v.Type == adminapi.QUESTIONESCALATEDBYTIME
		}
		e.Expect(found, "no QUESTION_ESCALATED_BY_TIME event: %s", truncate(ev.Body))
	}
	// The timer fired once: moving on changes nothing.
	before := w.q.LastUpdated
	if _, err := advance(ctx, e, 3600); err != nil {
		return err
	}
	w.look("an hour later", false)
	e.Expect(w.q.LastUpdated.Equal(before), "the rerouted question changed later")

	if err := offerWidening(ctx, e); err != nil {
		return err
	}
	return tokenExpiry(ctx, e)
}

// offerWidening: K = 1, offerWaitSeconds = 60, three experts: a tier every minute, until a
// claim stops it.
func offerWidening(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{
		Settings: &adminapi.UpdateSettingsRequest{OfferTopK: ptr(1), OfferWaitSeconds: ptr(60), TokenTtlSeconds: ptr(31536000), UnansweredTimeoutSeconds: ptr(31536000)},
		Experts:  []adminapi.CreateExpertRequest{{Name: "A Expert"}, {Name: "B Expert"}, {Name: "C Expert"}},
	})
	if err != nil {
		return err
	}
	q, err := c.ask(ctx, e, "Widening: who takes this?")
	if err != nil {
		return err
	}
	held, err := c.ask(ctx, e, "Widening: claimed at once")
	if err != nil {
		return err
	}
	offers := func(id uuid.UUID) []adminapi.Offer {
		r, err := e.Admin.ListQuestionOffersWithResponse(ctx, c.ID, id)
		if err != nil || r.JSON200 == nil {
			e.Failf("listQuestionOffers: %v", err)
			return nil
		}
		return r.JSON200.Offers
	}
	os := offers(held.Data.Uuid)
	if e.Expect(len(os) == 1, "K = 1: %d offers at creation", len(os)) {
		x := 0
		for i := range c.Experts {
			if c.expert(i) == os[0].ExpertUuid {
				x = i
			}
		}
		if err := c.claim(ctx, e, x, held.Data.Uuid); err != nil {
			return err
		}
	}
	answered, err := c.ask(ctx, e, "Widening: answered at once")
	if err != nil {
		return err
	}
	if os := offers(answered.Data.Uuid); e.Expect(len(os) == 1, "K = 1: %d offers at creation", len(os)) {
		for i := range c.Experts {
			if c.expert(i) == os[0].ExpertUuid {
				if _, err := c.respond(ctx, e, i, answered.Data.Uuid, "Answered without a claim."); err != nil {
					return err
				}
			}
		}
	}
	created := q.Data.CreatedAt
	for tier := 0; tier < 4; tier++ {
		os = offers(q.Data.Uuid)
		want := min(tier+1, 3)
		if !e.Expect(len(os) == want, "after %d s: %d offers, want %d", 60*tier, len(os), want) {
			break
		}
		if tier < 3 {
			o := os[tier]
			e.Expect(o.Tier == tier && o.Rank == tier+1 && o.OfferedAt.Equal(created.Add(time.Duration(60*tier)*time.Second)),
				"tier %d: offer %+v, want rank %d offered at %s", tier, o, tier+1, stamp(created.Add(time.Duration(60*tier)*time.Second)))
			qq, err := e.Admin.ListExpertQueueWithResponse(ctx, c.ID, o.ExpertUuid)
			if err == nil {
				e.Expect(qq.JSON200 != nil && slicesContainsQuestion(qq.JSON200.Questions, q.Data.Uuid), "tier %d: the question is not in %s's queue", tier, o.ExpertName)
			}
		}
		if _, err := advance(ctx, e, 60); err != nil {
			return err
		}
	}
	e.Expect(len(offers(held.Data.Uuid)) == 1, "a claimed question kept widening: %d offers", len(offers(held.Data.Uuid)))
	e.Expect(len(offers(answered.Data.Uuid)) == 1, "a question with an expert response kept widening: %d offers", len(offers(answered.Data.Uuid)))
	return nil
}

func slicesContainsQuestion(qs []adminapi.ExpertQuestion, id uuid.UUID) bool {
	for _, q := range qs {
		if q.Uuid == id {
			return true
		}
	}
	return false
}

// tokenExpiry: a token works until tokenTtlSeconds have passed on the server clock.
func tokenExpiry(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{TokenTtlSeconds: ptr(300)}})
	if err != nil {
		return err
	}
	tr, err := e.Messaging("").CreateTokenWithFormdataBodyWithResponse(ctx, msgapi.TokenRequest{GrantType: "client_credentials", ClientId: &c.ClientID, ClientSecret: &c.Secret})
	if err != nil {
		return err
	}
	if !e.Expect(tr.JSON200 != nil && tr.JSON200.ExpiresIn == 300, "token with tokenTtlSeconds 300: %d %s", tr.StatusCode(), tr.Body) {
		return nil
	}
	m := e.Messaging(tr.JSON200.AccessToken)
	list := func(what string, want int) {
		st, body, err := result(m.ListQuestionsWithResponse(ctx, nil))
		if err != nil {
			e.Failf("%s: %v", what, err)
			return
		}
		e.Expect(st == want, "%s: want %d, got %d %s", what, want, st, truncate(body))
	}
	list("a fresh token", http.StatusOK)
	if _, err := advance(ctx, e, 299); err != nil {
		return err
	}
	list("a token 299 s old", http.StatusOK)
	if _, err := advance(ctx, e, 1); err != nil {
		return err
	}
	list("a token 300 s old", http.StatusUnauthorized)
	return nil
}

// helpDeskExpertSide: a Help Desk ticket on the expert side: it reaches the expert's queue in the
// expert view, the expert answers, saveQuestion shows the answer; closeQuestion adds
// QUESTION_CLOSED; an expert's or the customer's reroute reads isEscalated; a category's own
// timeout escalates by time.
func helpDeskExpertSide(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{
		Categories:               &[]adminapi.CategorySettingsInput{{Name: "payments", UnansweredTimeoutSeconds: ptr(120)}, {Name: "general"}},
		TokenTtlSeconds:          ptr(31536000),
		OfferTopK:                ptr(5),
		UnansweredTimeoutSeconds: ptr(31536000), ReroutePromptAfterSeconds: ptr(31536000)}})
	if err != nil {
		return err
	}
	tok := "ApiToken:" + c.tenant.Token
	save := func(what, body string) (helpdeskapi.SavedQuestion, bool) {
		resp, raw, err := e.Raw(ctx, http.MethodPost, saveQuestion, formType, body, tok)
		if err != nil {
			e.Failf("%s: %v", what, err)
			return helpdeskapi.SavedQuestion{}, false
		}
		return savedQuestion(e, what, resp.StatusCode, raw)
	}
	if _, ok := save("seed ticket", seedBody+"&questionCategory=general"); !ok {
		return nil
	}
	qs, err := questions(ctx, e, c.ID)
	if err != nil {
		return err
	}
	hq := findQuestion(qs, "123456789")
	if !e.Expect(hq != nil, "the ticket is not listed") {
		return nil
	}
	jane := c.expert(0)
	qr, err := e.Admin.ListExpertQueueWithResponse(ctx, c.ID, jane)
	if err != nil {
		return err
	}
	if e.Expect(qr.JSON200 != nil && len(qr.JSON200.Questions) == 1, "the ticket is not in the expert's queue: %d %s", qr.StatusCode(), qr.Body) {
		x := qr.JSON200.Questions[0]
		e.Expect(x.Uuid == hq.Uuid && x.Channel == adminapi.Helpdesk && x.AuthorName == "Joe User" && x.Category == "general" && x.Text == "sample question detailed description",
			"the ticket in the expert view: %s", qr.Body)
		e.Expect(compactJSON(x.VisibleMetadata) == seedVisible, "expert view metadata %s, want %s", x.VisibleMetadata, seedVisible)
		e.Expect(!strings.Contains(string(qr.Body), "user@example.com") && !strings.Contains(string(qr.Body), "Creation Date") && !strings.Contains(string(qr.Body), "1000000"),
			"the expert view shows the email or nested metadata: %s", qr.Body)
	}
	if err := c.claim(ctx, e, 0, hq.Uuid); err != nil {
		return err
	}
	if _, err := c.respond(ctx, e, 0, hq.Uuid, "Restart Safari, then sign in again."); err != nil {
		return err
	}
	if q, ok := save("saveQuestion after the expert answered", seedBody); ok {
		e.Expect(q.Status == "1 answer" && len(q.Answers) == 1 && !q.IsEscalated, "saveQuestion after one answer: %+v", q)
		if len(q.Answers) == 1 {
			e.Expect(q.Answers[0].Text == "Restart Safari, then sign in again." && q.Answers[0].Author.Name == "Jane Expert" && !q.Answers[0].IsAccepted,
				"the answer: %+v", q.Answers[0])
		}
	}
	resp, raw, err := e.Raw(ctx, http.MethodPost, closeQuestion, formType, "helpDeskId=123456789", tok)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusOK, "closeQuestion: %d %s", resp.StatusCode, raw)
	if d, err := adminQuestion(ctx, e, c.ID, hq.Uuid); err == nil {
		found := false
		for _, m := range d.Messages {
			found = found || m.Type == adminapi.QUESTIONCLOSEDSYSTEMMESSAGE
		}
		e.Expect(d.Status == adminapi.CLOSED && found, "after closeQuestion the operator sees status %s and no QUESTION_CLOSED: %+v", d.Status, d.Messages)
	} else {
		e.Failf("%v", err)
	}
	// With a category list, an unknown category is refused and nothing is stored.
	resp, raw, err = e.Raw(ctx, http.MethodPost, saveQuestion, formType, "text=Hi&emailAddress=joe@example.com&questionCategory=gardening&helpDeskId=hd-unknown-cat", tok)
	if err != nil {
		return err
	}
	code, msg := errorCode(raw)
	e.Expect(resp.StatusCode == http.StatusBadRequest && code == "INVALID_PARAMETER" && strings.Contains(msg, "questionCategory"),
		"saveQuestion with a category not in the company's list: want 400 naming questionCategory, got %d %s", resp.StatusCode, raw)
	if qs, err := questions(ctx, e, c.ID); err == nil {
		e.Expect(findQuestion(qs, "hd-unknown-cat") == nil, "a refused ticket was stored")
	}
	expect(e, "the expert posts in a CLOSED ticket", 400, "INVALID_STATE")(result(e.Admin.PostExpertMessageWithResponse(ctx, c.ID, jane, hq.Uuid, adminapi.PostExpertMessageRequest{Body: "x"})))

	// Escalations read isEscalated in saveQuestion's answer.
	for _, tc := range []struct {
		id     string
		by     string
		action func(q uuid.UUID) (int, []byte, error)
	}{
		{"hd-expert-reroute", "EXPERT", func(q uuid.UUID) (int, []byte, error) {
			return result(e.Admin.RerouteByExpertWithResponse(ctx, c.ID, jane, q, adminapi.RerouteByExpertRequest{Reason: "A refund needs an agent."}))
		}},
		{"hd-customer-reroute", "USER", func(q uuid.UUID) (int, []byte, error) {
			return result(e.Admin.RerouteAsCustomerWithResponse(ctx, c.ID, q, adminapi.RerouteAsCustomerRequest{Reason: ptr("Agent please")}))
		}},
	} {
		body := "text=Escalate+me&emailAddress=joe@example.com&questionCategory=general&helpDeskId=" + tc.id
		if _, ok := save("saveQuestion "+tc.id, body); !ok {
			continue
		}
		qs, err := questions(ctx, e, c.ID)
		if err != nil {
			return err
		}
		q := findQuestion(qs, tc.id)
		if q == nil {
			e.Failf("%s not listed", tc.id)
			continue
		}
		expect(e, tc.id, 200, "")(tc.action(q.Uuid))
		if s, ok := save("saveQuestion after "+tc.id, body); ok {
			e.Expect(s.IsEscalated && s.Status == "CLOSED", "saveQuestion after a reroute by %s: %+v, want isEscalated true and status CLOSED", tc.by, s)
		}
		if d, err := adminQuestion(ctx, e, c.ID, q.Uuid); err == nil {
			e.Expect(d.IsEscalated && d.ReroutedBy != nil && *d.ReroutedBy == tc.by, "operator view after a reroute by %s: isEscalated %v reroutedBy %v", tc.by, d.IsEscalated, d.ReroutedBy)
		}
	}
	// The customer posts and accepts on a Help Desk question through the operator API.
	body := "text=Accept+me&emailAddress=joe@example.com&questionCategory=general&helpDeskId=hd-accept"
	if _, ok := save("saveQuestion hd-accept", body); ok {
		qs, err := questions(ctx, e, c.ID)
		if err != nil {
			return err
		}
		if q := findQuestion(qs, "hd-accept"); e.Expect(q != nil, "hd-accept not listed") {
			rid, err := c.respond(ctx, e, 0, q.Uuid, "Accept this.")
			if err != nil {
				return err
			}
			expect(e, "the customer writes on a Help Desk question", 201, "")(result(e.Admin.PostCustomerMessageWithResponse(ctx, c.ID, q.Uuid, adminapi.PostCustomerMessageRequest{Body: "Thanks", ResponseUuid: &rid})))
			expect(e, "the customer accepts on a Help Desk question", 200, "")(result(e.Admin.AcceptAsCustomerWithResponse(ctx, c.ID, q.Uuid, adminapi.AcceptAsCustomerRequest{ResponseUuid: rid})))
			if s, ok := save("saveQuestion after the accept", body); ok {
				e.Expect(s.Status == "1 answer" && len(s.Answers) == 1 && s.Answers[0].IsAccepted && !s.IsEscalated, "saveQuestion after the accept: %+v", s)
			}
		}
	}

	if !e.Virtual() {
		return e.Skip("the category timeout needs a server started with --clock=virtual")
	}
	body = "text=Where+is+my+money&emailAddress=joe@example.com&questionCategory=payments&helpDeskId=hd-timeout"
	if _, ok := save("saveQuestion hd-timeout", body); !ok {
		return nil
	}
	if _, err := advance(ctx, e, 120); err != nil {
		return err
	}
	if s, ok := save("saveQuestion after the category's timeout", body); ok {
		e.Expect(s.IsEscalated && s.Status == "CLOSED", "a payments ticket after its category's 120 s timeout: %+v, want escalated", s)
	}
	return nil
}

// operatorClock: the clock in the target's mode. Virtual: read, set (forward, same, backward),
// advance (0, n, negative, malformed). Wall: set and advance are 409 CONFLICT; malformed bodies
// are still 400.
func operatorClock(ctx context.Context, e *Env) error {
	a := e.Admin
	g, err := a.GetClockWithResponse(ctx)
	if err != nil {
		return err
	}
	if !e.Expect(g.JSON200 != nil && string(g.JSON200.Mode) == e.ClockMode && g.JSON200.JobsRun == 0, "getClock: %d %s (mode %s)", g.StatusCode(), g.Body, e.ClockMode) {
		return nil
	}
	now := g.JSON200.Now
	auth := "Authorization: Bearer " + e.AdminToken
	for _, bad := range []struct{ method, path, body string }{
		{http.MethodPut, "/admin/v1/clock", `{"now":"soon"}`},
		{http.MethodPut, "/admin/v1/clock", `{}`},
		{http.MethodPost, "/admin/v1/clock/advance", `{"seconds":-1}`},
		{http.MethodPost, "/admin/v1/clock/advance", `{"seconds":"ten"}`},
		{http.MethodPost, "/admin/v1/clock/advance", `{}`},
	} {
		resp, body, err := e.Raw(ctx, bad.method, bad.path, "application/json", bad.body, auth)
		if err != nil {
			return err
		}
		code, _ := adminError(body)
		e.Expect(resp.StatusCode == http.StatusBadRequest && code == "INVALID_PARAMETER", "%s %s %s: want 400, got %d %s", bad.method, bad.path, bad.body, resp.StatusCode, body)
	}
	if !e.Virtual() {
		expect(e, "setClock on the wall clock", 409, "CONFLICT")(result(a.SetClockWithResponse(ctx, adminapi.SetClockRequest{Now: now.Add(time.Hour)})))
		expect(e, "advanceClock on the wall clock", 409, "CONFLICT")(result(a.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockRequest{Seconds: 60})))
		if g, err := a.GetClockWithResponse(ctx); err == nil && g.JSON200 != nil {
			e.Expect(g.JSON200.Mode == adminapi.Wall && g.JSON200.Now.Before(now.Add(time.Hour)), "the wall clock moved: %s", g.Body)
		}
		return nil
	}
	s, err := a.SetClockWithResponse(ctx, adminapi.SetClockRequest{Now: now})
	if err != nil {
		return err
	}
	e.Expect(s.JSON200 != nil && s.JSON200.Now.Equal(now) && s.JSON200.Mode == adminapi.Virtual, "setClock to the current time: %d %s", s.StatusCode(), s.Body)
	s, err = a.SetClockWithResponse(ctx, adminapi.SetClockRequest{Now: now.Add(10 * time.Second)})
	if err != nil {
		return err
	}
	e.Expect(s.JSON200 != nil && s.JSON200.Now.Equal(now.Add(10*time.Second)), "setClock +10 s: %d %s", s.StatusCode(), s.Body)
	body := expect(e, "setClock backwards", 400, "INVALID_PARAMETER")(result(a.SetClockWithResponse(ctx, adminapi.SetClockRequest{Now: now})))
	_, msg := adminError(body)
	e.Expect(strings.Contains(msg, "now"), "setClock backwards: the message does not name now: %s", body)
	ad, err := a.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockRequest{Seconds: 0})
	if err != nil {
		return err
	}
	e.Expect(ad.JSON200 != nil && ad.JSON200.Now.Equal(now.Add(10*time.Second)), "advanceClock 0: %d %s", ad.StatusCode(), ad.Body)
	ad, err = a.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockRequest{Seconds: 5})
	if err != nil {
		return err
	}
	e.Expect(ad.JSON200 != nil && ad.JSON200.Now.Equal(now.Add(15*time.Second)), "advanceClock 5: %d %s", ad.StatusCode(), ad.Body)
	g, err = a.GetClockWithResponse(ctx)
	if err != nil {
		return err
	}
	e.Expect(g.JSON200 != nil && g.JSON200.Now.Equal(now.Add(15*time.Second)) && g.JSON200.JobsRun == 0, "getClock after moving: %s", g.Body)
	// Timestamps follow the virtual clock.
	c, err := newCompany(ctx, e, companySpec{})
	if err != nil {
		return err
	}
	q, err := c.ask(ctx, e, "What time is it?")
	if err != nil {
		return err
	}
	e.Expect(q.Meta.Timestamp.Equal(now.Add(15*time.Second)) && q.Data.CreatedAt.Equal(now.Add(15*time.Second)),
		"on the virtual clock at %s: meta.timestamp %s, createdAt %s", stamp(now.Add(15*time.Second)), stamp(q.Meta.Timestamp), stamp(q.Data.CreatedAt))
	return nil
}
