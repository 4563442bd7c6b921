package deskrules

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

func msgOf(err error) string {
	if err == nil {
		return ""
	}
	return apierr.As(err).Message
}

func content(t, v string) *Content { return &Content{Type: t, Value: v} }

// TestChannelMatrix checks every cell of channel × direction × content type (reference §6.1).
func TestChannelMatrix(t *testing.T) {
	all := []Channel{ChannelEmail, ChannelContactForm, ChannelWidgetChat, ChannelMessenger, ChannelSms, ChannelWhatsApp,
		ChannelPstnPhone, ChannelCallback, ChannelVoicemail, ChannelFacebookMessenger, ChannelTwitter}
	type cell struct {
		dir Direction
		typ string
	}
	allowed := map[Channel]map[cell]bool{
		ChannelEmail:       {{Inbound, "Html"}: true, {Inbound, "Text"}: true, {Outbound, "Html"}: true, {Outbound, "Text"}: true},
		ChannelContactForm: {{Inbound, "Html"}: true, {Inbound, "Text"}: true, {Outbound, "Html"}: true, {Outbound, "Text"}: true},
		ChannelWidgetChat:  {{Inbound, "Html"}: true, {Inbound, "Text"}: true, {Outbound, "Html"}: true, {Outbound, "Text"}: true},
		ChannelMessenger:   {{Inbound, "Html"}: true, {Inbound, "Text"}: true, {Outbound, "Html"}: true, {Outbound, "Text"}: true},
		ChannelSms:         {{Outbound, "Html"}: true, {Outbound, "Text"}: true},
		ChannelWhatsApp:    {{Outbound, "Markdown"}: true},
	}
	unsupported := map[Channel]bool{ChannelPstnPhone: true, ChannelCallback: true, ChannelVoicemail: true,
		ChannelFacebookMessenger: true, ChannelTwitter: true}
	for _, ch := range all {
		if err := CheckChannel(ch); (err != nil) != unsupported[ch] {
			t.Errorf("CheckChannel(%s) = %v", ch, err)
		} else if err != nil && msgOf(err) != MsgUnsupportedChannel {
			t.Errorf("CheckChannel(%s) = %q", ch, msgOf(err))
		}
		if unsupported[ch] {
			continue
		}
		for _, dir := range []Direction{Inbound, Outbound} {
			for _, typ := range []string{"Html", "Text", "Markdown"} {
				in := MessageInput{Direction: dir, Content: content(typ, "hello"), AgentID: uuid.New()}
				err := CheckMessage(ch, false, in)
				want := allowed[ch][cell{dir, typ}]
				if (err == nil) != want {
					t.Errorf("%s %s %s: err %v, want allowed=%v", ch, dir, typ, err, want)
				}
				if err != nil && msgOf(err) != MsgInvalidMessage {
					t.Errorf("%s %s %s: %q", ch, dir, typ, msgOf(err))
				}
			}
		}
	}
}

