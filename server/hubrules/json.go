package hubrules

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Input JSON is read the way Hubster's .NET models bind it: keys match case-insensitively (the
// last of several matching keys wins, as Json.NET assigns them in order), unknown keys are dropped,
// null is the same as absent.

// Field is one member of a JSON object, its value undecoded.
type Field struct {
	Name  string
	Value json.RawMessage
}

// Object is a JSON object's members in the order sent.
type Object []Field

// errNotObject: the value is not one JSON object (or not valid JSON at all).
var errNotObject = errors.New("not a JSON object")

// ParseObject reads exactly one JSON object from raw: valid UTF-8, nothing but whitespace after it.
func ParseObject(raw []byte) (Object, error) {
	if !utf8.Valid(raw) {
		return nil, errors.New("not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, errNotObject
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	var obj Object
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errNotObject
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, errNotObject
		}
		obj = append(obj, Field{Name: name, Value: v})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, errNotObject
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	if obj == nil {
		obj = Object{}
	}
	return obj, nil
}

// Get returns the value of the last member whose name equals name case-insensitively; a null
// value counts as absent.
func (o Object) Get(name string) (json.RawMessage, bool) {
	for i := len(o) - 1; i >= 0; i-- {
		if strings.EqualFold(o[i].Name, name) {
			if isNull(o[i].Value) {
				return nil, false
			}
			return o[i].Value, true
		}
	}
	return nil, false
}

// Has reports whether a non-null member named name (any case) is present.
func (o Object) Has(name string) bool {
	_, ok := o.Get(name)
	return ok
}

// kind is the JSON type of a value: 'o' object, 'a' array, 's' string, 'n' number, 'b' boolean,
// 'z' null.
func kind(v json.RawMessage) byte {
	v = bytes.TrimLeft(v, " \t\r\n")
	if len(v) == 0 {
		return 'z'
	}
	switch v[0] {
	case '{':
		return 'o'
	case '[':
		return 'a'
	case '"':
		return 's'
	case 't', 'f':
		return 'b'
	case 'n':
		return 'z'
	}
	return 'n'
}

func isNull(v json.RawMessage) bool { return kind(v) == 'z' }

// kindName names a JSON type for error texts.
func kindName(k byte) string {
	switch k {
	case 'o':
		return "an object"
	case 'a':
		return "an array"
	case 's':
		return "a string"
	case 'n':
		return "a number"
	case 'b':
		return "a boolean"
	}
	return "null"
}

func asString(v json.RawMessage) (string, bool) {
	if kind(v) != 's' {
		return "", false
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return "", false
	}
	return s, true
}

func asBool(v json.RawMessage) (bool, bool) {
	if kind(v) != 'b' {
		return false, false
	}
	var b bool
	return b, json.Unmarshal(v, &b) == nil
}

// asInt reads a JSON number without fraction or exponent.
func asInt(v json.RawMessage) (int64, bool) {
	if kind(v) != 'n' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(bytes.TrimSpace(v)), 10, 64)
	return n, err == nil
}

// asDecimal reads a number, or a string holding one.
func asDecimal(v json.RawMessage) (float64, bool) {
	text := string(bytes.TrimSpace(v))
	switch kind(v) {
	case 'n':
	case 's':
		s, _ := asString(v)
		text = strings.TrimSpace(s)
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

func asObject(v json.RawMessage) (Object, bool) {
	if kind(v) != 'o' {
		return nil, false
	}
	o, err := ParseObject(v)
	return o, err == nil
}

func asArray(v json.RawMessage) ([]json.RawMessage, bool) {
	if kind(v) != 'a' {
		return nil, false
	}
	var items []json.RawMessage
	if json.Unmarshal(v, &items) != nil {
		return nil, false
	}
	return items, true
}

// compact returns v without insignificant whitespace.
func compact(v json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, v) != nil {
		return v
	}
	return b.Bytes()
}

// Out is a JSON object written with its members in the order added (the enriched activities and
// webhook bodies keep Hubster's order: type first, payloads as sent).
type Out []OutField

// OutField is one member of an Out.
type OutField struct {
	Name  string
	Value any
}

// Add appends a member.
func (o *Out) Add(name string, value any) { *o = append(*o, OutField{name, value}) }

// MarshalJSON writes the members in order.
func (o Out) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(f.Name)
		b.Write(name)
		b.WriteByte(':')
		v, err := marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshal is json.Marshal without HTML escaping (text reaches receivers as sent).
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Marshal encodes v as compact JSON without HTML escaping.
func Marshal(v any) ([]byte, error) { return marshal(v) }
