package docs

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "github.com/oasdiff/yaml3"
)

// ---- view model: plain data the templates render ----

type indexView struct {
	APIs      []apiSummary
	Assets    string
	IndexHref string // the index itself: "./" served, "index.html" static
}

type apiSummary struct {
	Name, Title, Version string
	Summary              template.HTML
	BasePath             string
	Href                 string // the API's page, relative to the index
	SpecYAML, SpecJSON   string
	Operations           int
}

type pageView struct {
	Name, Title, Version string
	OpenAPI              string
	Description          template.HTML
	BasePath             string
	Contact              string
	License              string
	Servers              []serverView
	Schemes              []schemeView
	DefaultAuth          []string
	Groups               []*groupView
	Schemas              []schemaEntry
	IndexHref            string
	Assets               string
}

type serverView struct {
	URL         string
	Description template.HTML
	Variables   []serverVar
}

type serverVar struct {
	Name, Default string
	Enum          []string
	Description   template.HTML
}

type schemeView struct {
	Name, Type, Detail string
	Description        template.HTML
	Flows              []flowView
}

type flowView struct {
	Kind, AuthorizationURL, TokenURL string
	Scopes                           []string
}

type groupView struct {
	Name        string
	Slug        string
	Description template.HTML
	Ops         []*opView
}

type opView struct {
	ID          string // element id, "op-<operationId>"
	OperationID string
	Method      string
	MethodClass string
	Path        string // as in the spec
	FullPath    string // BasePath + Path
	Summary     string
	Title       string // summary, else the path
	Description template.HTML
	Tags        []string
	Deprecated  bool
	Auth        []string // alternatives, e.g. "bearerAuth"; nil = spec default
	NoAuth      bool
	Params      []paramView
	Body        *bodyView
	Responses   []responseView
	Curl        string
}

type paramView struct {
	Name, In    string
	Required    bool
	Deprecated  bool
	Description template.HTML
	Schema      *schemaView
}

type bodyView struct {
	Description template.HTML
	Required    bool
	Media       []mediaView
}

type mediaView struct {
	Type     string
	SameAs   string // an earlier media type of the same content with the same $ref schema
	Schema   *schemaView
	Examples []exampleView
}

type exampleView struct {
	Name      string
	Summary   string
	Text      string
	Generated bool
}

type responseView struct {
	Status      string
	StatusClass string
	Open        bool
	Description template.HTML
	Headers     []paramView
	Media       []mediaView
}

type schemaEntry struct {
	Name   string
	Schema *schemaView
}

type schemaView struct {
	Type          string // "object", "string", "integer | null", "any"
	Format        string
	Ref           string // component name when the schema is a $ref
	Description   template.HTML
	Enum          []string
	Meta          []metaItem // default, bounds, pattern, example…
	Nullable      bool
	ReadOnly      bool
	WriteOnly     bool
	Deprecated    bool
	Props         []propView
	Items         *schemaView
	Additional    *schemaView
	VariantKind   string // "One of", "Any of"
	Variants      []variantView
	Discriminator string
	Includes      []string // allOf $ref names merged into this schema
	Recursive     bool     // a $ref already being expanded: not expanded again
	Truncated     bool     // depth or size limit reached: see the Schemas section
	Open          bool     // render nested details open
}

// metaItem is one constraint line item: a plain label and a value shown as code.
type metaItem struct {
	Label, Value string
}

type propView struct {
	Name     string
	Required bool
	Schema   *schemaView
}

type variantView struct {
	Label  string
	Schema *schemaView
}

// HasChildren reports whether the schema has nested structure worth a tree.
func (s *schemaView) HasChildren() bool {
	if s == nil {
		return false
	}
	return len(s.Props) > 0 || s.Items.HasChildren() || len(s.Variants) > 0 || s.Additional != nil
}

// ---- building ----

// methodOrder is the order operations on one path are listed in.
var methodOrder = []string{
	http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
	http.MethodHead, http.MethodOptions, http.MethodTrace, openapi3.MethodQuery, http.MethodConnect,
}

type operation struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
	node         *yaml.Node // the operation's node in the document
	pathNode     *yaml.Node
}

