package question

import (
	"fmt"
	"math/rand"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
)

// An action is one event with its arguments drawn (from the whole conversation) before it is
// applied, so that both forms receive the same.
type action struct {
	name string
	run  func(c *Conversation) (*Change, error)
}

var carol = Actor{UUID: uuid.MustParse("00000000-0000-4000-8000-00000000000c"), Name: "Carol"}

// drawAction picks an event and its arguments at random.
func drawAction(r *rand.Rand, c *Conversation, now time.Time) action {
	actors := []Actor{alice, bob, carol}
	actor := actors[r.Intn(len(actors))]
	// A response id: one of the conversation's, or (rarely) an unknown one.
	respID := func() uuid.UUID {
		if len(c.Responses) == 0 || r.Intn(8) == 0 {
			return uuid.MustParse("00000000-0000-4000-8000-0000000000ff")
		}
		if i := c.Accepted(); i >= 0 && r.Intn(2) == 0 {
			return c.Responses[i].UUID
		}
		return c.Responses[r.Intn(len(c.Responses))].UUID
	}
	k := r.Intn(16)
	if (k == 11 || k == 12 || k == 14) && r.Intn(5) > 0 {
		k = r.Intn(11) // events that end the question are drawn less, so walks go on
	}
	switch k {
	case 0, 1:
		var thread *uuid.UUID
		if r.Intn(2) == 0 {
			id := respID()
			thread = &id
		}
		body := fmt.Sprintf("user %d", r.Int())
		return action{"UserMessage", func(c *Conversation) (*Change, error) { return c.UserMessage(thread, "User", body, timers, now) }}
	case 2:
		return action{"Respond", func(c *Conversation) (*Change, error) { return c.Respond(actor, "an answer", now) }}
	case 3, 4:
		body := fmt.Sprintf("expert %d", r.Int())
		return action{"ExpertMessage", func(c *Conversation) (*Change, error) { return c.ExpertMessage(actor, body, now) }}
	case 5:
		id := respID()
		return action{"Accept", func(c *Conversation) (*Change, error) { return c.Accept(id, now) }}
	case 6:
		id, rating := respID(), Ratings[r.Intn(len(Ratings))]
		return action{"Rate", func(c *Conversation) (*Change, error) { return c.Rate(id, rating, now) }}
	case 7:
		id := respID()
		return action{"Testimonial", func(c *Conversation) (*Change, error) { return c.Testimonial(id, "thanks", now) }}
	case 8:
		return action{"MarkResolved", func(c *Conversation) (*Change, error) { return c.MarkResolved(actor, now) }}
	case 9:
		return action{"Claim", func(c *Conversation) (*Change, error) { return c.Claim(actor, now) }}
	case 10:
		var by *uuid.UUID
		if r.Intn(3) > 0 {
			by = &actor.UUID
		}
		return action{"Release", func(c *Conversation) (*Change, error) { return c.Release(by, timers, now) }}
	case 11:
		by := []string{ByUser, ByExpert, ByTimeout}[r.Intn(3)]
		return action{"Reroute", func(c *Conversation) (*Change, error) { return c.Reroute(by, &actor.UUID, "why", now) }}
	case 12:
		if r.Intn(2) == 0 {
			return action{"Close", func(c *Conversation) (*Change, error) { return c.Close(now), nil }}
		}
		return action{"Expire", func(c *Conversation) (*Change, error) { return c.Expire(now), nil }}
	case 13:
		return action{"Read", func(c *Conversation) (*Change, error) { return c.Read(), nil }}
	case 14:
		act := []string{ActionReroute, ActionExpire}[r.Intn(2)]
		return action{"UnansweredTimeout", func(c *Conversation) (*Change, error) { return c.UnansweredTimeout(act, now), nil }}
	default:
		after := []time.Duration{0, time.Minute, 30 * time.Minute}[r.Intn(3)]
		return action{"ReroutePromptDue", func(c *Conversation) (*Change, error) { return c.ReroutePromptDue(after, now), nil }}
	}
}

// clone copies what the rules change in place: the question row, the responses and messages.
func clone(c *Conversation) *Conversation {
	q := *c.Q
	return &Conversation{Q: &q, Responses: slices.Clone(c.Responses), Messages: slices.Clone(c.Messages)}
}

