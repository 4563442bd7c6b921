// Package question holds the rules of a question's life, shared by every API that creates
// questions (Messaging and Help Desk) and by the expert side: states and the state matrix, the
// eleven system messages each event adds and removes (lifecycle.go), the timers each event
// starts or stops, the lastUpdated clock that drives polling, input validation, and the values
// derived for the Help Desk API (status text, public URL, display name, default subject, visible
// metadata).
//
// It knows neither HTTP nor SQL: services load a conversation from the store, ask these rules
// what an event does, and persist the Change they describe.
package question

import "time"

// States of a question. CLOSED, EXPIRED and REROUTED are terminal: input is over.
const (
	Unresolved = "UNRESOLVED"
	Resolved   = "RESOLVED"
	Closed     = "CLOSED"
	Expired    = "EXPIRED"
	Rerouted   = "REROUTED"
)

// Channels: the API a question was created through. A question is visible only through it.
const (
	ChannelHelpDesk  = "helpdesk"
	ChannelMessaging = "messaging"
)

// IsTerminal reports whether the state ends all input (the API's `isClosed`).
func IsTerminal(status string) bool {
	return status == Closed || status == Expired || status == Rerouted
}

// IsEscalated reports whether the question went back to the company's own team (rerouted by an
// expert, a timeout or the customer): the Help Desk API's `isEscalated`.
func IsEscalated(status string) bool { return status == Rerouted }

// The eleven system message types of the Messaging API.
const (
	NotifyingExperts      = "NOTIFYING_EXPERTS_SYSTEM_MESSAGE"
	AcceptedResponse      = "ACCEPTED_RESPONSE_SYSTEM_MESSAGE"
	QuestionExpired       = "QUESTION_EXPIRED_SYSTEM_MESSAGE"
	QuestionClosed        = "QUESTION_CLOSED_SYSTEM_MESSAGE"
	QuestionRerouted      = "QUESTION_REROUTED_SYSTEM_MESSAGE"
	RateResponse          = "RATE_RESPONSE_SYSTEM_MESSAGE"
	CustomerReroutePrompt = "CUSTOMER_REROUTE_PROMPT_SYSTEM_MESSAGE"
	AddTestimonial        = "ADD_TESTIMONIAL_SYSTEM_MESSAGE"
	AddedTestimonial      = "ADDED_TESTIMONIAL_SYSTEM_MESSAGE"
	AcceptResponse        = "ACCEPT_RESPONSE_SYSTEM_MESSAGE"
	MarkAsResolved        = "MARK_AS_RESOLVED_MESSAGE"
)

var systemBodies = map[string]string{
	NotifyingExperts:      "We are notifying our experts about your question.",
	AcceptedResponse:      "You accepted this response.",
	QuestionExpired:       "This question expired without a response.",
	QuestionClosed:        "This question has been closed.",
	QuestionRerouted:      "This question has been passed on to our support team.",
	RateResponse:          "Please rate this response.",
	CustomerReroutePrompt: "Not getting the help you need? You can pass this question on to our support team.",
	AddTestimonial:        "Would you like to write a testimonial for this expert?",
	AddedTestimonial:      "Thank you for your testimonial.",
	AcceptResponse:        "Did this response solve your problem? Please accept it.",
	MarkAsResolved:        "The expert marked this response as resolving your question. Please confirm by accepting it.",
}

// SystemBody is the fixed English text of a system message type.
func SystemBody(typ string) string { return systemBodies[typ] }

// removedOnTerminal are the prompts that stop being relevant once input is over.
var removedOnTerminal = []string{NotifyingExperts, RateResponse, CustomerReroutePrompt, AddTestimonial, AcceptResponse, MarkAsResolved}

// Bump returns the next lastUpdated: whole seconds, strictly increasing, and always after the
// change itself, so a poller that uses either lastUpdated or its own clock as lastChecked never
// misses a change made within the same second.
func Bump(now, last time.Time) time.Time {
	next := now.UTC().Truncate(time.Second).Add(time.Second)
	if min := last.UTC().Truncate(time.Second).Add(time.Second); !last.IsZero() && next.Before(min) {
		next = min
	}
	return next
}