// operations lists every operation of doc: paths in document order (kin keeps
// them in a map; the YAML node tree still has the author's order, and paths
// the tree does not know come last, sorted), and within a path by methodOrder,
// then any other methods sorted.
func operations(doc *openapi3.T, t *tree) []operation {
	if doc.Paths == nil {
		return nil
	}
	var out []operation
	pathsNode := t.get(t.root, "paths")
	for _, p := range t.order(pathsNode, doc.Paths.Keys()) {
		item := doc.Paths.Value(p)
		if item == nil {
			continue
		}
		pn := mapGet(pathsNode, p)
		ops := item.Operations()
		seen := map[string]bool{}
		add := func(m string) {
			if op := ops[m]; op != nil && !seen[m] {
				seen[m] = true
				node := t.get(pn, strings.ToLower(m))
				if node == nil {
					node = t.get(pn, "additionalOperations", m)
				}
				out = append(out, operation{method: m, path: p, item: item, op: op, node: node, pathNode: pn})
			}
		}
		for _, m := range methodOrder {
			add(m)
		}
		for _, m := range mapKeys(ops) {
			add(m)
		}
	}
	return out
}

type builder struct {
	spec Spec
	doc  *openapi3.T
	t    *tree
	ids  map[string]int
}

func buildPage(spec Spec, doc *openapi3.T, t *tree, static bool) (*pageView, error) {
	b := &builder{spec: spec, doc: doc, t: t, ids: map[string]int{}}
	info := doc.Info
	if info == nil {
		info = &openapi3.Info{}
	}
	pv := &pageView{
		Name:        spec.Name,
		Title:       spec.Title,
		Version:     info.Version,
		OpenAPI:     doc.OpenAPI,
		Description: markdown(info.Description),
		BasePath:    spec.BasePath,
		IndexHref:   "../",
		Assets:      "../assets/",
	}
	if static {
		pv.IndexHref = "../index.html"
	}
	if c := info.Contact; c != nil {
		pv.Contact = strings.Join(nonEmpty(c.Name, c.Email, c.URL), " · ")
	}
	if l := info.License; l != nil {
		pv.License = strings.Join(nonEmpty(l.Name, l.URL), " · ")
	}
	for _, s := range doc.Servers {
		if s == nil {
			continue
		}
		sv := serverView{URL: s.URL, Description: markdown(s.Description)}
		for _, name := range mapKeys(s.Variables) {
			v := s.Variables[name]
			if v == nil {
				continue
			}
			sv.Variables = append(sv.Variables, serverVar{Name: name, Default: v.Default, Enum: v.Enum, Description: markdown(v.Description)})
		}
		pv.Servers = append(pv.Servers, sv)
	}
	if doc.Components != nil {
		schemesNode := t.get(t.root, "components", "securitySchemes")
		for _, name := range t.order(schemesNode, mapKeys(doc.Components.SecuritySchemes)) {
			ref := doc.Components.SecuritySchemes[name]
			if ref == nil || ref.Value == nil {
				continue
			}
			pv.Schemes = append(pv.Schemes, schemeOf(name, ref.Value))
		}
	}
	pv.DefaultAuth = authAlternatives(doc.Security)

	groups := map[string]*groupView{}
	var order []string
	group := func(name string) *groupView {
		g, ok := groups[name]
		if !ok {
			g = &groupView{Name: name, Slug: "tag-" + slug(name)}
			groups[name] = g
			order = append(order, name)
		}
		return g
	}
	for _, tag := range doc.Tags {
		if tag != nil && tag.Name != "" {
			group(tag.Name).Description = markdown(tag.Description)
		}
	}
	const untagged = "Other operations"
	for _, o := range operations(doc, t) {
		ov, err := b.operation(o)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", o.method, o.path, err)
		}
		name := untagged
		if len(o.op.Tags) > 0 && o.op.Tags[0] != "" {
			name = o.op.Tags[0]
		}
		group(name).Ops = append(group(name).Ops, ov)
	}
	for _, name := range order {
		if g := groups[name]; len(g.Ops) > 0 {
			pv.Groups = append(pv.Groups, g)
		}
	}

	if doc.Components != nil {
		schemasNode := t.get(t.root, "components", "schemas")
		for _, name := range mapKeys(doc.Components.Schemas) {
			ref := doc.Components.Schemas[name]
			sb := &schemaBuilder{t: t, budget: 400, expandRefs: false, stack: map[string]bool{name: true}}
			sv := sb.build(&openapi3.SchemaRef{Value: refValue(ref)}, mapGet(schemasNode, name), 0)
			if ref != nil && ref.Ref != "" {
				// a component that is itself an alias of another one
				sv.Ref = refName(ref.Ref)
			}
			pv.Schemas = append(pv.Schemas, schemaEntry{Name: name, Schema: sv})
		}
	}
	return pv, nil
}

