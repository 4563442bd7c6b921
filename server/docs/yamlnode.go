package docs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	yaml "github.com/oasdiff/yaml3"
)

// tree is the spec document as a YAML node tree. kin-openapi keeps paths,
// properties, media types and examples in Go maps, which lose the order the
// author wrote them in; the node tree still has it, so the renderer uses it to
// order map keys (falling back to sorted order for anything it cannot find)
// and to print examples with their keys in document order.
type tree struct {
	root *yaml.Node // the top-level mapping; nil if the document is not one
}

func parseTree(raw []byte) (*tree, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	t := &tree{}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		t.root = unalias(doc.Content[0])
	}
	if t.root == nil || t.root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("document is not a mapping")
	}
	return t, nil
}

func unalias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 32; i++ {
		n = n.Alias
	}
	return n
}

// mapGet returns the value for key in mapping n, without following $ref.
func mapGet(n *yaml.Node, key string) *yaml.Node {
	n = unalias(n)
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return unalias(n.Content[i+1])
		}
	}
	return nil
}

// deref follows local "$ref" pointers ("#/components/schemas/X").
func (t *tree) deref(n *yaml.Node) *yaml.Node {
	n = unalias(n)
	for i := 0; i < 32 && n != nil; i++ {
		ref := mapGet(n, "$ref")
		if ref == nil || ref.Kind != yaml.ScalarNode {
			return n
		}
		n = t.pointer(ref.Value)
	}
	return n
}

// pointer resolves a same-document JSON pointer reference such as
// "#/components/schemas/Ticket". Anything else resolves to nil.
func (t *tree) pointer(ref string) *yaml.Node {
	if t == nil || !strings.HasPrefix(ref, "#") {
		return nil
	}
	frag := ref[1:]
	if u, err := url.PathUnescape(frag); err == nil {
		frag = u
	}
	n := t.root
	if frag == "" || frag == "/" {
		return n
	}
	for _, tok := range strings.Split(strings.TrimPrefix(frag, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		n = unalias(n)
		if n == nil {
			return nil
		}
		switch n.Kind {
		case yaml.MappingNode:
			n = mapGet(n, tok)
		case yaml.SequenceNode:
			var idx int
			if _, err := fmt.Sscanf(tok, "%d", &idx); err != nil || idx < 0 || idx >= len(n.Content) {
				return nil
			}
			n = unalias(n.Content[idx])
		default:
			return nil
		}
	}
	return n
}

// get walks keys from n, following $ref before each step.
func (t *tree) get(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if t == nil || n == nil {
			return nil
		}
		n = mapGet(t.deref(n), k)
	}
	return n
}

// index returns item i of sequence n (after following $ref).
func (t *tree) index(n *yaml.Node, i int) *yaml.Node {
	if t == nil {
		return nil
	}
	n = t.deref(n)
	if n == nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
		return nil
	}
	return unalias(n.Content[i])
}

// order returns have (the keys of one of kin's maps) in the order they appear
// in mapping n; keys n does not mention follow, sorted.
func (t *tree) order(n *yaml.Node, have []string) []string {
	set := make(map[string]bool, len(have))
	for _, k := range have {
		set[k] = true
	}
	out := make([]string, 0, len(have))
	if t != nil {
		if m := t.deref(n); m != nil && m.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(m.Content); i += 2 {
				k := m.Content[i].Value
				if set[k] {
					out = append(out, k)
					delete(set, k)
				}
			}
		}
	}
	rest := make([]string, 0, len(set))
	for k := range set {
		rest = append(rest, k)
	}
	sort.Strings(rest)
	return append(out, rest...)
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ---- ordered values: JSON-compatible data that remembers key order ----

// omap is a JSON object whose keys keep their document order.
type omap []kv

type kv struct {
	Key   string
	Value any
}

func (m omap) get(key string) (any, bool) {
	for _, e := range m {
		if e.Key == key {
			return e.Value, true
		}
	}
	return nil, false
}

// nodeValue converts a YAML node into plain JSON-compatible data (nil, bool,
// numbers, string, []any, omap), keeping mapping order. Timestamps and other
// non-JSON scalars become their source text.
func nodeValue(n *yaml.Node) (any, error) {
	return nodeValueDepth(n, 0)
}

