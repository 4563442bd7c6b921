package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// Config describes one API spec checked by a [Suite].
type Config struct {
	// Name identifies the spec in violations, coverage rows, exclusions and the matrix, e.g. "helpdesk".
	Name string
	// Spec is the OpenAPI 3.0 document, YAML or JSON, self-contained (no external $refs).
	Spec []byte
	// Prefix is the mount path of the API on the server, e.g. "/helpdesk". A request whose path
	// equals Prefix or starts with Prefix+"/" is checked against this spec (the longest matching
	// prefix wins); the prefix is stripped before the route lookup. "" mounts the spec at the root.
	Prefix string
	// ErrorSchema names the components.schemas entry that route misses (404/405) and undeclared
	// 4xx/5xx statuses must carry, e.g. "Error": the API's default error schema. If empty, NewSuite
	// infers it: the one schema that every JSON content of every 4xx/5xx response references; it
	// fails if there is no such single schema (an API with several error shapes must name it).
	//
	// An operation whose declared 4xx/5xx JSON responses all reference one schema uses that one
	// for its undeclared error statuses instead (an OAuth token endpoint answering RFC 6749
	// errors inside an API whose other operations answer an envelope); ErrorSchemaByPath
	// overrides both.
	ErrorSchema string
	// ErrorSchemaByPath chooses the error schema by path: a key is a path prefix given without
	// Prefix (e.g. "/oauth/"), its value a components.schemas name. It applies to operations
	// whose path template starts with the key and to route misses whose request path does; the
	// longest matching key wins over the operation's own schema and over ErrorSchema.
	ErrorSchemaByPath map[string]string
	// Aliases are path prefixes (given without Prefix) the server also answers under another
	// name: a request whose path equals a key or continues it with "/" is checked, and counted,
	// as the request with the key replaced by its value, e.g. {"/questions": "/v1/questions"}
	// checks GET /questions/{uuid} as getQuestion. The longest matching key wins.
	Aliases map[string]string
	// Unchecked lists paths under Prefix (given without the prefix, e.g. "/openapi.json") that the
	// server serves outside the spec. They pass through unchecked and are counted as unchecked.
	Unchecked []string
	// DefaultRequestContentType is the media type the API documents for a request body sent
	// without Content-Type; such a request is validated as if it carried it.
	DefaultRequestContentType string
	// Authenticate replaces the default presence check of credentials when an API accepts them
	// somewhere a security scheme cannot describe (the Help Desk token may be a body field).
	Authenticate openapi3filter.AuthenticationFunc
	// ReadAs, when set, rewrites the copy of each request that is validated into the request as
	// the API documents reading it, for leniencies a spec cannot state (the Desk API reads every
	// body as JSON, drops null members as absent and keeps the first value of a repeated query
	// parameter). The request sent to the server is not changed.
	ReadAs func(probe *http.Request)
}

// Violation is one failed check on one exchange.
type Violation struct {
	Spec        string // Config.Name
	Method      string // request method
	Path        string // request path as sent, prefix included
	OperationID string // operationId of the matched operation, RouteMissOperation on a route miss
	Status      int    // response status
	Kind        string // one of the Kind* constants
	Message     string
	Curl        string // a curl command reproducing the request
}

func (v Violation) String() string {
	return fmt.Sprintf("[%s/%s] %s: %s %s → %d: %s\n\treproduce: %s",
		v.Spec, v.OperationID, v.Kind, v.Method, v.Path, v.Status, v.Message, v.Curl)
}

// Pair is one row of the coverage matrix: a declared (operationId, status) pair of a spec, or
// a route-miss row (OperationID == RouteMissOperation, Status "404" or "405", never declared).
type Pair struct {
	Spec        string
	OperationID string
	Status      string // the key as declared: "200", "404", "4XX", ...
	Hits        int
	Excluded    string // reason, "" if not excluded
}

// RouteMissOperation is the pseudo operationId of route-miss coverage rows and violations.
const RouteMissOperation = "(route-miss)"

// ExpectStatusHeader marks an exchange whose status the scenario expects, e.g. "500" for a
// deliberately triggered internal error. The RoundTripper strips it before sending. A 5xx equal
// to the expected status is not reported as a server-error (it must still be declared); any
// status other than the expected one is reported as an expect-status violation.
const ExpectStatusHeader = "X-Conformance-Expect-Status"

// Suite checks exchanges against several specs at once. It is safe for concurrent use.
type Suite struct {
	specs    []*spec // in Config order
	byPrefix []*spec // longest prefix first

	mu          sync.Mutex
	violations  []Violation
	hits        map[pairKey]int
	exclusions  map[pairKey]string
	unchecked   int
	exchanges   map[string]int // per spec: checked exchanges
	invalidReqs map[string]int // per spec: requests that failed request validation
}