func refValue(r *openapi3.SchemaRef) *openapi3.Schema {
	if r == nil {
		return nil
	}
	return r.Value
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func schemeOf(name string, s *openapi3.SecurityScheme) schemeView {
	sv := schemeView{Name: name, Type: s.Type, Description: markdown(s.Description)}
	switch s.Type {
	case "http":
		sv.Detail = "HTTP " + s.Scheme
		if strings.EqualFold(s.Scheme, "bearer") {
			sv.Detail = "Authorization: Bearer <token>"
			if s.BearerFormat != "" {
				sv.Detail += " (" + s.BearerFormat + ")"
			}
		} else if strings.EqualFold(s.Scheme, "basic") {
			sv.Detail = "Authorization: Basic <base64 user:password>"
		}
	case "apiKey":
		sv.Detail = fmt.Sprintf("API key in %s %q", s.In, s.Name)
	case "openIdConnect":
		sv.Detail = "OpenID Connect discovery: " + s.OpenIdConnectUrl
	case "oauth2":
		sv.Detail = "OAuth 2.0"
		if f := s.Flows; f != nil {
			for _, e := range []struct {
				kind string
				flow *openapi3.OAuthFlow
			}{{"implicit", f.Implicit}, {"password", f.Password}, {"clientCredentials", f.ClientCredentials}, {"authorizationCode", f.AuthorizationCode}} {
				if e.flow == nil {
					continue
				}
				fv := flowView{Kind: e.kind, AuthorizationURL: e.flow.AuthorizationURL, TokenURL: e.flow.TokenURL}
				for _, sc := range mapKeys(e.flow.Scopes) {
					fv.Scopes = append(fv.Scopes, sc+" — "+e.flow.Scopes[sc])
				}
				sv.Flows = append(sv.Flows, fv)
			}
		}
	}
	return sv
}

// authAlternatives renders security requirements as "a + b" strings, one per
// alternative; an empty requirement object is "none".
func authAlternatives(reqs openapi3.SecurityRequirements) []string {
	var out []string
	for _, r := range reqs {
		names := mapKeys(r)
		for i, n := range names {
			if len(r[n]) > 0 {
				names[i] = n + " (" + strings.Join(r[n], ", ") + ")"
			}
		}
		if len(names) == 0 {
			out = append(out, "none")
			continue
		}
		out = append(out, strings.Join(names, " + "))
	}
	return out
}

var slugRe = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

func slug(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(s, "-"), "-")
	if s == "" {
		s = "x"
	}
	return strings.ToLower(s)
}

func (b *builder) uniqueID(id string) string {
	n := b.ids[id]
	b.ids[id] = n + 1
	if n == 0 {
		return id
	}
	return id + "-" + strconv.Itoa(n+1)
}

