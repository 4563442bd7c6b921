package admin_test

import (
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func TestEventsAfterAFlow(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)
		maria := e.createExpert("Maria Lopez", nil)
		ten := e.tenant.ID
		q := e.ask("How do I get a refund?")
		other := e.ask("Unrelated question")

		c, _ := e.c.ClaimQuestionWithResponse(e.ctx, ten, maria.Uuid, q)
		expect(t, c, c.Body, http.StatusOK)
		r, _ := e.c.RespondToQuestionWithResponse(e.ctx, ten, maria.Uuid, q, gen.RespondToQuestionRequest{Text: "Refunded."})
		expect(t, r, r.Body, http.StatusCreated)
		resp := r.JSON201.Responses[0].Uuid
		a, _ := e.c.AcceptAsCustomerWithResponse(e.ctx, ten, q, gen.AcceptAsCustomerRequest{ResponseUuid: resp})
		expect(t, a, a.Body, http.StatusOK)

		l, err := e.c.ListTenantEventsWithResponse(e.ctx, ten, &gen.ListTenantEventsParams{QuestionUuid: &q})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, l, l.Body, http.StatusOK)
		var types []gen.EventType
		for _, ev := range l.JSON200.Events {
			types = append(types, ev.Type)
			if ev.QuestionUuid != q || !ev.CreatedAt.Equal(t0) || len(ev.Data) == 0 {
				t.Errorf("event %+v", ev)
			}
		}
		want := []gen.EventType{gen.QUESTIONCREATED, gen.QUESTIONCLAIMED, gen.QUESTIONFIRSTRESPONSE, gen.QUESTIONRESPONSE, gen.QUESTIONRESOLVED}
		if !slices.Equal(types, want) {
			t.Fatalf("events %v, want %v", types, want)
		}
		evs := l.JSON200.Events
		if evs[1].ExpertUuid == nil || *evs[1].ExpertUuid != maria.Uuid || evs[0].ExpertUuid != nil {
			t.Errorf("expert of the events: %+v", evs[:2])
		}
		if string(evs[2].Data) != `{"responseUuid":"`+resp.String()+`"}` {
			t.Errorf("first response data %s", evs[2].Data)
		}
		if l.JSON200.NextAfter != evs[len(evs)-1].Seq {
			t.Errorf("nextAfter %d, want the last seq %d", l.JSON200.NextAfter, evs[len(evs)-1].Seq)
		}

		// Paging through the whole log, one at a time, sees every event once in seq order.
		var all []gen.Event
		after := int64(0)
		for range 20 {
			p, err := e.c.ListTenantEventsWithResponse(e.ctx, ten, &gen.ListTenantEventsParams{After: &after, Limit: ptr(1)})
			if err != nil {
				t.Fatal(err)
			}
			expect(t, p, p.Body, http.StatusOK)
			if len(p.JSON200.Events) == 0 {
				if p.JSON200.NextAfter != after || string(p.Body) != `{"events":[],"nextAfter":`+strconv.FormatInt(after, 10)+"}\n" {
					t.Errorf("empty page %s, want nextAfter %d", p.Body, after)
				}
				break
			}
			all = append(all, p.JSON200.Events...)
			after = p.JSON200.NextAfter
		}
		if len(all) != 6 || all[1].QuestionUuid != other {
			t.Errorf("whole log %+v", all)
		}

		l, _ = e.c.ListTenantEventsWithResponse(e.ctx, uuid.New(), nil)
		expectErr(t, l, l.Body, http.StatusNotFound, gen.NOTFOUND)
		bad, err := e.c.ListTenantEventsWithResponse(e.ctx, ten, &gen.ListTenantEventsParams{Limit: ptr(0)})
		if err != nil {
			t.Fatal(err)
		}
		expectErr(t, bad, bad.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
	})
}

