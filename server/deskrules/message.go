package deskrules

import (
	"net/url"
	"path"
	"strings"

	"github.com/google/uuid"
)

// Channel is a conversation's channel, as the API names it.
type Channel string

// The channels of Dixa's API.
const (
	ChannelEmail             Channel = "Email"
	ChannelContactForm       Channel = "ContactForm"
	ChannelWidgetChat        Channel = "WidgetChat"
	ChannelMessenger         Channel = "Messenger"
	ChannelSms               Channel = "Sms"
	ChannelWhatsApp          Channel = "WhatsApp"
	ChannelPstnPhone         Channel = "PstnPhone"
	ChannelCallback          Channel = "Callback"
	ChannelVoicemail         Channel = "Voicemail"
	ChannelFacebookMessenger Channel = "FacebookMessenger"
	ChannelTwitter           Channel = "Twitter"
)

// Direction is who wrote a message.
type Direction string

// Message directions. Internal exists in the vendor's enum but is never produced.
const (
	Inbound  Direction = "Inbound"
	Outbound Direction = "Outbound"
)

// Content types.
const (
	ContentHtml     = "Html"
	ContentText     = "Text"
	ContentMarkdown = "Markdown"
)

// Content is a message's text and its type (Html, Text or Markdown).
type Content struct {
	Value string `json:"value"`
	Type  string `json:"_type"`
}

// File is an attachment, by URL.
type File struct {
	URL        string `json:"url"`
	PrettyName string `json:"prettyName,omitempty"`
}

// MessageInput is a message to add, decoded from the body: the fields of CreateMessageInput.
type MessageInput struct {
	Direction        Direction
	Content          *Content  // nil when absent (only an Outbound message may omit it)
	AgentID          uuid.UUID // the author of an Outbound message
	Attachments      []File
	ExternalID       string // "" is absent
	IntegrationEmail string
	CC, BCC          []string // Outbound only
}

// Limits of a message.
const (
	MaxAttachments         = 10
	MaxWhatsAppAttachments = 1
	MaxURLLength           = 2048
)

// channelRule is one row of the channel matrix.
type channelRule struct {
	messages      bool            // the channel takes messages at all
	inbound       bool            // Inbound messages are allowed
	contentTypes  map[string]bool // allowed Content types
	contentOption bool            // an Outbound message may omit content
	maxFiles      int
	fileTypes     map[string]bool // allowed attachment extensions; nil: any
}

var htmlOrText = map[string]bool{ContentHtml: true, ContentText: true}

// channels is the channel × direction × content-type matrix (reference §6.1).
var channels = map[Channel]channelRule{
	ChannelEmail:       {messages: true, inbound: true, contentTypes: htmlOrText, maxFiles: MaxAttachments},
	ChannelContactForm: {messages: true, inbound: true, contentTypes: htmlOrText, maxFiles: MaxAttachments},
	ChannelWidgetChat:  {messages: true, inbound: true, contentTypes: htmlOrText, maxFiles: MaxAttachments},
	ChannelMessenger:   {messages: true, inbound: true, contentTypes: htmlOrText, maxFiles: MaxAttachments},
	ChannelSms:         {messages: true, inbound: false, contentTypes: htmlOrText, maxFiles: MaxAttachments},
	ChannelWhatsApp: {messages: true, inbound: false, contentTypes: map[string]bool{ContentMarkdown: true},
		contentOption: true, maxFiles: MaxWhatsAppAttachments,
		fileTypes: map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".pdf": true, ".doc": true, ".docx": true, ".pptx": true, ".xlsx": true}},
	ChannelPstnPhone:         {},
	ChannelCallback:          {},
	ChannelVoicemail:         {},
	ChannelFacebookMessenger: {},
	ChannelTwitter:           {},
}

// CheckChannel is step 5 of adding a message: the channel must take messages.
func CheckChannel(ch Channel) error {
	if !channels[ch].messages {
		return UnsupportedChannel()
	}
	return nil
}

// CheckMessage is step 6 of adding a message: the rules of the conversation's channel and state.
// It assumes CheckChannel passed. anonymized is whether the conversation was anonymized.
func CheckMessage(ch Channel, anonymized bool, in MessageInput) error {
	rule := channels[ch]
	switch {
	case anonymized:
		return InvalidMessage()
	case in.Direction == Inbound && !rule.inbound:
		return InvalidMessage()
	case in.Direction != Inbound && in.Direction != Outbound:
		return InvalidMessage()
	case in.Content == nil && (in.Direction == Inbound || !rule.contentOption):
		return InvalidMessage()
	case in.Content != nil && !rule.contentTypes[in.Content.Type]:
		return InvalidMessage()
	case len(in.Attachments) > rule.maxFiles:
		return InvalidMessage()
	case (in.Content == nil || isBlank(in.Content.Value)) && len(in.Attachments) == 0:
		return InvalidMessage()
	}
	for _, f := range in.Attachments {
		if !ValidAttachmentURL(f.URL) {
			return InvalidMessage()
		}
		if rule.fileTypes != nil && !rule.fileTypes[fileExtension(f)] {
			return InvalidMessage()
		}
	}
	return nil
}

// ValidAttachmentURL is the check every attachment URL passes, downloaded or not: absolute http
// or https, a host, no user info, at most MaxURLLength characters.
func ValidAttachmentURL(raw string) bool {
	if raw == "" || len(raw) > MaxURLLength {
		return false
	}
	u, err := url.Parse(raw)
	if err != nil || u.User != nil || u.Hostname() == "" || u.Opaque != "" {
		return false
	}
	return u.Scheme == "http" || u.Scheme == "https"
}

// fileExtension is a file's type as the WhatsApp rule reads it: from prettyName, else the URL's
// path; lower-case, with the dot.
func fileExtension(f File) string {
	name := f.PrettyName
	if name == "" {
		if u, err := url.Parse(f.URL); err == nil {
			name = u.Path
		}
	}
	return strings.ToLower(path.Ext(name))
}
