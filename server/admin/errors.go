package admin

import (
	"net/http"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

var codes = map[apierr.Kind]gen.ErrorDetailCode{
	apierr.Invalid:          gen.INVALIDPARAMETER,
	apierr.State:            gen.INVALIDSTATE,
	apierr.Unauthorized:     gen.UNAUTHORIZED,
	apierr.Forbidden:        gen.FORBIDDEN,
	apierr.NotFound:         gen.NOTFOUND,
	apierr.MethodNotAllowed: gen.METHODNOTALLOWED,
	apierr.Conflict:         gen.CONFLICT,
	apierr.RateLimited:      gen.RATELIMITED,
	apierr.Internal:         gen.INTERNALERROR,
}

// writeError is the only place an operator API error body is built: {"error":{"message","code"}}.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	kind, msg := httpkit.Describe(w, r, err)
	if kind == apierr.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="switchboard-admin"`)
	}
	httpkit.WriteJSON(w, httpkit.Status(kind), gen.Error{Error: gen.ErrorDetail{Message: msg, Code: codes[kind]}})
}