type pairKey struct{ spec, op, status string }

type spec struct {
	name, prefix  string
	doc           *openapi3.T
	router        routers.Router
	errSchema     *openapi3.SchemaRef
	errSchemaName string
	errByPath     []pathSchema // longest prefix first
	aliases       [][2]string  // {from, to}, longest from first
	ops           []*opInfo    // path order, then method order
	opByID        map[string]*opInfo
	opByRoute     map[string]*opInfo // "METHOD /path/template"
	methods       []string           // every method the spec uses, to probe the router on 405
	unchecked     map[string]bool
	reqOpts       *openapi3filter.Options
	defaultType   string
	readAs        func(*http.Request)
}

type opInfo struct {
	id, method, path string
	op               *openapi3.Operation
	statuses         []string // declared response keys, "default" left out, sorted
	errSchema        *openapi3.SchemaRef
	errSchemaName    string // for undeclared 4xx/5xx statuses of this operation
}

// pathSchema is one Config.ErrorSchemaByPath entry, resolved.
type pathSchema struct {
	prefix string
	name   string
	schema *openapi3.SchemaRef
}

// NewSuite loads each spec with kin-openapi (validating it), drops its servers on the
// validator's copy and builds a gorillamux router per spec.
func NewSuite(cfgs ...Config) (*Suite, error) {
	if len(cfgs) == 0 {
		return nil, errors.New("conformance: no spec configured")
	}
	s := &Suite{
		hits:        map[pairKey]int{},
		exclusions:  map[pairKey]string{},
		exchanges:   map[string]int{},
		invalidReqs: map[string]int{},
	}
	names, prefixes := map[string]bool{}, map[string]string{}
	for _, cfg := range cfgs {
		if cfg.Name == "" {
			return nil, errors.New("conformance: a Config has no Name")
		}
		if names[cfg.Name] {
			return nil, fmt.Errorf("conformance: duplicate spec name %q", cfg.Name)
		}
		names[cfg.Name] = true
		sp, err := loadSpec(cfg)
		if err != nil {
			return nil, fmt.Errorf("conformance: spec %q: %w", cfg.Name, err)
		}
		if other, dup := prefixes[sp.prefix]; dup {
			return nil, fmt.Errorf("conformance: specs %q and %q share prefix %q", other, cfg.Name, sp.prefix)
		}
		prefixes[sp.prefix] = cfg.Name
		s.specs = append(s.specs, sp)
	}
	s.byPrefix = slices.Clone(s.specs)
	sort.SliceStable(s.byPrefix, func(i, j int) bool { return len(s.byPrefix[i].prefix) > len(s.byPrefix[j].prefix) })
	return s, nil
}

var methodOrder = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodTrace, http.MethodConnect,
}

func methodRank(m string) int {
	if i := slices.Index(methodOrder, m); i >= 0 {
		return i
	}
	return len(methodOrder)
}

