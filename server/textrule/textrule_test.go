package textrule_test

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	yaml "github.com/oasdiff/yaml3"

	"github.com/switchboard-dev/switchboard/openapi"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// The table is Unicode's White_Space plus U+FEFF, nothing else.
func TestIsSpaceIsWhiteSpaceAndBOM(t *testing.T) {
	for r := rune(0); r <= unicode.MaxRune; r++ {
		want := unicode.IsSpace(r) || r == 0xFEFF
		if textrule.IsSpace(r) != want {
			t.Errorf("IsSpace(%U) = %v, want %v", r, !want, want)
		}
	}
}

func TestBlankAndTrim(t *testing.T) {
	for _, s := range []string{"", " ", "\u0085", "\uFEFF", "\u00A0\u3000", "\t\r\n", "\u2028\u205F"} {
		if !textrule.Blank(s) || textrule.Trim(s) != "" {
			t.Errorf("%q: Blank %v, Trim %q", s, textrule.Blank(s), textrule.Trim(s))
		}
	}
	for _, s := range []string{"x", "\u200B", " a ", "\u0000", "\uFFFD"} {
		if textrule.Blank(s) {
			t.Errorf("%q is not blank", s)
		}
	}
	if got := textrule.Trim("\uFEFF a b\u00A0"); got != "a b" {
		t.Errorf("Trim: %q", got)
	}
}

// goPattern compiles a spec pattern the way kin-openapi does (\uXXXX read as \x{XXXX}).
func goPattern(t *testing.T, p string) *regexp.Regexp {
	t.Helper()
	return regexp.MustCompile(regexp.MustCompile(`\\u([0-9A-F]{4})`).ReplaceAllString(p, `\x{$1}`))
}

// The patterns say what the code says, for every code point, in Go's engine and through
// kin-openapi's validator itself.
func TestPatternsAgreeWithTheCode(t *testing.T) {
	notBlank, email := goPattern(t, textrule.NotBlankPattern), goPattern(t, textrule.EmailPattern)
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if notBlank.MatchString(s) == textrule.Blank(s) {
			t.Errorf("%U: NotBlankPattern matches %v, Blank %v", r, notBlank.MatchString(s), textrule.Blank(s))
		}
		if e := "a" + s + "@" + s + "b"; email.MatchString(e) != textrule.Email(e) {
			t.Errorf("%q: EmailPattern %v, Email %v", e, email.MatchString(e), textrule.Email(e))
		}
	}
	for _, e := range []string{"a@b", " @b", "a@ ", "a@b@c", "\uFEFF@x", "x@\u0085", "@", "ab", " a @ b "} {
		if email.MatchString(e) != textrule.Email(e) {
			t.Errorf("%q: EmailPattern %v, Email %v", e, email.MatchString(e), textrule.Email(e))
		}
	}
	schema := &openapi3.Schema{Type: &openapi3.Types{"string"}, Pattern: textrule.NotBlankPattern}
	for _, s := range []string{" ", "\u0085", "\uFEFF", "\u00A0", "x", "\u200B", " x "} {
		err := schema.VisitJSON(s)
		if (err != nil) != textrule.Blank(s) {
			t.Errorf("kin-openapi on %q: %v; Blank %v", s, err, textrule.Blank(s))
		}
	}
}

// ECMAScript reads the patterns the same way (a JavaScript client validating against the spec
// agrees with the server). Needs node; skipped without it.
func TestPatternsAgreeInJavaScript(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	script := fmt.Sprintf(`
const re = new RegExp(%q);
const out = [];
for (let c = 0; c <= 0xFFFF; c++) {
  if (c >= 0xD800 && c <= 0xDFFF) continue;
  if (!re.test(String.fromCharCode(c))) out.push(c);
}
console.log(out.join(","));`, textrule.NotBlankPattern)
	b, err := exec.CommandContext(context.Background(), node, "-e", script).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v: %s", err, b)
	}
	var want []string
	for r := rune(0); r <= 0xFFFF; r++ {
		if textrule.IsSpace(r) {
			want = append(want, fmt.Sprint(r))
		}
	}
	if got := strings.TrimSpace(string(b)); got != strings.Join(want, ",") {
		t.Fatalf("JavaScript finds blank: %s\nthe code: %s", got, strings.Join(want, ","))
	}
}

// Every pattern in every published spec uses the one definition: none writes \s or \S (whose
// meaning depends on the regex engine), and a pattern about white space is one of this
// package's. This covers the specs of APIs added later, too.
func TestSpecPatternsUseTheOneDefinition(t *testing.T) {
	for _, api := range openapi.APIs {
		raw, err := openapi.Spec(api.Name)
		if err != nil {
			t.Fatal(err)
		}
		var doc any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		n := 0
		walk(doc, "", func(path, pattern string) {
			n++
			switch {
			case pattern == textrule.NotBlankPattern || pattern == textrule.EmailPattern:
			case strings.Contains(pattern, `\s`) || strings.Contains(pattern, `\S`) || strings.Contains(pattern, `\p{Z`):
				t.Errorf("%s.yaml %s: pattern %q: write textrule.NotBlankPattern (%s) or textrule.EmailPattern instead of \\s / \\S",
					api.Name, path, pattern, textrule.NotBlankPattern)
			case strings.Contains(pattern, `\u0009`) || strings.Contains(pattern, `\uFEFF`):
				t.Errorf("%s.yaml %s: pattern %q spells a white space class of its own; use textrule's", api.Name, path, pattern)
			}
		})
		if n == 0 {
			t.Errorf("%s.yaml: no pattern found; is the walk broken?", api.Name)
		}
	}
}

func walk(v any, path string, f func(path, pattern string)) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if s, ok := c.(string); ok && k == "pattern" {
				f(path, s)
				continue
			}
			walk(c, path+"."+k, f)
		}
	case []any:
		for i, c := range x {
			walk(c, fmt.Sprintf("%s[%d]", path, i), f)
		}
	}
}
