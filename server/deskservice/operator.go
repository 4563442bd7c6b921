package deskservice

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/store"
)

// The operator's side of the Desk API: tokens, settings, and a read-only view of what a
// company's integration sent. Errors are the operator API's (apierr with a plain message).

// MaxTokenName bounds a token's name.
const MaxTokenName = 200

// IssueToken issues a Desk API token for the tenant. ownerID (nil: a new UUID) is the user the
// token acts for, the requestedBy of its anonymization requests. The token is returned only here;
// the store keeps its hash.
func (s *Service) IssueToken(ctx context.Context, tenantID uuid.UUID, name string, ownerID uuid.UUID) (string, store.DeskToken, error) {
	name = strings.TrimSpace(name)
	if len(name) > MaxTokenName {
		return "", store.DeskToken{}, apierr.Invalidf("name: must be at most %d characters", MaxTokenName)
	}
	if ownerID == uuid.Nil {
		ownerID = uuid.New()
	}
	token := credential.NewAdminToken()
	t, err := s.Store.CreateDeskToken(ctx, store.DeskToken{TenantID: tenantID, Name: name, OwnerID: ownerID,
		Hash: credential.Hash(token), CreatedAt: s.now()})
	if err != nil {
		return "", store.DeskToken{}, tenantNotFound(err, tenantID)
	}
	return token, t, nil
}

// Tokens lists the tenant's live tokens, oldest first.
func (s *Service) Tokens(ctx context.Context, tenantID uuid.UUID) ([]store.DeskToken, error) {
	if err := s.tenantExists(ctx, tenantID); err != nil {
		return nil, err
	}
	all, err := s.Store.DeskTokens(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	live := all[:0]
	for _, t := range all {
		if t.RevokedAt == nil {
			live = append(live, t)
		}
	}
	return live, nil
}

// RevokeToken revokes one of the tenant's tokens at once; revoking it again is harmless.
func (s *Service) RevokeToken(ctx context.Context, tenantID, tokenID uuid.UUID) error {
	if err := s.tenantExists(ctx, tenantID); err != nil {
		return err
	}
	err := s.Store.RevokeDeskToken(ctx, tenantID, tokenID, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return apierr.NotFoundf("tenant %s has no Desk API token %s", tenantID, tokenID)
	}
	return err
}

// Settings returns the tenant's Desk settings (the defaults when none were set).
func (s *Service) Settings(ctx context.Context, tenantID uuid.UUID) (deskrules.Settings, error) {
	if err := s.tenantExists(ctx, tenantID); err != nil {
		return deskrules.Settings{}, err
	}
	doc, err := s.Store.DeskSettings(ctx, tenantID)
	if err != nil {
		return deskrules.Settings{}, err
	}
	return deskrules.DecodeSettings(doc)
}

// PutSettings replaces the tenant's Desk settings; they apply from the next request.
func (s *Service) PutSettings(ctx context.Context, tenantID uuid.UUID, set deskrules.Settings) error {
	if err := set.Check(); err != nil {
		return err
	}
	return tenantNotFound(s.Store.PutDeskSettings(ctx, tenantID, set.Encode(), s.now()), tenantID)
}

// TenantConversations lists the tenant's conversations newest first, at most limit, with ids
// below before (0: from the newest).
func (s *Service) TenantConversations(ctx context.Context, tenantID uuid.UUID, before int64, limit int) ([]store.DeskConversation, error) {
	if err := s.tenantExists(ctx, tenantID); err != nil {
		return nil, err
	}
	return s.Store.DeskConversations(ctx, tenantID, before, limit)
}

// TenantConversation returns one of the tenant's conversations with its messages, oldest first.
func (s *Service) TenantConversation(ctx context.Context, tenantID uuid.UUID, id int64) (store.DeskConversation, []store.DeskMessage, error) {
	if err := s.tenantExists(ctx, tenantID); err != nil {
		return store.DeskConversation{}, nil, err
	}
	c, err := s.Store.DeskConversation(ctx, tenantID, id)
	if errors.Is(err, store.ErrNotFound) {
		return c, nil, apierr.NotFoundf("tenant %s has no Desk conversation %d", tenantID, id)
	}
	if err != nil {
		return c, nil, err
	}
	ms, err := s.Store.DeskMessages(ctx, tenantID, id)
	return c, ms, err
}

func (s *Service) tenantExists(ctx context.Context, tenantID uuid.UUID) error {
	_, err := s.Store.GetTenant(ctx, tenantID)
	return tenantNotFound(err, tenantID)
}
