// Package textmatch is the deterministic keyword scoring behind the Messaging API's text
// endpoints (reference §4, "Deterministic scoring"): /v1/classifications,
// /v1/predictiveRouting, /v1/automaticAnswers and /v1/content. It is pure: no I/O, no clock,
// no randomness; the same input always gives the same output.
//
// # Words
//
// Text and keywords are cut into words the same way:
//   - the text is put in Unicode NFC form, so "é" typed as one code point or as "e" plus a
//     combining accent is the same letter;
//   - a word is a maximal run of letters, digits (any Unicode number) and combining marks;
//     every other rune (white space, punctuation, symbols, "_", "'", "-") separates words.
//     So "Refund!" and "(refund)" contain the word "refund", "e-mail" is the two words
//     "e mail" and "don't" is "don t";
//   - a Han, Hiragana or Katakana character is a word of its own (those scripts do not put
//     spaces between words), so the keyword "退款" matches inside "我想退款";
//   - words compare case-insensitively under Unicode simple case folding (as strings.EqualFold:
//     "REFUND", "Refund" and "refund" are equal, so are "Σ", "σ" and "ς", and "K" and the
//     Kelvin sign). Folding that changes the number of letters does not apply ("ß" ≠ "ss").
//
// # Keywords
//
// A keyword matches when its words occur in the text as whole words, consecutively and in
// order: a one-word keyword is a whole-word match ("refund" matches "Refund?" but not
// "refunds" or "prerefund"), a multi-word keyword is a phrase ("credit card" matches
// "credit-card" and "Credit  Card", not "card credit" or "credit the card"). There is no
// stemming: list "refund" and "refunds" if both should count.
//
// A keyword list is first reduced to its distinct keywords (two keywords are the same when
// their words are); keywords with no word at all ("", "!!!") are dropped. A keyword found
// several times in the text counts once.
//
// # Scores
//
// Score = matched distinct keywords ÷ distinct keywords, in [0, 1]; an empty list scores 0.
//
// Classify picks the class with the highest score (on a tie the earlier class in the list
// wins). It clears the threshold when its score is ≥ threshold (equality clears) and > 0 (a
// class no keyword of which matched never clears, whatever the threshold). Match.Confidence
// is that best score even when nothing clears (then Match.Class is nil), so
// /v1/classifications can answer {"classification": null, "confidence": 0.33}.
//
// Rank returns every class that clears the threshold, best first (ties in list order), at most
// limit of them (limit ≤ 0: no limit), for /v1/content and /v1/automaticAnswers.
//
// RouteToExperts is false when any agent-only keyword matches; its confidence uses the same
// formula: the agent-only score when not routing, 1 − that score (that is, 1) when routing.
//
// Score and the package-level functions cut the text once per call. A Classifier compiles a
// class list once (keywords indexed by their first word), so classifying a text costs one pass
// over its words whatever the number of classes; build one per settings version and reuse it.
// Text cuts a text once for scoring it against many keyword lists (for example experts'
// topics).
package textmatch

