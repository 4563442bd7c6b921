package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	msgapi "github.com/switchboard-dev/switchboard/gen/messaging"
)

// watch follows one question through GET /v1/questions, step by step.
type watch struct {
	ctx  context.Context
	e    *Env
	c    *company
	id   uuid.UUID
	name string
	last time.Time
	q    msgapi.Question
}

func (c *company) watch(ctx context.Context, e *Env, name string, asked *msgapi.QuestionEnvelope) *watch {
	return &watch{ctx: ctx, e: e, c: c, id: asked.Data.Uuid, name: name, last: asked.Data.LastUpdated, q: asked.Data}
}

// look reads the question after a step. changed says whether the step was a visible change
// (lastUpdated must move forward) or not (it must stay). Every system message must carry its
// documented body and the System author, and be read.
func (w *watch) look(step string, changed bool) bool {
	q, err := w.c.listed(w.ctx, w.id)
	if err != nil {
		w.e.Failf("%s, %s: %v", w.name, step, err)
		return false
	}
	if changed {
		after(w.e, w.name+", "+step, w.last, q.LastUpdated)
	} else {
		w.e.Expect(q.LastUpdated.Equal(w.last), "%s, %s: lastUpdated moved from %s to %s without a visible change", w.name, step, stamp(w.last), stamp(q.LastUpdated))
	}
	for _, m := range anywhere(q) {
		if body, ok := systemBodies[m.Type]; ok {
			w.e.Expect(m.Body == body && m.Author.Name == "System" && m.Author.Type == msgapi.AuthorTypeSystem && m.Author.Uuid == nil && m.IsRead,
				"%s, %s: system message %s: body %q, author %+v, isRead %v", w.name, step, m.Type, m.Body, m.Author, m.IsRead)
		}
	}
	w.last, w.q = q.LastUpdated, q
	return true
}

// qLevel checks the question-level message types (as a multiset).
func (w *watch) qLevel(step string, want ...msgapi.MessageType) {
	w.e.Expect(sameTypes(w.q.Conversation.Messages, want), "%s, %s: question-level messages %v, want %v", w.name, step, types(w.q.Conversation.Messages), want)
}

// thread checks the message types of a response thread (as a multiset).
func (w *watch) thread(step string, rid uuid.UUID, want ...msgapi.MessageType) {
	r := thread(w.q, rid)
	if !w.e.Expect(r != nil, "%s, %s: response %s missing", w.name, step, rid) {
		return
	}
	w.e.Expect(sameTypes(r.Messages, want), "%s, %s: thread %s has %v, want %v", w.name, step, rid, types(r.Messages), want)
}

func sameTypes(ms []msgapi.Message, want []msgapi.MessageType) bool {
	got := types(ms)
	w := make([]string, len(want))
	for i, t := range want {
		w[i] = string(t)
	}
	slices.Sort(got)
	slices.Sort(w)
	return slices.Equal(got, w)
}

// ok returns a check that records a failure unless the call answered want:
//
//	w.ok("closed", 200)(result(m.CloseQuestionWithResponse(ctx, id)))
func (w *watch) ok(step string, want int) func(int, []byte, error) bool {
	return func(status int, body []byte, err error) bool {
		if err != nil {
			w.e.Failf("%s, %s: %v", w.name, step, err)
			return false
		}
		return w.e.Expect(status == want, "%s, %s: want %d, got %d %s", w.name, step, want, status, truncate(body))
	}
}

const (
	notifying   = msgapi.MessageTypeNotifyingExperts
	acceptResp  = msgapi.MessageTypeAcceptResponse
	markAsRes   = msgapi.MessageTypeMarkAsResolved
	accepted    = msgapi.MessageTypeAcceptedResponse
	rateResp    = msgapi.MessageTypeRateResponse
	addTestim   = msgapi.MessageTypeAddTestimonial
	addedTestim = msgapi.MessageTypeAddedTestimonial
	prompt      = msgapi.MessageTypeCustomerReroutePrompt
	rerouted    = msgapi.MessageTypeQuestionRerouted
	expired     = msgapi.MessageTypeQuestionExpired
	closed      = msgapi.MessageTypeQuestionClosed
	expertMsg   = msgapi.MessageTypeExpertMessage
	userMsg     = msgapi.MessageTypeUserMessage
	autoMsg     = msgapi.MessageTypeAutomatedMessage
)

