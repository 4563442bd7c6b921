package deskrules

import (
	"net/mail"
	"regexp"
	"strings"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

// ContactInput is an end user or agent to create, decoded from the body.
type ContactInput struct {
	DisplayName            string
	Email                  string
	PhoneNumber            string
	AdditionalEmails       []string
	AdditionalPhoneNumbers []string
	FirstName, LastName    string
	MiddleNames            []string
	AvatarURL              string
	ExternalID             string // end users only
}

// ContactKey is one value by which a contact is found and which no other contact of the same
// kind may hold: a lower-cased email, a normalised phone number, or an external id.
type ContactKey struct {
	Field string // "email", "phone" or "externalId"
	Value string
}

// Contact key fields.
const (
	KeyEmail      = "email"
	KeyPhone      = "phone"
	KeyExternalID = "externalId"
)

var phonePattern = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

// NormalizePhone drops spaces, '-', '(' and ')' and checks what is left is '+' and 6 to 15
// digits (or the digits alone).
func NormalizePhone(s string) (string, bool) {
	n := strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '(', ')':
			return -1
		}
		return r
	}, s)
	return n, phonePattern.MatchString(n)
}

// NormalizeEmail checks s is a bare address (`jane@example.org`, no display name, no angle
// brackets) and returns it lower-cased, the form emails are compared in.
func NormalizeEmail(s string) (string, bool) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", false
	}
	return strings.ToLower(s), true
}

// CheckContact validates an end user (agent false) or agent (agent true) to create and returns
// the keys it will hold (reference §5.8): emails must be bare addresses and phone numbers valid,
// no list may repeat an entry, and no key may appear twice. Whether another contact holds a key
// is the store's to say (atomically), answered with the same error.
func CheckContact(in ContactInput, agent bool) ([]ContactKey, error) {
	fail := ContactValidation(agent)
	var keys []ContactKey
	seen := map[ContactKey]bool{}
	add := func(k ContactKey) bool {
		if seen[k] {
			return false
		}
		seen[k] = true
		keys = append(keys, k)
		return true
	}
	emails := append([]string{}, in.AdditionalEmails...)
	if in.Email != "" || agent {
		emails = append([]string{in.Email}, emails...)
	}
	for _, e := range emails {
		n, ok := NormalizeEmail(e)
		if !ok || !add(ContactKey{KeyEmail, n}) {
			return nil, fail
		}
	}
	phones := append([]string{}, in.AdditionalPhoneNumbers...)
	if in.PhoneNumber != "" {
		phones = append([]string{in.PhoneNumber}, phones...)
	}
	for _, p := range phones {
		n, ok := NormalizePhone(p)
		if !ok || !add(ContactKey{KeyPhone, n}) {
			return nil, fail
		}
	}
	if hasRepeat(in.MiddleNames) {
		return nil, fail
	}
	if in.ExternalID != "" && !agent {
		add(ContactKey{KeyExternalID, in.ExternalID})
	}
	return keys, nil
}

func hasRepeat(s []string) bool {
	seen := map[string]bool{}
	for _, v := range s {
		if seen[v] {
			return true
		}
		seen[v] = true
	}
	return false
}

// Filter is the one filter of a contact list, if any.
type Filter struct {
	Field string // KeyEmail, KeyPhone, KeyExternalID; "" for none
	Value string // normalised as the keys are
}

// ContactFilter reads the filters of a contact list (values as sent, nil when absent; agent lists
// have no externalId) in the order the vendor checks them: each present value must not be empty
// (`Invalid value for: query parameter x`), then at most one may be given. A value that cannot be
// normalised matches nothing.
func ContactFilter(email, phone, externalID []string, agent bool) (Filter, error) {
	type param struct {
		name, field string
		values      []string
	}
	params := []param{{"email", KeyEmail, email}, {"phone", KeyPhone, phone}}
	if !agent {
		params = append(params, param{"externalId", KeyExternalID, externalID})
	}
	var f Filter
	n := 0
	for _, p := range params {
		if p.values == nil {
			continue
		}
		if len(p.values) == 0 || p.values[0] == "" {
			return Filter{}, QueryParam(p.name)
		}
		n++
		f = Filter{Field: p.field, Value: p.values[0]}
	}
	if n > 1 {
		if agent {
			return Filter{}, apierr.Invalidf("%s", MsgAgentFilters)
		}
		return Filter{}, apierr.Invalidf("%s", MsgEndUserFilters)
	}
	switch f.Field {
	case KeyEmail:
		f.Value = strings.ToLower(f.Value)
	case KeyPhone:
		if p, ok := NormalizePhone(f.Value); ok {
			f.Value = p
		}
	}
	return f, nil
}
