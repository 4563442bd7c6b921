package bracketform

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func FuzzParseURLEncoded(f *testing.F) {
	for _, tc := range urlCases {
		f.Add([]byte(tc.body))
	}
	f.Add([]byte(seedBody))
	f.Add([]byte(seedBodyEscaped))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseURLEncoded(body, DefaultLimits)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || errors.Is(err, ErrLimit) == errors.Is(err, ErrMalformed) {
				t.Fatalf("error %#v is not an *Error wrapping exactly one sentinel", err)
			}
			return
		}
		checkRoundTrip(t, m)
		if !pruneMap(m).Equal(m) {
			t.Fatalf("EncodeURL would leave out part of a parsed tree: %s", jsonOf(t, m))
		}
		b, err := json.Marshal(m)
		if err != nil || !json.Valid(b) {
			t.Fatalf("json.Marshal = %s, %v", b, err)
		}
		var plain any
		if err := json.Unmarshal(b, &plain); err != nil || !reflect.DeepEqual(plain, any(m.Interface())) {
			t.Fatalf("MarshalJSON and Interface disagree: %s vs %#v", b, m.Interface())
		}
	})
}

func FuzzParseJSONObject(f *testing.F) {
	for _, tc := range jsonCases {
		f.Add([]byte(tc.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := ParseJSONObject(body, DefaultLimits)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || errors.Is(err, ErrLimit) == errors.Is(err, ErrMalformed) {
				t.Fatalf("error %#v is not an *Error wrapping exactly one sentinel", err)
			}
			return
		}
		checkPrunedRoundTrip(t, m)
		if b, err := json.Marshal(m); err != nil || !json.Valid(b) {
			t.Fatalf("json.Marshal = %s, %v", b, err)
		}
	})
}
