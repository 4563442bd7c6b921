package messaging

import (
	"net/http"
	"strings"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// statuses maps each error kind to the Messaging API's status and code. The API publishes only
// 400, 401, 403, 404, 405 and 500 (reference §1.1), so the kinds it has no status for fold into
// those: a conflict with existing data is a 400 INVALID_STATE, rate limiting a 500.
var statuses = map[apierr.Kind]struct {
	status int
	code   gen.ErrorCode
}{
	apierr.Invalid:          {http.StatusBadRequest, gen.ErrorCodeInvalidParameter},
	apierr.State:            {http.StatusBadRequest, gen.ErrorCodeInvalidState},
	apierr.Conflict:         {http.StatusBadRequest, gen.ErrorCodeInvalidState},
	apierr.Unauthorized:     {http.StatusUnauthorized, gen.ErrorCodeUnauthorized},
	apierr.Forbidden:        {http.StatusForbidden, gen.ErrorCodeForbidden},
	apierr.NotFound:         {http.StatusNotFound, gen.ErrorCodeNotFound},
	apierr.MethodNotAllowed: {http.StatusMethodNotAllowed, gen.ErrorCodeMethodNotAllowed},
	apierr.RateLimited:      {http.StatusInternalServerError, gen.ErrorCodeInternalError},
	apierr.Internal:         {http.StatusInternalServerError, gen.ErrorCodeInternalError},
}

// writeError is the only place a Messaging API error body is built. Everywhere it is the
// envelope {"meta","data":null,"error":{"message","code"}}, except on the token endpoints
// (/oauth/*), which answer RFC 6749 errors {"error","error_description"} for everything but a
// route miss (404, 405: the envelope, as on every path).
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind, msg := httpkit.Describe(w, r, err)
	if strings.HasPrefix(r.URL.Path, Prefix+"/oauth/") && kind != apierr.NotFound && kind != apierr.MethodNotAllowed {
		writeOAuthError(w, r, apierr.As(err), kind, msg)
		return
	}
	s, ok := statuses[kind]
	if !ok {
		s = statuses[apierr.Internal]
	}
	if kind == apierr.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	httpkit.WriteJSON(w, s.status, gen.ErrorEnvelope{
		Meta:  h.meta(r.Context()),
		Error: gen.ErrorDetail{Message: msg, Code: s.code},
	})
}

// writeOAuthError answers an RFC 6749 §5.2 error. The service names the OAuth error in
// apierr.Error.Reason; without one the kind decides. invalid_client is a 401, with
// `WWW-Authenticate: Basic` when the client tried HTTP Basic.
func writeOAuthError(w http.ResponseWriter, r *http.Request, e *apierr.Error, kind apierr.Kind, msg string) {
	code := gen.OAuthErrorCode(e.Reason)
	if e.Reason == "" || kind == apierr.Internal {
		switch kind {
		case apierr.Unauthorized:
			code = gen.OAuthErrorCodeInvalidClient
		case apierr.Internal, apierr.RateLimited:
			code = gen.OAuthErrorCodeServerError
		default:
			code = gen.OAuthErrorCodeInvalidRequest
		}
	}
	status := http.StatusBadRequest
	switch code {
	case gen.OAuthErrorCodeInvalidClient:
		status = http.StatusUnauthorized
		if scheme, _, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " "); strings.EqualFold(scheme, "Basic") {
			w.Header().Set("WWW-Authenticate", `Basic realm="messaging"`)
		}
	case gen.OAuthErrorCodeServerError:
		status = http.StatusInternalServerError
	}
	httpkit.WriteJSON(w, status, gen.OAuthError{Error: code, ErrorDescription: msg})
}
