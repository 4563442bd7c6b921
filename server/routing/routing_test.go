package routing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/google/uuid"
)

// id returns a uuid whose order follows n.
func id(n int) uuid.UUID {
	var u uuid.UUID
	u[14], u[15] = byte(n>>8), byte(n)
	return u
}

// active is an eligible expert with no opinionated attributes.
func active(n int, name string) Expert {
	return Expert{UUID: id(n), Name: name, IsActive: true}
}

func rankOne(t *testing.T, q Question, e Expert, w Weights) Candidate {
	t.Helper()
	ranked, excluded := Rank(q, []Expert{e}, w)
	if len(ranked) != 1 || len(excluded) != 0 {
		t.Fatalf("want one candidate, got ranked=%v excluded=%v", ranked, excluded)
	}
	return ranked[0]
}

func TestEligibility(t *testing.T) {
	list := []uuid.UUID{id(1), id(9)}
	tests := []struct {
		name   string
		q      Question
		e      Expert
		reason string // "" = eligible
	}{
		{"active plain", Question{}, Expert{IsActive: true}, ""},
		{"inactive", Question{}, Expert{}, ReasonInactive},
		{"elite not required", Question{}, Expert{IsActive: true}, ""},
		{"elite required, elite", Question{EliteOnly: true}, Expert{IsActive: true, IsElite: true}, ""},
		{"elite required, not elite", Question{EliteOnly: true}, Expert{IsActive: true}, ReasonNotElite},
		{"nil list admits all", Question{CategoryExperts: nil}, Expert{IsActive: true}, ""},
		{"on list", Question{CategoryExperts: list}, Expert{IsActive: true}, ""},
		{"off list", Question{CategoryExperts: []uuid.UUID{id(9)}}, Expert{IsActive: true}, ReasonNotInCategoryList},
		{"empty list admits nobody", Question{CategoryExperts: []uuid.UUID{}}, Expert{IsActive: true}, ReasonNotInCategoryList},
		{"unlimited, busy", Question{}, Expert{IsActive: true, Capacity: 0, OpenLoad: 1000}, ""},
		{"below capacity", Question{}, Expert{IsActive: true, Capacity: 2, OpenLoad: 1}, ""},
		{"at capacity", Question{}, Expert{IsActive: true, Capacity: 2, OpenLoad: 2}, ReasonAtCapacity},
		{"over capacity", Question{}, Expert{IsActive: true, Capacity: 2, OpenLoad: 5}, ReasonAtCapacity},
		{"negative capacity is unlimited", Question{}, Expert{IsActive: true, Capacity: -1, OpenLoad: 5}, ""},
		// Precedence: the first failing rule wins.
		{"inactive before not elite", Question{EliteOnly: true}, Expert{}, ReasonInactive},
		{"inactive before everything", Question{EliteOnly: true, CategoryExperts: []uuid.UUID{}}, Expert{Capacity: 1, OpenLoad: 1}, ReasonInactive},
		{"not elite before list", Question{EliteOnly: true, CategoryExperts: []uuid.UUID{}}, Expert{IsActive: true, Capacity: 1, OpenLoad: 1}, ReasonNotElite},
		{"list before capacity", Question{CategoryExperts: []uuid.UUID{}}, Expert{IsActive: true, Capacity: 1, OpenLoad: 1}, ReasonNotInCategoryList},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.e.UUID, tt.e.Name = id(1), "e"
			ranked, excluded := Rank(tt.q, []Expert{tt.e}, DefaultWeights())
			if tt.reason == "" {
				if len(ranked) != 1 || len(excluded) != 0 {
					t.Fatalf("want eligible, got ranked=%v excluded=%v", ranked, excluded)
				}
				return
			}
			want := []Exclusion{{Expert: id(1), Name: "e", Reason: tt.reason}}
			if len(ranked) != 0 || !reflect.DeepEqual(excluded, want) {
				t.Fatalf("got ranked=%v excluded=%v, want excluded=%v", ranked, excluded, want)
			}
		})
	}
}

