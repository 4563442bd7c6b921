package messaging

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/render"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// listMessagesAsBefore is GET /v1/messages' 200 as it was written before it was streamed: every
// message loaded, converted, and the envelope encoded at once by the generated code.
func (h *Handler) listMessagesAsBefore(ctx context.Context, t *testing.T, meta gen.Meta, tenant, q uuid.UUID, thread *uuid.UUID, markdown bool) gen.ListMessagesResponseObject {
	ms, err := h.svc.Store.QuestionMessages(ctx, tenant, q)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]gen.Message, 0, len(ms))
	for _, m := range ms {
		if thread == nil || (m.ResponseUUID != nil && *m.ResponseUUID == *thread) {
			out = append(out, h.message(m, markdown))
		}
	}
	return gen.ListMessages200JSONResponse{Meta: meta, Data: out}
}

// visit writes a listMessages answer as the server does (JSONCharset included), and returns
// the status, Content-Type and body.
func visit(t *testing.T, r gen.ListMessagesResponseObject) (int, string, []byte) {
	t.Helper()
	rec := httptest.NewRecorder()
	httpkit.JSONCharset(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if err := r.VisitListMessagesResponse(w); err != nil {
			t.Fatal(err)
		}
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	return rec.Code, rec.Header().Get("Content-Type"), rec.Body.Bytes()
}

// The streamed list is byte for byte the list as the generated code wrote it: every level or
// one thread, empty or long enough to be written in many pieces (with HTML-escaped characters
// cut between them), Markdown rendering on and off.
func TestMessageListStreamWritesTheSameBytes(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			svc := service.New(st.Store)
			if err := svc.UseVirtualClock(ctx); err != nil {
				t.Fatal(err)
			}
			h := &Handler{svc: svc, render: render.New()}
			ten, err := svc.CreateTenant(ctx, "Acme "+uuid.NewString()[:8], "")
			if err != nil {
				t.Fatal(err)
			}
			p := service.Principal{TenantID: ten.ID, Scope: "read write"}
			name := "Ada <&> Lovelace"
			x, err := svc.CreateExpert(ctx, ten.ID, service.ExpertInput{Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			v, err := svc.Ask(ctx, p, question.MessagingInput{Text: "How do I <reset> my password & more?"})
			if err != nil {
				t.Fatal(err)
			}
			qid := v.Q.UUID
			ev, err := svc.Respond(ctx, ten.ID, x.UUID, qid, "**Like** this: <p>a & b</p> — \u2028 é")
			if err != nil {
				t.Fatal(err)
			}
			thread := ev.Responses[0].UUID
			for i := 0; i < 600; i++ {
				var in *uuid.UUID
				if i%3 == 0 {
					in = &thread
				}
				body := fmt.Sprintf("message %d: <b>%s</b> & \"quotes\" \\ back\\slash %s", i, bytes.Repeat([]byte("é"), i%7), "`code`")
				if _, _, err := svc.PostUserMessage(ctx, p, qid, in, body); err != nil {
					t.Fatal(err)
				}
				if i%50 == 0 {
					if _, err := svc.PostExpertMessage(ctx, ten.ID, x.UUID, qid, "*expert* <i>note</i>"); err != nil {
						t.Fatal(err)
					}
				}
			}
			// A small question besides (its question level only holds NOTIFYING_EXPERTS).
			other, err := svc.Ask(ctx, p, question.MessagingInput{Text: "Another"})
			if err != nil {
				t.Fatal(err)
			}
			meta := gen.Meta{RequestId: uuid.New(), Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
			for _, markdown := range []bool{false, true} {
				if _, err := svc.UpdateSettings(ctx, ten.ID, []byte(fmt.Sprintf(`{"markdown":%v}`, markdown))); err != nil {
					t.Fatal(err)
				}
				for _, c := range []struct {
					name   string
					q      uuid.UUID
					thread *uuid.UUID
				}{{"all", qid, nil}, {"thread", qid, &thread}, {"small", other.Q.UUID, nil}} {
					list, notModified, err := svc.Messages(ctx, p, c.q, c.thread, nil)
					if err != nil || notModified {
						t.Fatalf("%s: %v %v", c.name, notModified, err)
					}
					if list.Markdown != markdown {
						t.Fatalf("%s: markdown %v, want %v", c.name, list.Markdown, markdown)
					}
					gotCode, gotType, got := visit(t, messageListStream{ctx: ctx, h: h, meta: meta, list: list})
					wantCode, wantType, want := visit(t, h.listMessagesAsBefore(ctx, t, meta, ten.ID, c.q, c.thread, markdown))
					if gotCode != wantCode || gotType != wantType {
						t.Errorf("%s markdown=%v: %d %s, want %d %s", c.name, markdown, gotCode, gotType, wantCode, wantType)
					}
					if !bytes.Equal(got, want) {
						t.Errorf("%s markdown=%v: bodies differ (%d and %d bytes)\n got %.300s\nwant %.300s", c.name, markdown, len(got), len(want), got, want)
					}
					if c.name == "all" && len(got) < 4*streamBuffer {
						t.Errorf("the long list is %d bytes: too short to be written in several pieces", len(got))
					}
				}
			}
		})
	}
}

// What can fail is decided before the body starts: an unknown question, a response of another
// question, a thread of an unknown response.
func TestMessageListFailsBeforeStreaming(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			svc := service.New(st.Store)
			ten, err := svc.CreateTenant(ctx, "Acme "+uuid.NewString()[:8], "")
			if err != nil {
				t.Fatal(err)
			}
			p := service.Principal{TenantID: ten.ID, Scope: "read write"}
			v, err := svc.Ask(ctx, p, question.MessagingInput{Text: "A question"})
			if err != nil {
				t.Fatal(err)
			}
			unknown := uuid.New()
			for _, c := range []struct {
				q      uuid.UUID
				thread *uuid.UUID
				want   string
			}{
				{unknown, nil, "question " + unknown.String() + " not found"},
				{v.Q.UUID, &unknown, "response " + unknown.String() + " not found in question " + v.Q.UUID.String()},
			} {
				_, _, err := svc.Messages(ctx, p, c.q, c.thread, nil)
				if err == nil || err.Error() != c.want {
					t.Errorf("Messages(%s, %v): %v, want %q", c.q, c.thread, err, c.want)
				}
			}
		})
	}
}

