package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	msgapi "github.com/switchboard-dev/switchboard/gen/messaging"
)

// expect is a one-call check: the call must answer want (and, for errors, the operator error
// code), e.g. expect(e, "claim by Sam", 400, "INVALID_STATE")(result(...)).
func expect(e *Env, what string, want int, code string) func(int, []byte, error) []byte {
	return func(st int, body []byte, err error) []byte {
		if err != nil {
			e.Failf("%s: %v", what, err)
			return nil
		}
		got := ""
		if st >= 400 {
			got, _ = adminError(body)
		}
		e.Expect(st == want && got == code, "%s: want %d %s, got %d %s", what, want, code, st, truncate(body))
		return body
	}
}

// operatorExpertActions: the expert's queue and view, claim, release, respond, message, mark
// resolved, reroute, the operator's release and view, the customer's actions, and the event
// log, with every success and error status.
func operatorExpertActions(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{
		Settings: &adminapi.UpdateSettingsRequest{OfferTopK: ptr(10)},
		Experts:  []adminapi.CreateExpertRequest{{Name: "Jane Expert"}, {Name: "Sam Expert"}, {Name: "Ina Expert"}, {Name: "Cap Expert", Capacity: ptr(1)}},
	})
	if err != nil {
		return err
	}
	a := e.Admin
	t := c.ID
	jane, sam, ina, capx := c.expert(0), c.expert(1), c.expert(2), c.expert(3)
	meta := []byte(`{"Plan":"Pro","Devices":["iPhone","iPad"],"Account":{"Worth":"1000000"}}`)
	metaRaw := json.RawMessage(meta)
	q, err := c.ask(ctx, e, "Expert side: I was charged twice", func(r *msgapi.CreateQuestionRequest) {
		r.Author.Email = ptr("joe.user@example.com")
		r.Metadata = &metaRaw
	})
	if err != nil {
		return err
	}
	id := q.Data.Uuid

	// The queue and the expert view: no email, no refId, no nested metadata.
	qr, err := a.ListExpertQueueWithResponse(ctx, t, jane)
	if err != nil {
		return err
	}
	if e.Expect(qr.JSON200 != nil && len(qr.JSON200.Questions) == 1, "listExpertQueue: want the question, got %d %s", qr.StatusCode(), qr.Body) {
		x := qr.JSON200.Questions[0]
		e.Expect(x.Uuid == id && x.Channel == adminapi.Messaging && x.AuthorName == "Joe User" && !x.IsClaimed && !x.ClaimedByMe && x.Offer != nil &&
			x.Offer.Tier == 0 && x.Offer.Rank >= 1 && x.Status == adminapi.UNRESOLVED, "listExpertQueue: %s", qr.Body)
		e.Expect(compactJSON(x.VisibleMetadata) == `{"Plan":"Pro","Devices":["iPhone","iPad"]}`, "expert view visibleMetadata %s", x.VisibleMetadata)
		e.Expect(!strings.Contains(string(qr.Body), "joe.user@example.com") && !strings.Contains(string(qr.Body), c.refs[id]) && !strings.Contains(string(qr.Body), "1000000"),
			"the expert view shows the email, refId or nested metadata: %s", qr.Body)
		e.Expect(len(x.Messages) == 1 && x.Messages[0].Type == adminapi.NOTIFYINGEXPERTSSYSTEMMESSAGE, "expert view messages %+v", x.Messages)
	}
	expect(e, "getExpertQuestion", 200, "")(result(a.GetExpertQuestionWithResponse(ctx, t, jane, id)))
	expect(e, "getExpertQuestion of an unknown question", 404, "NOT_FOUND")(result(a.GetExpertQuestionWithResponse(ctx, t, jane, uuid.New())))
	expect(e, "getExpertQuestion of an unknown expert", 404, "NOT_FOUND")(result(a.GetExpertQuestionWithResponse(ctx, t, uuid.New(), id)))
	late, err := a.CreateExpertWithResponse(ctx, t, adminapi.CreateExpertRequest{Name: "Late Expert"})
	if err != nil {
		return err
	}
	if late.JSON201 != nil {
		expect(e, "getExpertQuestion of a question never offered to the expert", 404, "NOT_FOUND")(result(a.GetExpertQuestionWithResponse(ctx, t, late.JSON201.Uuid, id)))
		expect(e, "claimQuestion of a question never offered to the expert", 404, "NOT_FOUND")(result(a.ClaimQuestionWithResponse(ctx, t, late.JSON201.Uuid, id)))
		lq, err := a.ListExpertQueueWithResponse(ctx, t, late.JSON201.Uuid)
		if err != nil {
			return err
		}
		e.Expect(lq.JSON200 != nil && len(lq.JSON200.Questions) == 0 && strings.Contains(string(lq.Body), `"questions":[]`), "the late expert's queue: %s", lq.Body)
	}

	// Claim: held → others' queues drop it; only the claimer acts.
	body := expect(e, "Jane claims", 200, "")(result(a.ClaimQuestionWithResponse(ctx, t, jane, id)))
	e.Expect(strings.Contains(string(body), `"claimedByMe":true`) && strings.Contains(string(body), `"isClaimed":true`), "claim: %s", truncate(body))
	expect(e, "Jane claims again (no change)", 200, "")(result(a.ClaimQuestionWithResponse(ctx, t, jane, id)))
	if sq, err := a.ListExpertQueueWithResponse(ctx, t, sam); err == nil {
		e.Expect(sq.JSON200 != nil && len(sq.JSON200.Questions) == 0, "Sam's queue still lists the question Jane holds: %s", truncate(sq.Body))
	}
	if jq, err := a.ListExpertQueueWithResponse(ctx, t, jane); err == nil {
		e.Expect(jq.JSON200 != nil && len(jq.JSON200.Questions) == 1 && jq.JSON200.Questions[0].ClaimedByMe, "Jane's queue lost the question she holds: %s", truncate(jq.Body))
	}
	if g, err := a.GetExpertWithResponse(ctx, t, jane); err == nil {
		e.Expect(g.JSON200 != nil && g.JSON200.OpenLoad == 1, "Jane's openLoad: %s", g.Body)
	}
	expect(e, "Sam claims a question Jane holds", 400, "INVALID_STATE")(result(a.ClaimQuestionWithResponse(ctx, t, sam, id)))
	expect(e, "Sam releases a question Jane holds", 403, "FORBIDDEN")(result(a.ReleaseQuestionWithResponse(ctx, t, sam, id)))
	expect(e, "Sam responds to a question Jane holds", 403, "FORBIDDEN")(result(a.RespondToQuestionWithResponse(ctx, t, sam, id, adminapi.RespondToQuestionRequest{Text: "Me too."})))
	expect(e, "Sam reroutes a question Jane holds", 403, "FORBIDDEN")(result(a.RerouteByExpertWithResponse(ctx, t, sam, id, adminapi.RerouteByExpertRequest{Reason: "Mine."})))

	// Respond, message, mark resolved.
	expect(e, "Jane posts before responding", 400, "INVALID_STATE")(result(a.PostExpertMessageWithResponse(ctx, t, jane, id, adminapi.PostExpertMessageRequest{Body: "Hi"})))
	expect(e, "Jane marks resolved before responding", 400, "INVALID_STATE")(result(a.MarkResolvedWithResponse(ctx, t, jane, id)))
	expect(e, "Jane responds with a blank text", 400, "INVALID_PARAMETER")(result(a.RespondToQuestionWithResponse(ctx, t, jane, id, adminapi.RespondToQuestionRequest{Text: "  "})))
	body = expect(e, "Jane responds", 201, "")(result(a.RespondToQuestionWithResponse(ctx, t, jane, id, adminapi.RespondToQuestionRequest{Text: "I refunded the second charge."})))
	var view adminapi.ExpertQuestion
	if jsonInto(body, &view) == nil && e.Expect(len(view.Responses) == 1, "respondToQuestion: %s", truncate(body)) {
		r := view.Responses[0]
		e.Expect(r.IsMine && r.Type == adminapi.ResponseTypeExpert && r.AuthorName == "Jane Expert" && len(r.Messages) == 2 &&
			r.Messages[0].Type == adminapi.EXPERTMESSAGE && r.Messages[0].Body == "I refunded the second charge.", "respondToQuestion thread: %+v", r)
	}
	expect(e, "Jane responds twice", 400, "INVALID_STATE")(result(a.RespondToQuestionWithResponse(ctx, t, jane, id, adminapi.RespondToQuestionRequest{Text: "Again."})))
	expect(e, "Jane posts a blank message", 400, "INVALID_PARAMETER")(result(a.PostExpertMessageWithResponse(ctx, t, jane, id, adminapi.PostExpertMessageRequest{Body: ""})))
	body = expect(e, "Jane posts", 201, "")(result(a.PostExpertMessageWithResponse(ctx, t, jane, id, adminapi.PostExpertMessageRequest{Body: "Reference RF-42."})))
	e.Expect(strings.Contains(string(body), "Reference RF-42."), "postExpertMessage: the message is missing: %s", truncate(body))
	expect(e, "Sam posts without a response", 400, "INVALID_STATE")(result(a.PostExpertMessageWithResponse(ctx, t, sam, id, adminapi.PostExpertMessageRequest{Body: "Hi"})))
	expect(e, "Sam marks resolved without a response", 400, "INVALID_STATE")(result(a.MarkResolvedWithResponse(ctx, t, sam, id)))
	body = expect(e, "Jane marks resolved", 200, "")(result(a.MarkResolvedWithResponse(ctx, t, jane, id)))
	e.Expect(strings.Contains(string(body), `"isMarkedAsResolved":true`), "markResolved: %s", truncate(body))
	expect(e, "Jane marks resolved again (no change)", 200, "")(result(a.MarkResolvedWithResponse(ctx, t, jane, id)))

	// Release: the expert's and the operator's.
	body = expect(e, "Jane releases", 200, "")(result(a.ReleaseQuestionWithResponse(ctx, t, jane, id)))
	e.Expect(strings.Contains(string(body), `"isClaimed":false`), "releaseQuestion: %s", truncate(body))
	expect(e, "Jane releases a question nobody holds", 400, "INVALID_STATE")(result(a.ReleaseQuestionWithResponse(ctx, t, jane, id)))
	expect(e, "the operator releases a question nobody holds", 400, "INVALID_STATE")(result(a.ReleaseQuestionByOperatorWithResponse(ctx, t, id)))
	expect(e, "the operator releases an unknown question", 404, "NOT_FOUND")(result(a.ReleaseQuestionByOperatorWithResponse(ctx, t, uuid.New())))
	expect(e, "Sam claims", 200, "")(result(a.ClaimQuestionWithResponse(ctx, t, sam, id)))
	body = expect(e, "the operator releases Sam's claim", 200, "")(result(a.ReleaseQuestionByOperatorWithResponse(ctx, t, id)))
	e.Expect(strings.Contains(string(body), `"claimedBy":null`) && strings.Contains(string(body), `"isClaimed":false`), "releaseQuestionByOperator: %s", truncate(body))

	// Inactive and at-capacity experts are forbidden.
	if err := want200(result(a.UpdateExpertWithResponse(ctx, t, ina, adminapi.UpdateExpertRequest{IsActive: ptr(false)}))); err != nil {
		return err
	}
	for _, o := range []struct {
		op   string
		call func() (int, []byte, error)
	}{
		{"claimQuestion", func() (int, []byte, error) { return result(a.ClaimQuestionWithResponse(ctx, t, ina, id)) }},
		{"releaseQuestion", func() (int, []byte, error) { return result(a.ReleaseQuestionWithResponse(ctx, t, ina, id)) }},
		{"respondToQuestion", func() (int, []byte, error) {
			return result(a.RespondToQuestionWithResponse(ctx, t, ina, id, adminapi.RespondToQuestionRequest{Text: "x"}))
		}},
		{"postExpertMessage", func() (int, []byte, error) {
			return result(a.PostExpertMessageWithResponse(ctx, t, ina, id, adminapi.PostExpertMessageRequest{Body: "x"}))
		}},
		{"markResolved", func() (int, []byte, error) { return result(a.MarkResolvedWithResponse(ctx, t, ina, id)) }},
		{"rerouteByExpert", func() (int, []byte, error) {
			return result(a.RerouteByExpertWithResponse(ctx, t, ina, id, adminapi.RerouteByExpertRequest{Reason: "x"}))
		}},
	} {
		expect(e, o.op+" by an inactive expert", 403, "FORBIDDEN")(o.call())
	}
	q2, err := c.ask(ctx, e, "Expert side: capacity one")
	if err != nil {
		return err
	}
	q3, err := c.ask(ctx, e, "Expert side: capacity two")
	if err != nil {
		return err
	}
	expect(e, "Cap claims a first question", 200, "")(result(a.ClaimQuestionWithResponse(ctx, t, capx, q2.Data.Uuid)))
	expect(e, "Cap claims beyond capacity 1", 403, "FORBIDDEN")(result(a.ClaimQuestionWithResponse(ctx, t, capx, q3.Data.Uuid)))

	// The operator's view.
	d, err := a.GetTenantQuestionWithResponse(ctx, t, id)
	if err != nil {
		return err
	}
	if e.Expect(d.JSON200 != nil, "getTenantQuestion: %d %s", d.StatusCode(), d.Body) {
		x := d.JSON200
		e.Expect(x.Author.Email == "joe.user@example.com" && compactJSON(x.Metadata) == string(meta) && x.Channel == adminapi.Messaging &&
			len(x.Responses) == 1 && x.Responses[0].AuthorUuid != nil && *x.Responses[0].AuthorUuid == jane && x.Responses[0].IsMarkedAsResolved &&
			!x.IsClaimed && x.ClaimedBy == nil && x.ReroutedBy == nil && !x.IsEscalated, "getTenantQuestion: %s", d.Body)
		for i := 1; i < len(x.Messages); i++ {
			e.Expect(!x.Messages[i].CreatedAt.Before(x.Messages[i-1].CreatedAt), "getTenantQuestion: messages out of order")
		}
	}
	expect(e, "getTenantQuestion of an unknown question", 404, "NOT_FOUND")(result(a.GetTenantQuestionWithResponse(ctx, t, uuid.New())))
	o, err := a.ListQuestionOffersWithResponse(ctx, t, id)
	if err != nil {
		return err
	}
	if e.Expect(o.JSON200 != nil, "listQuestionOffers: %d %s", o.StatusCode(), o.Body) {
		var names []string
		for _, of := range o.JSON200.Offers {
			names = append(names, of.ExpertName)
		}
		slices.Sort(names)
		e.Expect(slices.Equal(names, []string{"Cap Expert", "Ina Expert", "Jane Expert", "Sam Expert"}), "listQuestionOffers: offered to %v", names)
	}
	expect(e, "listQuestionOffers of an unknown question", 404, "NOT_FOUND")(result(a.ListQuestionOffersWithResponse(ctx, t, uuid.New())))

	// The customer's side.
	rid := uuid.Nil
	if d.JSON200 != nil && len(d.JSON200.Responses) == 1 {
		rid = d.JSON200.Responses[0].Uuid
	}
	body = expect(e, "the customer posts at question level", 201, "")(result(a.PostCustomerMessageWithResponse(ctx, t, id, adminapi.PostCustomerMessageRequest{Body: "Thanks, when will I see it?"})))
	e.Expect(strings.Contains(string(body), `"USER_MESSAGE"`), "postCustomerMessage: %s", truncate(body))
	body = expect(e, "the customer posts in Jane's marked thread", 201, "")(result(a.PostCustomerMessageWithResponse(ctx, t, id, adminapi.PostCustomerMessageRequest{Body: "Got it?", ResponseUuid: &rid})))
	e.Expect(strings.Contains(string(body), `"isMarkedAsResolved":false`), "a customer message in the marked thread must undo the mark: %s", truncate(body))
	expect(e, "the customer posts in an unknown thread", 404, "NOT_FOUND")(result(a.PostCustomerMessageWithResponse(ctx, t, id, adminapi.PostCustomerMessageRequest{Body: "x", ResponseUuid: ptr(uuid.New())})))
	expect(e, "the customer posts a blank message", 400, "INVALID_PARAMETER")(result(a.PostCustomerMessageWithResponse(ctx, t, id, adminapi.PostCustomerMessageRequest{Body: " "})))
	expect(e, "the customer accepts an unknown response", 404, "NOT_FOUND")(result(a.AcceptAsCustomerWithResponse(ctx, t, id, adminapi.AcceptAsCustomerRequest{ResponseUuid: uuid.New()})))
	body = expect(e, "the customer accepts", 200, "")(result(a.AcceptAsCustomerWithResponse(ctx, t, id, adminapi.AcceptAsCustomerRequest{ResponseUuid: rid})))
	e.Expect(strings.Contains(string(body), `"status":"RESOLVED"`), "acceptAsCustomer: %s", truncate(body))
	expect(e, "the customer accepts again (no change)", 200, "")(result(a.AcceptAsCustomerWithResponse(ctx, t, id, adminapi.AcceptAsCustomerRequest{ResponseUuid: rid})))
	expect(e, "the customer posts at question level when RESOLVED", 400, "INVALID_STATE")(result(a.PostCustomerMessageWithResponse(ctx, t, id, adminapi.PostCustomerMessageRequest{Body: "x"})))
	expect(e, "the customer reroutes a RESOLVED question", 400, "INVALID_STATE")(result(a.RerouteAsCustomerWithResponse(ctx, t, id, adminapi.RerouteAsCustomerRequest{})))
	expect(e, "Jane posts in her accepted thread when RESOLVED", 201, "")(result(a.PostExpertMessageWithResponse(ctx, t, jane, id, adminapi.PostExpertMessageRequest{Body: "Glad to help."})))
	expect(e, "Jane marks resolved when RESOLVED", 400, "INVALID_STATE")(result(a.MarkResolvedWithResponse(ctx, t, jane, id)))
	expect(e, "Sam responds when RESOLVED", 400, "INVALID_STATE")(result(a.RespondToQuestionWithResponse(ctx, t, sam, id, adminapi.RespondToQuestionRequest{Text: "Late."})))
	expect(e, "Sam claims when RESOLVED", 400, "INVALID_STATE")(result(a.ClaimQuestionWithResponse(ctx, t, sam, id)))
	expect(e, "Jane reroutes when RESOLVED", 400, "INVALID_STATE")(result(a.RerouteByExpertWithResponse(ctx, t, jane, id, adminapi.RerouteByExpertRequest{Reason: "x"})))
	if _, err := c.M.RateResponseWithResponse(ctx, rid, msgapi.RateRequest{Rating: msgapi.RatingPositive5}); err != nil {
		return err
	}
	if _, err := c.M.AddTestimonialWithResponse(ctx, rid, msgapi.TestimonialRequest{Text: "Thanks Jane"}); err != nil {
		return err
	}
	if d, err := a.GetTenantQuestionWithResponse(ctx, t, id); err == nil && e.Expect(d.JSON200 != nil && len(d.JSON200.Responses) == 1, "getTenantQuestion: %s", d.Body) {
		r := d.JSON200.Responses[0]
		e.Expect(r.IsAccepted && r.Rating != nil && *r.Rating == "POSITIVE_5" && r.Testimonial != nil && *r.Testimonial == "Thanks Jane", "the operator's view of the response: %+v", r)
	}

	// The customer reroutes; an expert reroutes; then nothing more.
	body = expect(e, "the customer reroutes", 200, "")(result(a.RerouteAsCustomerWithResponse(ctx, t, q3.Data.Uuid, adminapi.RerouteAsCustomerRequest{Reason: ptr("I want an agent.")})))
	e.Expect(strings.Contains(string(body), `"reroutedBy":"USER"`) && strings.Contains(string(body), `"rerouteReason":"I want an agent."`) && strings.Contains(string(body), `"isEscalated":true`),
		"rerouteAsCustomer: %s", truncate(body))
	expect(e, "the customer reroutes again", 400, "INVALID_STATE")(result(a.RerouteAsCustomerWithResponse(ctx, t, q3.Data.Uuid, adminapi.RerouteAsCustomerRequest{})))
	expect(e, "the customer reroutes an unknown question", 404, "NOT_FOUND")(result(a.RerouteAsCustomerWithResponse(ctx, t, uuid.New(), adminapi.RerouteAsCustomerRequest{})))
	expect(e, "an expert reroutes with a blank reason", 400, "INVALID_PARAMETER")(result(a.RerouteByExpertWithResponse(ctx, t, capx, q2.Data.Uuid, adminapi.RerouteByExpertRequest{Reason: " "})))
	body = expect(e, "Cap reroutes", 200, "")(result(a.RerouteByExpertWithResponse(ctx, t, capx, q2.Data.Uuid, adminapi.RerouteByExpertRequest{Reason: "Needs an agent."})))
	e.Expect(strings.Contains(string(body), `"status":"REROUTED"`) && strings.Contains(string(body), `"isClaimed":false`), "rerouteByExpert: %s", truncate(body))
	if g, err := a.GetExpertWithResponse(ctx, t, capx); err == nil {
		e.Expect(g.JSON200 != nil && g.JSON200.OpenLoad == 0, "Cap's openLoad after the reroute: %s", g.Body)
	}
	for _, o := range []struct {
		op   string
		call func() (int, []byte, error)
	}{
		{"respond to a REROUTED question", func() (int, []byte, error) {
			return result(a.RespondToQuestionWithResponse(ctx, t, sam, q2.Data.Uuid, adminapi.RespondToQuestionRequest{Text: "x"}))
		}},
		{"claim a REROUTED question", func() (int, []byte, error) { return result(a.ClaimQuestionWithResponse(ctx, t, sam, q2.Data.Uuid)) }},
		{"release a REROUTED question", func() (int, []byte, error) {
			return result(a.ReleaseQuestionByOperatorWithResponse(ctx, t, q2.Data.Uuid))
		}},
		{"reroute a REROUTED question", func() (int, []byte, error) {
			return result(a.RerouteByExpertWithResponse(ctx, t, capx, q2.Data.Uuid, adminapi.RerouteByExpertRequest{Reason: "x"}))
		}},
		{"accept in a REROUTED question", func() (int, []byte, error) {
			return result(a.AcceptAsCustomerWithResponse(ctx, t, q2.Data.Uuid, adminapi.AcceptAsCustomerRequest{ResponseUuid: rid}))
		}},
	} {
		st, body, err := o.call()
		if err != nil {
			return err
		}
		code, _ := adminError(body)
		e.Expect(st == http.StatusBadRequest && code == "INVALID_STATE" || o.op == "accept in a REROUTED question" && st == http.StatusNotFound,
			"%s: want 400 INVALID_STATE, got %d %s", o.op, st, truncate(body))
	}
	// Accepting a response of another question is unknown there.
	expect(e, "accept a response of another question", 404, "NOT_FOUND")(result(a.AcceptAsCustomerWithResponse(ctx, t, q2.Data.Uuid, adminapi.AcceptAsCustomerRequest{ResponseUuid: rid})))
	if err := want200(result(c.M.ExpireQuestionWithResponse(ctx, q2.Data.Uuid))); err != nil {
		return err
	}
	if err := want200(result(c.M.CloseQuestionWithResponse(ctx, id))); err != nil {
		return err
	}
	q4, err := c.ask(ctx, e, "Expert side: to expire")
	if err != nil {
		return err
	}
	if err := want200(result(c.M.ExpireQuestionWithResponse(ctx, q4.Data.Uuid))); err != nil {
		return err
	}

	// The event log.
	var all []adminapi.Event
	var after int64
	for page := 0; page < 100; page++ {
		r, err := a.ListTenantEventsWithResponse(ctx, t, &adminapi.ListTenantEventsParams{After: &after, Limit: ptr(3)})
		if err != nil {
			return err
		}
		if !e.Expect(r.JSON200 != nil, "listTenantEvents: %d %s", r.StatusCode(), r.Body) {
			break
		}
		all = append(all, r.JSON200.Events...)
		if len(r.JSON200.Events) == 0 {
			e.Expect(r.JSON200.NextAfter == after, "listTenantEvents: an empty page's nextAfter %d, want the request's after %d", r.JSON200.NextAfter, after)
			break
		}
		e.Expect(len(r.JSON200.Events) <= 3 && r.JSON200.NextAfter == r.JSON200.Events[len(r.JSON200.Events)-1].Seq, "listTenantEvents page: %s", truncate(r.Body))
		after = r.JSON200.NextAfter
	}
	seen := map[adminapi.EventType]bool{}
	for i, ev := range all {
		seen[ev.Type] = true
		if i > 0 {
			e.Expect(ev.Seq > all[i-1].Seq, "listTenantEvents: seq not increasing at %d", i)
		}
	}
	for _, want := range []adminapi.EventType{adminapi.QUESTIONCREATED, adminapi.QUESTIONCLAIMED, adminapi.QUESTIONRELEASED, adminapi.QUESTIONFIRSTRESPONSE,
		adminapi.QUESTIONMARKEDASRESOLVED, adminapi.QUESTIONRESOLVED, adminapi.QUESTIONRATED, adminapi.QUESTIONESCALATEDBYEXPERT,
		adminapi.QUESTIONESCALATEDBYCUSTOMER, adminapi.QUESTIONEXPIRED, adminapi.QUESTIONCLOSEDBYCOMPANY} {
		e.Expect(seen[want], "listTenantEvents: no %s event among %d", want, len(all))
	}
	r, err := a.ListTenantEventsWithResponse(ctx, t, &adminapi.ListTenantEventsParams{QuestionUuid: &id})
	if err != nil {
		return err
	}
	if e.Expect(r.JSON200 != nil, "listTenantEvents questionUuid: %d %s", r.StatusCode(), r.Body) {
		for _, ev := range r.JSON200.Events {
			e.Expect(ev.QuestionUuid == id, "listTenantEvents questionUuid=%s lists an event of %s", id, ev.QuestionUuid)
		}
		var claimed *adminapi.Event
		for i := range r.JSON200.Events {
			if r.JSON200.Events[i].Type == adminapi.QUESTIONCLAIMED {
				claimed = &r.JSON200.Events[i]
				break
			}
		}
		e.Expect(claimed != nil && claimed.ExpertUuid != nil && *claimed.ExpertUuid == jane, "QUESTION_CLAIMED does not name Jane: %+v", claimed)
	}
	for _, bad := range []adminapi.ListTenantEventsParams{{Limit: ptr(0)}, {Limit: ptr(501)}} {
		expect(e, fmt.Sprintf("listTenantEvents limit %d", *bad.Limit), 400, "INVALID_PARAMETER")(result(a.ListTenantEventsWithResponse(ctx, t, &bad)))
	}
	return nil
}

