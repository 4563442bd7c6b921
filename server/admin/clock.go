package admin

import (
	"context"
	"time"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// GetClock implements GET /v1/clock.
func (h *Handler) GetClock(ctx context.Context, _ gen.GetClockRequestObject) (gen.GetClockResponseObject, error) {
	c, err := h.svc.ClockNow(ctx)
	if err != nil {
		return nil, err
	}
	return gen.GetClock200JSONResponse(clockState(c)), nil
}

// SetClock implements PUT /v1/clock: virtual clock only (409 on the wall clock).
func (h *Handler) SetClock(ctx context.Context, req gen.SetClockRequestObject) (gen.SetClockResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	c, err := h.svc.SetClock(ctx, req.Body.Now)
	if err != nil {
		return nil, err
	}
	return gen.SetClock200JSONResponse(clockState(c)), nil
}

// AdvanceClock implements POST /v1/clock/advance: virtual clock only (409 on the wall clock).
func (h *Handler) AdvanceClock(ctx context.Context, req gen.AdvanceClockRequestObject) (gen.AdvanceClockResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	c, err := h.svc.AdvanceClock(ctx, time.Duration(req.Body.Seconds)*time.Second)
	if err != nil {
		return nil, err
	}
	return gen.AdvanceClock200JSONResponse(clockState(c)), nil
}
