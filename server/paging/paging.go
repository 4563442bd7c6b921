// Package paging is the one implementation of list paging every API shares: opaque page keys
// and the absolute URL of the next page.
//
// A page key is a small value (a keyset position, an offset) encoded as base64url JSON. Clients
// must treat it as opaque; the server decodes it strictly and answers a key it did not issue
// (undecodable, trailing data, unknown fields, wrong types) with ErrInvalidKey, which each API
// reports in its own words.
//
// NextURL builds the absolute URL of the next page from the request as the client sent it: its
// scheme and host, and its path including the prefix the API is mounted under (a client follows
// the URL verbatim, so it must lead back to the same API).
package paging

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
)

// MaxKeyLength bounds the page keys Decode accepts (keys this package issues are far shorter).
const MaxKeyLength = 1024

// ErrInvalidKey is returned by Decode for a key this package did not produce.
var ErrInvalidKey = errors.New("paging: invalid page key")

// Encode returns the opaque page key of v (JSON, then base64url without padding). v must be
// JSON-encodable; Encode panics otherwise, since that is a programming error.
func Encode(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("paging: page key value is not JSON-encodable: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// Decode fills v (a pointer to a struct) from a key made by Encode. Padding is tolerated;
// anything else that is not exactly such a key is ErrInvalidKey: bad base64, bad JSON, trailing
// data, unknown fields, fields of the wrong type, or a key longer than MaxKeyLength.
func Decode(key string, v any) error {
	if key == "" || len(key) > MaxKeyLength {
		return ErrInvalidKey
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(key, "="))
	if err != nil {
		return ErrInvalidKey
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return ErrInvalidKey
	}
	if dec.More() {
		return ErrInvalidKey
	}
	if _, err := dec.Token(); err == nil { // anything after the value
		return ErrInvalidKey
	}
	return nil
}

// NextURL returns the absolute URL of r's path with query as its query string: the scheme
// (https when r came over TLS or X-Forwarded-Proto says so), the host (X-Forwarded-Host when a
// proxy set it, else r.Host) and the path as the client sent it (from the request target, so a
// mount prefix is kept even if a handler stripped it from r.URL.Path).
func NextURL(r *http.Request, query url.Values) string {
	u := url.URL{Scheme: scheme(r), Host: host(r), RawQuery: query.Encode()}
	u.Path, u.RawPath = requestPath(r)
	return u.String()
}

func scheme(r *http.Request) string {
	switch p := strings.ToLower(strings.TrimSpace(firstValue(r.Header.Get("X-Forwarded-Proto")))); p {
	case "http", "https":
		return p
	}
	if r.TLS != nil {
		return "https"
	}
	return "http"
}

func host(r *http.Request) string {
	if h := strings.TrimSpace(firstValue(r.Header.Get("X-Forwarded-Host"))); h != "" && validHost(h) {
		return h
	}
	return r.Host
}

// firstValue is the first entry of a comma-separated header (proxies append theirs).
func firstValue(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return first
}

// validHost accepts host[:port] made of the characters a host may hold, nothing that could end
// the authority of a URL.
func validHost(h string) bool {
	for _, c := range h {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.ContainsRune(".-:[]_", c):
		default:
			return false
		}
	}
	return true
}

func requestPath(r *http.Request) (path, rawPath string) {
	if r.RequestURI != "" && r.RequestURI != "*" {
		if u, err := url.ParseRequestURI(r.RequestURI); err == nil && u.Path != "" {
			return u.Path, u.RawPath
		}
	}
	return r.URL.Path, r.URL.RawPath
}
