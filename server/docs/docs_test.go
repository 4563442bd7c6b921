package docs

import (
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
)

// loadSpecs reads every file matching the globs as a Spec named after the
// file, skipping dotfiles (such as openapi/.redocly.yaml, the lint config).
func loadSpecs(t testing.TB, globs ...string) []Spec {
	t.Helper()
	var files []string
	for _, g := range globs {
		m, err := filepath.Glob(g)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	var specs []Spec
	for _, f := range files {
		if strings.HasPrefix(filepath.Base(f), ".") {
			continue
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), filepath.Ext(f))
		specs = append(specs, Spec{Name: name, BasePath: "/" + name, Raw: raw})
	}
	return specs
}

func fixtureSpecs(t testing.TB) []Spec {
	specs := loadSpecs(t, "testdata/*.yaml", "testdata/*.json")
	if len(specs) < 2 {
		t.Fatalf("expected at least two fixture specs, found %d", len(specs))
	}
	return specs
}

func newSite(t testing.TB, specs []Spec) *Site {
	t.Helper()
	s, err := New(specs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// specOperations walks the parsed spec: every operation, and the
// operationIds among them (never hard-coded).
func specOperations(t testing.TB, raw []byte) (count int, ids []string) {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range doc.Paths.Keys() {
		for _, op := range doc.Paths.Value(p).Operations() {
			count++
			if op.OperationID != "" {
				ids = append(ids, op.OperationID)
			}
		}
	}
	sort.Strings(ids)
	return count, ids
}

type response struct {
	status int
	header http.Header
	body   string
}

func do(t testing.TB, h http.Handler, method, target string) response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

func get(t testing.TB, h http.Handler, target string) response {
	t.Helper()
	return do(t, h, http.MethodGet, target)
}

func TestIndexListsEverySpec(t *testing.T) {
	specs := fixtureSpecs(t)
	h := newSite(t, specs).Handler()
	r := get(t, h, "/")
	if r.status != 200 || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /: %d %q", r.status, r.header.Get("Content-Type"))
	}
	for _, s := range specs {
		doc, err := openapi3.NewLoader().LoadFromData(s.Raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			`href="` + s.Name + `/"`,
			`href="` + s.Name + `/openapi.yaml"`,
			`href="` + s.Name + `/openapi.json"`,
			html.EscapeString(doc.Info.Title),
			"v" + html.EscapeString(doc.Info.Version),
			"<code>" + s.BasePath + "</code>",
		} {
			if !strings.Contains(r.body, want) {
				t.Errorf("index lacks %q for %s", want, s.Name)
			}
		}
	}
	if get(t, h, "/index.html").body != r.body {
		t.Error("/index.html differs from /")
	}
}

var dataOpRe = regexp.MustCompile(`data-operation-id="([^"]*)"`)

func TestPagesHaveEveryOperation(t *testing.T) {
	specs := fixtureSpecs(t)
	h := newSite(t, specs).Handler()
	for _, s := range specs {
		r := get(t, h, "/"+s.Name+"/")
		if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
			t.Fatalf("%s: %d %q", s.Name, r.status, r.header.Get("Content-Type"))
		}
		count, ids := specOperations(t, s.Raw)
		if len(ids) == 0 {
			t.Fatalf("%s: fixture has no operationIds", s.Name)
		}
		for _, id := range ids {
			e := html.EscapeString(id)
			if !strings.Contains(r.body, `id="op-`+e+`" data-operation-id="`+e+`"`) {
				t.Errorf("%s: no element for operationId %q", s.Name, id)
			}
			if !strings.Contains(r.body, `href="#op-`+e+`"`) {
				t.Errorf("%s: sidebar does not link to %q", s.Name, id)
			}
		}
		var got []string
		for _, m := range dataOpRe.FindAllStringSubmatch(r.body, -1) {
			got = append(got, html.UnescapeString(m[1]))
		}
		sort.Strings(got)
		if !slices.Equal(got, ids) {
			t.Errorf("%s: data-operation-id elements %v, spec has %v", s.Name, got, ids)
		}
		if n := strings.Count(r.body, `<article class="operation`); n != count {
			t.Errorf("%s: %d operation elements, spec has %d operations", s.Name, n, count)
		}
		if get(t, h, "/"+s.Name+"/index.html").body != r.body {
			t.Errorf("/%s/index.html differs from /%s/", s.Name, s.Name)
		}
	}
}

