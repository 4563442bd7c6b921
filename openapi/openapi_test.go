package openapi

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The house rules for every spec (contract-toolchain.md §3). `make lint` checks more with
// redocly; these run in `go test` so a fresh clone without Node still enforces them.

var camelCase = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// The server validates the uuid format (httpkit.RegisterDecoders) and so does the docs site when
// it checks the examples: check them the same way here.
func init() {
	openapi3.DefineStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(openapi3.FormatOfStringForUUIDOfRFC4122))
}

// specFiles are the spec documents here (dotfiles such as the lint config are not specs).
func specFiles(t *testing.T) []string {
	t.Helper()
	all, err := filepath.Glob("*.yaml")
	var files []string
	for _, f := range all {
		if !strings.HasPrefix(f, ".") {
			files = append(files, f)
		}
	}
	if err != nil || len(files) == 0 {
		t.Fatalf("no specs found: %v", err)
	}
	return files
}

func loadAll(t *testing.T) map[string]*openapi3.T {
	t.Helper()
	files := specFiles(t)
	specs := map[string]*openapi3.T{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
			t.Errorf("%s: invalid spec (examples included): %v", f, err)
		}
		if doc.OpenAPI != "3.0.3" {
			t.Errorf("%s: openapi is %q, want 3.0.3", f, doc.OpenAPI)
		}
		specs[f] = doc
	}
	return specs
}

func TestEverySpecIsListedAndEmbedded(t *testing.T) {
	files := specFiles(t)
	listed := map[string]bool{}
	for _, api := range APIs {
		listed[api.Name+".yaml"] = true
		if _, err := Spec(api.Name); err != nil {
			t.Errorf("%s: %v", api.Name, err)
		}
	}
	for _, f := range files {
		if !listed[f] {
			t.Errorf("%s is not listed in openapi.APIs", f)
		}
	}
}

type op struct {
	file, method, path string
	*openapi3.Operation
}

func operations(specs map[string]*openapi3.T) []op {
	var ops []op
	for f, doc := range specs {
		for path, item := range doc.Paths.Map() {
			for method, o := range item.Operations() {
				ops = append(ops, op{f, method, path, o})
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool {
		return ops[i].file+ops[i].path+ops[i].method < ops[j].file+ops[j].path+ops[j].method
	})
	return ops
}

func TestOperationsHaveIdsSummariesAndTags(t *testing.T) {
	specs := loadAll(t)
	seen := map[string]string{}
	for _, o := range operations(specs) {
		where := fmt.Sprintf("%s %s %s", o.file, o.method, o.path)
		if !camelCase.MatchString(o.OperationID) {
			t.Errorf("%s: operationId %q is not camelCase", where, o.OperationID)
		}
		key := o.file + "#" + o.OperationID
		if prev, dup := seen[key]; dup {
			t.Errorf("%s: operationId %q also used by %s", where, o.OperationID, prev)
		}
		seen[key] = where
		if strings.TrimSpace(o.Summary) == "" {
			t.Errorf("%s: no summary", where)
		}
		if len(o.Tags) == 0 {
			t.Errorf("%s: no tags", where)
		}
	}
}

func TestBodiesAreNamedComponents(t *testing.T) {
	for _, o := range operations(loadAll(t)) {
		where := fmt.Sprintf("%s %s %s", o.file, o.method, o.path)
		if rb := o.RequestBody; rb != nil {
			for mt, c := range rb.Value.Content {
				if c.Schema == nil || c.Schema.Ref == "" {
					t.Errorf("%s: request body %s is an inline schema; $ref a component", where, mt)
				}
			}
		}
		for status, r := range o.Responses.Map() {
			for mt, c := range r.Value.Content {
				if c.Schema == nil || c.Schema.Ref == "" {
					t.Errorf("%s: response %s %s is an inline schema; $ref a component", where, status, mt)
				}
			}
		}
	}
}

func TestResponsesHaveValidExamples(t *testing.T) {
	for _, o := range operations(loadAll(t)) {
		for status, r := range o.Responses.Map() {
			where := fmt.Sprintf("%s %s %s → %s", o.file, o.method, o.path, status)
			if status == "default" {
				t.Errorf("%s: declare explicit statuses, not default", where)
			}
			for mt, c := range r.Value.Content {
				ex := c.Example
				if ex == nil {
					for _, e := range c.Examples {
						ex = e.Value.Value
						break
					}
				}
				if ex == nil {
					t.Errorf("%s %s: no example", where, mt)
					continue
				}
				if err := c.Schema.Value.VisitJSON(ex, openapi3.MultiErrors()); err != nil {
					t.Errorf("%s %s: example does not match the schema: %v", where, mt, err)
				}
			}
		}
	}
}

// TestExampleValidationCanFail proves the example check above is not vacuous.
func TestExampleValidationCanFail(t *testing.T) {
	doc := loadAll(t)["helpdesk.yaml"]
	s := doc.Components.Schemas["SaveQuestionResult"].Value
	if err := s.VisitJSON(map[string]any{"question": map[string]any{"id": "not a number"}}); err == nil {
		t.Fatal("a wrong example passed schema validation")
	}
}

// errorSchema is the schema every 4xx/5xx response of an operation must use. Each API has one
// `Error`, except the Messaging API: its /v1 failures keep the vendor's envelope
// (`ErrorEnvelope`: meta, data null, error) and its OAuth endpoints answer RFC 6749 bodies
// (`OAuthError`), and so do the Hub API's token endpoint's client errors (its 5xx keep `Error`).
func errorSchema(file, path, status string) string {
	if file == "hub.yaml" && path == "/connect/token" && (status == "400" || status == "401") {
		return "#/components/schemas/OAuthError"
	}
	if file == "messaging.yaml" {
		if strings.HasPrefix(path, "/oauth/") {
			return "#/components/schemas/OAuthError"
		}
		return "#/components/schemas/ErrorEnvelope"
	}
	return "#/components/schemas/Error"
}

func TestErrorsUseTheErrorSchema(t *testing.T) {
	for _, o := range operations(loadAll(t)) {
		for status, r := range o.Responses.Map() {
			if status[0] != '4' && status[0] != '5' {
				continue
			}
			where := fmt.Sprintf("%s %s %s → %s", o.file, o.method, o.path, status)
			c := r.Value.Content.Get("application/json")
			if c == nil || len(r.Value.Content) != 1 {
				t.Errorf("%s: error responses are application/json only", where)
				continue
			}
			if want := errorSchema(o.file, o.path, status); c.Schema.Ref != want {
				t.Errorf("%s: uses %q, want the API's error schema %q", where, c.Schema.Ref, want)
			}
		}
	}
}

// Every spec says what Go's HTTP server answers by itself, before any API code and not in the
// API's error format (the edge layer cannot change those): 431 for headers over the limit, 501
// for a transfer encoding other than chunked.
func TestSpecsDescribeTheServersOwnAnswers(t *testing.T) {
	for f, doc := range loadAll(t) {
		d := doc.Info.Description
		for _, want := range []string{"431", "501", "Transfer-Encoding"} {
			if !strings.Contains(d, want) {
				t.Errorf("%s: info.description does not mention %s (see the edge paragraph of messaging.yaml)", f, want)
			}
		}
	}
}
