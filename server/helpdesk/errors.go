package helpdesk

import (
	"net/http"

	gen "github.com/switchboard-dev/switchboard/gen/helpdesk"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// statuses maps each error kind to the Help Desk API's status and code. The API publishes only
// 400, 401, 404, 405 and 500, so kinds it never produces on purpose fold into those.
var statuses = map[apierr.Kind]struct {
	status int
	code   gen.ErrorDetailCode
}{
	apierr.Invalid:          {http.StatusBadRequest, gen.INVALIDPARAMETER},
	apierr.Conflict:         {http.StatusBadRequest, gen.INVALIDPARAMETER},
	apierr.State:            {http.StatusBadRequest, gen.INVALIDPARAMETER},
	apierr.Unauthorized:     {http.StatusUnauthorized, gen.UNAUTHORIZED},
	apierr.Forbidden:        {http.StatusUnauthorized, gen.UNAUTHORIZED},
	apierr.NotFound:         {http.StatusNotFound, gen.NOTFOUND},
	apierr.MethodNotAllowed: {http.StatusMethodNotAllowed, gen.METHODNOTALLOWED},
	apierr.RateLimited:      {http.StatusInternalServerError, gen.INTERNALERROR},
	apierr.Internal:         {http.StatusInternalServerError, gen.INTERNALERROR},
}

// writeError is the only place a Help Desk error body is built: {"error":{"message","code"}}.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind, msg := httpkit.Describe(w, r, err)
	s := statuses[kind]
	httpkit.WriteJSON(w, s.status, gen.Error{Error: gen.ErrorDetail{Message: msg, Code: s.code}})
}
