package deskrules

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

func TestParseConversationID(t *testing.T) {
	for in, want := range map[string]int64{"1": 1, "100": 100, "+5": 5, "-3": -3, "007": 7, "9223372036854775807": 1<<63 - 1} {
		if got, err := ParseConversationID(in); err != nil || got != want {
			t.Errorf("ParseConversationID(%q) = %d, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "abc", "1.5", "0x10", "1e3", " 1", "9223372036854775808", "１"} {
		if _, err := ParseConversationID(in); msgOf(err) != "Invalid value for: path parameter conversationId" {
			t.Errorf("ParseConversationID(%q) = %v", in, err)
		}
	}
}

func TestParseUUID(t *testing.T) {
	good := map[string]string{
		"9deb936b-52e5-4c44-828d-4c8d48fe0c7e": "9deb936b-52e5-4c44-828d-4c8d48fe0c7e",
		"9DEB936B-52E5-4C44-828D-4C8D48FE0C7E": "9deb936b-52e5-4c44-828d-4c8d48fe0c7e",
		"11111111-1111-1111-1111-111111111111": "11111111-1111-1111-1111-111111111111", // any version
		"01890a5d-ac96-774b-bcce-b302099a8057": "01890a5d-ac96-774b-bcce-b302099a8057", // v7
	}
	for in, want := range good {
		if id, ok := ParseUUID(in); !ok || id.String() != want {
			t.Errorf("ParseUUID(%q) = %v, %v", in, id, ok)
		}
	}
	for _, in := range []string{"", "x", "9deb936b52e54c44828d4c8d48fe0c7e", "{9deb936b-52e5-4c44-828d-4c8d48fe0c7e}",
		"urn:uuid:9deb936b-52e5-4c44-828d-4c8d48fe0c7e", "9deb936b-52e5-4c44-828d-4c8d48fe0c7g", "9deb936b_52e5-4c44-828d-4c8d48fe0c7e"} {
		if _, ok := ParseUUID(in); ok {
			t.Errorf("ParseUUID(%q) accepted", in)
		}
	}
	if _, err := ParsePathUUID("messageId", "nope"); msgOf(err) != "Invalid value for: path parameter messageId" {
		t.Errorf("ParsePathUUID: %v", err)
	}
}

func TestFormatTime(t *testing.T) {
	for in, want := range map[time.Time]string{
		time.Date(2021, 6, 9, 8, 18, 37, 284_000_000, time.UTC):                        "2021-06-09T08:18:37.284Z",
		time.Date(2021, 6, 9, 8, 18, 37, 0, time.UTC):                                  "2021-06-09T08:18:37.000Z",
		time.Date(2021, 6, 9, 8, 18, 37, 580_000_000, time.UTC):                        "2021-06-09T08:18:37.580Z",
		time.Date(2021, 6, 9, 10, 18, 37, 999_999_999, time.FixedZone("CEST", 2*3600)): "2021-06-09T08:18:37.999Z",
	} {
		if got := FormatTime(in); got != want {
			t.Errorf("FormatTime(%v) = %s, want %s", in, got, want)
		}
	}
}

func TestNextMessageTime(t *testing.T) {
	base := time.Date(2024, 3, 5, 10, 15, 0, 120_000_000, time.UTC)
	ms := time.Millisecond
	cases := []struct {
		name      string
		now, last time.Time
		want      time.Time
	}{
		{"first message: now, cut to the ms", base.Add(456 * time.Microsecond), time.Time{}, base},
		{"clock moved on", base.Add(5 * ms), base, base.Add(5 * ms)},
		{"same millisecond: +1 ms", base.Add(300 * time.Microsecond), base, base.Add(ms)},
		{"clock stood still", base, base, base.Add(ms)},
		{"clock went back", base.Add(-time.Hour), base, base.Add(ms)},
	}
	for _, c := range cases {
		if got := NextMessageTime(c.now, c.last); !got.Equal(c.want) {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
	// A thousand messages on a stopped clock are strictly ordered.
	last := time.Time{}
	for i := 0; i < 1000; i++ {
		next := NextMessageTime(base, last)
		if !next.After(last) {
			t.Fatalf("message %d at %v is not after %v", i, next, last)
		}
		last = next
	}
}

func TestTargets(t *testing.T) {
	m := uuid.MustParse("1b9adc49-62f7-4056-a9c0-c18c1f25afdb")
	if got := MessageTarget(10749, m); got != "10749_1b9adc49-62f7-4056-a9c0-c18c1f25afdb" {
		t.Error(got)
	}
	if got := ConversationTarget(10749); got != "10749" {
		t.Error(got)
	}
	for typ, want := range map[string]string{"Message": "MessageAnonymizationType", "Conversation": "ConversationAnonymizationType",
		"User": "UserAnonymizationType", "x": "UnknownAnonymizationType"} {
		if got := EntityType(typ); got != want {
			t.Errorf("EntityType(%s) = %s", typ, got)
		}
	}
}

func TestParseForce(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want bool
		ok   bool
	}{{nil, false, true}, {[]string{"true"}, true, true}, {[]string{"false"}, false, true},
		{[]string{"false", "true"}, false, true}, {[]string{"TRUE"}, false, false}, {[]string{"1"}, false, false}, {[]string{""}, false, false}} {
		got, err := ParseForce(c.in)
		if got != c.want || (err == nil) != c.ok || (err != nil && msgOf(err) != "Invalid value for: query parameter force") {
			t.Errorf("ParseForce(%q) = %v, %v", c.in, got, err)
		}
	}
}

func TestPaging(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want int
		ok   bool
	}{{nil, 50, true}, {[]string{"1"}, 1, true}, {[]string{"300"}, 300, true}, {[]string{"301"}, 300, true},
		{[]string{"2147483647"}, 300, true}, {[]string{"2", "7"}, 2, true}, {[]string{"0"}, 0, false}, {[]string{"-1"}, 0, false},
		{[]string{"2147483648"}, 0, false}, {[]string{"x"}, 0, false}, {[]string{""}, 0, false}, {[]string{"1.0"}, 0, false}} {
		got, err := ParsePageLimit(c.in)
		if got != c.want || (err == nil) != c.ok || (err != nil && msgOf(err) != "Invalid value for: query parameter pageLimit") {
			t.Errorf("ParsePageLimit(%q) = %d, %v", c.in, got, err)
		}
	}
	at := time.Date(2020, 12, 16, 9, 41, 43, 123_456_000, time.UTC)
	k := After(at, "9deb936b-52e5-4c44-828d-4c8d48fe0c7e")
	got, err := ParseContactPageKey([]string{k.Encode()})
	if err != nil || got == nil || *got != k || !got.Time().Equal(at) {
		t.Fatalf("ParseContactPageKey(Encode) = %v, %v", got, err)
	}
	if got, err := ParseContactPageKey(nil); got != nil || err != nil {
		t.Errorf("absent pageKey: %v, %v", got, err)
	}
	ck := After(at, "42")
	if got, err := ParseConversationPageKey([]string{ck.Encode()}); err != nil || *got != ck {
		t.Errorf("ParseConversationPageKey(Encode) = %v, %v", got, err)
	}
	const bad = "Invalid value for: query parameter pageKey"
	for _, key := range []string{"", "x", "e30", k.Encode() + "x", ck.Encode()} { // e30 = {}
		if _, err := ParseContactPageKey([]string{key}); msgOf(err) != bad {
			t.Errorf("ParseContactPageKey(%q) = %v", key, err)
		}
	}
	if _, err := ParseConversationPageKey([]string{k.Encode()}); msgOf(err) != bad {
		t.Errorf("a contact key read as a conversation key: %v", err)
	}
}

func TestCheckContact(t *testing.T) {
	cases := []struct {
		name  string
		in    ContactInput
		agent bool
		keys  []ContactKey
		ok    bool
	}{
		{"empty end user", ContactInput{}, false, nil, true},
		{"full end user", ContactInput{Email: "Jane@Example.org", PhoneNumber: "+45 (12) 34-56-78", ExternalID: "C-1",
			AdditionalEmails: []string{"j@work.example"}, AdditionalPhoneNumbers: []string{"12345678"}}, false,
			[]ContactKey{{"email", "jane@example.org"}, {"email", "j@work.example"}, {"phone", "+4512345678"}, {"phone", "12345678"}, {"externalId", "C-1"}}, true},
		{"display-name address", ContactInput{Email: "Jane <jane@example.org>"}, false, nil, false},
		{"not an address", ContactInput{Email: "jane"}, false, nil, false},
		{"short phone", ContactInput{PhoneNumber: "12345"}, false, nil, false},
		{"long phone", ContactInput{PhoneNumber: "+1234567890123456"}, false, nil, false},
		{"letters in phone", ContactInput{PhoneNumber: "+45 12 34 AB"}, false, nil, false},
		{"repeated additional email", ContactInput{AdditionalEmails: []string{"a@x.org", "A@x.org"}}, false, nil, false},
		{"primary repeated in additional", ContactInput{Email: "a@x.org", AdditionalEmails: []string{"a@x.org"}}, false, nil, false},
		{"repeated phone", ContactInput{PhoneNumber: "+4512345678", AdditionalPhoneNumbers: []string{"+45 12345678"}}, false, nil, false},
		{"repeated middle name", ContactInput{MiddleNames: []string{"A", "A"}}, false, nil, false},
		{"agent", ContactInput{DisplayName: "A", Email: "a@acme.example"}, true, []ContactKey{{"email", "a@acme.example"}}, true},
		{"agent with empty email", ContactInput{DisplayName: "A"}, true, nil, false},
		{"agent externalId is not a key", ContactInput{DisplayName: "A", Email: "a@acme.example", ExternalID: "x"}, true, []ContactKey{{"email", "a@acme.example"}}, true},
	}
	for _, c := range cases {
		keys, err := CheckContact(c.in, c.agent)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := MsgEndUserValidation
		if c.agent {
			want = MsgAgentValidation
		}
		if err != nil && msgOf(err) != want {
			t.Errorf("%s: %q", c.name, msgOf(err))
		}
		if c.ok && !equalKeys(keys, c.keys) {
			t.Errorf("%s: keys %v, want %v", c.name, keys, c.keys)
		}
	}
}

func equalKeys(a, b []ContactKey) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestContactFilter(t *testing.T) {
	s := func(v ...string) []string { return v }
	cases := []struct {
		name                   string
		email, phone, external []string
		agent                  bool
		want                   Filter
		err                    string
	}{
		{"none", nil, nil, nil, false, Filter{}, ""},
		{"email, any case", s("Jane@X.org"), nil, nil, false, Filter{"email", "jane@x.org"}, ""},
		{"phone normalised", nil, s("+45 12-34-56-78"), nil, false, Filter{"phone", "+4512345678"}, ""},
		{"externalId as is", nil, nil, s("C-1"), false, Filter{"externalId", "C-1"}, ""},
		{"repeated parameter keeps the first", s("a@x.org", "b@x.org"), nil, nil, false, Filter{"email", "a@x.org"}, ""},
		{"empty email", s(""), nil, nil, false, Filter{}, "Invalid value for: query parameter email"},
		{"empty phone before two filters", s("a@x.org"), s(""), nil, false, Filter{}, "Invalid value for: query parameter phone"},
		{"empty externalId", nil, nil, s(""), false, Filter{}, "Invalid value for: query parameter externalId"},
		{"two filters", s("a@x.org"), nil, s("C-1"), false, Filter{}, MsgEndUserFilters},
		{"agent: two filters", s("a@x.org"), s("+4512345678"), nil, true, Filter{}, MsgAgentFilters},
		{"agent: externalId is no filter", nil, nil, s("C-1"), true, Filter{}, ""},
	}
	for _, c := range cases {
		f, err := ContactFilter(c.email, c.phone, c.external, c.agent)
		if msgOf(err) != c.err || f != c.want {
			t.Errorf("%s: %v, %q", c.name, f, msgOf(err))
		}
	}
}

func TestCheckNewConversation(t *testing.T) {
	agent := uuid.New()
	inbound := MessageInput{Direction: Inbound, Content: content("Text", "hi")}
	outbound := MessageInput{Direction: Outbound, AgentID: agent, Content: content("Html", "hi")}
	jane := Requester{Email: "jane@example.org", DisplayName: "Jane", PhoneNumber: "+4512345678"}
	cases := []struct {
		name    string
		in      ConversationInput
		r       Requester
		channel Channel
		err     string
	}{
		{"email", ConversationInput{Type: "Email", EmailIntegrationID: "s@x.io", Subject: "S", Message: inbound}, jane, ChannelEmail, ""},
		{"contact form", ConversationInput{Type: "ContactForm", EmailIntegrationID: "s@x.io", Message: outbound}, jane, ChannelContactForm, ""},
		{"chat", ConversationInput{Type: "Chat", Message: inbound}, Requester{}, ChannelWidgetChat, ""},
		{"sms outbound", ConversationInput{Type: "Sms", ContactEndpointID: "+4570000000", Message: outbound}, jane, ChannelSms, ""},
		{"sms inbound", ConversationInput{Type: "Sms", ContactEndpointID: "+4570000000", Message: inbound}, jane, ChannelSms, MsgInvalidMessage},
		{"sms requester without phone", ConversationInput{Type: "Sms", ContactEndpointID: "+4570000000", Message: outbound}, Requester{Email: "j@x.org"}, ChannelSms, MsgInvalidMessage},
		{"email requester without email", ConversationInput{Type: "Email", EmailIntegrationID: "s@x.io", Message: inbound}, Requester{PhoneNumber: "+4512345678"}, ChannelEmail, MsgInvalidMessage},
		{"callback", ConversationInput{Type: "Callback"}, jane, "", MsgUnsupportedChannel},
		{"markdown on email", ConversationInput{Type: "Email", EmailIntegrationID: "s@x.io", Message: MessageInput{Direction: Inbound, Content: content("Markdown", "x")}}, jane, ChannelEmail, MsgInvalidMessage},
	}
	for _, c := range cases {
		nc, err := CheckNewConversation(c.in, c.r)
		if msgOf(err) != c.err {
			t.Errorf("%s: %q, want %q", c.name, msgOf(err), c.err)
			continue
		}
		if c.channel != "" && nc.Channel != c.channel {
			t.Errorf("%s: channel %s, want %s", c.name, nc.Channel, c.channel)
		}
		if err == nil && nc.Direction != c.in.Message.Direction {
			t.Errorf("%s: direction %s", c.name, nc.Direction)
		}
	}
	nc, _ := CheckNewConversation(ConversationInput{Type: "Email", EmailIntegrationID: "s@x.io", Subject: "S", Language: "en", Message: inbound}, jane)
	if nc.IntegrationEmail != "s@x.io" || nc.FromEmail != "jane@example.org" || nc.Subject != "S" || nc.Language != "en" {
		t.Errorf("email read model: %+v", nc)
	}
	nc, _ = CheckNewConversation(ConversationInput{Type: "Sms", ContactEndpointID: "+4570000000", Message: outbound}, jane)
	if nc.FromNumber != "+4512345678" || nc.ToNumber != "+4570000000" {
		t.Errorf("sms read model: %+v", nc)
	}
}

func TestConversationType(t *testing.T) {
	for ch, want := range map[Channel]string{ChannelEmail: "EmailConversation", ChannelContactForm: "ContactFormConversation",
		ChannelWidgetChat: "ChatConversation", ChannelSms: "SmsConversation", ChannelWhatsApp: "WhatsAppConversation",
		ChannelMessenger: "MessengerConversation", ChannelPstnPhone: "PstnPhoneConversation", ChannelCallback: "GenericConversation"} {
		if got := ConversationType(ch, false); got != want {
			t.Errorf("%s: %s", ch, got)
		}
	}
	if got := ConversationType(ChannelEmail, true); got != "AnonymizedConversation" {
		t.Error(got)
	}
}

func TestCheckAnonymize(t *testing.T) {
	now := time.Now()
	cases := []struct {
		state      string
		anonymized *time.Time
		force      bool
		closeFirst bool
		err        string
	}{
		{StateClosed, nil, false, false, ""},
		{StateClosed, nil, true, false, ""},
		{StateOpen, nil, false, false, MsgConversationNotClosed},
		{StateOpen, nil, true, true, ""},
		{StateClosed, &now, true, false, MsgConversationAnonymized},
	}
	for _, c := range cases {
		cf, err := CheckAnonymizeConversation(c.state, c.anonymized, c.force)
		if cf != c.closeFirst || msgOf(err) != c.err || (err != nil && apierr.KindOf(err) != apierr.Conflict) {
			t.Errorf("%+v: %v, %v", c, cf, err)
		}
	}
	if err := CheckAnonymizeMessage(false, false); err != nil {
		t.Error(err)
	}
	for _, c := range [][2]bool{{true, false}, {false, true}, {true, true}} {
		if err := CheckAnonymizeMessage(c[0], c[1]); msgOf(err) != MsgMessageAnonymized || apierr.KindOf(err) != apierr.Conflict {
			t.Errorf("%v: %v", c, err)
		}
	}
}

func TestVendorMessage(t *testing.T) {
	cases := []struct {
		kind apierr.Kind
		msg  string
		want string
	}{
		{apierr.Invalid, MsgInvalidMessage, MsgInvalidMessage},
		{apierr.Invalid, "Invalid value for: path parameter conversationId", "Invalid value for: path parameter conversationId"},
		{apierr.Invalid, "Invalid value for: query parameter pageKey", "Invalid value for: query parameter pageKey"},
		{apierr.Invalid, "request body: unexpected EOF", MsgBody},
		{apierr.Invalid, "Invalid value for: path parameter x; drop table", MsgBody},
		{apierr.NotFound, "no route for GET /desk/x", MsgNotFound},
		{apierr.Unauthorized, "invalid token", MsgUnauthorized},
		{apierr.Conflict, MsgConversationNotClosed, MsgConversationNotClosed},
		{apierr.Conflict, "unique violation", MsgInternal},
		{apierr.RateLimited, "x", MsgTooManyRequests},
		{apierr.MethodNotAllowed, "x", MsgMethodNotAllowed},
		{apierr.Internal, "sql: database is closed", MsgInternal},
	}
	for _, c := range cases {
		if got := VendorMessage(c.kind, c.msg); got != c.want {
			t.Errorf("VendorMessage(%v, %q) = %q, want %q", c.kind, c.msg, got, c.want)
		}
	}
}
