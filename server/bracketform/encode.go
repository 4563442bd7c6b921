package bracketform

import (
	"strings"
	"unicode/utf8"
)

// EncodeURL returns m as a canonical application/x-www-form-urlencoded
// body. It writes one pair per string, depth first, in map order, with
// bracket keys: a=1&m[k]=2&l[]=3&x[][k]=4. Every byte that is not an
// unreserved character (A-Z a-z 0-9 - . _ ~) is percent-encoded, including
// space, ";", "&", "=", "+", "[" and "]" inside names and values. Only the
// brackets that delimit segments are written literally.
//
// For any tree built by ParseURLEncoded or ParsePairs,
// ParseURLEncoded(EncodeURL(m)) equals m, provided the longer encoded body
// still fits Limits.MaxBytes. Some trees built by hand or by ParseJSONObject
// have no bracket form. EncodeURL leaves these parts out, so that its output
// always decodes, to m without them:
//
//   - empty maps and lists, since they have no pairs;
//   - map entries whose name is empty, contains "[" or "]", or is not valid
//     UTF-8, and strings that are not valid UTF-8;
//   - a list element that is itself a list, unless it holds exactly one
//     string in total (x[][]=1 always starts a new inner list, so [["1","2"]]
//     can't be expressed);
//   - a map element of a list that would merge into the map element before
//     it. Under Rack's rule, a map element that follows another map element
//     is only written if its first path has no list in it and is already
//     present in the element before. So [{"a":"1"},{"b":"2"}] is written
//     without its second element.
//
// Parts are checked for leaving out from the inside out. A part that is
// left out doesn't count as the element before.
func (m *Map) EncodeURL() string {
	var b strings.Builder
	for k, v := range pruneMap(m).All() {
		encode(&b, escape(k), v)
	}
	return b.String()
}

func encode(b *strings.Builder, key string, v Value) {
	switch v.kind {
	case String:
		if b.Len() > 0 {
			b.WriteByte('&')
		}
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(escape(v.str))
	case List:
		for _, e := range v.list {
			encode(b, key+"[]", e)
		}
	case MapKind:
		for k, e := range v.m.All() {
			encode(b, key+"["+escape(k)+"]", e)
		}
	}
}

func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			const hex = "0123456789ABCDEF"
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

// pruneMap returns a copy of m without the parts that EncodeURL leaves out.
func pruneMap(m *Map) *Map {
	out := NewMap()
	for k, v := range m.All() {
		if k == "" || strings.ContainsAny(k, "[]") || !utf8.ValidString(k) {
			continue
		}
		if v, ok := prune(v); ok {
			out.Set(k, v)
		}
	}
	return out
}

// prune returns v without the parts that EncodeURL leaves out. It reports
// false when nothing is left.
func prune(v Value) (Value, bool) {
	switch v.kind {
	case MapKind:
		m := pruneMap(v.m)
		return MapValue(m), m.Len() > 0
	case List:
		var out []Value
		for _, e := range v.list {
			e, ok := prune(e)
			switch {
			case !ok:
				continue
			case e.kind == List && countStrings(e) != 1:
				continue
			case e.kind == MapKind && len(out) > 0 && out[len(out)-1].kind == MapKind && !startsElement(out[len(out)-1].m, e.m):
				continue
			}
			out = append(out, e)
		}
		return ListValue(out...), len(out) > 0
	}
	return v, utf8.ValidString(v.str)
}

func countStrings(v Value) int {
	switch v.kind {
	case List:
		n := 0
		for _, e := range v.list {
			n += countStrings(e)
		}
		return n
	case MapKind:
		n := 0
		for _, e := range v.m.All() {
			n += countStrings(e)
		}
		return n
	}
	return 1
}

// startsElement reports whether the first pair of the pruned map next,
// written after the map element prev, starts a new list element when it is
// decoded.
func startsElement(prev, next *Map) bool {
	var path []string
	for v := MapValue(next); v.kind != String; {
		if v.kind == List {
			return false // a path with [] always merges into the last element
		}
		k := v.m.keys[0]
		path = append(path, k)
		v = v.m.vals[k]
	}
	return hasPath(prev, path)
}
