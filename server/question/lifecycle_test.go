package question

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/store"
)

var (
	t0     = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	timers = Timers{UnansweredAfter: 8 * time.Hour, UnansweredAction: ActionReroute, PromptAfter: 30 * time.Minute, OfferWait: 10 * time.Minute}
	alice  = Actor{UUID: uuid.MustParse("00000000-0000-4000-8000-00000000000a"), Name: "Alice"}
	bob    = Actor{UUID: uuid.MustParse("00000000-0000-4000-8000-00000000000b"), Name: "Bob"}
)

// at returns t0 plus n seconds.
func at(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }

func newConv(t *testing.T, automated *Automated) *Conversation {
	t.Helper()
	q := &store.Question{UUID: uuid.New(), TenantID: uuid.New(), Channel: ChannelMessaging, Text: "How do I reset my password?"}
	c, ch := NewConversation(q, automated, timers, t0)
	if !ch.Changed {
		t.Fatal("creation must be a change")
	}
	return c
}

// systems lists the system messages as "TYPE@where" (where = Q or the response author name).
func systems(c *Conversation) []string {
	names := map[uuid.UUID]string{}
	for _, r := range c.Responses {
		names[r.UUID] = r.AuthorName
	}
	var out []string
	for _, m := range c.Messages {
		if m.AuthorType != AuthorSystem {
			continue
		}
		where := "Q"
		if m.ResponseUUID != nil {
			where = names[*m.ResponseUUID]
		}
		out = append(out, strings.TrimSuffix(strings.TrimSuffix(m.Type, "_SYSTEM_MESSAGE"), "_MESSAGE")+"@"+where)
	}
	sort.Strings(out)
	return out
}

func wantSystems(t *testing.T, c *Conversation, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := systems(c); !slices.Equal(got, want) {
		t.Fatalf("system messages = %v, want %v", got, want)
	}
}

func must(t *testing.T) func(*Change, error) *Change {
	return func(ch *Change, err error) *Change {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return ch
	}
}

func wantKind(t *testing.T, err error, k apierr.Kind) {
	t.Helper()
	if err == nil {
		t.Fatalf("want a %v error, got none", k)
	}
	if got := apierr.KindOf(err); got != k {
		t.Fatalf("error kind = %v (%v), want %v", got, err, k)
	}
}

func respond(t *testing.T, c *Conversation, e Actor, n int) uuid.UUID {
	t.Helper()
	ch := must(t)(c.Respond(e, "Try the reset link.", at(n)))
	return ch.Result.UUID
}

func jobKinds(ch *Change) (scheduled, cancelled []string) {
	for _, j := range ch.Jobs {
		if j.Cancel {
			cancelled = append(cancelled, j.Kind)
		} else {
			scheduled = append(scheduled, j.Kind)
		}
	}
	return
}

func eventTypes(ch *Change) []string {
	var out []string
	for _, e := range ch.Events {
		out = append(out, e.Type)
	}
	return out
}

func TestCreation(t *testing.T) {
	q := &store.Question{UUID: uuid.New(), Text: "x"}
	c, ch := NewConversation(q, nil, timers, t0)
	wantSystems(t, c, "NOTIFYING_EXPERTS@Q")
	if q.Status != Unresolved || !q.LastUpdated.Equal(at(1)) || !q.CreatedAt.Equal(t0) {
		t.Fatalf("question = %+v", q)
	}
	sched, _ := jobKinds(ch)
	if !slices.Equal(sched, []string{JobUnanswered, JobReroutePrompt}) {
		t.Fatalf("jobs = %v", sched)
	}
	if ch.Jobs[0].Due != t0.Add(8*time.Hour) || ch.Jobs[1].Due != t0.Add(30*time.Minute) {
		t.Fatalf("due times = %v", ch.Jobs)
	}
	if !slices.Equal(eventTypes(ch), []string{EventCreated}) {
		t.Fatalf("events = %v", eventTypes(ch))
	}

	// With a classification: an Automated response with its message and ACCEPT_RESPONSE.
	c = newConv(t, &Automated{AuthorName: "Bot", Body: "Use the reset link."})
	wantSystems(t, c, "NOTIFYING_EXPERTS@Q", "ACCEPT_RESPONSE@Bot")
	if len(c.Responses) != 1 || c.Responses[0].Type != ResponseAutomated {
		t.Fatalf("responses = %+v", c.Responses)
	}
	if c.Unread() != 1 {
		t.Fatalf("unread = %d, want 1 (the automated message)", c.Unread())
	}
	if c.HasExpertResponse() {
		t.Fatal("an automated response is not an expert response")
	}
}

