package question_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/bracketform"
	"github.com/switchboard-dev/switchboard/server/question"
)

// seedBody is the H0 saveQuestion sample as curl puts it on the wire (raw spaces, raw "@" and brackets).
const seedBody = "text=sample question detailed description&emailAddress=user@example.com" +
	"&fullname=Joe User&helpDeskId=123456789&metadata[Operating+System]=iOS+8.1" +
	"&metadata[Browser]=Safari&metadata[Account][Creation Date]=2016-06-06 11:34:00" +
	"&metadata[Account][Worth]=1000000"

// parseBody decodes a literal urlencoded body with the default limits.
func parseBody(t *testing.T, body string) *bracketform.Map {
	t.Helper()
	m, err := bracketform.ParseURLEncoded([]byte(body), bracketform.DefaultLimits)
	if err != nil {
		t.Fatalf("ParseURLEncoded(%q): %v", body, err)
	}
	return m
}

// metadataOf returns the metadata map of a literal body (nil when the body has none).
func metadataOf(t *testing.T, body string) *bracketform.Map {
	t.Helper()
	v, ok := parseBody(t, body).Get("metadata")
	if !ok {
		return nil
	}
	if v.Kind() != bracketform.MapKind {
		t.Fatalf("metadata of %q is a %v, want a map", body, v.Kind())
	}
	return v.Map()
}

// inputOf turns a literal body into a HelpDeskInput the way the handler does.
func inputOf(t *testing.T, body string) question.HelpDeskInput {
	t.Helper()
	m := parseBody(t, body)
	s := func(k string) string { v, _ := m.Get(k); return v.Str() }
	var category *string
	if v, ok := m.Get("questionCategory"); ok {
		c := v.Str()
		category = &c
	}
	return question.HelpDeskInput{
		Text: s("text"), HelpDeskID: s("helpDeskId"), Email: s("emailAddress"), FullName: s("fullname"),
		Subject: s("subject"), EliteOnly: s("isEliteOnly"), Category: category,
		RewardCategory: s("rewardCategory"), Metadata: metadataOf(t, body),
	}
}

func valid() question.HelpDeskInput {
	return question.HelpDeskInput{Text: "My printer is on fire", HelpDeskID: "500Abc", Email: "joe.user@example.com"}
}

func TestValidateHelpDeskSeedSample(t *testing.T) {
	q, err := question.ValidateHelpDesk(inputOf(t, seedBody))
	if err != nil {
		t.Fatalf("ValidateHelpDesk(seed sample): %v", err)
	}
	want := question.NewQuestion{
		Text: "sample question detailed description", HelpDeskID: "123456789", Email: "user@example.com",
		Name: "Joe User", Subject: "sample question detailed description",
	}
	if q.Text != want.Text || q.HelpDeskID != want.HelpDeskID || q.Email != want.Email || q.Name != want.Name ||
		q.Subject != want.Subject || q.Category != "" || q.EliteOnly {
		t.Errorf("ValidateHelpDesk(seed sample) = %+v, want %+v", q, want)
	}
	if got := q.Metadata.Keys(); !slices.Equal(got, []string{"Operating System", "Browser", "Account"}) {
		t.Errorf("metadata keys = %q", got)
	}
	if got := question.Slug(q.Subject); got != "sample-question-detailed-description" {
		t.Errorf("Slug(subject) = %q", got)
	}
}

