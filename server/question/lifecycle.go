package question

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/store"
)

// Response types.
const (
	ResponseExpert    = "Expert"
	ResponseAutomated = "Automated"
)

// Author types of messages.
const (
	AuthorUser   = "USER"
	AuthorExpert = "EXPERT"
	AuthorBot    = "BOT"
	AuthorSystem = "SYSTEM"
)

// Message types that are not system messages.
const (
	UserMessage      = "USER_MESSAGE"
	ExpertMessage    = "EXPERT_MESSAGE"
	AutomatedMessage = "AUTOMATED_MESSAGE"
)

// SystemAuthorName is the author name of every system message.
const SystemAuthorName = "System"

// Who rerouted a question.
const (
	ByUser    = "USER"
	ByExpert  = "EXPERT"
	ByTimeout = "TIMEOUT"
)

// Unanswered-timeout actions.
const (
	ActionReroute = "REROUTE"
	ActionExpire  = "EXPIRE"
)

// Ratings, worst to best (the vendor's v2 values).
var Ratings = []string{"NEGATIVE_5", "NEUTRAL_NEGATIVE_5", "NEUTRAL_5", "NEUTRAL_POSITIVE_5", "POSITIVE_5"}

// IsPositive reports whether a rating asks for a testimonial.
func IsPositive(rating string) bool { return rating == "POSITIVE_5" || rating == "NEUTRAL_POSITIVE_5" }

// Event types of the event log, named after the vendor's webhook events.
const (
	EventCreated            = "QUESTION_CREATED"
	EventClaimed            = "QUESTION_CLAIMED"
	EventReleased           = "QUESTION_RELEASED"
	EventFirstResponse      = "QUESTION_FIRST_RESPONSE"
	EventResponse           = "QUESTION_RESPONSE"
	EventMarkedAsResolved   = "QUESTION_MARKED_AS_RESOLVED"
	EventResolved           = "QUESTION_RESOLVED"
	EventRated              = "QUESTION_RATED"
	EventEscalatedByExpert  = "QUESTION_ESCALATED_BY_EXPERT"
	EventEscalatedByTime    = "QUESTION_ESCALATED_BY_TIME"
	EventEscalatedByUser    = "QUESTION_ESCALATED_BY_CUSTOMER"
	EventExpired            = "QUESTION_EXPIRED"
	EventClosedByCompany    = "QUESTION_CLOSED_BY_COMPANY"
	EventMessageFromUser    = "QUESTION_MESSAGE_FROM_USER"
	EventMessageFromExpert  = "QUESTION_MESSAGE_FROM_EXPERT"
	EventTestimonialWritten = "QUESTION_TESTIMONIAL"
)

// Job kinds: timers on the server's clock. Each is "look at the question again at T"; the rule
// run at T decides whether anything happens, so a stale job is harmless.
const (
	JobUnanswered    = "unanswered_timeout"
	JobReroutePrompt = "reroute_prompt"
	JobOfferWiden    = "offer_widen"
	JobTokenExpiry   = "token_expiry"
)

// Timers are a company's timer settings, as the rules need them.
type Timers struct {
	UnansweredAfter  time.Duration // from creation, fires only while no Expert response exists
	UnansweredAction string        // ActionReroute or ActionExpire
	PromptAfter      time.Duration // CUSTOMER_REROUTE_PROMPT after this long without an expert post since the user's last input
	OfferWait        time.Duration // widen the offer when nobody engaged within this
}

// Conversation is a question with its threads and messages, as the rules see it. The rules
// change it in memory and describe what they changed in a Change, which the service persists.
//
// Messages is either the whole conversation (Partial nil) or, for a question too large to load,
// its working set (Partial set). The rules look at messages for three things only, and the
// working set holds exactly what they need, whatever the size of the question:
//
//   - which system messages exist where (hasSystem, removeSystem): Messages holds every system
//     message (author SYSTEM; the system types are only ever written by addSystem);
//   - who spoke last, the user or an expert (ReroutePromptDue): Partial.LastSpoken is the newest
//     USER_MESSAGE or EXPERT_MESSAGE stored;
//   - marking everything read (Read): a ReadAll change, which needs no message.
//
// Messages added by a rule are appended to Messages in both forms. Unread counts messages, so it
// needs the whole conversation: views are read whole, never from a working set.
// TestWorkingSetDifferential proves every rule makes the same Change on both forms.
type Conversation struct {
	Q         *store.Question
	Responses []store.Response // creation order
	Messages  []store.Message  // creation order, question level and threads merged; see above
	Partial   *Partial         // nil: Messages is the whole conversation
}

