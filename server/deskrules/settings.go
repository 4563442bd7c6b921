package deskrules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

// Settings are a company's Desk API settings, set by the operator.
type Settings struct {
	// RateLimit applies to each of the company's tokens separately; nil is no limit (the default).
	RateLimit *RateLimit `json:"rateLimit,omitempty"`
}

// RateLimit is a token bucket: PerSecond requests per second on average, Burst at once. Dixa's
// own limit is 10 per second with a burst of 4.
type RateLimit struct {
	PerSecond float64 `json:"perSecond"`
	Burst     int     `json:"burst"`
}

// Limits of the rate limit settings.
const (
	MaxRatePerSecond = 1e6
	MaxRateBurst     = 1_000_000
)

// Check validates settings given by the operator.
func (s Settings) Check() error {
	if r := s.RateLimit; r != nil {
		if !(r.PerSecond > 0) || r.PerSecond > MaxRatePerSecond || math.IsInf(r.PerSecond, 0) {
			return apierr.Invalidf("rateLimit.perSecond: must be more than 0 and at most %g", float64(MaxRatePerSecond))
		}
		if r.Burst < 1 || r.Burst > MaxRateBurst {
			return apierr.Invalidf("rateLimit.burst: must be from 1 to %d", MaxRateBurst)
		}
	}
	return nil
}

// DecodeSettings reads a stored settings document; nil or empty is the defaults.
func DecodeSettings(doc []byte) (Settings, error) {
	var s Settings
	if len(bytes.TrimSpace(doc)) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(doc, &s); err != nil {
		return Settings{}, fmt.Errorf("deskrules: stored settings: %w", err)
	}
	return s, nil
}

// Encode is the stored form of the settings.
func (s Settings) Encode() []byte {
	b, _ := json.Marshal(s) // plain numbers: always marshals
	return b
}
