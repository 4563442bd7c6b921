package render

import (
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

var (
	plainElements    = set("p", "br", "a")
	markdownElements = set("p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol",
		"li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "del",
		"table", "thead", "tbody", "tr", "th", "td")
	// neverElements are checked by name as well, in case an allow-list is ever widened.
	neverElements = set("script", "iframe", "object", "embed", "svg", "math", "style", "img",
		"form", "input", "button", "meta", "base", "link", "frame", "frameset", "applet")
	allowedAttrs = set("href", "rel", "start", "align", "class")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// loadCorpus reads testdata/xss.txt (format in its header).
func loadCorpus(tb testing.TB) []string {
	tb.Helper()
	data, err := os.ReadFile("testdata/xss.txt")
	if err != nil {
		tb.Fatal(err)
	}
	unescape := strings.NewReplacer("⏎", "\n", "⇥", "\t", "␍", "\r", "␀", "\x00", "␌", "\f", "␋", "\v")
	var out []string
	for line := range strings.SplitSeq(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, unescape.Replace(line))
	}
	return out
}

// parseFragment parses out the way a page would, as the content of a <div> in a body.
func parseFragment(tb testing.TB, out string) []*html.Node {
	tb.Helper()
	ctx := &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div}
	nodes, err := html.ParseFragment(strings.NewReader(out), ctx)
	if err != nil {
		tb.Fatalf("parse %q: %v", out, err)
	}
	return nodes
}

// hrefScheme is the scheme a browser would see in an href value: entity-decoded (again, on
// top of the parser's decoding), trimmed, ASCII control and white space removed, lowercased.
// A value with no scheme (relative) gives "".
func hrefScheme(v string) string {
	v = html.UnescapeString(v)
	v = strings.Map(func(r rune) rune {
		if r <= 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(v))
	v = strings.ToLower(v)
	i := strings.IndexAny(v, ":/?#")
	if i <= 0 || v[i] != ':' {
		return ""
	}
	return v[:i]
}

// checkSafe asserts the safety properties of one rendering of body.
func checkSafe(tb testing.TB, body, out string, markdown bool) {
	tb.Helper()
	allowed := plainElements
	if markdown {
		allowed = markdownElements
	}
	lower := strings.ToLower(out)
	for _, tag := range []string{"<script", "<iframe", "<object", "<embed", "<svg", "<math", "<style", "<img"} {
		if strings.Contains(lower, tag) {
			tb.Errorf("md=%v body %q: output contains %s: %q", markdown, body, tag, out)
		}
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name := strings.ToLower(n.Data)
			if !allowed[name] || neverElements[name] || n.Namespace != "" {
				tb.Errorf("md=%v body %q: element <%s> (ns %q) not allowed: %q", markdown, body, n.Data, n.Namespace, out)
			}
			for _, at := range n.Attr {
				key := strings.ToLower(at.Key)
				switch {
				case strings.HasPrefix(key, "on"):
					tb.Errorf("md=%v body %q: event handler %s: %q", markdown, body, at.Key, out)
				case key == "style" || key == "srcdoc" || key == "formaction" || at.Namespace != "":
					tb.Errorf("md=%v body %q: attribute %s: %q", markdown, body, at.Key, out)
				case !allowedAttrs[key]:
					tb.Errorf("md=%v body %q: attribute %s not allowed: %q", markdown, body, at.Key, out)
				}
				if key == "href" {
					switch s := hrefScheme(at.Val); s {
					case "http", "https", "mailto":
					default:
						tb.Errorf("md=%v body %q: href %q has scheme %q: %q", markdown, body, at.Val, s, out)
					}
				}
				if key == "rel" && at.Val != LinkRel {
					tb.Errorf("md=%v body %q: rel %q: %q", markdown, body, at.Val, out)
				}
			}
			if name == "a" {
				if _, ok := attr(n, "href"); !ok {
					tb.Errorf("md=%v body %q: anchor without href: %q", markdown, body, out)
				}
				if v, _ := attr(n, "rel"); v != LinkRel {
					tb.Errorf("md=%v body %q: anchor rel %q: %q", markdown, body, v, out)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range parseFragment(tb, out) {
		walk(n)
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// shownText is the text a browser shows for plain-mode output: br as "\n", paragraphs
// separated by a blank line.
func shownText(tb testing.TB, out string) string {
	tb.Helper()
	var b strings.Builder
	paras := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			data := n.Data
			if n.Parent == nil && data == "\n" {
				break // the layout newline between paragraphs
			}
			if prev := n.PrevSibling; prev != nil && prev.Type == html.ElementNode && prev.Data == "br" {
				data = strings.TrimPrefix(data, "\n") // the layout newline after <br>
			}
			b.WriteString(data)
		case n.Type == html.ElementNode && n.Data == "br":
			b.WriteByte('\n')
		case n.Type == html.ElementNode && n.Data == "p":
			if paras > 0 {
				b.WriteString("\n\n")
			}
			paras++
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range parseFragment(tb, out) {
		walk(n)
	}
	return b.String()
}

// normalizedPlain is body as the plain rules lay it out: lines of a paragraph joined by "\n",
// paragraphs by "\n\n".
func normalizedPlain(body string) string {
	var paras []string
	for _, lines := range paragraphs(cleanInput(body)) {
		paras = append(paras, strings.Join(lines, "\n"))
	}
	return strings.Join(paras, "\n\n")
}

func TestXSSCorpus(t *testing.T) {
	corpus := loadCorpus(t)
	if len(corpus) < 150 {
		t.Fatalf("corpus has %d payloads, want ≥ 150", len(corpus))
	}
	r := New()
	for _, payload := range corpus {
		for _, md := range []bool{false, true} {
			checkSafe(t, payload, r.BodyHTML(payload, md), md)
		}
		checkPlainExact(t, r, payload)
	}
}

// checkPlainExact: in plain mode the sanitizer is a no-op (the renderer alone emits only
// allowed markup) and every character of the body is shown, escaped exactly once.
func checkPlainExact(tb testing.TB, r *Renderer, body string) {
	tb.Helper()
	out := r.BodyHTML(body, false)
	if raw := renderPlain(cleanInput(body)); raw != out {
		tb.Errorf("body %q: sanitizer changed plain output\nraw: %q\nout: %q", body, raw, out)
	}
	if got, want := shownText(tb, out), normalizedPlain(body); got != want {
		tb.Errorf("body %q: shown text %q, want %q", body, got, want)
	}
}

func FuzzBodyHTML(f *testing.F) {
	for _, p := range loadCorpus(f) {
		f.Add(p, false)
		f.Add(p, true)
	}
	f.Add(sampleMessage, true)
	f.Add("a\n\nb\nhttps://x.example/(a)", false)
	r := New()
	f.Fuzz(func(t *testing.T, body string, markdown bool) {
		out := r.BodyHTML(body, markdown)
		checkSafe(t, body, out, markdown)
		if !markdown {
			checkPlainExact(t, r, body)
		}
	})
}