// A large question's answer, written as its messages are read (a Streamed view), is byte for
// byte the answer built in memory from the whole conversation: question-level messages,
// several threads, unread expert messages, a rating and a testimonial with characters JSON
// escapes, Markdown on and off.
func TestQuestionAnswerStreamWritesTheSameBytes(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			svc := service.New(st.Store)
			if err := svc.UseVirtualClock(ctx); err != nil {
				t.Fatal(err)
			}
			h := &Handler{svc: svc, render: render.New()}
			ten, err := svc.CreateTenant(ctx, "Acme "+uuid.NewString()[:8], "")
			if err != nil {
				t.Fatal(err)
			}
			p := service.Principal{TenantID: ten.ID, Scope: "read write"}
			var experts []uuid.UUID
			for _, name := range []string{"Ada <&>", "Grace \"Hopper\""} {
				x, err := svc.CreateExpert(ctx, ten.ID, service.ExpertInput{Name: &name})
				if err != nil {
					t.Fatal(err)
				}
				experts = append(experts, x.UUID)
			}
			v, err := svc.Ask(ctx, p, question.MessagingInput{Text: "How do I <reset> my password & more?", Metadata: []byte(`{"b":1,"a":"<x>"}`)})
			if err != nil {
				t.Fatal(err)
			}
			qid := v.Q.UUID
			var threads []uuid.UUID
			for i, x := range experts {
				ev, err := svc.Respond(ctx, ten.ID, x, qid, fmt.Sprintf("**Answer %d**: <p>a & b</p>", i))
				if err != nil {
					t.Fatal(err)
				}
				threads = append(threads, ev.Responses[i].UUID)
			}
			for i := 0; i < 90; i++ {
				var in *uuid.UUID
				if i%3 == 1 {
					in = &threads[i%2]
				}
				if _, _, err := svc.PostUserMessage(ctx, p, qid, in, fmt.Sprintf("message %d <b>é</b> & \\", i)); err != nil {
					t.Fatal(err)
				}
				if i%10 == 0 {
					if _, err := svc.PostExpertMessage(ctx, ten.ID, experts[i%20/10], qid, "*expert* <i>note</i>"); err != nil {
						t.Fatal(err)
					}
				}
			}
			check := func(when string) {
				t.Helper()
				for _, markdown := range []bool{false, true} {
					if _, err := svc.UpdateSettings(ctx, ten.ID, []byte(fmt.Sprintf(`{"markdown":%v}`, markdown))); err != nil {
						t.Fatal(err)
					}
					streamed, err := svc.MessagingQuestion(ctx, p, qid)
					if err != nil {
						t.Fatal(err)
					}
					if !streamed.Streamed {
						t.Fatalf("%s: a question of %d+ messages is not streamed", when, 90)
					}
					whole, err := svc.TenantQuestion(ctx, ten.ID, qid)
					if err != nil {
						t.Fatal(err)
					}
					whole.Markdown = markdown
					meta := gen.Meta{RequestId: uuid.New(), Timestamp: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
					rec := func(a questionAnswer) (int, string, []byte) {
						r := httptest.NewRecorder()
						httpkit.JSONCharset(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
							if err := a.VisitGetQuestionResponse(w); err != nil {
								t.Fatal(err)
							}
						})).ServeHTTP(r, httptest.NewRequest("GET", "/", nil))
						return r.Code, r.Header().Get("Content-Type"), r.Body.Bytes()
					}
					gotCode, gotType, got := rec(questionAnswer{ctx: ctx, h: h, meta: meta, v: streamed})
					wantCode, wantType, want := rec(questionAnswer{ctx: ctx, h: h, meta: meta, v: whole})
					if gotCode != wantCode || gotType != wantType || !bytes.Equal(got, want) {
						k := 0
						for k < len(got) && k < len(want) && got[k] == want[k] {
							k++
						}
						t.Logf("first difference at %d: got …%s… want …%s…", k, got[max(k-80, 0):min(k+40, len(got))], want[max(k-80, 0):min(k+40, len(want))])
						t.Errorf("%s markdown=%v: %d %s %d bytes, want %d %s %d bytes\n got %.400s\nwant %.400s",
							when, markdown, gotCode, gotType, len(got), wantCode, wantType, len(want), got, want)
					}
					if !bytes.Contains(want, []byte(`"unreadMessageCount":`)) || bytes.Contains(want, []byte(`"unreadMessageCount":0`)) {
						t.Errorf("%s: the question should have unread messages", when)
					}
				}
			}
			check("unresolved")
			if _, err := svc.AcceptResponse(ctx, p, threads[1]); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.RateResponse(ctx, p, threads[1], "POSITIVE_5"); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.AddTestimonial(ctx, p, threads[1], `Great "help" <3 & thanks`); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.PostExpertMessage(ctx, ten.ID, experts[1], qid, "You're welcome"); err != nil {
				t.Fatal(err)
			}
			check("resolved")
		})
	}
}
