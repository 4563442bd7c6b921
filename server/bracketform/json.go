package bracketform

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseJSONObject decodes a JSON object body into a tree. It applies the
// same limits as ParseURLEncoded. See the package documentation for the
// rules. In error messages, a JSON path is written as a bracket key, such as
// metadata[tags][].
func ParseJSONObject(data []byte, lim Limits) (*Map, error) {
	p := &jsonParser{lim: lim.withDefaults(), dec: json.NewDecoder(bytes.NewReader(data))}
	if len(data) > p.lim.MaxBytes {
		return nil, bodyTooLarge(p.lim)
	}
	if !utf8.Valid(data) {
		return nil, &Error{Reason: "invalid UTF-8 in JSON body", Err: ErrMalformed}
	}
	p.dec.UseNumber()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, jsonError(err)
	}
	if tok != json.Delim('{') {
		return nil, &Error{Reason: "JSON body must be an object", Err: ErrMalformed}
	}
	m, err := p.object(nil)
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		if err == nil {
			err = errors.New("unexpected data after the top-level object")
		}
		return nil, jsonError(err)
	}
	return m, nil
}

type jsonParser struct {
	lim            Limits
	dec            *json.Decoder
	leaves, nested int
}

func jsonError(err error) error {
	msg := err.Error()
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		msg = "unexpected end of input"
	}
	return &Error{Reason: "invalid JSON: " + msg, Err: ErrMalformed}
}

// object reads the members of an object whose "{" has been read. path is
// the object's own path.
func (p *jsonParser) object(path []string) (*Map, error) {
	m := NewMap()
	for p.dec.More() {
		tok, err := p.dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		name, _ := tok.(string) // the decoder only returns strings as member names
		child := append(path[:len(path):len(path)], name)
		if err := checkText("key", render(child), name); err != nil {
			return nil, err
		}
		switch {
		case name == "":
			return nil, malformed("malformed key", render(child), "empty member name")
		case strings.ContainsAny(name, "[]"):
			return nil, malformed("malformed key", render(child), `member name contains "[" or "]"`)
		case tooLong(name, p.lim.MaxSegment):
			return nil, limitf(render(child), "segment too long: more than %d characters", p.lim.MaxSegment)
		}
		v, ok, err := p.value(child)
		if err != nil {
			return nil, err
		}
		if ok {
			m.Set(name, v)
		} else {
			m.Delete(name)
		}
	}
	return m, p.end()
}

// array reads the elements of an array whose "[" has been read.
func (p *jsonParser) array(path []string) ([]Value, error) {
	child := append(path[:len(path):len(path)], "")
	var list []Value
	for p.dec.More() {
		v, ok, err := p.value(child)
		if err != nil {
			return nil, err
		}
		if ok {
			list = append(list, v)
		}
	}
	return list, p.end()
}

// end reads the "}" or "]" that closes an object or an array.
func (p *jsonParser) end() error {
	if _, err := p.dec.Token(); err != nil {
		return jsonError(err)
	}
	return nil
}

// value reads the value at path. It reports false for null.
func (p *jsonParser) value(path []string) (Value, bool, error) {
	if len(path)-1 > p.lim.MaxDepth {
		return Value{}, false, limitf(render(path), "too deeply nested: more than %d levels", p.lim.MaxDepth)
	}
	tok, err := p.dec.Token()
	if err != nil {
		return Value{}, false, jsonError(err)
	}
	var v Value
	switch t := tok.(type) {
	case nil:
		return Value{}, false, nil
	case json.Delim: // "{" or "["; the decoder reports a misplaced "}" or "]" as an error
		if t == '{' {
			m, err := p.object(path)
			if err != nil {
				return Value{}, false, err
			}
			v = MapValue(m)
		} else {
			list, err := p.array(path)
			if err != nil {
				return Value{}, false, err
			}
			v = ListValue(list...)
		}
		if v.m.Len() > 0 || len(v.list) > 0 {
			return v, true, nil
		}
		return v, true, p.leaf(path) // an empty object or array is a leaf
	case string:
		if err := checkText("value of key", render(path), t); err != nil {
			return Value{}, false, err
		}
		v = StringValue(t)
	case json.Number:
		v = StringValue(string(t))
	case bool:
		v = StringValue(strconv.FormatBool(t))
	}
	if tooLong(v.str, p.lim.MaxValue) {
		return v, false, &Error{what: "value of key", Key: render(path), Err: ErrLimit,
			Reason: "too long: more than " + strconv.Itoa(p.lim.MaxValue) + " characters"}
	}
	return v, true, p.leaf(path)
}

// leaf counts a string, or an empty object or array, at path.
func (p *jsonParser) leaf(path []string) error {
	if p.leaves++; p.leaves > p.lim.MaxPairs {
		return limitf("", "too many fields: more than %d", p.lim.MaxPairs)
	}
	if len(path) > 1 {
		if p.nested++; p.nested > p.lim.MaxNestedLeaves {
			return limitf(render(path), "too many nested values: more than %d", p.lim.MaxNestedLeaves)
		}
	}
	return nil
}
