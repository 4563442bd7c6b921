// Package docs serves Switchboard's API reference: one HTML page per OpenAPI
// document, rendered server-side from the embedded specs at construction
// time, plus the specs themselves as JSON and YAML. The site is entirely
// self-contained: its stylesheet and script are embedded, and pages reference
// nothing outside the site (no CDN, web fonts or analytics), which a strict
// Content-Security-Policy enforces in the browser.
//
// URL layout, relative to wherever the handler is mounted:
//
//	/                      index of every API
//	/<name>/               reference page for one API
//	/<name>/openapi.json   the spec as JSON (key order preserved)
//	/<name>/openapi.yaml   the spec as YAML (the raw bytes when embedded as YAML)
//	/assets/site.css       stylesheet
//	/assets/site.js        progressive enhancement (copy buttons, filter, expand/collapse)
//
// "/<name>" redirects (301) to "<name>/"; "/index.html" and
// "/<name>/index.html" serve the same pages as "/" and "/<name>/" (that is
// the layout WriteStatic produces). Every link in the pages is relative, so
// the same site works mounted anywhere and from file://.
//
// Ordering is deterministic: operations follow the order the paths are
// written in the document (read from the YAML node tree, since kin-openapi
// keeps paths in a map), and on one path GET, POST, PUT, PATCH, DELETE, then
// the other methods. They are grouped by their first tag, groups in the
// order of the document's top-level tags, then tags first seen on
// operations, then untagged operations. Properties, media types, examples
// and security schemes keep document order too; response codes are sorted
// (default last) and components.schemas are listed by name.
package docs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
)

// Spec is one API to document.
type Spec struct {
	// Name is the URL segment of the API's page, e.g. "helpdesk".
	Name string
	// Title overrides info.title when set.
	Title string
	// BasePath is where the API is mounted, e.g. "/helpdesk"; operation paths
	// are shown prefixed with it. Empty means "/" + Name.
	BasePath string
	// Raw is the OpenAPI document (YAML or JSON) exactly as embedded.
	Raw []byte
}

// Site is the rendered documentation site. It is immutable and safe for
// concurrent use.
type Site struct {
	files  map[string]*file // served path ("/", "/helpdesk/", …) → content
	static map[string]*file // WriteStatic's relative file path → content
	names  map[string]bool
}

type file struct {
	body        []byte
	contentType string
	etag        string
}

const (
	ctHTML = "text/html; charset=utf-8"
	ctCSS  = "text/css; charset=utf-8"
	ctJS   = "text/javascript; charset=utf-8"
	ctJSON = "application/json;charset=UTF-8"
	ctYAML = "application/yaml;charset=UTF-8"

	// CSP is the Content-Security-Policy sent with every response.
	CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'"
)

//go:embed assets templates
var embedded embed.FS

var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)

// templates are parsed on first use: the site renders on its first request (Lazy), and parsing
// at package init would lengthen every process start.
var templates = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("").Funcs(template.FuncMap{
		"lower": strings.ToLower,
		"join":  strings.Join,
	}).ParseFS(embedded, "templates/*.html"))
})

