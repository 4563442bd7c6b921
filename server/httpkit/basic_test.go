package httpkit

import (
	"encoding/base64"
	"testing"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

func TestBasicCredentials(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, c := range []struct {
		header, id, secret string
		basic, bad         bool
	}{
		{"", "", "", false, false},
		{"Bearer abc", "", "", false, false},
		{"Basic " + b64("app:s3cret"), "app", "s3cret", true, false},
		{"basic  " + b64("app:s3cret") + " ", "app", "s3cret", true, false},
		{"Basic " + b64("a%3Ab:x%2By%3Az"), "a:b", "x+y:z", true, false}, // form-encoded parts
		{"Basic " + b64("app:se:cret"), "app", "se:cret", true, false},   // the first colon splits
		{"Basic " + b64("app"), "", "", true, true},
		{"Basic !!!", "", "", true, true},
		{"Basic " + b64("a%zz:b"), "", "", true, true},
		{"Basic " + b64("a:b%zz"), "", "", true, true},
	} {
		id, secret, basic, err := BasicCredentials(c.header)
		if id != c.id || secret != c.secret || basic != c.basic || (err != nil) != c.bad {
			t.Errorf("%q: %q %q %v %v", c.header, id, secret, basic, err)
		}
		if err != nil && apierr.As(err).Kind != apierr.Unauthorized {
			t.Errorf("%q: %v is not Unauthorized", c.header, err)
		}
	}
}