func (b *builder) operation(o operation) (*opView, error) {
	op := o.op
	ov := &opView{
		OperationID: op.OperationID,
		Method:      o.method,
		MethodClass: "m-" + strings.ToLower(o.method),
		Path:        o.path,
		FullPath:    joinPath(b.spec.BasePath, o.path),
		Summary:     op.Summary,
		Description: markdown(op.Description),
		Tags:        op.Tags,
		Deprecated:  op.Deprecated,
	}
	ov.Title = op.Summary
	if ov.Title == "" {
		ov.Title = o.method + " " + o.path
	}
	if op.OperationID != "" {
		ov.ID = b.uniqueID("op-" + op.OperationID)
	} else {
		ov.ID = b.uniqueID("op-" + strings.ToLower(o.method) + "-" + slug(o.path))
	}
	if op.Security != nil {
		ov.Auth = authAlternatives(*op.Security)
		if len(ov.Auth) == 0 || (len(ov.Auth) == 1 && ov.Auth[0] == "none") {
			ov.Auth, ov.NoAuth = nil, true
		}
	}

	for _, p := range b.params(o) {
		ov.Params = append(ov.Params, b.param(p.ref, p.node))
	}

	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		bn := b.t.get(o.node, "requestBody")
		bv := &bodyView{Description: markdown(rb.Value.Description), Required: rb.Value.Required}
		bv.Media = b.media(rb.Value.Content, b.t.get(bn, "content"), modeRequest)
		ov.Body = bv
	}

	if op.Responses != nil {
		rn := b.t.get(o.node, "responses")
		codes := op.Responses.Keys()
		sort.SliceStable(codes, func(i, j int) bool { return statusLess(codes[i], codes[j]) })
		for _, code := range codes {
			ref := op.Responses.Value(code)
			if ref == nil || ref.Value == nil {
				continue
			}
			r := ref.Value
			node := b.t.get(rn, code)
			rv := responseView{Status: code, StatusClass: statusClass(code)}
			rv.Open = rv.StatusClass == "s2xx" || rv.StatusClass == "s1xx" || rv.StatusClass == "s3xx"
			if r.Description != nil {
				rv.Description = markdown(*r.Description)
			}
			hn := b.t.get(node, "headers")
			for _, h := range b.t.order(hn, mapKeys(r.Headers)) {
				href := r.Headers[h]
				if href == nil || href.Value == nil {
					continue
				}
				pv := b.param(&openapi3.ParameterRef{Value: &href.Value.Parameter}, b.t.get(hn, h))
				pv.Name, pv.In = h, "header"
				rv.Headers = append(rv.Headers, pv)
			}
			rv.Media = b.media(r.Content, b.t.get(node, "content"), modeResponse)
			ov.Responses = append(ov.Responses, rv)
		}
	}
	ov.Curl = b.curl(o, ov)
	return ov, nil
}

func joinPath(base, p string) string {
	base = strings.TrimRight(base, "/")
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return base + p
}

// statusLess orders response codes numerically-ish: "200" < "201" < "2XX" <
// "400" < … and "default" last.
func statusLess(a, b string) bool {
	if a == "default" || b == "default" {
		return b == "default" && a != "default"
	}
	return strings.ToUpper(a) < strings.ToUpper(b)
}

func statusClass(code string) string {
	if code == "default" || code == "" {
		return "sdefault"
	}
	switch code[0] {
	case '1', '2', '3', '4', '5':
		return "s" + code[:1] + "xx"
	}
	return "sdefault"
}

type paramRef struct {
	ref  *openapi3.ParameterRef
	node *yaml.Node
}

// params merges path-level and operation-level parameters (the operation
// wins on name+in) and orders them path, query, header, cookie, keeping
// declaration order within each location.
func (b *builder) params(o operation) []paramRef {
	var out []paramRef
	idx := map[string]int{}
	add := func(list openapi3.Parameters, listNode *yaml.Node) {
		for i, p := range list {
			if p == nil || p.Value == nil {
				continue
			}
			key := p.Value.In + "\x00" + p.Value.Name
			pr := paramRef{ref: p, node: b.t.index(listNode, i)}
			if j, ok := idx[key]; ok {
				out[j] = pr
				continue
			}
			idx[key] = len(out)
			out = append(out, pr)
		}
	}
	add(o.item.Parameters, b.t.get(o.pathNode, "parameters"))
	add(o.op.Parameters, b.t.get(o.node, "parameters"))
	rank := map[string]int{"path": 0, "query": 1, "header": 2, "cookie": 3}
	sort.SliceStable(out, func(i, j int) bool {
		ri, ok := rank[out[i].ref.Value.In]
		if !ok {
			ri = 4
		}
		rj, ok := rank[out[j].ref.Value.In]
		if !ok {
			rj = 4
		}
		return ri < rj
	})
	return out
}