// Partial is what a working set knows of the messages it does not hold.
type Partial struct {
	LastSpoken *store.Message // the newest USER_MESSAGE or EXPERT_MESSAGE stored, nil if none
}

// SpokenTypes are the message types Partial.LastSpoken is chosen among.
var SpokenTypes = []string{UserMessage, ExpertMessage}

// WorkingSet is the working set of a whole conversation (which it leaves alone): its system
// messages and the newest user or expert message. Tests compare the rules on both forms; the
// service reads the same thing from the store (store.TenantTx.WorkingSet).
func (c *Conversation) WorkingSet() *Conversation {
	w := &Conversation{Q: c.Q, Responses: c.Responses, Messages: []store.Message{}, Partial: &Partial{}}
	for _, m := range c.Messages {
		switch {
		case m.AuthorType == AuthorSystem:
			w.Messages = append(w.Messages, m)
		case m.Type == UserMessage || m.Type == ExpertMessage:
			m := m
			w.Partial.LastSpoken = &m
		}
	}
	return w
}

// Event is one entry for the event log.
type Event struct {
	Type   string
	Expert *uuid.UUID
	Data   map[string]any
}

// JobOp schedules (Due set) or cancels (Cancel) a timer of the question.
type JobOp struct {
	Kind   string
	Due    time.Time
	Cancel bool
}

// Change is what one event did to a conversation.
type Change struct {
	Changed       bool              // the question row changed; LastUpdated was bumped
	NewResponses  []uuid.UUID       // responses appended to Conversation.Responses
	EditResponses []uuid.UUID       // existing responses whose fields changed
	Added         []store.Message   // messages appended to Conversation.Messages
	Removed       []uuid.UUID       // messages deleted from Conversation.Messages
	ReadAll       bool              // every message was marked read (no bump)
	Events        []Event           // for the event log
	Jobs          []JobOp           // timers to (re)schedule or cancel
	Rerouted      bool              // entered REROUTED (the service releases offers, etc.)
	ClaimedBy     *uuid.UUID        // informational: the claimer after the event
	Result        *store.Response   // copy of the response an expert action created, if any
	Message       *store.Message    // copy of the message a post created, if any
	touched       map[uuid.UUID]int // response uuid → index, for EditResponses dedup
	removedLookup map[uuid.UUID]bool
}

// Actor is whoever performs an action on the expert side.
type Actor struct {
	UUID uuid.UUID
	Name string
}

// ---------------------------------------------------------------------------
// Lookups.

func (c *Conversation) response(id uuid.UUID) (int, bool) {
	for i := range c.Responses {
		if c.Responses[i].UUID == id {
			return i, true
		}
	}
	return -1, false
}

// ExpertResponse returns the index of the expert's own response, or -1.
func (c *Conversation) ExpertResponse(expert uuid.UUID) int {
	for i, r := range c.Responses {
		if r.Type == ResponseExpert && r.AuthorUUID != nil && *r.AuthorUUID == expert {
			return i
		}
	}
	return -1
}

// HasExpertResponse reports whether any expert has responded (automated responses do not count).
func (c *Conversation) HasExpertResponse() bool {
	for _, r := range c.Responses {
		if r.Type == ResponseExpert {
			return true
		}
	}
	return false
}

// Accepted returns the index of the accepted response, or -1.
func (c *Conversation) Accepted() int {
	for i, r := range c.Responses {
		if r.IsAccepted {
			return i
		}
	}
	return -1
}