func TestPageContent(t *testing.T) {
	h := newSite(t, fixtureSpecs(t)).Handler()
	page := get(t, h, "/helpdesk/").body
	for _, want := range []string{
		// full path with the mount point, method badge
		`<span class="method m-post">POST</span><code class="path">/helpdesk/tickets</code>`,
		`<code class="path">/helpdesk/tickets/{ticketId}</code>`,
		// both request media types, $ref names, enums, required markers
		`<code>application/json</code>`,
		`<code>application/x-www-form-urlencoded</code>`,
		`<code>multipart/form-data</code>`,
		`href="#schema-NewTicket">NewTicket</a>`,
		`<code>urgent</code>`,
		`<span class="req">required</span>`,
		// parameters, including path-level and $ref'd ones
		`<code class="prop-name">ticketId</code>`,
		`<code class="prop-name">Idempotency-Key</code>`,
		// responses with headers and a pretty-printed example, keys in document order
		`<span class="status s2xx">201</span>`,
		`<code class="prop-name">X-Request-Id</code>`,
		"{\n  &#34;id&#34;: &#34;tkt_01HX&#34;,\n  &#34;subject&#34;: &#34;Printer on fire&#34;,",
		// recursive schema is cut, not looped
		`recursive — items are <a class="ref" href="#schema-Comment">Comment</a>`,
		// security
		`id="auth-bearerAuth"`,
		// curl from the examples
		"curl &#34;$BASE_URL/helpdesk/tickets&#34; \\\n  -H &#34;Authorization: Bearer $TOKEN&#34; \\\n  -H &#39;Idempotency-Key: 4b1f8a2e&#39; \\\n  -H &#39;Content-Type: application/json&#39; \\\n  --data-raw &#39;{\n  &#34;subject&#34;: &#34;Printer on fire&#34;,",
		`-H &#34;Authorization: Bearer $TOKEN&#34;`,
		`-X PATCH &#34;$BASE_URL/helpdesk/tickets/tkt_01HX&#34;`,
		`--form-string &#39;body=string&#39;`,
		`-F &#39;attachment=@file.bin&#39;`,
		// markdown: paragraphs, lists, code, bold
		`<strong>support tickets</strong>`,
		`<li>Comments can be public or <code>internal</code>.</li>`,
		// components
		`id="schema-TicketList"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("helpdesk page lacks %q", want)
		}
	}
	// document order of paths and the GET, POST, PUT, PATCH, DELETE order
	last := -1
	for _, id := range []string{"listTickets", "createTicket", "getTicket", "updateTicket", "deleteTicket"} {
		i := strings.Index(page, `data-operation-id="`+id+`"`)
		if i <= last {
			t.Errorf("operation %s out of order", id)
		}
		last = i
	}

	admin := get(t, h, "/admin/").body
	for _, want := range []string{
		`-H &#34;X-Admin-Key: $API_KEY&#34;`,
		`--data-urlencode &#39;email=user@example.com&#39;`,
		`<span class="badge">no auth</span>`,
		`<div class="label">One of</div>`,
		`id="op-get-health"`, // an operation without operationId still gets an element
	} {
		if !strings.Contains(admin, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
}

func TestRawSpecEndpoints(t *testing.T) {
	specs := fixtureSpecs(t)
	h := newSite(t, specs).Handler()
	for _, s := range specs {
		_, wantIDs := specOperations(t, s.Raw)

		j := get(t, h, "/"+s.Name+"/openapi.json")
		if j.status != 200 || j.header.Get("Content-Type") != "application/json;charset=UTF-8" {
			t.Fatalf("%s json: %d %q", s.Name, j.status, j.header.Get("Content-Type"))
		}
		if !json.Valid([]byte(j.body)) {
			t.Fatalf("%s: openapi.json is not JSON", s.Name)
		}
		if _, ids := specOperations(t, []byte(j.body)); !slices.Equal(ids, wantIDs) {
			t.Errorf("%s: openapi.json has operations %v, want %v", s.Name, ids, wantIDs)
		}

		y := get(t, h, "/"+s.Name+"/openapi.yaml")
		if y.status != 200 || y.header.Get("Content-Type") != "application/yaml;charset=UTF-8" {
			t.Fatalf("%s yaml: %d %q", s.Name, y.status, y.header.Get("Content-Type"))
		}
		if !looksLikeJSON(s.Raw) && y.body != string(s.Raw) {
			t.Errorf("%s: openapi.yaml is not the raw document", s.Name)
		}
		if looksLikeJSON(s.Raw) && strings.HasPrefix(strings.TrimSpace(y.body), "{") {
			t.Errorf("%s: openapi.yaml of a JSON source is still JSON", s.Name)
		}
		if _, ids := specOperations(t, []byte(y.body)); !slices.Equal(ids, wantIDs) {
			t.Errorf("%s: openapi.yaml has operations %v, want %v", s.Name, ids, wantIDs)
		}

		head := do(t, h, http.MethodHead, "/"+s.Name+"/openapi.json")
		if head.status != 200 || head.body != "" || head.header.Get("Content-Type") != j.header.Get("Content-Type") {
			t.Errorf("HEAD: %d, %d body bytes, %q", head.status, len(head.body), head.header.Get("Content-Type"))
		}
	}
	// key order survives the conversion
	j := get(t, h, "/helpdesk/openapi.json").body
	if i, k := strings.Index(j, `"openapi"`), strings.Index(j, `"components"`); i < 0 || k < i {
		t.Error("openapi.json does not keep document key order")
	}
}

func TestETag(t *testing.T) {
	h := newSite(t, fixtureSpecs(t)).Handler()
	r := get(t, h, "/assets/site.css")
	etag := r.header.Get("ETag")
	if etag == "" || r.header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("css: etag %q, type %q", etag, r.header.Get("Content-Type"))
	}
	req := httptest.NewRequest("GET", "/assets/site.css", nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("conditional GET: %d", rec.Code)
	}
	if js := get(t, h, "/assets/site.js"); js.status != 200 || js.header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("js: %d %q", js.status, js.header.Get("Content-Type"))
	}
}

