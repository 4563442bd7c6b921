package deskservice

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/store"
)

// CreateEndUser creates an end user (reference §5.8).
func (s *Service) CreateEndUser(ctx context.Context, p Principal, in deskrules.ContactInput) (store.DeskContact, error) {
	return s.createContact(ctx, p, store.DeskEndUser, in)
}

// CreateAgent creates an agent with the role Agent.
func (s *Service) CreateAgent(ctx context.Context, p Principal, in deskrules.ContactInput) (store.DeskContact, error) {
	in.ExternalID = ""
	return s.createContact(ctx, p, store.DeskAgent, in)
}

func (s *Service) createContact(ctx context.Context, p Principal, kind string, in deskrules.ContactInput) (store.DeskContact, error) {
	agent := kind == store.DeskAgent
	keys, err := deskrules.CheckContact(in, agent)
	if err != nil {
		return store.DeskContact{}, err
	}
	c := store.DeskContact{TenantID: p.TenantID, Kind: kind, CreatedAt: s.now(), DisplayName: in.DisplayName,
		Email: in.Email, PhoneNumber: in.PhoneNumber, ExternalID: in.ExternalID, FirstName: in.FirstName,
		LastName: in.LastName, MiddleNames: in.MiddleNames, AdditionalEmails: in.AdditionalEmails,
		AdditionalPhoneNumbers: in.AdditionalPhoneNumbers, AvatarURL: in.AvatarURL}
	if agent {
		c.Roles = []string{"Agent"}
	}
	sk := make([]store.DeskContactKey, len(keys))
	for i, k := range keys {
		sk[i] = store.DeskContactKey{Field: k.Field, Value: k.Value}
	}
	out, err := s.Store.CreateDeskContact(ctx, c, sk)
	if errors.Is(err, store.ErrConflict) {
		return store.DeskContact{}, deskrules.ContactValidation(agent) // a key another contact holds
	}
	return out, err
}

// Contact returns the company's end user or agent (kind); 404 when there is none.
func (s *Service) Contact(ctx context.Context, p Principal, kind string, id uuid.UUID) (store.DeskContact, error) {
	c, err := s.Store.DeskContact(ctx, p.TenantID, kind, id)
	return c, notFound(err)
}

// ListContacts returns a page of the company's end users or agents (kind) in creation order,
// after the page key (nil: the first page), optionally filtered, and the key of the next page
// (nil on the last one).
func (s *Service) ListContacts(ctx context.Context, p Principal, kind string, f deskrules.Filter, after *deskrules.PageKey, limit int) ([]store.DeskContact, *deskrules.PageKey, error) {
	var key *store.DeskContactKey
	if f.Field != "" {
		key = &store.DeskContactKey{Field: f.Field, Value: f.Value}
	}
	items, err := s.Store.DeskContacts(ctx, p.TenantID, kind, cursor(after), key, limit+1)
	if err != nil {
		return nil, nil, err
	}
	items, next := page(items, limit, func(c store.DeskContact) deskrules.PageKey { return deskrules.After(c.CreatedAt, c.ID.String()) })
	return items, next, nil
}

// page cuts items (read with limit+1) to limit, and returns the key of the next page when there
// is one.
func page[T any](items []T, limit int, key func(T) deskrules.PageKey) ([]T, *deskrules.PageKey) {
	if len(items) <= limit {
		return items, nil
	}
	items = items[:limit]
	k := key(items[limit-1])
	return items, &k
}

func cursor(k *deskrules.PageKey) *store.DeskCursor {
	if k == nil {
		return nil
	}
	return &store.DeskCursor{CreatedAt: k.Time(), ID: k.ID}
}