// Unread counts the expert and automated messages the user has not read (§9). It needs the whole
// conversation; on a working set it panics (a bug in the service).
func (c *Conversation) Unread() int {
	if c.Partial != nil {
		panic("question: Unread on a working set")
	}
	n := 0
	for _, m := range c.Messages {
		if !m.IsRead && (m.Type == ExpertMessage || m.Type == AutomatedMessage) {
			n++
		}
	}
	return n
}

func (c *Conversation) hasSystem(typ string, thread *uuid.UUID) bool {
	for _, m := range c.Messages {
		if m.Type == typ && sameThread(m.ResponseUUID, thread) {
			return true
		}
	}
	return false
}

func sameThread(a, b *uuid.UUID) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// ---------------------------------------------------------------------------
// Change builders. They edit the conversation and record the edit.

func (c *Conversation) begin() *Change {
	return &Change{touched: map[uuid.UUID]int{}, removedLookup: map[uuid.UUID]bool{}}
}

// finish bumps lastUpdated when anything visible changed.
func (c *Conversation) finish(ch *Change, now time.Time) *Change {
	if ch.Changed || len(ch.Added) > 0 || len(ch.Removed) > 0 || len(ch.NewResponses) > 0 || len(ch.EditResponses) > 0 {
		ch.Changed = true
		c.Q.LastUpdated = Bump(now, c.Q.LastUpdated)
	}
	ch.ClaimedBy = c.Q.ClaimedBy
	return ch
}

// newID makes the ids of new messages and responses: store.NewID, time-ordered. Tests that
// replay the same events twice replace it to get the same ids both times.
var newID = store.NewID

func (c *Conversation) add(ch *Change, m store.Message) *store.Message {
	m.TenantID = c.Q.TenantID
	m.QuestionUUID = c.Q.UUID
	if m.UUID == uuid.Nil {
		m.UUID = newID()
	}
	c.Messages = append(c.Messages, m)
	ch.Added = append(ch.Added, m)
	return &m
}

// addSystem adds a system message of typ to thread (nil = question level), unless one is there.
func (c *Conversation) addSystem(ch *Change, typ string, thread *uuid.UUID, now time.Time) {
	if c.hasSystem(typ, thread) {
		return
	}
	c.add(ch, store.Message{
		ResponseUUID: thread, Type: typ, AuthorType: AuthorSystem, AuthorName: SystemAuthorName,
		Body: SystemBody(typ), IsRead: true, CreatedAt: now,
	})
}

// removeSystem deletes the system messages of the given types; thread nil with anywhere=true
// removes them wherever they are, otherwise only in that thread (nil = question level).
func (c *Conversation) removeSystem(ch *Change, thread *uuid.UUID, anywhere bool, types ...string) {
	kept := c.Messages[:0]
	for _, m := range c.Messages {
		if m.AuthorType == AuthorSystem && slices.Contains(types, m.Type) && (anywhere || sameThread(m.ResponseUUID, thread)) {
			// A message added and removed within one change is simply not added.
			n := len(ch.Added)
			ch.Added = slices.DeleteFunc(ch.Added, func(a store.Message) bool { return a.UUID == m.UUID })
			if len(ch.Added) == n && !ch.removedLookup[m.UUID] {
				ch.removedLookup[m.UUID] = true
				ch.Removed = append(ch.Removed, m.UUID)
			}
			continue
		}
		kept = append(kept, m)
	}
	c.Messages = kept
}

func (c *Conversation) editResponse(ch *Change, i int) *store.Response {
	id := c.Responses[i].UUID
	if _, ok := ch.touched[id]; !ok && !slices.Contains(ch.NewResponses, id) {
		ch.touched[id] = i
		ch.EditResponses = append(ch.EditResponses, id)
	}
	return &c.Responses[i]
}

func (ch *Change) event(typ string, expert *uuid.UUID, data map[string]any) {
	ch.Events = append(ch.Events, Event{Type: typ, Expert: expert, Data: data})
}

func (ch *Change) schedule(kind string, due time.Time) {
	ch.Jobs = append(ch.Jobs, JobOp{Kind: kind, Due: due})
}

