package bracketform

import (
	"strings"
	"testing"
)

type jsonCase struct {
	name string
	body string
	lim  Limits
	want string // the result as JSON, when there is no error
	err  string // the exact error message, if any
	is   error  // ErrMalformed when nil
}

var jsonCases = []jsonCase{
	{name: "order kept", body: `{"text":"hi","metadata":{"b":"1","a":"2"}}`, want: `{"text":"hi","metadata":{"b":"1","a":"2"}}`},
	{name: "duplicate names: last wins, first position", body: `{"a":"1","b":"2","a":"3"}`, want: `{"a":"3","b":"2"}`},
	{name: "duplicate objects are replaced, not merged", body: `{"m":{"x":"1"},"m":{"y":"2"}}`, want: `{"m":{"y":"2"}}`},
	{name: "numbers keep their text", body: `{"n":1.50,"e":1E3,"z":-0,"big":123456789012345678901234567890}`,
		want: `{"n":"1.50","e":"1E3","z":"-0","big":"123456789012345678901234567890"}`},
	{name: "booleans", body: `{"t":true,"f":false}`, want: `{"t":"true","f":"false"}`},
	{name: "null drops the entry", body: `{"a":null,"b":"1"}`, want: `{"b":"1"}`},
	{name: "null removes an earlier entry", body: `{"a":"1","b":"2","a":null}`, want: `{"b":"2"}`},
	{name: "null in an array is dropped", body: `{"l":[1,null,"2"]}`, want: `{"l":["1","2"]}`},
	{name: "null leaves an empty object", body: `{"m":{"x":null}}`, want: `{"m":{}}`},
	{name: "arrays", body: `{"l":[["a"],{"k":"v"},"s"]}`, want: `{"l":[["a"],{"k":"v"},"s"]}`},
	{name: "empty object and array", body: ` { "e" : { } , "l" : [ ] } `, want: `{"e":{},"l":[]}`},
	{name: "empty body object", body: `{}`, want: `{}`},
	{name: "escapes", body: `{"a\u0020b":"\u00e9\n\""}`, want: `{"a b":"é\n\""}`},
	{name: "seed", body: seedJSON, want: seedJSON},

	{name: "array at top", body: `["a"]`, err: "JSON body must be an object"},
	{name: "string at top", body: `"a"`, err: "JSON body must be an object"},
	{name: "null at top", body: `null`, err: "JSON body must be an object"},
	{name: "empty", body: ``, err: "invalid JSON: unexpected end of input"},
	{name: "truncated", body: `{"a":"1"`, err: "invalid JSON: unexpected end of input"},
	{name: "truncated in array", body: `{"a":[1,`, err: "invalid JSON: unexpected end of input"},
	{name: "trailing object", body: `{"a":"1"}{}`, err: "invalid JSON: unexpected data after the top-level object"},
	{name: "trailing garbage", body: `{"a":"1"} x`, err: "invalid JSON: invalid character 'x' looking for beginning of value"},
	{name: "missing value", body: `{"a":}`, err: "invalid JSON: invalid character '}' looking for beginning of value"},
	{name: "mismatched close", body: `{"a":[1}`, err: "invalid JSON: invalid character '}' after array element"},
	{name: "invalid UTF-8", body: "{\"a\":\"\xff\"}", err: "invalid UTF-8 in JSON body"},
	{name: "empty member name", body: `{"":"1"}`, err: `malformed key "": empty member name`},
	{name: "nested empty member name", body: `{"m":{"":"1"}}`, err: `malformed key "m[]": empty member name`},
	{name: "bracket in member name", body: `{"m":{"a[b]":"1"}}`, err: `malformed key "m[a[b]]": member name contains "[" or "]"`},
	{name: "bracket in member name in array", body: `{"m":[{"]":"1"}]}`, err: `malformed key "m[][]]": member name contains "[" or "]"`},

	{name: "bytes over limit", body: `{"a":"12"}`, lim: Limits{MaxBytes: 9}, err: "body too large: more than 9 bytes", is: ErrLimit},
	{name: "bytes at limit", body: `{"a":"1"}`, lim: Limits{MaxBytes: 9}, want: `{"a":"1"}`},
	{name: "depth at limit", body: `{"a":` + strings.Repeat(`{"b":`, 32) + `"1"` + strings.Repeat(`}`, 33),
		want: `{"a":` + strings.Repeat(`{"b":`, 32) + `"1"` + strings.Repeat(`}`, 33)},
	{name: "empty object at depth limit", body: `{"a":` + strings.Repeat(`[`, 32) + `{}` + strings.Repeat(`]`, 32) + `}`,
		want: `{"a":` + strings.Repeat(`[`, 32) + `{}` + strings.Repeat(`]`, 32) + `}`},
	{name: "depth over limit", body: `{"a":` + strings.Repeat(`{"b":`, 33) + `"1"` + strings.Repeat(`}`, 34),
		err: `key "a` + strings.Repeat("[b]", 33) + `": too deeply nested: more than 32 levels`, is: ErrLimit},
	{name: "array depth over limit", body: `{"a":` + strings.Repeat(`[`, 33) + `1` + strings.Repeat(`]`, 33) + `}`,
		err: `key "a` + strings.Repeat("[]", 33) + `": too deeply nested: more than 32 levels`, is: ErrLimit},
	{name: "nested leaves at limit", body: `{"m":[` + strings.Repeat(`"x",`, 199) + `"x"]}`,
		want: `{"m":[` + strings.Repeat(`"x",`, 199) + `"x"]}`},
	{name: "nested leaves over limit", body: `{"m":[` + strings.Repeat(`"x",`, 200) + `"x"]}`,
		err: `key "m[]": too many nested values: more than 200`, is: ErrLimit},
	{name: "empty containers are leaves", body: `{"m":[` + strings.Repeat(`{},[],`, 100) + `{}]}`,
		err: `key "m[]": too many nested values: more than 200`, is: ErrLimit},
	{name: "duplicates count every time", body: `{"m":{` + strings.Repeat(`"k":"v",`, 200) + `"k":"v"}}`,
		err: `key "m[k]": too many nested values: more than 200`, is: ErrLimit},
	{name: "fields at limit", body: `{` + strings.Repeat(`"k":1,`, 999) + `"k":1}`, want: `{"k":"1"}`},
	{name: "fields over limit", body: `{` + strings.Repeat(`"k":1,`, 1000) + `"k":1}`,
		err: "too many fields: more than 1000", is: ErrLimit},
	{name: "member name at limit", body: `{"` + strings.Repeat("é", 256) + `":"1"}`,
		want: `{"` + strings.Repeat("é", 256) + `":"1"}`},
	{name: "member name over limit", body: `{"m":{"` + strings.Repeat("n", 257) + `":"1"}}`,
		err: `key "m[` + strings.Repeat("n", 198) + `"...: segment too long: more than 256 characters`, is: ErrLimit},
	{name: "value at limit", body: `{"v":"` + strings.Repeat("é", 10000) + `"}`,
		want: `{"v":"` + strings.Repeat("é", 10000) + `"}`},
	{name: "value over limit", body: `{"m":{"v":"` + strings.Repeat("x", 10001) + `"}}`,
		err: `value of key "m[v]": too long: more than 10000 characters`, is: ErrLimit},
	{name: "number over limit", body: `{"v":1` + strings.Repeat("0", 10000) + `}`,
		err: `value of key "v": too long: more than 10000 characters`, is: ErrLimit},
}

