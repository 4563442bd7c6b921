package hub

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/hubrules"
)

// ListHubs implements GET /api/v1/hubs.
func (h *Handler) ListHubs(ctx context.Context, _ gen.ListHubsRequestObject) (gen.ListHubsResponseObject, error) {
	st := stateFrom(ctx)
	hubs, total, err := h.svc.Hubs(ctx, *st.principal, st.page)
	if err != nil {
		return nil, err
	}
	out := gen.HubPage{PageNumber: st.page.Number, PageSize: st.page.Size, Total: total, Results: make([]gen.Hub, len(hubs))}
	for i, x := range hubs {
		out.Results[i] = hubView(x)
	}
	return gen.ListHubs200JSONResponse(out), nil
}

// CreateHub implements POST /api/v1/hubs.
func (h *Handler) CreateHub(ctx context.Context, _ gen.CreateHubRequestObject) (gen.CreateHubResponseObject, error) {
	st := stateFrom(ctx)
	in, err := hubrules.ParseHub(st.body, true)
	if err != nil {
		return nil, err
	}
	x, err := h.svc.CreateHub(ctx, *st.principal, in)
	if err != nil {
		return nil, err
	}
	return gen.CreateHub200JSONResponse(hubView(x)), nil
}

// GetHub implements GET /api/v1/hubs/{hubId}.
func (h *Handler) GetHub(ctx context.Context, req gen.GetHubRequestObject) (gen.GetHubResponseObject, error) {
	x, err := h.svc.Hub(ctx, *stateFrom(ctx).principal, guid(req.HubId))
	if err != nil {
		return nil, err
	}
	return gen.GetHub200JSONResponse{HubOKJSONResponse: gen.HubOKJSONResponse(hubView(x))}, nil
}

// UpdateHub implements PUT /api/v1/hubs/{hubId}.
func (h *Handler) UpdateHub(ctx context.Context, req gen.UpdateHubRequestObject) (gen.UpdateHubResponseObject, error) {
	st := stateFrom(ctx)
	in, err := hubrules.ParseHub(st.body, false)
	if err != nil {
		return nil, err
	}
	x, err := h.svc.UpdateHub(ctx, *st.principal, guid(req.HubId), in)
	if err != nil {
		return nil, err
	}
	return gen.UpdateHub200JSONResponse{HubOKJSONResponse: gen.HubOKJSONResponse(hubView(x))}, nil
}

// DeleteHub implements DELETE /api/v1/hubs/{hubId}.
func (h *Handler) DeleteHub(ctx context.Context, req gen.DeleteHubRequestObject) (gen.DeleteHubResponseObject, error) {
	x, err := h.svc.DeleteHub(ctx, *stateFrom(ctx).principal, guid(req.HubId))
	if err != nil {
		return nil, err
	}
	return gen.DeleteHub200JSONResponse{HubOKJSONResponse: gen.HubOKJSONResponse(hubView(x))}, nil
}