func (ch *Change) cancel(kinds ...string) {
	for _, k := range kinds {
		ch.Jobs = append(ch.Jobs, JobOp{Kind: k, Cancel: true})
	}
}

// terminal moves the question into a terminal state: prompts go, the state's message comes.
func (c *Conversation) terminal(ch *Change, status, message string, now time.Time) {
	c.Q.Status = status
	c.Q.ClaimedBy = nil
	ch.Changed = true
	c.removeSystem(ch, nil, true, removedOnTerminal...)
	c.addSystem(ch, message, nil, now)
	ch.cancel(JobUnanswered, JobReroutePrompt, JobOfferWiden)
}

func uuidPtr(id uuid.UUID) *uuid.UUID { return &id }

// ---------------------------------------------------------------------------
// Creation.

// NewConversation starts a question: UNRESOLVED, NOTIFYING_EXPERTS at question level, the
// unanswered and reroute-prompt timers running. q must carry its identity and content; status,
// timestamps and reroute fields are set here. automated, when non-nil, attaches an Automated
// response (author BOT) whose first message is its body, with ACCEPT_RESPONSE in it.
func NewConversation(q *store.Question, automated *Automated, timers Timers, now time.Time) (*Conversation, *Change) {
	q.Status = Unresolved
	q.ReroutedBy, q.ReroutedAt, q.RerouteReason, q.ClaimedBy = "", nil, "", nil
	q.CreatedAt, q.LastUpdated = now, time.Time{}
	c := &Conversation{Q: q}
	ch := c.begin()
	ch.Changed = true
	c.addSystem(ch, NotifyingExperts, nil, now)
	if automated != nil {
		r := store.Response{
			TenantID: q.TenantID, UUID: newID(), QuestionUUID: q.UUID, Type: ResponseAutomated,
			AuthorName: automated.AuthorName, CreatedAt: now,
		}
		c.Responses = append(c.Responses, r)
		ch.NewResponses = append(ch.NewResponses, r.UUID)
		c.add(ch, store.Message{
			ResponseUUID: uuidPtr(r.UUID), Type: AutomatedMessage, AuthorType: AuthorBot,
			AuthorName: automated.AuthorName, Body: automated.Body, CreatedAt: now,
		})
		c.addSystem(ch, AcceptResponse, uuidPtr(r.UUID), now)
	}
	ch.event(EventCreated, nil, nil)
	if timers.UnansweredAfter > 0 {
		ch.schedule(JobUnanswered, now.Add(timers.UnansweredAfter))
	}
	if timers.PromptAfter > 0 {
		ch.schedule(JobReroutePrompt, now.Add(timers.PromptAfter))
	}
	return c, c.finish(ch, now)
}

// Automated is the automatic answer attached at creation (Messaging `classification`).
type Automated struct {
	AuthorName string
	Body       string
}

// ---------------------------------------------------------------------------
// Company and user actions.

// Close ends the question at the company's request (Messaging close, Help Desk closeQuestion).
// In a terminal state it is a no-op that succeeds.
func (c *Conversation) Close(now time.Time) *Change {
	ch := c.begin()
	if IsTerminal(c.Q.Status) {
		return ch
	}
	c.terminal(ch, Closed, QuestionClosed, now)
	ch.event(EventClosedByCompany, nil, nil)
	return c.finish(ch, now)
}

// Expire ends the question for good; it is never rerouted afterwards. No-op when terminal.
func (c *Conversation) Expire(now time.Time) *Change {
	ch := c.begin()
	if IsTerminal(c.Q.Status) {
		return ch
	}
	c.terminal(ch, Expired, QuestionExpired, now)
	ch.event(EventExpired, nil, nil)
	return c.finish(ch, now)
}

