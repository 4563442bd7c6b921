package bracketform

import (
	"encoding/json"
	"iter"
	"slices"
	"strconv"
)

// Kind is the kind of a [Value].
type Kind int

// The kinds of value. The map kind is called MapKind because the type [Map]
// already has the name Map.
const (
	String  Kind = iota // a string; the zero Value is the empty string
	List                // an ordered list, from [] segments or JSON arrays
	MapKind             // an ordered map, from named segments or JSON objects
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case List:
		return "list"
	case MapKind:
		return "map"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a node of a decoded tree: a string, a list of values, or a map.
// Values hold references: a Value copied from a list or a map shares that
// list's elements or that map.
type Value struct {
	kind Kind
	str  string
	list []Value
	m    *Map
}

// StringValue returns a string Value.
func StringValue(s string) Value { return Value{str: s} }

// ListValue returns a list Value holding elems. It does not copy elems.
func ListValue(elems ...Value) Value { return Value{kind: List, list: elems} }

// MapValue returns a map Value for m. A nil m becomes a new empty map.
func MapValue(m *Map) Value {
	if m == nil {
		m = NewMap()
	}
	return Value{kind: MapKind, m: m}
}

// Kind reports the kind of v.
func (v Value) Kind() Kind { return v.kind }

// Str returns v's string. It returns "" when v is not a String.
func (v Value) Str() string { return v.str }

// List returns v's elements. The slice is shared with v, not copied. It is
// nil when v is not a List.
func (v Value) List() []Value { return v.list }

// Map returns v's map. It is nil when v is not a MapKind value.
func (v Value) Map() *Map { return v.m }

// Equal reports whether v and o are the same tree. Map order counts.
func (v Value) Equal(o Value) bool {
	if v.kind != o.kind {
		return false
	}
	switch v.kind {
	case List:
		return slices.EqualFunc(v.list, o.list, Value.Equal)
	case MapKind:
		return v.m.Equal(o.m)
	}
	return v.str == o.str
}

// Interface returns v as plain Go data of type string, []any or
// map[string]any, for example for JSON-schema validators. The
// map[string]any does not keep the order. Lists are never nil.
func (v Value) Interface() any {
	switch v.kind {
	case List:
		out := make([]any, len(v.list))
		for i, e := range v.list {
			out[i] = e.Interface()
		}
		return out
	case MapKind:
		return v.m.Interface()
	}
	return v.str
}

// MarshalJSON encodes v as JSON. Maps become objects that keep their order.
func (v Value) MarshalJSON() ([]byte, error) { return v.appendJSON(nil), nil }

func (v Value) appendJSON(b []byte) []byte {
	switch v.kind {
	case List:
		b = append(b, '[')
		for i, e := range v.list {
			if i > 0 {
				b = append(b, ',')
			}
			b = e.appendJSON(b)
		}
		return append(b, ']')
	case MapKind:
		return v.m.appendJSON(b)
	}
	s, _ := json.Marshal(v.str) // a string never fails to marshal
	return append(b, s...)
}

// Map is a map from string to Value that remembers the order in which keys
// were first added. The zero Map is empty and ready to use. A nil *Map reads
// as empty.
type Map struct {
	keys []string
	vals map[string]Value
}

// NewMap returns an empty map.
func NewMap() *Map { return &Map{} }

// Len returns the number of entries.
func (m *Map) Len() int {
	if m == nil {
		return 0
	}
	return len(m.keys)
}

// Keys returns the keys in order, as a new slice.
func (m *Map) Keys() []string {
	if m == nil {
		return nil
	}
	return slices.Clone(m.keys)
}

// All yields the entries in order.
func (m *Map) All() iter.Seq2[string, Value] {
	return func(yield func(string, Value) bool) {
		if m == nil {
			return
		}
		for _, k := range m.keys {
			if !yield(k, m.vals[k]) {
				return
			}
		}
	}
}

// Get returns the value stored under key, and whether there is one.
func (m *Map) Get(key string) (Value, bool) {
	if m == nil {
		return Value{}, false
	}
	v, ok := m.vals[key]
	return v, ok
}

// Set stores v under key. A key that already exists keeps its position. A
// new key goes last.
func (m *Map) Set(key string, v Value) {
	if m.vals == nil {
		m.vals = make(map[string]Value)
	}
	if _, ok := m.vals[key]; !ok {
		m.keys = append(m.keys, key)
	}
	m.vals[key] = v
}

// Delete removes key, if it is present.
func (m *Map) Delete(key string) {
	if m == nil {
		return
	}
	if _, ok := m.vals[key]; !ok {
		return
	}
	delete(m.vals, key)
	i := slices.Index(m.keys, key)
	m.keys = slices.Delete(m.keys, i, i+1)
}

// Equal reports whether m and o hold equal entries in the same order. A nil
// map equals an empty one.
func (m *Map) Equal(o *Map) bool {
	if m.Len() != o.Len() {
		return false
	}
	for i := range m.Len() {
		k := m.keys[i]
		if o.keys[i] != k || !m.vals[k].Equal(o.vals[k]) {
			return false
		}
	}
	return true
}

// Interface returns m as a plain map[string]any. See [Value.Interface].
func (m *Map) Interface() map[string]any {
	out := make(map[string]any, m.Len())
	for k, v := range m.All() {
		out[k] = v.Interface()
	}
	return out
}

// MarshalJSON encodes m as a JSON object that keeps the entry order. A nil
// map encodes as {}.
func (m *Map) MarshalJSON() ([]byte, error) { return m.appendJSON(nil), nil }

func (m *Map) appendJSON(b []byte) []byte {
	b = append(b, '{')
	i := 0
	for k, v := range m.All() {
		if i > 0 {
			b = append(b, ',')
		}
		i++
		b = StringValue(k).appendJSON(b)
		b = append(b, ':')
		b = v.appendJSON(b)
	}
	return append(b, '}')
}