func (b *builder) param(ref *openapi3.ParameterRef, node *yaml.Node) paramView {
	p := ref.Value
	pv := paramView{Name: p.Name, In: p.In, Required: p.Required, Deprecated: p.Deprecated, Description: markdown(p.Description)}
	sb := &schemaBuilder{t: b.t, budget: 60, expandRefs: true, stack: map[string]bool{}}
	switch {
	case p.Schema != nil:
		pv.Schema = sb.build(p.Schema, b.t.get(node, "schema"), 1)
	case len(p.Content) > 0:
		for _, mt := range b.t.order(b.t.get(node, "content"), mapKeys(p.Content)) {
			if m := p.Content[mt]; m != nil && m.Schema != nil {
				pv.Schema = sb.build(m.Schema, b.t.get(node, "content", mt, "schema"), 1)
				pv.Schema.Meta = append(pv.Schema.Meta, metaItem{"encoded as", mt})
				break
			}
		}
	}
	if pv.Schema == nil {
		pv.Schema = &schemaView{Type: "any"}
	}
	if p.Example != nil {
		if s := exampleText(b.t.get(node, "example"), p.Example); s != "" {
			pv.Schema.Meta = append(pv.Schema.Meta, metaItem{"example", s})
		}
	}
	return pv
}

// exampleText renders a scalar-ish example compactly.
func exampleText(node *yaml.Node, v any) string {
	val := valueOf(node, v)
	if s, ok := val.(string); ok {
		return s
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, val, "", ""); err != nil {
		return fmt.Sprint(v)
	}
	return buf.String()
}

// valueOf prefers the ordered value from the YAML node, falling back to the
// value kin decoded.
func valueOf(node *yaml.Node, v any) any {
	if node != nil {
		if nv, err := nodeValue(node); err == nil {
			return nv
		}
	}
	return plainValue(v)
}

type mode int

const (
	modeRequest mode = iota
	modeResponse
	modeSchema
)

func (b *builder) media(content openapi3.Content, node *yaml.Node, m mode) []mediaView {
	var out []mediaView
	refs := map[string]string{}
	for _, mt := range b.t.order(node, mapKeys(content)) {
		media := content[mt]
		if media == nil {
			continue
		}
		mn := b.t.get(node, mt)
		mv := mediaView{Type: mt}
		if media.Schema != nil && media.Schema.Ref != "" {
			if first, ok := refs[media.Schema.Ref]; ok {
				mv.SameAs = first
				mv.Schema = &schemaView{Ref: refName(media.Schema.Ref), Type: "any"}
				if v := media.Schema.Value; v != nil && typeOf(v) != "" {
					mv.Schema.Type = typeOf(v)
				}
			} else {
				refs[media.Schema.Ref] = mt
			}
		}
		if media.Schema != nil && mv.SameAs == "" {
			sb := &schemaBuilder{t: b.t, budget: 400, expandRefs: true, stack: map[string]bool{}}
			mv.Schema = sb.build(media.Schema, b.t.get(mn, "schema"), 0)
		}
		form := isForm(mt)
		render := func(v any) string {
			if form {
				if s := formText(v, mt); s != "" {
					return s
				}
			}
			if s, ok := v.(string); ok && !isJSON(mt) {
				return s
			}
			s, err := prettyJSON(v)
			if err != nil {
				return fmt.Sprint(v)
			}
			return s
		}
		if media.Example != nil {
			mv.Examples = append(mv.Examples, exampleView{Name: "Example", Text: render(valueOf(b.t.get(mn, "example"), media.Example))})
		}
		en := b.t.get(mn, "examples")
		for _, name := range b.t.order(en, mapKeys(media.Examples)) {
			ex := media.Examples[name]
			if ex == nil || ex.Value == nil {
				continue
			}
			e := exampleView{Name: name, Summary: ex.Value.Summary}
			switch {
			case ex.Value.Value != nil:
				e.Text = render(valueOf(b.t.get(en, name, "value"), ex.Value.Value))
			case ex.Value.ExternalValue != "":
				e.Text = "(external example: " + ex.Value.ExternalValue + ")"
			default:
				continue
			}
			mv.Examples = append(mv.Examples, e)
		}
		if len(mv.Examples) == 0 && media.Schema != nil && (isJSON(mt) || form) {
			g := &exampleGen{t: b.t, mode: m, stack: map[string]bool{}}
			if v, ok := g.gen(media.Schema, b.t.get(mn, "schema"), 0); ok {
				mv.Examples = append(mv.Examples, exampleView{Name: "Example", Text: render(v), Generated: true})
			}
		}
		out = append(out, mv)
	}
	return out
}