// Reroute sends the question back to the company's own team. by is ByUser, ByExpert or
// ByTimeout; expert is set for ByExpert. Only an UNRESOLVED question can be rerouted.
func (c *Conversation) Reroute(by string, expert *uuid.UUID, reason string, now time.Time) (*Change, error) {
	if c.Q.Status != Unresolved {
		return nil, apierr.Statef("the question is %s; only an UNRESOLVED question can be rerouted", c.Q.Status)
	}
	ch := c.begin()
	c.terminal(ch, Rerouted, QuestionRerouted, now)
	at := now.UTC().Truncate(time.Second)
	c.Q.ReroutedBy, c.Q.ReroutedAt, c.Q.RerouteReason = by, &at, reason
	ch.Rerouted = true
	ev := map[string]any{}
	if reason != "" {
		ev["reason"] = reason
	}
	switch by {
	case ByExpert:
		ch.event(EventEscalatedByExpert, expert, ev)
	case ByTimeout:
		ch.event(EventEscalatedByTime, nil, ev)
	default:
		ch.event(EventEscalatedByUser, nil, ev)
	}
	return c.finish(ch, now), nil
}

// UserMessage adds the user's message: at question level (thread nil) while UNRESOLVED, or in a
// thread — any thread while UNRESOLVED, the accepted one while RESOLVED. Posting in a thread
// the expert marked resolved undoes the mark. The reroute prompt goes, and its timer restarts
// from this input.
func (c *Conversation) UserMessage(thread *uuid.UUID, author, body string, timers Timers, now time.Time) (*Change, error) {
	var ri = -1
	if thread != nil {
		i, ok := c.response(*thread)
		if !ok {
			return nil, apierr.NotFoundf("response %s not found in this question", *thread)
		}
		ri = i
	}
	switch {
	case c.Q.Status == Unresolved:
	case c.Q.Status == Resolved && ri >= 0 && c.Responses[ri].IsAccepted:
	case c.Q.Status == Resolved && ri >= 0:
		return nil, apierr.Statef("the question is RESOLVED; messages can only be added to the accepted response")
	case c.Q.Status == Resolved:
		return nil, apierr.Statef("the question is RESOLVED; question-level messages are only allowed while UNRESOLVED")
	default:
		return nil, apierr.Statef("the question is %s; it takes no more messages", c.Q.Status)
	}
	ch := c.begin()
	ch.Message = c.add(ch, store.Message{
		ResponseUUID: thread, Type: UserMessage, AuthorType: AuthorUser, AuthorName: author,
		Body: body, IsRead: true, CreatedAt: now,
	})
	if ri >= 0 && c.Responses[ri].IsMarkedAsResolved {
		c.editResponse(ch, ri).IsMarkedAsResolved = false
		c.removeSystem(ch, thread, false, MarkAsResolved)
		c.addSystem(ch, AcceptResponse, thread, now)
	}
	c.removeSystem(ch, nil, true, CustomerReroutePrompt)
	if c.Q.Status == Unresolved && timers.PromptAfter > 0 {
		ch.schedule(JobReroutePrompt, now.Add(timers.PromptAfter))
	}
	ch.event(EventMessageFromUser, nil, nil)
	return c.finish(ch, now), nil
}

// Accept accepts response id: the question becomes RESOLVED. Accepting the accepted response
// again is a no-op; any other accept after resolution is refused.
func (c *Conversation) Accept(id uuid.UUID, now time.Time) (*Change, error) {
	i, ok := c.response(id)
	if !ok {
		return nil, apierr.NotFoundf("response %s not found", id)
	}
	switch c.Q.Status {
	case Unresolved:
	case Resolved:
		if c.Responses[i].IsAccepted {
			return c.begin(), nil
		}
		return nil, apierr.Statef("the question is RESOLVED; another response is already accepted")
	default:
		return nil, apierr.Statef("the question is %s; responses can no longer be accepted", c.Q.Status)
	}
	ch := c.begin()
	c.Q.Status = Resolved
	ch.Changed = true
	c.editResponse(ch, i).IsAccepted = true
	c.removeSystem(ch, nil, true, NotifyingExperts, AcceptResponse, MarkAsResolved, CustomerReroutePrompt)
	thread := uuidPtr(id)
	c.addSystem(ch, AcceptedResponse, thread, now)
	c.addSystem(ch, RateResponse, thread, now)
	ch.cancel(JobUnanswered, JobReroutePrompt, JobOfferWiden)
	ch.event(EventResolved, c.Responses[i].AuthorUUID, map[string]any{"responseUuid": id.String()})
	return c.finish(ch, now), nil
}

