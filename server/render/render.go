// Package render turns a message body (plain text as the user or expert typed it) into the
// bodyHtml of the Messaging API (reference §5, Message.bodyHtml).
//
// Two modes, chosen by the company's Markdown flag:
//
// Plain mode (the default):
//   - the text is HTML-escaped (& < > ' " become entities; nothing in the body is ever markup);
//   - "\r\n" and a lone "\r" count as "\n"; NUL becomes U+FFFD; invalid UTF-8 becomes U+FFFD;
//   - one or more blank lines (lines holding only white space) separate paragraphs, each
//     rendered as <p>…</p>; blank lines at the start and end are dropped;
//   - a single newline inside a paragraph becomes <br>;
//   - http://, https:// and www. URLs become links (www. links get http://). A URL starts at a
//     word boundary and runs to white space, <, >, " or `; trailing . , : ; ! ? ' * _ ~ and
//     unbalanced closing ) ] } are left out of it, as GitHub does. Anything that does not parse
//     as an absolute http(s) URL with a host (and no user:password@) stays text.
//   - every link is <a href="…" rel="nofollow noopener noreferrer">.
//
// Markdown mode: CommonMark via goldmark with the GFM linkify (http, https, www. and e-mail
// addresses), strikethrough and table extensions, and hard wraps (a single newline is a <br>,
// as in chat). Raw HTML is off: an HTML block or inline tag in the body is shown as escaped
// text, never interpreted (goldmark's html.WithUnsafe is never used). Links, autolinks and
// images are rendered by this package: a destination must be an absolute http(s) URL with a
// host (and no user:password@) or a mailto: address, else only the link text is shown; an image becomes a link to the
// image showing its alt text (no remote image is ever loaded by the page).
//
// Whatever the mode, the HTML then goes through a bluemonday policy built here (not one of the
// library's presets) that allows only: p, br, a[href, rel] (href schemes http, https and mailto,
// rel exactly "nofollow noopener noreferrer"), and in Markdown mode also em, strong, code (class
// "language-…" only), pre, blockquote, ul, ol[start], li, h1–h6, hr, del and
// table/thead/tbody/tr/th/td (align left|center|right only). No style, no event handler, no
// other URL-carrying attribute survives, so nothing in body can execute in a page that shows
// bodyHtml. The plain renderer emits only what the policy allows, so sanitizing is a no-op
// on its output (the tests check it); in Markdown mode the policy is the backstop.
//
// A Markdown body nesting block quotes or list items more than MaxMarkdownNesting deep on one
// line is rendered with the plain rules instead (goldmark is quadratic in that depth).
//
// The output has no trailing newline; an empty or all-blank body gives "".
package render

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// LinkRel is the rel attribute every link in bodyHtml carries.
const LinkRel = "nofollow noopener noreferrer"

// Renderer renders message bodies. It holds the Markdown converter and the two sanitizing
// policies, built once; it is safe for concurrent use. The zero value is not usable: call New.
type Renderer struct {
	md       goldmark.Markdown
	plain    *bluemonday.Policy
	markdown *bluemonday.Policy
}

// New builds a Renderer.
func New() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(
			extension.NewLinkify(
				extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"}),
			),
			extension.Strikethrough,
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		),
		goldmark.WithRendererOptions(
			html.WithHardWraps(),
			renderer.WithNodeRenderers(util.Prioritized(safeNodes{}, 100)),
		),
	)
	return &Renderer{md: md, plain: PlainPolicy(), markdown: MarkdownPolicy()}
}

var defaultRenderer = sync.OnceValue(New)

// BodyHTML renders body with the package's shared Renderer; markdown is the company's
// Markdown flag. See the package documentation for the rules.
func BodyHTML(body string, markdown bool) string {
	return defaultRenderer().BodyHTML(body, markdown)
}