func checkError(t *testing.T, r response, status int, code, msg string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d", r.status, status)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var body struct {
		Error struct {
			Message string `json:"message"`
			Code    string `json:"code"`
		} `json:"error"`
	}
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("body %q: %v", r.body, err)
	}
	if body.Error.Code != code || (msg != "" && body.Error.Message != msg) {
		t.Errorf("error %+v, want code %s message %q", body.Error, code, msg)
	}
	if r.header.Get("Content-Security-Policy") != CSP {
		t.Errorf("error response without CSP")
	}
}

func TestNotFound(t *testing.T) {
	h := newSite(t, fixtureSpecs(t)).Handler()
	for _, p := range []string{"/nope", "/helpdesk/nope", "/helpdesk/openapi.xml", "/assets/", "/assets/nope.css", "/HELPDESK/", "/helpdesk//", "/index.htm"} {
		t.Run(p, func(t *testing.T) {
			checkError(t, get(t, h, p), http.StatusNotFound, "NOT_FOUND", "no docs page at "+p)
		})
	}
	r := get(t, h, "/nope")
	if want := `{"error":{"message":"no docs page at /nope","code":"NOT_FOUND"}}`; strings.TrimSpace(r.body) != want {
		t.Errorf("body %s, want %s", r.body, want)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := newSite(t, fixtureSpecs(t)).Handler()
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		for _, p := range []string{"/", "/helpdesk/", "/helpdesk/openapi.json", "/nope"} {
			r := do(t, h, m, p)
			checkError(t, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED", "")
			if r.header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q", m, p, r.header.Get("Allow"))
			}
		}
	}
}