func TestValidateHelpDeskErrors(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*question.HelpDeskInput)
		wantMsg string // prefix of the error message
	}{
		{"empty text", func(in *question.HelpDeskInput) { in.Text = "" }, "text: must not be blank"},
		{"whitespace text", func(in *question.HelpDeskInput) { in.Text = " \t\r\n  " }, "text: must not be blank"},
		{"text one over", func(in *question.HelpDeskInput) { in.Text = strings.Repeat("a", 20001) }, "text: must be at most 20000 characters"},
		{"text of é one over", func(in *question.HelpDeskInput) { in.Text = strings.Repeat("é", 20001) }, "text: must be at most 20000 characters"},
		{"empty helpDeskId", func(in *question.HelpDeskInput) { in.HelpDeskID = "" }, "helpDeskId: must not be blank"},
		{"whitespace helpDeskId", func(in *question.HelpDeskInput) { in.HelpDeskID = "   " }, "helpDeskId: must not be blank"},
		{"helpDeskId one over", func(in *question.HelpDeskInput) { in.HelpDeskID = strings.Repeat("9", 256) }, "helpDeskId: must be at most 255 characters"},
		{"helpDeskId of é one over", func(in *question.HelpDeskInput) { in.HelpDeskID = strings.Repeat("é", 256) }, "helpDeskId: must be at most 255 characters"},
		{"empty email", func(in *question.HelpDeskInput) { in.Email = "" }, "emailAddress: must not be blank"},
		{"whitespace email", func(in *question.HelpDeskInput) { in.Email = "  \t" }, "emailAddress: must not be blank"},
		{"email without @", func(in *question.HelpDeskInput) { in.Email = "user.example.com" }, "emailAddress: "},
		{"email with two @", func(in *question.HelpDeskInput) { in.Email = "user@example@com" }, "emailAddress: "},
		{"email with @@", func(in *question.HelpDeskInput) { in.Email = "user@@example.com" }, "emailAddress: "},
		{"email empty local part", func(in *question.HelpDeskInput) { in.Email = "@example.com" }, "emailAddress: "},
		{"email empty domain", func(in *question.HelpDeskInput) { in.Email = "user@" }, "emailAddress: "},
		{"email blank local part", func(in *question.HelpDeskInput) { in.Email = "  @example.com" }, "emailAddress: "},
		{"email blank domain", func(in *question.HelpDeskInput) { in.Email = "user@   " }, "emailAddress: "},
		{"email only @", func(in *question.HelpDeskInput) { in.Email = "@" }, "emailAddress: "},
		{"email one over", func(in *question.HelpDeskInput) { in.Email = strings.Repeat("u", 243) + "@example.com" }, "emailAddress: must be at most 254 characters"},
		{"fullname one over", func(in *question.HelpDeskInput) { in.FullName = strings.Repeat("n", 256) }, "fullname: must be at most 255 characters"},
		{"fullname of é one over", func(in *question.HelpDeskInput) { in.FullName = strings.Repeat("é", 256) }, "fullname: must be at most 255 characters"},
		{"subject one over", func(in *question.HelpDeskInput) { in.Subject = strings.Repeat("s", 256) }, "subject: must be at most 255 characters"},
		{"subject of é one over", func(in *question.HelpDeskInput) { in.Subject = strings.Repeat("é", 256) }, "subject: must be at most 255 characters"},
		{"questionCategory one over", func(in *question.HelpDeskInput) { in.Category = ptr(strings.Repeat("c", 256)) }, "questionCategory: must be at most 255 characters"},
		{"rewardCategory fallback one over", func(in *question.HelpDeskInput) { in.RewardCategory = strings.Repeat("c", 256) }, "questionCategory: must be at most 255 characters"},
		// The order of the checks: text, then helpDeskId, then emailAddress.
		{"everything missing reports text", func(in *question.HelpDeskInput) { *in = question.HelpDeskInput{} }, "text: "},
		{"id and email missing reports helpDeskId", func(in *question.HelpDeskInput) { in.HelpDeskID, in.Email = "", "" }, "helpDeskId: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.mod(&in)
			q, err := question.ValidateHelpDesk(in)
			if err == nil {
				t.Fatalf("ValidateHelpDesk = %+v, nil; want an error starting %q", q, tt.wantMsg)
			}
			if k := apierr.KindOf(err); k != apierr.Invalid {
				t.Errorf("kind = %v, want invalid", k)
			}
			if !strings.HasPrefix(err.Error(), tt.wantMsg) {
				t.Errorf("error = %q, want prefix %q", err, tt.wantMsg)
			}
			if q != (question.NewQuestion{}) {
				t.Errorf("question returned with the error: %+v", q)
			}
		})
	}
}

