package textmatch

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"unicode"
)

func TestWords(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", []string{}},
		{"  !!! ", []string{}},
		{"Refund, please!", []string{"refund", "please"}},
		{"e-mail don't snake_case", []string{"e", "mail", "don", "t", "snake", "case"}},
		{"Order #48213: 3x", []string{"order", "48213", "3x"}},
		{"CAFÉ café Cafe\u0301", []string{"café", "café", "café"}},
		{"ΣΊΣΥΦΟΣ σίσυφος", []string{"σίσυφοσ", "σίσυφοσ"}},
		{"\u212Aelvin KELVIN", []string{"kelvin", "kelvin"}},
		{"Straße STRASSE", []string{"straße", "strasse"}},
		{"我想退款 please", []string{"我", "想", "退", "款", "please"}},
		{"カタカナ", []string{"カ", "タ", "カ", "ナ"}},
		{"한국어 텍스트", []string{"한국어", "텍스트"}},
		{"x²", []string{"x²"}},
	}
	for _, tt := range tests {
		if got := Words(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("Words(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFoldMatchesEqualFold: fold is constant on each simple-folding orbit and lands in the
// orbit, so fold(a) == fold(b) exactly when strings.EqualFold(a, b).
func TestFoldMatchesEqualFold(t *testing.T) {
	for r := rune(0); r < 0x20000; r++ { // every case orbit lies below U+1E944
		if !strings.EqualFold(string(fold(r)), string(r)) {
			t.Fatalf("fold(%U) = %U is not in its orbit", r, fold(r))
		}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if fold(f) != fold(r) {
				t.Fatalf("fold(%U)=%U but fold(%U)=%U in the same orbit", r, fold(r), f, fold(f))
			}
		}
	}
	if fold('İ') == fold('i') {
		t.Errorf("İ and i are not EqualFold")
	}
}

func TestScore(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		keywords []string
		want     float64
	}{
		{"empty list", "refund please", nil, 0},
		{"only empty keywords", "refund", []string{"", "  ", "!!!"}, 0},
		{"empty text", "", []string{"refund"}, 0},
		{"one of two", "I want a refund", []string{"refund", "invoice"}, 0.5},
		{"all", "refund my invoice", []string{"refund", "invoice"}, 1},
		{"case", "REFUND", []string{"Refund"}, 1},
		{"punctuation around", "(refund), \"refund\"! refund?", []string{"refund"}, 1},
		{"whole words: plural is another word", "two refunds", []string{"refund"}, 0},
		{"whole words: no prefix", "prerefund", []string{"refund"}, 0},
		{"whole words: no suffix match of keyword", "refund", []string{"refunds"}, 0},
		{"keyword punctuation ignored", "refund", []string{"refund!"}, 1},
		{"phrase", "my credit card was charged", []string{"credit card"}, 1},
		{"phrase across punctuation", "credit-card", []string{"credit card"}, 1},
		{"phrase keyword with hyphen", "credit card", []string{"credit-card"}, 1},
		{"phrase with extra spaces", "credit \t card", []string{"  credit   card "}, 1},
		{"phrase order matters", "card credit", []string{"credit card"}, 0},
		{"phrase must be consecutive", "credit the card", []string{"credit card"}, 0},
		{"phrase at the end", "pay by credit", []string{"credit card"}, 0},
		{"phrase repeated first word", "credit credit card", []string{"credit card"}, 1},
		{"duplicate keywords count once", "refund", []string{"refund", "Refund", "REFUND!", "invoice"}, 0.5},
		{"repeated in text counts once", "refund refund refund", []string{"refund", "invoice"}, 0.5},
		{"unicode accent", "Où est ma facture réglée ?", []string{"réglée", "facture"}, 1},
		{"unicode accent is a different letter", "reglee", []string{"réglée"}, 0},
		{"unicode decomposed", "re\u0301gle\u0301e", []string{"réglée"}, 1},
		{"unicode case", "ÉTÉ", []string{"été"}, 1},
		{"greek final sigma", "ΟΔΟΣ", []string{"οδος"}, 1},
		{"cjk", "我想退款", []string{"退款", "发票"}, 0.5},
		{"digits", "order 48213 missing", []string{"48213"}, 1},
		{"apostrophe", "I don't know", []string{"don't"}, 1},
		{"thirds", "a b", []string{"a", "b", "c"}, 2.0 / 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Score(tt.text, tt.keywords); got != tt.want {
				t.Errorf("Score(%q, %q) = %v, want %v", tt.text, tt.keywords, got, tt.want)
			}
			if got := NewText(tt.text).Score(tt.keywords); got != tt.want {
				t.Errorf("Text.Score = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTextContains(t *testing.T) {
	tx := NewText("Please cancel my Credit-Card order")
	for kw, want := range map[string]bool{"cancel": true, "credit card": true, "CARD ORDER": true, "order card": false, "": false, "canc": false} {
		if got := tx.Contains(kw); got != want {
			t.Errorf("Contains(%q) = %v, want %v", kw, got, want)
		}
	}
}

var classes = []Class{
	{Name: "billing", Keywords: []string{"invoice", "refund"}, Title: "Billing", Body: "See billing."},
	{Name: "shipping", Keywords: []string{"delivery", "tracking", "parcel", "late"}},
	{Name: "billing-dup", Keywords: []string{"refund", "invoice"}}, // same score as billing: billing wins ties
	{Name: "empty", Keywords: nil},
	{Name: "account", Keywords: []string{"password", "login", "two factor"}},
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		threshold float64
		want      string // "" = nil Class
		conf      float64
	}{
		{"clear winner", "my refund and the invoice", 0.5, "billing", 1},
		{"edge equality clears", "where is my refund", 0.5, "billing", 0.5},
		{"just below", "where is my parcel", 0.5, "", 0.25},
		{"below threshold reports best score", "tracking for the parcel", 0.6, "", 0.5},
		{"quarter clears quarter", "tracking", 0.25, "shipping", 0.25},
		{"thirds edge", "password and login", 2.0 / 3, "account", 2.0 / 3},
		{"phrase keyword", "two-factor login broken", 0.5, "account", 2.0 / 3},
		{"tie: earlier class wins", "refund", 0.1, "billing", 0.5},
		{"higher beats earlier", "late parcel tracking refund", 0.5, "shipping", 0.75},
		{"nothing matches, zero threshold", "hello there", 0, "", 0},
		{"zero threshold still needs a match", "login", 0, "account", 1.0 / 3},
		{"threshold above one", "refund invoice", 1.01, "", 1},
		{"NaN threshold clears nothing", "refund invoice", math.NaN(), "", 1},
		{"empty text", "", 0.5, "", 0},
	}
	comp := NewClassifier(classes)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, impl := range []struct {
				name string
				got  Match
			}{{"Classify", Classify(tt.text, classes, tt.threshold)}, {"Classifier", comp.Classify(tt.text, tt.threshold)}} {
				got := impl.got
				name := ""
				if got.Class != nil {
					name = got.Class.Name
				}
				if name != tt.want || got.Confidence != tt.conf {
					t.Errorf("%s(%q, %v) = %q %v, want %q %v", impl.name, tt.text, tt.threshold, name, got.Confidence, tt.want, tt.conf)
				}
				if got.Class != nil && got.Class != &classes[slices.IndexFunc(classes, func(c Class) bool { return c.Name == name })] {
					t.Errorf("%s: Class does not point into the given slice", impl.name)
				}
			}
		})
	}
	if got := Classify("refund", nil, 0.5); got.Class != nil || got.Confidence != 0 {
		t.Errorf("no classes: %+v", got)
	}
}

func TestRank(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		threshold float64
		limit     int
		want      []string
	}{
		{"best first, ties in list order", "refund late parcel tracking password", 0.25, 0, []string{"shipping", "billing", "billing-dup", "account"}},
		{"limit", "refund late parcel tracking password", 0.25, 2, []string{"shipping", "billing"}},
		{"threshold filters", "refund late parcel tracking password", 0.5, 3, []string{"shipping", "billing", "billing-dup"}},
		{"nothing", "hello", 0.1, 3, []string{}},
		{"zero threshold needs a match", "hello refund", 0, 3, []string{"billing", "billing-dup"}},
	}
	comp := NewClassifier(classes)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for impl, got := range map[string][]Match{
				"Rank":       Rank(tt.text, classes, tt.threshold, tt.limit),
				"Classifier": comp.Rank(tt.text, tt.threshold, tt.limit),
			} {
				if got == nil {
					t.Errorf("%s returned nil", impl)
				}
				names := []string{}
				for i, m := range got {
					names = append(names, m.Class.Name)
					if i > 0 && m.Confidence > got[i-1].Confidence {
						t.Errorf("%s not sorted: %v", impl, got)
					}
				}
				if !slices.Equal(names, tt.want) {
					t.Errorf("%s(%q) = %v, want %v", impl, tt.text, names, tt.want)
				}
			}
		})
	}
}

