package bracketform

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestMap(t *testing.T) {
	var m Map // the zero Map is ready to use
	m.Set("b", StringValue("1"))
	m.Set("a", StringValue("2"))
	m.Set("c", StringValue("3"))
	m.Set("b", StringValue("4")) // keeps its position
	if got := strings.Join(m.Keys(), ","); got != "b,a,c" || m.Len() != 3 {
		t.Fatalf("keys %s, len %d", got, m.Len())
	}
	if v, ok := m.Get("b"); !ok || v.Kind() != String || v.Str() != "4" {
		t.Errorf("Get(b) = %v, %v", v, ok)
	}
	if _, ok := m.Get("z"); ok {
		t.Error("Get(z) found something")
	}
	m.Keys()[0] = "changed" // Keys returns a copy
	m.Delete("a")
	m.Delete("z")
	if got := strings.Join(m.Keys(), ","); got != "b,c" {
		t.Errorf("after Delete: %s", got)
	}
	m.Set("a", StringValue("5")) // a deleted key comes back last
	if got := jsonOf(t, &m); got != `{"b":"4","c":"3","a":"5"}` {
		t.Errorf("JSON %s", got)
	}

	var nilMap *Map
	if nilMap.Len() != 0 || nilMap.Keys() != nil || !nilMap.Equal(NewMap()) || jsonOf(t, nilMap) != "{}" {
		t.Error("a nil *Map does not read as empty")
	}
	if _, ok := nilMap.Get("a"); ok {
		t.Error("nil Get found something")
	}
	nilMap.Delete("a")
	if len(nilMap.Interface()) != 0 {
		t.Error("nil Interface not empty")
	}
}

func TestEqual(t *testing.T) {
	parse := func(s string) *Map {
		m, err := ParseURLEncoded([]byte(s), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	tests := []struct {
		a, b string
		want bool
	}{
		{"a=1&b=2", "a=1&b=2", true},
		{"a=1&b=2", "b=2&a=1", false}, // order counts
		{"a=1", "a=2", false},
		{"a=1", "a[]=1", false},
		{"a[]=1&a[]=2", "a[]=1", false},
		{"m[x][]=1&m[y][k]=2", "m[x][]=1&m[y][k]=2", true},
		{"m[y][k]=2", "m[y][k]=3", false},
		{"a=1", "a=1&b=2", false},
	}
	for _, tc := range tests {
		if got := parse(tc.a).Equal(parse(tc.b)); got != tc.want {
			t.Errorf("Equal(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
	if !ListValue().Equal(ListValue(nil...)) || StringValue("").Equal(ListValue()) || !(Value{}).Equal(StringValue("")) {
		t.Error("Value.Equal edge cases")
	}
}

func TestValue(t *testing.T) {
	m, err := ParseURLEncoded([]byte("s=1&l[]=a&l[][k]=b&m[x]=c&m[y][]=d"), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := m.Get("l")
	if l.Kind() != List || len(l.List()) != 2 || l.Map() != nil || l.Str() != "" {
		t.Errorf("list accessors: %v", l)
	}
	mv, _ := m.Get("m")
	if mv.Kind() != MapKind || mv.Map().Len() != 2 || mv.List() != nil {
		t.Errorf("map accessors: %v", mv)
	}
	want := map[string]any{
		"s": "1",
		"l": []any{"a", map[string]any{"k": "b"}},
		"m": map[string]any{"x": "c", "y": []any{"d"}},
	}
	if got := m.Interface(); !reflect.DeepEqual(got, want) {
		t.Errorf("Interface = %#v", got)
	}
	if got := ListValue().Interface(); !reflect.DeepEqual(got, []any{}) {
		t.Errorf("empty list Interface = %#v", got)
	}

	// json.Marshal uses the MarshalJSON methods, for *Map and for Value.
	b, err := json.Marshal(struct {
		M *Map
		V Value
		L []Value
	}{m, mv, []Value{StringValue("<&>"), l}})
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"M":{"s":"1","l":["a",{"k":"b"}],"m":{"x":"c","y":["d"]}},"V":{"x":"c","y":["d"]},"L":["\u003c\u0026\u003e",["a",{"k":"b"}]]}`
	if string(b) != wantJSON {
		t.Errorf("json.Marshal\n got %s\nwant %s", b, wantJSON)
	}
	if got := jsonOf(t, mustMap(MapValue(nil))); got != "{}" {
		t.Errorf("MapValue(nil) = %s", got)
	}
	if String.String() != "string" || List.String() != "list" || MapKind.String() != "map" || Kind(7).String() != "Kind(7)" {
		t.Error("Kind.String")
	}
}

func mustMap(v Value) *Map { return v.Map() }