// Every system message's add and remove rule (reference §7), one scenario each.
func TestSystemMessageRules(t *testing.T) {
	t.Run("NOTIFYING_EXPERTS removed on claim, back on release without responses", func(t *testing.T) {
		c := newConv(t, nil)
		must(t)(c.Claim(alice, at(1)))
		wantSystems(t, c)
		ch := must(t)(c.Release(&alice.UUID, timers, at(2)))
		wantSystems(t, c, "NOTIFYING_EXPERTS@Q")
		if s, _ := jobKinds(ch); !slices.Contains(s, JobOfferWiden) {
			t.Fatalf("release must restart the offer timer: %v", ch.Jobs)
		}
		// After a response, a release does not notify again.
		must(t)(c.Claim(alice, at(3)))
		respond(t, c, alice, 4)
		must(t)(c.Release(&alice.UUID, timers, at(5)))
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice")
	})
	t.Run("NOTIFYING_EXPERTS removed on response and on accept", func(t *testing.T) {
		c := newConv(t, nil)
		respond(t, c, alice, 1)
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice")

		c = newConv(t, &Automated{AuthorName: "Bot", Body: "b"})
		must(t)(c.Accept(c.Responses[0].UUID, at(1)))
		wantSystems(t, c, "ACCEPTED_RESPONSE@Bot", "RATE_RESPONSE@Bot")
	})
	t.Run("terminal states remove every prompt and add their own message", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			do   func(c *Conversation) *Change
			want string
		}{
			{"close", func(c *Conversation) *Change { return c.Close(at(9)) }, "QUESTION_CLOSED@Q"},
			{"expire", func(c *Conversation) *Change { return c.Expire(at(9)) }, "QUESTION_EXPIRED@Q"},
			{"reroute", func(c *Conversation) *Change { ch, _ := c.Reroute(ByUser, nil, "", at(9)); return ch }, "QUESTION_REROUTED@Q"},
		} {
			c := newConv(t, nil)
			r := respond(t, c, alice, 1)
			must(t)(c.MarkResolved(alice, at(2)))
			c.ReroutePromptDue(time.Second, at(3)) // expert spoke last: no prompt
			must(t)(c.UserMessage(&r, "User", "hm", timers, at(4)))
			c.ReroutePromptDue(time.Second, at(6))
			wantSystems(t, c, "ACCEPT_RESPONSE@Alice", "CUSTOMER_REROUTE_PROMPT@Q")
			ch := tc.do(c)
			wantSystems(t, c, tc.want)
			if _, cancelled := jobKinds(ch); !slices.Contains(cancelled, JobUnanswered) || !slices.Contains(cancelled, JobReroutePrompt) {
				t.Fatalf("%s: timers not cancelled: %v", tc.name, ch.Jobs)
			}
			if c.Q.ClaimedBy != nil {
				t.Fatalf("%s: claim survives a terminal state", tc.name)
			}
		}
	})
	t.Run("ACCEPTED_RESPONSE and RATE_RESPONSE on accept; rate removes RATE_RESPONSE", func(t *testing.T) {
		c := newConv(t, nil)
		ra := respond(t, c, alice, 1)
		respond(t, c, bob, 2)
		must(t)(c.MarkResolved(bob, at(3)))
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice", "MARK_AS_RESOLVED@Bob")
		must(t)(c.Accept(ra, at(4)))
		// Any accept removes every ACCEPT_RESPONSE and MARK_AS_RESOLVED.
		wantSystems(t, c, "ACCEPTED_RESPONSE@Alice", "RATE_RESPONSE@Alice")
		must(t)(c.Rate(ra, "NEUTRAL_5", at(5)))
		wantSystems(t, c, "ACCEPTED_RESPONSE@Alice")
	})
	t.Run("ADD_TESTIMONIAL on a positive rating, replaced by ADDED_TESTIMONIAL", func(t *testing.T) {
		c := newConv(t, nil)
		ra := respond(t, c, alice, 1)
		must(t)(c.Accept(ra, at(2)))
		must(t)(c.Rate(ra, "POSITIVE_5", at(3)))
		wantSystems(t, c, "ACCEPTED_RESPONSE@Alice", "ADD_TESTIMONIAL@Alice")
		must(t)(c.Rate(ra, "NEGATIVE_5", at(4)))
		wantSystems(t, c, "ACCEPTED_RESPONSE@Alice")
		must(t)(c.Rate(ra, "NEUTRAL_POSITIVE_5", at(5)))
		wantSystems(t, c, "ACCEPTED_RESPONSE@Alice", "ADD_TESTIMONIAL@Alice")
		must(t)(c.Testimonial(ra, "Great help", at(6)))
		wantSystems(t, c, "ACCEPTED_RESPONSE@Alice", "ADDED_TESTIMONIAL@Alice")
		// Rating positive again after the testimonial asks for nothing more.
		must(t)(c.Rate(ra, "POSITIVE_5", at(7)))
		wantSystems(t, c, "ACCEPTED_RESPONSE@Alice", "ADDED_TESTIMONIAL@Alice")
		_, err := c.Testimonial(ra, "again", at(8))
		wantKind(t, err, apierr.State)
	})
	t.Run("ACCEPT_RESPONSE on response, MARK_AS_RESOLVED replaces it, a user post undoes the mark", func(t *testing.T) {
		c := newConv(t, nil)
		r := respond(t, c, alice, 1)
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice")
		must(t)(c.MarkResolved(alice, at(2)))
		wantSystems(t, c, "MARK_AS_RESOLVED@Alice")
		if !c.Responses[0].IsMarkedAsResolved {
			t.Fatal("not marked")
		}
		// A question-level user post does not undo the mark.
		must(t)(c.UserMessage(nil, "User", "q-level", timers, at(3)))
		wantSystems(t, c, "MARK_AS_RESOLVED@Alice")
		ch := must(t)(c.UserMessage(&r, "User", "not yet", timers, at(4)))
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice")
		if c.Responses[0].IsMarkedAsResolved || !slices.Contains(ch.EditResponses, r) {
			t.Fatal("mark not undone")
		}
	})
	t.Run("CUSTOMER_REROUTE_PROMPT rules", func(t *testing.T) {
		c := newConv(t, nil)
		after := 30 * time.Minute
		// Too early: the timer is moved, nothing is added.
		ch := c.ReroutePromptDue(after, t0.Add(10*time.Minute))
		if ch.Changed || len(ch.Jobs) != 1 || !ch.Jobs[0].Due.Equal(t0.Add(after)) {
			t.Fatalf("early run: %+v", ch)
		}
		ch = c.ReroutePromptDue(after, t0.Add(after))
		wantSystems(t, c, "NOTIFYING_EXPERTS@Q", "CUSTOMER_REROUTE_PROMPT@Q")
		if !ch.Changed {
			t.Fatal("adding the prompt must bump")
		}
		// One at most.
		if ch := c.ReroutePromptDue(after, t0.Add(2*after)); ch.Changed {
			t.Fatal("second prompt added")
		}
		// A user post removes it and restarts the timer from that input.
		ch = must(t)(c.UserMessage(nil, "User", "anyone?", timers, t0.Add(2*after)))
		wantSystems(t, c, "NOTIFYING_EXPERTS@Q")
		if s, _ := jobKinds(ch); !slices.Equal(s, []string{JobReroutePrompt}) || !ch.Jobs[0].Due.Equal(t0.Add(3*after)) {
			t.Fatalf("timer: %+v", ch.Jobs)
		}
		c.ReroutePromptDue(after, t0.Add(3*after))
		wantSystems(t, c, "NOTIFYING_EXPERTS@Q", "CUSTOMER_REROUTE_PROMPT@Q")
		// An expert response removes it; afterwards the expert spoke last, so no prompt.
		respond(t, c, alice, 3*30*60+1)
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice")
		if ch := c.ReroutePromptDue(after, t0.Add(10*after)); ch.Changed {
			t.Fatal("prompt added although the expert spoke last")
		}
		// The user answers and waits: the prompt comes back; an expert message removes it.
		must(t)(c.UserMessage(nil, "User", "still broken", timers, t0.Add(10*after)))
		c.ReroutePromptDue(after, t0.Add(11*after))
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice", "CUSTOMER_REROUTE_PROMPT@Q")
		must(t)(c.ExpertMessage(alice, "Try again", t0.Add(11*after)))
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice")
		// Accept removes it too.
		must(t)(c.UserMessage(nil, "User", "?", timers, t0.Add(12*after)))
		c.ReroutePromptDue(after, t0.Add(13*after))
		wantSystems(t, c, "ACCEPT_RESPONSE@Alice", "CUSTOMER_REROUTE_PROMPT@Q")
		must(t)(c.Accept(c.Responses[0].UUID, t0.Add(13*after)))
		wantSystems(t, c, "ACCEPTED_RESPONSE@Alice", "RATE_RESPONSE@Alice")
		// Not in RESOLVED.
		if ch := c.ReroutePromptDue(after, t0.Add(20*after)); ch.Changed {
			t.Fatal("prompt added to a RESOLVED question")
		}
	})
	t.Run("a system message added and removed in one change is never persisted", func(t *testing.T) {
		c := newConv(t, nil)
		r := respond(t, c, alice, 1)
		must(t)(c.MarkResolved(alice, at(2)))
		ch := must(t)(c.UserMessage(&r, "User", "x", timers, at(3)))
		for _, id := range ch.Removed {
			for _, m := range ch.Added {
				if m.UUID == id {
					t.Fatal("message both added and removed")
				}
			}
		}
	})
}