func TestClassifierScoresMatchScore(t *testing.T) {
	texts := []string{"", "refund", "Two-factor LOGIN, password; late parcel", "credit card refund refund", "我想退款"}
	cls := append(slices.Clone(classes), Class{Name: "cjk", Keywords: []string{"退款", "退", "credit card", "card"}})
	comp := NewClassifier(cls)
	for _, text := range texts {
		scores := comp.Scores(text)
		for i, c := range cls {
			if want := Score(text, c.Keywords); scores[i] != want {
				t.Errorf("%q class %s: Classifier %v, Score %v", text, c.Name, scores[i], want)
			}
		}
	}
}

func TestRouteToExperts(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		agentOnly []string
		route     bool
		conf      float64
	}{
		{"no agent-only keywords", "I will sue you", nil, true, 1},
		{"no match routes", "where is my parcel", []string{"lawsuit", "lawyer"}, true, 1},
		{"match blocks routing", "my lawyer will call", []string{"lawsuit", "lawyer"}, false, 0.5},
		{"all match", "lawsuit by my lawyer", []string{"lawsuit", "lawyer"}, false, 1},
		{"whole words only", "lawsuits", []string{"lawsuit"}, true, 1},
		{"case and punctuation", "LAWSUIT!", []string{"lawsuit"}, false, 1},
		{"phrase", "I want to speak to a human agent", []string{"human agent", "manager"}, false, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			route, conf := RouteToExperts(tt.text, tt.agentOnly)
			if route != tt.route || conf != tt.conf {
				t.Errorf("RouteToExperts(%q, %q) = %v %v, want %v %v", tt.text, tt.agentOnly, route, conf, tt.route, tt.conf)
			}
		})
	}
}

