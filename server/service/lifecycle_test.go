package service_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// env is a tenant on a service running on the virtual clock, with an OAuth principal.
type env struct {
	t   *testing.T
	ctx context.Context
	svc *service.Service
	ten store.Tenant
	p   service.Principal
}

func newEnv(t *testing.T, st *store.Store) *env {
	t.Helper()
	ctx := context.Background()
	svc := service.New(st)
	if err := svc.UseVirtualClock(ctx); err != nil {
		t.Fatal(err)
	}
	ten, err := svc.CreateTenant(ctx, "Acme "+uuid.NewString()[:8], "")
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, ctx: ctx, svc: svc, ten: ten, p: service.Principal{TenantID: ten.ID, Scope: "read write"}}
}

func (e *env) settings(patch string) {
	e.t.Helper()
	if _, err := e.svc.UpdateSettings(e.ctx, e.ten.ID, []byte(patch)); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) expert(name string, in service.ExpertInput) uuid.UUID {
	e.t.Helper()
	in.Name = &name
	x, err := e.svc.CreateExpert(e.ctx, e.ten.ID, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return x.UUID
}

func (e *env) ask(text string) service.View {
	e.t.Helper()
	v, err := e.svc.Ask(e.ctx, e.p, question.MessagingInput{Text: text})
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func (e *env) advance(d time.Duration) int {
	e.t.Helper()
	s, err := e.svc.AdvanceClock(e.ctx, d)
	if err != nil {
		e.t.Fatal(err)
	}
	return s.JobsRun
}

func (e *env) now() time.Time {
	e.t.Helper()
	c, err := e.svc.ClockNow(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Now
}

func (e *env) question(id uuid.UUID) service.View {
	e.t.Helper()
	v, err := e.svc.MessagingQuestion(e.ctx, e.p, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

func systemTypes(v service.View) []string {
	var out []string
	for _, m := range v.Messages {
		if m.AuthorType == question.AuthorSystem {
			out = append(out, m.Type)
		}
	}
	slices.Sort(out)
	return out
}

func want(t *testing.T, got []string, w ...string) {
	t.Helper()
	slices.Sort(w)
	if !slices.Equal(got, w) {
		t.Fatalf("got %v, want %v", got, w)
	}
}

// The acceptance case: no expert response, CUSTOMER_REROUTE_PROMPT first, then the unanswered
// timeout reroutes and removes the prompt — all by advancing the virtual clock.
func TestTimersRerouteUnansweredQuestion(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.settings(`{"unansweredTimeoutSeconds":3600,"reroutePromptAfterSeconds":600}`)
		q := e.ask("My order never arrived")
		want(t, systemTypes(e.question(q.Q.UUID)), question.NotifyingExperts)

		if n := e.advance(599 * time.Second); n != 0 {
			t.Fatalf("%d jobs ran before anything was due", n)
		}
		e.advance(time.Second)
		v := e.question(q.Q.UUID)
		want(t, systemTypes(v), question.NotifyingExperts, question.CustomerReroutePrompt)
		if v.Q.Status != question.Unresolved {
			t.Fatalf("status %s", v.Q.Status)
		}

		e.advance(3000 * time.Second) // t = 3600 s
		v = e.question(q.Q.UUID)
		want(t, systemTypes(v), question.QuestionRerouted)
		if v.Q.Status != question.Rerouted || v.Q.ReroutedBy != question.ByTimeout {
			t.Fatalf("status %s by %q", v.Q.Status, v.Q.ReroutedBy)
		}
		evs, err := e.svc.Events(e.ctx, e.ten.ID, store.EventFilter{})
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range evs {
			types = append(types, ev.Type)
		}
		if !slices.Equal(types, []string{question.EventCreated, question.EventEscalatedByTime}) {
			t.Fatalf("events %v", types)
		}
	})
}

func TestUnansweredTimeoutExpiresWhenConfigured(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.settings(`{"unansweredTimeoutSeconds":60,"unansweredTimeoutAction":"EXPIRE","reroutePromptAfterSeconds":3600}`)
		q := e.ask("Anyone?")
		e.advance(time.Hour)
		v := e.question(q.Q.UUID)
		if v.Q.Status != question.Expired {
			t.Fatalf("status %s", v.Q.Status)
		}
		want(t, systemTypes(v), question.QuestionExpired)
	})
}

// An expert response stops the unanswered timer and the reroute prompt.
func TestResponseStopsTimers(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.settings(`{"unansweredTimeoutSeconds":120,"reroutePromptAfterSeconds":60}`)
		alice := e.expert("Alice", service.ExpertInput{})
		q := e.ask("How do I reset my password?")
		if _, err := e.svc.Respond(e.ctx, e.ten.ID, alice, q.Q.UUID, "Use the reset link."); err != nil {
			t.Fatal(err)
		}
		e.advance(time.Hour)
		v := e.question(q.Q.UUID)
		if v.Q.Status != question.Unresolved {
			t.Fatalf("status %s", v.Q.Status)
		}
		want(t, systemTypes(v), question.AcceptResponse)
	})
}