func TestRedirects(t *testing.T) {
	site := newSite(t, fixtureSpecs(t))
	h := site.Handler()
	r := get(t, h, "/helpdesk?x=1")
	if r.status != http.StatusMovedPermanently || r.header.Get("Location") != "helpdesk/?x=1" {
		t.Errorf("/helpdesk: %d %q", r.status, r.header.Get("Location"))
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json;charset=UTF-8" {
		t.Errorf("redirect Content-Type %q", ct)
	}

	// behind http.StripPrefix
	mux := http.NewServeMux()
	mux.Handle("/docs/", http.StripPrefix("/docs", h))
	mux.Handle("/docs", http.StripPrefix("/docs", h))
	for target, want := range map[string]string{"/docs": "docs/", "/docs/helpdesk": "helpdesk/"} {
		r := get(t, mux, target)
		if r.status != http.StatusMovedPermanently || r.header.Get("Location") != want {
			t.Errorf("%s: %d %q, want %q", target, r.status, r.header.Get("Location"), want)
		}
	}
	for _, p := range []string{"/docs/", "/docs/helpdesk/", "/docs/helpdesk/openapi.yaml", "/docs/assets/site.css"} {
		if r := get(t, mux, p); r.status != 200 {
			t.Errorf("StripPrefix %s: %d", p, r.status)
		}
	}

	// mounted on chi, without StripPrefix
	cr := chi.NewRouter()
	cr.Mount("/docs", h)
	for _, p := range []string{"/docs/", "/docs/helpdesk/", "/docs/admin/openapi.json", "/docs/assets/site.js"} {
		if r := get(t, cr, p); r.status != 200 {
			t.Errorf("chi %s: %d %s", p, r.status, r.body)
		}
	}
	if r := get(t, cr, "/docs/helpdesk"); r.status != http.StatusMovedPermanently || r.header.Get("Location") != "helpdesk/" {
		t.Errorf("chi /docs/helpdesk: %d %q", r.status, r.header.Get("Location"))
	}
	checkError(t, get(t, cr, "/docs/nope"), http.StatusNotFound, "NOT_FOUND", "no docs page at /nope")

	// chi mount plus StripPrefix, as server.go does it
	both := chi.NewRouter()
	both.Mount("/docs", http.StripPrefix("/docs", h))
	for _, p := range []string{"/docs/", "/docs/helpdesk/", "/docs/admin/openapi.yaml", "/docs/assets/site.css"} {
		if r := get(t, both, p); r.status != 200 {
			t.Errorf("chi+StripPrefix %s: %d %s", p, r.status, r.body)
		}
	}
	checkError(t, get(t, both, "/docs/nope"), http.StatusNotFound, "NOT_FOUND", "no docs page at /nope")

	// "/docs" without the slash redirects to "docs/" however it is mounted
	for name, router := range map[string]http.Handler{"StripPrefix": mux, "chi": cr, "chi+StripPrefix": both} {
		for target, want := range map[string]string{"/docs": "docs/", "/docs/helpdesk": "helpdesk/", "/docs/admin?a=b": "admin/?a=b"} {
			r := get(t, router, target)
			if r.status != http.StatusMovedPermanently || r.header.Get("Location") != want {
				t.Errorf("%s %s: %d Location %q, want 301 %q", name, target, r.status, r.header.Get("Location"), want)
			}
		}
	}
}

// servedFiles returns every served page and asset.
func servedFiles(t *testing.T, specs []Spec, h http.Handler) map[string]response {
	out := map[string]response{}
	paths := []string{"/", "/assets/site.css", "/assets/site.js"}
	for _, s := range specs {
		paths = append(paths, "/"+s.Name+"/")
	}
	for _, p := range paths {
		r := get(t, h, p)
		if r.status != 200 {
			t.Fatalf("%s: %d", p, r.status)
		}
		out[p] = r
	}
	return out
}

func TestSecurityHeaders(t *testing.T) {
	specs := fixtureSpecs(t)
	h := newSite(t, specs).Handler()
	for p, r := range servedFiles(t, specs, h) {
		if got := r.header.Get("Content-Security-Policy"); got != "default-src 'self'; img-src 'self' data:; style-src 'self'" {
			t.Errorf("%s: CSP %q", p, got)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", p)
		}
	}
}

