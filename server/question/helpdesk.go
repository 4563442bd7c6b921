package question

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/bracketform"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// Limits of a new question's fields.
const (
	MaxTextLen       = 20000
	MaxHelpDeskIDLen = 255
	MaxEmailLen      = 254
	MaxNameLen       = 255
	MaxSubjectLen    = 255
	MaxCategoryLen   = 255
	MaxMetadataValue = 10000 // characters in one metadata value
	defaultSubjectAt = 100
)

// HelpDeskInput is a saveQuestion call as received (strings untrimmed, optional ones empty).
type HelpDeskInput struct {
	Text, HelpDeskID, Email, FullName, Subject, EliteOnly string
	Category                                              *string          // questionCategory; nil when absent
	RewardCategory                                        string           // its deprecated name, used only when questionCategory is absent
	Metadata                                              *bracketform.Map // nil when absent
}

// NewQuestion is a validated new question with its defaults applied.
type NewQuestion struct {
	Text, HelpDeskID string
	Email            string // as given, trimmed
	Name             string // fullname, or derived from Email
	Subject          string // subject, or derived from Text
	Category         string
	EliteOnly        bool
	Metadata         *bracketform.Map // never nil
}

// ValidateHelpDesk checks a saveQuestion call and applies the defaults. Errors are Invalid and
// name the field.
func ValidateHelpDesk(in HelpDeskInput) (NewQuestion, error) {
	q := NewQuestion{
		Text:       textrule.Trim(in.Text),
		HelpDeskID: textrule.Trim(in.HelpDeskID),
		Email:      textrule.Trim(in.Email),
		Name:       textrule.Trim(in.FullName),
		Subject:    textrule.Trim(in.Subject),
		Category:   textrule.Trim(in.RewardCategory),
		EliteOnly:  EliteOnly(in.EliteOnly),
		Metadata:   in.Metadata,
	}
	if in.Category != nil {
		q.Category = textrule.Trim(*in.Category)
	}
	if err := checkText("text", q.Text, MaxTextLen); err != nil {
		return NewQuestion{}, err
	}
	if err := checkText("helpDeskId", q.HelpDeskID, MaxHelpDeskIDLen); err != nil {
		return NewQuestion{}, err
	}
	if err := CheckEmail("emailAddress", q.Email); err != nil {
		return NewQuestion{}, err
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"fullname", q.Name, MaxNameLen}, {"subject", q.Subject, MaxSubjectLen}, {"questionCategory", q.Category, MaxCategoryLen}} {
		if n := utf8.RuneCountInString(f.v); n > f.max {
			return NewQuestion{}, apierr.Invalidf("%s: must be at most %d characters (got %d)", f.name, f.max, n)
		}
	}
	if q.Name == "" {
		q.Name = DisplayName(q.Email)
	}
	if q.Subject == "" {
		q.Subject = DefaultSubject(q.Text)
	}
	if q.Metadata == nil {
		q.Metadata = bracketform.NewMap()
	}
	if err := checkMetadataValues("metadata", bracketform.MapValue(q.Metadata)); err != nil {
		return NewQuestion{}, err
	}
	return q, nil
}

// checkMetadataValues refuses a metadata value longer than MaxMetadataValue characters, naming
// it in bracket notation (metadata[Account][Notes]).
func checkMetadataValues(path string, v bracketform.Value) error {
	switch v.Kind() {
	case bracketform.String:
		if n := utf8.RuneCountInString(v.Str()); n > MaxMetadataValue {
			return apierr.Invalidf("%s: must be at most %d characters (got %d)", path, MaxMetadataValue, n)
		}
	case bracketform.List:
		for _, e := range v.List() {
			if err := checkMetadataValues(path+"[]", e); err != nil {
				return err
			}
		}
	case bracketform.MapKind:
		for k, e := range v.Map().All() {
			if err := checkMetadataValues(path+"["+k+"]", e); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkText(field, v string, max int) error {
	if v == "" {
		return apierr.Invalidf("%s: must not be blank", field)
	}
	if n := utf8.RuneCountInString(v); n > max {
		return apierr.Invalidf("%s: must be at most %d characters (got %d)", field, max, n)
	}
	return nil
}

// CheckEmail accepts at most 254 characters with exactly one "@" and text that is not blank on
// both sides (textrule.Email, the spec's textrule.EmailPattern).
func CheckEmail(field, email string) error {
	if email == "" {
		return apierr.Invalidf("%s: must not be blank", field)
	}
	if utf8.RuneCountInString(email) > MaxEmailLen {
		return apierr.Invalidf("%s: must be at most %d characters", field, MaxEmailLen)
	}
	if !textrule.Email(email) {
		return apierr.Invalidf("%s: %q is not an email address (exactly one \"@\" with text on both sides)", field, email)
	}
	return nil
}

// EliteOnly reads the isEliteOnly flag: "on", "true", "1" or "yes" in any case; anything else is false.
func EliteOnly(v string) bool {
	switch strings.ToLower(textrule.Trim(v)) {
	case "on", "true", "1", "yes":
		return true
	}
	return false
}

// DisplayName derives a name from an email address: the local part split on . _ - +, each word
// capitalised ("joe.user@example.com" → "Joe User").
func DisplayName(email string) string {
	local, _, _ := strings.Cut(email, "@")
	words := strings.FieldsFunc(local, func(r rune) bool { return r == '.' || r == '_' || r == '-' || r == '+' })
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[size:]
	}
	if len(words) == 0 {
		return "User"
	}
	return strings.Join(words, " ")
}

// DefaultSubject is the first non-empty line of text with whitespace collapsed; over 100
// characters it is cut at the last space within 100 and "..." is added.
func DefaultSubject(text string) string {
	var line string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			line = l
			break
		}
	}
	if utf8.RuneCountInString(line) <= defaultSubjectAt {
		return line
	}
	runes := []rune(line)[:defaultSubjectAt]
	cut := string(runes)
	if i := strings.LastIndexByte(cut, ' '); i > 0 {
		cut = cut[:i]
	}
	return cut + "..."
}

