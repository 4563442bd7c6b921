package render

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// renderPlain applies the plain rules to a cleaned body (see cleanInput). Its output contains
// only p, br and a[href, rel] markup, all else escaped.
func renderPlain(body string) string {
	paras := paragraphs(body)
	if len(paras) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(body) + len(body)/8 + 16)
	for i, lines := range paras {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		for j, line := range lines {
			if j > 0 {
				b.WriteString("<br>\n")
			}
			writeLinkified(&b, line)
		}
		b.WriteString("</p>")
	}
	return b.String()
}

// paragraphs splits text into paragraphs of lines: blank lines (only white space) separate
// paragraphs and are dropped.
func paragraphs(text string) [][]string {
	var (
		paras [][]string
		cur   []string
	)
	for line := range strings.SplitSeq(text, "\n") {
		if strings.TrimSpace(line) == "" {
			if len(cur) > 0 {
				paras = append(paras, cur)
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		paras = append(paras, cur)
	}
	return paras
}

// writeLinkified writes one line, escaped, with its URLs as links.
func writeLinkified(b *strings.Builder, line string) {
	last := 0
	for i := 0; i < len(line); {
		start, end, href, ok := urlAt(line, i)
		if !ok {
			if end > i {
				i = end // a URL-looking run that is not a valid link: skip it whole
			} else {
				i++
			}
			continue
		}
		b.WriteString(html.EscapeString(line[last:start]))
		b.WriteString(`<a href="`)
		b.WriteString(html.EscapeString(href))
		b.WriteString(`" rel="` + LinkRel + `">`)
		b.WriteString(html.EscapeString(line[start:end]))
		b.WriteString("</a>")
		last, i = end, end
	}
	b.WriteString(html.EscapeString(line[last:]))
}

// urlAt looks for a URL starting at byte i of line. It returns the URL's extent and its href
// when one is there; when ok is false but end > i, line[i:end] looked like a URL and should
// not be scanned again.
func urlAt(line string, i int) (start, end int, href string, ok bool) {
	c := line[i]
	if c != 'h' && c != 'H' && c != 'w' && c != 'W' {
		return i, i, "", false
	}
	if i > 0 {
		prev, _ := utf8.DecodeLastRuneInString(line[:i])
		if !boundaryBefore(prev) {
			return i, i, "", false
		}
	}
	rest := line[i:]
	var prefix int
	www := false
	switch {
	case hasPrefixFold(rest, "https://"):
		prefix = len("https://")
	case hasPrefixFold(rest, "http://"):
		prefix = len("http://")
	case hasPrefixFold(rest, "www."):
		prefix = len("www.")
		www = true
	default:
		return i, i, "", false
	}
	// Run to a delimiter.
	n := prefix
	for n < len(rest) {
		r, size := utf8.DecodeRuneInString(rest[n:])
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '<' || r == '>' || r == '"' || r == '`' {
			break
		}
		n += size
	}
	n = trimURLTail(rest, prefix, n)
	if n <= prefix {
		return i, i + n, "", false
	}
	first, _ := utf8.DecodeRuneInString(rest[prefix:])
	if !unicode.IsLetter(first) && !unicode.IsDigit(first) && first != '[' {
		return i, i + n, "", false
	}
	cand := rest[:n]
	if www {
		cand = "http://" + cand
	}
	href, ok = safeHref(cand)
	if !ok {
		return i, i + n, "", false
	}
	return i, i + n, href, true
}

// boundaryBefore reports whether a URL may start right after r.
func boundaryBefore(r rune) bool {
	if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
		return false
	}
	return !strings.ContainsRune("/.@-_&=%+#~:", r)
}

// trimURLTail drops trailing punctuation and unbalanced closing brackets from s[:n], never
// below prefix.
func trimURLTail(s string, prefix, n int) int {
	var opens, closes [3]int // (), [], {}
	for k := prefix; k < n; k++ {
		if j := strings.IndexByte("([{", s[k]); j >= 0 {
			opens[j]++
		} else if j := strings.IndexByte(")]}", s[k]); j >= 0 {
			closes[j]++
		}
	}
	for n > prefix {
		c := s[n-1]
		switch c {
		case '.', ',', ':', ';', '!', '?', '\'', '*', '_', '~':
			n--
		case ')', ']', '}':
			j := strings.IndexByte(")]}", c)
			if closes[j] <= opens[j] {
				return n
			}
			closes[j]--
			n--
		default:
			return n
		}
	}
	return n
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
