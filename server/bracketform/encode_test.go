package bracketform

import "testing"

func TestEncodeURL(t *testing.T) {
	tests := []struct {
		name string
		body string // a form body to parse
		want string
	}{
		{name: "seed", body: seedBody,
			want: "text=sample%20question%20detailed%20description&emailAddress=user%40example.com&fullname=Joe%20User&helpDeskId=123456789&metadata[Operating%20System]=iOS%208.1&metadata[Browser]=Safari&metadata[Account][Creation%20Date]=2016-06-06%2011%3A34%3A00&metadata[Account][Worth]=1000000"},
		{name: "delimiters inside names and values",
			body: "a%3Bb%26c%3Dd%2Be=%3B%26%3D%2B%5B%5D%25&m[x%20y.z_w~v-u]=%C3%A9",
			want: "a%3Bb%26c%3Dd%2Be=%3B%26%3D%2B%5B%5D%25&m[x%20y.z_w~v-u]=%C3%A9"},
		{name: "lists", body: "l[]=1&l[]=2&x[][k]=1&x[][j]=2&x[][k]=3&x[]=s&y[][]=1&y[][]=2",
			want: "l[]=1&l[]=2&x[][k]=1&x[][j]=2&x[][k]=3&x[]=s&y[][]=1&y[][]=2"},
		{name: "order is first appearance", body: "b=1&a[y]=2&a[x]=3&b=4&a[y]=5",
			want: "b=4&a[y]=5&a[x]=3"},
		{name: "empty", body: "", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseURLEncoded([]byte(tc.body), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := m.EncodeURL(); got != tc.want {
				t.Errorf("EncodeURL\n got %s\nwant %s", got, tc.want)
			}
			checkRoundTrip(t, m)
		})
	}
}

// Trees without a bracket form: EncodeURL leaves out the parts that can't
// be expressed, and what it writes decodes to the rest.
func TestEncodeURLLeavesOut(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{name: "empty map and list", json: `{"e":{},"l":[],"m":{"x":{},"y":[[]]},"s":"1"}`, want: "s=1"},
		{name: "list of lists with more than one string", json: `{"x":[["1","2"],["3"],[{"k":"1","j":"2"}],[[{"k":"4"}]]]}`,
			want: "x[][]=3&x[][][][k]=4"},
		{name: "map element that would merge", json: `{"x":[{"a":"1"},{"b":"2"},{"a":"3"}]}`, want: "x[][a]=1&x[][a]=3"},
		{name: "map element whose first path is a list", json: `{"x":[{"a":["1"]},{"a":["2"]}]}`, want: "x[][a][]=1"},
		{name: "a string between map elements separates them", json: `{"x":[{"a":["1"]},"s",{"a":["2"]}]}`,
			want: "x[][a][]=1&x[]=s&x[][a][]=2"},
		{name: "first path skips empty parts", json: `{"x":[{"a":{"b":"1"}},{"a":{"e":{},"b":"2"}}]}`,
			want: "x[][a][b]=1&x[][a][b]=2"},
		{name: "empty element is not the element before", json: `{"x":[{"a":"1"},{},{"b":"2"}]}`, want: "x[][a]=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseJSONObject([]byte(tc.json), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := m.EncodeURL(); got != tc.want {
				t.Errorf("EncodeURL\n got %s\nwant %s", got, tc.want)
			}
			checkPrunedRoundTrip(t, m)
		})
	}

	t.Run("hand-built names and values", func(t *testing.T) {
		m := NewMap()
		inner := NewMap()
		inner.Set("", StringValue("empty name"))
		inner.Set("a[b]", StringValue("brackets"))
		inner.Set("\xff", StringValue("bad name"))
		inner.Set("bad", StringValue("\xff"))
		inner.Set("ok", StringValue("1"))
		m.Set("m", MapValue(inner))
		m.Set("", StringValue("x"))
		m.Set("l", ListValue(StringValue("\xc3"), ListValue(), MapValue(nil), StringValue("2")))
		if got, want := m.EncodeURL(), "m[ok]=1&l[]=2"; got != want {
			t.Errorf("EncodeURL = %s, want %s", got, want)
		}
		checkPrunedRoundTrip(t, m)
	})
}