func TestValidateHelpDeskAccepts(t *testing.T) {
	tests := []struct {
		name  string
		mod   func(*question.HelpDeskInput)
		check func(t *testing.T, q question.NewQuestion)
	}{
		{"text at limit", func(in *question.HelpDeskInput) { in.Text = strings.Repeat("a", 20000) }, nil},
		{"text of 20000 é (characters, not bytes)", func(in *question.HelpDeskInput) { in.Text = strings.Repeat("é", 20000) },
			func(t *testing.T, q question.NewQuestion) {
				if n := utf8.RuneCountInString(q.Text); n != 20000 {
					t.Errorf("text has %d characters", n)
				}
			}},
		{"text with surrounding whitespace at limit", func(in *question.HelpDeskInput) { in.Text = "  \n" + strings.Repeat("a", 20000) + "\t " },
			func(t *testing.T, q question.NewQuestion) {
				if q.Text != strings.Repeat("a", 20000) {
					t.Errorf("text not trimmed")
				}
			}},
		{"helpDeskId at limit", func(in *question.HelpDeskInput) { in.HelpDeskID = strings.Repeat("9", 255) }, nil},
		{"helpDeskId of 255 é", func(in *question.HelpDeskInput) { in.HelpDeskID = strings.Repeat("é", 255) }, nil},
		{"helpDeskId trimmed, case kept", func(in *question.HelpDeskInput) { in.HelpDeskID = "  500AbC01 " },
			func(t *testing.T, q question.NewQuestion) {
				if q.HelpDeskID != "500AbC01" {
					t.Errorf("HelpDeskID = %q", q.HelpDeskID)
				}
			}},
		{"helpDeskId with leading zeros kept as text", func(in *question.HelpDeskInput) { in.HelpDeskID = "000123" },
			func(t *testing.T, q question.NewQuestion) {
				if q.HelpDeskID != "000123" {
					t.Errorf("HelpDeskID = %q", q.HelpDeskID)
				}
			}},
		{"email at limit", func(in *question.HelpDeskInput) { in.Email = strings.Repeat("u", 242) + "@example.com" }, nil},
		{"email trimmed", func(in *question.HelpDeskInput) { in.Email = "  user@example.com\t" },
			func(t *testing.T, q question.NewQuestion) {
				if q.Email != "user@example.com" {
					t.Errorf("Email = %q", q.Email)
				}
			}},
		{"fullname at limit", func(in *question.HelpDeskInput) { in.FullName = strings.Repeat("é", 255) }, nil},
		{"subject at limit", func(in *question.HelpDeskInput) { in.Subject = strings.Repeat("é", 255) }, nil},
		{"questionCategory at limit", func(in *question.HelpDeskInput) { in.Category = ptr(strings.Repeat("é", 255)) }, nil},
		{"fullname given is kept (trimmed)", func(in *question.HelpDeskInput) { in.FullName = "  Jane Roe " },
			func(t *testing.T, q question.NewQuestion) {
				if q.Name != "Jane Roe" {
					t.Errorf("Name = %q", q.Name)
				}
			}},
		{"fullname blank falls back to DisplayName", func(in *question.HelpDeskInput) { in.FullName = "   " },
			func(t *testing.T, q question.NewQuestion) {
				if q.Name != "Joe User" {
					t.Errorf("Name = %q, want Joe User", q.Name)
				}
			}},
		{"fullname absent falls back to DisplayName", func(in *question.HelpDeskInput) { in.Email = "a_b-c+d@x" },
			func(t *testing.T, q question.NewQuestion) {
				if q.Name != "A B C D" {
					t.Errorf("Name = %q, want A B C D", q.Name)
				}
			}},
		{"subject given is kept (trimmed)", func(in *question.HelpDeskInput) { in.Subject = " Fire! " },
			func(t *testing.T, q question.NewQuestion) {
				if q.Subject != "Fire!" {
					t.Errorf("Subject = %q", q.Subject)
				}
			}},
		{"subject absent falls back to DefaultSubject", func(in *question.HelpDeskInput) { in.Text = "\n\n  My   printer\tis on fire \nmore detail" },
			func(t *testing.T, q question.NewQuestion) {
				if q.Subject != "My printer is on fire" {
					t.Errorf("Subject = %q", q.Subject)
				}
			}},
		{"subject blank falls back to DefaultSubject", func(in *question.HelpDeskInput) { in.Subject = " \t " },
			func(t *testing.T, q question.NewQuestion) {
				if q.Subject != "My printer is on fire" {
					t.Errorf("Subject = %q", q.Subject)
				}
			}},
		{"questionCategory kept", func(in *question.HelpDeskInput) { in.Category = ptr(" Billing ") },
			func(t *testing.T, q question.NewQuestion) {
				if q.Category != "Billing" {
					t.Errorf("Category = %q", q.Category)
				}
			}},
		{"rewardCategory used when questionCategory absent", func(in *question.HelpDeskInput) { in.RewardCategory = " Legacy " },
			func(t *testing.T, q question.NewQuestion) {
				if q.Category != "Legacy" {
					t.Errorf("Category = %q, want Legacy", q.Category)
				}
			}},
		{"rewardCategory ignored when questionCategory is present but empty", func(in *question.HelpDeskInput) { in.Category, in.RewardCategory = ptr(""), "Legacy" },
			func(t *testing.T, q question.NewQuestion) {
				if q.Category != "" {
					t.Errorf("Category = %q, want empty", q.Category)
				}
			}},
		{"rewardCategory ignored when questionCategory present", func(in *question.HelpDeskInput) { in.Category, in.RewardCategory = ptr("Billing"), "Legacy" },
			func(t *testing.T, q question.NewQuestion) {
				if q.Category != "Billing" {
					t.Errorf("Category = %q, want Billing", q.Category)
				}
			}},
		{"rewardCategory too long is ignored when questionCategory present", func(in *question.HelpDeskInput) {
			in.Category, in.RewardCategory = ptr("Billing"), strings.Repeat("c", 300)
		}, func(t *testing.T, q question.NewQuestion) {
			if q.Category != "Billing" {
				t.Errorf("Category = %q, want Billing", q.Category)
			}
		}},
		{"no metadata gives an empty map", nil,
			func(t *testing.T, q question.NewQuestion) {
				if q.Metadata == nil || q.Metadata.Len() != 0 {
					t.Errorf("Metadata = %v, want an empty non-nil map", q.Metadata)
				}
			}},
		{"no elite flag", nil,
			func(t *testing.T, q question.NewQuestion) {
				if q.EliteOnly {
					t.Errorf("EliteOnly = true")
				}
			}},
		{"elite flag on", func(in *question.HelpDeskInput) { in.EliteOnly = "on" },
			func(t *testing.T, q question.NewQuestion) {
				if !q.EliteOnly {
					t.Errorf("EliteOnly = false")
				}
			}},
		{"elite flag YES", func(in *question.HelpDeskInput) { in.EliteOnly = "YES" },
			func(t *testing.T, q question.NewQuestion) {
				if !q.EliteOnly {
					t.Errorf("EliteOnly = false")
				}
			}},
		{"elite flag off", func(in *question.HelpDeskInput) { in.EliteOnly = "off" },
			func(t *testing.T, q question.NewQuestion) {
				if q.EliteOnly {
					t.Errorf("EliteOnly = true")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			if tt.mod != nil {
				tt.mod(&in)
			}
			q, err := question.ValidateHelpDesk(in)
			if err != nil {
				t.Fatalf("ValidateHelpDesk: %v", err)
			}
			if tt.check != nil {
				tt.check(t, q)
			}
		})
	}
}

// The Help Desk reference (§3) limits emailAddress to 254 characters, and every other limit of
// ValidateHelpDesk counts characters (code points), not bytes.
func TestValidateHelpDeskEmailLimitCountsCharacters(t *testing.T) {
	in := valid()
	in.Email = strings.Repeat("é", 200) + "@example.com" // 212 characters, 412 bytes
	if _, err := question.ValidateHelpDesk(in); err != nil {
		t.Errorf("ValidateHelpDesk(212-character email): %v", err)
	}
	in.Email = strings.Repeat("é", 243) + "@example.com" // 255 characters
	if _, err := question.ValidateHelpDesk(in); err == nil {
		t.Errorf("ValidateHelpDesk(255-character email) succeeded")
	}
}

func TestValidateHelpDeskMetadataPassesThrough(t *testing.T) {
	in := inputOf(t, seedBody+"&metadata[tags][]=a&metadata[tags][]=b")
	q, err := question.ValidateHelpDesk(in)
	if err != nil {
		t.Fatal(err)
	}
	if q.Metadata != in.Metadata {
		t.Errorf("metadata replaced; want the parsed tree itself")
	}
	want := `{"Operating System":"iOS 8.1","Browser":"Safari","Account":{"Creation Date":"2016-06-06 11:34:00","Worth":"1000000"},"tags":["a","b"]}`
	if b, _ := q.Metadata.MarshalJSON(); string(b) != want {
		t.Errorf("metadata = %s, want %s", b, want)
	}
}

func TestEliteOnly(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"on", true}, {"ON", true}, {"On", true}, {"true", true}, {"TRUE", true}, {"True", true},
		{"1", true}, {"yes", true}, {"YES", true}, {"yEs", true}, {" on ", true}, {"\ttrue\n", true},
		{"", false}, {"off", false}, {"false", false}, {"0", false}, {"no", false}, {"y", false},
		{"t", false}, {"2", false}, {"enabled", false}, {"onn", false}, {"o n", false}, {"yes please", false},
	}
	for _, tt := range tests {
		if got := question.EliteOnly(tt.in); got != tt.want {
			t.Errorf("EliteOnly(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		email string
		ok    bool
	}{
		{"user@example.com", true},
		{"a@b", true},
		{"first.last+tag@sub.example.co.uk", true},
		{"", false},
		{"userexample.com", false},
		{"a@b@c", false},
		{"@b", false},
		{"a@", false},
		{"@", false},
		{" @b", false},
		{"a@ ", false},
		{strings.Repeat("u", 242) + "@example.com", true},
		{strings.Repeat("u", 243) + "@example.com", false},
	}
	for _, tt := range tests {
		err := question.CheckEmail("email", tt.email)
		if (err == nil) != tt.ok {
			t.Errorf("CheckEmail(%q) = %v, want ok=%v", tt.email, err, tt.ok)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "email: ") || apierr.KindOf(err) != apierr.Invalid {
				t.Errorf("CheckEmail(%q) error = %q (kind %v); want an invalid error naming the field", tt.email, err, apierr.KindOf(err))
			}
		}
	}
}