// New parses and validates every spec and renders the whole site. It fails on
// a document kin-openapi cannot load or validate, on a duplicate or unusable
// name, and on an empty list.
func New(specs []Spec) (*Site, error) {
	if len(specs) == 0 {
		return nil, errors.New("docs: no specs")
	}
	s := &Site{files: map[string]*file{}, static: map[string]*file{}, names: map[string]bool{}}
	var served, static indexView
	served.Assets, static.Assets = "assets/", "assets/"
	served.IndexHref, static.IndexHref = "./", "index.html"
	for _, spec := range specs {
		if !nameRe.MatchString(spec.Name) || spec.Name == "assets" || spec.Name == "index.html" {
			return nil, fmt.Errorf("docs: invalid spec name %q (want a lower-case URL segment, not \"assets\")", spec.Name)
		}
		if s.names[spec.Name] {
			return nil, fmt.Errorf("docs: duplicate spec name %q", spec.Name)
		}
		s.names[spec.Name] = true
		if spec.BasePath == "" {
			spec.BasePath = "/" + spec.Name
		}
		doc, t, err := load(spec.Raw)
		if err != nil {
			return nil, fmt.Errorf("docs: %s: %w", spec.Name, err)
		}
		if spec.Title == "" && doc.Info != nil {
			spec.Title = doc.Info.Title
		}
		if spec.Title == "" {
			spec.Title = spec.Name
		}
		jsonBody, err := specJSON(spec.Raw)
		if err != nil {
			return nil, fmt.Errorf("docs: %s: converting to JSON: %w", spec.Name, err)
		}
		yamlBody, err := specYAML(spec.Raw)
		if err != nil {
			return nil, fmt.Errorf("docs: %s: converting to YAML: %w", spec.Name, err)
		}
		for _, variant := range []struct {
			static bool
			files  map[string]*file
			key    string
		}{{false, s.files, "/" + spec.Name + "/"}, {true, s.static, spec.Name + "/index.html"}} {
			pv, err := buildPage(spec, doc, t, variant.static)
			if err != nil {
				return nil, fmt.Errorf("docs: %s: %w", spec.Name, err)
			}
			html, err := render("page.html", pv)
			if err != nil {
				return nil, fmt.Errorf("docs: %s: %w", spec.Name, err)
			}
			variant.files[variant.key] = newFile(html, ctHTML)
		}
		s.files["/"+spec.Name+"/openapi.json"] = newFile(jsonBody, ctJSON)
		s.files["/"+spec.Name+"/openapi.yaml"] = newFile(yamlBody, ctYAML)
		s.static[spec.Name+"/openapi.json"] = s.files["/"+spec.Name+"/openapi.json"]
		s.static[spec.Name+"/openapi.yaml"] = s.files["/"+spec.Name+"/openapi.yaml"]

		info := doc.Info
		if info == nil {
			info = &openapi3.Info{}
		}
		sum := apiSummary{
			Name: spec.Name, Title: spec.Title, Version: info.Version,
			Summary:    firstParagraph(info.Description),
			BasePath:   spec.BasePath,
			SpecYAML:   spec.Name + "/openapi.yaml",
			SpecJSON:   spec.Name + "/openapi.json",
			Operations: len(operations(doc, t)),
		}
		sum.Href = spec.Name + "/"
		served.APIs = append(served.APIs, sum)
		sum.Href = spec.Name + "/index.html"
		static.APIs = append(static.APIs, sum)
	}
	for _, v := range []struct {
		view  indexView
		files map[string]*file
		key   string
	}{{served, s.files, "/"}, {static, s.static, "index.html"}} {
		html, err := render("index.html", v.view)
		if err != nil {
			return nil, fmt.Errorf("docs: index: %w", err)
		}
		v.files[v.key] = newFile(html, ctHTML)
	}
	err := fs.WalkDir(embedded, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := embedded.ReadFile(p)
		if err != nil {
			return err
		}
		ct := "application/octet-stream"
		switch path.Ext(p) {
		case ".css":
			ct = ctCSS
		case ".js":
			ct = ctJS
		case ".svg":
			ct = "image/svg+xml"
		}
		f := newFile(b, ct)
		s.files["/"+p] = f
		s.static[p] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("docs: assets: %w", err)
	}
	return s, nil
}

// load parses and validates one document.
func load(raw []byte) (*openapi3.T, *tree, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, nil, errors.New("empty document")
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("loading: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := doc.Validate(ctx); err != nil {
		return nil, nil, fmt.Errorf("invalid OpenAPI document: %w", err)
	}
	t, err := parseTree(raw)
	if err != nil {
		return nil, nil, err
	}
	return doc, t, nil
}

