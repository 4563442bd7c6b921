package admin

import (
	"context"
	"encoding/json"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// GetSettings implements GET /v1/tenants/{tenantId}/settings.
func (h *Handler) GetSettings(ctx context.Context, req gen.GetSettingsRequestObject) (gen.GetSettingsResponseObject, error) {
	st, err := h.svc.Settings(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	return gen.GetSettings200JSONResponse(settings(st)), nil
}

// UpdateSettings implements PUT /v1/tenants/{tenantId}/settings. The body goes to the service
// as the JSON patch it is: only the fields present (the generated pointer fields are omitted
// when nil), with the service's field names.
func (h *Handler) UpdateSettings(ctx context.Context, req gen.UpdateSettingsRequestObject) (gen.UpdateSettingsResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	patch, err := json.Marshal(req.Body)
	if err != nil {
		return nil, err
	}
	st, err := h.svc.UpdateSettings(ctx, req.TenantId, patch)
	if err != nil {
		return nil, err
	}
	return gen.UpdateSettings200JSONResponse(settings(st)), nil
}
