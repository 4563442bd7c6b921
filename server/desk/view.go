package desk

import (
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/store"
)

// Translation between the generated wire types and the domain, both ways.

// ---- requests → domain ----

// messageInput reads a CreateMessageInput. The intake checked it against the schema, so a
// failure here is the body's.
func messageInput(b gen.CreateMessageInput) (deskrules.MessageInput, error) {
	v, err := b.ValueByDiscriminator()
	if err != nil {
		return deskrules.MessageInput{}, deskrules.Body()
	}
	var in deskrules.MessageInput
	switch m := v.(type) {
	case gen.InboundMessageInput:
		in = deskrules.MessageInput{Direction: deskrules.Inbound, Attachments: files(m.Attachments),
			ExternalID: str(m.ExternalId), IntegrationEmail: str(m.IntegrationEmail)}
		if in.Content, err = content(&m.Content); err != nil {
			return in, err
		}
	case gen.OutboundMessageInput:
		in = deskrules.MessageInput{Direction: deskrules.Outbound, Attachments: files(m.Attachments),
			ExternalID: str(m.ExternalId), IntegrationEmail: str(m.IntegrationEmail), CC: list(m.Cc), BCC: list(m.Bcc)}
		var ok bool
		if in.AgentID, ok = deskrules.ParseUUID(m.AgentId); !ok {
			return in, deskrules.Body()
		}
		if m.Content != nil {
			if in.Content, err = content(m.Content); err != nil {
				return in, err
			}
		}
	default:
		return in, deskrules.Body()
	}
	return in, nil
}

func content(c *gen.Content) (*deskrules.Content, error) {
	v, err := c.ValueByDiscriminator()
	if err != nil {
		return nil, deskrules.Body()
	}
	switch x := v.(type) {
	case gen.HtmlContent:
		return &deskrules.Content{Type: deskrules.ContentHtml, Value: x.Value}, nil
	case gen.TextContent:
		return &deskrules.Content{Type: deskrules.ContentText, Value: x.Value}, nil
	case gen.MarkdownContent:
		return &deskrules.Content{Type: deskrules.ContentMarkdown, Value: x.Value}, nil
	}
	return nil, deskrules.Body()
}

func files(fs *[]gen.File) []deskrules.File {
	if fs == nil {
		return nil
	}
	out := make([]deskrules.File, len(*fs))
	for i, f := range *fs {
		out[i] = deskrules.File{URL: f.Url, PrettyName: str(f.PrettyName)}
	}
	return out
}

// conversationInput reads a CreateConversationInput.
func conversationInput(b gen.CreateConversationInput) (deskrules.ConversationInput, error) {
	v, err := b.ValueByDiscriminator()
	if err != nil {
		return deskrules.ConversationInput{}, deskrules.Body()
	}
	var in deskrules.ConversationInput
	var requester string
	var msg *gen.CreateMessageInput
	switch c := v.(type) {
	case gen.CreateEmailConversationInput:
		in = deskrules.ConversationInput{Type: deskrules.CreateEmail, EmailIntegrationID: c.EmailIntegrationId, Subject: c.Subject, Language: str(c.Language)}
		requester, msg = c.RequesterId, &c.Message
	case gen.CreateContactFormConversationInput:
		in = deskrules.ConversationInput{Type: deskrules.CreateContactForm, EmailIntegrationID: c.EmailIntegrationId, Subject: c.Subject, Language: str(c.Language)}
		requester, msg = c.RequesterId, &c.Message
	case gen.CreateChatConversationInput:
		in = deskrules.ConversationInput{Type: deskrules.CreateChat, Language: str(c.Language)}
		if c.BrowserInfo != nil {
			in.BrowserInfo = &deskrules.BrowserInfo{Name: c.BrowserInfo.Name, Version: str(c.BrowserInfo.Version),
				IPAddress: str(c.BrowserInfo.IpAddress), OriginatingURL: str(c.BrowserInfo.OriginatingUrl)}
		}
		var ok bool
		if in.WidgetID, ok = deskrules.ParseUUID(c.WidgetId); !ok {
			return in, deskrules.Body()
		}
		requester, msg = c.RequesterId, &c.Message
	case gen.CreateSmsConversationInput:
		in = deskrules.ConversationInput{Type: deskrules.CreateSms, ContactEndpointID: c.ContactEndpointId}
		requester, msg = c.RequesterId, &c.Message
	case gen.CreateCallbackConversationInput:
		in = deskrules.ConversationInput{Type: deskrules.CreateCallback}
		requester = c.RequesterId
	default:
		return in, deskrules.Body()
	}
	var ok bool
	if in.RequesterID, ok = deskrules.ParseUUID(requester); !ok {
		return in, deskrules.Body()
	}
	if msg != nil {
		if in.Message, err = messageInput(*msg); err != nil {
			return in, err
		}
	}
	return in, nil
}