// Routing offers the question to the top K experts first and widens to the next tier when
// nobody engages within offerWaitSeconds; a claim stops the widening.
func TestOfferWidening(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.settings(`{"offerTopK":2,"offerWaitSeconds":300,"categories":[{"name":"billing"}]}`)
		yes, no := true, false
		en, fr := []string{"en"}, []string{"fr"}
		billing := []string{"billing"}
		best := e.expert("Best", service.ExpertInput{Languages: &en, Categories: &billing})
		second := e.expert("Second", service.ExpertInput{Languages: &en})
		third := e.expert("Third", service.ExpertInput{Languages: &fr})
		e.expert("Inactive", service.ExpertInput{Languages: &en, Categories: &billing, IsActive: &no})
		elite := e.expert("Elite", service.ExpertInput{Languages: &fr, IsElite: &yes})

		v, err := e.svc.Ask(e.ctx, e.p, question.MessagingInput{Text: "Refund for my invoice", Language: "en"})
		if err != nil {
			t.Fatal(err)
		}
		offers := func() []uuid.UUID {
			os, err := e.svc.QuestionOffers(e.ctx, e.ten.ID, v.Q.UUID)
			if err != nil {
				t.Fatal(err)
			}
			var ids []uuid.UUID
			for _, o := range os {
				ids = append(ids, o.ExpertUUID)
			}
			return ids
		}
		if got := offers(); !slices.Equal(got, []uuid.UUID{second, best}) && !slices.Equal(got, []uuid.UUID{best, second}) {
			t.Fatalf("tier 0 = %v, want Best and Second", got)
		}
		// Only offered experts see it in their queue.
		if q, _ := e.svc.ExpertQueue(e.ctx, e.ten.ID, third); len(q) != 0 {
			t.Fatal("a tier-1 expert sees the question before the widening")
		}
		if _, err := e.svc.Claim(e.ctx, e.ten.ID, third, v.Q.UUID); apierr.KindOf(err) != apierr.NotFound {
			t.Fatalf("claim by an expert not offered the question: %v", err)
		}
		e.advance(300 * time.Second)
		got := offers()
		if len(got) != 4 || !slices.Contains(got, third) || !slices.Contains(got, elite) {
			t.Fatalf("after widening = %v", got)
		}
		os, _ := e.svc.QuestionOffers(e.ctx, e.ten.ID, v.Q.UUID)
		if os[2].Tier != 1 || os[0].Tier != 0 || os[0].Score < os[2].Score {
			t.Fatalf("tiers/scores: %+v", os)
		}
		for i, o := range os { // ranks continue across tiers
			if o.Rank != i+1 {
				t.Fatalf("offer %d has rank %d: %+v", i, o.Rank, os)
			}
		}
		// Everyone eligible has been offered it: no further widening job.
		if n := e.advance(time.Hour); n != 0 {
			// the reroute prompt (30 min default) is the only job that may run
			v := e.question(v.Q.UUID)
			if !slices.Contains(systemTypes(v), question.CustomerReroutePrompt) || n != 1 {
				t.Fatalf("%d jobs ran", n)
			}
		}
	})
}