// billingClass is a text class whose answer the classification tests attach.
var billingClass = adminapi.TextClass{Name: "billing", Keywords: []string{"invoice", "refund", "charge"},
	Answer: adminapi.ClassAnswer{Title: "Refunds and invoices", Body: "Refunds reach your account within 5 business days."}}

// messagingSystemMessages walks every system message through the moments it is added and removed
// (reference §7), watching each question through GET /v1/questions, and the expert side for the
// resolved mark.
func messagingSystemMessages(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{
		Settings: &adminapi.UpdateSettingsRequest{Classes: &[]adminapi.TextClass{billingClass},
			ReroutePromptAfterSeconds: ptr(60), UnansweredTimeoutSeconds: ptr(31536000), TokenTtlSeconds: ptr(31536000)},
		Experts: []adminapi.CreateExpertRequest{{Name: "Jane Expert"}, {Name: "Sam Expert"}},
	})
	if err != nil {
		return err
	}
	m := c.M
	jane, sam := c.expert(0), c.expert(1)

	// Q1: NOTIFYING_EXPERTS, ACCEPT_RESPONSE, MARK_AS_RESOLVED, ACCEPTED_RESPONSE, RATE_RESPONSE,
	// ADD_TESTIMONIAL, ADDED_TESTIMONIAL and QUESTION_CLOSED.
	a, err := c.ask(ctx, e, "Where can I find my invoice?")
	if err != nil {
		return err
	}
	w := c.watch(ctx, e, "Q1", a)
	w.look("asked", false)
	w.qLevel("asked", notifying)

	w.ok("Jane claims", 200)(result(e.Admin.ClaimQuestionWithResponse(ctx, c.ID, jane, w.id)))
	w.look("Jane claims", true)
	w.qLevel("an expert claims: NOTIFYING_EXPERTS goes")
	w.e.Expect(w.q.State.IsClaimed, "Q1: isClaimed false after the claim")

	w.ok("Jane releases", 200)(result(e.Admin.ReleaseQuestionWithResponse(ctx, c.ID, jane, w.id)))
	w.look("Jane releases", true)
	w.qLevel("released without an expert response: NOTIFYING_EXPERTS is back", notifying)
	w.e.Expect(!w.q.State.IsClaimed, "Q1: isClaimed true after the release")

	samR, err := c.respond(ctx, e, 1, w.id, "Under Account > Billing.")
	if err != nil {
		return err
	}
	w.look("Sam responds", true)
	w.qLevel("an expert responds: NOTIFYING_EXPERTS goes")
	w.thread("Sam responds", samR, expertMsg, acceptResp)

	w.ok("Jane claims again", 200)(result(e.Admin.ClaimQuestionWithResponse(ctx, c.ID, jane, w.id)))
	w.look("Jane claims again", true)
	w.ok("Jane releases again", 200)(result(e.Admin.ReleaseQuestionWithResponse(ctx, c.ID, jane, w.id)))
	w.look("Jane releases again", true)
	w.qLevel("released after an expert responded: no NOTIFYING_EXPERTS")

	janeR, err := c.respond(ctx, e, 0, w.id, "You can also ask us to email it.")
	if err != nil {
		return err
	}
	w.look("Jane responds", true)
	w.thread("Jane responds", janeR, expertMsg, acceptResp)

	w.ok("Jane marks resolved", 200)(result(e.Admin.MarkResolvedWithResponse(ctx, c.ID, jane, w.id)))
	w.look("Jane marks resolved", true)
	w.thread("marked: MARK_AS_RESOLVED replaces ACCEPT_RESPONSE", janeR, expertMsg, markAsRes)
	w.thread("marked: the other thread keeps its ACCEPT_RESPONSE", samR, expertMsg, acceptResp)
	if r := thread(w.q, janeR); r != nil {
		w.e.Expect(r.IsMarkedAsResolved, "Q1: isMarkedAsResolved false after the mark")
	}
	if x, err := e.Admin.GetExpertQuestionWithResponse(ctx, c.ID, jane, w.id); err == nil && e.Expect(x.JSON200 != nil, "getExpertQuestion: %d %s", x.StatusCode(), x.Body) {
		for _, th := range x.JSON200.Responses {
			if th.Uuid == janeR {
				e.Expect(th.IsMine && th.IsMarkedAsResolved && slices.ContainsFunc(th.Messages, func(m adminapi.ThreadMessage) bool { return m.Type == adminapi.MARKASRESOLVEDMESSAGE }),
					"Q1: the expert does not see the mark in the thread: %+v", th)
			}
		}
	}

	w.ok("the user writes in the marked thread", 201)(result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: w.id, ResponseUuid: &janeR, Body: "Does it also list the taxes?"})))
	w.look("the user writes in the marked thread", true)
	w.thread("the user writes: the mark is undone, ACCEPT_RESPONSE is back", janeR, expertMsg, userMsg, acceptResp)
	if r := thread(w.q, janeR); r != nil {
		w.e.Expect(!r.IsMarkedAsResolved, "Q1: isMarkedAsResolved still true after the user wrote")
	}
	if x, err := e.Admin.GetExpertQuestionWithResponse(ctx, c.ID, jane, w.id); err == nil && x.JSON200 != nil {
		for _, th := range x.JSON200.Responses {
			if th.Uuid == janeR {
				e.Expect(!th.IsMarkedAsResolved && !slices.ContainsFunc(th.Messages, func(m adminapi.ThreadMessage) bool { return m.Type == adminapi.MARKASRESOLVEDMESSAGE }),
					"Q1: the expert still sees the undone mark: %+v", th)
			}
		}
	}

	w.ok("Jane marks resolved again", 200)(result(e.Admin.MarkResolvedWithResponse(ctx, c.ID, jane, w.id)))
	w.look("Jane marks resolved again", true)
	w.thread("marked again", janeR, expertMsg, userMsg, markAsRes)

	w.ok("the user accepts Sam's response", 200)(result(m.AcceptResponseWithResponse(ctx, samR)))
	w.look("the user accepts Sam's response", true)
	w.thread("any accept: ACCEPTED_RESPONSE and RATE_RESPONSE in the accepted thread", samR, expertMsg, accepted, rateResp)
	w.thread("any accept: MARK_AS_RESOLVED goes from the other thread", janeR, expertMsg, userMsg)
	w.e.Expect(w.q.State.Status == msgapi.QuestionStatusResolved, "Q1: status %s after the accept", w.q.State.Status)

	w.ok("rated NEUTRAL_5", 200)(result(m.RateResponseWithResponse(ctx, samR, msgapi.RateRequest{Rating: msgapi.RatingNeutral5})))
	w.look("rated NEUTRAL_5", true)
	w.thread("rated: RATE_RESPONSE goes; a neutral rating asks no testimonial", samR, expertMsg, accepted)
	w.ok("rated POSITIVE_5", 200)(result(m.RateResponseWithResponse(ctx, samR, msgapi.RateRequest{Rating: msgapi.RatingPositive5})))
	w.look("rated POSITIVE_5", true)
	w.thread("rated POSITIVE_5: ADD_TESTIMONIAL", samR, expertMsg, accepted, addTestim)
	if r := thread(w.q, samR); r != nil {
		w.e.Expect(r.Rating != nil && *r.Rating == msgapi.RatingPositive5, "Q1: rating %v, want the last one, POSITIVE_5", r.Rating)
	}
	w.ok("testimonial", 200)(result(m.AddTestimonialWithResponse(ctx, samR, msgapi.TestimonialRequest{Text: "Quick and clear, thank you Sam!"})))
	w.look("testimonial", true)
	w.thread("testimonial: ADD_TESTIMONIAL gives way to ADDED_TESTIMONIAL", samR, expertMsg, accepted, addedTestim)
	w.ok("closed", 200)(result(m.CloseQuestionWithResponse(ctx, w.id)))
	w.look("closed", true)
	w.qLevel("closed: QUESTION_CLOSED", closed)
	w.thread("closed: ACCEPTED_RESPONSE and ADDED_TESTIMONIAL are never removed", samR, expertMsg, accepted, addedTestim)
	w.e.Expect(w.q.State.Status == msgapi.QuestionStatusClosed && w.q.State.IsClosed, "Q1: state %+v after close", w.q.State)

	// Q2: an automated response (classification) has its ACCEPT_RESPONSE; accepting it removes
	// NOTIFYING_EXPERTS; expiring removes RATE_RESPONSE and adds QUESTION_EXPIRED.
	a, err = c.ask(ctx, e, "I was charged twice, I need a refund for the second invoice", func(r *msgapi.CreateQuestionRequest) { r.Classification = ptr("billing") })
	if err != nil {
		return err
	}
	w = c.watch(ctx, e, "Q2", a)
	w.look("asked with a classification", false)
	w.qLevel("asked", notifying)
	if !w.e.Expect(len(w.q.Conversation.Responses) == 1, "Q2: %d responses, want the automated one", len(w.q.Conversation.Responses)) {
		return nil
	}
	auto := w.q.Conversation.Responses[0]
	w.e.Expect(auto.Type == msgapi.ResponseTypeAutomated && auto.Author.Type == msgapi.AuthorTypeBot && auto.Author.Uuid == nil,
		"Q2: automated response %+v", auto)
	w.thread("an automated response: its answer and ACCEPT_RESPONSE", auto.Uuid, autoMsg, acceptResp)
	if len(auto.Messages) > 0 {
		w.e.Expect(strings.Contains(auto.Messages[0].Body, billingClass.Answer.Body) && !auto.Messages[0].IsRead, "Q2: automated message %+v, want the class's answer, unread", auto.Messages[0])
	}
	w.e.Expect(w.q.Conversation.UnreadMessageCount == 1 && w.q.State.IsAnswered, "Q2: unread %d, isAnswered %v", w.q.Conversation.UnreadMessageCount, w.q.State.IsAnswered)
	w.ok("the user accepts the automated response", 200)(result(m.AcceptResponseWithResponse(ctx, auto.Uuid)))
	w.look("accepted", true)
	w.qLevel("any accept: NOTIFYING_EXPERTS goes")
	w.thread("accepted", auto.Uuid, autoMsg, accepted, rateResp)
	w.ok("expired", 200)(result(m.ExpireQuestionWithResponse(ctx, w.id)))
	w.look("expired", true)
	w.qLevel("expired: QUESTION_EXPIRED", expired)
	w.thread("terminal: RATE_RESPONSE goes, ACCEPTED_RESPONSE stays", auto.Uuid, autoMsg, accepted)

	// Q3: terminal removes ADD_TESTIMONIAL (rated NEUTRAL_POSITIVE_5, then closed).
	a, err = c.ask(ctx, e, "Can I change my plan?")
	if err != nil {
		return err
	}
	w = c.watch(ctx, e, "Q3", a)
	r3, err := c.respond(ctx, e, 0, w.id, "Yes, under Account > Plan.")
	if err != nil {
		return err
	}
	w.ok("accepted", 200)(result(m.AcceptResponseWithResponse(ctx, r3)))
	w.ok("rated NEUTRAL_POSITIVE_5", 200)(result(m.RateResponseWithResponse(ctx, r3, msgapi.RateRequest{Rating: msgapi.RatingNeutralPositive5})))
	w.look("rated NEUTRAL_POSITIVE_5", true)
	w.thread("rated NEUTRAL_POSITIVE_5: ADD_TESTIMONIAL", r3, expertMsg, accepted, addTestim)
	w.ok("closed", 200)(result(m.CloseQuestionWithResponse(ctx, w.id)))
	w.look("closed", true)
	w.thread("terminal: ADD_TESTIMONIAL goes", r3, expertMsg, accepted)
	w.qLevel("closed", closed)

	// Q4: terminal removes ACCEPT_RESPONSE and MARK_AS_RESOLVED (the user reroutes).
	a, err = c.ask(ctx, e, "My account is locked.")
	if err != nil {
		return err
	}
	w = c.watch(ctx, e, "Q4", a)
	r4j, err := c.respond(ctx, e, 0, w.id, "Try resetting your password.")
	if err != nil {
		return err
	}
	r4s, err := c.respond(ctx, e, 1, w.id, "Wait 15 minutes and try again.")
	if err != nil {
		return err
	}
	w.ok("Jane marks resolved", 200)(result(e.Admin.MarkResolvedWithResponse(ctx, c.ID, jane, w.id)))
	w.look("two responses, one marked", true)
	w.thread("marked", r4j, expertMsg, markAsRes)
	w.thread("not marked", r4s, expertMsg, acceptResp)
	w.ok("the user reroutes", 200)(result(m.RerouteQuestionWithResponse(ctx, w.id, msgapi.RerouteRequest{Reason: ptr("I need a person.")})))
	w.look("rerouted", true)
	w.qLevel("rerouted: QUESTION_REROUTED", rerouted)
	w.thread("terminal: MARK_AS_RESOLVED goes", r4j, expertMsg)
	w.thread("terminal: ACCEPT_RESPONSE goes", r4s, expertMsg)
	rs := w.q.State.RerouteStatus
	w.e.Expect(w.q.State.Status == msgapi.QuestionStatusRerouted && w.q.State.IsClosed && rs.IsRerouted && rs.ReroutedBy != nil && *rs.ReroutedBy == "USER" && rs.ReroutedAt != nil,
		"Q4: state %+v after the user's reroute", w.q.State)

	// Q5: terminal removes NOTIFYING_EXPERTS (closed while waiting).
	a, err = c.ask(ctx, e, "Is there a student discount?")
	if err != nil {
		return err
	}
	w = c.watch(ctx, e, "Q5", a)
	w.ok("closed", 200)(result(m.CloseQuestionWithResponse(ctx, w.id)))
	w.look("closed while waiting", true)
	w.qLevel("terminal: NOTIFYING_EXPERTS goes", closed)

	// Q6: an expert reroutes.
	a, err = c.ask(ctx, e, "I want to cancel my contract.")
	if err != nil {
		return err
	}
	w = c.watch(ctx, e, "Q6", a)
	w.ok("Sam reroutes", 200)(result(e.Admin.RerouteByExpertWithResponse(ctx, c.ID, sam, w.id, adminapi.RerouteByExpertRequest{Reason: "Contracts are handled by the company."})))
	w.look("rerouted by an expert", true)
	w.qLevel("rerouted by an expert: QUESTION_REROUTED", rerouted)
	rs = w.q.State.RerouteStatus
	w.e.Expect(rs.IsRerouted && rs.ReroutedBy != nil && *rs.ReroutedBy == "EXPERT", "Q6: rerouteStatus %+v", rs)

	if !e.Virtual() {
		return e.Skip("CUSTOMER_REROUTE_PROMPT needs a server started with --clock=virtual (the rules of the ten other system messages were checked)")
	}
	return reroutePromptRules(ctx, e, c)
}