// Rate rates the accepted response (again overwrites). A positive rating without a testimonial
// asks for one; a later non-positive rating withdraws that prompt.
func (c *Conversation) Rate(id uuid.UUID, rating string, now time.Time) (*Change, error) {
	i, err := c.acceptedOnly(id, "rated")
	if err != nil {
		return nil, err
	}
	ch := c.begin()
	r := c.editResponse(ch, i)
	r.Rating = rating
	thread := uuidPtr(id)
	c.removeSystem(ch, thread, false, RateResponse)
	if IsPositive(rating) && r.Testimonial == "" {
		c.addSystem(ch, AddTestimonial, thread, now)
	} else {
		c.removeSystem(ch, thread, false, AddTestimonial)
	}
	ch.event(EventRated, r.AuthorUUID, map[string]any{"responseUuid": id.String(), "rating": rating})
	return c.finish(ch, now), nil
}

// Testimonial records the user's testimonial for the accepted response, once.
func (c *Conversation) Testimonial(id uuid.UUID, text string, now time.Time) (*Change, error) {
	i, err := c.acceptedOnly(id, "given a testimonial")
	if err != nil {
		return nil, err
	}
	if c.Responses[i].Testimonial != "" {
		return nil, apierr.Statef("a testimonial was already written for response %s", id)
	}
	ch := c.begin()
	r := c.editResponse(ch, i)
	r.Testimonial = text
	thread := uuidPtr(id)
	c.removeSystem(ch, thread, false, AddTestimonial)
	c.addSystem(ch, AddedTestimonial, thread, now)
	ch.event(EventTestimonialWritten, r.AuthorUUID, map[string]any{"responseUuid": id.String()})
	return c.finish(ch, now), nil
}

func (c *Conversation) acceptedOnly(id uuid.UUID, what string) (int, error) {
	i, ok := c.response(id)
	if !ok {
		return -1, apierr.NotFoundf("response %s not found", id)
	}
	if c.Q.Status != Resolved {
		return -1, apierr.Statef("the question is %s; only the accepted response of a RESOLVED question can be %s", c.Q.Status, what)
	}
	if !c.Responses[i].IsAccepted {
		return -1, apierr.Statef("response %s is not the accepted response; only that one can be %s", id, what)
	}
	return i, nil
}

// Read marks every message read. Allowed in any state; it does not bump lastUpdated.
func (c *Conversation) Read() *Change {
	ch := c.begin()
	for i := range c.Messages {
		c.Messages[i].IsRead = true
	}
	if c.Partial != nil && c.Partial.LastSpoken != nil {
		c.Partial.LastSpoken.IsRead = true
	}
	ch.ReadAll = true
	return ch
}

// ---------------------------------------------------------------------------
// Expert actions. The service checks that the expert may see the question (offered, active).

// Claim gives the question to expert e. Claiming one's own claim again is a no-op.
func (c *Conversation) Claim(e Actor, now time.Time) (*Change, error) {
	if c.Q.Status != Unresolved {
		return nil, apierr.Statef("the question is %s; only an UNRESOLVED question can be claimed", c.Q.Status)
	}
	if c.Q.ClaimedBy != nil {
		if *c.Q.ClaimedBy == e.UUID {
			return c.begin(), nil
		}
		return nil, apierr.Statef("the question is claimed by another expert")
	}
	ch := c.begin()
	c.Q.ClaimedBy = uuidPtr(e.UUID)
	ch.Changed = true
	c.removeSystem(ch, nil, false, NotifyingExperts)
	ch.cancel(JobOfferWiden)
	ch.event(EventClaimed, uuidPtr(e.UUID), nil)
	return c.finish(ch, now), nil
}

