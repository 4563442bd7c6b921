package hubservice

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/store"
)

// CreateHub stores a new hub from a validated body.
func (s *Service) CreateHub(ctx context.Context, p Principal, in hubrules.HubInput) (store.Hub, error) {
	now := s.now()
	h := in.Apply(store.Hub{TenantID: p.TenantID, ID: uuid.New(), CreatedAt: now, ModifiedAt: now})
	if err := s.Store.CreateHub(ctx, &h); err != nil {
		return store.Hub{}, hubConflict(err, h.Name)
	}
	return h, nil
}

// Hub returns one of the tenant's hubs (PRT000699 when there is none).
func (s *Service) Hub(ctx context.Context, p Principal, id uuid.UUID) (store.Hub, error) {
	h, err := s.Store.Hub(ctx, p.TenantID, id)
	return h, notFound(err, hubrules.PrtHubNotFound, "Hub '%s' not found.", id)
}

// UpdateHub writes the fields sent over the hub.
func (s *Service) UpdateHub(ctx context.Context, p Principal, id uuid.UUID, in hubrules.HubInput) (store.Hub, error) {
	h, err := s.Hub(ctx, p, id)
	if err != nil {
		return store.Hub{}, err
	}
	h = in.Apply(h)
	h.ModifiedAt = s.now()
	if err := s.Store.UpdateHub(ctx, &h); err != nil {
		return store.Hub{}, notFound(hubConflict(err, h.Name), hubrules.PrtHubNotFound, "Hub '%s' not found.", id)
	}
	return h, nil
}

// DeleteHub deletes the hub with its integrations, conversations and activities.
func (s *Service) DeleteHub(ctx context.Context, p Principal, id uuid.UUID) (store.Hub, error) {
	h, err := s.Store.DeleteHub(ctx, p.TenantID, id)
	return h, notFound(err, hubrules.PrtHubNotFound, "Hub '%s' not found.", id)
}

// Hubs returns one page of the tenant's hubs and their total.
func (s *Service) Hubs(ctx context.Context, p Principal, pg hubrules.Page) ([]store.Hub, int, error) {
	return s.Store.Hubs(ctx, p.TenantID, pg.Number*pg.Size, pg.Size)
}

func hubConflict(err error, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return hubrules.Fail(hubrules.PrtHubNameTaken, "A hub named '%s' already exists.", name)
	}
	return err
}

func integrationConflict(err error, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return hubrules.Fail(hubrules.PrtNameTaken, "An integration named '%s' already exists in this hub.", name)
	}
	return err
}

// SigningKey makes a signing key: 16 random bytes as 32 uppercase hex digits (the shape of the
// webhook guide's example keys).
func SigningKey() string {
	b := make([]byte, 16)
	rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// CreateIntegration creates an integration of a hub from a body; a hubId that names one of the
// tenant's integrations updates that integration instead (reference §10 #6: Hubster documents its
// update as POST to this path with the integration's id).
func (s *Service) CreateIntegration(ctx context.Context, p Principal, hubID uuid.UUID, b hubrules.Body) (store.HubIntegration, error) {
	if _, err := s.Store.Hub(ctx, p.TenantID, hubID); errors.Is(err, store.ErrNotFound) {
		if _, err := s.Store.HubIntegration(ctx, p.TenantID, hubID); err == nil {
			return s.UpdateIntegration(ctx, p, hubID, b)
		}
	}
	in, err := hubrules.ParseIntegration(b, nil)
	if err != nil {
		return store.HubIntegration{}, err
	}
	if _, err := s.Hub(ctx, p, hubID); err != nil {
		return store.HubIntegration{}, err
	}
	now := s.now()
	out := store.HubIntegration{TenantID: p.TenantID, ID: uuid.New(), HubID: hubID, Channel: in.Channel,
		StatusID: hubrules.IntegrationActive, PublicKey: SigningKey(), PrivateKey: SigningKey(), CreatedAt: now, ModifiedAt: now}
	apply(&out, in)
	if err := s.Store.CreateHubIntegration(ctx, &out); err != nil {
		return store.HubIntegration{}, notFound(integrationConflict(err, out.Name), hubrules.PrtHubNotFound, "Hub '%s' not found.", hubID)
	}
	return out, nil
}

// apply writes a validated body over an integration.
func apply(out *store.HubIntegration, in hubrules.IntegrationInput) {
	if in.Name != nil {
		out.Name = *in.Name
	}
	if in.StatusID != nil {
		out.StatusID = *in.StatusID
	}
	if c := in.Config; c != nil {
		out.Kind, out.Echo, out.WebhookURL, out.Events, out.Start = c.Kind, c.Echo, c.WebhookURL, c.Events, c.Start
		if c.RegenerateKeys {
			out.PublicKey, out.PrivateKey = SigningKey(), SigningKey()
		}
	}
}

// Integration returns one of the tenant's integrations (PRT000799 when there is none).
func (s *Service) Integration(ctx context.Context, p Principal, id uuid.UUID) (store.HubIntegration, error) {
	in, err := s.Store.HubIntegration(ctx, p.TenantID, id)
	return in, notFound(err, hubrules.PrtNotFound, "Integration '%s' not found.", id)
}

// UpdateIntegration writes a body over an integration: name, status, and a configuration that
// replaces the whole one (same channel and integration type).
func (s *Service) UpdateIntegration(ctx context.Context, p Principal, id uuid.UUID, b hubrules.Body) (store.HubIntegration, error) {
	existing, err := s.Integration(ctx, p, id)
	if err != nil {
		return store.HubIntegration{}, err
	}
	in, err := hubrules.ParseIntegration(b, &existing)
	if err != nil {
		return store.HubIntegration{}, err
	}
	out := existing
	apply(&out, in)
	out.ModifiedAt = s.now()
	if err := s.Store.UpdateHubIntegration(ctx, &out); err != nil {
		return store.HubIntegration{}, notFound(integrationConflict(err, out.Name), hubrules.PrtNotFound, "Integration '%s' not found.", id)
	}
	return out, nil
}

// DeleteIntegration deletes an integration (a customer integration with its conversations).
func (s *Service) DeleteIntegration(ctx context.Context, p Principal, id uuid.UUID) (store.HubIntegration, error) {
	in, err := s.Store.DeleteHubIntegration(ctx, p.TenantID, id)
	return in, notFound(err, hubrules.PrtNotFound, "Integration '%s' not found.", id)
}

// Integrations returns one page of the tenant's integrations (of one hub when hubID is not nil).
func (s *Service) Integrations(ctx context.Context, p Principal, hubID *uuid.UUID, pg hubrules.Page) ([]store.HubIntegration, int, error) {
	if hubID != nil {
		if _, err := s.Hub(ctx, p, *hubID); err != nil {
			return nil, 0, err
		}
	}
	return s.Store.HubIntegrations(ctx, p.TenantID, store.HubIntegrationFilter{HubID: hubID, Offset: pg.Number * pg.Size, Limit: pg.Size})
}

// HubIntegrations returns every integration of one channel of a hub.
func (s *Service) HubIntegrations(ctx context.Context, p Principal, hubID uuid.UUID, channel string) ([]store.HubIntegration, error) {
	if _, err := s.Hub(ctx, p, hubID); err != nil {
		return nil, err
	}
	out, _, err := s.Store.HubIntegrations(ctx, p.TenantID, store.HubIntegrationFilter{HubID: &hubID, Channel: channel})
	return out, err
}

// now is the server clock to the second (the portal's created/modified times).
func (s *Service) now() time.Time { return s.Clock.Now().UTC().Truncate(time.Second) }