// BodyHTML renders body as sanitized HTML; markdown selects Markdown mode.
func (r *Renderer) BodyHTML(body string, markdown bool) string {
	body = cleanInput(body)
	if markdown && !tooDeep(body) {
		var buf bytes.Buffer
		buf.Grow(len(body) + len(body)/4 + 16)
		if err := r.md.Convert([]byte(body), &buf); err != nil {
			// goldmark only fails when the writer fails; a bytes.Buffer does not. Fall back to
			// the plain rules rather than lose the message.
			return r.finish(r.plain, renderPlain(body))
		}
		return r.finish(r.markdown, buf.String())
	}
	return r.finish(r.plain, renderPlain(body))
}

func (r *Renderer) finish(p *bluemonday.Policy, s string) string {
	return strings.TrimRight(p.Sanitize(s), "\n")
}

// MaxMarkdownNesting is the deepest block nesting (block quotes and list items opened on one
// line) rendered as Markdown. goldmark's block parser is quadratic in that depth (a 20000-char
// "- - - … x" costs over a second), so a body that goes deeper is rendered with the plain rules.
const MaxMarkdownNesting = 32

// tooDeep reports whether some line of body opens more than MaxMarkdownNesting block quotes
// or list items.
func tooDeep(body string) bool {
	for line := range strings.SplitSeq(body, "\n") {
		if nesting(line) > MaxMarkdownNesting {
			return true
		}
	}
	return false
}

// nesting counts the container markers (">", "-", "+", "*", "1." or "1)") at the start of line,
// over-approximating CommonMark (indentation and tabs are simply skipped).
func nesting(line string) int {
	depth := 0
	i := 0
	for {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
			i++
		}
		if i >= len(line) {
			return depth
		}
		switch c := line[i]; {
		case c == '>':
			i++
		case c == '-' || c == '+' || c == '*':
			if i+1 < len(line) && line[i+1] != ' ' && line[i+1] != '\t' {
				return depth
			}
			i++
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j >= len(line) || (line[j] != '.' && line[j] != ')') {
				return depth
			}
			if j+1 < len(line) && line[j+1] != ' ' && line[j+1] != '\t' {
				return depth
			}
			i = j + 1
		default:
			return depth
		}
		depth++
		if depth > MaxMarkdownNesting {
			return depth
		}
	}
}

// cleanInput makes the text valid UTF-8 without NUL and with "\n" line ends.
func cleanInput(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// PlainPolicy is the sanitizing policy of plain mode: p, br and a[href, rel] only.
func PlainPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(relRe).OnElements("a")
	p.AllowURLSchemeWithCustomPolicy("http", hasHost)
	p.AllowURLSchemeWithCustomPolicy("https", hasHost)
	p.AllowURLSchemes("mailto")
	p.AllowRelativeURLs(false)
	p.RequireParseableURLs(true)
	// A link that reached the policy without our rel still gets nofollow noreferrer.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	return p
}

// MarkdownPolicy is the sanitizing policy of Markdown mode: PlainPolicy plus the elements
// CommonMark, strikethrough and tables produce.
func MarkdownPolicy() *bluemonday.Policy {
	p := PlainPolicy()
	p.AllowElements("em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
		"h1", "h2", "h3", "h4", "h5", "h6", "hr", "del",
		"table", "thead", "tbody", "tr", "th", "td")
	p.AllowAttrs("start").Matching(startRe).OnElements("ol")
	p.AllowAttrs("align").Matching(alignRe).OnElements("th", "td")
	p.AllowAttrs("class").Matching(langRe).OnElements("code")
	return p
}

var (
	relRe   = regexp.MustCompile(`^` + LinkRel + `$`)
	startRe = regexp.MustCompile(`^[0-9]{1,9}$`)
	alignRe = regexp.MustCompile(`^(left|center|right)$`)
	langRe  = regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,40}$`)
)

func hasHost(u *url.URL) bool { return u.Host != "" }

// safeHref reports whether raw is a link destination bodyHtml may carry (absolute http or
// https URL with a host, or a mailto: URL with an address) and returns it as url.URL.String
// spells it, which is what the policy would keep.
func safeHref(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	if raw == "" || strings.ContainsFunc(raw, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", false
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "http", "https":
		if u.Host == "" || u.User != nil {
			return "", false
		}
	case "mailto":
		if u.Opaque == "" || strings.HasPrefix(u.Opaque, "/") {
			return "", false
		}
	default:
		return "", false
	}
	return u.String(), true
}
