package bracketform

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// The seed sample, verbatim as curl --data sends it: raw spaces, raw "@".
const seedBody = "text=sample question detailed description&emailAddress=user@example.com&fullname=Joe User&helpDeskId=123456789&metadata[Operating+System]=iOS+8.1&metadata[Browser]=Safari&metadata[Account][Creation Date]=2016-06-06 11:34:00&metadata[Account][Worth]=1000000"

// The same body with everything escaped.
const seedBodyEscaped = "text=sample%20question%20detailed%20description&emailAddress=user%40example.com&fullname=Joe%20User&helpDeskId=123456789&metadata%5BOperating%20System%5D=iOS%208.1&metadata%5BBrowser%5D=Safari&metadata%5BAccount%5D%5BCreation%20Date%5D=2016-06-06%2011%3A34%3A00&metadata%5BAccount%5D%5BWorth%5D=1000000"

const seedMetadata = `{"Operating System":"iOS 8.1","Browser":"Safari","Account":{"Creation Date":"2016-06-06 11:34:00","Worth":"1000000"}}`

const seedJSON = `{"text":"sample question detailed description","emailAddress":"user@example.com","fullname":"Joe User","helpDeskId":"123456789","metadata":` + seedMetadata + `}`

type urlCase struct {
	name string
	body string
	want string // the result as JSON, when there is no error
	err  string // the exact error message, if any
}

