package render

import (
	"bytes"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/util"
)

// safeNodes replaces goldmark's renderers for the nodes that could carry markup or URLs out of
// the body: links, autolinks and images (destination checked with safeHref, rel added, images
// become links) and raw HTML (shown escaped).
type safeNodes struct{}

// RegisterFuncs implements renderer.NodeRenderer.
func (safeNodes) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, renderLink)
	reg.Register(ast.KindAutoLink, renderAutoLink)
	reg.Register(ast.KindImage, renderImage)
	reg.Register(ast.KindRawHTML, renderRawHTML)
	reg.Register(ast.KindHTMLBlock, renderHTMLBlock)
}

func writeOpenLink(w util.BufWriter, href string) {
	_, _ = w.WriteString(`<a href="`)
	_, _ = w.Write(util.EscapeHTML([]byte(href)))
	_, _ = w.WriteString(`" rel="` + LinkRel + `">`)
}

// insideLink reports whether n has a link ancestor (an anchor must not nest in another).
func insideLink(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if k := p.Kind(); k == ast.KindLink || k == ast.KindAutoLink {
			return true
		}
	}
	return false
}

func linkHref(dest []byte) (string, bool) {
	return safeHref(string(util.URLEscape(dest, true)))
}

// renderLink renders [text](dest): an anchor when dest is safe, else just the text.
func renderLink(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	href, ok := linkHref(n.Destination)
	if !ok || insideLink(n) {
		return ast.WalkContinue, nil
	}
	if entering {
		writeOpenLink(w, href)
	} else {
		_, _ = w.WriteString("</a>")
	}
	return ast.WalkContinue, nil
}

// renderAutoLink renders <http://…>, <user@host> and linkified URLs and addresses.
func renderAutoLink(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.AutoLink)
	dest := n.URL(source)
	if n.AutoLinkType == ast.AutoLinkEmail && !bytes.HasPrefix(bytes.ToLower(dest), []byte("mailto:")) {
		dest = append([]byte("mailto:"), dest...)
	}
	label := util.EscapeHTML(n.Label(source))
	href, ok := safeHref(string(util.URLEscape(dest, false)))
	if !ok || insideLink(n) {
		_, _ = w.Write(label)
		return ast.WalkContinue, nil
	}
	writeOpenLink(w, href)
	_, _ = w.Write(label)
	_, _ = w.WriteString("</a>")
	return ast.WalkContinue, nil
}

// renderImage renders ![alt](src) as a link to src showing alt (or src when alt is empty), so
// that a page showing bodyHtml never loads a remote image; an unsafe src leaves the alt text.
func renderImage(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.Image)
	var alt bytes.Buffer
	collectText(&alt, source, n)
	href, ok := linkHref(n.Destination)
	if !ok || insideLink(n) {
		_, _ = w.Write(util.EscapeHTML(alt.Bytes()))
		return ast.WalkSkipChildren, nil
	}
	writeOpenLink(w, href)
	if alt.Len() == 0 {
		_, _ = w.Write(util.EscapeHTML([]byte(href)))
	} else {
		_, _ = w.Write(util.EscapeHTML(alt.Bytes()))
	}
	_, _ = w.WriteString("</a>")
	return ast.WalkSkipChildren, nil
}

// collectText appends the plain text under n (what goldmark puts in an image's alt).
func collectText(buf *bytes.Buffer, source []byte, n ast.Node) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		switch t := c.(type) {
		case *ast.Text:
			buf.Write(t.Segment.Value(source))
			if t.SoftLineBreak() || t.HardLineBreak() {
				buf.WriteByte(' ')
			}
		case *ast.String:
			buf.Write(t.Value)
		case *ast.RawHTML:
			for i := 0; i < t.Segments.Len(); i++ {
				seg := t.Segments.At(i)
				buf.Write(seg.Value(source))
			}
		case *ast.AutoLink:
			buf.Write(t.Label(source))
		default:
			collectText(buf, source, c)
		}
	}
}

// renderRawHTML shows inline HTML as the text that was typed.
func renderRawHTML(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.RawHTML)
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(source)))
	}
	return ast.WalkSkipChildren, nil
}

// renderHTMLBlock shows an HTML block as a paragraph of the text that was typed, its line
// breaks kept as <br>.
func renderHTMLBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.HTMLBlock)
	var raw bytes.Buffer
	for i := 0; i < n.Lines().Len(); i++ {
		line := n.Lines().At(i)
		raw.Write(line.Value(source))
	}
	if n.HasClosure() {
		raw.Write(n.ClosureLine.Value(source))
	}
	text := bytes.TrimRight(raw.Bytes(), "\n")
	if len(bytes.TrimSpace(text)) == 0 {
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("<p>")
	for i, line := range bytes.Split(text, []byte("\n")) {
		if i > 0 {
			_, _ = w.WriteString("<br>\n")
		}
		_, _ = w.Write(util.EscapeHTML(line))
	}
	_, _ = w.WriteString("</p>\n")
	return ast.WalkContinue, nil
}
