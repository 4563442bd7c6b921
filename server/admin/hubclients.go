package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// ListHubClients implements GET /v1/tenants/{tenantId}/hub-clients: the live Hub API clients.
func (h *Handler) ListHubClients(ctx context.Context, req gen.ListHubClientsRequestObject) (gen.ListHubClientsResponseObject, error) {
	cs, err := h.hub.Clients(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	out := gen.HubClientList{Clients: make([]gen.HubClient, len(cs))}
	for i, c := range cs {
		out.Clients[i] = gen.HubClient{ClientId: c.ClientID, Audience: gen.HubAudience(c.Audience), CreatedAt: utc(c.CreatedAt)}
	}
	return gen.ListHubClients200JSONResponse(out), nil
}

// IssueHubClient implements POST /v1/tenants/{tenantId}/hub-clients. The secret is in this
// answer only.
func (h *Handler) IssueHubClient(ctx context.Context, req gen.IssueHubClientRequestObject) (gen.IssueHubClientResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required: {\"audience\":\"portal\"} or {\"audience\":\"engine\"}")
	}
	c, secret, err := h.hub.IssueClient(ctx, req.TenantId, string(req.Body.Audience))
	if err != nil {
		return nil, err
	}
	return gen.IssueHubClient201JSONResponse{ClientId: c.ClientID, ClientSecret: secret, Audience: gen.HubAudience(c.Audience),
		CreatedAt: utc(c.CreatedAt)}, nil
}

// RevokeHubClient implements DELETE /v1/tenants/{tenantId}/hub-clients/{hubClientId}.
func (h *Handler) RevokeHubClient(ctx context.Context, req gen.RevokeHubClientRequestObject) (gen.RevokeHubClientResponseObject, error) {
	if err := h.hub.RevokeClient(ctx, req.TenantId, req.HubClientId); err != nil {
		return nil, err
	}
	return gen.RevokeHubClient204Response{}, nil
}