func nodeValueDepth(n *yaml.Node, depth int) (any, error) {
	if depth > 200 {
		return nil, fmt.Errorf("document nested too deeply")
	}
	n = unalias(n)
	if n == nil {
		return nil, nil
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return nodeValueDepth(n.Content[0], depth+1)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := nodeValueDepth(c, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(omap, 0, len(n.Content)/2)
		var merges []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Tag == "!!merge" {
				merges = append(merges, unalias(n.Content[i+1]))
				continue
			}
			v, err := nodeValueDepth(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, kv{k.Value, v})
		}
		// YAML merge keys ("<<: *base"): inherited keys come after own ones.
		for _, m := range merges {
			srcs := []*yaml.Node{m}
			if m != nil && m.Kind == yaml.SequenceNode {
				srcs = m.Content
			}
			for _, src := range srcs {
				mv, err := nodeValueDepth(src, depth+1)
				if err != nil {
					return nil, err
				}
				if mm, ok := mv.(omap); ok {
					for _, e := range mm {
						if _, dup := out.get(e.Key); !dup {
							out = append(out, e)
						}
					}
				}
			}
		}
		return out, nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, nil
		case "!!bool", "!!int", "!!float":
			var v any
			if err := n.Decode(&v); err != nil {
				return nil, err
			}
			return v, nil
		default:
			return n.Value, nil
		}
	}
	return nil, fmt.Errorf("unsupported YAML node kind %v", n.Kind)
}

// plainValue converts arbitrary decoded JSON data (as kin-openapi holds
// examples and defaults) into the same shape as nodeValue, with sorted keys.
func plainValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(omap, 0, len(x))
		for _, k := range mapKeys(x) {
			out = append(out, kv{k, plainValue(x[k])})
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = plainValue(x[i])
		}
		return out
	case omap, nil, string, bool, float64, float32, int, int64, uint64, int32, uint32, json.Number:
		return x
	default:
		// Anything else (structs, time.Time, typed slices): round-trip
		// through encoding/json.
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		var back any
		if json.Unmarshal(b, &back) != nil {
			return string(b)
		}
		return plainValue(back)
	}
}

// writeJSON encodes v (nodeValue/plainValue data) as JSON. indent "" gives
// compact output; otherwise each level is indented by indent.
func writeJSON(buf *bytes.Buffer, v any, indent, prefix string) error {
	nl := func(p string) {
		if indent != "" {
			buf.WriteByte('\n')
			buf.WriteString(p)
		}
	}
	sep := ":"
	if indent != "" {
		sep = ": "
	}
	switch x := v.(type) {
	case omap:
		if len(x) == 0 {
			buf.WriteString("{}")
			return nil
		}
		buf.WriteByte('{')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			nl(prefix + indent)
			if err := writeScalar(buf, e.Key); err != nil {
				return err
			}
			buf.WriteString(sep)
			if err := writeJSON(buf, e.Value, indent, prefix+indent); err != nil {
				return err
			}
		}
		nl(prefix)
		buf.WriteByte('}')
	case []any:
		if len(x) == 0 {
			buf.WriteString("[]")
			return nil
		}
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			nl(prefix + indent)
			if err := writeJSON(buf, e, indent, prefix+indent); err != nil {
				return err
			}
		}
		nl(prefix)
		buf.WriteByte(']')
	default:
		return writeScalar(buf, plainScalar(x))
	}
	return nil
}

func plainScalar(v any) any {
	switch v.(type) {
	case nil, string, bool, float64, float32, int, int64, uint64, int32, uint32, json.Number:
		return v
	}
	return plainValue(v)
}

func writeScalar(buf *bytes.Buffer, v any) error {
	if _, ok := v.(omap); ok {
		return writeJSON(buf, v, "", "")
	}
	if _, ok := v.([]any); ok {
		return writeJSON(buf, v, "", "")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
	return nil
}

// prettyJSON renders v with two-space indentation.
func prettyJSON(v any) (string, error) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, v, "  ", ""); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// specJSON converts the whole document to indented JSON, keeping key order.
func specJSON(raw []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	v, err := nodeValue(&doc)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeJSON(&buf, v, "  ", ""); err != nil {
		return nil, err
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// specYAML returns raw unchanged when it is YAML; a JSON document is
// re-emitted in block-style YAML.
func specYAML(raw []byte) ([]byte, error) {
	if !looksLikeJSON(raw) {
		return raw, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	var unstyle func(n *yaml.Node)
	unstyle = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode {
			// JSON strings are double-quoted; let the encoder decide,
			// it still quotes strings that would otherwise read as numbers.
			n.Style &^= yaml.DoubleQuotedStyle | yaml.SingleQuotedStyle
		} else {
			n.Style &^= yaml.FlowStyle
		}
		for _, c := range n.Content {
			unstyle(c)
		}
	}
	unstyle(&doc)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func looksLikeJSON(raw []byte) bool {
	t := bytes.TrimLeft(raw, " \t\r\n\ufeff")
	t = bytes.TrimPrefix(t, []byte("\xef\xbb\xbf"))
	return len(t) > 0 && (t[0] == '{' || t[0] == '[')
}
