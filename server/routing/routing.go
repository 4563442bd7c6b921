package routing

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/textmatch"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// Expert is one of the tenant's experts as the router sees it.
type Expert struct {
	UUID uuid.UUID
	Name string
	// Languages are ISO 639-1 codes; empty means unknown (any).
	Languages []string
	// Categories are category names the expert covers.
	Categories []string
	// Topics are free keywords or phrases matched against the question text.
	Topics   []string
	IsElite  bool
	IsActive bool
	// Capacity is the most UNRESOLVED questions the expert may hold claimed;
	// 0 (or less) means unlimited.
	Capacity int
	// OpenLoad is the number of UNRESOLVED questions the expert holds claimed.
	OpenLoad int
	// Stats is the expert's record in the question's category (across all
	// categories when the question has none).
	Stats Stats
}

// Stats is an expert's record of responses and ratings.
type Stats struct {
	// Responses counts the expert's responses; Accepted those accepted.
	Responses, Accepted int
	// Ratings counts rated responses; RatingSum sums their ratings mapped to
	// 0..1 by RatingValue.
	Ratings   int
	RatingSum float64
}

// Question is what the router needs to know about a new question.
type Question struct {
	// Language is the question's ISO 639-1 code; empty when unknown.
	Language string
	// Category is the question's category; empty when it has none.
	Category string
	// Text is matched against the experts' topics (pass subject and text).
	Text      string
	EliteOnly bool
	// CategoryExperts is the category's expert list: nil when the category
	// has no list (everyone may answer), non-nil to restrict to its members.
	CategoryExperts []uuid.UUID
}

// Weights weigh the score components. Only their ratios matter.
type Weights struct {
	Category   float64 `json:"category"`
	Language   float64 `json:"language"`
	Acceptance float64 `json:"acceptance"`
	Rating     float64 `json:"rating"`
	Load       float64 `json:"load"`
}

// DefaultWeights are the weights used when the tenant sets none.
func DefaultWeights() Weights {
	return Weights{Category: 0.35, Language: 0.25, Acceptance: 0.15, Rating: 0.10, Load: 0.15}
}

// Validate reports a weight that is negative, NaN or infinite. All-zero
// weights are valid (every score is then 0).
func (w Weights) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
	}{{"category", w.Category}, {"language", w.Language}, {"acceptance", w.Acceptance}, {"rating", w.Rating}, {"load", w.Load}} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 {
			return fmt.Errorf("routing weight %s must be a finite number >= 0", f.name)
		}
	}
	return nil
}

// Breakdown holds the score components, each between 0 and 1, rounded to 4
// decimals.
type Breakdown struct {
	Category   float64 `json:"category"`
	Language   float64 `json:"language"`
	Acceptance float64 `json:"acceptance"`
	Rating     float64 `json:"rating"`
	Load       float64 `json:"load"`
}

// Candidate is an eligible expert with its score and 1-based rank.
type Candidate struct {
	Expert    uuid.UUID
	Name      string
	Score     float64
	Breakdown Breakdown
	Rank      int
}

// Reasons an expert is not eligible, in the order the rules are checked.
const (
	ReasonInactive          = "inactive"
	ReasonNotElite          = "not elite"
	ReasonNotInCategoryList = "not in category list"
	ReasonAtCapacity        = "at capacity"
)

// Exclusion is an expert that is not eligible and the first rule it fails.
type Exclusion struct {
	Expert uuid.UUID
	Name   string
	Reason string
}

// Rank returns the eligible experts ordered best first (see the package doc
// for the rules) and the others with the reason each was excluded. The
// result depends only on the set of experts, not on their order.
func Rank(q Question, experts []Expert, w Weights) (ranked []Candidate, excluded []Exclusion) {
	var members map[uuid.UUID]struct{}
	if q.CategoryExperts != nil {
		members = make(map[uuid.UUID]struct{}, len(q.CategoryExperts))
		for _, id := range q.CategoryExperts {
			members[id] = struct{}{}
		}
	}
	w = sanitize(w)
	wsum := w.Category + w.Language + w.Acceptance + w.Rating + w.Load
	category := textrule.Trim(q.Category)
	language := textrule.Trim(q.Language)
	var text *textmatch.Text // cut into words on first use

	type keyed struct {
		c   Candidate
		key string
	}
	cands := make([]keyed, 0, len(experts))
	type keyedEx struct {
		x   Exclusion
		key string
	}
	var exs []keyedEx

	for i := range experts {
		e := &experts[i]
		if reason := ineligible(q, e, members); reason != "" {
			exs = append(exs, keyedEx{Exclusion{Expert: e.UUID, Name: e.Name, Reason: reason}, foldString(e.Name)})
			continue
		}
		var b Breakdown
		switch {
		case category != "" && containsFold(e.Categories, category):
			b.Category = 1
		case category == "" && !hasTopics(e.Topics):
			b.Category = 0.5
		default:
			if text == nil {
				t := textmatch.NewText(q.Text)
				text = &t
			}
			b.Category = text.Score(e.Topics) // = TopicMatch(e.Topics, q.Text)
		}
		b.Language = languageMatch(e.Languages, language)
		b.Acceptance = acceptance(e.Stats)
		b.Rating = rating(e.Stats)
		b.Load = load(e.Capacity, e.OpenLoad)
		score := 0.0
		if wsum > 0 {
			score = (w.Category*b.Category + w.Language*b.Language + w.Acceptance*b.Acceptance +
				w.Rating*b.Rating + w.Load*b.Load) / wsum
		}
		c := Candidate{Expert: e.UUID, Name: e.Name, Score: round4(score), Breakdown: Breakdown{
			Category: round4(b.Category), Language: round4(b.Language), Acceptance: round4(b.Acceptance),
			Rating: round4(b.Rating), Load: round4(b.Load),
		}}
		cands = append(cands, keyed{c, foldString(e.Name)})
	}

	order := make([]int, len(cands))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &cands[i], &cands[j]
		if c := cmp.Compare(b.c.Score, a.c.Score); c != 0 {
			return c
		}
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := bytes.Compare(a.c.Expert[:], b.c.Expert[:]); c != 0 {
			return c
		}
		// Only duplicate uuids get here; keep even that independent of input order.
		return compareTail(a.c, b.c)
	})
	ranked = make([]Candidate, len(cands))
	for rank, i := range order {
		ranked[rank] = cands[i].c
		ranked[rank].Rank = rank + 1
	}

	order = make([]int, len(exs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int {
		a, b := &exs[i], &exs[j]
		return cmp.Or(strings.Compare(a.key, b.key), bytes.Compare(a.x.Expert[:], b.x.Expert[:]),
			strings.Compare(a.x.Name, b.x.Name), strings.Compare(a.x.Reason, b.x.Reason))
	})
	excluded = make([]Exclusion, len(exs))
	for n, i := range order {
		excluded[n] = exs[i].x
	}
	return ranked, excluded
}