func TestCheckMessageRules(t *testing.T) {
	file := func(url, name string) File { return File{URL: url, PrettyName: name} }
	files := func(n int) []File {
		var fs []File
		for i := 0; i < n; i++ {
			fs = append(fs, file("https://files.example/a.pdf", ""))
		}
		return fs
	}
	out := func(c *Content, fs ...File) MessageInput {
		return MessageInput{Direction: Outbound, Content: c, AgentID: uuid.New(), Attachments: fs}
	}
	cases := []struct {
		name       string
		ch         Channel
		anonymized bool
		in         MessageInput
		ok         bool
	}{
		{"inbound email", ChannelEmail, false, MessageInput{Direction: Inbound, Content: content("Html", "hi")}, true},
		{"anonymized conversation", ChannelEmail, true, MessageInput{Direction: Inbound, Content: content("Html", "hi")}, false},
		{"inbound without content", ChannelEmail, false, MessageInput{Direction: Inbound}, false},
		{"outbound without content on email", ChannelEmail, false, out(nil), false},
		{"outbound without content on email, with a file", ChannelEmail, false, out(nil, files(1)...), false},
		{"empty text, no files", ChannelEmail, false, out(content("Text", "")), false},
		{"blank text, no files", ChannelEmail, false, out(content("Text", " \t\n")), false},
		{"empty text with a file", ChannelEmail, false, out(content("Text", ""), files(1)...), true},
		{"ten files", ChannelEmail, false, out(content("Text", "x"), files(10)...), true},
		{"eleven files", ChannelEmail, false, out(content("Text", "x"), files(11)...), false},
		{"ftp url", ChannelEmail, false, out(content("Text", "x"), file("ftp://files.example/a.pdf", "")), false},
		{"relative url", ChannelEmail, false, out(content("Text", "x"), file("/a.pdf", "")), false},
		{"url without host", ChannelEmail, false, out(content("Text", "x"), file("https:///a.pdf", "")), false},
		{"url with user info", ChannelEmail, false, out(content("Text", "x"), file("https://u:p@files.example/a.pdf", "")), false},
		{"url of 2048 characters", ChannelEmail, false, out(content("Text", "x"), file("https://files.example/"+strings.Repeat("a", 2048-22), "")), true},
		{"url of 2049 characters", ChannelEmail, false, out(content("Text", "x"), file("https://files.example/"+strings.Repeat("a", 2049-22), "")), false},
		{"opaque url", ChannelEmail, false, out(content("Text", "x"), file("https:files.example", "")), false},
		{"whatsapp without content, one pdf", ChannelWhatsApp, false, out(nil, file("https://f.example/x", "Invoice.PDF")), true},
		{"whatsapp without content or file", ChannelWhatsApp, false, out(nil), false},
		{"whatsapp markdown", ChannelWhatsApp, false, out(content("Markdown", "**hi**")), true},
		{"whatsapp two files", ChannelWhatsApp, false, out(content("Markdown", "x"), files(2)...), false},
		{"whatsapp type from url", ChannelWhatsApp, false, out(content("Markdown", "x"), file("https://f.example/photo.jpeg?x=1", "")), true},
		{"whatsapp exe", ChannelWhatsApp, false, out(content("Markdown", "x"), file("https://f.example/x.exe", "")), false},
		{"whatsapp prettyName wins over url", ChannelWhatsApp, false, out(content("Markdown", "x"), file("https://f.example/x.pdf", "x.exe")), false},
		{"sms inbound", ChannelSms, false, MessageInput{Direction: Inbound, Content: content("Text", "hi")}, false},
		{"sms outbound", ChannelSms, false, out(content("Text", "hi")), true},
		{"unknown direction", ChannelEmail, false, MessageInput{Direction: "Internal", Content: content("Text", "hi")}, false},
	}
	for _, c := range cases {
		err := CheckMessage(c.ch, c.anonymized, c.in)
		if (err == nil) != c.ok {
			t.Errorf("%s: err %v, want ok=%v", c.name, err, c.ok)
		}
		if err != nil && msgOf(err) != MsgInvalidMessage {
			t.Errorf("%s: %q", c.name, msgOf(err))
		}
	}
}

func TestBuildAttributes(t *testing.T) {
	agent := uuid.New()
	requester := Contact{Email: "jane@example.org", Name: "Jane Doe"}
	ctx := func(ch Channel) AttributeContext {
		return AttributeContext{Channel: ch, IntegrationEmail: "support@acme.email.dixa.io", Requester: requester}
	}
	pdf := File{URL: "https://files.example/a.pdf", PrettyName: "a.pdf"}
	cases := []struct {
		name string
		ch   Channel
		in   MessageInput
		want string
	}{
		{"email inbound", ChannelEmail, MessageInput{Direction: Inbound, Content: content("Html", "<p>hi</p>")},
			`{"emailContent":{"content":{"value":"<p>hi</p>","_type":"Html"},"_type":"Regular"},"from":{"email":"jane@example.org","name":"Jane Doe"},"to":[{"email":"support@acme.email.dixa.io"}],"cc":[],"bcc":[],"isAutoReply":false,"inlineImages":[],"attachments":[],"direction":"Inbound","_type":"EmailAttributes"}`},
		{"email outbound with cc, bcc, own integration and a file", ChannelEmail, MessageInput{Direction: Outbound, AgentID: agent,
			Content: content("Text", "Hello"), IntegrationEmail: "billing@acme.email.dixa.io", CC: []string{"boss@example.org"}, BCC: []string{"audit@example.org"},
			Attachments: []File{pdf}},
			`{"emailContent":{"content":{"value":"Hello","_type":"Text"},"_type":"Regular"},"from":{"email":"billing@acme.email.dixa.io"},"to":[{"email":"jane@example.org","name":"Jane Doe"}],"cc":[{"email":"boss@example.org"}],"bcc":[{"email":"audit@example.org"}],"isAutoReply":false,"inlineImages":[],"attachments":[{"url":"https://files.example/a.pdf","prettyName":"a.pdf"}],"direction":"Outbound","_type":"EmailAttributes"}`},
		{"contact form", ChannelContactForm, MessageInput{Direction: Inbound, Content: content("Text", "hi")},
			`{"emailContent":{"content":{"value":"hi","_type":"Text"},"_type":"Regular"},"from":{"email":"jane@example.org","name":"Jane Doe"},"to":[{"email":"support@acme.email.dixa.io"}],"cc":[],"bcc":[],"isAutoReply":false,"inlineImages":[],"attachments":[],"direction":"Inbound","_type":"ContactFormAttributes"}`},
		{"chat", ChannelWidgetChat, MessageInput{Direction: Outbound, AgentID: agent, Content: content("Text", "hi")},
			`{"content":{"value":"hi","_type":"Text"},"direction":"Outbound","attachments":[],"isAutomated":false,"_type":"ChatAttributes"}`},
		{"messenger", ChannelMessenger, MessageInput{Direction: Inbound, Content: content("Html", "hi")},
			`{"content":{"value":"hi","_type":"Html"},"direction":"Inbound","attachments":[],"isAutomated":false,"_type":"ChatAttributes"}`},
		{"sms", ChannelSms, MessageInput{Direction: Outbound, AgentID: agent, Content: content("Text", "hi")},
			`{"content":{"value":"hi","_type":"Text"},"direction":"Outbound","attachments":[],"_type":"SmsAttributes"}`},
		{"whatsapp, file only", ChannelWhatsApp, MessageInput{Direction: Outbound, AgentID: agent, Attachments: []File{pdf}},
			`{"direction":"Outbound","attachments":[{"url":"https://files.example/a.pdf","prettyName":"a.pdf"}],"_type":"WhatsAppAttributes"}`},
	}
	for _, c := range cases {
		a := BuildAttributes(ctx(c.ch), c.in)
		b, err := a.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if string(b) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, b, c.want)
		}
		var back Attributes
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: unmarshal: %v", c.name, err)
		}
		if b2, _ := back.MarshalJSON(); string(b2) != string(b) {
			t.Errorf("%s: round trip changed it:\n%s\n%s", c.name, b, b2)
		}
	}
	// A requester without a display name has no name.
	a := BuildAttributes(AttributeContext{Channel: ChannelEmail, IntegrationEmail: "s@x.io", Requester: Contact{Email: "j@x.org"}},
		MessageInput{Direction: Inbound, Content: content("Text", "x")})
	if b, _ := json.Marshal(a.From); string(b) != `{"email":"j@x.org"}` {
		t.Errorf("from without a name: %s", b)
	}
}