func isJSON(mt string) bool {
	mt = strings.ToLower(strings.TrimSpace(strings.SplitN(mt, ";", 2)[0]))
	return mt == "application/json" || strings.HasSuffix(mt, "+json") || mt == "*/*" || mt == "application/*"
}

func isForm(mt string) bool {
	mt = strings.ToLower(strings.TrimSpace(strings.SplitN(mt, ";", 2)[0]))
	return mt == "application/x-www-form-urlencoded" || mt == "multipart/form-data"
}

// formText shows an object example as the form fields it encodes to.
func formText(v any, mt string) string {
	pairs := formPairs("", v)
	if len(pairs) == 0 {
		return ""
	}
	var lines []string
	for _, p := range pairs {
		if strings.HasPrefix(mt, "multipart/") {
			lines = append(lines, p[0]+": "+p[1])
		} else {
			lines = append(lines, formEscape(p[0])+"="+formEscape(p[1]))
		}
	}
	return strings.Join(lines, "\n")
}

// formPairs flattens an example into form fields using bracket notation:
// {"a":{"b":1},"t":["x","y"],"o":[{"k":1}]} → a[b]=1, t[]=x, t[]=y, o[0][k]=1.
func formPairs(prefix string, v any) [][2]string {
	var out [][2]string
	switch x := v.(type) {
	case omap:
		for _, e := range x {
			k := e.Key
			if prefix != "" {
				k = prefix + "[" + e.Key + "]"
			}
			out = append(out, formPairs(k, e.Value)...)
		}
	case []any:
		for i, e := range x {
			switch e.(type) {
			case omap, []any:
				out = append(out, formPairs(prefix+"["+strconv.Itoa(i)+"]", e)...)
			default:
				out = append(out, formPairs(prefix+"[]", e)...)
			}
		}
	case nil:
		if prefix != "" {
			out = append(out, [2]string{prefix, ""})
		}
	default:
		if prefix == "" {
			return nil
		}
		s, ok := x.(string)
		if !ok {
			var bb bytes.Buffer
			if writeScalar(&bb, x) == nil {
				s = bb.String()
			} else {
				s = fmt.Sprint(x)
			}
		}
		out = append(out, [2]string{prefix, s})
	}
	return out
}

// formEscape percent-encodes like application/x-www-form-urlencoded but keeps
// brackets readable.
func formEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '[', c == ']', c == '@', c == ':':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// ---- schemas ----

const maxSchemaDepth = 12

type schemaBuilder struct {
	t          *tree
	budget     int  // nodes left to expand before refs become links
	expandRefs bool // expand nested $refs inline (operations) or link them (Schemas section)
	stack      map[string]bool
}

func refName(ref string) string {
	if i := strings.LastIndex(ref, "/"); i >= 0 {
		return ref[i+1:]
	}
	return ref
}

func typeOf(s *openapi3.Schema) string {
	if s.Type != nil && len(*s.Type) > 0 {
		return strings.Join(*s.Type, " | ")
	}
	switch {
	case len(s.Properties) > 0 || s.AdditionalProperties.Schema != nil:
		return "object"
	case s.Items != nil:
		return "array"
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0:
		return ""
	case len(s.Enum) > 0:
		return "enum"
	}
	return "any"
}

