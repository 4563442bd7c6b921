package deskservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/store"
)

// CreateConversation creates a conversation with its first message (reference §5.4) and returns
// its id. Checks, in order: the requester exists (404); the create rules of deskrules (channel,
// requester contact, message); an Outbound message's agent exists (404); attachments download.
func (s *Service) CreateConversation(ctx context.Context, p Principal, in deskrules.ConversationInput) (int64, error) {
	requester, err := s.Store.DeskContact(ctx, p.TenantID, store.DeskEndUser, in.RequesterID)
	if err != nil {
		return 0, notFound(err)
	}
	nc, err := deskrules.CheckNewConversation(in, deskrules.Requester{Email: requester.Email,
		DisplayName: requester.DisplayName, PhoneNumber: requester.PhoneNumber})
	if err != nil {
		return 0, err
	}
	if err := s.checkAuthor(ctx, p, in.Message); err != nil {
		return 0, err
	}
	if err := s.downloadAll(ctx, in.Message.Attachments); err != nil {
		return 0, err
	}
	var browser string
	if nc.BrowserInfo != nil {
		b, err := json.Marshal(nc.BrowserInfo)
		if err != nil {
			return 0, err
		}
		browser = string(b)
	}
	attrs, err := deskrules.BuildAttributes(deskrules.AttributeContext{Channel: nc.Channel, IntegrationEmail: nc.IntegrationEmail,
		Requester: deskrules.Contact{Email: requester.Email, Name: requester.DisplayName}}, in.Message).MarshalJSON()
	if err != nil {
		return 0, err
	}
	now := s.now()
	var id int64
	err = s.Store.InTenantTx(ctx, p.TenantID, func(tx *store.TenantTx) error {
		var err error
		id, err = tx.InsertDeskConversation(ctx, store.DeskConversation{RequesterID: requester.ID, Channel: string(nc.Channel),
			Direction: string(nc.Direction), State: deskrules.StateOpen, StateUpdatedAt: now, CreatedAt: now,
			IntegrationEmail: nc.IntegrationEmail, FromEmail: nc.FromEmail, Subject: nc.Subject, Language: nc.Language,
			BrowserInfo: browser, FromNumber: nc.FromNumber, ToNumber: nc.ToNumber, LastMessageAt: now})
		if err != nil {
			return err
		}
		_, err = tx.InsertDeskMessage(ctx, store.DeskMessage{ConversationID: id, CreatedAt: now,
			AuthorID: author(in.Message, requester.ID), ExternalID: in.Message.ExternalID,
			Direction: string(in.Message.Direction), Attributes: attrs})
		return err
	})
	if err != nil {
		return 0, notFound(err) // the requester was removed meanwhile (it cannot be, today)
	}
	return id, nil
}

// author is who wrote a message: the requester (Inbound) or the agent (Outbound).
func author(in deskrules.MessageInput, requester uuid.UUID) uuid.UUID {
	if in.Direction == deskrules.Outbound {
		return in.AgentID
	}
	return requester
}

// checkAuthor: an Outbound message's agent must exist (404).
func (s *Service) checkAuthor(ctx context.Context, p Principal, in deskrules.MessageInput) error {
	if in.Direction != deskrules.Outbound {
		return nil
	}
	_, err := s.Store.DeskContact(ctx, p.TenantID, store.DeskAgent, in.AgentID)
	return notFound(err)
}

// Conversation returns the company's conversation; 404 when there is none.
func (s *Service) Conversation(ctx context.Context, p Principal, id int64) (store.DeskConversation, error) {
	c, err := s.Store.DeskConversation(ctx, p.TenantID, id)
	return c, notFound(err)
}