// The user-side state matrix of reference §6: each action in each state.
func TestStateMatrix(t *testing.T) {
	type state struct {
		name  string
		build func(t *testing.T) (c *Conversation, accepted, other uuid.UUID)
	}
	two := func(t *testing.T) (*Conversation, uuid.UUID, uuid.UUID) {
		c := newConv(t, nil)
		return c, respond(t, c, alice, 1), respond(t, c, bob, 2)
	}
	states := []state{
		{Unresolved, two},
		{Resolved, func(t *testing.T) (*Conversation, uuid.UUID, uuid.UUID) {
			c, a, o := two(t)
			must(t)(c.Accept(a, at(3)))
			return c, a, o
		}},
		{Closed, func(t *testing.T) (*Conversation, uuid.UUID, uuid.UUID) {
			c, a, o := two(t)
			c.Close(at(3))
			return c, a, o
		}},
		{Expired, func(t *testing.T) (*Conversation, uuid.UUID, uuid.UUID) {
			c, a, o := two(t)
			c.Expire(at(3))
			return c, a, o
		}},
		{Rerouted, func(t *testing.T) (*Conversation, uuid.UUID, uuid.UUID) {
			c, a, o := two(t)
			must(t)(c.Reroute(ByUser, nil, "", at(3)))
			return c, a, o
		}},
	}
	type action struct {
		name string
		do   func(c *Conversation, accepted, other uuid.UUID) (*Change, error)
		// outcome per state: "ok" (changed), "noop" (success, nothing changed), "state" (refused)
		want map[string]string
	}
	term := func(ok string) map[string]string {
		return map[string]string{Closed: ok, Expired: ok, Rerouted: ok}
	}
	with := func(m map[string]string, u, r string) map[string]string {
		m[Unresolved], m[Resolved] = u, r
		return m
	}
	now := at(100)
	actions := []action{
		{"message (question level)", func(c *Conversation, _, _ uuid.UUID) (*Change, error) {
			return c.UserMessage(nil, "User", "hi", timers, now)
		}, with(term("state"), "ok", "state")},
		{"message (accepted thread)", func(c *Conversation, a, _ uuid.UUID) (*Change, error) {
			return c.UserMessage(&a, "User", "hi", timers, now)
		}, with(term("state"), "ok", "ok")},
		{"message (other thread)", func(c *Conversation, _, o uuid.UUID) (*Change, error) {
			return c.UserMessage(&o, "User", "hi", timers, now)
		}, with(term("state"), "ok", "state")},
		{"accept (the accepted one)", func(c *Conversation, a, _ uuid.UUID) (*Change, error) { return c.Accept(a, now) },
			with(term("state"), "ok", "noop")},
		{"accept (another)", func(c *Conversation, _, o uuid.UUID) (*Change, error) { return c.Accept(o, now) },
			with(term("state"), "ok", "state")},
		{"rate (accepted)", func(c *Conversation, a, _ uuid.UUID) (*Change, error) { return c.Rate(a, "POSITIVE_5", now) },
			with(term("state"), "state", "ok")},
		{"rate (other)", func(c *Conversation, _, o uuid.UUID) (*Change, error) { return c.Rate(o, "POSITIVE_5", now) },
			with(term("state"), "state", "state")},
		{"testimonial (accepted)", func(c *Conversation, a, _ uuid.UUID) (*Change, error) { return c.Testimonial(a, "t", now) },
			with(term("state"), "state", "ok")},
		{"reroute", func(c *Conversation, _, _ uuid.UUID) (*Change, error) { return c.Reroute(ByUser, nil, "", now) },
			with(term("state"), "ok", "state")},
		{"close", func(c *Conversation, _, _ uuid.UUID) (*Change, error) { return c.Close(now), nil },
			with(term("noop"), "ok", "ok")},
		{"expire", func(c *Conversation, _, _ uuid.UUID) (*Change, error) { return c.Expire(now), nil },
			with(term("noop"), "ok", "ok")},
		{"read", func(c *Conversation, _, _ uuid.UUID) (*Change, error) { return c.Read(), nil },
			with(term("read"), "read", "read")},
		{"expert message (own thread, accepted)", func(c *Conversation, _, _ uuid.UUID) (*Change, error) {
			return c.ExpertMessage(alice, "more", now)
		}, with(term("state"), "ok", "ok")},
		{"expert message (own thread, not accepted)", func(c *Conversation, _, _ uuid.UUID) (*Change, error) {
			return c.ExpertMessage(bob, "more", now)
		}, with(term("state"), "ok", "state")},
		{"expert mark resolved", func(c *Conversation, _, _ uuid.UUID) (*Change, error) { return c.MarkResolved(bob, now) },
			with(term("state"), "ok", "state")},
		{"expert claim", func(c *Conversation, _, _ uuid.UUID) (*Change, error) { return c.Claim(alice, now) },
			with(term("state"), "ok", "state")},
		{"expert respond (new expert)", func(c *Conversation, _, _ uuid.UUID) (*Change, error) {
			return c.Respond(Actor{UUID: uuid.New(), Name: "Carol"}, "r", now)
		}, with(term("state"), "ok", "state")},
		{"expert reroute", func(c *Conversation, _, _ uuid.UUID) (*Change, error) {
			return c.Reroute(ByExpert, &alice.UUID, "needs an agent", now)
		}, with(term("state"), "ok", "state")},
	}
	for _, a := range actions {
		for _, s := range states {
			t.Run(a.name+"/"+s.name, func(t *testing.T) {
				c, acc, other := s.build(t)
				before := c.Q.LastUpdated
				ch, err := a.do(c, acc, other)
				switch want := a.want[s.name]; want {
				case "ok":
					if err != nil || !ch.Changed {
						t.Fatalf("want a change, got err=%v change=%+v", err, ch)
					}
					if !c.Q.LastUpdated.After(before) {
						t.Fatal("lastUpdated not bumped")
					}
				case "noop", "read":
					if err != nil || ch.Changed || !c.Q.LastUpdated.Equal(before) {
						t.Fatalf("want a no-op, got err=%v change=%+v", err, ch)
					}
					if want == "read" && !ch.ReadAll {
						t.Fatal("read must mark all read")
					}
				case "state":
					wantKind(t, err, apierr.State)
				default:
					t.Fatalf("no expectation for %s", s.name)
				}
			})
		}
	}
}

