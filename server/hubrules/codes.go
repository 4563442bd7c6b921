// Package hubrules holds the rules of Hubster's Direct domain, apart from HTTP and SQL: the error
// codes and their statuses, the parsing and validation of Direct activities (envelope and content,
// in the reference's order), of establish requests and portal bodies, sender resolution, routing to
// the active business integration, takeover, echo and System copies, enrichment of stored and
// delivered activities, and event ids. Everything here is a pure function of its inputs.
package hubrules

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

// Code is a Hubster error code: three letters naming the API (ENG, PRT, IDT) and six digits.
type Code string

// Engine codes (hubsterio/docs, api/6_error_codes.rst).
const (
	EngSystemError        Code = "ENG000100" // 500
	EngForbidden          Code = "ENG000101" // 403
	EngUnauthorized       Code = "ENG000102" // 401
	EngNotAvailable       Code = "ENG000104" // 410
	EngTimedOut           Code = "ENG000108" // 408
	EngNotAllowed         Code = "ENG000110" // 403
	EngQueryRequired      Code = "ENG000200"
	EngBadGUIDParam       Code = "ENG000203"
	EngValueUnsupported   Code = "ENG000206"
	EngNotNegative        Code = "ENG000209"
	EngBadNumber          Code = "ENG000210"
	EngAccountDisabled    Code = "ENG002001"
	EngConvBodyRequired   Code = "ENG003000"
	EngConvMissing        Code = "ENG003001"
	EngConvBadGUID        Code = "ENG003002"
	EngBodyRequired       Code = "ENG005000"
	EngRequired           Code = "ENG005001"
	EngUnsupported        Code = "ENG005002"
	EngMessageOrEvent     Code = "ENG005003"
	EngOnlyOne            Code = "ENG005004"
	EngEmptyCollection    Code = "ENG005015"
	EngBadGUID            Code = "ENG005020"
	EngBadDecimal         Code = "ENG005021"
	EngBodyEmpty          Code = "ENG005023"
	EngLocation           Code = "ENG005024"
	EngHubNotFound        Code = "ENG005500" // 404
	EngNoBusiness         Code = "ENG005501"
	EngIntegrationUnknown Code = "ENG006000" // 404
	EngConversationGone   Code = "ENG006500" // 404
	EngIntegrationOff     Code = "ENG006502"
	EngConversationPaused Code = "ENG006503"
	EngNoCommand          Code = "ENG009000"
	EngNoCommands         Code = "ENG009201"
)

// Portal codes.
const (
	PrtSystemError     Code = "PRT000100" // 500
	PrtForbidden       Code = "PRT000101" // 403
	PrtUnauthorized    Code = "PRT000102" // 401
	PrtNotImplemented  Code = "PRT000103" // 501
	PrtTimedOut        Code = "PRT000108" // 408
	PrtOutOfRange      Code = "PRT000206"
	PrtNotNegative     Code = "PRT000209"
	PrtBadNumber       Code = "PRT000210"
	PrtBodyMissing     Code = "PRT000300"
	PrtRequired        Code = "PRT000301"
	PrtUnsupported     Code = "PRT000303"
	PrtBadGUID         Code = "PRT000305"
	PrtEmptyCollection Code = "PRT000306"
	PrtHubNameTaken    Code = "PRT000600"
	PrtHubNotFound     Code = "PRT000699" // 404
	PrtNameTaken       Code = "PRT000700"
	PrtNotFound        Code = "PRT000799" // 404
)

// Identity code.
const IdtSystemError Code = "IDT000100" // 500

// Codeless errors: 408 on the token endpoint, 429, 503 and route misses (404, 405) answer the HTTP
// status as their code and no "(code: …)" suffix: Hubster publishes no code for them.
const (
	TooManyRequests  Code = "429"
	Unavailable      Code = "503"
	TokenTimedOut    Code = "408"
	RouteNotFound    Code = "404" // no operation at this path
	MethodNotAllowed Code = "405" // the path has no operation for this method
)

// statuses are the HTTP statuses of the codes that are not 400.
var statuses = map[Code]int{
	EngSystemError: 500, EngForbidden: 403, EngUnauthorized: 401, EngNotAvailable: 410, EngTimedOut: 408,
	EngNotAllowed: 403, EngHubNotFound: 404, EngIntegrationUnknown: 404, EngConversationGone: 404,
	PrtSystemError: 500, PrtForbidden: 403, PrtUnauthorized: 401, PrtNotImplemented: 501, PrtTimedOut: 408,
	PrtHubNotFound: 404, PrtNotFound: 404, IdtSystemError: 500,
	TooManyRequests: 429, Unavailable: 503, TokenTimedOut: 408, RouteNotFound: 404, MethodNotAllowed: 405,
}

// Status is the code's HTTP status.
func (c Code) Status() int {
	if s, ok := statuses[c]; ok {
		return s
	}
	return http.StatusBadRequest
}

// Number is the code as the error body's integer: its digits without leading zeros (ENG005001 →
// 5001); a codeless error's HTTP status.
func (c Code) Number() int {
	digits := string(c)
	if len(digits) > 3 && digits[0] >= 'A' {
		digits = digits[3:]
	}
	n, _ := strconv.Atoi(digits)
	return n
}

// Suffixed reports whether descriptions end with " (code: …)": every code but the codeless ones.
func (c Code) Suffixed() bool { return len(c) > 3 }

// Kind is the apierr kind of the code's status.
func (c Code) Kind() apierr.Kind {
	switch c.Status() {
	case 401:
		return apierr.Unauthorized
	case 403:
		return apierr.Forbidden
	case 404:
		return apierr.NotFound
	case 408:
		return apierr.Timeout
	case 410:
		return apierr.Gone
	case 429:
		return apierr.RateLimited
	case 500:
		return apierr.Internal
	case 405:
		return apierr.MethodNotAllowed
	case 501:
		return apierr.NotImplemented
	case 503:
		return apierr.Unavailable
	}
	return apierr.Invalid
}

// Problem is one error of a failed request: its code and what went wrong, in words that name the
// property or value.
type Problem struct {
	Code Code
	Text string
}

// Description is the error body's description: the text, then " (code: ENG005001)".
func (p Problem) Description() string {
	if !p.Code.Suffixed() {
		return p.Text
	}
	return p.Text + " (code: " + string(p.Code) + ")"
}

// Error is a failed request, with one problem or several (a body's envelope or content errors are
// reported together). All problems of one Error share a status: the first one's. It unwraps to the
// apierr kind of that status.
type Error struct {
	Problems   []Problem
	RetryAfter int // seconds, on a 429
}

// Fail returns an *Error with one problem.
func Fail(code Code, format string, args ...any) *Error {
	return &Error{Problems: []Problem{{Code: code, Text: fmt.Sprintf(format, args...)}}}
}

func (e *Error) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Description()
	}
	return strings.Join(parts, "; ")
}

// Status is the HTTP status of the error (its first problem's).
func (e *Error) Status() int { return e.Problems[0].Code.Status() }

// Unwrap makes apierr.As see the error's kind.
func (e *Error) Unwrap() error {
	return &apierr.Error{Kind: e.Problems[0].Code.Kind(), Message: e.Error()}
}

// AsError returns the *Error in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// problems collects the problems of one validation step.
type problems struct{ list []Problem }

func (p *problems) add(code Code, format string, args ...any) {
	p.list = append(p.list, Problem{Code: code, Text: fmt.Sprintf(format, args...)})
}

func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	return &Error{Problems: p.list}
}
