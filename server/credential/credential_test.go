package credential_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
	"strings"
	"testing"

	"github.com/switchboard-dev/switchboard/server/credential"
)

var (
	helpDeskTokenPattern = regexp.MustCompile(`^[0-9a-f]{40}$`)
	adminTokenPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
)

func TestNewHelpDeskToken(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		tok := credential.NewHelpDeskToken()
		if !helpDeskTokenPattern.MatchString(tok) {
			t.Fatalf("NewHelpDeskToken() = %q, want 40 lowercase hex characters", tok)
		}
		if b, err := hex.DecodeString(tok); err != nil || len(b) != 20 {
			t.Fatalf("NewHelpDeskToken() = %q does not hold 160 bits (%v)", tok, err)
		}
		if seen[tok] {
			t.Fatalf("NewHelpDeskToken() returned %q twice", tok)
		}
		seen[tok] = true
	}
}

func TestNewAdminToken(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		tok := credential.NewAdminToken()
		if !adminTokenPattern.MatchString(tok) {
			t.Fatalf("NewAdminToken() = %q, want 43 base64url characters without padding", tok)
		}
		if b, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(b) != 32 {
			t.Fatalf("NewAdminToken() = %q does not hold 256 bits (%v)", tok, err)
		}
		if seen[tok] {
			t.Fatalf("NewAdminToken() returned %q twice", tok)
		}
		seen[tok] = true
	}
}

func TestHash(t *testing.T) {
	tests := []struct{ secret, wantHex string }{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(credential.Hash(tt.secret)); got != tt.wantHex {
			t.Errorf("Hash(%q) = %s, want %s", tt.secret, got, tt.wantHex)
		}
	}
	tok := credential.NewHelpDeskToken()
	want := sha256.Sum256([]byte(tok))
	if got := credential.Hash(tok); string(got) != string(want[:]) || len(got) != sha256.Size {
		t.Errorf("Hash(token) is not its SHA-256")
	}
}

func TestMatches(t *testing.T) {
	tok := credential.NewHelpDeskToken()
	h := credential.Hash(tok)
	other := credential.NewHelpDeskToken()
	tests := []struct {
		name   string
		secret string
		hash   []byte
		want   bool
	}{
		{"same secret", tok, h, true},
		{"other secret", other, h, false},
		{"uppercased secret", upper(tok), h, false},
		{"secret with a trailing space", tok + " ", h, false},
		{"empty secret", "", h, false},
		{"empty secret against its own hash", "", credential.Hash(""), true},
		{"nil hash", tok, nil, false},
		{"truncated hash", tok, h[:31], false},
		{"hash of the hash", tok, credential.Hash(string(h)), false},
		{"raw secret instead of its hash", tok, []byte(tok), false},
	}
	for _, tt := range tests {
		if got := credential.Matches(tt.secret, tt.hash); got != tt.want {
			t.Errorf("%s: Matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

func TestOperatorTokenStrength(t *testing.T) {
	strong := []string{
		credential.NewAdminToken(),
		"q8Zr0m3xP4Yd7lN2tV9kS1hW6cB5jF0gA3eR8uI2oQ4=", // openssl rand -base64 32
		"3f9a1c7e5b2d8046a1c3e5f7092b4d6e",             // openssl rand -hex 16: exactly 128 bits
		"5d4f2a9c-7e1b-4c3d-9a8f-2b6e0c1d4f7a",         // a random uuid
	}
	for _, tok := range strong {
		if err := credential.CheckOperatorToken(tok); err != nil {
			t.Errorf("%q refused: %v (%.0f bits)", tok, err, credential.EstimateBits(tok))
		}
	}
	weak := []string{
		"", "a", "load-admin", "changeme", "password123", "correct-horse",
		"3f9a1c7e5b2d8046a1c3e5f7092b4d",               // 30 hex digits: 120 bits
		strings.Repeat("a", 60),                        // one character
		strings.Repeat("Password1!", 6),                // a repeated password
		strings.Repeat("ab", 40),                       // two characters
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", // almost one character
	}
	for _, tok := range weak {
		err := credential.CheckOperatorToken(tok)
		if err == nil {
			t.Errorf("%q accepted (%.0f bits)", tok, credential.EstimateBits(tok))
		} else if !strings.Contains(err.Error(), "openssl rand -base64 32") {
			t.Errorf("%q: the error does not say how to make a token: %v", tok, err)
		}
	}
}

func TestOperatorTokenHash(t *testing.T) {
	tok := credential.NewAdminToken()
	h1, h2 := credential.HashOperatorToken(tok), credential.HashOperatorToken(tok)
	if bytes.Equal(h1, h2) {
		t.Fatal("two hashes of one token are equal: not salted")
	}
	sum := sha256.Sum256([]byte(tok))
	if bytes.Contains(h1, sum[:]) {
		t.Fatal("the stored form holds the plain SHA-256")
	}
	for _, h := range [][]byte{h1, h2} {
		if ok, legacy := credential.MatchesOperatorToken(tok, h); !ok || legacy {
			t.Errorf("salted: ok=%v legacy=%v", ok, legacy)
		}
		if ok, _ := credential.MatchesOperatorToken(tok+"x", h); ok {
			t.Error("a wrong token matches")
		}
	}
	// A hash stored by an earlier version still matches, and says it should be stored again.
	if ok, legacy := credential.MatchesOperatorToken(tok, credential.Hash(tok)); !ok || !legacy {
		t.Errorf("legacy: ok=%v legacy=%v", ok, legacy)
	}
	for _, bad := range [][]byte{nil, []byte("s1:"), h1[:len(h1)-1]} {
		if ok, _ := credential.MatchesOperatorToken(tok, bad); ok {
			t.Errorf("matches a malformed hash %x", bad)
		}
	}
}