func TestParseJSONObject(t *testing.T) {
	for _, tc := range jsonCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseJSONObject([]byte(tc.body), tc.lim)
			if tc.err != "" {
				is := tc.is
				if is == nil {
					is = ErrMalformed
				}
				checkErr(t, err, tc.err, is)
				return
			}
			if err != nil {
				t.Fatalf("ParseJSONObject: %v", err)
			}
			if got := jsonOf(t, m); got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
			checkPrunedRoundTrip(t, m)
		})
	}
}

// A JSON body and the form body of the seed sample give the same tree.
func TestJSONMatchesForm(t *testing.T) {
	fromJSON, err := ParseJSONObject([]byte(seedJSON), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	fromForm, err := ParseURLEncoded([]byte(seedBody), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if !fromJSON.Equal(fromForm) {
		t.Errorf("JSON %s\nform %s", jsonOf(t, fromJSON), jsonOf(t, fromForm))
	}
}

// checkPrunedRoundTrip checks EncodeURL's promise for any tree: the output
// decodes to the tree without the parts that have no bracket form.
func checkPrunedRoundTrip(t testing.TB, m *Map) {
	t.Helper()
	enc := m.EncodeURL()
	back, err := ParseURLEncoded([]byte(enc), Limits{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatalf("ParseURLEncoded(EncodeURL) = %v\nencoded: %q", err, enc)
	}
	if want := pruneMap(m); !back.Equal(want) {
		t.Fatalf("round trip\n got %s\nwant %s\nencoded: %q", jsonOf(t, back), jsonOf(t, want), enc)
	}
	if again := back.EncodeURL(); again != enc {
		t.Fatalf("EncodeURL is not canonical: %q then %q", enc, again)
	}
}
