package messaging

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// AcceptResponse implements POST /v1/responses/{uuid}/accept.
func (h *Handler) AcceptResponse(ctx context.Context, req gen.AcceptResponseRequestObject) (gen.AcceptResponseResponseObject, error) {
	v, err := h.svc.AcceptResponse(ctx, principal(ctx), req.Uuid)
	if err != nil {
		return nil, err
	}
	return h.questionAnswer(ctx, v), nil
}

// RateResponse implements POST /v1/responses/{uuid}/rate.
func (h *Handler) RateResponse(ctx context.Context, req gen.RateResponseRequestObject) (gen.RateResponseResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required (required: rating)")
	}
	v, err := h.svc.RateResponse(ctx, principal(ctx), req.Uuid, string(req.Body.Rating))
	if err != nil {
		return nil, err
	}
	return h.questionAnswer(ctx, v), nil
}

// AddTestimonial implements POST /v1/responses/{uuid}/testimonial.
func (h *Handler) AddTestimonial(ctx context.Context, req gen.AddTestimonialRequestObject) (gen.AddTestimonialResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required (required: text)")
	}
	v, err := h.svc.AddTestimonial(ctx, principal(ctx), req.Uuid, req.Body.Text)
	if err != nil {
		return nil, err
	}
	return h.questionAnswer(ctx, v), nil
}
