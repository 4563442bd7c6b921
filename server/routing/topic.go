package routing

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// TopicMatch returns the fraction of topics found in text, 0 when there are
// no usable topics. A topic is found when it occurs as a whole word or phrase:
//
//   - case-insensitively, with Unicode simple case folding (so "ÉTÉ" finds
//     "été" and "Σ" finds "ς");
//   - whole words: "pay" is not found in "payment" or "prepay", but is in
//     "pay.", "(pay)" or "pay-day". Word characters are letters, combining
//     marks, numbers and connector punctuation such as "_". In scripts
//     written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer,
//     Myanmar) every character is a word boundary, so "支付" is found inside
//     "我想查询支付问题". A topic that begins or ends with a symbol needs no
//     boundary at that end ("c++" is found in "c++11");
//   - phrases: the words of a multi-word topic must follow each other in the
//     text; any run of white space matches any other ("credit card" finds
//     "Credit\n  card" but not "credit-card").
//
// Topics are trimmed; blank topics, topics without any letter or number, and
// repeats (after case folding) are ignored and do not count. Text is not
// Unicode-normalized: a composed "é" and "e" plus a combining accent differ.
func TopicMatch(topics []string, text string) float64 {
	return prepareText(text).match(topics)
}

// preparedText is a question text folded once for matching many topics.
type preparedText struct{ s string }

func prepareText(text string) *preparedText {
	return &preparedText{normalize(text)}
}

func (t *preparedText) match(topics []string) float64 {
	var seen []string
	found := 0
	for _, raw := range topics {
		topic := normalize(raw)
		if !usableTopic(topic) || contains(seen, topic) {
			continue
		}
		seen = append(seen, topic)
		if findWhole(t.s, topic) {
			found++
		}
	}
	if len(seen) == 0 {
		return 0
	}
	return float64(found) / float64(len(seen))
}

func hasTopics(topics []string) bool {
	for _, t := range topics {
		if usableTopic(t) {
			return true
		}
	}
	return false
}

// usableTopic reports whether t contains a letter or number.
func usableTopic(t string) bool {
	for _, r := range t {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// findWhole reports whether topic occurs in s with word boundaries at both
// ends. Both are normalized.
func findWhole(s, topic string) bool {
	first, _ := utf8.DecodeRuneInString(topic)
	last, _ := utf8.DecodeLastRuneInString(topic)
	for off := 0; off <= len(s)-len(topic); {
		i := strings.Index(s[off:], topic)
		if i < 0 {
			return false
		}
		start := off + i
		end := start + len(topic)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if (start == 0 || boundary(before, first)) && (end == len(s) || boundary(last, after)) {
			return true
		}
		_, size := utf8.DecodeRuneInString(s[start:])
		off = start + size
	}
	return false
}

// boundary reports whether a word may end between runes a and b.
func boundary(a, b rune) bool {
	return !isWord(a) || !isWord(b) || unspaced(a) || unspaced(b)
}

func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsNumber(r) || unicode.Is(unicode.Pc, r)
}

// unspacedScripts are written without spaces between words.
var unspacedScripts = []*unicode.RangeTable{
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Thai, unicode.Lao, unicode.Khmer, unicode.Myanmar,
}

func unspaced(r rune) bool {
	return r >= 0x0E00 && unicode.In(r, unspacedScripts...)
}

// normalize trims s, folds its case rune by rune and collapses every run of
// white space into one space.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	if isNormalASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldString folds the case of s rune by rune (a sort key for names).
func foldString(s string) string {
	if isNormalASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// isNormalASCII reports whether s is trimmed ASCII without upper case, with
// no white space but single spaces: what normalize and foldString return
// unchanged.
func isNormalASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= utf8.RuneSelf, 'A' <= c && c <= 'Z':
			return false
		case c == ' ':
			if i == 0 || i == len(s)-1 || s[i-1] == ' ' {
				return false
			}
		case c < ' ' || c == 0x7f:
			return false
		}
	}
	return true
}

// foldRune maps every rune of a simple case-folding orbit to the same rune:
// the lower case of the orbit's smallest member.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return unicode.ToLower(m)
}
