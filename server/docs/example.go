package docs

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "github.com/oasdiff/yaml3"
)

// binaryPlaceholder stands for file content in generated examples.
const binaryPlaceholder = "<binary>"

// exampleGen synthesises an example value from a schema, for bodies that
// have no example of their own. It prefers the schema's example, default and
// first enum value; read-only properties are left out of requests and
// write-only ones out of responses. It never invents URLs.
type exampleGen struct {
	t      *tree
	mode   mode
	stack  map[string]bool
	budget int
}

func (g *exampleGen) gen(ref *openapi3.SchemaRef, node *yaml.Node, depth int) (any, bool) {
	if ref == nil || ref.Value == nil || depth > 10 {
		return nil, false
	}
	if g.budget == 0 {
		g.budget = 500
	}
	g.budget--
	if g.budget <= 0 {
		return nil, false
	}
	s := ref.Value
	if ref.Ref != "" {
		name := ref.Ref
		if g.stack[name] {
			return nil, false
		}
		g.stack[name] = true
		defer delete(g.stack, name)
		node = g.t.deref(node)
	}
	switch {
	case s.Example != nil:
		return valueOf(g.t.get(node, "example"), s.Example), true
	case s.Default != nil:
		return valueOf(g.t.get(node, "default"), s.Default), true
	case len(s.Enum) > 0:
		return valueOf(g.t.index(g.t.get(node, "enum"), 0), s.Enum[0]), true
	}
	if len(s.AllOf) > 0 {
		obj := g.object(s, node, depth)
		an := g.t.get(node, "allOf")
		for i, m := range s.AllOf {
			v, ok := g.gen(m, g.t.index(an, i), depth+1)
			if !ok {
				continue
			}
			if mo, isObj := v.(omap); isObj {
				for _, e := range mo {
					if _, dup := obj.get(e.Key); !dup {
						obj = append(obj, e)
					}
				}
			} else if len(obj) == 0 {
				return v, true
			}
		}
		return obj, true
	}
	for _, alt := range []struct {
		key  string
		list openapi3.SchemaRefs
	}{{"oneOf", s.OneOf}, {"anyOf", s.AnyOf}} {
		ln := g.t.get(node, alt.key)
		for i, m := range alt.list {
			if v, ok := g.gen(m, g.t.index(ln, i), depth+1); ok {
				return v, true
			}
		}
	}
	switch typeOf(s) {
	case "object":
		return g.object(s, node, depth), true
	case "array":
		if v, ok := g.gen(s.Items, g.t.get(node, "items"), depth+1); ok {
			return []any{v}, true
		}
		return []any{}, true
	}
	t := ""
	if s.Type != nil {
		for _, x := range *s.Type {
			if x != "null" {
				t = x
				break
			}
		}
	}
	switch t {
	case "string":
		return stringSample(s.Format), true
	case "integer":
		if s.Min != nil {
			return int64(*s.Min), true
		}
		return 0, true
	case "number":
		if s.Min != nil {
			return *s.Min, true
		}
		return 0.0, true
	case "boolean":
		return true, true
	case "null":
		return nil, true
	}
	return nil, false
}

func (g *exampleGen) object(s *openapi3.Schema, node *yaml.Node, depth int) omap {
	obj := omap{}
	pn := g.t.get(node, "properties")
	for _, name := range g.t.order(pn, mapKeys(s.Properties)) {
		p := s.Properties[name]
		if p == nil || p.Value == nil {
			continue
		}
		if (g.mode == modeRequest && p.Value.ReadOnly) || (g.mode == modeResponse && p.Value.WriteOnly) {
			continue
		}
		if v, ok := g.gen(p, mapGet(g.t.deref(pn), name), depth+1); ok {
			obj = append(obj, kv{name, v})
		}
	}
	if len(s.Properties) == 0 && s.AdditionalProperties.Schema != nil {
		if v, ok := g.gen(s.AdditionalProperties.Schema, g.t.get(node, "additionalProperties"), depth+1); ok {
			obj = append(obj, kv{"key", v})
		}
	}
	return obj
}

