package service_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The list views (MessagingQuestions, ExpertQueue) read their threads in one batch; each
// conversation must be exactly what the single-question reads return.
func TestListViewsMatchSingleReads(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		alice := e.expert("Alice", service.ExpertInput{})
		q1 := e.ask("My order never arrived").Q.UUID
		q2 := e.ask("How do I reset my password?").Q.UUID
		q3 := e.ask("Where is my invoice?").Q.UUID

		// q1: a response with a thread and a question-level message; q2: a response only;
		// q3: nothing beyond what Ask wrote.
		for _, q := range []uuid.UUID{q1, q2} {
			if _, err := e.svc.Claim(e.ctx, e.ten.ID, alice, q); err != nil {
				t.Fatal(err)
			}
		}
		v, err := e.svc.Respond(e.ctx, e.ten.ID, alice, q1, "Let me check.")
		if err != nil {
			t.Fatal(err)
		}
		r1 := v.Responses[0].UUID
		if _, _, err := e.svc.PostUserMessage(e.ctx, e.p, q1, &r1, "Thanks, waiting."); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.PostUserMessage(e.ctx, e.p, q1, nil, "Any news?"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Respond(e.ctx, e.ten.ID, alice, q2, "Use the link on the login page."); err != nil {
			t.Fatal(err)
		}

		// Another tenant with its own question, expert and threads: never part of e's views.
		o := newEnv(t, st)
		bob := o.expert("Bob", service.ExpertInput{})
		oq := o.ask("Unrelated question").Q.UUID
		if _, err := o.svc.Claim(o.ctx, o.ten.ID, bob, oq); err != nil {
			t.Fatal(err)
		}
		if _, err := o.svc.Respond(o.ctx, o.ten.ID, bob, oq, "Other tenant's answer"); err != nil {
			t.Fatal(err)
		}

		same := func(what string, got, want *question.Conversation) {
			t.Helper()
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\n got %+v\nwant %+v", what, *got, *want)
			}
		}

		vs, total, err := e.svc.MessagingQuestions(e.ctx, e.p, service.QuestionFilter{Page: 1, PageSize: 20})
		if err != nil || total != 3 || len(vs) != 3 {
			t.Fatalf("MessagingQuestions = %d views, total %d, %v; want 3", len(vs), total, err)
		}
		seen := map[uuid.UUID]bool{}
		for _, v := range vs {
			seen[v.Q.UUID] = true
			one := e.question(v.Q.UUID)
			same("MessagingQuestions "+v.Q.UUID.String(), v.Conversation, one.Conversation)
			if v.Markdown != one.Markdown {
				t.Errorf("Markdown %v, want %v", v.Markdown, one.Markdown)
			}
		}
		if !seen[q1] || !seen[q2] || !seen[q3] {
			t.Fatalf("MessagingQuestions listed %v, want q1, q2, q3", seen)
		}
		// The threads were really there (the comparison is not between empty conversations).
		if one := e.question(q1); len(one.Responses) != 1 || len(one.Messages) < 3 {
			t.Fatalf("q1 has %d responses and %d messages", len(one.Responses), len(one.Messages))
		}

		queue, err := e.svc.ExpertQueue(e.ctx, e.ten.ID, alice)
		if err != nil || len(queue) != 3 {
			t.Fatalf("ExpertQueue = %d views, %v; want 3", len(queue), err)
		}
		for _, x := range queue {
			one, err := e.svc.ExpertQuestion(e.ctx, e.ten.ID, alice, x.Q.UUID)
			if err != nil {
				t.Fatal(err)
			}
			same("ExpertQueue "+x.Q.UUID.String(), x.Conversation, one.Conversation)
			if !reflect.DeepEqual(x.Offer, one.Offer) || x.Expert != one.Expert || x.Markdown != one.Markdown {
				t.Errorf("ExpertQueue %s: offer %+v expert %s markdown %v; want %+v %s %v",
					x.Q.UUID, *x.Offer, x.Expert, x.Markdown, *one.Offer, one.Expert, one.Markdown)
			}
		}
	})
}

// BenchmarkMessagingQuestions100 is GET /messaging/v1/questions?pageSize=100 at the service
// level: one page of 100 Messaging questions, each with its conversation.
func BenchmarkMessagingQuestions100(b *testing.B) {
	ctx := context.Background()
	for _, n := range storetest.Stores(b) {
		// Set up once per store: b.Run calls its function more than once.
		svc := service.New(n.Store)
		ten, err := svc.CreateTenant(ctx, "Bench", "")
		if err != nil {
			b.Fatal(err)
		}
		p := service.Principal{TenantID: ten.ID, Scope: "read write"}
		for i := range 100 {
			if _, err := svc.Ask(ctx, p, question.MessagingInput{Text: fmt.Sprintf("Question %d: how do I reset my password?", i)}); err != nil {
				b.Fatal(err)
			}
		}
		f := service.QuestionFilter{Page: 1, PageSize: 100}
		b.Run(n.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				vs, total, err := svc.MessagingQuestions(ctx, p, f)
				if err != nil || total != 100 || len(vs) != 100 {
					b.Fatalf("MessagingQuestions = %d views, total %d, %v", len(vs), total, err)
				}
			}
		})
	}
}