func TestHelpDeskID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"123456789", "123456789", true},
		{"  5003000000D8cuI \n", "5003000000D8cuI", true},
		{strings.Repeat("é", 255), strings.Repeat("é", 255), true},
		{"", "", false},
		{" \t ", "", false},
		{strings.Repeat("x", 256), "", false},
	}
	for _, tt := range tests {
		got, err := question.HelpDeskID(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("HelpDeskID(%.20q) error = %v, want ok=%v", tt.in, err, tt.ok)
			continue
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "helpDeskId: ") || apierr.KindOf(err) != apierr.Invalid {
				t.Errorf("HelpDeskID(%.20q) error = %q", tt.in, err)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("HelpDeskID(%.20q) = %.20q, want %.20q", tt.in, got, tt.want)
		}
	}
}

func TestDisplayName(t *testing.T) {
	tests := []struct{ email, want string }{
		{"joe.user@example.com", "Joe User"},
		{"a_b-c+d@x", "A B C D"},
		{"user@example.com", "User"},
		{"joe@example.com", "Joe"},
		{"JOE.USER@example.com", "JOE USER"},
		{"mcDonald.o'neil@x", "McDonald O'neil"},
		{"jean..paul@x", "Jean Paul"},
		{".joe.@x", "Joe"},
		{"joe.user+support@x", "Joe User Support"},
		{"élodie.ünal@example.fr", "Élodie Ünal"},
		{"øystein_åsen@example.no", "Øystein Åsen"},
		{"владимир.путин@x", "Владимир Путин"},
		{"123.abc@x", "123 Abc"},
		{"..@x", "User"},
		{"@x", "User"},
		{"nodomain", "Nodomain"},
	}
	for _, tt := range tests {
		if got := question.DisplayName(tt.email); got != tt.want {
			t.Errorf("DisplayName(%q) = %q, want %q", tt.email, got, tt.want)
		}
	}
}

