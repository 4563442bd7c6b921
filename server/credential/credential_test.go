package credential_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"regexp"
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