// ---- domain → responses ----

func createdMessage(m store.DeskMessage, in deskrules.MessageInput) (gen.CreatedMessage, error) {
	out := gen.CreatedMessage{AuthorId: m.AuthorID, CreatedAt: deskrules.FormatTime(m.CreatedAt),
		Direction: gen.Direction(m.Direction), ExternalId: opt(m.ExternalID), MessageId: m.ID}
	if in.Content != nil {
		c, err := wireContent(*in.Content)
		if err != nil {
			return out, err
		}
		out.Content = &c
	}
	return out, nil
}

func wireContent(c deskrules.Content) (gen.Content, error) {
	var out gen.Content
	var err error
	switch c.Type {
	case deskrules.ContentHtml:
		err = out.FromHtmlContent(gen.HtmlContent{Value: c.Value})
	case deskrules.ContentText:
		err = out.FromTextContent(gen.TextContent{Value: c.Value})
	case deskrules.ContentMarkdown:
		err = out.FromMarkdownContent(gen.MarkdownContent{Value: c.Value})
	default:
		err = fmt.Errorf("desk: content of type %q", c.Type)
	}
	return out, err
}

// message is a list item; its attributes are the stored document, passed through.
func message(m store.DeskMessage) (gen.Message, error) {
	out := gen.Message{Id: m.ID, AuthorId: m.AuthorID, CreatedAt: deskrules.FormatTime(m.CreatedAt), ExternalId: opt(m.ExternalID)}
	if err := out.Attributes.UnmarshalJSON(m.Attributes); err != nil {
		return out, fmt.Errorf("desk: message %s attributes: %w", m.ID, err)
	}
	return out, nil
}

