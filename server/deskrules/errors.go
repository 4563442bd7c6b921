// Package deskrules holds the rules of the Desk API (Dixa API v1 conversations and messages),
// apart from HTTP and SQL: the vendor's reason strings and the order they are checked in, the
// channel × direction × content-type matrix, the message attributes built per channel,
// redaction, the ordering of messages without ties, contact validation, paging limits and keys.
//
// Every failure is an *apierr.Error whose Message is exactly one of the vendor's strings, so the
// Desk API can answer {"message": …} with it unchanged.
package deskrules

import (
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// The vendor's reason strings.
const (
	MsgUnauthorized           = "User is unauthorized to perform an underlying operation"
	MsgNotFound               = "The requested resource could not be found"
	MsgInternal               = "There was an internal server error while processing the request"
	MsgTooManyRequests        = "Too many requests"
	MsgMethodNotAllowed       = "Method not allowed"
	MsgContext                = "Invalid value extracted from request context"
	MsgBody                   = "Invalid value for: body"
	MsgInvalidMessage         = "Invalid input for Message"
	MsgDownloadFailed         = "Failure to download attachment"
	MsgDuplicateExternalID    = "Duplicate externalId"
	MsgUnsupportedChannel     = "Unsupported ConversationChannel"
	MsgEndUserValidation      = "Validation failure during enduser creation"
	MsgAgentValidation        = "Validation failure during agent creation"
	MsgEndUserFilters         = "Invalid filters: Cannot provide more than one filter"
	MsgAgentFilters           = "Invalid filters: Cannot provide both phone number and email address"
	MsgMessageAnonymized      = "The message has already been anonymized"
	MsgConversationNotClosed  = "The conversation is not closed; retry with force=true"
	MsgConversationAnonymized = "The conversation has already been anonymized"

	pathParamPrefix  = "Invalid value for: path parameter "
	queryParamPrefix = "Invalid value for: query parameter "
)

// PathParam is the 400 for a path parameter that cannot be read.
func PathParam(name string) *apierr.Error { return apierr.Invalidf("%s%s", pathParamPrefix, name) }

// QueryParam is the 400 for a query parameter that cannot be read.
func QueryParam(name string) *apierr.Error { return apierr.Invalidf("%s%s", queryParamPrefix, name) }

// Context is the 400 of a token whose company data cannot be loaded.
func Context() *apierr.Error { return apierr.Invalidf("%s", MsgContext) }

// Body is the 400 for a body that cannot be read as the operation's input.
func Body() *apierr.Error { return apierr.Invalidf("%s", MsgBody) }

// InvalidMessage is the 400 for a message the conversation's channel or state does not take.
func InvalidMessage() *apierr.Error { return apierr.Invalidf("%s", MsgInvalidMessage) }

// UnsupportedChannel is the 400 for a conversation channel that takes no messages.
func UnsupportedChannel() *apierr.Error { return apierr.Invalidf("%s", MsgUnsupportedChannel) }

// DuplicateExternalID is the 400 for an externalId already used in the conversation.
func DuplicateExternalID() *apierr.Error { return apierr.Invalidf("%s", MsgDuplicateExternalID) }

// DownloadFailed is the 400 for an attachment the server could not download.
func DownloadFailed() *apierr.Error { return apierr.Invalidf("%s", MsgDownloadFailed) }

// NotFound is the 404 of every missing (or other company's) entity.
func NotFound() *apierr.Error { return apierr.NotFoundf("%s", MsgNotFound) }

// Unauthorized is the 401 of a missing, unknown or revoked token.
func Unauthorized() *apierr.Error { return apierr.Unauthorizedf("%s", MsgUnauthorized) }

// TooManyRequests is the 429 of a token over its rate limit.
func TooManyRequests() *apierr.Error { return apierr.New(apierr.RateLimited, "%s", MsgTooManyRequests) }

// ContactValidation is the 400 of an end user (agent false) or agent (agent true) that cannot be created.
func ContactValidation(agent bool) *apierr.Error {
	if agent {
		return apierr.Invalidf("%s", MsgAgentValidation)
	}
	return apierr.Invalidf("%s", MsgEndUserValidation)
}

// vendor400 are the fixed 400 strings; path and query parameter strings are recognised by prefix.
var vendor400 = map[string]bool{
	MsgContext: true, MsgBody: true, MsgInvalidMessage: true, MsgDownloadFailed: true,
	MsgDuplicateExternalID: true, MsgUnsupportedChannel: true, MsgEndUserValidation: true,
	MsgAgentValidation: true, MsgEndUserFilters: true, MsgAgentFilters: true,
}

var vendor409 = map[string]bool{
	MsgMessageAnonymized: true, MsgConversationNotClosed: true, MsgConversationAnonymized: true,
}

// VendorMessage returns the message the Desk API answers for an error of kind k whose message is
// msg: msg itself when it is one of the vendor's strings for that kind, else the kind's generic
// vendor string (a 400 that did not come from these rules, such as a body the generated code
// could not bind, is a body failure: parameters are checked here before any body is read).
func VendorMessage(k apierr.Kind, msg string) string {
	switch k {
	case apierr.Invalid, apierr.State:
		if vendor400[msg] || isParamMessage(msg) {
			return msg
		}
		return MsgBody
	case apierr.Conflict:
		if vendor409[msg] {
			return msg
		}
		return MsgInternal // unreachable by design; never leak another text
	case apierr.Unauthorized, apierr.Forbidden:
		return MsgUnauthorized
	case apierr.NotFound:
		return MsgNotFound
	case apierr.MethodNotAllowed:
		return MsgMethodNotAllowed
	case apierr.RateLimited:
		return MsgTooManyRequests
	default:
		return MsgInternal
	}
}

func isParamMessage(msg string) bool {
	for _, p := range []string{pathParamPrefix, queryParamPrefix} {
		if len(msg) > len(p) && msg[:len(p)] == p && identifier(msg[len(p):]) {
			return true
		}
	}
	return false
}

func identifier(s string) bool {
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}
