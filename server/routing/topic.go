package routing

import (
	"slices"

	"github.com/switchboard-dev/switchboard/server/textmatch"
)

// TopicMatch returns the fraction of the expert's distinct, usable topics
// found in text, 0 when none is usable. Topics match as package textmatch
// matches keywords: case-insensitive whole words after Unicode normalisation,
// a multi-word topic as a phrase, a Han, Hiragana or Katakana character as a
// word of its own. A topic without any word ("", "!!") is not usable; topics
// with the same words ("E-mail", "e mail") count once.
func TopicMatch(topics []string, text string) float64 {
	return textmatch.NewText(text).Score(topics)
}

// hasTopics reports whether any of topics is usable, that is, counts in
// TopicMatch.
func hasTopics(topics []string) bool {
	return slices.ContainsFunc(topics, func(t string) bool { return len(textmatch.Words(t)) > 0 })
}
