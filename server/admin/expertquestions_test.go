package admin_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The expert view never carries the customer's email, refId or nested metadata.
func assertExpertView(t *testing.T, body []byte) {
	t.Helper()
	for _, secret := range []string{"joe.secret@example.com", "jane.doe@example.com", "ref-secret-42", "refId", "email", "Account", "1000000", "hidden-in-list", `"metadata"`} {
		if strings.Contains(string(body), secret) {
			t.Errorf("expert view shows %q: %s", secret, body)
		}
	}
}

func TestExpertQueueHidesPrivateData(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)
		maria := e.createExpert("Maria Lopez", nil)
		off := e.createExpert("Off Duty", func(r *gen.CreateExpertRequest) { r.IsActive = ptr(false) })
		q := e.ask("I was charged twice for my March invoice. How do I get a refund?")
		hd := e.saveHelpDesk("HD-1")

		r, err := e.c.ListExpertQueueWithResponse(e.ctx, e.tenant.ID, maria.Uuid)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, r, r.Body, http.StatusOK)
		assertExpertView(t, r.Body)
		qs := r.JSON200.Questions
		if len(qs) != 2 || qs[0].Uuid != q || qs[1].Uuid != hd {
			t.Fatalf("queue %+v, want the messaging then the help desk question", qs)
		}
		got := qs[0]
		if string(got.VisibleMetadata) != `{"Plan":"Pro","Devices":["iPhone","iPad"]}` {
			t.Errorf("visibleMetadata %s", got.VisibleMetadata)
		}
		if string(qs[1].VisibleMetadata) != `{"Browser":"Safari"}` || qs[1].AuthorName != "Jane Doe" || qs[1].Channel != gen.Helpdesk {
			t.Errorf("help desk question in the expert view: %+v", qs[1])
		}
		if got.AuthorName != "Joe User" || got.Status != gen.UNRESOLVED || got.IsClaimed || got.ClaimedByMe ||
			got.Offer == nil || got.Offer.Tier != 0 || got.Offer.Rank != 1 || !got.Offer.OfferedAt.Equal(t0) ||
			len(got.Responses) != 0 || len(got.Messages) != 1 || got.Messages[0].Type != gen.NOTIFYINGEXPERTSSYSTEMMESSAGE {
			t.Errorf("queue entry %+v", got)
		}
		if !strings.Contains(string(r.Body), `"responses":[]`) {
			t.Errorf("empty responses not written []: %s", r.Body)
		}

		g, err := e.c.GetExpertQuestionWithResponse(e.ctx, e.tenant.ID, maria.Uuid, hd)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, g, g.Body, http.StatusOK)
		assertExpertView(t, g.Body)

		// An inactive expert is offered nothing: empty queue, and the question is not theirs to see.
		r, _ = e.c.ListExpertQueueWithResponse(e.ctx, e.tenant.ID, off.Uuid)
		expect(t, r, r.Body, http.StatusOK)
		if string(r.Body) != "{\"questions\":[]}\n" && len(r.JSON200.Questions) != 0 {
			t.Errorf("inactive expert's queue %s", r.Body)
		}
		g, _ = e.c.GetExpertQuestionWithResponse(e.ctx, e.tenant.ID, off.Uuid, q)
		expectErr(t, g, g.Body, http.StatusNotFound, gen.NOTFOUND)
		r, _ = e.c.ListExpertQueueWithResponse(e.ctx, e.tenant.ID, uuid.New())
		expectErr(t, r, r.Body, http.StatusNotFound, gen.NOTFOUND)
	})
}