// Tier returns the candidates of offer tier tier (0-based) with K = k: ranks
// tier·k+1 … (tier+1)·k of ranked, which must be in Rank's order. It is empty
// past the end, and when k < 1 or tier < 0. The result shares ranked's array
// but cannot grow into it.
func Tier(ranked []Candidate, k, tier int) []Candidate {
	if k < 1 || tier < 0 {
		return nil
	}
	tiers := len(ranked) / k
	if len(ranked)%k != 0 {
		tiers++
	}
	if tier >= tiers {
		return nil
	}
	lo := tier * k
	hi := min(lo+k, len(ranked))
	return ranked[lo:hi:hi]
}

// RatingValue maps a vendor rating to 0..1: NEGATIVE_5 0,
// NEUTRAL_NEGATIVE_5 0.25, NEUTRAL_5 0.5, NEUTRAL_POSITIVE_5 0.75,
// POSITIVE_5 1. Anything else (including "") reports false.
func RatingValue(rating string) (float64, bool) {
	switch rating {
	case "NEGATIVE_5":
		return 0, true
	case "NEUTRAL_NEGATIVE_5":
		return 0.25, true
	case "NEUTRAL_5":
		return 0.5, true
	case "NEUTRAL_POSITIVE_5":
		return 0.75, true
	case "POSITIVE_5":
		return 1, true
	}
	return 0, false
}

func ineligible(q Question, e *Expert, members map[uuid.UUID]struct{}) string {
	if !e.IsActive {
		return ReasonInactive
	}
	if q.EliteOnly && !e.IsElite {
		return ReasonNotElite
	}
	if members != nil {
		if _, ok := members[e.UUID]; !ok {
			return ReasonNotInCategoryList
		}
	}
	if e.Capacity > 0 && e.OpenLoad >= e.Capacity {
		return ReasonAtCapacity
	}
	return ""
}

func sanitize(w Weights) Weights {
	f := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return 0
		}
		return v
	}
	w = Weights{f(w.Category), f(w.Language), f(w.Acceptance), f(w.Rating), f(w.Load)}
	// Scale so the largest weight is 1: only ratios matter, and huge weights
	// cannot overflow the sum.
	if m := max(w.Category, w.Language, w.Acceptance, w.Rating, w.Load); m > 0 {
		w = Weights{w.Category / m, w.Language / m, w.Acceptance / m, w.Rating / m, w.Load / m}
	}
	return w
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(textrule.Trim(v), s) {
			return true
		}
	}
	return false
}

// foldString folds the case of s rune by rune: the key that sorts names
// case-insensitively.
func foldString(s string) string {
	ascii := true
	for i := 0; i < len(s) && ascii; i++ {
		ascii = s[i] < utf8.RuneSelf && (s[i] < 'A' || s[i] > 'Z')
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
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

func languageMatch(langs []string, lang string) float64 {
	known := false
	for _, l := range langs {
		l = textrule.Trim(l)
		if l == "" {
			continue
		}
		known = true
		if lang != "" && strings.EqualFold(l, lang) {
			return 1
		}
	}
	if !known || lang == "" {
		return 0.5
	}
	return 0
}

func acceptance(s Stats) float64 {
	n := max(s.Responses, 0)
	a := min(max(s.Accepted, 0), n)
	return float64(a+1) / float64(n+2)
}

func rating(s Stats) float64 {
	n := max(s.Ratings, 0)
	sum := s.RatingSum
	if math.IsNaN(sum) || sum < 0 {
		sum = 0
	}
	sum = min(sum, float64(n))
	return (sum + 0.5*2) / float64(n+2)
}

func load(capacity, open int) float64 {
	open = max(open, 0)
	if capacity <= 0 {
		return 1 / float64(1+open)
	}
	return max(0, 1-float64(open)/float64(capacity))
}

func round4(v float64) float64 {
	return math.Round(v*1e4) / 1e4
}

func compareTail(a, b Candidate) int {
	if c := strings.Compare(a.Name, b.Name); c != 0 {
		return c
	}
	x, y := a.Breakdown, b.Breakdown
	return cmp.Or(cmp.Compare(x.Category, y.Category), cmp.Compare(x.Language, y.Language),
		cmp.Compare(x.Acceptance, y.Acceptance), cmp.Compare(x.Rating, y.Rating), cmp.Compare(x.Load, y.Load))
}
