package hub

import (
	"context"

	openapi_types "github.com/oapi-codegen/runtime/types"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/hubservice"
)

// SendCustomerActivity implements POST /inbound/customer/v1/direct/activity/{conversationId}.
func (h *Handler) SendCustomerActivity(ctx context.Context, req gen.SendCustomerActivityRequestObject) (gen.SendCustomerActivityResponseObject, error) {
	r, err := h.send(ctx, req.ConversationId, false)
	if err != nil {
		return nil, err
	}
	return gen.SendCustomerActivity200JSONResponse{ActivityOKJSONResponse: gen.ActivityOKJSONResponse(r)}, nil
}

// SendBusinessActivity implements POST /inbound/business/v1/direct/activity/{conversationId}.
func (h *Handler) SendBusinessActivity(ctx context.Context, req gen.SendBusinessActivityRequestObject) (gen.SendBusinessActivityResponseObject, error) {
	r, err := h.send(ctx, req.ConversationId, true)
	if err != nil {
		return nil, err
	}
	return gen.SendBusinessActivity200JSONResponse{ActivityOKJSONResponse: gen.ActivityOKJSONResponse(r)}, nil
}

// send hands the activity the intake parsed (steps 1–6) to the service (steps 7–12).
func (h *Handler) send(ctx context.Context, conversationID string, business bool) (gen.ActivityResponse, error) {
	st := stateFrom(ctx)
	a, err := h.svc.Send(ctx, *st.principal, guid(conversationID), st.activity, business)
	if err != nil {
		return gen.ActivityResponse{}, err
	}
	return activityResponse(a), nil
}

func activityResponse(a hubservice.Accepted) gen.ActivityResponse {
	return gen.ActivityResponse{Status: 200, EventId: a.EventID, ExternalId: a.ExternalID, HubId: a.HubID,
		ConversationId: a.ConversationID, IntegrationId: a.IntegrationID, InteractionId: (*openapi_types.UUID)(a.InteractionID)}
}
