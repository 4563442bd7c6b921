// Package credential makes and checks secrets. Secrets leave the server once, when issued; the
// store keeps only their hashes (SHA-256 for the random secrets generated here, by which they are
// looked up; salted for the operator token, which a person chooses), and comparisons run in
// constant time.
package credential

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math"
)

// NewHelpDeskToken returns a Help Desk API token: 40 lowercase hex characters (160 random bits).
func NewHelpDeskToken() string {
	b := make([]byte, 20)
	rand.Read(b) // never fails (crypto/rand panics on an unusable source)
	return hex.EncodeToString(b)
}

// NewAdminToken returns an operator token: 32 random bytes, base64url without padding.
func NewAdminToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Hash returns the SHA-256 of a secret, the only form in which secrets are stored.
func Hash(secret string) []byte {
	var buf [64]byte // a token's bytes stay on the stack (a conversion would allocate beyond 32)
	h := sha256.Sum256(append(buf[:0], secret...))
	return h[:]
}

// Matches reports, in constant time, whether secret hashes to hash.
func Matches(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(Hash(secret), hash) == 1
}

// NewAccessToken returns a Messaging API access token: 32 random bytes, base64url without padding.
func NewAccessToken() string { return NewAdminToken() }

// NewClientID returns an OAuth client id: "sb_" and 16 random bytes in hex.
func NewClientID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "sb_" + hex.EncodeToString(b)
}

// NewClientSecret returns an OAuth client secret: 32 random bytes, base64url without padding.
func NewClientSecret() string { return NewAdminToken() }

// The operator token is chosen by whoever runs the server, so unlike the tokens generated here
// it is checked for strength, and stored salted: HMAC-SHA256 keyed with a random 16-byte salt,
// which no precomputed table covers. (A deliberately slow hash adds nothing for a token of 128
// bits or more, and the operator API checks it on every call.)

// MinOperatorTokenBits is the least estimated entropy of an operator token.
const MinOperatorTokenBits = 128

// OperatorTokenHint says how to make a good operator token.
const OperatorTokenHint = "generate one with `openssl rand -base64 32`, or leave --admin-token out to have one generated"

// CheckOperatorToken refuses a token whose estimated entropy is under MinOperatorTokenBits.
func CheckOperatorToken(token string) error {
	if bits := EstimateBits(token); bits < MinOperatorTokenBits {
		return fmt.Errorf("the operator token is too weak (about %.0f bits; at least %d needed): %s", bits, MinOperatorTokenBits, OperatorTokenHint)
	}
	return nil
}

// EstimateBits estimates the entropy of a token from its length and the character classes it
// uses, as if each character were drawn at random from those classes (hex digits alone count as
// 16 symbols): an upper bound for a random token, an overestimate for words. A token that repeats
// itself counts once per period ("abcabcabc" as "abc"), and one of very few distinct characters
// counts those only. Good enough to refuse "changeme", "a", or a short password; a generated
// token passes.
func EstimateBits(token string) float64 {
	rs := []rune(token)
	rs = rs[:period(rs)]
	if len(rs) == 0 {
		return 0
	}
	var lower, upper, digit, other, nonASCII, hexOnly bool
	hexOnly = true
	distinct := map[rune]bool{}
	for _, r := range rs {
		distinct[r] = true
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 0x80:
			other = true
		default:
			nonASCII = true
		}
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			hexOnly = false
		}
	}
	alphabet := 0.0
	for _, c := range []struct {
		used bool
		size float64
	}{{lower, 26}, {upper, 26}, {digit, 10}, {other, 33}, {nonASCII, 128}} {
		if c.used {
			alphabet += c.size
		}
	}
	if hexOnly {
		alphabet = 16
	}
	if n := float64(len(distinct)); 2*n < min(float64(len(rs)), 16) {
		alphabet = n // few distinct characters, repeated: count what is there
	}
	return float64(len(rs)) * math.Log2(alphabet)
}

// period is the length of the shortest p such that rs[i] == rs[i-p] for every i >= p.
func period(rs []rune) int {
	for p := 1; p < len(rs); p++ {
		ok := true
		for i := p; i < len(rs) && ok; i++ {
			ok = rs[i] == rs[i-p]
		}
		if ok {
			return p
		}
	}
	return len(rs)
}

// operatorHashPrefix marks the salted form (a legacy hash is a bare 32-byte SHA-256).
var operatorHashPrefix = []byte("s1:")

// HashOperatorToken returns the stored form of an operator token: "s1:", a random salt, and
// HMAC-SHA256(salt, token).
func HashOperatorToken(token string) []byte {
	salt := make([]byte, 16)
	rand.Read(salt)
	return append(append(append([]byte{}, operatorHashPrefix...), salt...), mac(salt, token)...)
}

// MatchesOperatorToken reports, in constant time, whether token is the one stored. stored is
// HashOperatorToken's form, or the unsalted SHA-256 of earlier versions, for which legacy is
// true: the caller should store the token again, salted.
func MatchesOperatorToken(token string, stored []byte) (ok, legacy bool) {
	n := len(operatorHashPrefix)
	if len(stored) == n+16+sha256.Size && bytes.Equal(stored[:n], operatorHashPrefix) {
		return hmac.Equal(mac(stored[n:n+16], token), stored[n+16:]), false
	}
	if len(stored) == sha256.Size {
		return Matches(token, stored), true
	}
	return false, false
}

func mac(salt []byte, token string) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write([]byte(token))
	return m.Sum(nil)
}