var urlCases = []urlCase{
	// The rows of the reference table.
	{name: "text value", body: "metadata[Browser]=Safari", want: `{"metadata":{"Browser":"Safari"}}`},
	{name: "generic over keys", body: "text=hi&metadata[a]=1", want: `{"text":"hi","metadata":{"a":"1"}}`},
	{name: "nested maps", body: "metadata[Account][Worth]=1000000", want: `{"metadata":{"Account":{"Worth":"1000000"}}}`},
	{name: "list", body: "metadata[tags][]=a&metadata[tags][]=b", want: `{"metadata":{"tags":["a","b"]}}`},
	{name: "list of maps: repeated key starts an element", body: "metadata[x][][k]=1&metadata[x][][k]=2", want: `{"metadata":{"x":[{"k":"1"},{"k":"2"}]}}`},
	{name: "list of maps: new key joins the last element", body: "metadata[x][][k]=1&metadata[x][][j]=2", want: `{"metadata":{"x":[{"k":"1","j":"2"}]}}`},
	{name: "numeric segments make a map", body: "metadata[l][0]=a&metadata[l][1]=b", want: `{"metadata":{"l":{"0":"a","1":"b"}}}`},
	{name: "last wins", body: "metadata[x]=1&metadata[x]=2", want: `{"metadata":{"x":"2"}}`},
	{name: "last wins, first position", body: "metadata[x]=1&metadata[y]=3&metadata[x]=2", want: `{"metadata":{"x":"2","y":"3"}}`},
	{name: "top-level last wins, first position", body: "a=1&b=2&a=3", want: `{"a":"3","b":"2"}`},
	{name: "empty value", body: "metadata[x]=", want: `{"metadata":{"x":""}}`},
	{name: "top-level list", body: "a[]=1&a[]=2", want: `{"a":["1","2"]}`},

	// Rack's rule in more depth.
	{name: "list of maps, two elements", body: "x[][k]=1&x[][j]=2&x[][k]=3&x[][j]=4", want: `{"x":[{"k":"1","j":"2"},{"k":"3","j":"4"}]}`},
	{name: "whole path counts", body: "x[][a][b]=1&x[][a][c]=2", want: `{"x":[{"a":{"b":"1","c":"2"}}]}`},
	{name: "whole path repeated", body: "x[][a][b]=1&x[][a][b]=2", want: `{"x":[{"a":{"b":"1"}},{"a":{"b":"2"}}]}`},
	{name: "list inside an element merges", body: "x[][a][]=1&x[][a][]=2", want: `{"x":[{"a":["1","2"]}]}`},
	{name: "lists of maps inside a list of maps", body: "x[][a][][k]=1&x[][a][][k]=2&x[][b]=3&x[][b]=4", want: `{"x":[{"a":[{"k":"1"},{"k":"2"}],"b":"3"},{"b":"4"}]}`},
	{name: "strings between map elements", body: "x[][k]=1&x[]=s&x[][k]=2", want: `{"x":[{"k":"1"},"s",{"k":"2"}]}`},
	{name: "map element after a string", body: "x[]=s&x[][k]=1&x[][j]=2", want: `{"x":["s",{"k":"1","j":"2"}]}`},
	{name: "list of lists", body: "x[][]=1&x[][]=2", want: `{"x":[["1"],["2"]]}`},
	{name: "list of lists of maps", body: "x[][][k]=1&x[][][j]=2", want: `{"x":[[{"k":"1"}],[{"j":"2"}]]}`},

	// Decoding.
	{name: "no equals sign", body: "metadata[x]&a", want: `{"metadata":{"x":""},"a":""}`},
	{name: "split at the first equals sign", body: "a==b=c", want: `{"a":"=b=c"}`},
	{name: "empty pairs are skipped", body: "a=1&&b=2&", want: `{"a":"1","b":"2"}`},
	{name: "only ampersands", body: "&&&", want: `{}`},
	{name: "empty body", body: "", want: `{}`},
	{name: "semicolon is ordinary", body: "a=1;b=2&c;d=3", want: `{"a":"1;b=2","c;d":"3"}`},
	{name: "plus is a space", body: "a+b[c+d]=e+f", want: `{"a b":{"c d":"e f"}}`},
	{name: "escaped plus stays a plus", body: "a%2Bb=c%2Bd", want: `{"a+b":"c+d"}`},
	{name: "escaped brackets", body: "metadata%5Ba%5D%5B%5D=1", want: `{"metadata":{"a":["1"]}}`},
	{name: "lowercase escapes", body: "metadata%5ba%5d=%c3%a9", want: `{"metadata":{"a":"é"}}`},
	{name: "spaces and dots in segments", body: "metadata[v1.2 beta]=x y", want: `{"metadata":{"v1.2 beta":"x y"}}`},
	{name: "raw at sign", body: "emailAddress=user@example.com", want: `{"emailAddress":"user@example.com"}`},
	{name: "escaped delimiters in a value", body: "a=x%26y%3Dz%3B", want: `{"a":"x\u0026y=z;"}`},
	{name: "raw UTF-8", body: "m[ключ]=значение", want: `{"m":{"ключ":"значение"}}`},
	{name: "no type conversion", body: "n=1&b=true&z=null", want: `{"n":"1","b":"true","z":"null"}`},

	// Conflicts.
	{name: "value then map", body: "metadata[a]=1&metadata[a][b]=2", err: `key "metadata[a][b]": "metadata[a]" is both a value and a map`},
	{name: "map then value", body: "metadata[a][b]=2&metadata[a]=1", err: `key "metadata[a]": "metadata[a]" is both a value and a map`},
	{name: "list then map", body: "a[]=1&a[b]=2", err: `key "a[b]": "a" is both a list and a map`},
	{name: "map then list", body: "a[b]=1&a[]=2", err: `key "a[]": "a" is both a list and a map`},
	{name: "value then list", body: "a=1&a[]=2", err: `key "a[]": "a" is both a value and a list`},
	{name: "list then value", body: "a[]=1&a=2", err: `key "a": "a" is both a value and a list`},
	{name: "value then map in a list element", body: "x[][k]=1&x[][k][z]=2", err: `key "x[][k][z]": "x[][k]" is both a value and a map`},
	{name: "list then map in a list element", body: "x[][k][]=1&x[][k][z]=2", err: `key "x[][k][z]": "x[][k]" is both a list and a map`},

	// Malformed keys.
	{name: "missing ]", body: "metadata[a=1", err: `malformed key "metadata[a": missing "]"`},
	{name: "missing ] without value", body: "metadata[a", err: `malformed key "metadata[a": missing "]"`},
	{name: "text after ]", body: "metadata[a]b=1", err: `malformed key "metadata[a]b": expected "[" after "]"`},
	{name: "double ]", body: "metadata[a]]=1", err: `malformed key "metadata[a]]": expected "[" after "]"`},
	{name: "double ] and text", body: "metadata[a]]b=1", err: `malformed key "metadata[a]]b": expected "[" after "]"`},
	{name: "text after []", body: "metadata[]x=1", err: `malformed key "metadata[]x": expected "[" after "]"`},
	{name: "empty name", body: "[a]=1", err: `malformed key "[a]": empty name`},
	{name: "empty key", body: "a=1&=2", err: `malformed key "": empty name`},
	{name: "stray ]", body: "a]=1", err: `malformed key "a]": unexpected "]"`},
	{name: "[ inside brackets", body: "a[b[c]]=1", err: `malformed key "a[b[c]]": unexpected "[" inside brackets`},
	{name: "escaped [ in a name", body: "a%5Bb=1", err: `malformed key "a[b": missing "]"`},

	// Bad escapes and bad UTF-8.
	{name: "bad escape in key", body: "a%zz=1", err: `invalid percent-encoding in key "a%zz"`},
	{name: "short escape in value", body: "a=%4", err: `invalid percent-encoding in value of key "a"`},
	{name: "lone percent", body: "a[b c]=%", err: `invalid percent-encoding in value of key "a[b c]"`},
	{name: "bad escape in value", body: "a=%G0", err: `invalid percent-encoding in value of key "a"`},
	{name: "invalid UTF-8 in key", body: "%FF=1", err: `invalid UTF-8 in key "\xff"`},
	{name: "invalid UTF-8 in value", body: "a=%C3", err: `invalid UTF-8 in value of key "a"`},
	{name: "raw invalid UTF-8", body: "a=\xff", err: `invalid UTF-8 in value of key "a"`},
}