func TestExpertActions(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)
		maria := e.createExpert("Maria Lopez", nil)
		sam := e.createExpert("Sam Chen", nil)
		q := e.ask("I was charged twice for my March invoice. How do I get a refund?")
		ten := e.tenant.ID

		// Claim: Maria holds it; it leaves Sam's queue; Sam can neither claim nor respond.
		c, err := e.c.ClaimQuestionWithResponse(e.ctx, ten, maria.Uuid, q)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, c, c.Body, http.StatusOK)
		assertExpertView(t, c.Body)
		if !c.JSON200.IsClaimed || !c.JSON200.ClaimedByMe || len(c.JSON200.Messages) != 0 {
			t.Errorf("after claim %+v", c.JSON200)
		}
		again, _ := e.c.ClaimQuestionWithResponse(e.ctx, ten, maria.Uuid, q)
		expect(t, again, again.Body, http.StatusOK)
		queue, _ := e.c.ListExpertQueueWithResponse(e.ctx, ten, sam.Uuid)
		if len(queue.JSON200.Questions) != 0 {
			t.Errorf("claimed question still in another expert's queue")
		}
		samView, _ := e.c.GetExpertQuestionWithResponse(e.ctx, ten, sam.Uuid, q)
		if !samView.JSON200.IsClaimed || samView.JSON200.ClaimedByMe {
			t.Errorf("Sam's view of Maria's claim %+v", samView.JSON200)
		}
		c, _ = e.c.ClaimQuestionWithResponse(e.ctx, ten, sam.Uuid, q)
		expectErr(t, c, c.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		resp, _ := e.c.RespondToQuestionWithResponse(e.ctx, ten, sam.Uuid, q, gen.RespondToQuestionRequest{Text: "Let me help"})
		expectErr(t, resp, resp.Body, http.StatusForbidden, gen.FORBIDDEN)
		rel, _ := e.c.ReleaseQuestionWithResponse(e.ctx, ten, sam.Uuid, q)
		expectErr(t, rel, rel.Body, http.StatusForbidden, gen.FORBIDDEN)
		rr, _ := e.c.RerouteByExpertWithResponse(e.ctx, ten, sam.Uuid, q, gen.RerouteByExpertRequest{Reason: "not mine"})
		expectErr(t, rr, rr.Body, http.StatusForbidden, gen.FORBIDDEN)

		// Respond: 201, Maria's thread with her message and the accept prompt.
		resp, err = e.c.RespondToQuestionWithResponse(e.ctx, ten, maria.Uuid, q, gen.RespondToQuestionRequest{Text: "I refunded the second charge."})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, resp, resp.Body, http.StatusCreated)
		v := resp.JSON201
		if len(v.Responses) != 1 || !v.Responses[0].IsMine || v.Responses[0].Type != gen.ResponseTypeExpert || v.Responses[0].AuthorName != "Maria Lopez" {
			t.Fatalf("after respond %+v", v.Responses)
		}
		if ms := v.Responses[0].Messages; len(ms) != 2 || ms[0].Type != gen.EXPERTMESSAGE || ms[0].Body != "I refunded the second charge." || ms[1].Type != gen.ACCEPTRESPONSESYSTEMMESSAGE {
			t.Errorf("thread %+v", ms)
		}
		mariaThread := v.Responses[0].Uuid
		resp, _ = e.c.RespondToQuestionWithResponse(e.ctx, ten, maria.Uuid, q, gen.RespondToQuestionRequest{Text: "again"})
		expectErr(t, resp, resp.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		resp, _ = e.c.RespondToQuestionWithResponse(e.ctx, ten, maria.Uuid, q, gen.RespondToQuestionRequest{Text: "   "})
		expectErr(t, resp, resp.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)

		// Message into her own thread; Sam has no thread.
		msg, err := e.c.PostExpertMessageWithResponse(e.ctx, ten, maria.Uuid, q, gen.PostExpertMessageRequest{Body: "Reference RF-42."})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, msg, msg.Body, http.StatusCreated)
		if ms := msg.JSON201.Responses[0].Messages; len(ms) != 3 || ms[2].Body != "Reference RF-42." {
			t.Errorf("thread after message %+v", ms)
		}
		msg, _ = e.c.PostExpertMessageWithResponse(e.ctx, ten, sam.Uuid, q, gen.PostExpertMessageRequest{Body: "hi"})
		expectErr(t, msg, msg.Body, http.StatusBadRequest, gen.INVALIDSTATE)

		// Mark resolved: MARK_AS_RESOLVED replaces ACCEPT_RESPONSE.
		mr, _ := e.c.MarkResolvedWithResponse(e.ctx, ten, maria.Uuid, q)
		expect(t, mr, mr.Body, http.StatusOK)
		th := mr.JSON200.Responses[0]
		if !th.IsMarkedAsResolved || th.Messages[len(th.Messages)-1].Type != gen.MARKASRESOLVEDMESSAGE {
			t.Errorf("after mark resolved %+v", th)
		}
		mr, _ = e.c.MarkResolvedWithResponse(e.ctx, ten, sam.Uuid, q)
		expectErr(t, mr, mr.Body, http.StatusBadRequest, gen.INVALIDSTATE)

		// Release; then Sam answers too. Each sees the other's thread as a header only.
		rel, _ = e.c.ReleaseQuestionWithResponse(e.ctx, ten, maria.Uuid, q)
		expect(t, rel, rel.Body, http.StatusOK)
		if rel.JSON200.IsClaimed {
			t.Errorf("still claimed after release")
		}
		rel, _ = e.c.ReleaseQuestionWithResponse(e.ctx, ten, maria.Uuid, q)
		expectErr(t, rel, rel.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		resp, _ = e.c.RespondToQuestionWithResponse(e.ctx, ten, sam.Uuid, q, gen.RespondToQuestionRequest{Text: "Sam's private answer"})
		expect(t, resp, resp.Body, http.StatusCreated)
		if strings.Contains(string(resp.Body), "Reference RF-42.") {
			t.Errorf("Sam sees Maria's thread: %s", resp.Body)
		}
		g, _ := e.c.GetExpertQuestionWithResponse(e.ctx, ten, maria.Uuid, q)
		if rs := g.JSON200.Responses; len(rs) != 2 || !rs[0].IsMine || rs[1].IsMine || len(rs[1].Messages) != 0 || rs[1].AuthorName != "Sam Chen" {
			t.Errorf("Maria's view of both threads %+v", rs)
		}
		if strings.Contains(string(g.Body), "Sam's private answer") {
			t.Errorf("Maria sees Sam's thread: %s", g.Body)
		}

		// The customer writes at question level (seen by every expert), then accepts Maria's answer.
		cm, err := e.c.PostCustomerMessageWithResponse(e.ctx, ten, q, gen.PostCustomerMessageRequest{Body: "Thanks!"})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, cm, cm.Body, http.StatusCreated)
		g, _ = e.c.GetExpertQuestionWithResponse(e.ctx, ten, sam.Uuid, q)
		if ms := g.JSON200.Messages; len(ms) == 0 || ms[len(ms)-1].Body != "Thanks!" || ms[len(ms)-1].AuthorType != gen.USER {
			t.Errorf("question-level messages in Sam's view %+v", ms)
		}
		cm, _ = e.c.PostCustomerMessageWithResponse(e.ctx, ten, q, gen.PostCustomerMessageRequest{Body: "x", ResponseUuid: ptr(uuid.New())})
		expectErr(t, cm, cm.Body, http.StatusNotFound, gen.NOTFOUND)
		acc, _ := e.c.AcceptAsCustomerWithResponse(e.ctx, ten, q, gen.AcceptAsCustomerRequest{ResponseUuid: uuid.New()})
		expectErr(t, acc, acc.Body, http.StatusNotFound, gen.NOTFOUND)
		acc, err = e.c.AcceptAsCustomerWithResponse(e.ctx, ten, q, gen.AcceptAsCustomerRequest{ResponseUuid: mariaThread})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, acc, acc.Body, http.StatusOK)
		d := acc.JSON200
		if d.Status != gen.RESOLVED || !d.Responses[0].IsAccepted || d.Responses[0].AuthorUuid == nil || *d.Responses[0].AuthorUuid != maria.Uuid ||
			d.Author.Email != "joe.secret@example.com" || d.ReroutedBy != nil || d.Responses[0].Rating != nil {
			t.Errorf("after accept %+v", d)
		}
		acc, _ = e.c.AcceptAsCustomerWithResponse(e.ctx, ten, q, gen.AcceptAsCustomerRequest{ResponseUuid: resp.JSON201.Responses[1].Uuid})
		expectErr(t, acc, acc.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		// RESOLVED: only Maria's (accepted) thread takes messages.
		msg, _ = e.c.PostExpertMessageWithResponse(e.ctx, ten, maria.Uuid, q, gen.PostExpertMessageRequest{Body: "Glad to help."})
		expect(t, msg, msg.Body, http.StatusCreated)
		msg, _ = e.c.PostExpertMessageWithResponse(e.ctx, ten, sam.Uuid, q, gen.PostExpertMessageRequest{Body: "Me too."})
		expectErr(t, msg, msg.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		rr, _ = e.c.RerouteByExpertWithResponse(e.ctx, ten, maria.Uuid, q, gen.RerouteByExpertRequest{Reason: "too late"})
		expectErr(t, rr, rr.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		rc, _ := e.c.RerouteAsCustomerWithResponse(e.ctx, ten, q, gen.RerouteAsCustomerRequest{})
		expectErr(t, rc, rc.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		// A resolved question leaves the queues but stays readable to the experts it was offered to.
		queue, _ = e.c.ListExpertQueueWithResponse(e.ctx, ten, maria.Uuid)
		if len(queue.JSON200.Questions) != 0 {
			t.Errorf("resolved question still queued")
		}
		g, _ = e.c.GetExpertQuestionWithResponse(e.ctx, ten, maria.Uuid, q)
		expect(t, g, g.Body, http.StatusOK)

		// Not found: unknown question, unknown expert, another tenant's question.
		c, _ = e.c.ClaimQuestionWithResponse(e.ctx, ten, maria.Uuid, uuid.New())
		expectErr(t, c, c.Body, http.StatusNotFound, gen.NOTFOUND)
		c, _ = e.c.ClaimQuestionWithResponse(e.ctx, ten, uuid.New(), q)
		expectErr(t, c, c.Body, http.StatusNotFound, gen.NOTFOUND)
		other, err := e.svc.CreateTenant(e.ctx, "Other", "other")
		if err != nil {
			t.Fatal(err)
		}
		gq, _ := e.c.GetTenantQuestionWithResponse(e.ctx, other.ID, q)
		expectErr(t, gq, gq.Body, http.StatusNotFound, gen.NOTFOUND)
		gq, _ = e.c.GetTenantQuestionWithResponse(e.ctx, ten, uuid.New())
		expectErr(t, gq, gq.Body, http.StatusNotFound, gen.NOTFOUND)

		// An inactive expert may not act (403).
		q2 := e.ask("Where is my invoice for April?")
		if u, _ := e.c.UpdateExpertWithResponse(e.ctx, ten, sam.Uuid, gen.UpdateExpertRequest{IsActive: ptr(false)}); u.StatusCode() != http.StatusOK {
			t.Fatalf("deactivate: %s", u.Body)
		}
		c, _ = e.c.ClaimQuestionWithResponse(e.ctx, ten, sam.Uuid, q2)
		expectErr(t, c, c.Body, http.StatusForbidden, gen.FORBIDDEN)
		resp, _ = e.c.RespondToQuestionWithResponse(e.ctx, ten, sam.Uuid, q2, gen.RespondToQuestionRequest{Text: "x"})
		expectErr(t, resp, resp.Body, http.StatusForbidden, gen.FORBIDDEN)
		msg, _ = e.c.PostExpertMessageWithResponse(e.ctx, ten, sam.Uuid, q, gen.PostExpertMessageRequest{Body: "x"})
		expectErr(t, msg, msg.Body, http.StatusForbidden, gen.FORBIDDEN)
		mr, _ = e.c.MarkResolvedWithResponse(e.ctx, ten, sam.Uuid, q2)
		expectErr(t, mr, mr.Body, http.StatusForbidden, gen.FORBIDDEN)
		rel, _ = e.c.ReleaseQuestionWithResponse(e.ctx, ten, sam.Uuid, q2)
		expectErr(t, rel, rel.Body, http.StatusForbidden, gen.FORBIDDEN)
		rr, _ = e.c.RerouteByExpertWithResponse(e.ctx, ten, sam.Uuid, q2, gen.RerouteByExpertRequest{Reason: "x"})
		expectErr(t, rr, rr.Body, http.StatusForbidden, gen.FORBIDDEN)
		g, _ = e.c.GetExpertQuestionWithResponse(e.ctx, ten, sam.Uuid, q2) // reading is still allowed
		expect(t, g, g.Body, http.StatusOK)

		// Reroute by the expert, with its reason, as the operator sees it.
		rr, err = e.c.RerouteByExpertWithResponse(e.ctx, ten, maria.Uuid, q2, gen.RerouteByExpertRequest{Reason: "Needs a refund above what experts may grant."})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, rr, rr.Body, http.StatusOK)
		if rr.JSON200.Status != gen.REROUTED || rr.JSON200.Messages[len(rr.JSON200.Messages)-1].Type != gen.QUESTIONREROUTEDSYSTEMMESSAGE {
			t.Errorf("after reroute %+v", rr.JSON200)
		}
		d = ptr(e.question(q2))
		if d.ReroutedBy == nil || *d.ReroutedBy != "EXPERT" || d.ReroutedAt == nil || !d.ReroutedAt.Equal(t0) ||
			d.RerouteReason == nil || *d.RerouteReason != "Needs a refund above what experts may grant." || !d.IsEscalated {
			t.Errorf("rerouted question %+v", d)
		}
		rr, _ = e.c.RerouteByExpertWithResponse(e.ctx, ten, maria.Uuid, q2, gen.RerouteByExpertRequest{Reason: "again"})
		expectErr(t, rr, rr.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		rr, _ = e.c.RerouteByExpertWithResponse(e.ctx, ten, maria.Uuid, q2, gen.RerouteByExpertRequest{Reason: " "})
		expectErr(t, rr, rr.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
	})
}

func TestOperatorQuestionView(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)
		maria := e.createExpert("Maria Lopez", func(r *gen.CreateExpertRequest) { r.Topics = &[]string{"printer"} })
		sam := e.createExpert("Sam Chen", nil)
		ten := e.tenant.ID
		hd := e.saveHelpDesk("HD-7")

		// The operator sees everything: email, hidden metadata, URL, help desk id, the claim.
		if c, _ := e.c.ClaimQuestionWithResponse(e.ctx, ten, maria.Uuid, hd); c.StatusCode() != http.StatusOK {
			t.Fatalf("claim: %s", c.Body)
		}
		r, err := e.c.GetTenantQuestionWithResponse(e.ctx, ten, hd)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, r, r.Body, http.StatusOK)
		d := r.JSON200
		if d.Author.Email != "jane.doe@example.com" || string(d.Metadata) != `{"Browser":"Safari","Account":{"Worth":"1000000"}}` ||
			string(d.VisibleMetadata) != `{"Browser":"Safari"}` || d.HelpDeskId == nil || *d.HelpDeskId != "HD-7" ||
			d.Url == nil || !strings.HasPrefix(*d.Url, "https://acme.directly.com/p/") || !d.IsClaimed ||
			d.ClaimedBy == nil || *d.ClaimedBy != maria.Uuid || d.IsEscalated {
			t.Errorf("operator view %+v", d)
		}
		for _, want := range []string{`"reroutedBy":null`, `"reroutedAt":null`, `"rerouteReason":null`, `"messages":[]`, `"responses":[]`} {
			if !strings.Contains(string(r.Body), want) {
				t.Errorf("missing %s in %s", want, r.Body)
			}
		}

		// Offers: who, when, and why, in offer order; Maria's topic match ranks her first.
		o, err := e.c.ListQuestionOffersWithResponse(e.ctx, ten, hd)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, o, o.Body, http.StatusOK)
		offers := o.JSON200.Offers
		if len(offers) != 2 || offers[0].ExpertUuid != maria.Uuid || offers[0].ExpertName != "Maria Lopez" || offers[0].Rank != 1 ||
			offers[1].ExpertUuid != sam.Uuid || offers[1].Rank != 2 || !offers[0].OfferedAt.Equal(t0) {
			t.Fatalf("offers %+v", offers)
		}
		sc := offers[0].Score
		if sc.Total <= offers[1].Score.Total || sc.Category <= offers[1].Score.Category || sc.Language != 1 || sc.Load != 1 {
			t.Errorf("scores %+v vs %+v", sc, offers[1].Score)
		}
		g, _ := e.c.GetExpertQuestionWithResponse(e.ctx, ten, maria.Uuid, hd)
		if g.JSON200.Offer.Score != sc.Total {
			t.Errorf("expert's offer score %v, operator's %v", g.JSON200.Offer.Score, sc.Total)
		}
		o, _ = e.c.ListQuestionOffersWithResponse(e.ctx, ten, uuid.New())
		expectErr(t, o, o.Body, http.StatusNotFound, gen.NOTFOUND)

		// Operator release: the claim goes and the experts are notified again.
		rel, err := e.c.ReleaseQuestionByOperatorWithResponse(e.ctx, ten, hd)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, rel, rel.Body, http.StatusOK)
		if rel.JSON200.IsClaimed || rel.JSON200.ClaimedBy != nil ||
			!slices.ContainsFunc(rel.JSON200.Messages, func(m gen.AdminMessage) bool { return m.Type == gen.NOTIFYINGEXPERTSSYSTEMMESSAGE }) {
			t.Errorf("after operator release %+v", rel.JSON200)
		}
		for _, want := range []string{`"claimedBy":null`, `"responseUuid":null`, `"authorUuid":null`} {
			if !strings.Contains(string(rel.Body), want) {
				t.Errorf("missing %s in %s", want, rel.Body)
			}
		}
		rel, _ = e.c.ReleaseQuestionByOperatorWithResponse(e.ctx, ten, hd)
		expectErr(t, rel, rel.Body, http.StatusBadRequest, gen.INVALIDSTATE)
		rel, _ = e.c.ReleaseQuestionByOperatorWithResponse(e.ctx, ten, uuid.New())
		expectErr(t, rel, rel.Body, http.StatusNotFound, gen.NOTFOUND)

		// Expert message is unread for the user; a response's rating is null until rated.
		if x, _ := e.c.RespondToQuestionWithResponse(e.ctx, ten, maria.Uuid, hd, gen.RespondToQuestionRequest{Text: "Unplug it."}); x.StatusCode() != http.StatusCreated {
			t.Fatalf("respond: %s", x.Body)
		}
		d = ptr(e.question(hd))
		if len(d.Responses) != 1 || d.Responses[0].Rating != nil || d.Responses[0].Testimonial != nil {
			t.Errorf("responses %+v", d.Responses)
		}
		var expertMsg *gen.AdminMessage
		for i, m := range d.Messages {
			if m.Type == gen.EXPERTMESSAGE {
				expertMsg = &d.Messages[i]
			}
		}
		if expertMsg == nil || expertMsg.IsRead || expertMsg.AuthorUuid == nil || *expertMsg.AuthorUuid != maria.Uuid ||
			expertMsg.ResponseUuid == nil || *expertMsg.ResponseUuid != d.Responses[0].Uuid {
			t.Errorf("expert message %+v", expertMsg)
		}

		// The customer reroutes (the body is optional): Help Desk isEscalated.
		rc, err := e.c.RerouteAsCustomerWithBodyWithResponse(e.ctx, ten, hd, "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, rc, rc.Body, http.StatusOK)
		if !rc.JSON200.IsEscalated || rc.JSON200.ReroutedBy == nil || *rc.JSON200.ReroutedBy != "USER" || rc.JSON200.RerouteReason != nil {
			t.Errorf("after customer reroute %+v", rc.JSON200)
		}
		cm, _ := e.c.PostCustomerMessageWithResponse(e.ctx, ten, hd, gen.PostCustomerMessageRequest{Body: "hello?"})
		expectErr(t, cm, cm.Body, http.StatusBadRequest, gen.INVALIDSTATE)
	})
}

func TestClaimAtCapacityIsForbidden(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)
		busy := e.createExpert("Busy Bee", func(r *gen.CreateExpertRequest) { r.Capacity = ptr(1) })
		q1 := e.ask("First question")
		q2 := e.ask("Second question")
		c, _ := e.c.ClaimQuestionWithResponse(e.ctx, e.tenant.ID, busy.Uuid, q1)
		expect(t, c, c.Body, http.StatusOK)
		g, _ := e.c.GetExpertWithResponse(e.ctx, e.tenant.ID, busy.Uuid)
		if g.JSON200.OpenLoad != 1 {
			t.Errorf("openLoad %d, want 1", g.JSON200.OpenLoad)
		}
		c, _ = e.c.ClaimQuestionWithResponse(e.ctx, e.tenant.ID, busy.Uuid, q2)
		expectErr(t, c, c.Body, http.StatusForbidden, gen.FORBIDDEN)
		c, _ = e.c.ClaimQuestionWithResponse(e.ctx, e.tenant.ID, busy.Uuid, q1) // one's own claim again is fine
		expect(t, c, c.Body, http.StatusOK)
	})
}