// benchClasses is 50 classes × 10 keywords (some two-word phrases), and benchText a 500-char
// message that matches a few of them.
func benchClasses() []Class {
	cs := make([]Class, 50)
	for i := range cs {
		kws := make([]string, 10)
		for k := range kws {
			kws[k] = fmt.Sprintf("word%d", i*10+k)
			if k%4 == 3 {
				kws[k] = fmt.Sprintf("word%d phrase%d", i*10+k, k)
			}
		}
		cs[i] = Class{Name: fmt.Sprintf("class%d", i), Keywords: kws}
	}
	return cs
}

var benchText = func() string {
	var b strings.Builder
	words := []string{"Hello,", "I", "ordered", "a", "parcel", "last", "week", "and", "the", "tracking",
		"page", "still", "says", "pending.", "word120", "word121", "Could", "you", "check", "word123", "phrase3",
		"and", "tell", "me", "when", "it", "ships?", "Also", "the", "invoice", "shows", "a", "wrong", "address;",
		"word7", "please", "fix", "it.", "Thanks!"}
	for i := 0; b.Len() < 500; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[i%len(words)])
	}
	return b.String()[:500]
}()

func BenchmarkClassify(b *testing.B) {
	cs := benchClasses()
	b.Run("compiled", func(b *testing.B) {
		c := NewClassifier(cs)
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Classify(benchText, 0.3)
		}
	})
	b.Run("package", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = Classify(benchText, cs, 0.3)
		}
	})
	b.Run("compile", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = NewClassifier(cs)
		}
	})
}

func BenchmarkScore(b *testing.B) {
	kws := benchClasses()[12].Keywords
	b.ReportAllocs()
	for b.Loop() {
		_ = Score(benchText, kws)
	}
}
