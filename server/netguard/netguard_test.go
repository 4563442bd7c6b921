package netguard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8":                   true,
		"1.1.1.1":                   true,
		"93.184.216.34":             true,
		"2606:4700:4700::1111":      true,
		"2002:0808:0808::1":         true, // 6to4 of 8.8.8.8
		"64:ff9b::808:808":          true, // NAT64 of 8.8.8.8
		"127.0.0.1":                 false,
		"127.255.255.254":           false,
		"0.0.0.0":                   false,
		"10.1.2.3":                  false,
		"172.16.0.1":                false,
		"172.31.255.255":            false,
		"192.168.1.1":               false,
		"169.254.169.254":           false, // cloud metadata
		"100.64.0.1":                false,
		"100.127.255.255":           false,
		"192.0.0.8":                 false,
		"198.18.0.1":                false,
		"198.19.255.255":            false,
		"224.0.0.1":                 false,
		"239.255.255.250":           false,
		"240.0.0.1":                 false,
		"255.255.255.255":           false,
		"::":                        false,
		"::1":                       false,
		"::ffff:127.0.0.1":          false, // IPv4-mapped loopback
		"::ffff:169.254.169.254":    false,
		"::ffff:8.8.8.8":            true,
		"::127.0.0.1":               false, // IPv4-compatible
		"fc00::1":                   false,
		"fd12:3456::1":              false,
		"fe80::1":                   false,
		"fe80::1%eth0":              false,
		"ff02::1":                   false,
		"64:ff9b::7f00:1":           false, // NAT64 of 127.0.0.1
		"64:ff9b::a9fe:a9fe":        false, // NAT64 of 169.254.169.254
		"2002:7f00:0001::1":         false, // 6to4 of 127.0.0.1
		"2002:c0a8:0101::1":         false, // 6to4 of 192.168.1.1
		"2001:db8::1":               false,
		"2001:0:4136:e378::1":       false, // Teredo
		"fd00:ec2::254":             false, // AWS IPv6 metadata
		"172.15.255.255":            true,
		"172.32.0.0":                true,
		"100.128.0.0":               true,
		"11.0.0.1":                  true,
		"2a00:1450:4001:80b::200e":  true,
		"::ffff:100.64.0.1":         false,
		"::ffff:0:0":                false, // mapped 0.0.0.0
		"0.1.2.3":                   false,
		"192.0.2.5":                 false,
		"203.0.113.9":               false,
		"198.51.100.1":              false,
		"2001:4860:4860::8888":      true,
		"3fff::1":                   false,
		"64:ff9b:1::1":              false,
		"2002:0a00:0001::1":         false, // 6to4 of 10.0.0.1
		"2002:6440:0001::1":         false, // 6to4 of 100.64.0.1
		"2002:a9fe:a9fe::1":         false, // 6to4 of metadata
		"2001:20::1":                false,
		"2001:10::1":                false,
		"2003::1":                   true,
		"2400:cb00::1":              true,
		"2c0f:f248::1":              true,
		"4000::1":                   false,
		"8000::1":                   false,
		"100::1":                    false,
		"0100:0000:0000:0000::1":    false,
		"::ffff:203.0.113.1":        false,
		"::ffff:11.22.33.44":        true,
		"64:ff9b::0b16:212c":        true, // NAT64 of 11.22.33.44
		"2002:0b16:212c:0000::1":    true, // 6to4 of 11.22.33.44
		"2001:0db8:85a3::8a2e:0370": false,
	} {
		a := netip.MustParseAddr(addr)
		if got := Public(a); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestPolicyCheck(t *testing.T) {
	p := Policy{Allow: mustPrefixes("127.0.0.1/32", "10.20.0.0/16"), Ports: []int{80, 443}}
	cases := []struct {
		ap   string
		fail bool
	}{
		{"8.8.8.8:443", false},
		{"8.8.8.8:80", false},
		{"8.8.8.8:8080", true},          // port rule
		{"127.0.0.1:49152", false},      // allow-listed: any port
		{"[::ffff:127.0.0.1]:9", false}, // mapped form of an allow-listed address
		{"127.0.0.2:80", true},          // loopback, not allow-listed
		{"10.20.3.4:5432", false},       // allow-listed prefix
		{"10.21.0.1:80", true},          // private, outside the prefix
		{"169.254.169.254:80", true},
		{"[::1]:443", true},
	}
	for _, c := range cases {
		err := p.CheckAddrPort(netip.MustParseAddrPort(c.ap))
		if (err != nil) != c.fail {
			t.Errorf("CheckAddrPort(%s) = %v, want failure %v", c.ap, err, c.fail)
		}
		if err != nil && !Refused(err) {
			t.Errorf("CheckAddrPort(%s): %v does not wrap ErrRefused", c.ap, err)
		}
	}
}

func TestParsePrefixes(t *testing.T) {
	got, err := ParsePrefixes(" 127.0.0.1, 10.1.0.0/16,::1 ,, ::ffff:192.168.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := "[127.0.0.1/32 10.1.0.0/16 ::1/128 192.168.0.1/32]"
	if fmt.Sprint(got) != want {
		t.Errorf("ParsePrefixes = %v, want %v", got, want)
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "1.2.3"} {
		if _, err := ParsePrefixes(bad); err == nil {
			t.Errorf("ParsePrefixes(%q): no error", bad)
		}
	}
	if got, err := ParsePrefixes(""); err != nil || len(got) != 0 {
		t.Errorf("ParsePrefixes(\"\") = %v, %v", got, err)
	}
}

// A loopback server is refused without an allow-list and reached with one.
func TestClientLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()

	_, err := (Policy{}).Client(ClientOptions{Timeout: 2 * time.Second}).Get(srv.URL)
	if !Refused(err) {
		t.Fatalf("loopback without allow-list: err = %v, want a refusal", err)
	}

	allowed := Policy{Allow: mustPrefixes("127.0.0.1/32"), Ports: []int{80, 443}}
	resp, err := allowed.Client(ClientOptions{Timeout: 2 * time.Second}).Get(srv.URL)
	if err != nil {
		t.Fatalf("allow-listed loopback: %v", err)
	}
	b, err := ReadLimited(resp, 10)
	if err != nil || string(b) != "ok" {
		t.Fatalf("body = %q, %v", b, err)
	}
}

// A name resolving to a private address is refused at connect time: the check sees the
// resolved address, not the name.
func TestClientResolvedName(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	_, port, _ := net.SplitHostPort(u.Host)
	_, err := (Policy{}).Client(ClientOptions{Timeout: 2 * time.Second}).Get("http://localhost:" + port + "/")
	if !Refused(err) {
		t.Fatalf("localhost: err = %v, want a refusal", err)
	}
}

// Every redirect is re-checked: an allow-listed server redirecting to a refused address fails;
// the number of redirects is bounded; at MaxRedirects 0 the 3xx comes back as it is.
func TestClientRedirects(t *testing.T) {
	var hops int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case "/loop":
			hops++
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/once":
			http.Redirect(w, r, "/done", http.StatusFound)
		default:
			fmt.Fprint(w, "done")
		}
	}))
	defer srv.Close()
	p := Policy{Allow: mustPrefixes("127.0.0.1/32")}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := p.Client(ClientOptions{Timeout: 2 * time.Second, MaxRedirects: 3})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/metadata", nil)
	if _, err := c.Do(req); !Refused(err) {
		t.Errorf("redirect to metadata: err = %v, want a refusal", err)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/loop", nil)
	if _, err := c.Do(req); !Refused(err) || hops != 4 {
		t.Errorf("redirect loop: err = %v after %d hops, want a refusal after 4", err, hops)
	}
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/once", nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("one redirect: %v", err)
	}
	if b, _ := ReadLimited(resp, 100); string(b) != "done" {
		t.Errorf("one redirect: body %q", b)
	}

	noFollow := p.Client(ClientOptions{Timeout: 2 * time.Second})
	req, _ = http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/once", nil)
	resp, err = noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("MaxRedirects 0: status %d, want 302", resp.StatusCode)
	}
}

func TestClientSchemesAndUserInfo(t *testing.T) {
	c := (Policy{Allow: mustPrefixes("127.0.0.1/32")}).Client(ClientOptions{})
	for _, u := range []string{"ftp://127.0.0.1/x", "file:///etc/passwd", "http://user:pw@127.0.0.1/"} {
		if _, err := c.Get(u); !Refused(err) {
			t.Errorf("GET %s: err = %v, want a refusal", u, err)
		}
	}
}

func TestReadLimited(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("chunked") {
			w.(http.Flusher).Flush() // no Content-Length
		}
		fmt.Fprint(w, strings.Repeat("x", 100))
	}))
	defer srv.Close()
	c := (Policy{Allow: mustPrefixes("127.0.0.1/32")}).Client(ClientOptions{})
	for _, q := range []string{"", "?chunked=1"} {
		resp, err := c.Get(srv.URL + q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ReadLimited(resp, 99); !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want ErrTooLarge", q, err)
		}
		resp, _ = c.Get(srv.URL + q)
		if b, err := ReadLimited(resp, 100); err != nil || len(b) != 100 {
			t.Errorf("%s: %d bytes, %v", q, len(b), err)
		}
	}
}