func TestElitesOnlyAndCategoryList(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		yes := true
		plain := e.expert("Plain", service.ExpertInput{})
		elite := e.expert("Elite", service.ExpertInput{IsElite: &yes})
		e.settings(`{"categories":[{"name":"vip","expertUuids":["` + plain.String() + `"]}]}`)
		nq, err := question.ValidateHelpDesk(question.HelpDeskInput{Text: "x", HelpDeskID: "1", Email: "a@b.c", EliteOnly: "on"})
		if err != nil {
			t.Fatal(err)
		}
		hq, err := e.svc.SaveHelpDeskQuestion(e.ctx, e.ten, nq)
		if err != nil {
			t.Fatal(err)
		}
		qs, err := st.ListQuestions(e.ctx, e.ten.ID, store.QuestionFilter{})
		if err != nil || len(qs) != 1 || qs[0].ID != hq.ID {
			t.Fatal(err)
		}
		os, _ := e.svc.QuestionOffers(e.ctx, e.ten.ID, qs[0].UUID)
		if len(os) != 1 || os[0].ExpertUUID != elite {
			t.Fatalf("elite-only offers = %+v", os)
		}
		cat := "vip"
		nq, _ = question.ValidateHelpDesk(question.HelpDeskInput{Text: "x", HelpDeskID: "2", Email: "a@b.c", Category: &cat})
		if _, err := e.svc.SaveHelpDeskQuestion(e.ctx, e.ten, nq); err != nil {
			t.Fatal(err)
		}
		qs, _ = st.ListQuestions(e.ctx, e.ten.ID, store.QuestionFilter{})
		os, _ = e.svc.QuestionOffers(e.ctx, e.ten.ID, qs[1].UUID)
		if len(os) != 1 || os[0].ExpertUUID != plain {
			t.Fatalf("category-list offers = %+v", os)
		}
		unknown := "nope"
		nq, _ = question.ValidateHelpDesk(question.HelpDeskInput{Text: "x", HelpDeskID: "3", Email: "a@b.c", Category: &unknown})
		if _, err := e.svc.SaveHelpDeskQuestion(e.ctx, e.ten, nq); apierr.KindOf(err) != apierr.Invalid {
			t.Fatalf("unknown category: %v", err)
		}
	})
}

