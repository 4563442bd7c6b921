package desk

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/ratelimit"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// writeError is the only place a Desk API error body is built: {"message": "…"}, where message is
// one of the vendor's strings (deskrules.VendorMessage), except on a route miss, which points to
// the docs as every API's does (the edge's message: "no route for GET /desk/x; the operations are
// listed at /docs/desk/"). A 429 carries Retry-After. Internal errors are logged by
// httpkit.Describe and answered with the vendor's generic 500 text.
func (in *intake) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var limited *rateLimited
	if errors.As(err, &limited) {
		w.Header().Set("Retry-After", strconv.Itoa(ratelimit.RetryAfterSeconds(limited.wait)))
	}
	err = in.edgeProblem(r, err)
	kind, _ := httpkit.Describe(w, r, err)
	msg := deskrules.VendorMessage(kind, apierr.As(err).Message)
	if _, _, found := in.route(r); kind == apierr.NotFound && !found {
		msg = apierr.As(err).Message // no operation has this path: not an entity the vendor could not find
	}
	httpkit.WriteJSON(w, status(kind), gen.Error{Message: msg})
}

// edgeProblem restates a 400 of the shared edge about the text of the path or the query (not
// valid UTF-8, or holding NUL) as the vendor's 400 of that parameter. Other errors pass unchanged
// (deskrules.VendorMessage reads every other 400 that is not the vendor's as the body's).
func (in *intake) edgeProblem(r *http.Request, err error) error {
	e := apierr.As(err)
	if e.Kind != apierr.Invalid {
		return err
	}
	switch {
	case strings.HasPrefix(e.Message, "path:"):
		route, params, ok := in.route(r)
		if !ok {
			return deskrules.NotFound()
		}
		names := pathParams(route.Path)
		for _, name := range names {
			if textrule.Check(params[name]) != nil {
				return deskrules.PathParam(name)
			}
		}
		if len(names) > 0 {
			return deskrules.PathParam(names[0])
		}
		return deskrules.NotFound()
	case strings.HasPrefix(e.Message, `query parameter "`):
		name, _, _ := strings.Cut(strings.TrimPrefix(e.Message, `query parameter "`), `"`)
		return deskrules.QueryParam(name)
	}
	return err
}

// status is the shared mapping of error kinds to statuses, except that the Desk API has no 403:
// a token without a right is a 401, as Dixa answers.
func status(k apierr.Kind) int {
	if k == apierr.Forbidden {
		return http.StatusUnauthorized
	}
	return httpkit.Status(k)
}
