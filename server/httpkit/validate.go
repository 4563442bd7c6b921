package httpkit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"
	middleware "github.com/oapi-codegen/nethttp-middleware"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// API describes one mounted API for the shared plumbing. An API supplies its error format and
// what it knows about its own requests; the edge (body limits, framing, JSON and text rules,
// early authentication) is the same for all.
type API struct {
	Prefix       string      // mount path, e.g. "/helpdesk"
	Docs         string      // where its documentation is, named by every route miss, e.g. "/docs/helpdesk/"
	Spec         *openapi3.T // the API's spec; owned by the validator from now on (its Servers are cleared)
	WriteError   ErrorWriter
	Authenticate openapi3filter.AuthenticationFunc

	// MaxBody is the body limit of every operation (0: DefaultMaxBody).
	MaxBody int64
	// Streamed, when it returns n > 0 for a request, hands its body to the handler unread, capped
	// at n bytes (a file upload): the validator checks everything but the body, which the handler
	// reads as a stream and checks itself (BodyProblem names read failures).
	Streamed func(r *http.Request) int64
	// Gate runs before a single byte of a body is read (only for requests with a body): it checks
	// credentials sent in headers, so an unauthenticated call is refused without reading its
	// body. It may return a request carrying what it found (for the authenticator to reuse).
	Gate func(r *http.Request) (*http.Request, error)
}

// NewRouter returns the API's sub-router: panics recovered in the API's format, the edge (see
// edge), JSON answers labelled UTF-8 and not HTML-escaped, then the middlewares given (in order),
// then request validation against the spec. Register the generated handlers on it and mount it
// at Prefix.
func NewRouter(api API, mws ...func(http.Handler) http.Handler) (chi.Router, error) {
	api.Spec.Servers = nil // the validator would otherwise match Host against `servers`
	router, err := gorillamux.NewRouter(api.Spec)
	if err != nil {
		return nil, fmt.Errorf("httpkit: routes of %s: %w", api.Prefix, err)
	}
	v := &validator{api: api, router: router}
	r := chi.NewRouter()
	r.Use(Recover(api.WriteError), api.edge, JSONCharset)
	r.Use(mws...)
	opts := middleware.Options{
		Prefix:               api.Prefix,
		ErrorHandlerWithOpts: v.handleError,
		Options: openapi3filter.Options{
			MultiError:          true,
			SkipSettingDefaults: true, // handlers see the request as it was sent
			AuthenticationFunc:  api.Authenticate,
		},
	}
	validate := middleware.OapiRequestValidatorWithOptions(api.Spec, &opts)
	if api.Streamed == nil {
		// No body is ever streamed: every request takes the full validation, and the start
		// does not build the body-less validator (a router of its own) for nothing.
		r.Use(validate)
	} else {
		r.Use(validateStreamed(api, &opts, validate))
	}
	// The validator answers every route miss first; these only guard against spec/router drift.
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { api.WriteError(w, r, api.notFound(r)) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { api.WriteError(w, r, v.methodNotAllowed(r)) })
	return r, nil
}

// validateStreamed is validate, except for a request whose body api.Streamed hands to the
// handler unread: that one is validated without its body.
func validateStreamed(api API, opts *middleware.Options, validate func(http.Handler) http.Handler) func(http.Handler) http.Handler {
	opts.Options.ExcludeRequestBody = true
	validateNoBody := middleware.OapiRequestValidatorWithOptions(api.Spec, opts)
	return func(next http.Handler) http.Handler {
		full := validate(next)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !hasBody(r) || api.streamed(r) == 0 {
				full.ServeHTTP(w, r)
				return
			}
			// A streamed body stays unread: the validator (whose authentication step would read
			// the whole body into memory) sees none, the handler gets it back.
			body, n := r.Body, r.ContentLength
			r.Body, r.ContentLength = http.NoBody, 0
			validateNoBody(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				r.Body, r.ContentLength = body, n
				next.ServeHTTP(w, r)
			})).ServeHTTP(w, r)
		})
	}
}

type validator struct {
	api    API
	router routers.Router
}

func (v *validator) handleError(ctx context.Context, err error, w http.ResponseWriter, r *http.Request, _ middleware.ErrorHandlerOpts) {
	switch {
	case errors.Is(err, routers.ErrPathNotFound):
		v.api.WriteError(w, r, v.api.notFound(r))
	case errors.Is(err, routers.ErrMethodNotAllowed):
		v.api.WriteError(w, r, v.methodNotAllowed(r))
	default:
		v.api.WriteError(w, r, RequestProblem(err))
	}
}