func TestCategoryComponent(t *testing.T) {
	tests := []struct {
		name             string
		category, text   string
		categories, tops []string
		want             float64
	}{
		{"listed category", "payments", "", []string{"billing", "payments"}, nil, 1},
		{"listed, case-insensitive and trimmed", " Payments ", "", []string{"PAYMENTS"}, nil, 1},
		{"listed beats topics", "payments", "nothing relevant", []string{"payments"}, []string{"refund"}, 1},
		{"unlisted, topics all found", "payments", "Refund my invoice", []string{"billing"}, []string{"refund", "invoice"}, 1},
		{"unlisted, half the topics", "payments", "refund please", []string{"billing"}, []string{"refund", "invoice"}, 0.5},
		{"unlisted, no topics", "payments", "refund please", []string{"billing"}, nil, 0},
		{"unlisted, no categories, no topics", "payments", "refund", nil, nil, 0},
		{"no category, no topics: neutral", "", "anything", []string{"payments"}, nil, 0.5},
		{"no category, only unusable topics: neutral", "", "anything !!", nil, []string{" ", "!!"}, 0.5},
		{"no category, topics, none found", "", "payment overdue", nil, []string{"pay"}, 0},
		{"no category, two of three topics", "", "Pay by card", nil, []string{"pay", "card", "bank"}, 0.6667},
		{"no category, one of three topics", "", "bank", nil, []string{"pay", "card", "bank"}, 0.3333},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := active(1, "e")
			e.Categories, e.Topics = tt.categories, tt.tops
			c := rankOne(t, Question{Category: tt.category, Text: tt.text}, e, DefaultWeights())
			if c.Breakdown.Category != tt.want {
				t.Fatalf("category = %v, want %v", c.Breakdown.Category, tt.want)
			}
		})
	}
}

func TestLanguageComponent(t *testing.T) {
	tests := []struct {
		lang  string
		langs []string
		want  float64
	}{
		{"en", []string{"en"}, 1},
		{"EN", []string{"fr", "en"}, 1},
		{"de", []string{" DE "}, 1},
		{"en", nil, 0.5},
		{"en", []string{}, 0.5},
		{"en", []string{"", " "}, 0.5},
		{"en", []string{"fr"}, 0},
		{"en", []string{"fr", "de"}, 0},
		{"", []string{"fr"}, 0.5},
		{"", nil, 0.5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q in %q", tt.lang, tt.langs), func(t *testing.T) {
			e := active(1, "e")
			e.Languages = tt.langs
			c := rankOne(t, Question{Language: tt.lang}, e, DefaultWeights())
			if c.Breakdown.Language != tt.want {
				t.Fatalf("language = %v, want %v", c.Breakdown.Language, tt.want)
			}
		})
	}
}

