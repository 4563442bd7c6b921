package deskrules

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// Attribute types this server produces.
const (
	AttrEmail       = "EmailAttributes"
	AttrContactForm = "ContactFormAttributes"
	AttrChat        = "ChatAttributes"
	AttrSms         = "SmsAttributes"
	AttrWhatsApp    = "WhatsAppAttributes"
)

// Contact is an email address with an optional name.
type Contact struct {
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
}

// EmailContent is an email's body (`Regular`).
type EmailContent struct {
	Content Content `json:"content"`
	Type    string  `json:"_type"`
}

// Attributes is the channel-specific part of a stored message (the list item's `attributes`).
// Which fields it carries depends on Type: the email family (EmailAttributes,
// ContactFormAttributes) has contacts, emailContent and inline images; ChatAttributes has
// content and isAutomated; SmsAttributes and WhatsAppAttributes have content.
type Attributes struct {
	Type        string
	Direction   Direction
	Content     *Content // chat and text channels; nil when the message had none
	Attachments []File

	EmailContent *EmailContent // email family
	From         *Contact
	To, CC, BCC  []Contact
	InlineImages []File
	IsAutoReply  bool

	IsAutomated bool // chat
}

// Conversation facts the attributes are built from.
type AttributeContext struct {
	Channel          Channel
	IntegrationEmail string  // the conversation's integration address ("" when it has none)
	Requester        Contact // the end user: email and display name
}

// BuildAttributes returns the attributes of a new message (reference §6.2). It assumes
// CheckMessage passed.
func BuildAttributes(c AttributeContext, in MessageInput) Attributes {
	files := append([]File{}, in.Attachments...)
	a := Attributes{Direction: in.Direction, Attachments: files}
	switch c.Channel {
	case ChannelEmail, ChannelContactForm:
		a.Type = AttrEmail
		if c.Channel == ChannelContactForm {
			a.Type = AttrContactForm
		}
		integration := Contact{Email: c.IntegrationEmail}
		if in.IntegrationEmail != "" {
			integration.Email = in.IntegrationEmail
		}
		a.CC, a.BCC, a.InlineImages = []Contact{}, []Contact{}, []File{}
		if in.Direction == Inbound {
			from := c.Requester
			a.From, a.To = &from, []Contact{integration}
		} else {
			a.From, a.To = &integration, []Contact{c.Requester}
			for _, s := range in.CC {
				a.CC = append(a.CC, Contact{Email: s})
			}
			for _, s := range in.BCC {
				a.BCC = append(a.BCC, Contact{Email: s})
			}
		}
		if in.Content != nil {
			a.EmailContent = &EmailContent{Content: *in.Content, Type: "Regular"}
		}
	case ChannelWidgetChat, ChannelMessenger:
		a.Type, a.Content = AttrChat, copyContent(in.Content)
	case ChannelSms:
		a.Type, a.Content = AttrSms, copyContent(in.Content)
	case ChannelWhatsApp:
		a.Type, a.Content = AttrWhatsApp, copyContent(in.Content)
	}
	return a
}

func copyContent(c *Content) *Content {
	if c == nil {
		return nil
	}
	v := *c
	return &v
}

// Redact returns a's anonymized form (reference §6.5): every content value becomes "" (keeping
// its type), files are removed; direction, flags and contacts stay.
func Redact(a Attributes) Attributes {
	if a.Content != nil {
		a.Content = &Content{Type: a.Content.Type}
	}
	if a.EmailContent != nil {
		a.EmailContent = &EmailContent{Content: Content{Type: a.EmailContent.Content.Type}, Type: a.EmailContent.Type}
	}
	a.Attachments = []File{}
	if a.InlineImages != nil {
		a.InlineImages = []File{}
	}
	return a
}

// The JSON forms, in the field order of Dixa's examples. Arrays are always present.
type emailJSON struct {
	EmailContent *EmailContent `json:"emailContent,omitempty"`
	From         *Contact      `json:"from,omitempty"`
	To           []Contact     `json:"to"`
	CC           []Contact     `json:"cc"`
	BCC          []Contact     `json:"bcc"`
	IsAutoReply  bool          `json:"isAutoReply"`
	InlineImages []File        `json:"inlineImages"`
	Attachments  []File        `json:"attachments"`
	Direction    Direction     `json:"direction"`
	Type         string        `json:"_type"`
}

type chatJSON struct {
	Content     *Content  `json:"content,omitempty"`
	Direction   Direction `json:"direction"`
	Attachments []File    `json:"attachments"`
	IsAutomated bool      `json:"isAutomated"`
	Type        string    `json:"_type"`
}

type textJSON struct {
	Content     *Content  `json:"content,omitempty"`
	Direction   Direction `json:"direction"`
	Attachments []File    `json:"attachments"`
	Type        string    `json:"_type"`
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// MarshalJSON writes the attributes as the API shows them.
func (a Attributes) MarshalJSON() ([]byte, error) {
	switch a.Type {
	case AttrEmail, AttrContactForm:
		return marshal(emailJSON{
			EmailContent: a.EmailContent, From: a.From, To: orEmpty(a.To), CC: orEmpty(a.CC), BCC: orEmpty(a.BCC),
			IsAutoReply: a.IsAutoReply, InlineImages: orEmpty(a.InlineImages), Attachments: orEmpty(a.Attachments),
			Direction: a.Direction, Type: a.Type,
		})
	case AttrChat:
		return marshal(chatJSON{Content: a.Content, Direction: a.Direction, Attachments: orEmpty(a.Attachments), IsAutomated: a.IsAutomated, Type: a.Type})
	case AttrSms, AttrWhatsApp:
		return marshal(textJSON{Content: a.Content, Direction: a.Direction, Attachments: orEmpty(a.Attachments), Type: a.Type})
	}
	return nil, fmt.Errorf("deskrules: attributes of unknown type %q", a.Type)
}

// marshal is json.Marshal without HTML escaping: text is stored and shown as written.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// UnmarshalJSON reads attributes written by MarshalJSON.
func (a *Attributes) UnmarshalJSON(b []byte) error {
	var head struct {
		Type string `json:"_type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	switch head.Type {
	case AttrEmail, AttrContactForm:
		var e emailJSON
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		*a = Attributes{Type: e.Type, Direction: e.Direction, Attachments: e.Attachments, EmailContent: e.EmailContent,
			From: e.From, To: e.To, CC: e.CC, BCC: e.BCC, InlineImages: e.InlineImages, IsAutoReply: e.IsAutoReply}
	case AttrChat:
		var c chatJSON
		if err := json.Unmarshal(b, &c); err != nil {
			return err
		}
		*a = Attributes{Type: c.Type, Direction: c.Direction, Content: c.Content, Attachments: c.Attachments, IsAutomated: c.IsAutomated}
	case AttrSms, AttrWhatsApp:
		var t textJSON
		if err := json.Unmarshal(b, &t); err != nil {
			return err
		}
		*a = Attributes{Type: t.Type, Direction: t.Direction, Content: t.Content, Attachments: t.Attachments}
	default:
		return errors.New("deskrules: attributes of unknown type " + head.Type)
	}
	return nil
}