func TestParseURLEncoded(t *testing.T) {
	for _, tc := range urlCases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParseURLEncoded([]byte(tc.body), DefaultLimits)
			if tc.err != "" {
				checkErr(t, err, tc.err, ErrMalformed)
				return
			}
			if err != nil {
				t.Fatalf("ParseURLEncoded(%q): %v", tc.body, err)
			}
			if got := jsonOf(t, m); got != tc.want {
				t.Errorf("ParseURLEncoded(%q)\n got %s\nwant %s", tc.body, got, tc.want)
			}
			checkRoundTrip(t, m)
		})
	}
}

func TestSeedBody(t *testing.T) {
	for _, body := range []string{seedBody, seedBodyEscaped} {
		m, err := ParseURLEncoded([]byte(body), Limits{})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := jsonOf(t, m), seedJSON; got != want {
			t.Errorf("ParseURLEncoded(%q)\n got %s\nwant %s", body, got, want)
		}
		md, _ := m.Get("metadata")
		b, err := md.Map().MarshalJSON()
		if err != nil || string(b) != seedMetadata {
			t.Errorf("metadata MarshalJSON = %s, %v; want %s", b, err, seedMetadata)
		}
		if got := strings.Join(md.Map().Keys(), "|"); got != "Operating System|Browser|Account" {
			t.Errorf("metadata keys = %s", got)
		}
		checkRoundTrip(t, m)
	}
}