func (sb *schemaBuilder) build(ref *openapi3.SchemaRef, node *yaml.Node, depth int) *schemaView {
	sb.budget--
	if ref == nil || ref.Value == nil {
		return &schemaView{Type: "any"}
	}
	s := ref.Value
	sv := &schemaView{Open: depth <= 1}
	name := ""
	if ref.Ref != "" {
		name = refName(ref.Ref)
		sv.Ref = name
		node = sb.t.deref(node)
	}
	sv.Type = typeOf(s)
	sv.Format = s.Format
	sv.Description = markdown(s.Description)
	sv.Nullable = s.Nullable || (s.Type != nil && s.Type.IncludesNull())
	sv.ReadOnly, sv.WriteOnly, sv.Deprecated = s.ReadOnly, s.WriteOnly, s.Deprecated
	for i, e := range s.Enum {
		sv.Enum = append(sv.Enum, exampleText(sb.t.index(sb.t.get(node, "enum"), i), e))
	}
	sv.Meta = constraints(s, node, sb.t)

	if name != "" && depth > 0 {
		if sb.stack[name] {
			sv.Recursive = true
			return sv
		}
		if !sb.expandRefs || sb.budget <= 0 {
			sv.Truncated = hasStructure(s)
			return sv
		}
	}
	if depth >= maxSchemaDepth {
		sv.Truncated = hasStructure(s)
		return sv
	}
	if name != "" {
		sb.stack[name] = true
		defer delete(sb.stack, name)
	}

	required := map[string]bool{}
	for _, r := range s.Required {
		required[r] = true
	}
	seen := map[string]bool{}
	addProps := func(from *openapi3.Schema, fromNode *yaml.Node, req map[string]bool) {
		pn := sb.t.get(fromNode, "properties")
		for _, pname := range sb.t.order(pn, mapKeys(from.Properties)) {
			if seen[pname] {
				continue
			}
			seen[pname] = true
			child := sb.build(from.Properties[pname], mapGet(sb.t.deref(pn), pname), depth+1)
			sv.Props = append(sv.Props, propView{Name: pname, Required: req[pname] || required[pname], Schema: child})
		}
	}
	addProps(s, node, required)

	// allOf: merge the members' properties into this schema.
	if len(s.AllOf) > 0 {
		an := sb.t.get(node, "allOf")
		for i, m := range s.AllOf {
			if m == nil || m.Value == nil {
				continue
			}
			mn := sb.t.deref(sb.t.index(an, i))
			sb.mergeAllOf(sv, m, mn, depth, addProps)
		}
		if sv.Type == "any" || sv.Type == "" {
			sv.Type = "object"
			if len(sv.Props) == 0 {
				sv.Type = "any"
			}
		}
		// A lone allOf $ref (the 3.0 idiom for "$ref plus nullable") is
		// shown as that ref.
		if len(s.AllOf) == 1 && s.AllOf[0] != nil && s.AllOf[0].Ref != "" && sv.Ref == "" && len(s.Properties) == 0 {
			sv.Ref = refName(s.AllOf[0].Ref)
			sv.Includes = nil
			if v := s.AllOf[0].Value; v != nil {
				if sv.Description == "" {
					sv.Description = markdown(v.Description)
				}
				if t := typeOf(v); t != "any" && t != "" {
					sv.Type = t
				}
			}
		}
	}

	if s.Items != nil {
		sv.Items = sb.build(s.Items, sb.t.get(node, "items"), depth+1)
		if sv.Type == "any" {
			sv.Type = "array"
		}
	}
	if ap := s.AdditionalProperties; ap.Schema != nil {
		sv.Additional = sb.build(ap.Schema, sb.t.get(node, "additionalProperties"), depth+1)
	} else if ap.Has != nil && *ap.Has && len(s.Properties) == 0 {
		sv.Meta = append(sv.Meta, metaItem{"any additional properties", ""})
	}
	for _, c := range []struct {
		kind string
		key  string
		list openapi3.SchemaRefs
	}{{"One of", "oneOf", s.OneOf}, {"Any of", "anyOf", s.AnyOf}} {
		if len(c.list) == 0 {
			continue
		}
		sv.VariantKind = c.kind
		ln := sb.t.get(node, c.key)
		for i, v := range c.list {
			child := sb.build(v, sb.t.index(ln, i), depth+1)
			label := child.Ref
			if label == "" {
				label = child.Type
				if child.Type == "" || child.Type == "any" {
					label = "variant " + strconv.Itoa(i+1)
				}
			}
			sv.Variants = append(sv.Variants, variantView{Label: label, Schema: child})
		}
		if sv.Type == "" {
			sv.Type = strings.ToLower(c.kind)
		}
	}
	if s.Not != nil && s.Not.Value != nil {
		t := typeOf(s.Not.Value)
		if s.Not.Ref != "" {
			t = refName(s.Not.Ref)
		}
		sv.Meta = append(sv.Meta, metaItem{"not", t})
	}
	if d := s.Discriminator; d != nil {
		sv.Discriminator = d.PropertyName
	}
	if sv.Type == "" {
		sv.Type = "any"
	}
	return sv
}

