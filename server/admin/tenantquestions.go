package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/service"
)

// The operator's view of one question (everything stored), its routing offers, the operator's
// release, and the customer's actions for tests. Every answer is tenantQuestionDetail (views.go).

// detail converts a view, with the public URL of a Help Desk question.
func (h *Handler) detail(ctx context.Context, tenantID gen.TenantId, v service.View) (gen.TenantQuestionDetail, error) {
	url, err := h.svc.QuestionURL(ctx, tenantID, v.Q)
	if err != nil {
		return gen.TenantQuestionDetail{}, err
	}
	return tenantQuestionDetail(v, url)
}

// GetTenantQuestion implements GET /v1/tenants/{tenantId}/questions/{questionUuid}.
func (h *Handler) GetTenantQuestion(ctx context.Context, req gen.GetTenantQuestionRequestObject) (gen.GetTenantQuestionResponseObject, error) {
	v, err := h.svc.TenantQuestion(ctx, req.TenantId, req.QuestionUuid)
	if err != nil {
		return nil, err
	}
	d, err := h.detail(ctx, req.TenantId, v)
	if err != nil {
		return nil, err
	}
	return gen.GetTenantQuestion200JSONResponse(d), nil
}

// ListQuestionOffers implements GET /v1/tenants/{tenantId}/questions/{questionUuid}/offers.
func (h *Handler) ListQuestionOffers(ctx context.Context, req gen.ListQuestionOffersRequestObject) (gen.ListQuestionOffersResponseObject, error) {
	offers, err := h.svc.QuestionOffers(ctx, req.TenantId, req.QuestionUuid)
	if err != nil {
		return nil, err
	}
	out := gen.OfferList{Offers: make([]gen.Offer, len(offers))}
	for i, o := range offers {
		if out.Offers[i], err = offer(o); err != nil {
			return nil, err
		}
	}
	return gen.ListQuestionOffers200JSONResponse(out), nil
}

// ReleaseQuestionByOperator implements POST /v1/tenants/{tenantId}/questions/{questionUuid}/release.
func (h *Handler) ReleaseQuestionByOperator(ctx context.Context, req gen.ReleaseQuestionByOperatorRequestObject) (gen.ReleaseQuestionByOperatorResponseObject, error) {
	v, err := h.svc.ReleaseByOperator(ctx, req.TenantId, req.QuestionUuid)
	if err != nil {
		return nil, err
	}
	d, err := h.detail(ctx, req.TenantId, v)
	if err != nil {
		return nil, err
	}
	return gen.ReleaseQuestionByOperator200JSONResponse(d), nil
}

// PostCustomerMessage implements POST /v1/tenants/{tenantId}/questions/{questionUuid}/customer/messages.
func (h *Handler) PostCustomerMessage(ctx context.Context, req gen.PostCustomerMessageRequestObject) (gen.PostCustomerMessageResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	v, err := h.svc.CustomerMessage(ctx, req.TenantId, req.QuestionUuid, req.Body.ResponseUuid, req.Body.Body)
	if err != nil {
		return nil, err
	}
	d, err := h.detail(ctx, req.TenantId, v)
	if err != nil {
		return nil, err
	}
	return gen.PostCustomerMessage201JSONResponse(d), nil
}

// AcceptAsCustomer implements POST /v1/tenants/{tenantId}/questions/{questionUuid}/customer/accept.
func (h *Handler) AcceptAsCustomer(ctx context.Context, req gen.AcceptAsCustomerRequestObject) (gen.AcceptAsCustomerResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	v, err := h.svc.CustomerAccept(ctx, req.TenantId, req.QuestionUuid, req.Body.ResponseUuid)
	if err != nil {
		return nil, err
	}
	d, err := h.detail(ctx, req.TenantId, v)
	if err != nil {
		return nil, err
	}
	return gen.AcceptAsCustomer200JSONResponse(d), nil
}

// RerouteAsCustomer implements POST /v1/tenants/{tenantId}/questions/{questionUuid}/customer/reroute.
// The body and its reason are optional.
func (h *Handler) RerouteAsCustomer(ctx context.Context, req gen.RerouteAsCustomerRequestObject) (gen.RerouteAsCustomerResponseObject, error) {
	reason := ""
	if req.Body != nil && req.Body.Reason != nil {
		reason = *req.Body.Reason
	}
	v, err := h.svc.CustomerReroute(ctx, req.TenantId, req.QuestionUuid, reason)
	if err != nil {
		return nil, err
	}
	d, err := h.detail(ctx, req.TenantId, v)
	if err != nil {
		return nil, err
	}
	return gen.RerouteAsCustomer200JSONResponse(d), nil
}