func (api API) notFound(r *http.Request) error {
	msg := fmt.Sprintf("no route for %s %s", Cap(r.Method, 20), Cap(r.URL.Path, 200))
	if api.Docs != "" {
		msg += "; the operations are listed at " + api.Docs
	}
	return apierr.NotFoundf("%s", msg)
}

var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// methodNotAllowed lists the documented methods of the request's path in Allow.
func (v *validator) methodNotAllowed(r *http.Request) error {
	probe := r.Clone(r.Context())
	probe.URL.Path = strings.TrimPrefix(r.URL.Path, v.api.Prefix)
	probe.URL.RawPath = ""
	var allow []string
	for _, m := range probeMethods {
		probe.Method = m
		if _, _, err := v.router.FindRoute(probe); err == nil {
			allow = append(allow, m)
		}
	}
	return &apierr.Error{Kind: apierr.MethodNotAllowed, Allow: allow,
		Message: fmt.Sprintf("method %s is not allowed on %s; allowed: %s", Cap(r.Method, 20), Cap(r.URL.Path, 200), strings.Join(allow, ", "))}
}

// RequestProblem turns a request validation failure into an apierr: bad credentials become
// Unauthorized (with the authenticator's own message), everything else Invalid, with one message
// per problem, each naming the parameter or body field.
func RequestProblem(err error) *apierr.Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return apierr.Invalidf("request body: larger than %d bytes", tooBig.Limit)
	}
	var sec *openapi3filter.SecurityRequirementsError
	if errors.As(err, &sec) {
		for _, e := range sec.Errors {
			var ae *apierr.Error
			if errors.As(e, &ae) {
				return ae
			}
		}
		if len(sec.Errors) > 0 {
			// The authenticator failed for a reason that is not about the credentials (the
			// database is down): an internal error, whose cause is logged, not a 401.
			return &apierr.Error{Kind: apierr.Internal, Message: "authenticating: " + errors.Join(sec.Errors...).Error()}
		}
		return apierr.Unauthorizedf("missing or invalid credentials")
	}
	var msgs []string
	for _, e := range flatten(err) {
		var ae *apierr.Error
		if errors.As(e, &ae) && ae.Kind == apierr.Unauthorized {
			return ae
		}
		msgs = append(msgs, requestErrorMessage(e)...)
	}
	sort.Strings(msgs)
	msgs = onePerField(msgs)
	if len(msgs) == 0 {
		msgs = []string{"invalid request"}
	}
	return apierr.Invalidf("%s", strings.Join(msgs, "; "))
}

