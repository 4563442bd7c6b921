package question

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// Limits of the Messaging API (reference §4).
const (
	MaxAuthorNameLen  = 100
	MaxRefIDLen       = 255
	MaxReasonLen      = 1000
	MaxTestimonialLen = 5000
	MaxMetadataBytes  = 16 << 10
	DefaultAuthorName = "User"
	DefaultLanguage   = "en"
)

var languageRE = regexp.MustCompile(`^[a-z]{2}$`)

// MessagingInput is a createQuestion body as received.
type MessagingInput struct {
	Text, Subject, Language, Classification string
	AuthorName, AuthorEmail, AuthorRefID    string
	Metadata                                json.RawMessage // nil when absent
}

// MessagingQuestion is a validated Messaging question with its defaults applied.
type MessagingQuestion struct {
	Text, Subject, Language, Classification string
	AuthorName, AuthorEmail, AuthorRefID    string
	Metadata                                json.RawMessage // a JSON object, "{}" when absent
}

// ValidateMessaging checks a createQuestion body and applies the defaults. Errors are Invalid
// and name the field.
func ValidateMessaging(in MessagingInput) (MessagingQuestion, error) {
	q := MessagingQuestion{
		Text:           textrule.Trim(in.Text),
		Subject:        textrule.Trim(in.Subject),
		Language:       textrule.Trim(in.Language),
		Classification: textrule.Trim(in.Classification),
		AuthorName:     textrule.Trim(in.AuthorName),
		AuthorEmail:    textrule.Trim(in.AuthorEmail),
		AuthorRefID:    textrule.Trim(in.AuthorRefID),
		Metadata:       in.Metadata,
	}
	if err := checkText("text", q.Text, MaxTextLen); err != nil {
		return q, err
	}
	if q.Subject == "" {
		q.Subject = DefaultSubject(q.Text)
	} else if err := checkText("subject", q.Subject, MaxSubjectLen); err != nil {
		return q, err
	}
	if q.Language == "" {
		q.Language = DefaultLanguage
	} else if !languageRE.MatchString(q.Language) {
		return q, apierr.Invalidf("language: must be a lowercase ISO 639-1 code such as en or es (got %q)", in.Language)
	}
	if q.AuthorName == "" {
		q.AuthorName = DefaultAuthorName
	} else if err := checkText("author.name", q.AuthorName, MaxAuthorNameLen); err != nil {
		return q, err
	}
	if q.AuthorEmail != "" {
		if err := CheckEmail("author.email", q.AuthorEmail); err != nil {
			return q, err
		}
	}
	if utf8.RuneCountInString(q.AuthorRefID) > MaxRefIDLen {
		return q, apierr.Invalidf("author.refId: must be at most %d characters", MaxRefIDLen)
	}
	meta := bytes.TrimSpace(q.Metadata)
	switch {
	case len(meta) == 0 || string(meta) == "null":
		q.Metadata = json.RawMessage("{}")
	case meta[0] != '{' || !json.Valid(meta):
		return q, apierr.Invalidf("metadata: must be a JSON object")
	case len(meta) > MaxMetadataBytes:
		return q, apierr.Invalidf("metadata: must be at most %d bytes of JSON (got %d)", MaxMetadataBytes, len(meta))
	default:
		q.Metadata = meta
	}
	return q, nil
}

// CheckBody checks a message body (1–20000 characters after trimming) and returns it trimmed.
func CheckBody(field, body string) (string, error) {
	body = textrule.Trim(body)
	return body, checkText(field, body, MaxTextLen)
}

// CheckLimit checks an optional or required free text against a maximum length, trimmed.
func CheckLimit(field, v string, max int, required bool) (string, error) {
	v = textrule.Trim(v)
	if v == "" && !required {
		return v, nil
	}
	return v, checkText(field, v, max)
}

// CheckRating accepts the vendor's five rating values.
func CheckRating(rating string) error {
	for _, r := range Ratings {
		if r == rating {
			return nil
		}
	}
	return apierr.Invalidf("rating: must be one of %s (got %q)", strings.Join(Ratings, ", "), rating)
}
