// Package credential makes and checks secrets. Secrets leave the server once, when issued; the
// store keeps only their SHA-256 hashes, and comparisons run in constant time.
package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
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
	h := sha256.Sum256([]byte(secret))
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