// reroutePromptRules: CUSTOMER_REROUTE_PROMPT (reroutePromptAfterSeconds = 60) appears once,
// and goes when the user posts, an expert responds or posts, the user accepts or reroutes, and
// when the question ends.
func reroutePromptRules(ctx context.Context, e *Env, c *company) error {
	m := c.M
	jane := c.expert(0)
	a, err := c.ask(ctx, e, "Why is my parcel late?")
	if err != nil {
		return err
	}
	w := c.watch(ctx, e, "P1", a)
	if _, err := advance(ctx, e, 59); err != nil {
		return err
	}
	w.look("59 s without an expert post", false)
	w.qLevel("not yet", notifying)
	if _, err := advance(ctx, e, 1); err != nil {
		return err
	}
	w.look("60 s without an expert post", true)
	w.qLevel("the prompt appears", notifying, prompt)
	if _, err := advance(ctx, e, 120); err != nil {
		return err
	}
	w.look("another 120 s", false)
	w.qLevel("at most one prompt", notifying, prompt)

	w.ok("the user writes", 201)(result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: w.id, Body: "Hello? Anyone?"})))
	w.look("the user writes", true)
	w.qLevel("the user posts: the prompt goes", notifying, userMsg)
	if _, err := advance(ctx, e, 60); err != nil {
		return err
	}
	w.look("60 s after the user's last input", true)
	w.qLevel("the prompt is back, counted from the user's last input", notifying, userMsg, prompt)

	rid, err := c.respond(ctx, e, 0, w.id, "It left the depot this morning.")
	if err != nil {
		return err
	}
	w.look("Jane responds", true)
	w.qLevel("an expert responds: the prompt goes", userMsg)
	if _, err := advance(ctx, e, 120); err != nil {
		return err
	}
	w.look("120 s after the expert's post", false)
	w.qLevel("no prompt while the expert posted last", userMsg)

	w.ok("the user writes in the thread", 201)(result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: w.id, ResponseUuid: &rid, Body: "Which depot?"})))
	if _, err := advance(ctx, e, 60); err != nil {
		return err
	}
	w.look("60 s after the user's thread message", true)
	w.qLevel("the prompt is back", userMsg, prompt)
	w.ok("Jane writes", 201)(result(e.Admin.PostExpertMessageWithResponse(ctx, c.ID, jane, w.id, adminapi.PostExpertMessageRequest{Body: "The one in Leeds."})))
	w.look("Jane writes", true)
	w.qLevel("an expert posts: the prompt goes", userMsg)

	// The user answers within the same second as the expert: the user spoke last (message order,
	// not the clock, decides), so the prompt comes back.
	w.ok("the user writes again", 201)(result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: w.id, ResponseUuid: &rid, Body: "Thanks."})))
	if _, err := advance(ctx, e, 60); err != nil {
		return err
	}
	w.look("60 s later", true)
	w.qLevel("the user wrote after the expert, in the same second: the prompt is back", userMsg, prompt)
	w.ok("the user accepts", 200)(result(m.AcceptResponseWithResponse(ctx, rid)))
	w.look("accepted", true)
	w.qLevel("the user accepts: the prompt goes", userMsg)

	// The user reroutes, answering the prompt.
	a, err = c.ask(ctx, e, "Where is my refund?")
	if err != nil {
		return err
	}
	w = c.watch(ctx, e, "P2", a)
	if _, err := advance(ctx, e, 60); err != nil {
		return err
	}
	w.look("prompted", true)
	w.qLevel("prompted", notifying, prompt)
	w.ok("the user reroutes", 200)(result(m.RerouteQuestionWithResponse(ctx, w.id, msgapi.RerouteRequest{})))
	w.look("rerouted", true)
	w.qLevel("the user reroutes: the prompt goes", rerouted)

	// Terminal removes the prompt (the company closes).
	a, err = c.ask(ctx, e, "Can I pay by cheque?")
	if err != nil {
		return err
	}
	w = c.watch(ctx, e, "P3", a)
	if _, err := advance(ctx, e, 60); err != nil {
		return err
	}
	w.look("prompted", true)
	w.ok("closed", 200)(result(m.CloseQuestionWithResponse(ctx, w.id)))
	w.look("closed", true)
	w.qLevel("terminal: the prompt goes", closed)
	return nil
}