// stored gives the messages of a conversation the Seq the store would have given them, as the
// service reads them back.
func stored(c *Conversation, next *int64) {
	for i := range c.Messages {
		if c.Messages[i].Seq == 0 {
			*next++
			c.Messages[i].Seq = *next
		}
	}
}

// seededIDs makes the same ids, in the same order, for the same seed.
func seededIDs(seed int64) func() uuid.UUID {
	r := rand.New(rand.NewSource(seed))
	return func() uuid.UUID { return uuid.Must(uuid.NewRandomFromReader(r)) }
}

// TestWorkingSetDifferential runs random walks of events over a question and, before each
// event, applies it both to the whole conversation and to its working set (as the service
// loads it for a large question): the outcome (error or Change), the question row and the
// responses must be the same, and the working set must still be the working set of the whole.
func TestWorkingSetDifferential(t *testing.T) {
	defer func(f func() uuid.UUID) { newID = f }(newID)
	succeeded := map[string]int{}
	for seed := int64(1); seed <= 300; seed++ {
		r := rand.New(rand.NewSource(seed))
		var automated *Automated
		if r.Intn(3) == 0 {
			automated = &Automated{AuthorName: "Automatic answer", Body: "Try this."}
		}
		whole := newConv(t, automated)
		var seq int64
		stored(whole, &seq)
		now := t0
		for step := 0; step < 60; step++ {
			now = now.Add(time.Duration(r.Intn(3600)) * time.Second)
			a := drawAction(r, whole, now)
			uuidSeed := r.Int63()

			w := clone(whole)
			ws := clone(whole).WorkingSet()
			newID = seededIDs(uuidSeed)
			chW, errW := a.run(w)
			newID = seededIDs(uuidSeed)
			chS, errS := a.run(ws)
			where := fmt.Sprintf("seed %d step %d %s", seed, step, a.name)

			if fmt.Sprint(errW) != fmt.Sprint(errS) {
				t.Fatalf("%s: error on the whole conversation %v, on the working set %v", where, errW, errS)
			}
			if !reflect.DeepEqual(chW, chS) {
				t.Fatalf("%s: changes differ:\nwhole       %+v\nworking set %+v", where, chW, chS)
			}
			if !reflect.DeepEqual(w.Q, ws.Q) || !reflect.DeepEqual(w.Responses, ws.Responses) {
				t.Fatalf("%s: question or responses differ:\nwhole       %+v %+v\nworking set %+v %+v", where, w.Q, w.Responses, ws.Q, ws.Responses)
			}
			if errW != nil {
				continue
			}
			if chW.Changed || len(chW.Added) > 0 || chW.ReadAll {
				succeeded[a.name]++
			}
			// The working set after the event is the working set of the whole after it.
			want := w.WorkingSet()
			var gotSystem []store.Message
			for _, m := range ws.Messages {
				if m.AuthorType == AuthorSystem {
					gotSystem = append(gotSystem, m)
				}
			}
			if !reflect.DeepEqual(want.Messages, append([]store.Message{}, gotSystem...)) {
				t.Fatalf("%s: system messages differ:\nwhole       %+v\nworking set %+v", where, want.Messages, gotSystem)
			}
			if !reflect.DeepEqual(want.Partial.LastSpoken, ws.lastSpoken()) {
				t.Fatalf("%s: last spoken differs: whole %+v, working set %+v", where, want.Partial.LastSpoken, ws.lastSpoken())
			}
			whole = w
			stored(whole, &seq)
		}
	}
	// The walk must reach every event with an effect, or it proves little.
	for _, name := range []string{"UserMessage", "Respond", "ExpertMessage", "Accept", "Rate", "Testimonial", "MarkResolved",
		"Claim", "Release", "Reroute", "Close", "Expire", "Read", "UnansweredTimeout", "ReroutePromptDue"} {
		if succeeded[name] < 5 {
			t.Errorf("%s took effect %d times in the walks; draw it more", name, succeeded[name])
		}
	}
	t.Logf("events with an effect: %v", succeeded)
}

// TestUnreadNeedsWholeConversation: counting unread messages on a working set is a bug.
func TestUnreadNeedsWholeConversation(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("Unread on a working set did not panic")
		}
	}()
	newConv(t, nil).WorkingSet().Unread()
}
