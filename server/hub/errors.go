package hub

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/hubrules"
)

// writeError is the only place a Hub API error body is built: Hubster's
// {"status":400,"errors":[{"code":5001,"description":"… (code: ENG005001)"}]} everywhere, with the
// code of the condition (hubrules) or, for what the validator and the plumbing report, of the
// operation's family; except the token endpoint's client errors, which answer RFC 6749 bodies.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	st := stateFrom(r.Context())
	family := familyOf(st, r.URL.Path)
	problems := problemsOf(w, r, err, family)
	status := problems[0].Code.Status()
	if family == hubrules.Identity && st.known && (status == http.StatusBadRequest || status == http.StatusUnauthorized) {
		if _, _, basic, _ := httpkit.BasicCredentials(r.Header.Get("Authorization")); basic && status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="hub"`) // RFC 6749 §5.2: the scheme the client used
		}
		writeOAuthError(w, apierr.As(err), status, problems[0].Text)
		return
	}
	switch status {
	case http.StatusTooManyRequests:
		if he, ok := hubrules.AsError(err); ok && he.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(he.RetryAfter))
		}
	case http.StatusUnauthorized:
		if w.Header().Get("WWW-Authenticate") == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hub"`)
		}
	case http.StatusRequestTimeout:
		w.Header().Set("Connection", "close") // the body may not have been read
	case http.StatusServiceUnavailable:
		if w.Header().Get("Retry-After") == "" {
			w.Header().Set("Retry-After", strconv.Itoa(DrainRetryAfter))
		}
	}
	body := gen.Error{Status: status, Errors: make([]gen.ErrorItem, len(problems))}
	for i, p := range problems {
		body.Errors[i] = gen.ErrorItem{Code: p.Code.Number(), Description: p.Description()}
	}
	httpkit.WriteJSON(w, status, body)
}

// problemsOf says what went wrong, with codes.
func problemsOf(w http.ResponseWriter, r *http.Request, err error, f hubrules.Family) []hubrules.Problem {
	if he, ok := hubrules.AsError(err); ok {
		return he.Problems
	}
	if errors.Is(err, context.DeadlineExceeded) || r.Context().Err() == context.DeadlineExceeded {
		return one(f.TimedOut(), "Request took too long to execute and timed out.")
	}
	kind, msg := httpkit.Describe(w, r, err) // logs an internal error, sets Allow on a 405
	switch kind {
	case apierr.Invalid, apierr.State, apierr.Conflict:
		return one(f.Unsupported(), sentence(msg))
	case apierr.Unauthorized:
		return one(f.Unauthorized(), sentence(msg))
	case apierr.Forbidden:
		return one(f.Forbidden(), sentence(msg))
	case apierr.NotFound:
		return one(hubrules.RouteNotFound, sentence(msg))
	case apierr.MethodNotAllowed:
		return one(hubrules.MethodNotAllowed, sentence(msg))
	case apierr.RateLimited:
		return one(hubrules.TooManyRequests, sentence(msg))
	case apierr.Timeout:
		return one(f.TimedOut(), sentence(msg))
	case apierr.Unavailable:
		return one(hubrules.Unavailable, sentence(msg))
	case apierr.Gone:
		return one(hubrules.EngNotAvailable, sentence(msg))
	case apierr.NotImplemented:
		return one(hubrules.PrtNotImplemented, sentence(msg))
	}
	return one(f.SystemError(), "System error: "+msg+".")
}

func one(c hubrules.Code, text string) []hubrules.Problem {
	return []hubrules.Problem{{Code: c, Text: text}}
}

// sentence ends a message with a full stop, as Hubster's descriptions do before "(code: …)".
func sentence(msg string) string {
	msg = strings.TrimSpace(msg)
	if msg == "" || strings.HasSuffix(msg, ".") {
		return msg
	}
	return msg + "."
}

// familyOf is the family whose codes an error answers with: the operation's, or for a route miss
// the one its path belongs to.
func familyOf(st *state, path string) hubrules.Family {
	if st.known {
		return st.op.family
	}
	rest := strings.TrimPrefix(path, Prefix)
	switch {
	case strings.HasPrefix(rest, "/connect/"):
		return hubrules.Identity
	case strings.HasPrefix(rest, "/api/v1/hubs"), strings.HasPrefix(rest, "/api/v1/integrations"):
		return hubrules.Portal
	case strings.HasPrefix(rest, "/inbound/"):
		return hubrules.Direct
	}
	return hubrules.Engine
}

// writeOAuthError answers an RFC 6749 §5.2 error (the official client parses these): the service
// names the error in apierr.Error.Reason; without one, 401 is invalid_client and 400
// invalid_request.
func writeOAuthError(w http.ResponseWriter, e *apierr.Error, status int, msg string) {
	code := gen.OAuthErrorError(e.Reason)
	switch {
	case status == http.StatusUnauthorized:
		code = gen.InvalidClient
	case code != gen.UnsupportedGrantType:
		code = gen.InvalidRequest
	}
	desc := strings.TrimSuffix(msg, ".")
	httpkit.WriteJSON(w, status, gen.OAuthError{Error: code, ErrorDescription: &desc})
}