// flatten expands MultiErrors (only at the top: errors.As would look through a RequestError
// into its schema errors and lose which parameter or body they belong to).
func flatten(err error) []error {
	if me, ok := err.(openapi3.MultiError); ok {
		var out []error
		for _, e := range me {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}

func requestErrorMessage(err error) []string {
	var re *openapi3filter.RequestError
	if !errors.As(err, &re) {
		var ae *apierr.Error
		if errors.As(err, &ae) {
			return []string{ae.Message}
		}
		return []string{err.Error()}
	}
	var where string
	switch {
	case re.Parameter != nil:
		where = fmt.Sprintf("%s parameter %q", re.Parameter.In, re.Parameter.Name)
	case re.RequestBody != nil:
		where = "request body"
	}
	if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
		if re.RequestBody != nil {
			return []string{"request body is required" + requiredFields(re.RequestBody)}
		}
		return []string{where + " is required"}
	}
	if re.Err == nil {
		reason := re.Reason
		switch {
		case reason == "value is required but missing":
			reason = "is required"
		case strings.HasPrefix(reason, "header Content-Type has unexpected value"):
			return []string{fmt.Sprintf("unsupported content type %q: see the API's documentation for the accepted ones",
				re.Input.Request.Header.Get("Content-Type"))}
		}
		return []string{strings.TrimSpace(where + " " + reason)}
	}
	var out []string
	for _, e := range flatten(re.Err) {
		var se *openapi3.SchemaError
		var pe *openapi3filter.ParseError
		var ae *apierr.Error
		switch {
		case errors.As(e, &se):
			field, reason := SchemaProblem(se)
			switch {
			case re.Parameter != nil:
				out = append(out, where+": "+reason)
			case field != "":
				out = append(out, field+": "+reason)
			default:
				out = append(out, where+": "+reason)
			}
		case errors.As(e, &ae):
			out = append(out, ae.Message)
		case errors.As(e, &pe):
			out = append(out, where+": "+parseReason(pe))
		default:
			out = append(out, where+": "+e.Error())
		}
	}
	return out
}

// requiredFields names the fields a body must have, e.g. " (required: helpDeskId)".
func requiredFields(rb *openapi3.RequestBody) string {
	for _, mt := range []string{"application/x-www-form-urlencoded", "application/json"} {
		if c := rb.Content.Get(mt); c != nil && c.Schema != nil && c.Schema.Value != nil && len(c.Schema.Value.Required) > 0 {
			return " (required: " + strings.Join(c.Schema.Value.Required, ", ") + ")"
		}
	}
	return ""
}

func parseReason(pe *openapi3filter.ParseError) string {
	var ae *apierr.Error
	if pe.Cause != nil && errors.As(pe.Cause, &ae) {
		return ae.Message
	}
	if strings.HasPrefix(pe.Reason, "an invalid ") { // "an invalid integer", "an invalid number", ...
		return "must be " + strings.Replace(pe.Reason, "an invalid ", "a valid ", 1)
	}
	if pe.Reason != "" {
		return pe.Reason
	}
	if pe.Cause != nil {
		return pe.Cause.Error()
	}
	return "cannot be parsed"
}

// SchemaProblem names the field a schema error is about (dotted path) and says what is wrong in
// plain words. A schema may carry `x-pattern-message` to explain its pattern.
func SchemaProblem(se *openapi3.SchemaError) (field, reason string) {
	path := se.JSONPointer()
	s := se.Schema
	switch se.SchemaField {
	case "required":
		reason = "is required" // the pointer already names the missing property
	case "pattern":
		reason = "does not match the pattern " + s.Pattern
		if msg, ok := s.Extensions["x-pattern-message"].(string); ok {
			reason = msg
		} else if s.Pattern == textrule.NotBlankPattern {
			reason = "must not be blank"
		}
	case "minLength":
		if s.MinLength == 1 {
			reason = "must not be empty"
		} else {
			reason = fmt.Sprintf("must be at least %d characters", s.MinLength)
		}
	case "maxLength":
		reason = fmt.Sprintf("must be at most %d characters", *s.MaxLength)
	case "type":
		reason = "must be " + article(s.Type.Slice())
	case "enum":
		vals := make([]string, len(s.Enum))
		for i, v := range s.Enum {
			vals[i] = fmt.Sprint(v)
		}
		reason = "must be one of " + strings.Join(vals, ", ")
	case "minimum":
		reason = fmt.Sprintf("must be at least %v", *s.Min)
	case "maximum":
		reason = fmt.Sprintf("must be at most %v", *s.Max)
	case "format":
		reason = "must be a valid " + s.Format
	case "properties", "additionalProperties":
		name, ok := quoted(se.Reason)
		if !ok || !strings.Contains(se.Reason, "unsupported") {
			reason = se.Reason
			break
		}
		path = append(path, name)
		reason = "is not a known field"
	default:
		reason = se.Reason
	}
	return strings.Join(path, "."), reason
}

func quoted(s string) (string, bool) {
	i := strings.IndexByte(s, '"')
	j := strings.LastIndexByte(s, '"')
	if i < 0 || j <= i {
		return "", false
	}
	return s[i+1 : j], true
}

func article(types []string) string {
	if len(types) == 0 {
		return "of another type"
	}
	t := types[0]
	switch t {
	case "object":
		return "an object (a map of names to values)"
	case "array":
		return "a list"
	case "integer":
		return "an integer"
	default:
		return "a " + t
	}
}

// onePerField keeps the first of several messages about the same field ("name: must not be
// blank" and "name: must not be empty" say one thing); msgs is sorted.
func onePerField(msgs []string) []string {
	out := msgs[:0]
	last := "\x00"
	for _, m := range msgs {
		field, _, _ := strings.Cut(m, ": ")
		if field != last {
			out = append(out, m)
		}
		last = field
	}
	return out
}
