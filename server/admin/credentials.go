package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
)

// RotateHelpDeskToken implements POST /v1/tenants/{tenantId}/helpdesk-token.
func (h *Handler) RotateHelpDeskToken(ctx context.Context, req gen.RotateHelpDeskTokenRequestObject) (gen.RotateHelpDeskTokenResponseObject, error) {
	token, at, err := h.svc.RotateHelpDeskToken(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	return gen.RotateHelpDeskToken200JSONResponse{Token: token, IssuedAt: utc(at)}, nil
}
