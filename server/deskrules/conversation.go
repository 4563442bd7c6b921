package deskrules

import (
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

// Conversation states.
const (
	StateOpen   = "Open"
	StateClosed = "Closed"
)

// Create-conversation input types (the `_type` of CreateConversationInput).
const (
	CreateEmail       = "Email"
	CreateContactForm = "ContactForm"
	CreateChat        = "Chat"
	CreateSms         = "Sms"
	CreateCallback    = "Callback"
)

// BrowserInfo describes the browser of a chat.
type BrowserInfo struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	IPAddress      string `json:"ipAddress,omitempty"`
	OriginatingURL string `json:"originatingUrl,omitempty"`
}

// ConversationInput is a conversation to create, decoded from the body.
type ConversationInput struct {
	Type               string // Email, ContactForm, Chat, Sms, Callback
	RequesterID        uuid.UUID
	EmailIntegrationID string // Email, ContactForm
	Subject            string // Email, ContactForm
	Language           string
	WidgetID           uuid.UUID    // Chat
	BrowserInfo        *BrowserInfo // Chat
	ContactEndpointID  string       // Sms
	Message            MessageInput // absent for Callback
}

// Requester is what the rules need to know of a conversation's end user.
type Requester struct {
	Email       string
	DisplayName string
	PhoneNumber string
}

// NewConversation is a conversation about to be created, with the channel fields of its read model.
type NewConversation struct {
	Channel          Channel
	Direction        Direction
	IntegrationEmail string // Email, ContactForm: also toEmail
	FromEmail        string
	Subject          string
	Language         string
	BrowserInfo      *BrowserInfo
	FromNumber       string // Sms
	ToNumber         string // Sms
}

// CheckNewConversation runs the create-conversation rules that follow the requester look-up
// (reference §5.4): the channel must take messages (Callback does not), the requester needs an
// email address (Email, ContactForm) or a phone number (Sms), and the first message must suit the
// channel (CheckMessage). It returns the conversation's channel fields.
func CheckNewConversation(in ConversationInput, r Requester) (NewConversation, error) {
	var c NewConversation
	switch in.Type {
	case CreateEmail, CreateContactForm:
		c = NewConversation{Channel: ChannelEmail, IntegrationEmail: in.EmailIntegrationID, FromEmail: r.Email,
			Subject: in.Subject, Language: in.Language}
		if in.Type == CreateContactForm {
			c.Channel = ChannelContactForm
		}
		if r.Email == "" {
			return c, InvalidMessage()
		}
	case CreateChat:
		c = NewConversation{Channel: ChannelWidgetChat, BrowserInfo: in.BrowserInfo, Language: in.Language}
	case CreateSms:
		c = NewConversation{Channel: ChannelSms, FromNumber: r.PhoneNumber, ToNumber: in.ContactEndpointID}
	case CreateCallback:
		return c, UnsupportedChannel()
	default:
		return c, Body()
	}
	if err := CheckChannel(c.Channel); err != nil {
		return c, err
	}
	if c.Channel == ChannelSms && r.PhoneNumber == "" {
		return c, InvalidMessage()
	}
	if err := CheckMessage(c.Channel, false, in.Message); err != nil {
		return c, err
	}
	c.Direction = in.Message.Direction
	return c, nil
}

// ConversationType is the read model's `_type` for a conversation of channel ch, or
// "AnonymizedConversation" once anonymized.
func ConversationType(ch Channel, anonymized bool) string {
	if anonymized {
		return "AnonymizedConversation"
	}
	switch ch {
	case ChannelWidgetChat:
		return "ChatConversation"
	case ChannelEmail, ChannelContactForm, ChannelSms, ChannelWhatsApp, ChannelMessenger, ChannelFacebookMessenger,
		ChannelTwitter, ChannelPstnPhone:
		return string(ch) + "Conversation"
	}
	return "GenericConversation"
}

// CheckAnonymizeConversation decides whether a conversation may be anonymized (reference §5.6):
// never twice; one that is not Closed only with force, which closes it first (closeFirst).
func CheckAnonymizeConversation(state string, anonymizedAt *time.Time, force bool) (closeFirst bool, err error) {
	switch {
	case anonymizedAt != nil:
		return false, apierr.Conflictf("%s", MsgConversationAnonymized)
	case state == StateClosed:
		return false, nil
	case !force:
		return false, apierr.Conflictf("%s", MsgConversationNotClosed)
	}
	return true, nil
}

// CheckAnonymizeMessage decides whether a message may be anonymized (reference §5.3): not when it,
// or its conversation, already was.
func CheckAnonymizeMessage(messageRedacted bool, conversationAnonymized bool) error {
	if messageRedacted || conversationAnonymized {
		return apierr.Conflictf("%s", MsgMessageAnonymized)
	}
	return nil
}

// Anonymization request types (`_type`) and their deprecated entityType.
const (
	RequestConversation = "Conversation"
	RequestMessage      = "Message"
	RequestUser         = "User"
)

// EntityType is the deprecated entityType of an anonymization request of type t.
func EntityType(t string) string {
	switch t {
	case RequestConversation, RequestMessage, RequestUser:
		return t + "AnonymizationType"
	}
	return "UnknownAnonymizationType"
}