func TestDefaultSubject(t *testing.T) {
	words20 := strings.TrimSpace(strings.Repeat("abcd ", 20)) // 99 characters
	tests := []struct {
		name, text, want string
	}{
		{"seed sample", "sample question detailed description", "sample question detailed description"},
		{"first non-empty line", "\n\n   \t\nFirst line\nsecond line", "First line"},
		{"CRLF lines", "\r\n\r\nHello there\r\nWorld", "Hello there"},
		{"whitespace collapsed", "  My   printer\t\tis\u00a0 on fire  ", "My printer is on fire"},
		{"only whitespace", " \n\t\n ", ""},
		{"empty", "", ""},
		{"exactly 100", strings.Repeat("x", 100), strings.Repeat("x", 100)},
		{"exactly 100 with spaces", words20 + "a", words20 + "a"},
		{"over 100 cut at last space", strings.Repeat("abcd ", 30), words20 + "..."},
		{"101 characters cut at last space", strings.Repeat("a", 50) + " " + strings.Repeat("b", 50), strings.Repeat("a", 50) + "..."},
		{"150-char word without space", strings.Repeat("w", 150), strings.Repeat("w", 100) + "..."},
		{"150 é counted in characters", strings.Repeat("é", 150), strings.Repeat("é", 100) + "..."},
		{"long line after blank lines", "\n\n" + strings.Repeat("abcd ", 30) + "\nnext", words20 + "..."},
		{"long second line ignored", "short\n" + strings.Repeat("z", 300), "short"},
		{"collapsed before measuring", "a" + strings.Repeat(" ", 200) + "b", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := question.DefaultSubject(tt.text)
			if got != tt.want {
				t.Errorf("DefaultSubject = %q, want %q", got, tt.want)
			}
			if n := utf8.RuneCountInString(strings.TrimSuffix(got, "...")); n > 100 {
				t.Errorf("DefaultSubject has %d characters before the ellipsis", n)
			}
		})
	}
}