func TestAcceptanceComponent(t *testing.T) {
	tests := []struct {
		name string
		s    Stats
		want float64
	}{
		{"newcomer", Stats{}, 0.5},
		{"one accepted", Stats{Responses: 1, Accepted: 1}, 0.6667},
		{"one not accepted", Stats{Responses: 1}, 0.3333},
		{"all of ten", Stats{Responses: 10, Accepted: 10}, 0.9167},
		{"none of ten", Stats{Responses: 10}, 0.0833},
		{"half of 98", Stats{Responses: 98, Accepted: 49}, 0.5},
		{"accepted clamped to responses", Stats{Responses: 2, Accepted: 5}, 0.75},
		{"negatives are zero", Stats{Responses: -3, Accepted: -1}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := active(1, "e")
			e.Stats = tt.s
			if got := rankOne(t, Question{}, e, DefaultWeights()).Breakdown.Acceptance; got != tt.want {
				t.Fatalf("acceptance = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestRatingComponent(t *testing.T) {
	tests := []struct {
		name string
		s    Stats
		want float64
	}{
		{"unrated", Stats{}, 0.5},
		{"two positive", Stats{Ratings: 2, RatingSum: 2}, 0.75},
		{"two negative", Stats{Ratings: 2}, 0.25},
		{"eight positive", Stats{Ratings: 8, RatingSum: 8}, 0.9},
		{"one neutral-positive", Stats{Ratings: 1, RatingSum: 0.75}, 0.5833},
		{"sum clamped to count", Stats{Ratings: 1, RatingSum: 4}, 0.6667},
		{"negative sum is zero", Stats{Ratings: 2, RatingSum: -1}, 0.25},
		{"NaN sum is zero", Stats{Ratings: 2, RatingSum: math.NaN()}, 0.25},
		{"responses do not matter", Stats{Responses: 50, Accepted: 50}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := active(1, "e")
			e.Stats = tt.s
			if got := rankOne(t, Question{}, e, DefaultWeights()).Breakdown.Rating; got != tt.want {
				t.Fatalf("rating = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadComponent(t *testing.T) {
	tests := []struct {
		capacity, open int
		want           float64
	}{
		{0, 0, 1},
		{0, 1, 0.5},
		{0, 3, 0.25},
		{0, 9, 0.1},
		{0, -2, 1},
		{1, 0, 1},
		{4, 0, 1},
		{4, 1, 0.75},
		{4, 3, 0.25},
		{3, 2, 0.3333},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("cap %d open %d", tt.capacity, tt.open), func(t *testing.T) {
			e := active(1, "e")
			e.Capacity, e.OpenLoad = tt.capacity, tt.open
			if got := rankOne(t, Question{}, e, DefaultWeights()).Breakdown.Load; got != tt.want {
				t.Fatalf("load = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScoreWeighting(t *testing.T) {
	// Components: category 1, language 0, acceptance 0.5, rating 0.5, load 1/3.
	e := active(1, "e")
	e.Categories, e.Languages, e.Capacity, e.OpenLoad = []string{"payments"}, []string{"fr"}, 3, 2
	q := Question{Category: "payments", Language: "en"}
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		w    Weights
		want float64
	}{
		// 0.35·1 + 0.25·0 + 0.15·0.5 + 0.10·0.5 + 0.15·(1/3) = 0.525 over a sum of 1.
		{"default", DefaultWeights(), 0.525},
		{"default ×10 (only ratios matter)", Weights{3.5, 2.5, 1.5, 1, 1.5}, 0.525},
		{"equal", Weights{1, 1, 1, 1, 1}, 0.4667},
		{"category only", Weights{Category: 2}, 1},
		{"language only", Weights{Language: 0.3}, 0},
		{"acceptance only", Weights{Acceptance: 1}, 0.5},
		{"load only (rounded)", Weights{Load: 1}, 0.3333},
		{"category and language", Weights{Category: 1, Language: 3}, 0.25},
		{"all zero", Weights{}, 0},
		{"negative counts as zero", Weights{Category: 1, Language: -5}, 1},
		{"NaN and Inf count as zero", Weights{Category: 1, Language: nan, Load: inf}, 1},
		{"huge weights do not overflow", Weights{math.MaxFloat64, math.MaxFloat64, 0, 0, 0}, 0.5},
		{"tiny weights", Weights{Category: 1e-300, Language: 3e-300}, 0.25},
		{"all invalid", Weights{Category: -1, Language: nan, Load: inf}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := rankOne(t, q, e, tt.w)
			if c.Score != tt.want {
				t.Fatalf("score = %v, want %v", c.Score, tt.want)
			}
			want := Breakdown{Category: 1, Language: 0, Acceptance: 0.5, Rating: 0.5, Load: 0.3333}
			if c.Breakdown != want {
				t.Fatalf("breakdown = %+v, want %+v", c.Breakdown, want)
			}
		})
	}
}

func TestWeightsValidate(t *testing.T) {
	tests := []struct {
		w   Weights
		bad string
	}{
		{DefaultWeights(), ""},
		{Weights{}, ""},
		{Weights{Category: 100}, ""},
		{Weights{Language: -0.1}, "language"},
		{Weights{Rating: math.NaN()}, "rating"},
		{Weights{Load: math.Inf(1)}, "load"},
		{Weights{Acceptance: math.Inf(-1)}, "acceptance"},
	}
	for _, tt := range tests {
		err := tt.w.Validate()
		if tt.bad == "" && err != nil {
			t.Errorf("%+v: unexpected %v", tt.w, err)
		}
		if tt.bad != "" && (err == nil || !strings.Contains(err.Error(), tt.bad)) {
			t.Errorf("%+v: error %v, want one naming %s", tt.w, err, tt.bad)
		}
	}
	if w := DefaultWeights(); w.Category+w.Language+w.Acceptance+w.Rating+w.Load != 1 {
		t.Errorf("default weights %+v do not sum to 1", w)
	}
}

func TestOrdering(t *testing.T) {
	strong := func(n int, name string) Expert {
		e := active(n, name)
		e.Stats = Stats{Responses: 10, Accepted: 10, Ratings: 10, RatingSum: 10}
		return e
	}
	weak := func(n int, name string) Expert {
		e := active(n, name)
		e.Stats = Stats{Responses: 10, Ratings: 10}
		return e
	}
	tests := []struct {
		name    string
		experts []Expert
		want    []string // names in order
	}{
		{"score first", []Expert{weak(1, "a"), active(2, "b"), strong(3, "c")}, []string{"c", "b", "a"}},
		{"name case-insensitive on ties", []Expert{active(1, "carol"), active(2, "Bob"), active(3, "alice"), active(4, "Dave")}, []string{"alice", "Bob", "carol", "Dave"}},
		{"name before uuid", []Expert{active(1, "b"), active(2, "A")}, []string{"A", "b"}},
		{"uuid on equal names", []Expert{active(3, "x#3"), active(1, "x#1"), active(2, "x#2")}, []string{"x#1", "x#2", "x#3"}},
		{"ties inside a score", []Expert{weak(1, "b"), strong(2, "z"), weak(3, "a"), strong(4, "y")}, []string{"y", "z", "a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			experts := tt.experts
			if tt.name == "uuid on equal names" {
				// Same name for all; the uuid decides. Keep the label to check the order.
				labels := map[uuid.UUID]string{}
				for i := range experts {
					labels[experts[i].UUID] = experts[i].Name
					experts[i].Name = "Same"
				}
				ranked, _ := Rank(Question{}, experts, DefaultWeights())
				var got []string
				for _, c := range ranked {
					got = append(got, labels[c.Expert])
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Fatalf("order = %v, want %v", got, tt.want)
				}
				return
			}
			ranked, _ := Rank(Question{}, experts, DefaultWeights())
			var got []string
			for i, c := range ranked {
				got = append(got, c.Name)
				if c.Rank != i+1 {
					t.Fatalf("%s has rank %d at position %d", c.Name, c.Rank, i)
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("order = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOrderingUsesRoundedScore(t *testing.T) {
	// b's exact acceptance (0.50001…) is higher, but both scores round to the
	// same value, so the name decides, as an operator reading the scores expects.
	a := active(1, "a")
	a.Stats = Stats{Responses: 99998, Accepted: 49999} // exactly 0.5
	b := active(2, "b")
	b.Stats = Stats{Responses: 100000, Accepted: 50001} // 50002/100002
	ranked, _ := Rank(Question{}, []Expert{b, a}, Weights{Acceptance: 1})
	if ranked[0].Name != "a" || ranked[0].Score != ranked[1].Score {
		t.Fatalf("got %+v", ranked)
	}
}

func TestRankMixed(t *testing.T) {
	q := Question{Language: "en", Category: "payments", Text: "My card payment failed", EliteOnly: false,
		CategoryExperts: []uuid.UUID{id(1), id(2), id(3), id(5)}}
	experts := []Expert{
		{UUID: id(1), Name: "Ann", Languages: []string{"en"}, Categories: []string{"payments"}, IsActive: true, Capacity: 4, OpenLoad: 1,
			Stats: Stats{Responses: 8, Accepted: 6, Ratings: 4, RatingSum: 3.5}},
		{UUID: id(2), Name: "Ben", Languages: []string{"de"}, Topics: []string{"card", "refund"}, IsActive: true},
		{UUID: id(3), Name: "Cy", IsActive: true, Capacity: 1, OpenLoad: 1},
		{UUID: id(4), Name: "Dee", Categories: []string{"payments"}, IsActive: true},
		{UUID: id(5), Name: "Eve", IsActive: false},
	}
	ranked, excluded := Rank(q, experts, DefaultWeights())
	want := []Candidate{
		// 0.35·1 + 0.25·1 + 0.15·0.7 + 0.10·0.75 + 0.15·0.75
		{Expert: id(1), Name: "Ann", Score: 0.8925, Breakdown: Breakdown{1, 1, 0.7, 0.75, 0.75}, Rank: 1},
		// 0.35·0.5 + 0 + 0.15·0.5 + 0.10·0.5 + 0.15·1
		{Expert: id(2), Name: "Ben", Score: 0.45, Breakdown: Breakdown{0.5, 0, 0.5, 0.5, 1}, Rank: 2},
	}
	if !reflect.DeepEqual(ranked, want) {
		t.Fatalf("ranked:\n got %+v\nwant %+v", ranked, want)
	}
	wantEx := []Exclusion{
		{Expert: id(3), Name: "Cy", Reason: ReasonAtCapacity},
		{Expert: id(4), Name: "Dee", Reason: ReasonNotInCategoryList},
		{Expert: id(5), Name: "Eve", Reason: ReasonInactive},
	}
	if !reflect.DeepEqual(excluded, wantEx) {
		t.Fatalf("excluded:\n got %+v\nwant %+v", excluded, wantEx)
	}
}

func TestRankEmpty(t *testing.T) {
	ranked, excluded := Rank(Question{}, nil, DefaultWeights())
	if len(ranked) != 0 || len(excluded) != 0 {
		t.Fatalf("got %v %v", ranked, excluded)
	}
	if Tier(ranked, 3, 0) != nil {
		t.Fatal("tier of nothing is not empty")
	}
}

func TestTier(t *testing.T) {
	const n = 5
	experts := make([]Expert, n)
	for i := range experts {
		experts[i] = active(i, fmt.Sprintf("e%d", i))
	}
	ranked, _ := Rank(Question{}, experts, DefaultWeights())
	for k := 1; k <= n+2; k++ {
		t.Run(fmt.Sprintf("k=%d", k), func(t *testing.T) {
			var all []Candidate
			tier := 0
			for ; ; tier++ {
				got := Tier(ranked, k, tier)
				if len(got) == 0 {
					break
				}
				if len(got) > k {
					t.Fatalf("tier %d has %d > k", tier, len(got))
				}
				for i, c := range got {
					if want := tier*k + i + 1; c.Rank != want {
						t.Fatalf("tier %d position %d has rank %d, want %d", tier, i, c.Rank, want)
					}
				}
				all = append(all, got...)
			}
			if wantTiers := (n + k - 1) / k; tier != wantTiers {
				t.Fatalf("%d tiers, want %d", tier, wantTiers)
			}
			if !reflect.DeepEqual(all, ranked) {
				t.Fatalf("tiers do not add up to the ranking")
			}
			if Tier(ranked, k, tier+5) != nil {
				t.Fatalf("far past the end is not empty")
			}
		})
	}
	tests := []struct {
		name    string
		k, tier int
		ranks   []int
	}{
		{"k=2 tier 0", 2, 0, []int{1, 2}},
		{"k=2 tier 1", 2, 1, []int{3, 4}},
		{"k=2 tier 2 (short)", 2, 2, []int{5}},
		{"k=2 past the end", 2, 3, nil},
		{"k larger than list", 10, 0, []int{1, 2, 3, 4, 5}},
		{"k larger than list, tier 1", 10, 1, nil},
		{"k=0", 0, 0, nil},
		{"negative k", -1, 0, nil},
		{"negative tier", 2, -1, nil},
		{"huge k", math.MaxInt, 0, []int{1, 2, 3, 4, 5}},
		{"huge k, tier 1", math.MaxInt, 1, nil},
		{"huge tier", 2, math.MaxInt, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for _, c := range Tier(ranked, tt.k, tt.tier) {
				got = append(got, c.Rank)
			}
			if !reflect.DeepEqual(got, tt.ranks) {
				t.Fatalf("ranks = %v, want %v", got, tt.ranks)
			}
		})
	}
	t.Run("appending to a tier leaves the ranking alone", func(t *testing.T) {
		before := append([]Candidate(nil), ranked...)
		t0 := Tier(ranked, 2, 0)
		_ = append(t0, Candidate{Name: "intruder"})
		if !reflect.DeepEqual(ranked, before) {
			t.Fatal("ranking changed")
		}
	})
}

func TestRatingValue(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"NEGATIVE_5", 0, true},
		{"NEUTRAL_NEGATIVE_5", 0.25, true},
		{"NEUTRAL_5", 0.5, true},
		{"NEUTRAL_POSITIVE_5", 0.75, true},
		{"POSITIVE_5", 1, true},
		{"", 0, false},
		{"positive_5", 0, false},
		{"5", 0, false},
		{"POSITIVE", 0, false},
	}
	for _, tt := range tests {
		got, ok := RatingValue(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("RatingValue(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestFoldRune(t *testing.T) {
	groups := [][]rune{
		{'a', 'A'},
		{'k', 'K', '\u212a'},      // Kelvin sign
		{'s', 'S', '\u017f'},      // long s
		{'σ', 'Σ', 'ς'},           // sigma, final sigma
		{'é', 'É'},                // é
		{'\u01c4', '\u01c5', 'ǆ'}, // DŽ, Dž, dž
	}
	for _, g := range groups {
		for _, r := range g {
			if foldRune(r) != foldRune(g[0]) {
				t.Errorf("%q folds to %q, %q to %q", r, foldRune(r), g[0], foldRune(g[0]))
			}
		}
	}
	for _, pair := range [][2]rune{{'a', 'b'}, {'s', 'z'}, {'e', 'é'}} {
		if foldRune(pair[0]) == foldRune(pair[1]) {
			t.Errorf("%q and %q fold together", pair[0], pair[1])
		}
	}
	for r := rune(0); r < 0x80; r++ {
		if got, want := foldRune(r), slowFold(r); got != want {
			t.Fatalf("ASCII fast path: %q → %q, want %q", r, got, want)
		}
	}
	for _, s := range []string{"", "ann", "Ann", " ann  b\t", "émile", "ÉMILE", "李", "\xff"} {
		want := []rune{}
		for _, r := range s {
			want = append(want, slowFold(r))
		}
		if got := foldString(s); got != string(want) {
			t.Errorf("foldString(%q) = %q, want %q", s, got, string(want))
		}
	}
}

func slowFold(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return unicode.ToLower(m)
}

// randomExperts builds experts with many ties (shared names, equal stats) and
// every exclusion reason.
func randomExperts(r *rand.Rand, n int) []Expert {
	names := []string{"Ann", "ann", "ANN", "Bob", "Émile", "émile", "Zoë", "李", "bob"}
	langs := [][]string{nil, {"en"}, {"fr"}, {"en", "de"}}
	cats := [][]string{nil, {"payments"}, {"Billing"}, {"payments", "billing"}}
	topics := [][]string{nil, {"card"}, {"refund", "invoice"}, {"pay"}}
	out := make([]Expert, n)
	for i := range out {
		resp := r.IntN(4)
		ratings := r.IntN(3)
		out[i] = Expert{
			UUID:       id(r.IntN(60000) + 1),
			Name:       names[r.IntN(len(names))],
			Languages:  langs[r.IntN(len(langs))],
			Categories: cats[r.IntN(len(cats))],
			Topics:     topics[r.IntN(len(topics))],
			IsElite:    r.IntN(3) == 0,
			IsActive:   r.IntN(8) != 0,
			Capacity:   r.IntN(4),
			OpenLoad:   r.IntN(4),
			Stats:      Stats{Responses: resp, Accepted: r.IntN(resp + 1), Ratings: ratings, RatingSum: float64(r.IntN(4*ratings+1)) / 4},
		}
	}
	return out
}

func TestRankDeterministicUnderPermutation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	questions := []Question{
		{},
		{Language: "en", Category: "payments", Text: "card payment refund"},
		{Language: "fr", Text: "I need to pay my invoice", EliteOnly: true},
		{Category: "billing", CategoryExperts: []uuid.UUID{id(1), id(2), id(3)}},
	}
	for round := range 20 {
		experts := randomExperts(r, 1+r.IntN(150))
		if round%2 == 0 {
			experts = append(experts, experts[0]) // an exact duplicate
		}
		for qi, q := range questions {
			if q.CategoryExperts != nil {
				// Also list some experts that exist, so the list admits someone.
				q.CategoryExperts = []uuid.UUID{id(1)}
				for _, e := range experts[:min(3, len(experts))] {
					q.CategoryExperts = append(q.CategoryExperts, e.UUID)
				}
			}
			wantRanked, wantExcl := Rank(q, experts, DefaultWeights())
			checkInvariants(t, wantRanked, wantExcl, len(experts))
			snapshot := append([]Expert(nil), experts...)
			for range 10 {
				perm := append([]Expert(nil), experts...)
				r.Shuffle(len(perm), func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
				gotRanked, gotExcl := Rank(q, perm, DefaultWeights())
				if !reflect.DeepEqual(gotRanked, wantRanked) || !reflect.DeepEqual(gotExcl, wantExcl) {
					t.Fatalf("round %d question %d: result depends on input order", round, qi)
				}
			}
			if !reflect.DeepEqual(snapshot, experts) {
				t.Fatal("Rank modified its input")
			}
		}
	}
}

func checkInvariants(t *testing.T, ranked []Candidate, excluded []Exclusion, n int) {
	t.Helper()
	if len(ranked)+len(excluded) != n {
		t.Fatalf("%d ranked + %d excluded != %d experts", len(ranked), len(excluded), n)
	}
	in01 := func(v float64) bool { return v >= 0 && v <= 1 }
	for i, c := range ranked {
		b := c.Breakdown
		if c.Rank != i+1 || !in01(c.Score) || !in01(b.Category) || !in01(b.Language) || !in01(b.Acceptance) || !in01(b.Rating) || !in01(b.Load) {
			t.Fatalf("bad candidate at %d: %+v", i, c)
		}
		if i > 0 && ranked[i-1].Score < c.Score {
			t.Fatalf("scores not descending at %d", i)
		}
		if c.Score != round4(c.Score) {
			t.Fatalf("score %v not rounded", c.Score)
		}
	}
	for _, x := range excluded {
		switch x.Reason {
		case ReasonInactive, ReasonNotElite, ReasonNotInCategoryList, ReasonAtCapacity:
		default:
			t.Fatalf("unknown reason %q", x.Reason)
		}
	}
}

func BenchmarkRank(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	experts := randomExperts(r, 1000)
	for i := range experts {
		experts[i].UUID = uuid.New()
		experts[i].Name = fmt.Sprintf("%s %d", experts[i].Name, r.IntN(100))
		experts[i].Topics = []string{"card", "refund", "invoice", "bank transfer", "pay"}[:1+r.IntN(5)]
	}
	q := Question{Language: "en", Category: "payments",
		Text: strings.Repeat("Hello, my card payment failed twice and I would like a refund of the invoice. ", 5)}
	w := DefaultWeights()
	b.ReportAllocs()
	for b.Loop() {
		Rank(q, experts, w)
	}
}