// Release gives up the claim. by is the claimer, or nil for the operator. While no expert
// response exists, the experts are notified again and the offer timer restarts.
func (c *Conversation) Release(by *uuid.UUID, timers Timers, now time.Time) (*Change, error) {
	if c.Q.Status != Unresolved {
		return nil, apierr.Statef("the question is %s; there is no claim to release", c.Q.Status)
	}
	if c.Q.ClaimedBy == nil {
		return nil, apierr.Statef("the question is not claimed")
	}
	if by != nil && *by != *c.Q.ClaimedBy {
		return nil, apierr.Forbiddenf("only the expert who claimed the question can release it")
	}
	ch := c.begin()
	prev := *c.Q.ClaimedBy
	c.Q.ClaimedBy = nil
	ch.Changed = true
	if !c.HasExpertResponse() {
		c.addSystem(ch, NotifyingExperts, nil, now)
		if timers.OfferWait > 0 {
			ch.schedule(JobOfferWiden, now.Add(timers.OfferWait))
		}
	}
	ch.event(EventReleased, &prev, nil)
	return c.finish(ch, now), nil
}

// Respond adds expert e's response (one per expert per question): its first message is the
// response text, ACCEPT_RESPONSE is placed in the new thread, the experts are no longer being
// notified and the reroute prompt goes.
func (c *Conversation) Respond(e Actor, text string, now time.Time) (*Change, error) {
	if c.Q.Status != Unresolved {
		return nil, apierr.Statef("the question is %s; responses are only allowed while UNRESOLVED", c.Q.Status)
	}
	if c.Q.ClaimedBy != nil && *c.Q.ClaimedBy != e.UUID {
		return nil, apierr.Forbiddenf("the question is claimed by another expert")
	}
	if c.ExpertResponse(e.UUID) >= 0 {
		return nil, apierr.Statef("you already responded to this question; add a message to your response instead")
	}
	first := !c.HasExpertResponse()
	ch := c.begin()
	r := store.Response{
		TenantID: c.Q.TenantID, UUID: newID(), QuestionUUID: c.Q.UUID, Type: ResponseExpert,
		AuthorUUID: uuidPtr(e.UUID), AuthorName: e.Name, CreatedAt: now,
	}
	c.Responses = append(c.Responses, r)
	ch.NewResponses = append(ch.NewResponses, r.UUID)
	ch.Result = &r
	thread := uuidPtr(r.UUID)
	ch.Message = c.add(ch, store.Message{
		ResponseUUID: thread, Type: ExpertMessage, AuthorType: AuthorExpert, AuthorUUID: uuidPtr(e.UUID),
		AuthorName: e.Name, Body: text, CreatedAt: now,
	})
	c.addSystem(ch, AcceptResponse, thread, now)
	c.removeSystem(ch, nil, true, NotifyingExperts, CustomerReroutePrompt)
	ch.cancel(JobUnanswered, JobReroutePrompt, JobOfferWiden)
	if first {
		ch.event(EventFirstResponse, uuidPtr(e.UUID), map[string]any{"responseUuid": r.UUID.String()})
	}
	ch.event(EventResponse, uuidPtr(e.UUID), map[string]any{"responseUuid": r.UUID.String()})
	return c.finish(ch, now), nil
}

// ExpertMessage adds a message to expert e's own thread: while UNRESOLVED, or while RESOLVED when
// that thread is the accepted one. It starts unread for the user; the reroute prompt goes.
func (c *Conversation) ExpertMessage(e Actor, body string, now time.Time) (*Change, error) {
	i := c.ExpertResponse(e.UUID)
	if i < 0 {
		return nil, apierr.Statef("you have not responded to this question; respond first")
	}
	switch {
	case c.Q.Status == Unresolved:
	case c.Q.Status == Resolved && c.Responses[i].IsAccepted:
	default:
		return nil, apierr.Statef("the question is %s; your thread takes no more messages", c.Q.Status)
	}
	ch := c.begin()
	ch.Message = c.add(ch, store.Message{
		ResponseUUID: uuidPtr(c.Responses[i].UUID), Type: ExpertMessage, AuthorType: AuthorExpert,
		AuthorUUID: uuidPtr(e.UUID), AuthorName: e.Name, Body: body, CreatedAt: now,
	})
	c.removeSystem(ch, nil, true, CustomerReroutePrompt)
	ch.cancel(JobReroutePrompt)
	ch.event(EventMessageFromExpert, uuidPtr(e.UUID), map[string]any{"responseUuid": c.Responses[i].UUID.String()})
	return c.finish(ch, now), nil
}

