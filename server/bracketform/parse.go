package bracketform

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/server/textrule"
)

// Limits bounds what a parser accepts. A field that is zero or negative
// means the package default, the value that DefaultLimits starts with. See
// the package documentation for what each limit counts.
type Limits struct {
	MaxBytes        int // body size in bytes (ParsePairs: total length of keys and values)
	MaxPairs        int // fields: non-empty pairs (JSON: leaves)
	MaxDepth        int // bracket levels below the name ("a[b][]" is 2)
	MaxNestedLeaves int // leaves below the top level, in total
	MaxSegment      int // characters in a name or in one bracket segment
	MaxValue        int // characters in one value
}

// DefaultLimits holds the package defaults. Changing it does not change
// the defaults used for zero fields.
var DefaultLimits = defaults

var defaults = Limits{
	MaxBytes:        1 << 20,
	MaxPairs:        1000,
	MaxDepth:        32,
	MaxNestedLeaves: 200,
	MaxSegment:      256,
	MaxValue:        10000,
}

func (l Limits) withDefaults() Limits {
	or := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	or(&l.MaxBytes, defaults.MaxBytes)
	or(&l.MaxPairs, defaults.MaxPairs)
	or(&l.MaxDepth, defaults.MaxDepth)
	or(&l.MaxNestedLeaves, defaults.MaxNestedLeaves)
	or(&l.MaxSegment, defaults.MaxSegment)
	or(&l.MaxValue, defaults.MaxValue)
	return l
}

// The sentinel errors that every *Error wraps. Use errors.Is to test for
// them.
var (
	ErrMalformed = errors.New("bracketform: malformed input")
	ErrLimit     = errors.New("bracketform: limit exceeded")
)

// Error is the error that every parser returns.
type Error struct {
	Key    string // the key at fault, as decoded so far; "" for errors about the whole body
	Reason string // what is wrong
	Err    error  // ErrMalformed or ErrLimit
	what   string // text before the quoted key; "key" when empty
}

// Error returns a message of the form `<what> "<key>": <reason>`, for
// example
//
//	malformed key "metadata[a": missing "]"
//	key "metadata[a][b]": "metadata[a]" is both a value and a map
//	invalid percent-encoding in key "a%zz"
//
// Errors about the whole body are just the reason:
//
//	too many fields: more than 1000
//
// A key longer than 200 bytes is shortened in the message.
func (e *Error) Error() string {
	if e.Key == "" && e.what == "" {
		return e.Reason
	}
	what := e.what
	if what == "" {
		what = "key"
	}
	key := e.Key
	if len(key) > 200 {
		cut := 200
		for cut > 0 && !utf8.RuneStart(key[cut]) {
			cut--
		}
		key = strconv.Quote(key[:cut]) + "..."
	} else {
		key = strconv.Quote(key)
	}
	if e.Reason == "" {
		return what + " " + key
	}
	return what + " " + key + ": " + e.Reason
}

// Unwrap returns ErrMalformed or ErrLimit.
func (e *Error) Unwrap() error { return e.Err }

func malformed(what, key, reason string) *Error {
	return &Error{what: what, Key: key, Reason: reason, Err: ErrMalformed}
}

func limitf(key, format string, args ...any) *Error {
	return &Error{Key: key, Reason: fmt.Sprintf(format, args...), Err: ErrLimit}
}

func bodyTooLarge(lim Limits) error {
	return limitf("", "body too large: more than %d bytes", lim.MaxBytes)
}

// Pair is one key and value that are already decoded.
type Pair struct{ Key, Value string }

// ParseURLEncoded decodes a raw application/x-www-form-urlencoded body. See
// the package documentation for the rules.
func ParseURLEncoded(body []byte, lim Limits) (*Map, error) {
	p := newParser(lim)
	if len(body) > p.lim.MaxBytes {
		return nil, bodyTooLarge(p.lim)
	}
	rest := string(body)
	for rest != "" {
		var pair string
		pair, rest, _ = strings.Cut(rest, "&")
		if pair == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(pair, "=")
		key, ok := unescape(rawKey)
		if !ok {
			return nil, malformed("invalid percent-encoding in key", rawKey, "")
		}
		val, ok := unescape(rawVal)
		if !ok {
			return nil, malformed("invalid percent-encoding in value of key", key, "")
		}
		if err := p.add(key, val); err != nil {
			return nil, err
		}
	}
	return p.root, nil
}

// ParsePairs builds a tree from pairs that are already decoded, for example
// the names of multipart parts. Pairs with an empty key are not skipped:
// they are an error.
func ParsePairs(pairs []Pair, lim Limits) (*Map, error) {
	p := newParser(lim)
	size := 0
	for _, pr := range pairs {
		if size += len(pr.Key) + len(pr.Value); size > p.lim.MaxBytes {
			return nil, bodyTooLarge(p.lim)
		}
	}
	for _, pr := range pairs {
		if err := p.add(pr.Key, pr.Value); err != nil {
			return nil, err
		}
	}
	return p.root, nil
}

type parser struct {
	lim           Limits
	root          *Map
	pairs, leaves int
}

func newParser(lim Limits) *parser { return &parser{lim: lim.withDefaults(), root: NewMap()} }

// add applies one decoded pair to p.root.
func (p *parser) add(key, val string) error {
	if p.pairs++; p.pairs > p.lim.MaxPairs {
		return limitf("", "too many fields: more than %d", p.lim.MaxPairs)
	}
	if err := checkText("key", key, key); err != nil {
		return err
	}
	segs, err := splitKey(key, p.lim)
	if err != nil {
		return err
	}
	if err := checkText("value of key", key, val); err != nil {
		return err
	}
	if tooLong(val, p.lim.MaxValue) {
		return &Error{what: "value of key", Key: key, Err: ErrLimit,
			Reason: fmt.Sprintf("too long: more than %d characters", p.lim.MaxValue)}
	}
	_, err = p.put(MapValue(p.root), true, key, segs, 0, val)
	return err
}

