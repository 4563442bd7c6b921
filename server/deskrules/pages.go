package deskrules

import (
	"strconv"
	"time"

	"github.com/switchboard-dev/switchboard/server/paging"
)

// Page sizes of the paged lists.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 300
)

// ParsePageLimit reads pageLimit (first value; absent is the default): an int32 of at least 1;
// larger than MaxPageLimit is capped.
func ParsePageLimit(values []string) (int, error) {
	if len(values) == 0 {
		return DefaultPageLimit, nil
	}
	n, err := strconv.ParseInt(values[0], 10, 32)
	if err != nil || n < 1 {
		return 0, QueryParam("pageLimit")
	}
	return int(min(n, MaxPageLimit)), nil
}

// PageKey is a position in a list ordered by creation time, then id: the last item of the
// previous page. ID is a UUID's text for end users and agents, a conversation id's for
// conversations.
type PageKey struct {
	CreatedAt int64  `json:"c"` // Unix microseconds
	ID        string `json:"i"`
}

// After is the key of a page that starts after an item created at t with id.
func After(t time.Time, id string) PageKey { return PageKey{CreatedAt: t.UnixMicro(), ID: id} }

// Time is the key's creation time.
func (k PageKey) Time() time.Time { return time.UnixMicro(k.CreatedAt).UTC() }

// Encode returns the opaque pageKey.
func (k PageKey) Encode() string { return paging.Encode(k) }

// ParseContactPageKey reads the pageKey of an end-user or agent list (first value): nil when
// absent, else a key made by Encode for such a list (`Invalid value for: query parameter pageKey`
// otherwise).
func ParseContactPageKey(values []string) (*PageKey, error) {
	return parsePageKey(values, func(id string) bool { _, ok := ParseUUID(id); return ok })
}

// ParseConversationPageKey reads the pageKey of a conversation list, like ParseContactPageKey.
func ParseConversationPageKey(values []string) (*PageKey, error) {
	return parsePageKey(values, func(id string) bool { _, err := strconv.ParseInt(id, 10, 64); return err == nil })
}

func parsePageKey(values []string, validID func(string) bool) (*PageKey, error) {
	if len(values) == 0 {
		return nil, nil
	}
	var k PageKey
	if err := paging.Decode(values[0], &k); err != nil || !validID(k.ID) {
		return nil, QueryParam("pageKey")
	}
	return &k, nil
}
