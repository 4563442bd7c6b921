package paging

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
)

type position struct {
	At int64  `json:"a"`
	ID string `json:"i"`
}

func TestKeyRoundTrip(t *testing.T) {
	in := position{At: 1608111703000000, ID: "9deb936b"}
	key := Encode(in)
	var out position
	if err := Decode(key, &out); err != nil || out != in {
		t.Fatalf("Decode(Encode(%v)) = %v, %v", in, out, err)
	}
	if err := Decode(key+"==", &out); err != nil {
		t.Fatalf("padding refused: %v", err)
	}
}

func TestDecodeRefusesForeignKeys(t *testing.T) {
	for name, key := range map[string]string{
		"empty":          "",
		"not base64":     "!!!",
		"not JSON":       Encode("x")[:2] + "zz",
		"trailing data":  "eyJhIjoxfXt9", // {"a":1}{}
		"unknown field":  Encode(map[string]any{"a": 1, "x": 2}),
		"wrong type":     Encode(map[string]any{"a": "one"}),
		"a JSON string":  Encode("abc"),
		"too long":       string(make([]byte, MaxKeyLength+1)),
		"trailing space": Encode(position{At: 1}) + " ",
	} {
		var p position
		if err := Decode(key, &p); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("%s: Decode(%q) = %v, want ErrInvalidKey", name, key, err)
		}
	}
}

func TestNextURL(t *testing.T) {
	q := url.Values{"pageKey": {"k"}, "pageLimit": {"2"}}
	cases := []struct {
		name   string
		req    func() *http.Request
		expect string
	}{
		{"keeps the mount prefix of the request target", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "http://ignored/desk/v1/endusers?pageLimit=2", nil)
			r.Host = "127.0.0.1:8080"
			r.URL.Path = "/v1/endusers" // a handler stripped the prefix
			return r
		}, "http://127.0.0.1:8080/desk/v1/endusers?pageKey=k&pageLimit=2"},
		{"TLS", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/desk/v1/agents", nil)
			r.Host = "desk.example"
			r.TLS = &tls.ConnectionState{}
			return r
		}, "https://desk.example/desk/v1/agents?pageKey=k&pageLimit=2"},
		{"behind a proxy", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/desk/v1/agents", nil)
			r.Header.Set("X-Forwarded-Proto", "https, http")
			r.Header.Set("X-Forwarded-Host", "api.example:8443")
			return r
		}, "https://api.example:8443/desk/v1/agents?pageKey=k&pageLimit=2"},
		{"a forwarded host that could break the URL is ignored", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/desk/v1/agents", nil)
			r.Host = "good.example"
			r.Header.Set("X-Forwarded-Host", "evil.example/x?")
			r.Header.Set("X-Forwarded-Proto", "gopher")
			return r
		}, "http://good.example/desk/v1/agents?pageKey=k&pageLimit=2"},
		{"escaped path kept", func() *http.Request {
			r := httptest.NewRequest(http.MethodGet, "/desk/v1/endusers/a%2Fb/conversations", nil)
			r.Host = "h"
			return r
		}, "http://h/desk/v1/endusers/a%2Fb/conversations?pageKey=k&pageLimit=2"},
		{"client-side request without RequestURI", func() *http.Request {
			r, _ := http.NewRequest(http.MethodGet, "http://h/desk/v1/endusers", nil)
			return r
		}, "http://h/desk/v1/endusers?pageKey=k&pageLimit=2"},
	}
	for _, c := range cases {
		if got := NextURL(c.req(), q); got != c.expect {
			t.Errorf("%s: got %s, want %s", c.name, got, c.expect)
		}
	}
}