// Help Desk questions share the state machine: answers are counted, an expert reroute
// escalates, the expert side sees and answers them.
func TestHelpDeskQuestionOnTheExpertSide(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		alice := e.expert("Alice", service.ExpertInput{})
		nq, _ := question.ValidateHelpDesk(question.HelpDeskInput{Text: "printer on fire", HelpDeskID: "T-9", Email: "joe@example.com"})
		if _, err := e.svc.SaveHelpDeskQuestion(e.ctx, e.ten, nq); err != nil {
			t.Fatal(err)
		}
		queue, err := e.svc.ExpertQueue(e.ctx, e.ten.ID, alice)
		if err != nil || len(queue) != 1 {
			t.Fatalf("queue = %v, %v", queue, err)
		}
		qid := queue[0].Q.UUID
		// Not visible through the Messaging API.
		if _, err := e.svc.MessagingQuestion(e.ctx, e.p, qid); apierr.KindOf(err) != apierr.NotFound {
			t.Fatalf("helpdesk question through messaging: %v", err)
		}
		if _, err := e.svc.Claim(e.ctx, e.ten.ID, alice, qid); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Respond(e.ctx, e.ten.ID, alice, qid, "Unplug it."); err != nil {
			t.Fatal(err)
		}
		hq, err := e.svc.SaveHelpDeskQuestion(e.ctx, e.ten, nq) // a repeat save reports the live state
		if err != nil || hq.Status != "1 answer" || len(hq.Answers) != 1 || hq.Answers[0].Text != "Unplug it." || hq.IsEscalated {
			t.Fatalf("after a response: %+v %v", hq, err)
		}
		if _, err := e.svc.RerouteByExpert(e.ctx, e.ten.ID, alice, qid, "needs an engineer"); err != nil {
			t.Fatal(err)
		}
		hq, _ = e.svc.SaveHelpDeskQuestion(e.ctx, e.ten, nq)
		if !hq.IsEscalated || hq.Status != "CLOSED" {
			t.Fatalf("after an expert reroute: %+v", hq)
		}
		v, _ := e.svc.TenantQuestion(e.ctx, e.ten.ID, qid)
		if v.Q.RerouteReason != "needs an engineer" || v.Q.ReroutedBy != question.ByExpert {
			t.Fatalf("reroute = %q by %q", v.Q.RerouteReason, v.Q.ReroutedBy)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.settings(`{"tokenTtlSeconds":600}`)
		c, secret, err := e.svc.CreateOAuthClient(e.ctx, e.ten.ID, "integration", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.IssueToken(e.ctx, c.ClientID, "wrong", ""); apierr.KindOf(err) != apierr.Unauthorized {
			t.Fatalf("wrong secret: %v", err)
		}
		if _, err := e.svc.IssueToken(e.ctx, c.ClientID, secret, "admin"); apierr.As(err).Reason != service.ReasonInvalidScope {
			t.Fatalf("bad scope: %v", err)
		}
		g, err := e.svc.IssueToken(e.ctx, c.ClientID, secret, "")
		if err != nil || g.Scope != "read write" || g.ExpiresIn != 600 {
			t.Fatalf("grant %+v %v", g, err)
		}
		ro, _ := e.svc.IssueToken(e.ctx, c.ClientID, secret, "read")
		if p, err := e.svc.AuthenticateBearer(e.ctx, ro.AccessToken); err != nil || p.CanWrite() {
			t.Fatalf("read-only token: %+v %v", p, err)
		}
		if p, err := e.svc.AuthenticateBearer(e.ctx, g.AccessToken); err != nil || p.TenantID != e.ten.ID || !p.CanWrite() {
			t.Fatalf("token: %+v %v", p, err)
		}
		e.advance(600 * time.Second)
		if _, err := e.svc.AuthenticateBearer(e.ctx, g.AccessToken); apierr.KindOf(err) != apierr.Unauthorized {
			t.Fatalf("expired token: %v", err)
		}
		g2, _ := e.svc.IssueToken(e.ctx, c.ClientID, secret, "")
		if err := e.svc.Logout(e.ctx, g2.AccessToken); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Logout(e.ctx, g2.AccessToken); err != nil {
			t.Fatalf("second logout: %v", err)
		}
		if _, err := e.svc.AuthenticateBearer(e.ctx, g2.AccessToken); apierr.KindOf(err) != apierr.Unauthorized {
			t.Fatalf("revoked token: %v", err)
		}
		g3, _ := e.svc.IssueToken(e.ctx, c.ClientID, secret, "")
		if err := e.svc.RevokeOAuthClient(e.ctx, e.ten.ID, c.ClientID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.AuthenticateBearer(e.ctx, g3.AccessToken); apierr.KindOf(err) != apierr.Unauthorized {
			t.Fatalf("token of a revoked client: %v", err)
		}
		if _, err := e.svc.IssueToken(e.ctx, c.ClientID, secret, ""); apierr.KindOf(err) != apierr.Unauthorized {
			t.Fatalf("revoked client: %v", err)
		}
	})
}

// The virtual clock survives a restart: a new service on the same store starts where it stopped.
func TestVirtualClockPersists(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		start := e.now()
		e.advance(48 * time.Hour)
		again := service.New(st)
		if err := again.UseVirtualClock(e.ctx); err != nil {
			t.Fatal(err)
		}
		if got := (&env{t: t, ctx: e.ctx, svc: again}).now(); !got.Equal(start.Add(48 * time.Hour)) {
			t.Fatalf("restarted clock at %v, want %v", got, start.Add(48*time.Hour))
		}
		if _, err := again.SetClock(e.ctx, start); apierr.KindOf(err) != apierr.Invalid {
			t.Fatalf("moving back: %v", err)
		}
		if _, err := service.New(st).AdvanceClock(e.ctx, time.Hour); apierr.KindOf(err) != apierr.Conflict {
			t.Fatalf("advance on the wall clock: %v", err)
		}
	})
}

// Instances sharing a database share the virtual clock.
func TestVirtualClockIsShared(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		other := service.New(st)
		if err := other.UseVirtualClock(e.ctx); err != nil {
			t.Fatal(err)
		}
		start := e.now()
		e.advance(time.Hour)
		if got := other.Clock.Now(); !got.Equal(start.Add(time.Hour)) {
			t.Fatalf("the other instance reads %v, want %v", got, start.Add(time.Hour))
		}
		if _, err := other.AdvanceClock(e.ctx, time.Hour); err != nil {
			t.Fatal(err)
		}
		if got := e.now(); !got.Equal(start.Add(2 * time.Hour)) {
			t.Fatalf("after the other instance advanced: %v, want %v", got, start.Add(2*time.Hour))
		}
	})
}

