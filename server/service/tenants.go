package service

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/textrule"
	"github.com/switchboard-dev/switchboard/store"
)

// CreateTenant creates a company. An empty subdomain is derived from the name.
func (s *Service) CreateTenant(ctx context.Context, name, subdomain string) (store.Tenant, error) {
	name = textrule.Trim(name)
	if name == "" {
		return store.Tenant{}, apierr.Invalidf("name: must not be blank")
	}
	subdomain = strings.ToLower(textrule.Trim(subdomain))
	if subdomain == "" {
		subdomain = question.Slug(name)
		if len(subdomain) > 63 {
			subdomain = strings.Trim(subdomain[:63], "-")
		}
	}
	t := store.Tenant{ID: uuid.New(), Name: name, Subdomain: subdomain, CreatedAt: s.Clock.Now().Truncate(time.Second)}
	if err := s.Store.CreateTenant(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Tenant{}, apierr.Conflictf("subdomain %q is taken", subdomain)
		}
		return store.Tenant{}, err
	}
	return t, nil
}

// Tenants lists every tenant, oldest first.
func (s *Service) Tenants(ctx context.Context) ([]store.Tenant, error) {
	return s.Store.ListTenants(ctx)
}

// Tenant returns one tenant.
func (s *Service) Tenant(ctx context.Context, id uuid.UUID) (store.Tenant, error) {
	t, err := s.Store.GetTenant(ctx, id)
	if err != nil {
		return store.Tenant{}, notFound(err, "no tenant %s", id)
	}
	return t, nil
}

// RotateHelpDeskToken issues the tenant's Help Desk API token, replacing the previous one at once.
// The plain token is returned only here.
func (s *Service) RotateHelpDeskToken(ctx context.Context, tenantID uuid.UUID) (token string, issuedAt time.Time, err error) {
	token = credential.NewHelpDeskToken()
	issuedAt = s.Clock.Now().Truncate(time.Second)
	if err := s.Store.SetHelpDeskTokenHash(ctx, tenantID, credential.Hash(token), issuedAt); err != nil {
		return "", time.Time{}, notFound(err, "no tenant %s", tenantID)
	}
	return token, issuedAt, nil
}

// AuthenticateHelpDesk returns the tenant whose current Help Desk token is token.
func (s *Service) AuthenticateHelpDesk(ctx context.Context, token string) (store.Tenant, error) {
	token = strings.TrimSpace(token)
	if token == "" {
		return store.Tenant{}, apierr.Unauthorizedf("missing API token: send the ApiToken header or the apiToken parameter")
	}
	hash := credential.Hash(token)
	t, err := s.Store.TenantByHelpDeskTokenHash(ctx, hash)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Tenant{}, apierr.Unauthorizedf("invalid API token: unknown, or replaced by a newer one")
		}
		return store.Tenant{}, err
	}
	return t, nil
}
