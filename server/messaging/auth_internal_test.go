package messaging

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/service"
)

// The poll (getQuestion with lastChecked) is left to the handler: authenticate only checks a
// Bearer token is there, and never touches the service (whose store is nil here, so any other
// path would panic).
func TestPollAuthenticationIsDeferredToTheHandler(t *testing.T) {
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	spec.Servers = nil
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{svc: &service.Service{}}
	for _, c := range []struct {
		target, header string
		deferred       bool
	}{
		{"/v1/questions/123e4567-e89b-12d3-a456-426655440000?lastChecked=2017-05-18T16:50:38Z", "Bearer abc", true},
		{"/v1/questions/123e4567-e89b-12d3-a456-426655440000?lastChecked=1495126238000", "bearer  abc ", true},
		{"/v1/questions/123e4567-e89b-12d3-a456-426655440000?lastChecked=yesterday", "Bearer abc", true},
	} {
		req := httptest.NewRequest("GET", c.target, nil)
		cred := &credentials{header: c.header}
		req = req.WithContext(context.WithValue(req.Context(), credKey, cred))
		route, params, err := router.FindRoute(req)
		if err != nil {
			t.Fatal(err)
		}
		in := &openapi3filter.AuthenticationInput{RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}}
		if err := h.authenticate(req.Context(), in); err != nil {
			t.Fatalf("%s: %v", c.target, err)
		}
		if cred.deferred != c.deferred || cred.token != "abc" {
			t.Errorf("%s: deferred %v token %q", c.target, cred.deferred, cred.token)
		}
	}
	// Without a token, with another scheme, or on any other operation the validator
	// authenticates (here: the nil store would be reached, so only the token check is run).
	for _, c := range []struct{ target, header string }{
		{"/v1/questions/123e4567-e89b-12d3-a456-426655440000?lastChecked=2017-05-18T16:50:38Z", "Basic eDp5"},
	} {
		req := httptest.NewRequest("GET", c.target, nil)
		cred := &credentials{header: c.header}
		req = req.WithContext(context.WithValue(req.Context(), credKey, cred))
		route, params, _ := router.FindRoute(req)
		in := &openapi3filter.AuthenticationInput{RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}}
		if err := h.authenticate(req.Context(), in); err == nil || cred.deferred {
			t.Errorf("%s with %q: err %v deferred %v", c.target, c.header, err, cred.deferred)
		}
	}
}

func TestParseLastChecked(t *testing.T) {
	for in, want := range map[string]string{
		"2017-05-18T16:50:38Z":           "2017-05-18T16:50:38Z",
		"2017-05-18T16:50:38.999Z":       "2017-05-18T16:50:38.999Z",
		"2017-05-18T18:50:38+02:00":      "2017-05-18T16:50:38Z",
		"2017-05-18T18:50:38 02:00":      "2017-05-18T16:50:38Z",
		"2017-05-18T16:20:38.5-00:30":    "2017-05-18T16:50:38.5Z",
		"1495126238000":                  "2017-05-18T16:50:38Z",
		"1495126238123":                  "2017-05-18T16:50:38.123Z",
		"0":                              "1970-01-01T00:00:00Z",
		"0001495126238000":               "2017-05-18T16:50:38Z",
		"2017-05-18T16:50:38.123456789Z": "2017-05-18T16:50:38.123456789Z",
	} {
		got, err := parseLastChecked(in)
		if err != nil || got.Format("2006-01-02T15:04:05.999999999Z07:00") != want {
			t.Errorf("%q: %v %v, want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2017-05-18", "2017-05-18 16:50:38Z", "-1", "+1", "1e3", "99999999999999999999", "2017-05-18T16:50:38", "١٢٣"} {
		if _, err := parseLastChecked(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
