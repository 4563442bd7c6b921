package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/service"
)

// ListExperts implements GET /v1/tenants/{tenantId}/experts.
func (h *Handler) ListExperts(ctx context.Context, req gen.ListExpertsRequestObject) (gen.ListExpertsResponseObject, error) {
	es, err := h.svc.Experts(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	out := gen.ExpertList{Experts: make([]gen.Expert, len(es))}
	for i, e := range es {
		out.Experts[i] = expert(e)
	}
	return gen.ListExperts200JSONResponse(out), nil
}

// CreateExpert implements POST /v1/tenants/{tenantId}/experts.
func (h *Handler) CreateExpert(ctx context.Context, req gen.CreateExpertRequestObject) (gen.CreateExpertResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	b := req.Body
	e, err := h.svc.CreateExpert(ctx, req.TenantId, service.ExpertInput{
		Name: &b.Name, Languages: b.Languages, Categories: b.Categories, Topics: b.Topics,
		IsElite: b.IsElite, IsActive: b.IsActive, Capacity: b.Capacity,
	})
	if err != nil {
		return nil, err
	}
	loc := Prefix + "/v1/tenants/" + req.TenantId.String() + "/experts/" + e.UUID.String()
	return gen.CreateExpert201JSONResponse{Body: expert(e), Headers: gen.CreateExpert201ResponseHeaders{Location: &loc}}, nil
}

// GetExpert implements GET /v1/tenants/{tenantId}/experts/{expertId}.
func (h *Handler) GetExpert(ctx context.Context, req gen.GetExpertRequestObject) (gen.GetExpertResponseObject, error) {
	e, err := h.svc.Expert(ctx, req.TenantId, req.ExpertId)
	if err != nil {
		return nil, err
	}
	return gen.GetExpert200JSONResponse(expert(e)), nil
}

// UpdateExpert implements PATCH /v1/tenants/{tenantId}/experts/{expertId}.
func (h *Handler) UpdateExpert(ctx context.Context, req gen.UpdateExpertRequestObject) (gen.UpdateExpertResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	b := req.Body
	e, err := h.svc.UpdateExpert(ctx, req.TenantId, req.ExpertId, service.ExpertInput{
		Name: b.Name, Languages: b.Languages, Categories: b.Categories, Topics: b.Topics,
		IsElite: b.IsElite, IsActive: b.IsActive, Capacity: b.Capacity,
	})
	if err != nil {
		return nil, err
	}
	return gen.UpdateExpert200JSONResponse(expert(e)), nil
}