// AddMessage adds a message to a conversation (reference §5.1) and returns it as stored. Checks,
// in the vendor's order: the conversation exists (404); its channel takes messages; the message
// suits the channel and the conversation is not anonymized; an Outbound message's agent exists
// (404); the externalId is free in the conversation; the attachments download. Then, in one
// transaction holding the conversation's row, the externalId is checked again (the database's
// unique index has the last word, so concurrent duplicates store one message) and the message
// is stored at least 1 ms after the conversation's latest one.
func (s *Service) AddMessage(ctx context.Context, p Principal, conversationID int64, in deskrules.MessageInput) (store.DeskMessage, error) {
	c, err := s.Store.DeskConversation(ctx, p.TenantID, conversationID)
	if err != nil {
		return store.DeskMessage{}, notFound(err)
	}
	if err := deskrules.CheckChannel(deskrules.Channel(c.Channel)); err != nil {
		return store.DeskMessage{}, err
	}
	if err := deskrules.CheckMessage(deskrules.Channel(c.Channel), c.AnonymizedAt != nil, in); err != nil {
		return store.DeskMessage{}, err
	}
	if err := s.checkAuthor(ctx, p, in); err != nil {
		return store.DeskMessage{}, err
	}
	if s.download != nil && in.ExternalID != "" {
		// The duplicate is reported before a download is tried (and checked again below).
		taken, err := s.Store.DeskExternalIDTaken(ctx, p.TenantID, conversationID, in.ExternalID)
		if err != nil {
			return store.DeskMessage{}, err
		}
		if taken {
			return store.DeskMessage{}, deskrules.DuplicateExternalID()
		}
	}
	if err := s.downloadAll(ctx, in.Attachments); err != nil {
		return store.DeskMessage{}, err
	}
	var out store.DeskMessage
	err = s.Store.InTenantTx(ctx, p.TenantID, func(tx *store.TenantTx) error {
		c, err := tx.DeskConversation(ctx, conversationID, true)
		if err != nil {
			return notFound(err)
		}
		if c.AnonymizedAt != nil { // anonymized since the checks above
			return deskrules.InvalidMessage()
		}
		if in.ExternalID != "" {
			if taken, err := tx.DeskExternalIDTaken(ctx, conversationID, in.ExternalID); err != nil {
				return err
			} else if taken {
				return deskrules.DuplicateExternalID()
			}
		}
		requester, err := tx.DeskContact(ctx, store.DeskEndUser, c.RequesterID)
		if err != nil {
			return err
		}
		attrs, err := deskrules.BuildAttributes(deskrules.AttributeContext{Channel: deskrules.Channel(c.Channel),
			IntegrationEmail: c.IntegrationEmail, Requester: deskrules.Contact{Email: requester.Email, Name: requester.DisplayName}}, in).MarshalJSON()
		if err != nil {
			return err
		}
		out, err = tx.InsertDeskMessage(ctx, store.DeskMessage{ConversationID: conversationID,
			CreatedAt: deskrules.NextMessageTime(s.Clock.Now(), c.LastMessageAt), AuthorID: author(in, c.RequesterID),
			ExternalID: in.ExternalID, Direction: string(in.Direction), Attributes: attrs})
		if errors.Is(err, store.ErrConflict) {
			return deskrules.DuplicateExternalID() // a concurrent add won the unique index
		}
		return err
	})
	return out, err
}

// MessagePageSize is how many messages one read of a conversation's messages takes: the most a
// listing holds in memory at once, whatever the conversation's size.
const MessagePageSize = 256

// Messages returns the first page of a conversation's messages, oldest first (at most
// MessagePageSize; the rest come from MoreMessages); 404 when the conversation does not exist.
// One indexed range scan; only an empty result (which a conversation never has: it is created
// with its first message) costs a second look-up.
func (s *Service) Messages(ctx context.Context, p Principal, conversationID int64) ([]store.DeskMessage, error) {
	ms, err := s.Store.DeskMessagePage(ctx, p.TenantID, conversationID, nil, MessagePageSize)
	if err != nil || len(ms) > 0 {
		return ms, err
	}
	ok, err := s.Store.DeskConversationExists(ctx, p.TenantID, conversationID)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, deskrules.NotFound()
	}
	return ms, nil
}

// MoreMessages returns the page of a conversation's messages that follows a page whose last
// message is last (empty after the last page): with Messages, a listing of any length that
// holds one page at a time. Each page is its own read, so messages added while a listing runs
// may appear at its end (they are the newest).
func (s *Service) MoreMessages(ctx context.Context, p Principal, last store.DeskMessage) ([]store.DeskMessage, error) {
	return s.Store.DeskMessagePage(ctx, p.TenantID, last.ConversationID, &last.CreatedAt, MessagePageSize)
}