// stateCell is one cell of the state matrix: an action in a state, and what it must answer.
type stateCell struct {
	action string
	want   int // 200/201 allowed; 400 INVALID_STATE
}

// messagingStateMatrix checks every cell of "Writes allowed per state" (reference §6): a write
// the state forbids is 400 INVALID_STATE in the envelope and changes nothing; an allowed one
// succeeds; close and expire in a terminal state are no-op 200s; read works in every state.
func messagingStateMatrix(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{Experts: []adminapi.CreateExpertRequest{{Name: "Jane Expert"}, {Name: "Sam Expert"}}})
	if err != nil {
		return err
	}
	m := c.M
	// Every question has two responses: A (Jane's, accepted in RESOLVED) and B (Sam's).
	type setup struct {
		q, a, b uuid.UUID
	}
	states := []struct {
		name string
		to   func(s setup) error
	}{
		{"UNRESOLVED", func(setup) error { return nil }},
		{"RESOLVED", func(s setup) error { return want200(result(m.AcceptResponseWithResponse(ctx, s.a))) }},
		{"CLOSED", func(s setup) error { return want200(result(m.CloseQuestionWithResponse(ctx, s.q))) }},
		{"CLOSED after RESOLVED", func(s setup) error {
			if err := want200(result(m.AcceptResponseWithResponse(ctx, s.a))); err != nil {
				return err
			}
			return want200(result(m.CloseQuestionWithResponse(ctx, s.q)))
		}},
		{"EXPIRED", func(s setup) error {
			if err := want200(result(m.AcceptResponseWithResponse(ctx, s.a))); err != nil {
				return err
			}
			return want200(result(m.ExpireQuestionWithResponse(ctx, s.q)))
		}},
		{"REROUTED", func(s setup) error {
			return want200(result(m.RerouteQuestionWithResponse(ctx, s.q, msgapi.RerouteRequest{})))
		}},
	}
	actions := []struct {
		name string
		do   func(s setup) (int, []byte, error)
	}{
		{"message at question level", func(s setup) (int, []byte, error) {
			return result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: s.q, Body: "One more thing."}))
		}},
		{"message in thread A", func(s setup) (int, []byte, error) {
			return result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: s.q, ResponseUuid: &s.a, Body: "Thanks!"}))
		}},
		{"message in thread B", func(s setup) (int, []byte, error) {
			return result(m.CreateMessageWithResponse(ctx, msgapi.CreateMessageRequest{QuestionUuid: s.q, ResponseUuid: &s.b, Body: "Thanks!"}))
		}},
		{"accept A", func(s setup) (int, []byte, error) { return result(m.AcceptResponseWithResponse(ctx, s.a)) }},
		{"accept B", func(s setup) (int, []byte, error) { return result(m.AcceptResponseWithResponse(ctx, s.b)) }},
		{"rate A", func(s setup) (int, []byte, error) {
			return result(m.RateResponseWithResponse(ctx, s.a, msgapi.RateRequest{Rating: msgapi.RatingPositive5}))
		}},
		{"rate B", func(s setup) (int, []byte, error) {
			return result(m.RateResponseWithResponse(ctx, s.b, msgapi.RateRequest{Rating: msgapi.RatingPositive5}))
		}},
		{"testimonial A", func(s setup) (int, []byte, error) {
			return result(m.AddTestimonialWithResponse(ctx, s.a, msgapi.TestimonialRequest{Text: "Great help."}))
		}},
		{"testimonial B", func(s setup) (int, []byte, error) {
			return result(m.AddTestimonialWithResponse(ctx, s.b, msgapi.TestimonialRequest{Text: "Great help."}))
		}},
		{"reroute", func(s setup) (int, []byte, error) {
			return result(m.RerouteQuestionWithResponse(ctx, s.q, msgapi.RerouteRequest{}))
		}},
		{"close", func(s setup) (int, []byte, error) { return result(m.CloseQuestionWithResponse(ctx, s.q)) }},
		{"expire", func(s setup) (int, []byte, error) { return result(m.ExpireQuestionWithResponse(ctx, s.q)) }},
		{"read", func(s setup) (int, []byte, error) { return result(m.MarkQuestionReadWithResponse(ctx, s.q)) }},
	}
	const (
		yes   = 1 // allowed, changes the question
		no    = 2 // 400 INVALID_STATE, nothing changes
		noop  = 3 // 200, nothing changes
		quiet = 4 // allowed, lastUpdated stays (read)
	)
	// matrix[action][state]: UNRESOLVED, RESOLVED, CLOSED, CLOSED after RESOLVED, EXPIRED, REROUTED.
	matrix := map[string][6]int{
		"message at question level": {yes, no, no, no, no, no},
		"message in thread A":       {yes, yes, no, no, no, no},
		"message in thread B":       {yes, no, no, no, no, no},
		"accept A":                  {yes, noop, no, no, no, no},
		"accept B":                  {yes, no, no, no, no, no},
		"rate A":                    {no, yes, no, no, no, no},
		"rate B":                    {no, no, no, no, no, no},
		"testimonial A":             {no, yes, no, no, no, no},
		"testimonial B":             {no, no, no, no, no, no},
		"reroute":                   {yes, no, no, no, no, no},
		"close":                     {yes, yes, noop, noop, noop, noop},
		"expire":                    {yes, yes, noop, noop, noop, noop},
		"read":                      {quiet, quiet, quiet, quiet, quiet, quiet},
	}
	for si, st := range states {
		for _, act := range actions {
			a, err := c.ask(ctx, e, fmt.Sprintf("State matrix: %s in %s", act.name, st.name))
			if err != nil {
				return err
			}
			s := setup{q: a.Data.Uuid}
			if s.a, err = c.respond(ctx, e, 0, s.q, "Response A."); err != nil {
				return err
			}
			if s.b, err = c.respond(ctx, e, 1, s.q, "Response B."); err != nil {
				return err
			}
			if err := st.to(s); err != nil {
				e.Failf("state matrix: getting a question to %s: %v", st.name, err)
				continue
			}
			before, beforeRaw, err := c.get(ctx, s.q)
			if err != nil {
				return err
			}
			status, body, err := act.do(s)
			if err != nil {
				return err
			}
			afterQ, afterRaw, err := c.get(ctx, s.q)
			if err != nil {
				return err
			}
			cell := fmt.Sprintf("state matrix: %s in %s", act.name, st.name)
			switch want := matrix[act.name][si]; want {
			case yes:
				e.Expect(status == http.StatusOK || status == http.StatusCreated, "%s: allowed, want 2xx, got %d %s", cell, status, truncate(body))
				after(e, cell, before.LastUpdated, afterQ.LastUpdated)
			case no:
				code, msg, ok := envelopeError(body)
				e.Expect(status == http.StatusBadRequest && ok && code == "INVALID_STATE" && msg != "",
					"%s: forbidden, want 400 INVALID_STATE in the envelope, got %d %s", cell, status, truncate(body))
				e.Expect(sameJSON(beforeRaw, afterRaw), "%s: the refused write changed the question:\nbefore %s\nafter  %s", cell, beforeRaw, afterRaw)
			case noop:
				e.Expect(status == http.StatusOK, "%s: want a no-op 200, got %d %s", cell, status, truncate(body))
				e.Expect(sameJSON(beforeRaw, afterRaw), "%s: the no-op changed the question:\nbefore %s\nafter  %s", cell, beforeRaw, afterRaw)
			case quiet:
				e.Expect(status == http.StatusOK, "%s: want 200, got %d %s", cell, status, truncate(body))
				e.Expect(afterQ.LastUpdated.Equal(before.LastUpdated) && afterQ.Conversation.UnreadMessageCount == 0,
					"%s: lastUpdated %s → %s, unread %d (read must not bump, and leaves nothing unread)", cell,
					stamp(before.LastUpdated), stamp(afterQ.LastUpdated), afterQ.Conversation.UnreadMessageCount)
			}
		}
	}

	// A testimonial is written once.
	a, err := c.ask(ctx, e, "State matrix: a second testimonial")
	if err != nil {
		return err
	}
	rid, err := c.respond(ctx, e, 0, a.Data.Uuid, "Response A.")
	if err != nil {
		return err
	}
	if err := want200(result(m.AcceptResponseWithResponse(ctx, rid))); err != nil {
		return err
	}
	if err := want200(result(m.AddTestimonialWithResponse(ctx, rid, msgapi.TestimonialRequest{Text: "First."}))); err != nil {
		return err
	}
	_, before, err := c.get(ctx, a.Data.Uuid)
	if err != nil {
		return err
	}
	status, body, err := result(m.AddTestimonialWithResponse(ctx, rid, msgapi.TestimonialRequest{Text: "Second."}))
	if err != nil {
		return err
	}
	code, _, ok := envelopeError(body)
	e.Expect(status == http.StatusBadRequest && ok && code == "INVALID_STATE", "a second testimonial: want 400 INVALID_STATE, got %d %s", status, body)
	_, afterRaw, err := c.get(ctx, a.Data.Uuid)
	if err != nil {
		return err
	}
	e.Expect(sameJSON(before, afterRaw), "a second testimonial changed the question")
	return nil
}

// want200 turns a non-2xx answer into an error (for setup steps).
func want200(status int, body []byte, err error) error {
	if err != nil {
		return err
	}
	if status != http.StatusOK && status != http.StatusCreated {
		return fmt.Errorf("want 2xx, got %d %s", status, truncate(body))
	}
	return nil
}