func render(name string, data any) ([]byte, error) {
	var buf bytes.Buffer
	if err := templates().ExecuteTemplate(&buf, name, data); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func newFile(body []byte, ct string) *file {
	sum := sha256.Sum256(body)
	return &file{body: body, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// Handler serves the site. It works both behind http.StripPrefix and when
// mounted on a chi router (r.Mount("/docs", site.Handler())), in which case
// chi's remaining route path is used.
func (s *Site) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", CSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")

	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on docs pages", "METHOD_NOT_ALLOWED")
		return
	}
	p := relPath(r)
	visible := requestPath(r)
	switch {
	case (p == "" || strings.HasSuffix(p, "/")) && !strings.HasSuffix(visible, "/"):
		// "/docs" → "docs/": pages need the trailing slash for their
		// relative links to resolve.
		redirectSlash(w, r, path.Base(visible))
		return
	case p == "/index.html":
		p = "/"
	case strings.HasSuffix(p, "/index.html") && s.names[strings.Trim(strings.TrimSuffix(p, "index.html"), "/")]:
		p = strings.TrimSuffix(p, "index.html")
	case s.names[strings.TrimPrefix(p, "/")]:
		redirectSlash(w, r, strings.TrimPrefix(p, "/"))
		return
	}
	f, ok := s.files[p]
	if !ok {
		writeError(w, http.StatusNotFound, "no docs page at "+p, "NOT_FOUND")
		return
	}
	h.Set("Content-Type", f.contentType)
	h.Set("Cache-Control", "no-cache")
	h.Set("ETag", f.etag)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.body))
}

// relPath is the request path relative to the site root. Behind
// http.StripPrefix that is r.URL.Path; when the handler is mounted on a chi
// router without stripping, it is chi's remaining route path.
func relPath(r *http.Request) string {
	p := r.URL.Path
	if rctx := chi.RouteContext(r.Context()); rctx != nil && rctx.RoutePath != "" {
		if strings.HasSuffix(p, rctx.RoutePath) || rctx.RoutePath == "/" {
			p = rctx.RoutePath
		}
	}
	return p
}

// requestPath is the path the client asked for, before any prefix stripping.
func requestPath(r *http.Request) string {
	if r.RequestURI != "" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.Path != "" {
			return u.Path
		}
	}
	return r.URL.Path
}

// redirectSlash answers 301 with a relative Location ("helpdesk/"), which
// resolves correctly wherever the site is mounted.
func redirectSlash(w http.ResponseWriter, r *http.Request, name string) {
	if name == "" || name == "/" || name == "." {
		name = "."
	}
	loc := name + "/"
	if r.URL.RawQuery != "" {
		loc += "?" + r.URL.RawQuery
	}
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Type", ctJSON)
	w.WriteHeader(http.StatusMovedPermanently)
	if r.Method != http.MethodHead {
		fmt.Fprintf(w, "{\"location\":%s}\n", jsonString(loc))
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

type errorBody struct {
	Error struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg, code string) {
	var body errorBody
	body.Error.Message, body.Error.Code = msg, code
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", ctJSON)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// WriteStatic writes the site as static files under dir (created if
// missing): index.html, <name>/index.html, <name>/openapi.json,
// <name>/openapi.yaml and assets/…. Links between pages point at index.html
// files, so the output works from file:// as well as from any web server.
func (s *Site) WriteStatic(dir string) error {
	for _, rel := range mapKeys(s.static) {
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dst, s.static[rel].body, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Lazy serves the site that build renders, rendering it on the first request rather than when
// the server starts: rendering every spec takes a few hundred milliseconds that a cold start to
// readiness should not pay. Concurrent first requests wait for the one render. A render that
// fails (a spec the docs cannot load: a build defect the docs tests catch) answers 500 in the
// docs error format, and every later request gets the same answer; the error itself goes to
// logErr, never to the client.
func Lazy(build func() (*Site, error), logErr func(error)) http.Handler {
	var (
		once sync.Once
		site *Site
		err  error
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() {
			if site, err = build(); err != nil && logErr != nil {
				logErr(err)
			}
		})
		if err != nil {
			writeError(w, http.StatusInternalServerError, "the docs site could not be rendered", "INTERNAL_ERROR")
			return
		}
		site.serve(w, r)
	})
}