func TestParsePairs(t *testing.T) {
	tests := []struct {
		name  string
		pairs []Pair
		lim   Limits
		want  string
		err   string
		is    error
	}{
		{name: "not decoded again", pairs: []Pair{{"metadata[a%20b]", "x+y%20"}, {"text", "hi"}},
			want: `{"metadata":{"a%20b":"x+y%20"},"text":"hi"}`},
		{name: "seed as multipart", pairs: []Pair{{"text", "sample question detailed description"},
			{"emailAddress", "user@example.com"}, {"fullname", "Joe User"}, {"helpDeskId", "123456789"},
			{"metadata[Operating System]", "iOS 8.1"}, {"metadata[Browser]", "Safari"},
			{"metadata[Account][Creation Date]", "2016-06-06 11:34:00"}, {"metadata[Account][Worth]", "1000000"}},
			want: seedJSON},
		{name: "same tree rules", pairs: []Pair{{"x[][k]", "1"}, {"x[][k]", "2"}, {"x[][j]", "3"}},
			want: `{"x":[{"k":"1"},{"k":"2","j":"3"}]}`},
		{name: "empty key", pairs: []Pair{{"", "x"}}, err: `malformed key "": empty name`, is: ErrMalformed},
		{name: "conflict", pairs: []Pair{{"a", "1"}, {"a[b]", "2"}}, err: `key "a[b]": "a" is both a value and a map`, is: ErrMalformed},
		{name: "invalid UTF-8", pairs: []Pair{{"a", "\xc3"}}, err: `invalid UTF-8 in value of key "a"`, is: ErrMalformed},
		{name: "bytes at limit", pairs: []Pair{{"abc", "de"}, {"fgh", "ij"}}, lim: Limits{MaxBytes: 10},
			want: `{"abc":"de","fgh":"ij"}`},
		{name: "bytes over limit", pairs: []Pair{{"abc", "de"}, {"fgh", "ijk"}}, lim: Limits{MaxBytes: 10},
			err: "body too large: more than 10 bytes", is: ErrLimit},
		{name: "pairs over limit", pairs: []Pair{{"a", ""}, {"b", ""}, {"c", ""}}, lim: Limits{MaxPairs: 2},
			err: "too many fields: more than 2", is: ErrLimit},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ParsePairs(tc.pairs, tc.lim)
			if tc.err != "" {
				checkErr(t, err, tc.err, tc.is)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := jsonOf(t, m); got != tc.want {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	rep := strings.Repeat
	pairs := func(n int, format string) string {
		s := make([]string, n)
		for i := range s {
			s[i] = fmt.Sprintf(format, i)
		}
		return strings.Join(s, "&")
	}
	const MiB = 1 << 20
	tests := []struct {
		name string
		body string
		lim  Limits
		err  string // "" when the body is within the limits
	}{
		{name: "bytes at limit", body: "a=1" + rep("&", MiB-3)},
		{name: "bytes over limit", body: "a=1" + rep("&", MiB-2), err: "body too large: more than 1048576 bytes"},
		{name: "pairs at limit", body: pairs(1000, "k%d=v")},
		{name: "pairs over limit", body: pairs(1001, "k%d=v"), err: "too many fields: more than 1000"},
		{name: "repeated keys count as pairs", body: pairs(1001, "k=%d"), err: "too many fields: more than 1000"},
		{name: "depth at limit", body: "a" + rep("[b]", 32) + "=1"},
		{name: "depth over limit", body: "a" + rep("[b]", 33) + "=1",
			err: `key "a` + rep("[b]", 33) + `": too deeply nested: more than 32 levels`},
		{name: "list depth at limit", body: "a" + rep("[]", 32) + "=1"},
		{name: "list depth over limit", body: "a" + rep("[]", 33) + "=1",
			err: `key "a` + rep("[]", 33) + `": too deeply nested: more than 32 levels`},
		{name: "nested leaves at limit", body: pairs(200, "m[k%d]=v")},
		{name: "nested leaves over limit", body: pairs(201, "m[k%d]=v"), err: `key "m[k200]": too many nested values: more than 200`},
		{name: "nested list leaves over limit", body: pairs(201, "m[]=%d"), err: `key "m[]": too many nested values: more than 200`},
		{name: "nested leaves spread over names", body: pairs(100, "a[k%d]=v") + "&" + pairs(101, "b[][k]=%d"),
			err: `key "b[][k]": too many nested values: more than 200`},
		{name: "overwritten leaves count once", body: pairs(200, "m[k%d]=v") + "&" + pairs(500, "m[k1]=%d")},
		{name: "top-level values are not nested", body: pairs(200, "m[k%d]=v") + "&" + pairs(700, "t%d=v")},
		{name: "name at limit", body: rep("n", 256) + "=1"},
		{name: "name over limit", body: rep("n", 257) + "=1",
			err: `key "` + rep("n", 200) + `"...: segment too long: more than 256 characters`},
		{name: "segment at limit", body: "m[" + rep("s", 256) + "]=1"},
		{name: "segment over limit", body: "m[" + rep("s", 257) + "]=1",
			err: `key "m[` + rep("s", 198) + `"...: segment too long: more than 256 characters`},
		{name: "segment counts characters", body: "m[" + rep("é", 256) + "]=1"},
		{name: "segment over limit in characters", body: "m[" + rep("é", 257) + "]=1",
			err: `key "m[` + rep("é", 99) + `"...: segment too long: more than 256 characters`},
		{name: "value at limit", body: "v=" + rep("x", 10000)},
		{name: "value over limit", body: "v=" + rep("x", 10001), err: `value of key "v": too long: more than 10000 characters`},
		{name: "value counts characters", body: "v=" + rep("%C3%A9", 10000)},
		{name: "value over limit in characters", body: "v=" + rep("é", 10001), err: `value of key "v": too long: more than 10000 characters`},
		{name: "custom limit", body: "a=1&b=2&c=3", lim: Limits{MaxPairs: 2}, err: "too many fields: more than 2"},
		{name: "negative means default", body: pairs(1000, "k%d=v"), lim: Limits{MaxPairs: -1}},
		{name: "custom depth", body: "a[b][c]=1", lim: Limits{MaxDepth: 1}, err: `key "a[b][c]": too deeply nested: more than 1 levels`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseURLEncoded([]byte(tc.body), tc.lim)
			if tc.err == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			checkErr(t, err, tc.err, ErrLimit)
		})
	}
}

func TestErrorType(t *testing.T) {
	_, err := ParseURLEncoded([]byte("metadata[a"), Limits{})
	var e *Error
	if !errors.As(err, &e) || e.Key != "metadata[a" || e.Reason != `missing "]"` || e.Err != ErrMalformed {
		t.Fatalf("got %#v", err)
	}
	if errors.Is(err, ErrLimit) {
		t.Error("a malformed key matches ErrLimit")
	}
	if got := (&Error{Key: "k", Reason: "r"}).Error(); got != `key "k": r` {
		t.Errorf("hand-built Error = %q", got)
	}
	if got := (&Error{Reason: "r"}).Error(); got != "r" {
		t.Errorf("body Error = %q", got)
	}
}

func checkErr(t *testing.T, err error, msg string, is error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want %q", msg)
	}
	if err.Error() != msg {
		t.Errorf("error\n got %q\nwant %q", err.Error(), msg)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Errorf("error %T is not an *Error", err)
	}
	if !errors.Is(err, is) {
		t.Errorf("errors.Is(%v, %v) is false", err, is)
	}
}

func jsonOf(t testing.TB, m *Map) string {
	t.Helper()
	b, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkRoundTrip checks that a tree from ParseURLEncoded survives EncodeURL.
func checkRoundTrip(t testing.TB, m *Map) {
	t.Helper()
	enc := m.EncodeURL()
	back, err := ParseURLEncoded([]byte(enc), Limits{MaxBytes: 1 << 30})
	if err != nil {
		t.Fatalf("ParseURLEncoded(EncodeURL) = %v\nencoded: %q", err, enc)
	}
	if !back.Equal(m) {
		t.Fatalf("round trip changed the tree\n got %s\nwant %s\nencoded: %q", jsonOf(t, back), jsonOf(t, m), enc)
	}
	if again := back.EncodeURL(); again != enc {
		t.Fatalf("EncodeURL is not canonical: %q then %q", enc, again)
	}
}

func BenchmarkParseURLEncoded(b *testing.B) {
	body := []byte(seedBody)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseURLEncoded(body, DefaultLimits); err != nil {
			b.Fatal(err)
		}
	}
}