func loadSpec(cfg Config) (*spec, error) {
	if len(cfg.Spec) == 0 {
		return nil, errors.New("empty Spec")
	}
	prefix := strings.TrimRight(cfg.Prefix, "/")
	if prefix != "" && !strings.HasPrefix(prefix, "/") {
		return nil, fmt.Errorf("prefix %q must start with /", cfg.Prefix)
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(cfg.Spec)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("invalid spec: %w", err)
	}
	// The router would otherwise match Host and base path against `servers`.
	doc.Servers = nil
	if doc.Paths == nil {
		doc.Paths = openapi3.NewPaths()
	}
	for _, p := range doc.Paths.Keys() {
		item := doc.Paths.Value(p)
		item.Servers = nil
		for _, op := range item.Operations() {
			op.Servers = nil
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	sp := &spec{
		name:      cfg.Name,
		prefix:    prefix,
		doc:       doc,
		router:    router,
		opByID:    map[string]*opInfo{},
		opByRoute: map[string]*opInfo{},
		unchecked: map[string]bool{},
	}
	for _, u := range cfg.Unchecked {
		sp.unchecked[u] = true
	}
	for from, to := range cfg.Aliases {
		if !strings.HasPrefix(from, "/") || !strings.HasPrefix(to, "/") {
			return nil, fmt.Errorf("alias %q → %q: both must start with /", from, to)
		}
		sp.aliases = append(sp.aliases, [2]string{strings.TrimRight(from, "/"), strings.TrimRight(to, "/")})
	}
	sort.Slice(sp.aliases, func(i, j int) bool {
		a, b := sp.aliases[i][0], sp.aliases[j][0]
		return len(a) > len(b) || len(a) == len(b) && a < b
	})
	methods := map[string]bool{}
	paths := doc.Paths.Keys()
	sort.Strings(paths)
	for _, p := range paths {
		ops := doc.Paths.Value(p).Operations()
		ms := make([]string, 0, len(ops))
		for m := range ops {
			ms = append(ms, m)
			methods[m] = true
		}
		sort.Slice(ms, func(i, j int) bool {
			if ri, rj := methodRank(ms[i]), methodRank(ms[j]); ri != rj {
				return ri < rj
			}
			return ms[i] < ms[j]
		})
		for _, m := range ms {
			op := ops[m]
			oi := &opInfo{id: op.OperationID, method: m, path: p, op: op}
			if oi.id == "" {
				oi.id = m + " " + p
			}
			if prev, dup := sp.opByID[oi.id]; dup {
				return nil, fmt.Errorf("operationId %q used by %s %s and %s %s", oi.id, prev.method, prev.path, m, p)
			}
			if op.Responses != nil {
				for _, k := range op.Responses.Keys() {
					if k != "default" {
						oi.statuses = append(oi.statuses, strings.ToUpper(k))
					}
				}
			}
			sort.Strings(oi.statuses)
			sp.ops = append(sp.ops, oi)
			sp.opByID[oi.id] = oi
			sp.opByRoute[m+" "+p] = oi
		}
	}
	for m := range methods {
		sp.methods = append(sp.methods, m)
	}
	sort.Strings(sp.methods)

	if err := sp.resolveErrorSchema(cfg.ErrorSchema); err != nil {
		return nil, err
	}
	if err := sp.resolveOperationErrorSchemas(cfg.ErrorSchemaByPath); err != nil {
		return nil, err
	}
	sp.reqOpts = &openapi3filter.Options{
		MultiError:          true,
		SkipSettingDefaults: true,
		AuthenticationFunc:  credentialPresent,
	}
	sp.defaultType = cfg.DefaultRequestContentType
	sp.readAs = cfg.ReadAs
	if cfg.Authenticate != nil {
		sp.reqOpts.AuthenticationFunc = cfg.Authenticate
	}
	return sp, nil
}

func (sp *spec) resolveErrorSchema(name string) error {
	if name != "" {
		ref := sp.schemaNamed(name)
		if ref == nil {
			return fmt.Errorf("ErrorSchema %q is not in components.schemas", name)
		}
		sp.errSchema, sp.errSchemaName = ref, name
		return nil
	}
	// Infer: the single component schema referenced by every JSON content of every 4xx/5xx response.
	found := map[string]bool{}
	unnamed := false
	for _, oi := range sp.ops {
		names, inline := errorSchemaRefs(oi.op)
		for n := range names {
			found[n] = true
		}
		unnamed = unnamed || inline
	}
	if len(found) != 1 || unnamed {
		names := make([]string, 0, len(found))
		for n := range found {
			names = append(names, n)
		}
		sort.Strings(names)
		return fmt.Errorf("cannot infer the error schema (4xx/5xx responses reference %v, inline schemas: %v): set Config.ErrorSchema", names, unnamed)
	}
	for n := range found {
		return sp.resolveErrorSchema(n)
	}
	return nil
}

// schemaNamed returns the components.schemas entry name, or nil.
func (sp *spec) schemaNamed(name string) *openapi3.SchemaRef {
	if sp.doc.Components == nil {
		return nil
	}
	if ref := sp.doc.Components.Schemas[name]; ref != nil && ref.Value != nil {
		return ref
	}
	return nil
}

// errorSchemaRefs returns the component schemas the JSON contents of op's 4xx/5xx responses
// reference, and whether any of them is inline.
func errorSchemaRefs(op *openapi3.Operation) (names map[string]bool, inline bool) {
	names = map[string]bool{}
	if op == nil || op.Responses == nil {
		return names, false
	}
	for code, rr := range op.Responses.Map() {
		if code == "default" || code[0] < '4' || rr == nil || rr.Value == nil {
			continue
		}
		for mt, media := range rr.Value.Content {
			if !isJSONMediaType(mt) || media == nil || media.Schema == nil {
				continue
			}
			if n, ok := strings.CutPrefix(media.Schema.Ref, "#/components/schemas/"); ok {
				names[n] = true
			} else {
				inline = true
			}
		}
	}
	return names, inline
}

// resolveOperationErrorSchemas gives every operation the schema its undeclared error statuses
// must carry: the by-path override, else the single schema its own error responses reference,
// else the API's.
func (sp *spec) resolveOperationErrorSchemas(byPath map[string]string) error {
	for prefix, name := range byPath {
		ref := sp.schemaNamed(name)
		if ref == nil {
			return fmt.Errorf("ErrorSchemaByPath[%q]: %q is not in components.schemas", prefix, name)
		}
		if !strings.HasPrefix(prefix, "/") {
			return fmt.Errorf("ErrorSchemaByPath key %q must start with /", prefix)
		}
		sp.errByPath = append(sp.errByPath, pathSchema{prefix: prefix, name: name, schema: ref})
	}
	sort.Slice(sp.errByPath, func(i, j int) bool {
		a, b := sp.errByPath[i].prefix, sp.errByPath[j].prefix
		return len(a) > len(b) || len(a) == len(b) && a < b
	})
	for _, oi := range sp.ops {
		oi.errSchema, oi.errSchemaName = sp.errSchema, sp.errSchemaName
		if ps := sp.byPath(oi.path); ps != nil {
			oi.errSchema, oi.errSchemaName = ps.schema, ps.name
			continue
		}
		if names, inline := errorSchemaRefs(oi.op); len(names) == 1 && !inline {
			for n := range names {
				if ref := sp.schemaNamed(n); ref != nil {
					oi.errSchema, oi.errSchemaName = ref, n
				}
			}
		}
	}
	return nil
}

// byPath returns the longest ErrorSchemaByPath entry covering path (prefix stripped), or nil.
func (sp *spec) byPath(path string) *pathSchema {
	for i := range sp.errByPath {
		if strings.HasPrefix(path, sp.errByPath[i].prefix) {
			return &sp.errByPath[i]
		}
	}
	return nil
}

// missErrorSchema is the schema a route miss on path (prefix stripped) must carry.
func (sp *spec) missErrorSchema(path string) (*openapi3.SchemaRef, string) {
	if ps := sp.byPath(path); ps != nil {
		return ps.schema, ps.name
	}
	return sp.errSchema, sp.errSchemaName
}

// match returns the spec whose prefix covers the path, or nil.
func (s *Suite) match(path string) *spec {
	for _, sp := range s.byPrefix {
		if sp.prefix == "" || path == sp.prefix || strings.HasPrefix(path, sp.prefix+"/") {
			return sp
		}
	}
	return nil
}

// strip returns a copy of u with the spec's prefix removed from the path.
func (sp *spec) strip(u *url.URL) *url.URL {
	v := *u
	v.Path = strings.TrimPrefix(u.Path, sp.prefix)
	if v.Path == "" {
		v.Path = "/"
	}
	if u.RawPath != "" {
		if raw, ok := strings.CutPrefix(u.RawPath, sp.prefix); ok {
			if raw == "" {
				raw = "/"
			}
			v.RawPath = raw
		} else {
			v.RawPath = ""
		}
	}
	return &v
}

// unalias rewrites u (prefix already stripped) when its path starts with an alias.
func (sp *spec) unalias(u *url.URL) *url.URL {
	for _, a := range sp.aliases {
		rest, ok := strings.CutPrefix(u.Path, a[0])
		if !ok || rest != "" && !strings.HasPrefix(rest, "/") {
			continue
		}
		v := *u
		v.Path = a[1] + rest
		v.RawPath = ""
		if raw, ok := strings.CutPrefix(u.RawPath, a[0]); ok {
			v.RawPath = a[1] + raw
		}
		return &v
	}
	return u
}

// credentialPresent is the conformance suite's AuthenticationFunc: it knows no secrets, so it only
// checks that the credential is present where the security scheme says. Kin's semantics apply
// around it: alternatives are OR-ed, and an empty requirement `{}` makes security optional.
func credentialPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	ss := in.SecurityScheme
	r := in.RequestValidationInput.Request
	switch ss.Type {
	case "apiKey":
		switch ss.In {
		case "header":
			if r.Header.Get(ss.Name) != "" {
				return nil
			}
		case "query":
			if r.URL.Query().Get(ss.Name) != "" {
				return nil
			}
		case "cookie":
			if c, err := r.Cookie(ss.Name); err == nil && c.Value != "" {
				return nil
			}
		default:
			return nil
		}
		return in.NewError(fmt.Errorf("no %s %q", ss.In, ss.Name))
	case "http":
		if authorizationHas(r, ss.Scheme) {
			return nil
		}
		return in.NewError(fmt.Errorf("no Authorization: %s credential", ss.Scheme))
	case "oauth2", "openIdConnect":
		if authorizationHas(r, "bearer") {
			return nil
		}
		return in.NewError(errors.New("no Authorization: Bearer credential"))
	default: // mutualTLS and future types cannot be checked from here
		return nil
	}
}

func authorizationHas(r *http.Request, scheme string) bool {
	auth := strings.TrimSpace(r.Header.Get("Authorization"))
	if auth == "" {
		return false
	}
	if scheme == "" {
		return true
	}
	word, cred, ok := strings.Cut(auth, " ")
	return ok && strings.EqualFold(word, scheme) && strings.TrimSpace(cred) != ""
}