// Slug makes the URL slug of a subject: lowercase; each run of characters outside a-z0-9 becomes
// one "-"; trimmed of "-"; cut to at most 60 characters at a "-"; "question" when empty.
func Slug(subject string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(subject) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		} else {
			dash = true
		}
	}
	s := b.String()
	if len(s) > 60 {
		s = s[:61]
		if i := strings.LastIndexByte(s, '-'); i > 0 {
			s = s[:i]
		} else {
			s = s[:60]
		}
	}
	if s == "" {
		return "question"
	}
	return s
}

// PublicURL is a Help Desk question's address: https://{subdomain}.{domain}/p/{subdomain}-{slug}-{id}.
func PublicURL(subdomain, domain, subject string, id int64) string {
	return fmt.Sprintf("https://%s.%s/p/%s-%s-%d", subdomain, domain, subdomain, Slug(subject), id)
}

// HelpDeskStatus is the Help Desk API's `status`: "CLOSED" in a terminal state, else the answer
// count ("0 answers", "1 answer", "2 answers").
func HelpDeskStatus(status string, answers int) string {
	if IsTerminal(status) {
		return Closed
	}
	if answers == 1 {
		return "1 answer"
	}
	return strconv.Itoa(answers) + " answers"
}

// storedLimits parse stored metadata back for display. It was checked when the question was
// created (each API with its own limits); reading it back must never fail on a limit.
var storedLimits = bracketform.Limits{
	MaxBytes: 1 << 30, MaxPairs: 1 << 30, MaxDepth: 1 << 20, MaxNestedLeaves: 1 << 30,
	MaxSegment: 1 << 30, MaxValue: 1 << 30,
}

// VisibleMetadataJSON is VisibleMetadata over a question's stored metadata (a JSON object, in
// the order received), as a JSON object.
func VisibleMetadataJSON(stored []byte) (json.RawMessage, error) {
	if len(stored) == 0 {
		return json.RawMessage("{}"), nil
	}
	m, err := bracketform.ParseJSONObject(stored, storedLimits)
	if err != nil {
		return nil, fmt.Errorf("stored metadata: %w", err)
	}
	return VisibleMetadata(m).MarshalJSON()
}

// VisibleMetadata is what experts see of a question's metadata: the top-level entries whose
// value is text or a list of texts. Maps, and lists holding a map, are hidden.
func VisibleMetadata(m *bracketform.Map) *bracketform.Map {
	out := bracketform.NewMap()
	if m == nil {
		return out
	}
	for _, k := range m.Keys() {
		v, _ := m.Get(k)
		if visible(v) {
			out.Set(k, v)
		}
	}
	return out
}

func visible(v bracketform.Value) bool {
	switch v.Kind() {
	case bracketform.String:
		return true
	case bracketform.List:
		for _, e := range v.List() {
			if e.Kind() != bracketform.String {
				return false
			}
		}
		return true
	}
	return false
}

// HelpDeskID checks a helpDeskId given to look a question up, and returns it trimmed.
func HelpDeskID(v string) (string, error) {
	v = textrule.Trim(v)
	return v, checkText("helpDeskId", v, MaxHelpDeskIDLen)
}
