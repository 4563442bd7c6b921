package service_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func newQuestion(t *testing.T, id string) question.NewQuestion {
	t.Helper()
	nq, err := question.ValidateHelpDesk(question.HelpDeskInput{Text: "printer on fire", HelpDeskID: id, Email: "joe.user@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	return nq
}

// Help desk triggers retry: concurrent saves of one ticket create one question and all answer with it.
func TestConcurrentSavesOfOneTicketCreateOneQuestion(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		svc := service.New(st)
		ten, err := svc.CreateTenant(ctx, "Acme", "acme")
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		ids := make([]int64, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				q, err := svc.SaveHelpDeskQuestion(ctx, ten, newQuestion(t, "T-1"))
				ids[i], errs[i] = q.ID, err
			}()
		}
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("save %d: %v", i, errs[i])
			}
			if ids[i] != ids[0] {
				t.Fatalf("saves answered with different questions: %v", ids)
			}
		}
		page, err := svc.TenantQuestions(ctx, ten.ID, store.QuestionFilter{})
		if err != nil || len(page.Questions) != 1 {
			t.Fatalf("stored %d questions (%v), want 1", len(page.Questions), err)
		}
	})
}

// Closing bumps lastUpdated strictly past the creation, adds QUESTION_CLOSED and removes the
// NOTIFYING_EXPERTS prompt; closing again changes nothing.
func TestCloseIsOneTransition(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := clock.NewFixed(time.Date(2026, 11, 22, 10, 0, 0, 500, time.UTC))
		svc := service.New(st)
		svc.Clock = clk
		ten, _ := svc.CreateTenant(ctx, "Acme", "acme")
		saved, err := svc.SaveHelpDeskQuestion(ctx, ten, newQuestion(t, "T-2"))
		if err != nil {
			t.Fatal(err)
		}
		page, _ := svc.TenantQuestions(ctx, ten.ID, store.QuestionFilter{})
		created := page.Questions[0]
		msgs, _ := st.QuestionMessages(ctx, ten.ID, created.UUID)
		if len(msgs) != 1 || msgs[0].Type != question.NotifyingExperts {
			t.Fatalf("a new question's messages: %+v", msgs)
		}
		closed, err := svc.CloseHelpDeskQuestion(ctx, ten, "T-2") // same second as the creation
		if err != nil || closed.ID != saved.ID || closed.Status != question.Closed {
			t.Fatalf("close: %+v %v", closed, err)
		}
		page, _ = svc.TenantQuestions(ctx, ten.ID, store.QuestionFilter{})
		after := page.Questions[0]
		if after.Status != question.Closed || !after.LastUpdated.After(created.LastUpdated) {
			t.Fatalf("after close: status %s lastUpdated %v (was %v)", after.Status, after.LastUpdated, created.LastUpdated)
		}
		msgs, _ = st.QuestionMessages(ctx, ten.ID, created.UUID)
		if len(msgs) != 1 || msgs[0].Type != question.QuestionClosed {
			t.Fatalf("after close, messages: %+v", msgs)
		}
		clk.Advance(time.Hour)
		if _, err := svc.CloseHelpDeskQuestion(ctx, ten, "T-2"); err != nil {
			t.Fatal(err)
		}
		page, _ = svc.TenantQuestions(ctx, ten.ID, store.QuestionFilter{})
		if !page.Questions[0].LastUpdated.Equal(after.LastUpdated) {
			t.Fatalf("closing again bumped lastUpdated to %v", page.Questions[0].LastUpdated)
		}
	})
}
