// Package routing ranks a tenant's experts for a new question and cuts the
// ranking into offer tiers. It is pure: no I/O, no clock, no store. The caller
// loads the experts (with their open load and their record in the question's
// category), calls [Rank], offers [Tier] 0 at once and each further tier after
// the configured wait.
//
// This comment is the explanation of the score shown to operators.
//
// # Eligibility
//
// An expert is considered only when all of these hold; the first rule that
// fails is the reason it is excluded ([Exclusion]):
//
//  1. it is active (else "inactive");
//  2. it is elite, when the question is elite-only (else "not elite");
//  3. it is on the question category's expert list, when that category has a
//     list (else "not in category list"). A nil list means "no list"; a
//     non-nil empty list admits nobody;
//  4. its open load (UNRESOLVED questions it has claimed) is below its
//     capacity (else "at capacity"). Capacity 0 means unlimited.
//
// # Score
//
// Every eligible expert gets five components, each between 0 and 1:
//
//   - category: 1 when the question has a category and the expert lists it
//     (case-insensitive). Otherwise the topic match: the fraction of the
//     expert's distinct topics found in the question text (see [TopicMatch]).
//     Topics match as package textmatch matches keywords (those of the text
//     endpoints' classes): case-insensitive whole words after Unicode
//     normalisation, punctuation and symbols separating words ("e-mail" is
//     "e mail"), a multi-word topic as a phrase ("credit card" finds
//     "Credit-card", not "card credit"), and every Han, Hiragana or Katakana
//     character a word of its own ("退款" finds "我想退款"). Topics without a
//     word ("", "!!") do not count. When the question has no category and
//     the expert has no such topics, 0.5 (nothing is known either way). An
//     expert without the question's category and without topics scores 0.
//   - language: 1 when the expert lists the question's language
//     (case-insensitive ISO 639-1 code); 0.5 when the expert lists no
//     languages (unknown) or the question has no language; 0 otherwise.
//   - acceptance: (accepted + 1) / (responses + 2), the expert's accepted
//     responses in the question's category (all categories when the question
//     has none), smoothed so that a newcomer scores 0.5 rather than 0 or 1.
//   - rating: (sum + 0.5·2) / (ratings + 2), the mean of the expert's ratings
//     in that category, each mapped to 0..1 by [RatingValue], pulled toward
//     0.5 as if it had two extra neutral ratings.
//   - load: 1 − openLoad / capacity. For an unlimited expert (capacity 0),
//     1 / (1 + openLoad): 1 when idle, and still lower the busier it is.
//
// The score is the weighted mean of the components,
//
//	score = Σ weightᵢ · componentᵢ / Σ weightᵢ
//
// so it stays between 0 and 1 whatever the weights (defaults in
// [DefaultWeights]: category 0.35, language 0.25, acceptance 0.15,
// rating 0.10, load 0.15). Negative or non-finite weights count as 0; when
// all weights are 0 every score is 0. The score is computed from the exact
// components; then the score and every component are rounded to 4 decimals.
//
// # Order
//
// Candidates are ordered by rounded score, highest first; equal scores by
// name (case-insensitive), then by uuid (ascending, as its canonical text).
// The order depends only on the experts, never on the order they were given
// in. Excluded experts are listed by name, then uuid.
//
// # Tiers
//
// With offer size K, tier t is ranks t·K+1 … (t+1)·K. Tier 0 is offered when
// the question is created; each wait without a claim adds the next tier,
// until a tier is empty.
package routing