var (
	urlRe          = regexp.MustCompile(`(?i)https?://[^\s"'<>()]+`)
	inlineStyleRe  = regexp.MustCompile(`(?i)<[^>]+\sstyle=`)
	inlineScriptRe = regexp.MustCompile(`(?i)<script(\s[^>]*)?>`)
	handlerAttrRe  = regexp.MustCompile(`(?i)<[^>]+\son[a-z]+=`)
)

func TestNoExternalResources(t *testing.T) {
	specs := fixtureSpecs(t)
	h := newSite(t, specs).Handler()
	var allRaw strings.Builder
	for _, s := range specs {
		allRaw.Write(s.Raw)
	}
	for p, r := range servedFiles(t, specs, h) {
		lower := strings.ToLower(r.body)
		for _, bad := range []string{"cdn.", "jsdelivr", "unpkg", "fonts.googleapis", "googleapis", "cdnjs", "@import", "url("} {
			if strings.Contains(lower, bad) {
				t.Errorf("%s contains %q", p, bad)
			}
		}
		for _, u := range urlRe.FindAllString(r.body, -1) {
			// only URLs written in the specs themselves (servers, examples)
			if !strings.HasSuffix(p, "/") || !strings.Contains(allRaw.String(), html.UnescapeString(u)) {
				t.Errorf("%s: URL %q does not come from spec content", p, u)
			}
		}
		if strings.HasSuffix(p, "/") {
			if inlineStyleRe.MatchString(r.body) {
				t.Errorf("%s: inline style attribute", p)
			}
			if handlerAttrRe.MatchString(r.body) {
				t.Errorf("%s: inline event handler", p)
			}
			for _, m := range inlineScriptRe.FindAllString(r.body, -1) {
				if !strings.Contains(m, `src="`) {
					t.Errorf("%s: inline script %s", p, m)
				}
			}
			if strings.Contains(r.body, "<style") {
				t.Errorf("%s: <style> element", p)
			}
		}
	}
	// the fixtures do contain server URLs, so the check above is not vacuous
	if !strings.Contains(get(t, h, "/helpdesk/").body, "https://api.switchboard.example/helpdesk") {
		t.Error("server URL from the spec not rendered")
	}
}

func TestWriteStatic(t *testing.T) {
	specs := fixtureSpecs(t)
	dir := t.TempDir()
	if err := newSite(t, specs).WriteStatic(dir); err != nil {
		t.Fatal(err)
	}
	want := []string{"index.html", "assets/site.css", "assets/site.js"}
	for _, s := range specs {
		want = append(want, s.Name+"/index.html", s.Name+"/openapi.json", s.Name+"/openapi.yaml")
	}
	for _, f := range want {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("missing %s: %v", f, err)
		}
	}
	// every relative link in the static HTML must resolve to a written file
	linkRe := regexp.MustCompile(`(?:href|src)="([^"#]+)(?:#[^"]*)?"`)
	for _, page := range append([]string{"index.html"}, func() (p []string) {
		for _, s := range specs {
			p = append(p, s.Name+"/index.html")
		}
		return
	}()...) {
		b, err := os.ReadFile(filepath.Join(dir, page))
		if err != nil {
			t.Fatal(err)
		}
		links := 0
		for _, m := range linkRe.FindAllStringSubmatch(string(b), -1) {
			l := html.UnescapeString(m[1])
			if strings.HasPrefix(l, "data:") {
				continue
			}
			if strings.HasPrefix(l, "/") || strings.Contains(l, "://") {
				t.Errorf("%s: non-relative link %q", page, l)
				continue
			}
			target := path.Join(path.Dir(page), l)
			st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(target)))
			if err != nil || st.IsDir() {
				t.Errorf("%s: link %q does not resolve to a file (file:// would break)", page, l)
			}
			links++
		}
		if links == 0 {
			t.Errorf("%s: no links checked", page)
		}
	}
}

