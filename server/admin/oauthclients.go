package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// ListOAuthClients implements GET /v1/tenants/{tenantId}/oauth-clients: the live clients.
func (h *Handler) ListOAuthClients(ctx context.Context, req gen.ListOAuthClientsRequestObject) (gen.ListOAuthClientsResponseObject, error) {
	cs, err := h.svc.OAuthClients(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	out := gen.OAuthClientList{Clients: make([]gen.OAuthClient, len(cs))}
	for i, c := range cs {
		out.Clients[i] = oauthClient(c)
	}
	return gen.ListOAuthClients200JSONResponse(out), nil
}

// CreateOAuthClient implements POST /v1/tenants/{tenantId}/oauth-clients. The secret is in this
// answer only.
func (h *Handler) CreateOAuthClient(ctx context.Context, req gen.CreateOAuthClientRequestObject) (gen.CreateOAuthClientResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	var sc []string // nil: the service's default (every scope)
	if req.Body.Scopes != nil {
		sc = make([]string, len(*req.Body.Scopes))
		for i, s := range *req.Body.Scopes {
			sc[i] = string(s)
		}
	}
	c, secret, err := h.svc.CreateOAuthClient(ctx, req.TenantId, req.Body.Name, sc)
	if err != nil {
		return nil, err
	}
	return gen.CreateOAuthClient201JSONResponse{
		ClientId: c.ClientID, ClientSecret: secret, Name: c.Name, Scopes: scopes(c.Scopes), CreatedAt: utc(c.CreatedAt),
	}, nil
}

// RevokeOAuthClient implements DELETE /v1/tenants/{tenantId}/oauth-clients/{clientId}.
func (h *Handler) RevokeOAuthClient(ctx context.Context, req gen.RevokeOAuthClientRequestObject) (gen.RevokeOAuthClientResponseObject, error) {
	if err := h.svc.RevokeOAuthClient(ctx, req.TenantId, req.ClientId); err != nil {
		return nil, err
	}
	return gen.RevokeOAuthClient204Response{}, nil
}