import (
	"cmp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Class is one operator-configured class: its keywords and its automatic answer.
type Class struct {
	Name     string
	Keywords []string
	Title    string
	Body     string
}

// Match is a scored class. Class is nil when nothing clears the threshold (Classify); it
// points into the slice of classes given.
type Match struct {
	Class      *Class
	Confidence float64
}

// Score is the share of distinct keywords found in text (see the package documentation).
func Score(text string, keywords []string) float64 {
	return NewText(text).Score(keywords)
}

// Classify returns the best class of classes for text if it clears threshold, else a Match
// with a nil Class; Confidence is the best score either way.
func Classify(text string, classes []Class, threshold float64) (best Match) {
	t := NewText(text)
	bestScore, bestIdx := 0.0, -1
	for i := range classes {
		s := t.Score(classes[i].Keywords)
		if bestIdx < 0 || s > bestScore {
			bestScore, bestIdx = s, i
		}
	}
	return decide(classes, bestIdx, bestScore, threshold)
}

// Rank returns the classes that clear threshold for text, best first, at most limit (limit
// ≤ 0: all). The result is never nil.
func Rank(text string, classes []Class, threshold float64, limit int) []Match {
	t := NewText(text)
	scores := make([]float64, len(classes))
	for i := range classes {
		scores[i] = t.Score(classes[i].Keywords)
	}
	return rank(classes, scores, threshold, limit)
}

// RouteToExperts decides /v1/predictiveRouting: route is false when any of agentOnlyKeywords
// matches text. confidence is Score(text, agentOnlyKeywords) when not routing, else 1 minus
// that score.
func RouteToExperts(text string, agentOnlyKeywords []string) (route bool, confidence float64) {
	s := Score(text, agentOnlyKeywords)
	if s > 0 {
		return false, s
	}
	return true, 1 - s
}

func clears(score, threshold float64) bool { return score > 0 && score >= threshold }

func decide(classes []Class, idx int, score, threshold float64) Match {
	if idx < 0 || !clears(score, threshold) {
		return Match{Confidence: score}
	}
	return Match{Class: &classes[idx], Confidence: score}
}

func rank(classes []Class, scores []float64, threshold float64, limit int) []Match {
	out := []Match{}
	for i, s := range scores {
		if clears(s, threshold) {
			out = append(out, Match{Class: &classes[i], Confidence: s})
		}
	}
	slices.SortStableFunc(out, func(a, b Match) int { return cmp.Compare(b.Confidence, a.Confidence) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Text is a text cut into words once, to be scored against several keyword lists.
type Text struct {
	words []string
	first map[string]int32 // word → its first position
	next  []int32          // position → next position of the same word, or -1
}

// NewText cuts text into words.
func NewText(text string) Text {
	words := tokenize(text)
	t := Text{words: words, first: make(map[string]int32, len(words)), next: make([]int32, len(words))}
	for i := len(words) - 1; i >= 0; i-- {
		if j, ok := t.first[words[i]]; ok {
			t.next[i] = j
		} else {
			t.next[i] = -1
		}
		t.first[words[i]] = int32(i)
	}
	return t
}

// Score is the share of distinct keywords found in t.
func (t Text) Score(keywords []string) float64 {
	phrases := distinctPhrases(keywords)
	if len(phrases) == 0 {
		return 0
	}
	matched := 0
	for _, p := range phrases {
		if t.has(p) {
			matched++
		}
	}
	return float64(matched) / float64(len(phrases))
}

// Contains reports whether keyword matches t.
func (t Text) Contains(keyword string) bool {
	p := tokenize(keyword)
	return len(p) > 0 && t.has(p)
}

func (t Text) has(p []string) bool {
	i, ok := t.first[p[0]]
	for ok && i >= 0 {
		if phraseAt(t.words, int(i)+1, p[1:]) {
			return true
		}
		i = t.next[i]
	}
	return false
}

// phraseAt reports whether words[i:] starts with rest.
func phraseAt(words []string, i int, rest []string) bool {
	if len(words)-i < len(rest) {
		return false
	}
	for k, w := range rest {
		if words[i+k] != w {
			return false
		}
	}
	return true
}

// distinctPhrases cuts keywords into word lists, dropping empty and repeated ones.
func distinctPhrases(keywords []string) [][]string {
	out := make([][]string, 0, len(keywords))
	seen := make(map[string]struct{}, len(keywords))
	for _, k := range keywords {
		p := tokenize(k)
		if len(p) == 0 {
			continue
		}
		key := p[0]
		if len(p) > 1 {
			key = strings.Join(p, " ")
		}
		if _, dup := seen[key]; dup {
			continue
		}
		seen[key] = struct{}{}
		out = append(out, p)
	}
	return out
}

// Classifier is a compiled class list. It is safe for concurrent use; Match.Class points into
// the slice given to NewClassifier, which must not be modified while the Classifier is used.
type Classifier struct {
	classes []Class
	byFirst map[string][]entry // first word of a keyword → the keywords starting with it
	nKeys   int                // distinct keywords over all classes
	members [][]int            // class → its distinct keyword ids
}

type entry struct {
	rest []string
	id   int
}

// NewClassifier compiles classes.
func NewClassifier(classes []Class) *Classifier {
	c := &Classifier{
		classes: classes,
		byFirst: make(map[string][]entry),
		members: make([][]int, len(classes)),
	}
	ids := make(map[string]int)
	for i := range classes {
		for _, p := range distinctPhrases(classes[i].Keywords) {
			key := strings.Join(p, " ")
			id, ok := ids[key]
			if !ok {
				id = c.nKeys
				c.nKeys++
				ids[key] = id
				c.byFirst[p[0]] = append(c.byFirst[p[0]], entry{rest: p[1:], id: id})
			}
			c.members[i] = append(c.members[i], id)
		}
	}
	return c
}

// Scores returns the score of every class for text, in class order.
func (c *Classifier) Scores(text string) []float64 {
	words := tokenize(text)
	matched := make([]bool, c.nKeys)
	for i, w := range words {
		for _, e := range c.byFirst[w] {
			if !matched[e.id] && phraseAt(words, i+1, e.rest) {
				matched[e.id] = true
			}
		}
	}
	scores := make([]float64, len(c.classes))
	for i, ids := range c.members {
		if len(ids) == 0 {
			continue
		}
		n := 0
		for _, id := range ids {
			if matched[id] {
				n++
			}
		}
		scores[i] = float64(n) / float64(len(ids))
	}
	return scores
}

// Classify is the package-level Classify over the compiled classes.
func (c *Classifier) Classify(text string, threshold float64) Match {
	scores := c.Scores(text)
	bestScore, bestIdx := 0.0, -1
	for i, s := range scores {
		if bestIdx < 0 || s > bestScore {
			bestScore, bestIdx = s, i
		}
	}
	return decide(c.classes, bestIdx, bestScore, threshold)
}

// Rank is the package-level Rank over the compiled classes.
func (c *Classifier) Rank(text string, threshold float64, limit int) []Match {
	return rank(c.classes, c.Scores(text), threshold, limit)
}

// Words returns the words of s as this package cuts and folds them (see the package
// documentation); exposed for diagnostics and tests.
func Words(s string) []string { return tokenize(s) }

// tokenize cuts s into folded words. All words share one backing string.
func tokenize(s string) []string {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	var (
		bufArr    [128]byte
		boundsArr [32]int
	)
	buf := bufArr[:0]
	bounds := boundsArr[:0] // start, end pairs into buf
	inWord := false
	for _, r := range s {
		switch {
		case isOwnWord(r):
			if inWord {
				bounds = append(bounds, len(buf))
			}
			bounds = append(bounds, len(buf))
			buf = utf8.AppendRune(buf, fold(r))
			bounds = append(bounds, len(buf))
			inWord = false
		case unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r):
			if !inWord {
				bounds = append(bounds, len(buf))
				inWord = true
			}
			buf = utf8.AppendRune(buf, fold(r))
		default:
			if inWord {
				bounds = append(bounds, len(buf))
				inWord = false
			}
		}
	}
	if inWord {
		bounds = append(bounds, len(buf))
	}
	all := string(buf)
	words := make([]string, len(bounds)/2)
	for i := range words {
		words[i] = all[bounds[2*i]:bounds[2*i+1]]
	}
	return words
}

// isOwnWord reports whether r is a word by itself (scripts written without spaces).
func isOwnWord(r rune) bool {
	return r >= 0x3040 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r))
}

// fold maps r to one representative of its simple case-folding orbit — the lower case of the
// orbit's smallest member when that is in the orbit, else the smallest member — so
// fold(a) == fold(b) exactly when strings.EqualFold matches a and b.
func fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	l := unicode.ToLower(m)
	if l == m {
		return m
	}
	for f := unicode.SimpleFold(m); f != m; f = unicode.SimpleFold(f) {
		if f == l {
			return l
		}
	}
	return m
}