func TestSlug(t *testing.T) {
	nine := "abcdefghi"
	tests := []struct {
		name, subject, want string
	}{
		{"seed sample", "sample question detailed description", "sample-question-detailed-description"},
		{"uppercase", "Printer ON Fire", "printer-on-fire"},
		{"punctuation runs", "Hello,   World!! -- (again)?", "hello-world-again"},
		{"leading and trailing", "  ...Hello...  ", "hello"},
		{"leading and trailing dashes", "--a--b--", "a-b"},
		{"digits kept", "Error 404 on v2.1", "error-404-on-v2-1"},
		{"underscores", "snake_case_subject", "snake-case-subject"},
		{"empty", "", "question"},
		{"only punctuation", "?!?! --- ...", "question"},
		{"only non-ASCII", "日本語の質問", "question"},
		{"non-ASCII letters are separators", "Café crème brûlée", "caf-cr-me-br-l-e"},
		{"non-ASCII mixed", "Ünïcödé 2.0", "n-c-d-2-0"},
		{"exactly 60", strings.Repeat("a", 60), strings.Repeat("a", 60)},
		{"61 without dash cut hard", strings.Repeat("a", 61), strings.Repeat("a", 60)},
		{"long word without dash cut hard", strings.Repeat("a", 150), strings.Repeat("a", 60)},
		{"over 60 cut at last dash", strings.Repeat(nine+" ", 10), strings.TrimSuffix(strings.Repeat(nine+"-", 6), "-")},
		{"dash exactly at 60", strings.Repeat("a", 60) + " b", strings.Repeat("a", 60)},
		{"dash at 59", strings.Repeat("a", 59) + " bc", strings.Repeat("a", 59)},
		{"dash at 61 is beyond the cut", strings.Repeat("a", 30) + " " + strings.Repeat("b", 30) + " c", strings.Repeat("a", 30)},
		{"punctuation run does not count", strings.Repeat("a", 30) + " !!! " + strings.Repeat("b", 29), strings.Repeat("a", 30) + "-" + strings.Repeat("b", 29)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := question.Slug(tt.subject)
			if got != tt.want {
				t.Errorf("Slug(%q) = %q, want %q", tt.subject, got, tt.want)
			}
		})
	}
}

// Whatever the input, a slug is 1–60 characters of a-z, 0-9 and single inner dashes.
func TestSlugShape(t *testing.T) {
	inputs := []string{
		"", "-", "a", "A-B", strings.Repeat("ab cd ", 40), strings.Repeat("x", 61) + " y",
		strings.Repeat("é a ", 50), "  trailing  " + strings.Repeat("z", 58) + "  ", "İstanbul Kelvin \u212a",
		"tab\tnew\nline", strings.Repeat("a-", 45),
	}
	for _, in := range inputs {
		s := question.Slug(in)
		if len(s) == 0 || len(s) > 60 {
			t.Errorf("Slug(%q) = %q: length %d", in, s, len(s))
		}
		if strings.HasPrefix(s, "-") || strings.HasSuffix(s, "-") || strings.Contains(s, "--") {
			t.Errorf("Slug(%q) = %q: bad dashes", in, s)
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
				t.Errorf("Slug(%q) = %q: holds %q", in, s, r)
			}
		}
	}
}

