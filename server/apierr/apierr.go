// Package apierr is the one error vocabulary of Switchboard. Rules, services and handlers return
// these kinds; each API maps them to its own status codes and error body in exactly one place.
// Anything that is not an *Error is an internal failure: its text is logged, never returned.
package apierr

import (
	"errors"
	"fmt"
)

// Kind classifies a failure by what the caller can do about it.
type Kind int

const (
	Internal         Kind = iota // a bug or an outage; the message is not shown to the caller
	Invalid                      // bad input: parameter, body, state that forbids the action
	Unauthorized                 // missing, unknown, expired or revoked credentials
	Forbidden                    // valid credentials without the right to do this
	NotFound                     // no such object for this tenant, or no such route
	MethodNotAllowed             // the route exists, the method does not
	Conflict                     // clashes with existing data
	RateLimited                  // too many requests
	State                        // the object's current state forbids the action (accept on a closed question)
	Gone                         // the object existed but is no longer available (a closed conversation)
	Timeout                      // the request did not complete within its deadline
	Unavailable                  // the server cannot serve now (draining on shutdown); retry later
	NotImplemented               // a documented feature this server does not implement
)

var kindNames = [...]string{"internal", "invalid", "unauthorized", "forbidden", "not found", "method not allowed", "conflict", "rate limited", "invalid state", "gone", "timeout", "unavailable", "not implemented"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is a failure the caller is told about.
type Error struct {
	Kind    Kind
	Message string   // names the problem: "text: must not be blank"
	Allow   []string // with MethodNotAllowed: the methods the route has
	Reason  string   // optional machine-readable detail for APIs whose errors carry one (OAuth's "invalid_scope")
}

func (e *Error) Error() string { return e.Message }

// New returns an *Error of kind k.
func New(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalidf reports bad input.
func Invalidf(format string, args ...any) *Error { return New(Invalid, format, args...) }

// NotFoundf reports a missing object.
func NotFoundf(format string, args ...any) *Error { return New(NotFound, format, args...) }

// Unauthorizedf reports missing or bad credentials.
func Unauthorizedf(format string, args ...any) *Error { return New(Unauthorized, format, args...) }

// Statef reports an action the object's current state forbids.
func Statef(format string, args ...any) *Error { return New(State, format, args...) }

// Forbiddenf reports valid credentials without the right to do this.
func Forbiddenf(format string, args ...any) *Error { return New(Forbidden, format, args...) }

// Conflictf reports a clash with existing data.
func Conflictf(format string, args ...any) *Error { return New(Conflict, format, args...) }

// WithReason sets e.Reason and returns e.
func (e *Error) WithReason(reason string) *Error {
	e.Reason = reason
	return e
}

// As returns the *Error in err's chain, or an Internal one (with a generic message) if there is none.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Message: "internal error"}
}

// KindOf is As(err).Kind.
func KindOf(err error) Kind { return As(err).Kind }
