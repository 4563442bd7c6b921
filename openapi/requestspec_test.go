package openapi_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	genadmin "github.com/switchboard-dev/switchboard/gen/admin"
	gendesk "github.com/switchboard-dev/switchboard/gen/desk"
	genhelpdesk "github.com/switchboard-dev/switchboard/gen/helpdesk"
	genhub "github.com/switchboard-dev/switchboard/gen/hub"
	genmessaging "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/openapi"
)

// TestRequestSpecs: the document each server validates requests against (gen/<api>.Spec) has
// the request side of the published one, exactly: the same operations with the same parameters,
// request bodies and security, and every component it keeps as published (documentation aside).
func TestRequestSpecs(t *testing.T) {
	for name, spec := range map[string]func() (*openapi3.T, error){
		"admin": genadmin.Spec, "desk": gendesk.Spec, "helpdesk": genhelpdesk.Spec, "hub": genhub.Spec, "messaging": genmessaging.Spec,
	} {
		t.Run(name, func(t *testing.T) {
			raw, err := openapi.Spec(name)
			if err != nil {
				t.Fatal(err)
			}
			full, err := openapi3.NewLoader().LoadFromData(raw)
			if err != nil {
				t.Fatal(err)
			}
			withoutDocs(full)
			got, err := spec()
			if err != nil {
				t.Fatal(err)
			}
			same := func(what string, want, have any) {
				t.Helper()
				w, err1 := json.Marshal(want)
				h, err2 := json.Marshal(have)
				if err1 != nil || err2 != nil || string(w) != string(h) {
					t.Errorf("%s differs:\npublished %s\nserved    %s", what, w, h)
				}
			}
			ops := 0
			for path, item := range full.Paths.Map() {
				for method, op := range item.Operations() {
					ops++
					gi := got.Paths.Value(path)
					if gi == nil || gi.GetOperation(method) == nil {
						t.Errorf("%s %s is missing", method, path)
						continue
					}
					g := gi.GetOperation(method)
					where := method + " " + path
					same(where+": operationId", op.OperationID, g.OperationID)
					same(where+": parameters", op.Parameters, g.Parameters)
					same(where+": path item parameters", item.Parameters, gi.Parameters)
					same(where+": request body", op.RequestBody, g.RequestBody)
					same(where+": security", op.Security, g.Security)
				}
			}
			n := 0
			for _, item := range got.Paths.Map() {
				n += len(item.Operations())
			}
			if n != ops || ops == 0 {
				t.Errorf("%d operations served, %d published", n, ops)
			}
			same("security", full.Security, got.Security)
			fc, gc := full.Components, got.Components
			if gc == nil {
				return
			}
			for k, v := range gc.Schemas {
				same("schema "+k, fc.Schemas[k], v)
			}
			for k, v := range gc.Parameters {
				same("parameter "+k, fc.Parameters[k], v)
			}
			for k, v := range gc.RequestBodies {
				same("request body "+k, fc.RequestBodies[k], v)
			}
			for k, v := range gc.Headers {
				same("header "+k, fc.Headers[k], v)
			}
			same("security schemes", fc.SecuritySchemes, gc.SecuritySchemes)
		})
	}
}

// withoutDocs empties the documentation of doc, as RequestSpec may, written apart from it so
// that the test has its own word on what documentation is: a field RequestSpec empties and
// this does not (a pattern, say) shows as a difference.
func withoutDocs(doc *openapi3.T) {
	allowed := map[string]bool{"Description": true, "Summary": true, "Title": true, "Example": true,
		"Examples": true, "ExternalDocs": true, "Tags": true}
	info := doc.Info
	seen := map[uintptr]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			if v.IsNil() || v.Kind() == reflect.Pointer && seen[v.Pointer()] {
				return
			}
			if v.Kind() == reflect.Pointer {
				seen[v.Pointer()] = true
				switch x := v.Interface().(type) {
				case *openapi3.Paths:
					for _, item := range x.Map() {
						walk(reflect.ValueOf(item))
					}
				case *openapi3.Responses:
					x.Map() // responses are not served: nothing to compare
				}
			}
			walk(v.Elem())
		case reflect.Struct:
			for i := range v.NumField() {
				f := v.Type().Field(i)
				if !f.IsExported() || f.Name == "Extensions" {
					continue
				}
				if allowed[f.Name] && v.Field(i).CanSet() {
					v.Field(i).SetZero()
					continue
				}
				walk(v.Field(i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(v.MapIndex(k))
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		}
	}
	walk(reflect.ValueOf(doc))
	doc.Info = info
}