// routingOrder: offers follow the documented score (weighted mean of the components), best
// first, ties by name; ineligible experts (inactive, not elite for an elite-only question, not on
// the category's list, at capacity) are absent; tier 0 holds K experts.
func routingOrder(ctx context.Context, e *Env) error {
	experts := []adminapi.CreateExpertRequest{
		{Name: "Ana", Languages: &[]string{"es"}, Categories: &[]string{"payments"}, Topics: &[]string{"invoice", "shipping"}, IsElite: ptr(true)},
		{Name: "Ben", Languages: &[]string{"en"}, Categories: &[]string{"payments"}, Topics: &[]string{"password"}},
		{Name: "Cara", Languages: &[]string{"es", "en"}, Topics: &[]string{"refund"}},
		{Name: "Dan", Languages: &[]string{"es"}, Topics: &[]string{"refund"}, IsActive: ptr(false)},
		{Name: "Eve", Languages: &[]string{"en"}, Categories: &[]string{"shipping"}, Topics: &[]string{"password"}, Capacity: ptr(1)},
	}
	c, err := newCompany(ctx, e, companySpec{Settings: &adminapi.UpdateSettingsRequest{OfferTopK: ptr(2), OfferWaitSeconds: ptr(60)}, Experts: experts})
	if err != nil {
		return err
	}
	ana, ben, cara, dan, eve := c.expert(0), c.expert(1), c.expert(2), c.expert(3), c.expert(4)
	gs, err := e.Admin.GetSettingsWithResponse(ctx, c.ID)
	if err != nil {
		return err
	}
	if gs.JSON200 == nil {
		return fmt.Errorf("getSettings: %d %s", gs.StatusCode(), gs.Body)
	}
	w := gs.JSON200.RoutingWeights

	offers := func(what string, q uuid.UUID) []adminapi.Offer {
		r, err := e.Admin.ListQuestionOffersWithResponse(ctx, c.ID, q)
		if err != nil || r.JSON200 == nil {
			e.Failf("%s: listQuestionOffers: %v %s", what, err, r.Body)
			return nil
		}
		os := r.JSON200.Offers
		for i, o := range os {
			s := o.Score
			total := (w.Category*s.Category + w.Language*s.Language + w.Acceptance*s.Acceptance + w.Rating*s.Rating + w.Load*s.Load) /
				(w.Category + w.Language + w.Acceptance + w.Rating + w.Load)
			e.Expect(math.Abs(total-s.Total) < 0.0002, "%s: %s's total %.4f is not the weighted mean of its components (%.4f): %+v", what, o.ExpertName, s.Total, total, s)
			e.Expect(o.Rank == i+1, "%s: offer %d has rank %d (offers must be in rank order)", what, i, o.Rank)
			if i > 0 {
				p := os[i-1]
				e.Expect(p.Tier <= o.Tier, "%s: tiers out of order", what)
				e.Expect(p.Score.Total > o.Score.Total || p.Score.Total == o.Score.Total && strings.ToLower(p.ExpertName) <= strings.ToLower(o.ExpertName),
					"%s: %s (%.4f) ranked before %s (%.4f): want higher score first, ties by name", what, p.ExpertName, p.Score.Total, o.ExpertName, o.Score.Total)
			}
		}
		return os
	}
	names := func(os []adminapi.Offer) string {
		var n []string
		for _, o := range os {
			n = append(n, fmt.Sprintf("%s(t%d)", o.ExpertName, o.Tier))
		}
		return strings.Join(n, " ")
	}
	byName := func(os []adminapi.Offer, name string) *adminapi.Offer {
		for i := range os {
			if os[i].ExpertName == name {
				return &os[i]
			}
		}
		return nil
	}

	// A Messaging question in Spanish about a refund of an invoice (no category). Components:
	// Cara: topics 1/1, language 1; Ana: topics 1/2, language 1; Ben and Eve: topics 0/1,
	// language 0 — equal scores, so Ben before Eve by name. Dan is inactive. K = 2.
	q, err := c.ask(ctx, e, "Quiero un refund de mi invoice", func(r *msgapi.CreateQuestionRequest) { r.Language = ptr("es") })
	if err != nil {
		return err
	}
	os := offers("Q1", q.Data.Uuid)
	e.Expect(names(os) == "Cara(t0) Ana(t0)", "Q1 offers: %s, want tier 0 = Cara, Ana (K = 2)", names(os))
	if o := byName(os, "Cara"); o != nil {
		e.Expect(o.Score.Category == 1 && o.Score.Language == 1, "Cara's components: %+v (want category/topics 1, language 1)", o.Score)
	}
	if o := byName(os, "Ana"); o != nil {
		e.Expect(o.Score.Category == 0.5 && o.Score.Language == 1, "Ana's components: %+v (want topics 0.5, language 1)", o.Score)
	}
	if o := byName(os, "Dan"); o != nil {
		e.Failf("Q1: the inactive expert Dan was offered the question")
	}
	for _, x := range []uuid.UUID{ben, dan, eve} {
		st, _, err := result(e.Admin.GetExpertQuestionWithResponse(ctx, c.ID, x, q.Data.Uuid))
		if err != nil {
			return err
		}
		e.Expect(st == http.StatusNotFound, "Q1: an expert outside tier 0 sees the question (%d)", st)
	}
	if e.Virtual() {
		if _, err := advance(ctx, e, 60); err != nil {
			return err
		}
		os = offers("Q1 widened", q.Data.Uuid)
		e.Expect(names(os) == "Cara(t0) Ana(t0) Ben(t1) Eve(t1)", "Q1 offers after offerWaitSeconds: %s, want tier 1 = Ben, Eve", names(os))
		if o := byName(os, "Ben"); o != nil {
			e.Expect(o.Score.Language == 0 && o.Score.Category == 0, "Ben's components: %+v (want language 0, topics 0)", o.Score)
		}
		if _, err := advance(ctx, e, 60); err != nil {
			return err
		}
		os = offers("Q1 widened twice", q.Data.Uuid)
		e.Expect(len(os) == 4, "Q1: %d offers after the eligible experts ran out, want 4 (Dan is never offered)", len(os))
	}

	// Help Desk questions: an elite-only one, and one whose category lists its experts.
	if err := want200(result(e.Admin.UpdateSettingsWithResponse(ctx, c.ID, adminapi.UpdateSettingsRequest{
		Categories: &[]adminapi.CategorySettingsInput{{Name: "payments", ExpertUuids: &[]uuid.UUID{ben, eve, dan}}, {Name: "general"}}}))); err != nil {
		return err
	}
	save := func(id, body string) (uuid.UUID, error) {
		resp, raw, err := e.Raw(ctx, http.MethodPost, saveQuestion, formType, body+"&emailAddress=joe@example.com&helpDeskId="+id, "ApiToken: "+c.tenant.Token)
		if err != nil {
			return uuid.Nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return uuid.Nil, fmt.Errorf("saveQuestion %s: %d %s", id, resp.StatusCode, raw)
		}
		qs, err := questions(ctx, e, c.ID)
		if err != nil {
			return uuid.Nil, err
		}
		if q := findQuestion(qs, id); q != nil {
			return q.Uuid, nil
		}
		return uuid.Nil, fmt.Errorf("saveQuestion %s: not listed", id)
	}
	elite, err := save("route-elite", "text=Please+check+my+invoice&questionCategory=general&isEliteOnly=true")
	if err != nil {
		return err
	}
	os = offers("elite-only", elite)
	e.Expect(names(os) == "Ana(t0)", "elite-only question offers: %s, want only the elite Ana", names(os))
	listed, err := save("route-list", "text=A+question+about+a+password&questionCategory=payments")
	if err != nil {
		return err
	}
	os = offers("category with a list", listed)
	e.Expect(names(os) == "Ben(t0) Eve(t0)", "payments question offers: %s, want only the listed, active Ben and Eve", names(os))
	if o := byName(os, "Ben"); o != nil {
		e.Expect(o.Score.Category == 1, "Ben lists the question's category: category component %v, want 1", o.Score.Category)
	}
	if o := byName(os, "Eve"); o != nil {
		e.Expect(o.Score.Category == 1, "Eve's topic password is in the text: category component %v, want 1", o.Score.Category)
	}
	// Eve at capacity (1) is not offered the next one.
	if err := c.claim(ctx, e, 4, listed); err != nil {
		return err
	}
	next, err := save("route-capacity", "text=Another+password+question&questionCategory=payments")
	if err != nil {
		return err
	}
	os = offers("Eve at capacity", next)
	e.Expect(names(os) == "Ben(t0)", "with Eve at capacity: offers %s, want Ben only", names(os))
	_ = ana
	_ = cara
	return nil
}