func (sb *schemaBuilder) mergeAllOf(sv *schemaView, m *openapi3.SchemaRef, mn *yaml.Node, depth int, addProps func(*openapi3.Schema, *yaml.Node, map[string]bool)) {
	v := m.Value
	if m.Ref != "" {
		n := refName(m.Ref)
		sv.Includes = append(sv.Includes, n)
		if sb.stack[n] {
			return
		}
		sb.stack[n] = true
		defer delete(sb.stack, n)
	}
	req := map[string]bool{}
	for _, r := range v.Required {
		req[r] = true
	}
	if sv.Description == "" {
		sv.Description = markdown(v.Description)
	}
	if (sv.Type == "any" || sv.Type == "") && v.Type != nil && len(*v.Type) > 0 {
		sv.Type = strings.Join(*v.Type, " | ")
	}
	addProps(v, mn, req)
	for i, sub := range v.AllOf {
		if sub != nil && sub.Value != nil && depth < maxSchemaDepth {
			sb.mergeAllOf(sv, sub, sb.t.deref(sb.t.index(sb.t.get(mn, "allOf"), i)), depth+1, addProps)
		}
	}
}

func hasStructure(s *openapi3.Schema) bool {
	return len(s.Properties) > 0 || s.Items != nil || len(s.AllOf) > 0 || len(s.OneOf) > 0 || len(s.AnyOf) > 0 || s.AdditionalProperties.Schema != nil
}

func constraints(s *openapi3.Schema, node *yaml.Node, t *tree) []metaItem {
	var out []metaItem
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	if s.Default != nil {
		out = append(out, metaItem{"default", exampleText(t.get(node, "default"), s.Default)})
	}
	if s.Min != nil {
		op := "≥"
		if s.ExclusiveMin.IsTrue() {
			op = ">"
		}
		out = append(out, metaItem{op, num(*s.Min)})
	} else if s.ExclusiveMin.Value != nil {
		out = append(out, metaItem{">", num(*s.ExclusiveMin.Value)})
	}
	if s.Max != nil {
		op := "≤"
		if s.ExclusiveMax.IsTrue() {
			op = "<"
		}
		out = append(out, metaItem{op, num(*s.Max)})
	} else if s.ExclusiveMax.Value != nil {
		out = append(out, metaItem{"<", num(*s.ExclusiveMax.Value)})
	}
	if s.MultipleOf != nil {
		out = append(out, metaItem{"multiple of", num(*s.MultipleOf)})
	}
	if s.MinLength > 0 {
		out = append(out, metaItem{"min length", u(s.MinLength)})
	}
	if s.MaxLength != nil {
		out = append(out, metaItem{"max length", u(*s.MaxLength)})
	}
	if s.Pattern != "" {
		out = append(out, metaItem{"pattern", s.Pattern})
	}
	if s.MinItems > 0 {
		out = append(out, metaItem{"min items", u(s.MinItems)})
	}
	if s.MaxItems != nil {
		out = append(out, metaItem{"max items", u(*s.MaxItems)})
	}
	if s.UniqueItems {
		out = append(out, metaItem{"unique items", ""})
	}
	if s.MinProps > 0 {
		out = append(out, metaItem{"min properties", u(s.MinProps)})
	}
	if s.MaxProps != nil {
		out = append(out, metaItem{"max properties", u(*s.MaxProps)})
	}
	if s.Example != nil {
		if txt := exampleText(t.get(node, "example"), s.Example); len(txt) <= 80 {
			out = append(out, metaItem{"example", txt})
		}
	}
	return out
}
