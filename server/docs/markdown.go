package docs

import (
	"html"
	"html/template"
	"strings"
)

// markdown renders the small, safe subset of CommonMark that spec
// descriptions use in practice, without a Markdown dependency:
//
//   - everything is HTML-escaped first, so raw HTML in a spec is shown as text;
//   - blank lines separate paragraphs (<p>);
//   - consecutive lines starting with "- ", "* " or "+ " form a bullet list;
//   - `code` spans become <code>, **bold** becomes <strong>.
//
// Links are deliberately left as text: the site never emits a URL that the
// spec did not write in plain sight.
func markdown(s string) template.HTML {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
	if s == "" {
		return ""
	}
	var b strings.Builder
	for _, block := range splitBlocks(s) {
		lines := strings.Split(block, "\n")
		var para []string
		var items []string
		flushPara := func() {
			if len(para) > 0 {
				b.WriteString("<p>")
				b.WriteString(inline(strings.Join(para, "\n")))
				b.WriteString("</p>")
				para = nil
			}
		}
		flushList := func() {
			if len(items) > 0 {
				b.WriteString("<ul>")
				for _, it := range items {
					b.WriteString("<li>")
					b.WriteString(inline(it))
					b.WriteString("</li>")
				}
				b.WriteString("</ul>")
				items = nil
			}
		}
		for _, line := range lines {
			t := strings.TrimSpace(line)
			if item, ok := bullet(t); ok {
				flushPara()
				items = append(items, item)
				continue
			}
			if len(items) > 0 && strings.HasPrefix(line, " ") && t != "" {
				// continuation of the previous list item
				items[len(items)-1] += " " + t
				continue
			}
			flushList()
			para = append(para, t)
		}
		flushPara()
		flushList()
	}
	return template.HTML(b.String())
}

// firstParagraph renders only the first block of s.
func firstParagraph(s string) template.HTML {
	blocks := splitBlocks(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")))
	if len(blocks) == 0 {
		return ""
	}
	return markdown(blocks[0])
}

func splitBlocks(s string) []string {
	var blocks []string
	var cur []string
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				blocks = append(blocks, strings.Join(cur, "\n"))
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		blocks = append(blocks, strings.Join(cur, "\n"))
	}
	return blocks
}

func bullet(t string) (string, bool) {
	for _, p := range []string{"- ", "* ", "+ "} {
		if strings.HasPrefix(t, p) {
			return strings.TrimSpace(t[len(p):]), true
		}
	}
	return "", false
}

// inline escapes s and renders `code` and **bold** spans.
func inline(s string) string {
	var b strings.Builder
	parts := strings.Split(s, "`")
	if len(parts)%2 == 0 {
		// unbalanced backtick: the last one is literal
		parts[len(parts)-2] += "`" + parts[len(parts)-1]
		parts = parts[:len(parts)-1]
	}
	for i, p := range parts {
		if i%2 == 1 {
			b.WriteString("<code>")
			b.WriteString(html.EscapeString(p))
			b.WriteString("</code>")
			continue
		}
		b.WriteString(bold(html.EscapeString(p)))
	}
	return b.String()
}

func bold(s string) string {
	parts := strings.Split(s, "**")
	if len(parts) < 3 {
		return s
	}
	var b strings.Builder
	for i, p := range parts {
		switch {
		case i%2 == 0:
			b.WriteString(p)
		case i == len(parts)-1:
			// unmatched trailing "**"
			b.WriteString("**")
			b.WriteString(p)
		default:
			b.WriteString("<strong>")
			b.WriteString(p)
			b.WriteString("</strong>")
		}
	}
	return b.String()
}
