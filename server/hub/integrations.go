package hub

import (
	"context"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
)

// ListIntegrations implements GET /api/v1/integrations.
func (h *Handler) ListIntegrations(ctx context.Context, req gen.ListIntegrationsRequestObject) (gen.ListIntegrationsResponseObject, error) {
	st := stateFrom(ctx)
	var hubID *uuid.UUID
	if req.Params.HubId != nil && *req.Params.HubId != "" {
		id := guid(*req.Params.HubId)
		hubID = &id
	}
	ins, total, err := h.svc.Integrations(ctx, *st.principal, hubID, st.page)
	if err != nil {
		return nil, err
	}
	out := gen.IntegrationPage{PageNumber: st.page.Number, PageSize: st.page.Size, Total: total, Results: make([]gen.Integration, len(ins))}
	for i, x := range ins {
		out.Results[i] = integrationView(x)
	}
	return gen.ListIntegrations200JSONResponse(out), nil
}

// CreateIntegration implements POST /api/v1/integrations/hubs/{hubId}.
func (h *Handler) CreateIntegration(ctx context.Context, req gen.CreateIntegrationRequestObject) (gen.CreateIntegrationResponseObject, error) {
	st := stateFrom(ctx)
	x, err := h.svc.CreateIntegration(ctx, *st.principal, guid(req.HubId), st.body)
	if err != nil {
		return nil, err
	}
	return gen.CreateIntegration200JSONResponse{IntegrationOKJSONResponse: gen.IntegrationOKJSONResponse(integrationView(x))}, nil
}

// ListHubIntegrationsByChannel implements GET /api/v1/integrations/hubs/{hubId}/{channelType}.
func (h *Handler) ListHubIntegrationsByChannel(ctx context.Context, req gen.ListHubIntegrationsByChannelRequestObject) (gen.ListHubIntegrationsByChannelResponseObject, error) {
	st := stateFrom(ctx)
	ins, err := h.svc.HubIntegrations(ctx, *st.principal, guid(req.HubId), st.channel)
	if err != nil {
		return nil, err
	}
	out := make(gen.IntegrationList, len(ins))
	for i, x := range ins {
		out[i] = integrationView(x)
	}
	return gen.ListHubIntegrationsByChannel200JSONResponse(out), nil
}

// GetIntegration implements GET /api/v1/integrations/{integrationId}.
func (h *Handler) GetIntegration(ctx context.Context, req gen.GetIntegrationRequestObject) (gen.GetIntegrationResponseObject, error) {
	x, err := h.svc.Integration(ctx, *stateFrom(ctx).principal, guid(req.IntegrationId))
	if err != nil {
		return nil, err
	}
	return gen.GetIntegration200JSONResponse{IntegrationOKJSONResponse: gen.IntegrationOKJSONResponse(integrationView(x))}, nil
}

// UpdateIntegration implements PUT /api/v1/integrations/{integrationId}.
func (h *Handler) UpdateIntegration(ctx context.Context, req gen.UpdateIntegrationRequestObject) (gen.UpdateIntegrationResponseObject, error) {
	st := stateFrom(ctx)
	x, err := h.svc.UpdateIntegration(ctx, *st.principal, guid(req.IntegrationId), st.body)
	if err != nil {
		return nil, err
	}
	return gen.UpdateIntegration200JSONResponse{IntegrationOKJSONResponse: gen.IntegrationOKJSONResponse(integrationView(x))}, nil
}

// DeleteIntegration implements DELETE /api/v1/integrations/{integrationId}.
func (h *Handler) DeleteIntegration(ctx context.Context, req gen.DeleteIntegrationRequestObject) (gen.DeleteIntegrationResponseObject, error) {
	x, err := h.svc.DeleteIntegration(ctx, *stateFrom(ctx).principal, guid(req.IntegrationId))
	if err != nil {
		return nil, err
	}
	return gen.DeleteIntegration200JSONResponse{IntegrationOKJSONResponse: gen.IntegrationOKJSONResponse(integrationView(x))}, nil
}
