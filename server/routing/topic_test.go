package routing

import (
	"testing"
	"unicode"
)

func TestTopicMatch(t *testing.T) {
	tests := []struct {
		name   string
		topics []string
		text   string
		want   float64
	}{
		// Word boundaries.
		{"whole word", []string{"pay"}, "I want to pay now", 1},
		{"not a prefix", []string{"pay"}, "my payment failed", 0},
		{"not a suffix", []string{"pay"}, "prepay plan", 0},
		{"not inside", []string{"pay"}, "repayment", 0},
		{"found after a false start", []string{"pay"}, "payment or pay?", 1},
		{"at start and end", []string{"pay"}, "pay", 1},
		{"next to punctuation", []string{"pay"}, "(pay), pay. pay-day", 1},
		{"digits are word characters", []string{"v2"}, "api v21", 0},
		{"digits topic", []string{"404"}, "got a 404!", 1},
		{"underscore joins words", []string{"pay"}, "pay_day", 0},
		{"apostrophe separates", []string{"client"}, "the client's bill", 1},
		{"symbol topic", []string{"c++"}, "I write C++ daily", 1},
		{"no boundary needed at a symbol edge", []string{"c++"}, "c++11", 1},
		{"symbol topic, word before", []string{"++"}, "c++", 0}, // symbol-only: ignored
		// Multi-word topics.
		{"phrase", []string{"credit card"}, "my Credit Card was declined", 1},
		{"phrase over any white space", []string{"credit  card"}, "credit\n\t card", 1},
		{"phrase words apart", []string{"credit card"}, "credit for the card", 0},
		{"phrase needs its words in order", []string{"credit card"}, "card credit", 0},
		{"phrase hyphenated text", []string{"credit card"}, "credit-card", 0},
		{"phrase boundary", []string{"credit card"}, "credit cards", 0},
		{"phrase word boundary at start", []string{"credit card"}, "discredit card", 0},
		// Case and Unicode.
		{"case-insensitive", []string{"REFUND"}, "Refund please", 1},
		{"accented upper/lower", []string{"ÉTÉ"}, "cet été", 1},
		{"accented is not plain", []string{"ete"}, "cet été", 0},
		{"german", []string{"Überweisung"}, "die ÜBERWEISUNG fehlt", 1},
		{"german word boundary", []string{"geld"}, "Geldautomat", 0},
		{"greek final sigma", []string{"ΛΟΓΟΣ"}, "ο λογος", 1},
		{"cyrillic", []string{"оплата"}, "Оплата не прошла", 1},
		{"cyrillic boundary", []string{"оплата"}, "предоплата", 0},
		{"kelvin sign folds to k", []string{"kb"}, "1 \u212aB", 1},
		{"combining mark stays in the word", []string{"cafe"}, "cafe\u0301 noir", 0},
		{"decomposed matches decomposed", []string{"cafe\u0301"}, "CAFE\u0301 noir", 1},
		{"chinese inside a sentence", []string{"支付"}, "我想查询支付问题", 1},
		{"japanese katakana", []string{"カード"}, "クレジットカードが使えない", 1},
		{"thai", []string{"บัตร"}, "บัตรเครดิตใช้ไม่ได้", 1},
		{"chinese not found", []string{"退款"}, "我想查询支付问题", 0},
		{"han next to latin", []string{"pay"}, "用pay支付", 1},
		// Fractions, blanks and repeats.
		{"fraction", []string{"refund", "invoice", "card", "bank"}, "refund the invoice", 0.5},
		{"repeats count once", []string{"pay", "PAY", " pay "}, "pay", 1},
		{"repeats do not dilute", []string{"pay", "Pay", "bank"}, "pay", 0.5},
		{"blank topics ignored", []string{"", "  ", "pay"}, "pay", 1},
		{"symbol-only topics ignored", []string{"!!", "--", "pay"}, "pay !! --", 1},
		{"no topics", nil, "pay", 0},
		{"only blank topics", []string{" "}, "pay", 0},
		{"empty text", []string{"pay"}, "", 0},
		{"topic longer than text", []string{"payment plan"}, "pay", 0},
		{"invalid utf-8 in text", []string{"pay"}, "\xffpay\xfe", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := round4(TopicMatch(tt.topics, tt.text)); got != tt.want {
				t.Fatalf("TopicMatch(%q, %q) = %v, want %v", tt.topics, tt.text, got, tt.want)
			}
		})
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
}

func slowFold(r rune) rune {
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return unicode.ToLower(m)
}