func TestExpertRules(t *testing.T) {
	c := newConv(t, nil)
	must(t)(c.Claim(alice, at(1)))
	if ch := must(t)(c.Claim(alice, at(2))); ch.Changed {
		t.Fatal("claiming one's own claim again must be a no-op")
	}
	_, err := c.Claim(bob, at(2))
	wantKind(t, err, apierr.State)
	_, err = c.Respond(bob, "x", at(2))
	wantKind(t, err, apierr.Forbidden)
	_, err = c.Release(&bob.UUID, timers, at(2))
	wantKind(t, err, apierr.Forbidden)
	_, err = c.ExpertMessage(alice, "x", at(2))
	wantKind(t, err, apierr.State) // no response yet
	_, err = c.MarkResolved(alice, at(2))
	wantKind(t, err, apierr.State)

	ch := must(t)(c.Respond(alice, "answer", at(3)))
	if !slices.Equal(eventTypes(ch), []string{EventFirstResponse, EventResponse}) {
		t.Fatalf("events = %v", eventTypes(ch))
	}
	_, err = c.Respond(alice, "again", at(4))
	wantKind(t, err, apierr.State)
	// Operator release (nil) works for anyone's claim.
	must(t)(c.Release(nil, timers, at(5)))
	_, err = c.Release(nil, timers, at(6))
	wantKind(t, err, apierr.State)
	ch = must(t)(c.Respond(bob, "second", at(7)))
	if !slices.Equal(eventTypes(ch), []string{EventResponse}) {
		t.Fatalf("second response events = %v", eventTypes(ch))
	}
	if c.Unread() != 2 {
		t.Fatalf("unread = %d, want 2", c.Unread())
	}
	ch = c.Read()
	if c.Unread() != 0 || ch.Changed {
		t.Fatal("read")
	}
	// Unknown response ids are not found.
	_, err = c.Accept(uuid.New(), at(8))
	wantKind(t, err, apierr.NotFound)
	missing := uuid.New()
	_, err = c.UserMessage(&missing, "User", "x", timers, at(8))
	wantKind(t, err, apierr.NotFound)
}