func TestRedact(t *testing.T) {
	agent := uuid.New()
	for _, ch := range []Channel{ChannelEmail, ChannelContactForm, ChannelWidgetChat, ChannelSms, ChannelWhatsApp} {
		typ := "Text"
		if ch == ChannelWhatsApp {
			typ = "Markdown"
		}
		in := MessageInput{Direction: Outbound, AgentID: agent, Content: content(typ, "secret"),
			Attachments: []File{{URL: "https://files.example/a.pdf"}}, CC: []string{"boss@example.org"}}
		a := BuildAttributes(AttributeContext{Channel: ch, IntegrationEmail: "s@x.io", Requester: Contact{Email: "j@x.org", Name: "J"}}, in)
		r := Redact(a)
		b, _ := json.Marshal(r)
		s := string(b)
		if strings.Contains(s, "secret") || strings.Contains(s, "a.pdf") {
			t.Errorf("%s: redacted attributes still hold the text or the file: %s", ch, s)
		}
		if !strings.Contains(s, `"value":"","_type":"`+typ+`"`) || !strings.Contains(s, `"attachments":[]`) ||
			!strings.Contains(s, `"direction":"Outbound"`) {
			t.Errorf("%s: redaction lost the shape: %s", ch, s)
		}
		if (ch == ChannelEmail || ch == ChannelContactForm) && (!strings.Contains(s, `"to":[{"email":"j@x.org","name":"J"}]`) ||
			!strings.Contains(s, `"cc":[{"email":"boss@example.org"}]`) || !strings.Contains(s, `"inlineImages":[]`)) {
			t.Errorf("%s: contacts must stay: %s", ch, s)
		}
		// The original is untouched.
		if b0, _ := json.Marshal(a); !strings.Contains(string(b0), "secret") {
			t.Errorf("%s: Redact changed its argument", ch)
		}
	}
	// The reference's example of a redacted message.
	var a Attributes
	ref := `{"from":{"email":"support@acme.email.dixa.io"},"to":[{"email":"jane@example.org"}],"cc":[],"bcc":[],"isAutoReply":false,"emailContent":{"content":{"value":"","_type":"Html"},"_type":"Regular"},"inlineImages":[],"attachments":[],"direction":"Outbound","_type":"EmailAttributes"}`
	if err := json.Unmarshal([]byte(ref), &a); err != nil {
		t.Fatal(err)
	}
	if got, _ := json.Marshal(Redact(a)); !jsonEqual(t, got, []byte(ref)) {
		t.Errorf("redacting a redacted message changed it: %s", got)
	}
}

func jsonEqual(t *testing.T, a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		t.Fatalf("not JSON: %s / %s", a, b)
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return string(xa) == string(ya)
}

func TestAttributesOfUnknownType(t *testing.T) {
	if _, err := json.Marshal(Attributes{Type: "PhoneAttributes"}); err == nil {
		t.Error("marshalled attributes of a type this server never builds")
	}
	var a Attributes
	if err := json.Unmarshal([]byte(`{"_type":"PhoneAttributes"}`), &a); err == nil {
		t.Error("unmarshalled attributes of an unknown type")
	}
}
