// Package bracketform is a small, strict decoder for bracket-notation form
// bodies (the Rails/Rack/PHP convention), such as the Help Desk API's
// metadata[Account][Worth]=1000000 fields. It turns a body into an ordered
// tree of strings, lists and maps. Anything ambiguous is an error, never a
// guess. It works on every key of the body, not only metadata:
// text=hi&metadata[a]=1 gives {"text":"hi","metadata":{"a":"1"}}.
//
// # Keys
//
// A key is a name followed by zero or more bracket segments:
// name[seg][seg]... The name must not be empty. Names and segments may hold
// any character except "[" and "]", so spaces, dots, "@" and ";" are all
// ordinary (metadata[v1.2 beta]). A named segment [k] picks the entry k of a
// map. The empty segment [] means a list; an empty segment has no other
// meaning. Digits are ordinary names: l[0]=a&l[1]=b gives the map
// {"0":"a","1":"b"}, not a list. These keys are malformed: "a[b" (missing
// "]"), "a[b]c", "a[b]]" and "a[]x" (text after "]"), "a[b[c]]" ("[" inside
// brackets), "a]" (stray "]"), and "[a]" or "" (empty name).
//
// # Building the tree
//
// Pairs are applied in body order. Values are always strings. Nothing is
// converted to a number or a boolean.
//
//   - When a key repeats, the last value wins. A key keeps the position where
//     it first appeared, and maps keep keys in first-appearance order:
//     a=1&b=2&a=3 gives {"a":"3","b":"2"}.
//   - A key that ends in [] appends a string to a list: tags[]=a&tags[]=b
//     gives ["a","b"].
//   - A key with named segments after [] (Rack's rule) adds to the last
//     element of the list when that element is a map that does not yet hold
//     the key's remaining path. Otherwise it starts a new map element. So
//     x[][k]=1&x[][k]=2 gives [{"k":"1"},{"k":"2"}], and x[][k]=1&x[][j]=2
//     gives [{"k":"1","j":"2"}]. The remaining path counts as a whole:
//     x[][a][b]=1&x[][a][c]=2 gives [{"a":{"b":"1","c":"2"}}]. When the
//     remaining path holds another [], as in x[][a][]=1, the pair always
//     goes into the last map element.
//   - [][] (a list directly inside a list) always starts a new inner list:
//     x[][]=1&x[][]=2 gives [["1"],["2"]].
//   - A node can't be two things at once. a=1&a[b]=2 (a value and a map),
//     a[]=1&a[b]=2 (a list and a map) and a=1&a[]=2 (a value and a list)
//     are errors, in either order.
//
// # URL-encoded bodies
//
// [ParseURLEncoded] splits the raw body on "&" only. Unlike net/url, ";" is
// an ordinary character. Empty pairs (a=1&&b=2) are skipped. Each pair is
// split at its first "=". A pair with no "=" has the empty value. In both
// the key and the value, "+" becomes a space, and then %XX escapes are
// decoded. A bad escape ("%zz", "%4") is an error. Raw spaces, "@", "[" and
// "]" are kept as they are, because curl sends them unencoded. The key is
// decoded before brackets are looked for, so metadata%5Ba%5D is
// metadata[a]. A consequence is that a name can never hold "[" or "]". A key
// or value that is not valid UTF-8 after decoding, or holds NUL (U+0000),
// is an error (the text rules of package textrule).
//
// [ParsePairs] applies the same rules to pairs that are already decoded,
// such as multipart part names.
//
// # JSON bodies
//
// [ParseJSONObject] reads a JSON object into the same tree. Objects become
// maps, keeping order; with duplicate names the last wins. Arrays become
// lists. Strings are kept. Numbers are kept as their literal text ("1.50"
// stays "1.50"). Booleans become "true" and "false". A null drops the entry
// or element, and removes an earlier entry with the same name. Member names
// follow the rules for names: they must not be empty and must not hold "["
// or "]". The body must be valid UTF-8, and its top level must be an object.
// Empty objects and arrays are kept.
//
// # Limits
//
// Every parser enforces [Limits]. Exceeding any of them is an error
// ([ErrLimit]). The defaults are in [DefaultLimits]:
//
//   - MaxBytes 1 MiB: the body size. For ParsePairs it is the total length
//     of all keys and values.
//   - MaxPairs 1000: the fields. These are non-empty pairs. For JSON they
//     are the leaves (see below).
//   - MaxDepth 32: the bracket levels below the name. The name itself is not
//     counted, so "a" has depth 0 and "a[b][]" has depth 2. In JSON, a
//     top-level member has depth 0.
//   - MaxNestedLeaves 200: the leaves below the top level, in total. A leaf
//     is a string inside a map or a list. In JSON, an empty object or array
//     is a leaf too. In JSON, duplicate names count every time they appear.
//   - MaxSegment 256: the characters (Unicode code points) in a name, in one
//     bracket segment, or in a JSON member name.
//   - MaxValue 10000: the characters in one value.
//
// In a Limits value, a field that is zero or negative means the default.
//
// # Errors
//
// Every error is an [*Error]. errors.Is(err, [ErrLimit]) reports a limit
// that was exceeded. errors.Is(err, [ErrMalformed]) reports anything else:
// syntax, bad escapes, invalid UTF-8, or conflicting keys.
//
// # Encoding
//
// [Map.EncodeURL] writes a tree back as a canonical urlencoded body that
// ParseURLEncoded decodes to the same tree. See its documentation for the
// few hand-built or JSON-built shapes that the bracket syntax can't express.
package bracketform