func stringSample(format string) string {
	switch format {
	case "date-time":
		return "2024-01-01T00:00:00Z"
	case "date":
		return "2024-01-01"
	case "time":
		return "12:00:00"
	case "email":
		return "user@example.com"
	case "uuid":
		return "00000000-0000-0000-0000-000000000000"
	case "uri", "url", "uri-reference":
		return "urn:example"
	case "hostname":
		return "example.com"
	case "ipv4":
		return "192.0.2.1"
	case "ipv6":
		return "2001:db8::1"
	case "binary":
		return binaryPlaceholder
	case "byte":
		return "c3dpdGNoYm9hcmQ="
	case "password":
		return "********"
	}
	return "string"
}

// ---- curl ----

func shellSingle(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellDouble escapes s for use inside double quotes.
func shellDouble(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "$", `\$`, "`", "\\`")
	return r.Replace(s)
}

func scalarString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, v, "", ""); err != nil {
		return fmt.Sprint(v)
	}
	return buf.String()
}

// paramValue returns an example value for p, and whether the spec gave one
// explicitly (rather than it being generated from the schema).
func (b *builder) paramValue(p *openapi3.Parameter, node *yaml.Node) (any, bool) {
	if p.Example != nil {
		return valueOf(b.t.get(node, "example"), p.Example), true
	}
	en := b.t.get(node, "examples")
	for _, name := range b.t.order(en, mapKeys(p.Examples)) {
		if ex := p.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
			return valueOf(b.t.get(en, name, "value"), ex.Value.Value), true
		}
	}
	if p.Schema != nil {
		g := &exampleGen{t: b.t, mode: modeRequest, stack: map[string]bool{}}
		explicit := p.Schema.Value != nil && p.Schema.Value.Example != nil
		if v, ok := g.gen(p.Schema, b.t.get(node, "schema"), 0); ok {
			return v, explicit
		}
	}
	return "value", false
}