// With several instances on one database, each due job runs exactly once.
func TestJobsRunOnceAcrossInstances(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.settings(`{"unansweredTimeoutSeconds":60,"reroutePromptAfterSeconds":3600}`)
		const n = 20
		for range n {
			e.ask("q")
		}
		// Four instances see the same due jobs at the same moment.
		var wg sync.WaitGroup
		counts := make([]int, 4)
		instances := make([]*service.Service, 4)
		for i := range instances {
			instances[i] = service.New(st)
			if err := instances[i].UseVirtualClock(e.ctx); err != nil {
				t.Fatal(err)
			}
		}
		target := e.now().Add(61 * time.Second)
		for i, s := range instances {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := s.SetClock(e.ctx, target)
				if err != nil {
					t.Error(err)
				}
				counts[i] = st.JobsRun
			}()
		}
		wg.Wait()
		total := 0
		for _, c := range counts {
			total += c
		}
		if total != n {
			t.Fatalf("jobs run %v (total %d), want %d exactly once each", counts, total, n)
		}
		evs, _ := e.svc.Events(e.ctx, e.ten.ID, store.EventFilter{Limit: 500})
		escalated := 0
		for _, ev := range evs {
			if ev.Type == question.EventEscalatedByTime {
				escalated++
			}
		}
		if escalated != n {
			t.Fatalf("%d timeout escalations, want %d", escalated, n)
		}
	})
}

func TestMessagingBadInputChangesNothing(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		e.settings(`{"classes":[{"name":"billing","keywords":["invoice"],"answer":{"title":"Invoices","body":"See your account."}}]}`)
		for _, in := range []question.MessagingInput{
			{Text: "   "},
			{Text: "x", Classification: "unknown"},
			{Text: "x", Language: "english"},
			{Text: "x", Metadata: json.RawMessage(`[1]`)},
		} {
			if _, err := e.svc.Ask(e.ctx, e.p, in); apierr.KindOf(err) != apierr.Invalid {
				t.Fatalf("%+v: %v", in, err)
			}
		}
		if qs, total, _ := e.svc.MessagingQuestions(e.ctx, e.p, service.QuestionFilter{Page: 1, PageSize: 20}); total != 0 || len(qs) != 0 {
			t.Fatalf("bad input stored %d questions", total)
		}
		v, err := e.svc.Ask(e.ctx, e.p, question.MessagingInput{Text: "where is my invoice", Classification: "billing"})
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Responses) != 1 || v.Responses[0].Type != question.ResponseAutomated || v.Unread() != 1 {
			t.Fatalf("automated response: %+v", v.Responses)
		}
		closed, _ := e.svc.CloseQuestion(e.ctx, e.p, v.Q.UUID)
		before := closed.Q.LastUpdated
		if _, err := e.svc.AcceptResponse(e.ctx, e.p, v.Responses[0].UUID); apierr.KindOf(err) != apierr.State {
			t.Fatalf("accept on a closed question: %v", err)
		}
		if after := e.question(v.Q.UUID); !after.Q.LastUpdated.Equal(before) || after.Responses[0].IsAccepted {
			t.Fatal("a refused accept changed the question")
		}
	})
}

// An expert at capacity 1 claiming two questions at once gets exactly one of them.
func TestConcurrentClaimsRespectCapacity(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		one := 1
		x := e.expert("Solo", service.ExpertInput{Capacity: &one})
		const n = 6
		qs := make([]uuid.UUID, n)
		for i := range qs {
			qs[i] = e.ask("question").Q.UUID
		}
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range qs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.svc.Claim(e.ctx, e.ten.ID, x, qs[i])
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apierr.KindOf(err) != apierr.Forbidden:
				t.Fatalf("claim: %v", err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d claims succeeded at capacity 1", ok)
		}
		if rec, _ := e.svc.Expert(e.ctx, e.ten.ID, x); rec.OpenLoad != 1 {
			t.Fatalf("open load %d", rec.OpenLoad)
		}
	})
}

// What an ask and a response create is keyed by time-ordered ids (store.NewID): the question,
// its messages (system ones included) and the response.
func TestConversationIDsAreTimeOrdered(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		alice := e.expert("Alice", service.ExpertInput{})
		q := e.ask("How do I reset my password?")
		if _, err := e.svc.Respond(e.ctx, e.ten.ID, alice, q.Q.UUID, "Use the reset link."); err != nil {
			t.Fatal(err)
		}
		v := e.question(q.Q.UUID)
		ids := map[string]uuid.UUID{"question": v.Q.UUID}
		for i, m := range v.Messages {
			ids[fmt.Sprintf("message %d (%s)", i, m.Type)] = m.UUID
		}
		for i, r := range v.Responses {
			ids[fmt.Sprintf("response %d", i)] = r.UUID
		}
		if len(v.Messages) < 2 || len(v.Responses) != 1 {
			t.Fatalf("%d messages, %d responses: want the asker's and the system's messages and one response", len(v.Messages), len(v.Responses))
		}
		for what, id := range ids {
			if id.Version() != 7 {
				t.Errorf("%s id %s is version %d, want 7", what, id, id.Version())
			}
		}
	})
}