func TestPublicURL(t *testing.T) {
	tests := []struct {
		subdomain, domain, subject string
		id                         int64
		want                       string
	}{
		{"subdomain", "directly.com", "sample question detailed description", 218312,
			"https://subdomain.directly.com/p/subdomain-sample-question-detailed-description-218312"},
		{"demo", "directly.com", "", 1, "https://demo.directly.com/p/demo-question-1"},
		{"acme", "example.test", "Printer on FIRE!", 42, "https://acme.example.test/p/acme-printer-on-fire-42"},
	}
	for _, tt := range tests {
		if got := question.PublicURL(tt.subdomain, tt.domain, tt.subject, tt.id); got != tt.want {
			t.Errorf("PublicURL(%q, %q, %q, %d) = %q, want %q", tt.subdomain, tt.domain, tt.subject, tt.id, got, tt.want)
		}
	}
}

func TestHelpDeskStatus(t *testing.T) {
	tests := []struct {
		status  string
		answers int
		want    string
	}{
		{question.Unresolved, 0, "0 answers"},
		{question.Unresolved, 1, "1 answer"},
		{question.Unresolved, 2, "2 answers"},
		{question.Unresolved, 11, "11 answers"},
		{question.Resolved, 1, "1 answer"},
		{question.Resolved, 3, "3 answers"},
		{question.Closed, 0, "CLOSED"},
		{question.Closed, 2, "CLOSED"},
		{question.Expired, 0, "CLOSED"},
		{question.Expired, 1, "CLOSED"},
		{question.Rerouted, 0, "CLOSED"},
		{question.Rerouted, 5, "CLOSED"},
	}
	for _, tt := range tests {
		if got := question.HelpDeskStatus(tt.status, tt.answers); got != tt.want {
			t.Errorf("HelpDeskStatus(%s, %d) = %q, want %q", tt.status, tt.answers, got, tt.want)
		}
	}
}

func TestVisibleMetadata(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string // JSON of the visible map
	}{
		{"seed sample hides Account", seedBody, `{"Operating System":"iOS 8.1","Browser":"Safari"}`},
		{"list of strings visible", "metadata[tags][]=a&metadata[tags][]=b&metadata[x]=1", `{"tags":["a","b"],"x":"1"}`},
		{"list holding a map hidden", "metadata[x][][k]=1&metadata[x][][k]=2&metadata[y]=v", `{"y":"v"}`},
		{"numbered keys are a map, hidden", "metadata[l][0]=a&metadata[l][1]=b", `{}`},
		{"list of lists hidden", "metadata[ll][][]=1&metadata[s]=t", `{"s":"t"}`},
		{"empty value visible", "metadata[x]=", `{"x":""}`},
		{"order kept around hidden entries", "metadata[z]=1&metadata[h][a]=2&metadata[a]=3&metadata[m][]=4", `{"z":"1","a":"3","m":["4"]}`},
		{"no metadata", "text=hi", `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metadataOf(t, tt.body)
			var before []byte
			if m != nil {
				before, _ = m.MarshalJSON()
			}
			got := question.VisibleMetadata(m)
			if got == nil {
				t.Fatal("VisibleMetadata returned nil")
			}
			if b, _ := got.MarshalJSON(); string(b) != tt.want {
				t.Errorf("VisibleMetadata = %s, want %s", b, tt.want)
			}
			if m != nil {
				if after, _ := m.MarshalJSON(); string(after) != string(before) {
					t.Errorf("input changed: %s → %s", before, after)
				}
			}
		})
	}
}

func TestVisibleMetadataJSONShapes(t *testing.T) {
	m, err := bracketform.ParseJSONObject([]byte(`{"s":"v","n":1.5,"b":true,"el":[],"eo":{},"lm":["a",{"k":"v"}],"ls":["a","b"]}`), bracketform.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := question.VisibleMetadata(m).MarshalJSON()
	if want := `{"s":"v","n":"1.5","b":"true","el":[],"ls":["a","b"]}`; string(got) != want {
		t.Errorf("VisibleMetadata = %s, want %s", got, want)
	}
}

func TestVisibleMetadataNil(t *testing.T) {
	got := question.VisibleMetadata(nil)
	if got == nil || got.Len() != 0 {
		t.Errorf("VisibleMetadata(nil) = %v, want an empty map", got)
	}
}

func ptr(s string) *string { return &s }