func TestClockOnTheWallClock(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)
		g, err := e.c.GetClockWithResponse(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, g, g.Body, http.StatusOK)
		if g.JSON200.Mode != gen.Wall || !g.JSON200.Now.Equal(t0) || g.JSON200.JobsRun != 0 {
			t.Errorf("clock %+v", g.JSON200)
		}
		s, err := e.c.SetClockWithResponse(e.ctx, gen.SetClockRequest{Now: t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		expectErr(t, s, s.Body, http.StatusConflict, gen.CONFLICT)
		a, err := e.c.AdvanceClockWithResponse(e.ctx, gen.AdvanceClockRequest{Seconds: 60})
		if err != nil {
			t.Fatal(err)
		}
		expectErr(t, a, a.Body, http.StatusConflict, gen.CONFLICT)
	})
}

func TestVirtualClockRunsTheUnansweredTimeout(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, true)
		ten := e.tenant.ID
		start := time.Date(2100, 1, 1, 9, 0, 0, 0, time.UTC) // ahead of any wall clock the store started from

		s, err := e.c.SetClockWithResponse(e.ctx, gen.SetClockRequest{Now: start})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, s, s.Body, http.StatusOK)
		if s.JSON200.Mode != gen.Virtual || !s.JSON200.Now.Equal(start) {
			t.Fatalf("set clock %+v", s.JSON200)
		}
		s, _ = e.c.SetClockWithResponse(e.ctx, gen.SetClockRequest{Now: start.Add(-time.Second)})
		expectErr(t, s, s.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
		g, _ := e.c.GetClockWithResponse(e.ctx)
		if g.JSON200.Mode != gen.Virtual || !g.JSON200.Now.Equal(start) {
			t.Errorf("clock after a refused set %+v", g.JSON200)
		}

		u, _ := e.c.UpdateSettingsWithResponse(e.ctx, ten, gen.UpdateSettingsRequest{UnansweredTimeoutSeconds: ptr(60)})
		expect(t, u, u.Body, http.StatusOK)
		q := e.ask("Nobody will answer this")

		a, err := e.c.AdvanceClockWithResponse(e.ctx, gen.AdvanceClockRequest{Seconds: 59})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, a, a.Body, http.StatusOK)
		if a.JSON200.JobsRun != 0 || e.question(q).Status != gen.UNRESOLVED {
			t.Fatalf("before the timeout: %+v, status %s", a.JSON200, e.question(q).Status)
		}
		a, _ = e.c.AdvanceClockWithResponse(e.ctx, gen.AdvanceClockRequest{Seconds: 2})
		expect(t, a, a.Body, http.StatusOK)
		if a.JSON200.JobsRun < 1 || !a.JSON200.Now.Equal(start.Add(61*time.Second)) || a.JSON200.Mode != gen.Virtual {
			t.Errorf("advance %+v", a.JSON200)
		}
		d := e.question(q)
		if d.Status != gen.REROUTED || d.ReroutedBy == nil || *d.ReroutedBy != "TIMEOUT" || d.ReroutedAt == nil ||
			!d.ReroutedAt.Equal(start.Add(60*time.Second)) || !d.IsEscalated {
			t.Errorf("after the timeout %+v", d)
		}
		l, _ := e.c.ListTenantEventsWithResponse(e.ctx, ten, &gen.ListTenantEventsParams{QuestionUuid: &q})
		if evs := l.JSON200.Events; len(evs) == 0 || evs[len(evs)-1].Type != gen.QUESTIONESCALATEDBYTIME {
			t.Errorf("events %+v", evs)
		}
		// Nothing is left to run.
		a, _ = e.c.AdvanceClockWithResponse(e.ctx, gen.AdvanceClockRequest{Seconds: 0})
		expect(t, a, a.Body, http.StatusOK)
		if a.JSON200.JobsRun != 0 {
			t.Errorf("jobs ran again: %+v", a.JSON200)
		}
		a, _ = e.c.AdvanceClockWithResponse(e.ctx, gen.AdvanceClockRequest{Seconds: -1})
		expectErr(t, a, a.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
	})
}