// checkText applies the text rules (textrule.Check: valid UTF-8, no NUL) to a key or value.
func checkText(what, key, s string) error {
	switch textrule.Check(s) {
	case textrule.ErrInvalidUTF8:
		return malformed("invalid UTF-8 in "+what, key, "")
	case textrule.ErrNUL:
		return malformed("NUL (U+0000) in "+what, key, "")
	}
	return nil
}

func tooLong(s string, max int) bool {
	return len(s) > max && utf8.RuneCountInString(s) > max
}

// splitKey splits a valid UTF-8 key into its name and its bracket
// segments. An empty segment stands for [].
func splitKey(key string, lim Limits) ([]string, error) {
	i := strings.IndexAny(key, "[]")
	if i < 0 {
		i = len(key)
	}
	switch {
	case i == 0:
		return nil, malformed("malformed key", key, "empty name")
	case i < len(key) && key[i] == ']':
		return nil, malformed("malformed key", key, `unexpected "]"`)
	}
	segs := []string{key[:i]}
	for rest := key[i:]; rest != ""; {
		if rest[0] != '[' {
			return nil, malformed("malformed key", key, `expected "[" after "]"`)
		}
		j := strings.IndexAny(rest[1:], "[]") + 1
		switch {
		case j == 0:
			return nil, malformed("malformed key", key, `missing "]"`)
		case rest[j] == '[':
			return nil, malformed("malformed key", key, `unexpected "[" inside brackets`)
		case len(segs) > lim.MaxDepth:
			return nil, limitf(key, "too deeply nested: more than %d levels", lim.MaxDepth)
		}
		segs = append(segs, rest[1:j])
		rest = rest[j+1:]
	}
	for _, s := range segs {
		if tooLong(s, lim.MaxSegment) {
			return nil, limitf(key, "segment too long: more than %d characters", lim.MaxSegment)
		}
	}
	return segs, nil
}

// put stores val at the path segs[i:] below cur, the node at segs[:i]
// (exists is false when there is no node yet). It returns the updated node.
// Maps are changed in place. Lists are returned for the caller to store.
func (p *parser) put(cur Value, exists bool, key string, segs []string, i int, val string) (Value, error) {
	want := MapKind
	switch {
	case i == len(segs):
		want = String
	case segs[i] == "":
		want = List
	}
	if !exists {
		cur = Value{kind: want}
		if want == MapKind {
			cur.m = NewMap()
		}
	} else if cur.kind != want {
		a, b := min(cur.kind, want), max(cur.kind, want)
		return cur, malformed("key", key, fmt.Sprintf("%q is both a %s and a %s", render(segs[:i]), kindWord[a], kindWord[b]))
	}
	switch want {
	case String:
		if !exists && i > 1 {
			if p.leaves++; p.leaves > p.lim.MaxNestedLeaves {
				return cur, limitf(key, "too many nested values: more than %d", p.lim.MaxNestedLeaves)
			}
		}
		return StringValue(val), nil
	case MapKind:
		child, ok := cur.m.Get(segs[i])
		v, err := p.put(child, ok, key, segs, i+1, val)
		if err == nil {
			cur.m.Set(segs[i], v)
		}
		return cur, err
	}
	// A list. Rack's rule: named segments after [] go into the last element
	// if that element is a map that does not yet hold their path. A path
	// with another [] in it is never held (see hasPath), so it always goes
	// into the last map element.
	rest := segs[i+1:]
	if n := len(cur.list); n > 0 && len(rest) > 0 && rest[0] != "" {
		if last := cur.list[n-1]; last.kind == MapKind && !hasPath(last.m, rest) {
			_, err := p.put(last, true, key, segs, i+1, val)
			return cur, err
		}
	}
	v, err := p.put(Value{}, false, key, segs, i+1, val)
	if err == nil {
		cur.list = append(cur.list, v)
	}
	return cur, err
}

var kindWord = [...]string{String: "value", List: "list", MapKind: "map"}

// hasPath reports whether m holds a node of any kind at path. It only walks
// through maps. A path with an empty segment ([]) is never held: the node
// before a [] is a list, or the key conflicts, and maps have no "" key.
func hasPath(m *Map, path []string) bool {
	for _, k := range path[:len(path)-1] {
		v, ok := m.Get(k)
		if !ok || v.kind != MapKind {
			return false
		}
		m = v.m
	}
	_, ok := m.Get(path[len(path)-1])
	return ok
}

// render writes segments back as a key: name[a][]...
func render(segs []string) string {
	var b strings.Builder
	for i, s := range segs {
		if i == 0 {
			b.WriteString(s)
			continue
		}
		b.WriteString("[" + s + "]")
	}
	return b.String()
}

// unescape turns "+" into a space and decodes %XX escapes. It reports false
// for a bad escape.
func unescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '+':
			b = append(b, ' ')
		case '%':
			if i+2 >= len(s) || unhex(s[i+1]) < 0 || unhex(s[i+2]) < 0 {
				return "", false
			}
			b = append(b, byte(unhex(s[i+1])<<4|unhex(s[i+2])))
			i += 2
		default:
			b = append(b, c)
		}
	}
	return string(b), true
}

func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c - 'a' + 10)
	case 'A' <= c && c <= 'F':
		return int(c - 'A' + 10)
	}
	return -1
}
