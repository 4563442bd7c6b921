// Package conformance checks live HTTP exchanges against Switchboard's OpenAPI specs and keeps
// a coverage matrix of the declared (operationId, status) pairs.
//
// A [Suite] holds several specs, one per API, each mounted under its own prefix. Scenario tests
// send their requests through [Suite.RoundTripper]; at the end they call [Suite.Check] (or
// [Suite.Err]), which fails on every violation and on every declared pair never exercised
// and not excluded, and logs the matrix:
//
//	suite, err := conformance.NewSuite(
//		conformance.Config{Name: "helpdesk", Spec: helpdeskYAML, Prefix: "/helpdesk", ErrorSchema: "Error"},
//		conformance.Config{Name: "admin", Spec: adminYAML, Prefix: "/admin", ErrorSchema: "Error"},
//	)
//	err = suite.LoadExclusions("testdata/exclusions.yaml")
//	client := &http.Client{Transport: suite.RoundTripper(nil)} // or HandlerTransport(handler)
//	... scenarios ...
//	suite.Check(t)
//
// # What is checked
//
// A request whose path is under a spec's Prefix (longest prefix wins) is routed, prefix
// stripped, with a gorillamux router built on the spec (servers dropped). A path under one of
// Config.Aliases is checked, and counted, as the operation it aliases (the Messaging API answers
// /messaging/questions/… like /messaging/v1/questions/…). Requests outside every prefix, and
// Config.Unchecked paths, pass through untouched and are only counted; so do CORS preflights
// (OPTIONS with Origin and Access-Control-Request-Method), which no spec describes.
//
// The request is validated with openapi3filter.ValidateRequest (MultiError, SkipSettingDefaults,
// and an AuthenticationFunc that only checks that the credential is present where the security
// scheme puts it: the suite knows no secrets; alternatives and the empty requirement `{}` follow
// kin's standard semantics). Scenarios send invalid requests on purpose, so an invalid request is
// not a violation: it is counted, and its response must be a rejection, i.e. a 4xx of that API
// (or a 5xx, which is reported as server-error anyway).
//
// Body decoders are process-global in kin-openapi: a caller whose server registers its own
// decoders (openapi3filter.RegisterBodyDecoder, e.g. a bracket-aware decoder for
// application/x-www-form-urlencoded with nested keys) must register the same ones before
// running the suite; otherwise requests the server accepts fail validation here and their 2xx
// answers are reported as negative-accepted.
//
// Violation kinds (at most one per root cause: when a body is not JSON its schema is not checked
// too, and so on):
//
//   - request: the request fails validation and the response is neither 2xx, 4xx nor 5xx
//     (e.g. a redirect).
//   - negative-accepted: the request fails validation and the response is 2xx.
//   - status-undeclared: the operation does not declare the status, exactly ("404") or as a
//     range ("4XX"); a status matched only by `default` counts as undeclared. Not reported on an
//     unexpected 5xx, which is a server-error instead.
//   - response-header: a header declared for the status is missing (if required) or does not
//     match its schema (kin, run per header so every bad header is reported).
//   - content-type: a body (non-error statuses, and error bodies that are JSON) comes without
//     Content-Type, with an unparseable one, or with one not declared for the status; or a 304
//     carries Content-Type.
//   - response-schema: a body of a 1xx/2xx/3xx status does not match the declared schema (kin's
//     ValidateResponse, MultiError).
//   - no-body-expected: a non-empty body on a 204, a 304, a HEAD response, or on a status whose
//     declared response has no content. (A 304 the operation does not declare is also a
//     status-undeclared; a 304 with Content-Type is a content-type violation.)
//   - empty-success: a 2xx whose declared response has content, with an empty body (e.g. a
//     handler that wrote nothing).
//   - etag: a 304 without the ETag header its declaration lists (required or not), or an ETag
//     value that is not an entity-tag ("…" or W/"…").
//   - location: a 201 whose declared response lists a Location header (required or not) without
//     one, or with one that is not a URI reference or does not name a resource of the same API
//     (resolved against the request URL, on the same host: under the spec's prefix and answered
//     by a GET operation of the spec).
//   - error-body: a 4xx/5xx body that is empty, not JSON (Content-Type not application/json or
//     *+json, or unparseable), or not matching its schema: the declared one; for an undeclared
//     status the operation's error schema; for a route miss the API's. An operation's error
//     schema is the one its declared 4xx/5xx JSON responses all reference (an OAuth endpoint
//     answering RFC 6749 errors in an API of envelopes), else the API's (Config.ErrorSchema);
//     Config.ErrorSchemaByPath overrides both by path prefix, for operations and route misses.
//   - route-miss: no operation matches the path and method, and the status is not 404 (path
//     unknown) or 405 (path documented, method not). Route misses answered 404/405 are counted in
//     the matrix under the pseudo-operation "(route-miss)", outside the declared pairs.
//   - allow-header: a 405 route miss without an Allow header, or whose Allow does not list
//     exactly the documented methods of the path (compared as sets).
//   - server-error: any 5xx, unless the request announced it (see below).
//   - expect-status: the response status differs from the one announced in
//     X-Conformance-Expect-Status, or the header is not a status code.
//   - body-read: reading the response body failed (the caller still gets the same bytes and error).
//
// # Deliberate server errors
//
// A scenario that triggers a 5xx on purpose sets the request header X-Conformance-Expect-Status
// ([ExpectStatusHeader]) to that status, e.g. "500". The RoundTripper strips the header before
// sending. A 5xx equal to it is not a server-error but must still be declared (status-undeclared
// otherwise) and carry a valid error body. The header works for any status: a response with
// another status is an expect-status violation.
//
// # What the transport does not see
//
// net/http drops bodies written on 204/304/HEAD responses and Content-Type on 304, so over a real
// connection to a Go server those checks can never fire. [HandlerTransport] serves requests
// in-process through an httptest.ResponseRecorder and passes on exactly what the handler wrote;
// wrap it with the suite's RoundTripper to catch those bugs too. Streaming responses
// (text/event-stream, NDJSON) are not buffered: only their status and headers are checked.
//
// # Coverage and exclusions
//
// Declared pairs are every (operationId, status key) of every operation, `default` left out;
// operations without an operationId are named "METHOD /path". A pair is hit when a checked
// exchange routed to that operation returned that status (valid request or not, violations or
// not). [Suite.LoadExclusions] reads a YAML or JSON list:
//
//	# conformance exclusions
//	- spec: helpdesk          # Config.Name
//	  operationId: getTicket  # as declared
//	  status: 304             # the status key as declared: 404, "4XX"
//	  reason: covered by the cache scenario   # required, shown in the matrix
//
// An entry for an unknown spec, operation, or status the operation does not declare, without a
// reason, duplicated, or with an unknown field fails the whole file. An excluded pair that is
// exercised anyway is a stale exclusion: the matrix marks it STALE and [Suite.Stale] lists it;
// it counts as exercised and does not fail Check.
//
// # Switchboard
//
// [NewSwitchboardSuite] configures the three APIs as the server mounts them (/messaging,
// /helpdesk, /admin); [Scenarios] drive them through the generated clients ([Env.Admin],
// [Env.HelpDesk], [Env.Messaging]), each scenario setting up its own tenants, OAuth clients,
// experts and settings through the operator API. Timers are tested on the server's virtual
// clock: start the target with --clock=virtual (`switchboard serve --clock=virtual`) and the
// timer scenarios move it with the operator API's advanceClock, which runs the due timers of
// every tenant on that server; against a wall-clock target they are skipped with the reason.
// [Run] (the `switchboard conformance` command) reads the target's clock mode with getClock
// first and excludes the setClock/advanceClock pairs that mode cannot produce (the 409 on a
// virtual clock, the 200 on the wall clock), besides the 500 of every operation
// (exclusions.yaml). The in-process test, go test ./conformance, needs no exclusion: it runs the
// scenarios on SQLite and PostgreSQL against a virtual-clock server, the clock scenario against
// a second, wall-clock server on the same database, then closes the database for the 500s.
package conformance