// curl builds a copy-pasteable request from the examples. $BASE_URL stands
// for the Switchboard host; credentials are shell variables too.
func (b *builder) curl(o operation, ov *opView) string {
	path := ov.FullPath
	var query []string
	var args []string
	for _, pr := range b.params(o) {
		p := pr.ref.Value
		v, explicit := b.paramValue(p, pr.node)
		switch p.In {
		case "path":
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(scalarString(v)))
		case "query":
			if !p.Required && !explicit {
				continue
			}
			switch x := v.(type) {
			case []any:
				for _, e := range x {
					query = append(query, url.QueryEscape(p.Name)+"="+url.QueryEscape(scalarString(e)))
				}
			case omap:
				for _, e := range x {
					query = append(query, url.QueryEscape(p.Name+"["+e.Key+"]")+"="+url.QueryEscape(scalarString(e.Value)))
				}
			default:
				query = append(query, url.QueryEscape(p.Name)+"="+url.QueryEscape(scalarString(v)))
			}
		case "header":
			if p.Required || explicit {
				args = append(args, "-H "+shellSingle(p.Name+": "+scalarString(v)))
			}
		case "cookie":
			if p.Required || explicit {
				args = append(args, "-b "+shellSingle(p.Name+"="+scalarString(v)))
			}
		}
	}

	var auth []string
	reqs := b.doc.Security
	if o.op.Security != nil {
		reqs = *o.op.Security
	}
	if len(reqs) > 0 && b.doc.Components != nil {
		for _, name := range mapKeys(reqs[0]) {
			ref := b.doc.Components.SecuritySchemes[name]
			if ref == nil || ref.Value == nil {
				continue
			}
			s := ref.Value
			switch {
			case s.Type == "http" && strings.EqualFold(s.Scheme, "basic"):
				auth = append(auth, `-u "$USERNAME:$PASSWORD"`)
			case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"), s.Type == "oauth2", s.Type == "openIdConnect":
				auth = append(auth, `-H "Authorization: Bearer $TOKEN"`)
			case s.Type == "http":
				auth = append(auth, `-H "Authorization: `+shellDouble(s.Scheme)+` $CREDENTIALS"`)
			case s.Type == "apiKey" && s.In == "header":
				auth = append(auth, `-H "`+shellDouble(s.Name)+`: $API_KEY"`)
			case s.Type == "apiKey" && s.In == "cookie":
				auth = append(auth, `-b "`+shellDouble(s.Name)+`=$API_KEY"`)
			case s.Type == "apiKey" && s.In == "query":
				query = append(query, url.QueryEscape(s.Name)+"=$API_KEY")
			}
		}
	}

	var body []string
	hasBody := false
	if rb := o.op.RequestBody; rb != nil && rb.Value != nil && len(rb.Value.Content) > 0 {
		cn := b.t.get(o.node, "requestBody", "content")
		mt := b.t.order(cn, mapKeys(rb.Value.Content))[0]
		media := rb.Value.Content[mt]
		mn := b.t.get(cn, mt)
		var v any
		found := false
		if media != nil {
			if media.Example != nil {
				v, found = valueOf(b.t.get(mn, "example"), media.Example), true
			} else {
				en := b.t.get(mn, "examples")
				for _, name := range b.t.order(en, mapKeys(media.Examples)) {
					if ex := media.Examples[name]; ex != nil && ex.Value != nil && ex.Value.Value != nil {
						v, found = valueOf(b.t.get(en, name, "value"), ex.Value.Value), true
						break
					}
				}
			}
			if !found && media.Schema != nil {
				g := &exampleGen{t: b.t, mode: modeRequest, stack: map[string]bool{}}
				v, found = g.gen(media.Schema, b.t.get(mn, "schema"), 0)
			}
		}
		hasBody = true
		base := strings.ToLower(strings.TrimSpace(strings.SplitN(mt, ";", 2)[0]))
		switch {
		case base == "application/x-www-form-urlencoded":
			for _, p := range formPairs("", v) {
				body = append(body, "--data-urlencode "+shellSingle(p[0]+"="+p[1]))
			}
			if len(body) == 0 {
				body = append(body, "-H "+shellSingle("Content-Type: "+mt), "--data-raw ''")
			}
		case base == "multipart/form-data":
			for _, p := range formPairs("", v) {
				if p[1] == binaryPlaceholder {
					body = append(body, "-F "+shellSingle(p[0]+"=@file.bin"))
				} else {
					body = append(body, "--form-string "+shellSingle(p[0]+"="+p[1]))
				}
			}
		case isJSON(mt) && found:
			text, err := prettyJSON(v)
			if err != nil {
				text = "{}"
			}
			if compact := scalarString(v); len(compact) <= 72 {
				text = compact
			}
			body = append(body, "-H "+shellSingle("Content-Type: "+mt), "--data-raw "+shellSingle(text))
		default:
			body = append(body, "-H "+shellSingle("Content-Type: "+mt))
			if s, ok := v.(string); ok && found && s != binaryPlaceholder {
				body = append(body, "--data-raw "+shellSingle(s))
			} else {
				body = append(body, "--data-binary @file.bin")
			}
		}
	}

	first := "curl"
	switch {
	case o.method == "HEAD":
		first += " -I"
	case o.method == "GET" && !hasBody:
	case o.method == "POST" && hasBody:
	default:
		first += " -X " + o.method
	}
	u := path
	if len(query) > 0 {
		u += "?" + strings.Join(query, "&")
	}
	// keep $API_KEY expandable in the query
	quoted := strings.ReplaceAll(shellDouble(u), `\$API_KEY`, "$API_KEY")
	first += ` "$BASE_URL` + quoted + `"`
	lines := []string{first}
	lines = append(lines, auth...)
	lines = append(lines, args...)
	lines = append(lines, body...)
	return strings.Join(lines, " \\\n  ")
}
