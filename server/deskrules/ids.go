package deskrules

import (
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/textrule"
)

// ParseConversationID reads a conversationId path parameter: a base-10 int64 (an optional sign,
// digits only). Anything else is `Invalid value for: path parameter conversationId`.
func ParseConversationID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, PathParam("conversationId")
	}
	return id, nil
}

// ParseUUID reads a UUID in the 8-4-4-4-12 form, any case, any version. ok is false for anything
// else (braces, a urn: prefix and the 32-digit form are refused).
func ParseUUID(s string) (id uuid.UUID, ok bool) {
	if len(s) != 36 {
		return uuid.Nil, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return uuid.Nil, false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return uuid.Nil, false
			}
		}
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

// ParsePathUUID reads the UUID path parameter name, or fails with its vendor string.
func ParsePathUUID(name, s string) (uuid.UUID, error) {
	id, ok := ParseUUID(s)
	if !ok {
		return uuid.Nil, PathParam(name)
	}
	return id, nil
}

// TimeLayout is how every date leaves the API: RFC 3339 in UTC with exactly three fraction digits.
const TimeLayout = "2006-01-02T15:04:05.000Z07:00"

// FormatTime renders t as the API does.
func FormatTime(t time.Time) string { return t.UTC().Format(TimeLayout) }

// Precision is the resolution of every timestamp the API stores and shows.
const Precision = time.Millisecond

// Now is t cut to the API's precision, in UTC.
func Now(t time.Time) time.Time { return t.UTC().Truncate(Precision) }

// NextMessageTime is the createdAt of a new message in a conversation whose latest message was
// created at last (zero when it has none): now, cut to the millisecond, but at least one
// millisecond after last, so no two messages of a conversation share a timestamp and the list
// order is total even when the clock stands still or goes back.
func NextMessageTime(now, last time.Time) time.Time {
	t := Now(now)
	if !last.IsZero() {
		if min := Now(last).Add(Precision); t.Before(min) {
			t = min
		}
	}
	return t
}

// MessageTarget is the targetEntityId of a message's anonymization request.
func MessageTarget(conversationID int64, messageID uuid.UUID) string {
	return strconv.FormatInt(conversationID, 10) + "_" + messageID.String()
}

// ConversationTarget is the targetEntityId of a conversation's anonymization request.
func ConversationTarget(conversationID int64) string { return strconv.FormatInt(conversationID, 10) }

// ParseForce reads the force query parameter of the conversation anonymization: absent is false;
// otherwise exactly `true` or `false`.
func ParseForce(values []string) (bool, error) {
	if len(values) == 0 {
		return false, nil
	}
	switch values[0] {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, QueryParam("force")
}

// isBlank reports text with nothing but white space (the one definition, textrule.Blank).
func isBlank(s string) bool { return textrule.Blank(s) }
