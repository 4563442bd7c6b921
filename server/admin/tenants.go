package admin

import (
	"context"
	"time"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/store"
)

// ListTenants implements GET /v1/tenants.
func (h *Handler) ListTenants(ctx context.Context, _ gen.ListTenantsRequestObject) (gen.ListTenantsResponseObject, error) {
	ts, err := h.svc.Tenants(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]gen.Tenant, len(ts))
	for i, t := range ts {
		out[i] = tenant(t)
	}
	return gen.ListTenants200JSONResponse{Tenants: out}, nil
}

// CreateTenant implements POST /v1/tenants.
func (h *Handler) CreateTenant(ctx context.Context, req gen.CreateTenantRequestObject) (gen.CreateTenantResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	sub := ""
	if req.Body.Subdomain != nil {
		sub = *req.Body.Subdomain
	}
	t, err := h.svc.CreateTenant(ctx, req.Body.Name, sub)
	if err != nil {
		return nil, err
	}
	loc := Prefix + "/v1/tenants/" + t.ID.String()
	return gen.CreateTenant201JSONResponse{Body: tenant(t), Headers: gen.CreateTenant201ResponseHeaders{Location: &loc}}, nil
}

// GetTenant implements GET /v1/tenants/{tenantId}.
func (h *Handler) GetTenant(ctx context.Context, req gen.GetTenantRequestObject) (gen.GetTenantResponseObject, error) {
	t, err := h.svc.Tenant(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	return gen.GetTenant200JSONResponse(tenant(t)), nil
}

func tenant(t store.Tenant) gen.Tenant {
	return gen.Tenant{Id: t.ID, Name: t.Name, Subdomain: t.Subdomain, CreatedAt: utc(t.CreatedAt)}
}

// utc is how the operator API writes times: UTC, whole seconds.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