// EndUserConversations returns a page of the conversations an end user requested (404 for an
// unknown end user), and the key of the next page (nil on the last one).
func (s *Service) EndUserConversations(ctx context.Context, p Principal, userID uuid.UUID, after *deskrules.PageKey, limit int) ([]store.DeskConversation, *deskrules.PageKey, error) {
	if _, err := s.Contact(ctx, p, store.DeskEndUser, userID); err != nil {
		return nil, nil, err
	}
	items, err := s.Store.DeskConversationsByRequester(ctx, p.TenantID, userID, cursor(after), limit+1)
	if err != nil {
		return nil, nil, err
	}
	items, next := page(items, limit, func(c store.DeskConversation) deskrules.PageKey {
		return deskrules.After(c.CreatedAt, strconv.FormatInt(c.ID, 10))
	})
	return items, next, nil
}

// AnonymizeMessage redacts one message (reference §5.3) and returns the processed request.
func (s *Service) AnonymizeMessage(ctx context.Context, p Principal, conversationID int64, messageID uuid.UUID) (store.DeskAnonymizationRequest, error) {
	var out store.DeskAnonymizationRequest
	err := s.Store.InTenantTx(ctx, p.TenantID, func(tx *store.TenantTx) error {
		c, err := tx.DeskConversation(ctx, conversationID, true)
		if err != nil {
			return notFound(err)
		}
		m, err := tx.DeskMessage(ctx, conversationID, messageID)
		if err != nil {
			return notFound(err)
		}
		if err := deskrules.CheckAnonymizeMessage(m.Redacted, c.AnonymizedAt != nil); err != nil {
			return err
		}
		if err := redact(ctx, tx, m); err != nil {
			return err
		}
		now := s.now()
		out, err = tx.InsertDeskAnonymizationRequest(ctx, store.DeskAnonymizationRequest{Type: deskrules.RequestMessage,
			TargetEntityID: deskrules.MessageTarget(conversationID, messageID), RequestedBy: p.OwnerID, InitiatedAt: now, ProcessedAt: &now})
		return err
	})
	return out, err
}

// AnonymizeConversation anonymizes a conversation and redacts all its messages (reference §5.6);
// with force a conversation that is not closed is closed first. It returns the processed request.
func (s *Service) AnonymizeConversation(ctx context.Context, p Principal, conversationID int64, force bool) (store.DeskAnonymizationRequest, error) {
	var out store.DeskAnonymizationRequest
	err := s.Store.InTenantTx(ctx, p.TenantID, func(tx *store.TenantTx) error {
		c, err := tx.DeskConversation(ctx, conversationID, true)
		if err != nil {
			return notFound(err)
		}
		closeFirst, err := deskrules.CheckAnonymizeConversation(c.State, c.AnonymizedAt, force)
		if err != nil {
			return err
		}
		// A page at a time: memory stays bounded whatever the conversation's size.
		var after *time.Time
		for {
			ms, err := tx.DeskMessagePage(ctx, conversationID, after, MessagePageSize)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if !m.Redacted {
					if err := redact(ctx, tx, m); err != nil {
						return err
					}
				}
			}
			if len(ms) < MessagePageSize {
				break
			}
			after = &ms[len(ms)-1].CreatedAt
		}
		now := s.now()
		stateAt := c.StateUpdatedAt
		if closeFirst {
			stateAt = now
		}
		if err := tx.AnonymizeDeskConversation(ctx, conversationID, deskrules.StateClosed, stateAt, now); err != nil {
			return err
		}
		out, err = tx.InsertDeskAnonymizationRequest(ctx, store.DeskAnonymizationRequest{Type: deskrules.RequestConversation,
			TargetEntityID: deskrules.ConversationTarget(conversationID), RequestedBy: p.OwnerID, InitiatedAt: now, ProcessedAt: &now})
		return err
	})
	return out, err
}

func redact(ctx context.Context, tx *store.TenantTx, m store.DeskMessage) error {
	var a deskrules.Attributes
	if err := json.Unmarshal(m.Attributes, &a); err != nil {
		return fmt.Errorf("deskservice: message %s: %w", m.ID, err)
	}
	b, err := deskrules.Redact(a).MarshalJSON()
	if err != nil {
		return err
	}
	return tx.RedactDeskMessage(ctx, m.ConversationID, m.ID, b)
}

// AnonymizationRequest returns the company's anonymization request; 404 when there is none.
func (s *Service) AnonymizationRequest(ctx context.Context, p Principal, id uuid.UUID) (store.DeskAnonymizationRequest, error) {
	r, err := s.Store.DeskAnonymizationRequest(ctx, p.TenantID, id)
	return r, notFound(err)
}
