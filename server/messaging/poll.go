package messaging

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// The two polls — GET /v1/questions/{uuid}?lastChecked=… and
// GET /v1/messages?questionUuid=…&lastChecked=… (with or without /v1) — are most of the traffic,
// and most of their answers are 304. pollFast answers those 304s without the generic stack (the
// spec's route match, kin-openapi's validation, the generated binding): pollRequestOf, a
// validator specialised to these two operations' parameters, accepts only requests that
// kin-openapi accepts with the same values (poll_test.go proves it, fuzzed), and service.Poll
// decides. Everything else — a parameter the specialised validator does not accept, a token
// that is not live, an unknown question, a change (200) — goes through the generic stack as if
// the fast path did not exist, so every error and every 200 is the generic stack's own.

// pollRequest is what a poll needs, read from a request pollRequestOf accepted.
type pollRequest struct {
	question uuid.UUID
	since    time.Time
	token    string
}

// pollRequestOf accepts the request if it is one of the two polls with lastChecked, every
// parameter valid for the spec and for the handler (lastChecked parses), no parameter repeated
// and no other parameter, a path without escapes, and a Bearer token. ok false means only "not
// here": the generic stack answers.
func pollRequestOf(method string, u *url.URL, authorization string) (p pollRequest, ok bool) {
	if method != http.MethodGet || u.RawPath != "" {
		return p, false
	}
	rest, found := strings.CutPrefix(u.Path, Prefix+"/")
	if !found {
		return p, false
	}
	rest = strings.TrimPrefix(rest, "v1/")
	var messages bool
	switch {
	case rest == "messages":
		messages = true
	case strings.HasPrefix(rest, "questions/"):
		id, err := uuidParam(rest[len("questions/"):])
		if err != nil {
			return p, false
		}
		p.question = id
	default:
		return p, false
	}
	var haveSince, haveQuestion bool
	for pair := range strings.SplitSeq(u.RawQuery, "&") {
		key, raw, _ := strings.Cut(pair, "=")
		value, ok := queryValue(raw)
		if !ok {
			return p, false
		}
		switch {
		case key == "lastChecked" && !haveSince:
			t, err := parseLastChecked(value)
			if err != nil || value == "" || textrule.Check(value) != nil {
				return p, false
			}
			p.since, haveSince = t, true
		case key == "questionUuid" && messages && !haveQuestion:
			id, err := uuidParam(value)
			if err != nil {
				return p, false
			}
			p.question, haveQuestion = id, true
		default:
			return p, false // another parameter, a repeated one, an empty pair, a ';'
		}
	}
	if !haveSince || (messages && !haveQuestion) {
		return p, false
	}
	token, err := bearerToken(authorization)
	if err != nil || token == "" {
		return p, false
	}
	p.token = token
	return p, true
}

// queryValue unescapes a query value as url.ParseQuery does.
func queryValue(raw string) (string, bool) {
	if strings.ContainsAny(raw, "%+;") {
		if strings.Contains(raw, ";") {
			return "", false
		}
		v, err := url.QueryUnescape(raw)
		return v, err == nil
	}
	return raw, true
}

var errNotUUID = fmt.Errorf("not a uuid")

// uuidParam accepts exactly what the spec's `uuid` format does (httpkit.UUIDPattern: 8-4-4-4-12
// hexadecimal digits, either case).
func uuidParam(s string) (uuid.UUID, error) {
	if len(s) != 36 {
		return uuid.UUID{}, errNotUUID
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return uuid.UUID{}, errNotUUID
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return uuid.UUID{}, errNotUUID
			}
		}
	}
	return uuid.Parse(s)
}

// pollFast answers a poll that is a 304 and reports whether it did; see above.
func (h *Handler) pollFast(w http.ResponseWriter, r *http.Request) (done bool) {
	p, ok := pollRequestOf(r.Method, r.URL, r.Header.Get("Authorization"))
	if !ok {
		return false
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			httpkit.Logger(r.Context()).Error("panic", "panic", v, "where", "messaging poll")
			if !done { // nothing written: the generic stack answers
				return
			}
			panic(http.ErrAbortHandler)
		}
	}()
	_, notModified, err := h.svc.Poll(r.Context(), p.token, p.question, p.since)
	if err != nil || !notModified {
		return false
	}
	done = true
	w.WriteHeader(http.StatusNotModified)
	return true
}
