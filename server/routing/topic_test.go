package routing

import (
	"testing"

	"github.com/switchboard-dev/switchboard/server/textmatch"
)

// topicCases are TopicMatch cases. Those marked "textmatch:" changed when
// topics started to match as textmatch matches keywords; the comment gives
// the old result and why.
var topicCases = []struct {
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
	// textmatch: was 0 ("_" joined words); "_" now separates words.
	{"underscore separates", []string{"pay"}, "pay_day", 1},
	{"apostrophe separates", []string{"client"}, "the client's bill", 1},
	// textmatch: was 0 (the apostrophe of a topic was literal); "don't" is
	// now the phrase "don t", whatever separates its words.
	{"apostrophe in a topic", []string{"don't"}, "I don’t know", 1},
	// Symbols are not part of words: "c++" is the topic "c".
	{"symbol topic", []string{"c++"}, "I write C++ daily", 1},
	{"symbol topic next to digits", []string{"c++"}, "c++11", 1},
	// textmatch: was 0 (the "++" of the topic had to be in the text).
	{"symbols of a topic ignored", []string{"c++"}, "I know C# and C", 1},
	{"symbol-only topic", []string{"++"}, "c++", 0},
	// Multi-word topics.
	{"phrase", []string{"credit card"}, "my Credit Card was declined", 1},
	{"phrase over any white space", []string{"credit  card"}, "credit\n\t card", 1},
	{"phrase words apart", []string{"credit card"}, "credit for the card", 0},
	{"phrase needs its words in order", []string{"credit card"}, "card credit", 0},
	// textmatch: was 0 (only white space joined the words of a phrase); a
	// hyphen or other punctuation now separates words like a space.
	{"phrase hyphenated text", []string{"credit card"}, "credit-card", 1},
	{"phrase across punctuation", []string{"credit card"}, "credit, card", 1},
	// textmatch: was 0 (the hyphen of a topic was literal).
	{"hyphenated topic is a phrase", []string{"e-mail"}, "send an E mail", 1},
	{"hyphenated topic, one word in text", []string{"e-mail"}, "send an email", 0},
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
	// textmatch: was 1 ("İ" was folded to "i"); case folding is now exactly
	// strings.EqualFold, under which "İ" is only itself.
	{"dotted capital I is not i", []string{"İstanbul"}, "istanbul", 0},
	{"combining mark stays in the word", []string{"cafe"}, "cafe\u0301 noir", 0},
	{"decomposed matches decomposed", []string{"cafe\u0301"}, "CAFE\u0301 noir", 1},
	// textmatch: was 0 (text and topics were not Unicode-normalised).
	{"composed matches decomposed", []string{"caf\u00e9"}, "CAFE\u0301 noir", 1},
	{"decomposed matches composed", []string{"cafe\u0301"}, "un caf\u00e9", 1},
	{"chinese inside a sentence", []string{"支付"}, "我想查询支付问题", 1},
	{"japanese katakana", []string{"カード"}, "クレジットカードが使えない", 1},
	// textmatch: was 1 (Thai, Lao, Khmer and Myanmar characters were each a
	// word); only Han, Hiragana and Katakana characters are now, so a Thai
	// topic must stand between spaces or punctuation.
	{"thai is not cut into characters", []string{"บัตร"}, "บัตรเครดิตใช้ไม่ได้", 0},
	{"thai between spaces", []string{"บัตร"}, "บัตร เครดิต", 1},
	{"chinese not found", []string{"退款"}, "我想查询支付问题", 0},
	{"han next to latin", []string{"pay"}, "用pay支付", 1},
	// Fractions, blanks and repeats.
	{"fraction", []string{"refund", "invoice", "card", "bank"}, "refund the invoice", 0.5},
	{"repeats count once", []string{"pay", "PAY", " pay "}, "pay", 1},
	{"repeats do not dilute", []string{"pay", "Pay", "bank"}, "pay", 0.5},
	// textmatch: was 0.3333 (topics were the same only when equal as
	// text); topics with the same words are now the same topic.
	{"same words are one topic", []string{"e-mail", "E mail", "pay"}, "pay", 0.5},
	// textmatch: was 0.3333 ("c++" and "c#" had to be in the text as
	// written); they are now the topic "c".
	{"symbols do not make a new topic", []string{"c", "c++", "c#"}, "C", 1},
	{"blank topics ignored", []string{"", "  ", "pay"}, "pay", 1},
	{"symbol-only topics ignored", []string{"!!", "--", "_", "pay"}, "pay !! --", 1},
	// textmatch: was 1 (a topic needed a letter or number to count); a
	// combining mark alone is a word, so this topic counts and is not found.
	{"combining mark alone is a topic", []string{"\u0301", "pay"}, "pay", 0.5},
	{"no topics", nil, "pay", 0},
	{"only blank topics", []string{" "}, "pay", 0},
	{"empty text", []string{"pay"}, "", 0},
	{"topic longer than text", []string{"payment plan"}, "pay", 0},
	{"invalid utf-8 in text", []string{"pay"}, "\xffpay\xfe", 1},
}

func TestTopicMatch(t *testing.T) {
	for _, tt := range topicCases {
		t.Run(tt.name, func(t *testing.T) {
			if got := round4(TopicMatch(tt.topics, tt.text)); got != tt.want {
				t.Fatalf("TopicMatch(%q, %q) = %v, want %v", tt.topics, tt.text, got, tt.want)
			}
		})
	}
}

// TestCategoryTopicsMatchAsTextmatch checks that the category component of a
// question without a category (or with one the expert does not list) is
// textmatch's score of the expert's topics, and neutral exactly when
// textmatch finds no word in any topic.
func TestCategoryTopicsMatchAsTextmatch(t *testing.T) {
	tests := []struct {
		name           string
		category, text string
		topics         []string
		want           float64
	}{
		{"hyphen separates words", "", "my credit-card was declined", []string{"credit card"}, 1},
		{"topics with the same words count once", "", "a refund by email", []string{"e-mail", "E mail", "refund"}, 0.5},
		{"unicode normalisation", "", "CAFE\u0301?", []string{"caf\u00e9"}, 1},
		{"han characters are words", "", "我想退款", []string{"退款", "支付"}, 0.5},
		{"symbol-only topics: neutral", "", "c++ --", []string{"++", "--"}, 0.5},
		{"unlisted category, symbol-only topics", "payments", "c++", []string{"++"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := active(1, "e")
			e.Topics = tt.topics
			c := rankOne(t, Question{Category: tt.category, Text: tt.text}, e, DefaultWeights())
			if c.Breakdown.Category != tt.want {
				t.Fatalf("category = %v, want %v", c.Breakdown.Category, tt.want)
			}
		})
	}

	// Every TopicMatch case, through Rank and straight from textmatch.
	for _, tt := range topicCases {
		want := round4(textmatch.Score(tt.text, tt.topics))
		if got := round4(TopicMatch(tt.topics, tt.text)); got != want {
			t.Errorf("%s: TopicMatch = %v, textmatch.Score = %v", tt.name, got, want)
		}
		usable := false
		for _, topic := range tt.topics {
			usable = usable || len(textmatch.Words(topic)) > 0
		}
		if !usable {
			want = 0.5
		}
		e := active(1, "e")
		e.Topics = tt.topics
		if got := rankOne(t, Question{Text: tt.text}, e, DefaultWeights()).Breakdown.Category; got != want {
			t.Errorf("%s: category = %v, want %v", tt.name, got, want)
		}
	}
}
