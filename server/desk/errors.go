package desk

import (
	"net/http"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// writeError is the only place a Desk API error body is built: {"message": "…"}, where message is
// always one of the vendor's strings (deskrules.VendorMessage). Internal errors are logged by
// httpkit.Describe and answered with the vendor's generic 500 text.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind, _ := httpkit.Describe(w, r, err)
	msg := deskrules.VendorMessage(kind, apierr.As(err).Message)
	httpkit.WriteJSON(w, status(kind), gen.Error{Message: msg})
}

// status maps an error kind to the Desk API's status.
func status(k apierr.Kind) int {
	switch k {
	case apierr.Invalid, apierr.State:
		return http.StatusBadRequest
	case apierr.Unauthorized, apierr.Forbidden:
		return http.StatusUnauthorized
	case apierr.NotFound:
		return http.StatusNotFound
	case apierr.MethodNotAllowed:
		return http.StatusMethodNotAllowed
	case apierr.Conflict:
		return http.StatusConflict
	case apierr.RateLimited:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}