func TestDeterministic(t *testing.T) {
	specs := fixtureSpecs(t)
	a, b := newSite(t, specs), newSite(t, specs)
	if len(a.files) != len(b.files) {
		t.Fatal("different file sets")
	}
	for p, f := range a.files {
		if string(b.files[p].body) != string(f.body) {
			t.Errorf("%s differs between two renderings", p)
		}
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	good := fixtureSpecs(t)[0]
	cases := map[string][]Spec{
		"no specs":       nil,
		"not yaml":       {{Name: "x", Raw: []byte("openapi: [")}},
		"empty":          {{Name: "x", Raw: nil}},
		"no info":        {{Name: "x", Raw: []byte("openapi: 3.0.3\npaths: {}\n")}},
		"bad ref":        {{Name: "x", Raw: []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n        '200': {$ref: '#/components/responses/Nope'}\n")}},
		"duplicate name": {good, good},
		"bad name":       {{Name: "Help Desk", Raw: good.Raw}},
		"reserved name":  {{Name: "assets", Raw: good.Raw}},
	}
	for name, specs := range cases {
		if _, err := New(specs); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestTitleAndBasePathDefaults(t *testing.T) {
	raw := fixtureSpecs(t)[0].Raw
	s := newSite(t, []Spec{{Name: "custom", Title: "Custom <Title>", Raw: raw}})
	r := get(t, s.Handler(), "/")
	if !strings.Contains(r.body, "Custom &lt;Title&gt;") || !strings.Contains(r.body, "<code>/custom</code>") {
		t.Errorf("title override / default base path not shown:\n%s", r.body)
	}
}

func TestMarkdown(t *testing.T) {
	for in, want := range map[string]string{
		"":                               "",
		"one\ntwo\n\nthree":              "<p>one\ntwo</p><p>three</p>",
		"<script>alert(1)</script>":      "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>",
		"use `a<b>` and **bold**":        "<p>use <code>a&lt;b&gt;</code> and <strong>bold</strong></p>",
		"list:\n- a\n- `b`\n\nafter":     "<p>list:</p><ul><li>a</li><li><code>b</code></li></ul><p>after</p>",
		"odd ` backtick":                 "<p>odd ` backtick</p>",
		"[x](javascript:alert(1)) \"q\"": "<p>[x](javascript:alert(1)) &#34;q&#34;</p>",
	} {
		if got := string(markdown(in)); got != want {
			t.Errorf("markdown(%q) = %q, want %q", in, got, want)
		}
	}
	if got := string(firstParagraph("a `b`\n\nc")); got != "<p>a <code>b</code></p>" {
		t.Errorf("firstParagraph = %q", got)
	}
}

func TestFormPairs(t *testing.T) {
	v := omap{
		{"subject", "Printer on fire"},
		{"metadata", omap{{"Browser", "Safari"}, {"Account", omap{{"Worth", 1000000}}}}},
		{"tags", []any{"a", "b"}},
		{"items", []any{omap{{"k", true}}}},
		{"none", nil},
	}
	var got []string
	for _, p := range formPairs("", v) {
		got = append(got, p[0]+"="+p[1])
	}
	want := []string{"subject=Printer on fire", "metadata[Browser]=Safari", "metadata[Account][Worth]=1000000", "tags[]=a", "tags[]=b", "items[0][k]=true", "none="}
	if !slices.Equal(got, want) {
		t.Errorf("formPairs = %q\nwant %q", got, want)
	}
}

// A spec exercising awkward but valid shapes: self-recursive and mutually
// recursive schemas, allOf of several refs, anyOf, free-form objects, a
// $ref'd path-level parameter, no tags, no operationIds, no security, a JSON
// source and an empty description everywhere.
const oddSpec = `{
  "openapi": "3.0.3",
  "info": {"title": "Odd <API>", "version": "0"},
  "paths": {
    "/nodes/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer", "format": "int64"}}],
      "get": {"responses": {"200": {"description": "", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}}}, "default": {"description": "error", "content": {"text/plain": {"schema": {"type": "string"}, "example": "boom"}}}}},
      "put": {
        "requestBody": {"content": {"application/json": {"schema": {"allOf": [{"$ref": "#/components/schemas/A"}, {"$ref": "#/components/schemas/B"}, {"type": "object", "properties": {"extra": {"type": "number", "exclusiveMinimum": true, "minimum": 0}}}]}},
                                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
        "responses": {"204": {"description": "ok"}}
      }
    },
    "/free": {"post": {"operationId": "free", "requestBody": {"content": {"application/json": {"schema": {"type": "object", "additionalProperties": true}}}},
      "responses": {"200": {"description": "any", "content": {"application/json": {"schema": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"$ref": "#/components/schemas/A"}}]}}}}}}}
  },
  "components": {"schemas": {
    "Node": {"type": "object", "properties": {"children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}, "a": {"$ref": "#/components/schemas/A"}}},
    "A": {"type": "object", "required": ["b"], "properties": {"b": {"$ref": "#/components/schemas/B"}}},
    "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}, "n": {"type": "integer", "nullable": true}}}
  }}
}`

func TestOddSpec(t *testing.T) {
	specs := []Spec{{Name: "odd", Raw: []byte(oddSpec)}}
	site := newSite(t, specs)
	h := site.Handler()
	page := get(t, h, "/odd/")
	if page.status != 200 {
		t.Fatalf("%d", page.status)
	}
	count, _ := specOperations(t, []byte(oddSpec))
	if n := strings.Count(page.body, `<article class="operation`); n != count {
		t.Errorf("%d operation elements, want %d", n, count)
	}
	for _, want := range []string{
		"Odd &lt;API&gt;",
		`id="op-get-nodes-id"`, `id="op-put-nodes-id"`, `id="op-free"`,
		`<code class="path">/odd/nodes/{id}</code>`,
		`href="#schema-A">A</a>`, `<span class="label">includes</span>`,
		`<div class="label">Any of</div>`,
		`<span class="status sdefault">default</span>`,
		"Other operations",
		`curl -X PUT &#34;$BASE_URL/odd/nodes/0&#34;`,
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if len(page.body) > 2<<20 {
		t.Errorf("page is %d bytes: recursion not bounded", len(page.body))
	}
	y := get(t, h, "/odd/openapi.yaml")
	if _, ids := specOperations(t, []byte(y.body)); !slices.Equal(ids, []string{"free"}) {
		t.Errorf("yaml conversion lost operations: %v", ids)
	}
}

// TestLazy: the site is rendered on the first request, once however many requests race for it,
// and serves exactly what the eagerly rendered site serves; a failed render is a 500 in the docs
// error format, with the cause logged and not shown.
func TestLazy(t *testing.T) {
	specs := fixtureSpecs(t)
	var builds atomic.Int32
	h := Lazy(func() (*Site, error) {
		builds.Add(1)
		return New(specs)
	}, func(err error) { t.Errorf("unexpected render error: %v", err) })
	if n := builds.Load(); n != 0 {
		t.Fatalf("rendered %d times before any request", n)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if got := get(t, h, "/"); got.status != http.StatusOK {
				t.Errorf("GET / = %d", got.status)
			}
		}()
	}
	wg.Wait()
	if n := builds.Load(); n != 1 {
		t.Fatalf("rendered %d times, want 1", n)
	}
	eager := newSite(t, specs).Handler()
	for _, p := range []string{"/", "/" + specs[0].Name + "/", "/" + specs[0].Name + "/openapi.json", "/nope"} {
		if got, want := get(t, h, p), get(t, eager, p); got.status != want.status || got.body != want.body {
			t.Errorf("GET %s: lazy %d %q…, eager %d", p, got.status, cut(got.body), want.status)
		}
	}

	var logged []error
	bad := Lazy(func() (*Site, error) { return New(nil) }, func(err error) { logged = append(logged, err) })
	for range 2 {
		got := get(t, bad, "/")
		if got.status != http.StatusInternalServerError || got.header.Get("Content-Type") != ctJSON ||
			!strings.Contains(got.body, `"code":"INTERNAL_ERROR"`) || strings.Contains(got.body, "no specs") {
			t.Fatalf("failed render: %d %s %q", got.status, got.header.Get("Content-Type"), got.body)
		}
	}
	if len(logged) != 1 || !strings.Contains(logged[0].Error(), "no specs") {
		t.Fatalf("logged %v, want the one render error", logged)
	}
}

func cut(s string) string {
	if len(s) > 80 {
		return s[:80]
	}
	return s
}
