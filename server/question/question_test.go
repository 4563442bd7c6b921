package question_test

import (
	"slices"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/server/question"
)

var allStates = []string{question.Unresolved, question.Resolved, question.Closed, question.Expired, question.Rerouted}

var allSystemTypes = []string{
	question.NotifyingExperts, question.AcceptedResponse, question.QuestionExpired, question.QuestionClosed,
	question.QuestionRerouted, question.RateResponse, question.CustomerReroutePrompt, question.AddTestimonial,
	question.AddedTestimonial, question.AcceptResponse, question.MarkAsResolved,
}

func TestSystemTypeNames(t *testing.T) {
	// The wire names of messaging-api.md §7.
	want := []string{
		"NOTIFYING_EXPERTS_SYSTEM_MESSAGE", "ACCEPTED_RESPONSE_SYSTEM_MESSAGE", "QUESTION_EXPIRED_SYSTEM_MESSAGE",
		"QUESTION_CLOSED_SYSTEM_MESSAGE", "QUESTION_REROUTED_SYSTEM_MESSAGE", "RATE_RESPONSE_SYSTEM_MESSAGE",
		"CUSTOMER_REROUTE_PROMPT_SYSTEM_MESSAGE", "ADD_TESTIMONIAL_SYSTEM_MESSAGE", "ADDED_TESTIMONIAL_SYSTEM_MESSAGE",
		"ACCEPT_RESPONSE_SYSTEM_MESSAGE", "MARK_AS_RESOLVED_MESSAGE",
	}
	if !slices.Equal(allSystemTypes, want) {
		t.Errorf("system types = %q, want %q", allSystemTypes, want)
	}
}

func TestSystemBody(t *testing.T) {
	seen := map[string]string{}
	for _, typ := range allSystemTypes {
		body := question.SystemBody(typ)
		if body == "" {
			t.Errorf("SystemBody(%s) is empty", typ)
			continue
		}
		if other, dup := seen[body]; dup {
			t.Errorf("SystemBody(%s) = SystemBody(%s) = %q", typ, other, body)
		}
		seen[body] = typ
	}
	for _, typ := range []string{"", "USER_MESSAGE", "EXPERT_MESSAGE", "notifying_experts_system_message"} {
		if body := question.SystemBody(typ); body != "" {
			t.Errorf("SystemBody(%q) = %q, want empty", typ, body)
		}
	}
}

func TestIsTerminal(t *testing.T) {
	want := map[string]bool{
		question.Unresolved: false, question.Resolved: false,
		question.Closed: true, question.Expired: true, question.Rerouted: true,
		"": false, "closed": false,
	}
	for status, terminal := range want {
		if got := question.IsTerminal(status); got != terminal {
			t.Errorf("IsTerminal(%q) = %v, want %v", status, got, terminal)
		}
	}
}

func TestBump(t *testing.T) {
	base := time.Date(2024, 5, 18, 16, 50, 38, 0, time.UTC)
	tests := []struct {
		name      string
		now, last time.Time
		want      time.Time
	}{
		{"zero last, whole second", base, time.Time{}, base.Add(time.Second)},
		{"zero last, sub-second", base.Add(999 * time.Millisecond), time.Time{}, base.Add(time.Second)},
		{"last long ago", base.Add(500 * time.Millisecond), base.Add(-time.Hour), base.Add(time.Second)},
		{"last one second ago", base, base.Add(-time.Second), base.Add(time.Second)},
		{"last equals the next bump", base.Add(300 * time.Millisecond), base.Add(time.Second), base.Add(2 * time.Second)},
		{"last in the future", base, base.Add(10 * time.Second), base.Add(11 * time.Second)},
		{"non-UTC now", base.In(time.FixedZone("X", -7*3600)).Add(250 * time.Millisecond), time.Time{}, base.Add(time.Second)},
		{"non-UTC last", base, base.Add(5 * time.Second).In(time.FixedZone("Y", 3*3600)), base.Add(6 * time.Second)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := question.Bump(tt.now, tt.last)
			if !got.Equal(tt.want) {
				t.Errorf("Bump(%v, %v) = %v, want %v", tt.now, tt.last, got, tt.want)
			}
			if got.Location() != time.UTC {
				t.Errorf("Bump location = %v, want UTC", got.Location())
			}
			if got.Nanosecond() != 0 {
				t.Errorf("Bump = %v, not a whole second", got)
			}
		})
	}
}

// Many changes within the same second get strictly increasing whole-second stamps, all after now.
func TestBumpManyWithinOneSecond(t *testing.T) {
	now := time.Date(2024, 5, 18, 16, 50, 38, 123456789, time.UTC)
	floorPlus1 := now.Truncate(time.Second).Add(time.Second)
	var last time.Time
	for i := range 500 {
		at := now.Add(time.Duration(i) * time.Millisecond) // all within the same second
		next := question.Bump(at, last)
		if next.Nanosecond() != 0 {
			t.Fatalf("bump %d = %v: not whole seconds", i, next)
		}
		if !next.After(last) {
			t.Fatalf("bump %d = %v, not after %v", i, next, last)
		}
		if next.Before(floorPlus1) || !next.After(at) {
			t.Fatalf("bump %d = %v, before now+1s truncated (%v)", i, next, floorPlus1)
		}
		if want := floorPlus1.Add(time.Duration(i) * time.Second); !next.Equal(want) {
			t.Fatalf("bump %d = %v, want %v", i, next, want)
		}
		last = next
	}
}
