// Package netguard makes outbound HTTP requests to addresses a client chose (webhook URLs,
// attachment URLs) without letting that client reach the server's own network: loopback,
// private, link-local (cloud metadata), carrier-grade NAT, multicast and other non-public
// addresses are refused when the connection is made, after DNS resolution, so a name that
// resolves to a public address once and a private one later (DNS rebinding) gains nothing.
//
// An operator may allow-list prefixes (a test's loopback receiver, an intranet webhook target);
// an allow-listed address is reachable on any port.
package netguard

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ErrRefused is wrapped by every error caused by the policy (a refused address, port, scheme or
// redirect), as opposed to the target failing.
var ErrRefused = errors.New("netguard: refused")

// ErrTooLarge is returned by ReadLimited when the body exceeds its limit.
var ErrTooLarge = errors.New("netguard: response body too large")

// Policy says which addresses outbound connections may reach. The zero Policy reaches public
// unicast addresses on any port.
type Policy struct {
	Allow []netip.Prefix // reachable even though non-public, on any port
	Ports []int          // when not empty, the only ports a non-allow-listed address may use
}

// refused lists the ranges no outbound connection may reach unless allow-listed (besides IPv6
// outside 2000::/3). IPv4-mapped IPv6 addresses are unmapped before the check; NAT64 and 6to4
// addresses are checked by the IPv4 address they embed.
var refused = mustPrefixes(
	"0.0.0.0/8",       // "this network"
	"10.0.0.0/8",      // private
	"100.64.0.0/10",   // carrier-grade NAT
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata (169.254.169.254)
	"172.16.0.0/12",   // private
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation
	"192.168.0.0/16",  // private
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and broadcast
	// IPv6 outside global unicast 2000::/3 is refused wholesale (unspecified, loopback,
	// IPv4-compatible, discard-only, unique local fc00::/7, link-local fe80::/10, multicast).
	"64:ff9b:1::/48", // local-use NAT64
	"2001::/32",      // Teredo (the embedded server/client addresses can be anything)
	"2001:10::/28",   // ORCHID
	"2001:20::/28",   // ORCHIDv2
	"2001:db8::/32",  // documentation
	"3fff::/20",      // documentation
)

var (
	nat64   = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4  = netip.MustParsePrefix("2002::/16")
	public6 = netip.MustParsePrefix("2000::/3")
)

func mustPrefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// ParsePrefixes parses a comma-separated list of CIDR prefixes or bare addresses ("127.0.0.1,
// 10.1.0.0/16, ::1"); an empty string is an empty list.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if strings.Contains(f, "/") {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				return nil, fmt.Errorf("netguard: %q is not a CIDR prefix: %w", f, err)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(f)
		if err != nil {
			return nil, fmt.Errorf("netguard: %q is not an IP address or CIDR prefix: %w", f, err)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// allowListed reports whether addr is in one of the operator's prefixes.
func (p Policy) allowListed(addr netip.Addr) bool {
	addr = addr.Unmap()
	for _, pr := range p.Allow {
		if pr.Contains(addr) {
			return true
		}
	}
	return false
}

// Check reports whether addr may be reached (on an allowed port); the error wraps ErrRefused.
func (p Policy) Check(addr netip.Addr) error {
	if p.allowListed(addr) {
		return nil
	}
	if !Public(addr) {
		return fmt.Errorf("%w: %s is not a public unicast address", ErrRefused, addr)
	}
	return nil
}

// CheckAddrPort is Check plus the port rule.
func (p Policy) CheckAddrPort(ap netip.AddrPort) error {
	if p.allowListed(ap.Addr()) {
		return nil
	}
	if err := p.Check(ap.Addr()); err != nil {
		return err
	}
	if len(p.Ports) == 0 {
		return nil
	}
	for _, port := range p.Ports {
		if int(ap.Port()) == port {
			return nil
		}
	}
	return fmt.Errorf("%w: port %d is not allowed (allowed: %s)", ErrRefused, ap.Port(), joinInts(p.Ports))
}

// Public reports whether addr is a public unicast address: none of the refused ranges, and for
// NAT64 and 6to4 addresses, the IPv4 address they embed is public too.
func Public(addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap().WithZone("")
	for _, pr := range refused {
		if pr.Contains(addr) {
			return false
		}
	}
	if addr.Is6() {
		b := addr.As16()
		switch {
		case nat64.Contains(addr):
			return Public(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}))
		case sixTo4.Contains(addr):
			return Public(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}))
		}
		return public6.Contains(addr)
	}
	return true
}

// control is the net.Dialer Control hook: it runs for every address the dialer is about to
// connect to, after resolution, so it sees the address actually used.
func (p Policy) control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot parse dial address %q: %v", ErrRefused, address, err)
	}
	return p.CheckAddrPort(ap)
}

// Dialer returns a dialer that refuses what the policy forbids, at connect time.
func (p Policy) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: p.control}
}

// ClientOptions shape the client Policy.Client returns.
type ClientOptions struct {
	// Timeout bounds a whole request, redirects and reading the body included (0: 10 s).
	Timeout time.Duration
	// MaxRedirects is how many redirects are followed, each checked like the first request; at 0
	// a 3xx response is returned as it is.
	MaxRedirects int
}

// Client returns an HTTP client that can only reach what the policy allows: no proxy from the
// environment, the address checked at connect time, only http and https, redirects bounded and
// re-checked.
func (p Policy) Client(o ClientOptions) *http.Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	d := p.Dialer(o.Timeout)
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           d.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Transport: &schemeCheck{next: tr},
		Timeout:   o.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if o.MaxRedirects == 0 {
				return http.ErrUseLastResponse
			}
			if len(via) > o.MaxRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrRefused, o.MaxRedirects)
			}
			return nil
		},
	}
}

// schemeCheck refuses every scheme but http and https, on the first request and on redirects.
type schemeCheck struct{ next http.RoundTripper }

func (s *schemeCheck) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != "http" && r.URL.Scheme != "https" {
		return nil, fmt.Errorf("%w: scheme %q (only http and https)", ErrRefused, r.URL.Scheme)
	}
	if r.URL.User != nil {
		return nil, fmt.Errorf("%w: URLs with user information are not fetched", ErrRefused)
	}
	return s.next.RoundTrip(r)
}

// ReadLimited reads resp.Body up to max bytes and closes it; a longer body is ErrTooLarge.
func ReadLimited(resp *http.Response, max int64) ([]byte, error) {
	defer resp.Body.Close()
	if resp.ContentLength > max {
		return nil, fmt.Errorf("%w: %d bytes announced, limit %d", ErrTooLarge, resp.ContentLength, max)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: over %d bytes", ErrTooLarge, max)
	}
	return b, nil
}

// Refused reports whether err was caused by the policy rather than by the target.
func Refused(err error) bool { return errors.Is(err, ErrRefused) }

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