func messages(ms []store.DeskMessage) ([]gen.Message, error) {
	out := make([]gen.Message, len(ms))
	for i, m := range ms {
		var err error
		if out[i], err = message(m); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// conversation is the read model of a conversation (reference §4.5), by channel; once anonymized
// an AnonymizedConversation.
func conversation(c store.DeskConversation) (gen.Conversation, error) {
	var out gen.Conversation
	created, stateAt := deskrules.FormatTime(c.CreatedAt), deskrules.FormatTime(c.StateUpdatedAt)
	dir, state, ch := gen.Direction(c.Direction), gen.ConversationState(c.State), gen.ConversationChannel(c.Channel)
	if c.AnonymizedAt != nil {
		return out, out.FromAnonymizedConversation(gen.AnonymizedConversation{Id: c.ID, RequesterId: c.RequesterID,
			Channel: ch, CreatedAt: created, Direction: &dir, State: &state, StateUpdatedAt: &stateAt,
			AnonymizedAt: deskrules.FormatTime(*c.AnonymizedAt)})
	}
	switch deskrules.Channel(c.Channel) {
	case deskrules.ChannelEmail:
		return out, out.FromEmailConversation(gen.EmailConversation{Id: c.ID, RequesterId: c.RequesterID, Channel: ch,
			CreatedAt: created, Direction: &dir, State: &state, StateUpdatedAt: &stateAt, ToEmail: c.IntegrationEmail,
			FromEmail: c.FromEmail, IntegrationEmail: c.IntegrationEmail, Language: opt(c.Language), Subject: opt(c.Subject)})
	case deskrules.ChannelContactForm:
		return out, out.FromContactFormConversation(gen.ContactFormConversation{Id: c.ID, RequesterId: c.RequesterID, Channel: ch,
			CreatedAt: created, Direction: &dir, State: &state, StateUpdatedAt: &stateAt, ToEmail: opt(c.IntegrationEmail),
			FromEmail: c.FromEmail, IntegrationEmail: opt(c.IntegrationEmail), Language: opt(c.Language), Subject: opt(c.Subject)})
	case deskrules.ChannelWidgetChat:
		v := gen.ChatConversation{Id: c.ID, RequesterId: c.RequesterID, Channel: ch, CreatedAt: created, Direction: &dir,
			State: &state, StateUpdatedAt: &stateAt, Language: opt(c.Language)}
		if c.BrowserInfo != "" {
			var b deskrules.BrowserInfo
			if err := json.Unmarshal([]byte(c.BrowserInfo), &b); err != nil {
				return out, fmt.Errorf("desk: conversation %d browser info: %w", c.ID, err)
			}
			v.BrowserInfo = &gen.BrowserInfo{Name: b.Name, Version: opt(b.Version), IpAddress: opt(b.IPAddress), OriginatingUrl: opt(b.OriginatingURL)}
		}
		return out, out.FromChatConversation(v)
	case deskrules.ChannelSms:
		return out, out.FromSmsConversation(gen.SmsConversation{Id: c.ID, RequesterId: c.RequesterID, Channel: ch,
			CreatedAt: created, Direction: &dir, State: &state, StateUpdatedAt: &stateAt, FromNumber: opt(c.FromNumber), ToNumber: opt(c.ToNumber)})
	}
	return out, fmt.Errorf("desk: conversation %d of channel %q has no read model here", c.ID, c.Channel)
}

func conversations(cs []store.DeskConversation) ([]gen.Conversation, error) {
	out := make([]gen.Conversation, len(cs))
	for i, c := range cs {
		var err error
		if out[i], err = conversation(c); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// anonymizationRequest is a request's status; processed adds processedAt (the 202 of the request
// itself leaves it out, reference §6.5).
func anonymizationRequest(r store.DeskAnonymizationRequest, processed bool) (gen.AnonymizationRequestStatus, error) {
	var out gen.AnonymizationRequestStatus
	entity := gen.AnonymizationEntityType(deskrules.EntityType(r.Type))
	initiated := deskrules.FormatTime(r.InitiatedAt)
	var processedAt *string
	if processed && r.ProcessedAt != nil {
		processedAt = opt(deskrules.FormatTime(*r.ProcessedAt))
	}
	switch r.Type {
	case deskrules.RequestMessage:
		return out, out.FromMessageAnonymizationRequest(gen.MessageAnonymizationRequest{Id: r.ID, EntityType: entity,
			InitiatedAt: initiated, TargetEntityId: r.TargetEntityID, RequestedBy: r.RequestedBy, ProcessedAt: processedAt})
	case deskrules.RequestConversation:
		return out, out.FromConversationAnonymizationRequest(gen.ConversationAnonymizationRequest{Id: r.ID, EntityType: entity,
			InitiatedAt: initiated, TargetEntityId: r.TargetEntityID, RequestedBy: r.RequestedBy, ProcessedAt: processedAt})
	}
	return out, fmt.Errorf("desk: anonymization request %s of type %q", r.ID, r.Type)
}

func endUser(c store.DeskContact) gen.EndUser {
	return gen.EndUser{Id: c.ID, CreatedAt: deskrules.FormatTime(c.CreatedAt), DisplayName: opt(c.DisplayName),
		Email: opt(c.Email), PhoneNumber: opt(c.PhoneNumber), ExternalId: opt(c.ExternalID), FirstName: opt(c.FirstName),
		LastName: opt(c.LastName), AvatarUrl: opt(c.AvatarURL), MiddleNames: &c.MiddleNames,
		AdditionalEmails: &c.AdditionalEmails, AdditionalPhoneNumbers: &c.AdditionalPhoneNumbers}
}

func agent(c store.DeskContact) gen.Agent {
	return gen.Agent{Id: c.ID, CreatedAt: deskrules.FormatTime(c.CreatedAt), DisplayName: c.DisplayName, Email: c.Email,
		PhoneNumber: opt(c.PhoneNumber), FirstName: opt(c.FirstName), LastName: opt(c.LastName), AvatarUrl: opt(c.AvatarURL),
		MiddleNames: &c.MiddleNames, AdditionalEmails: &c.AdditionalEmails, AdditionalPhoneNumbers: &c.AdditionalPhoneNumbers,
		Roles: &c.Roles}
}

func contactInput(displayName, email *string, phone *string, additionalEmails, additionalPhones *[]string,
	first, last *string, middle *[]string, avatar, externalID *string) deskrules.ContactInput {
	return deskrules.ContactInput{DisplayName: str(displayName), Email: str(email), PhoneNumber: str(phone),
		AdditionalEmails: list(additionalEmails), AdditionalPhoneNumbers: list(additionalPhones),
		FirstName: str(first), LastName: str(last), MiddleNames: list(middle), AvatarURL: str(avatar), ExternalID: str(externalID)}
}

// meta is a list's pagination: next when there is a next page, nothing on the last one.
func meta(c *call, next *deskrules.PageKey) *gen.PaginationLinks {
	if next == nil {
		return nil
	}
	return &gen.PaginationLinks{Next: opt(c.next(next.Encode()))}
}

// ---- small helpers ----

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// opt is nil for "" (absent fields are left out, never empty or null).
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func list(p *[]string) []string {
	if p == nil {
		return nil
	}
	return *p
}

func idOf(c *call, name string) uuid.UUID { return c.ids[name] }
