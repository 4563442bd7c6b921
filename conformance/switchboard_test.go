package conformance

import (
	"slices"
	"testing"
)

// TestRemoteExclusions keeps exclusions.yaml honest: it loads, and it excludes exactly the
// declared 500 of every operation of every spec (the pairs a running server cannot be made to
// produce from outside).
func TestRemoteExclusions(t *testing.T) {
	s, err := NewSwitchboardSuite()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.addExclusions("exclusions.yaml", remoteExclusions); err != nil {
		t.Fatal(err)
	}
	hubEx, err := hubRemoteExclusions()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.addExclusions("hub", hubEx); err != nil {
		t.Fatal(err)
	}
	for _, p := range s.Coverage() {
		if p.OperationID == RouteMissOperation {
			continue
		}
		want := p.Status == "500" || p.Spec == "hub" && (p.Status == "503" || p.Status == "408")
		if got := p.Excluded != ""; got != want {
			t.Errorf("[%s] %s %s: excluded=%v, want %v", p.Spec, p.OperationID, p.Status, got, want)
		}
	}
	for _, mode := range []string{ClockVirtual, ClockWall} {
		s, err := NewSwitchboardSuite()
		if err != nil {
			t.Fatal(err)
		}
		if err := s.addExclusions("clock", append(clockExclusions(mode), hubClockExclusions(mode)...)); err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		var got []string
		for _, p := range s.Coverage() {
			if p.Excluded != "" {
				got = append(got, p.OperationID+" "+p.Status)
			}
		}
		want := []string{"setClock 409", "advanceClock 409"}
		if mode == ClockWall {
			want = []string{"setClock 200", "advanceClock 200", "sendCustomerActivity 410", "sendBusinessActivity 410"}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s clock excludes %q, want %q", mode, got, want)
		}
	}
}

func TestVersionAliases(t *testing.T) {
	spec := []byte(`openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /oauth/token: {post: {responses: {"200": {description: ok}}}}
  /v1/questions: {get: {responses: {"200": {description: ok}}}}
  /v1/questions/{uuid}: {get: {parameters: [{name: uuid, in: path, required: true, schema: {type: string}}], responses: {"200": {description: ok}}}}
  /v1/messages: {get: {responses: {"200": {description: ok}}}}
`)
	got, err := versionAliases(spec, "/v1")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["/questions"] != "/v1/questions" || got["/messages"] != "/v1/messages" {
		t.Errorf("aliases %v", got)
	}
}