func TestUnansweredTimeout(t *testing.T) {
	c := newConv(t, nil)
	ch := c.UnansweredTimeout(ActionReroute, at(8*3600))
	if c.Q.Status != Rerouted || c.Q.ReroutedBy != ByTimeout || c.Q.ReroutedAt == nil || !slices.Equal(eventTypes(ch), []string{EventEscalatedByTime}) {
		t.Fatalf("reroute by timeout: %+v %v", c.Q, eventTypes(ch))
	}
	wantSystems(t, c, "QUESTION_REROUTED@Q")

	c = newConv(t, nil)
	c.UnansweredTimeout(ActionExpire, at(8*3600))
	if c.Q.Status != Expired {
		t.Fatalf("status = %s", c.Q.Status)
	}
	wantSystems(t, c, "QUESTION_EXPIRED@Q")

	// An expert response stops it; an automated one does not.
	c = newConv(t, nil)
	respond(t, c, alice, 1)
	if ch := c.UnansweredTimeout(ActionReroute, at(8*3600)); ch.Changed || c.Q.Status != Unresolved {
		t.Fatal("timeout fired although an expert responded")
	}
	c = newConv(t, &Automated{AuthorName: "Bot", Body: "b"})
	if c.UnansweredTimeout(ActionReroute, at(8*3600)); c.Q.Status != Rerouted {
		t.Fatal("an automated response must not stop the timeout")
	}
}

func TestBumpWithinOneSecond(t *testing.T) {
	c := newConv(t, nil)
	first := c.Q.LastUpdated
	same := t0.Add(300 * time.Millisecond)
	must(t)(c.UserMessage(nil, "User", "a", timers, same))
	second := c.Q.LastUpdated
	must(t)(c.UserMessage(nil, "User", "b", timers, same))
	if !(first.Before(second) && second.Before(c.Q.LastUpdated)) {
		t.Fatalf("lastUpdated must strictly increase within a second: %v %v %v", first, second, c.Q.LastUpdated)
	}
}

// The reroute prompt follows message order: a user reply in the same second as the expert's
// message still means the user is waiting.
func TestReroutePromptSameSecond(t *testing.T) {
	c := newConv(t, nil)
	r := respond(t, c, alice, 10)
	must(t)(c.ExpertMessage(alice, "try this", at(20)))
	must(t)(c.UserMessage(&r, "User", "did not work", timers, at(20)))
	c.ReroutePromptDue(time.Minute, at(80))
	wantSystems(t, c, "ACCEPT_RESPONSE@Alice", "CUSTOMER_REROUTE_PROMPT@Q")
}