// MarkResolved records that expert e considers its response to resolve the question:
// MARK_AS_RESOLVED replaces ACCEPT_RESPONSE in that thread. UNRESOLVED only.
func (c *Conversation) MarkResolved(e Actor, now time.Time) (*Change, error) {
	i := c.ExpertResponse(e.UUID)
	if i < 0 {
		return nil, apierr.Statef("you have not responded to this question; respond first")
	}
	if c.Q.Status != Unresolved {
		return nil, apierr.Statef("the question is %s; a response can only be marked resolved while UNRESOLVED", c.Q.Status)
	}
	if c.Responses[i].IsMarkedAsResolved {
		return c.begin(), nil
	}
	ch := c.begin()
	r := c.editResponse(ch, i)
	r.IsMarkedAsResolved = true
	thread := uuidPtr(r.UUID)
	c.removeSystem(ch, thread, false, AcceptResponse)
	c.addSystem(ch, MarkAsResolved, thread, now)
	ch.event(EventMarkedAsResolved, uuidPtr(e.UUID), map[string]any{"responseUuid": r.UUID.String()})
	return c.finish(ch, now), nil
}

// ---------------------------------------------------------------------------
// Timers.

// UnansweredTimeout runs when the unanswered timer falls due: a question still UNRESOLVED with
// no Expert response is rerouted (ByTimeout) or expired, per action. Otherwise nothing happens.
func (c *Conversation) UnansweredTimeout(action string, now time.Time) *Change {
	if c.Q.Status != Unresolved || c.HasExpertResponse() {
		return c.begin()
	}
	if action == ActionExpire {
		return c.Expire(now)
	}
	ch, err := c.Reroute(ByTimeout, nil, "", now)
	if err != nil { // unreachable: the status was checked above
		return c.begin()
	}
	return ch
}

// ReroutePromptDue runs when the reroute-prompt timer falls due: while UNRESOLVED, if no expert
// has posted since the user's last input (creation or a user message) and that input is at
// least after old, CUSTOMER_REROUTE_PROMPT is added (one at most). If the user spoke again
// meanwhile the timer is moved to the new deadline.
func (c *Conversation) ReroutePromptDue(after time.Duration, now time.Time) *Change {
	ch := c.begin()
	if c.Q.Status != Unresolved || after <= 0 {
		return ch
	}
	// Who spoke last is decided by message order (timestamps have whole seconds only); the
	// user's last input is the newest of creation and the last user message (the clock only
	// moves forward, so that message is also the latest user message in time).
	lastUser := c.Q.CreatedAt
	if m := c.lastSpoken(); m != nil {
		if m.Type == ExpertMessage {
			return ch // the expert spoke after the user: nobody is waiting on an expert
		}
		if m.CreatedAt.After(lastUser) {
			lastUser = m.CreatedAt
		}
	}
	if due := lastUser.Add(after); now.Before(due) {
		ch.schedule(JobReroutePrompt, due)
		return ch
	}
	c.addSystem(ch, CustomerReroutePrompt, nil, now)
	return c.finish(ch, now)
}

// lastSpoken is the newest user or expert message: among Messages (in order) or, on a working
// set that holds none, Partial.LastSpoken.
func (c *Conversation) lastSpoken() *store.Message {
	for i := len(c.Messages) - 1; i >= 0; i-- {
		if m := &c.Messages[i]; m.Type == UserMessage || m.Type == ExpertMessage {
			return m
		}
	}
	if c.Partial != nil {
		return c.Partial.LastSpoken
	}
	return nil
}
