package openapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"

	"github.com/getkin/kin-openapi/openapi3"
)

// RequestSpec reduces doc to what validating a request reads and returns it as JSON (one element
// a line): the document a server decodes at every start (gen/<api>/spec.json, written by
// cmd/specjson), where kin-openapi's decoder costs about as much per byte whatever the byte is.
//
// Kept: the paths and their operations (ids, parameters, request bodies, security), every
// component those reach by $ref, every security scheme, the servers and the info block.
// Extensions (x-…) stay wherever they are: x-pattern-message words a validation error.
// Left out:
//   - what only documents: every field of kin-openapi's types named Description, Summary,
//     Title, Example, Examples, ExternalDocs or Tags, outside the info block. The types decide,
//     not key names: a property or a parameter named "description" stays. A response's
//     description, required, is kept empty;
//   - responses: each operation answers "default" alone; requests are never validated against
//     them (the conformance suite validates responses against the published document);
//   - components nothing kept refers to.
//
// TestRequestSpecs checks, for every API, that the request side of the result equals the
// published document's.
func RequestSpec(doc *openapi3.T) ([]byte, error) {
	Undocument(doc)
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			op.Responses = openapi3.NewResponses(openapi3.WithName("default", openapi3.NewResponse().WithDescription("")))
		}
	}
	if c := doc.Components; c != nil {
		c.Responses, c.Examples, c.Links = nil, nil, nil
	}
	b, err := doc.MarshalJSON()
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	if err := dropUnreferenced(m); err != nil {
		return nil, err
	}
	if b, err = json.Marshal(m); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", ""); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

var componentRef = regexp.MustCompile(`"\$ref":"#/components/([^/"]+)/([^"]+)"`)

// dropUnreferenced removes, until none is left, the components (other than security schemes,
// which are named by requirements, not by $ref) that no $ref of the document names.
func dropUnreferenced(doc map[string]any) error {
	comps, _ := doc["components"].(map[string]any)
	for {
		b, err := json.Marshal(doc)
		if err != nil {
			return err
		}
		refs := map[[2]string]bool{}
		for _, m := range componentRef.FindAllSubmatch(b, -1) {
			refs[[2]string{string(m[1]), string(m[2])}] = true
		}
		dropped := false
		for kind, v := range comps {
			entries, ok := v.(map[string]any)
			if !ok || kind == "securitySchemes" {
				continue
			}
			for name := range entries {
				if !refs[[2]string{kind, name}] {
					delete(entries, name)
					dropped = true
				}
			}
			if len(entries) == 0 {
				delete(comps, kind)
			}
		}
		if !dropped {
			return nil
		}
	}
}

var responseType = reflect.TypeFor[openapi3.Response]()

// docFields are the fields of kin-openapi's types that only document.
var docFields = map[string]bool{
	"Description": true, "Summary": true, "Title": true, "Example": true, "Examples": true,
	"ExternalDocs": true, "Tags": true,
}

// Undocument empties every documentation field of doc (see RequestSpec), except in its info
// block.
func Undocument(doc *openapi3.T) {
	info := doc.Info
	undocument(reflect.ValueOf(doc), map[uintptr]bool{})
	doc.Info = info
}

func undocument(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		undocument(v.Elem(), seen)
	case reflect.Interface:
		if !v.IsNil() {
			undocument(v.Elem(), seen)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() || f.Name == "Extensions" {
				continue // Paths, Responses and Callback keep their entries unexported: see below
			}
			fv := v.Field(i)
			switch {
			case !docFields[f.Name] || !fv.CanSet():
				undocument(fv, seen)
			case t == responseType && f.Name == "Description":
				fv.Set(reflect.ValueOf(new(string))) // a response's: required, kept empty
			default:
				fv.SetZero()
			}
		}
		if v.CanAddr() {
			undocumentEntries(v.Addr(), seen)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			undocument(v.MapIndex(k), seen)
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			undocument(v.Index(i), seen)
		}
	}
}

// undocumentEntries reaches the entries of the types that keep them unexported.
func undocumentEntries(p reflect.Value, seen map[uintptr]bool) {
	switch x := p.Interface().(type) {
	case *openapi3.Paths:
		for _, item := range x.Map() {
			undocument(reflect.ValueOf(item), seen)
		}
	case *openapi3.Responses:
		for _, r := range x.Map() {
			undocument(reflect.ValueOf(r), seen)
		}
	case *openapi3.Callback:
		for _, item := range x.Map() {
			undocument(reflect.ValueOf(item), seen)
		}
	}
}
