package desk

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
)

// PatchConversationsConversationidMessagesMessageidAnonymize implements
// PATCH /v1/conversations/{conversationId}/messages/{messageId}/anonymize.
func (h *Handler) PatchConversationsConversationidMessagesMessageidAnonymize(ctx context.Context, _ gen.PatchConversationsConversationidMessagesMessageidAnonymizeRequestObject) (gen.PatchConversationsConversationidMessagesMessageidAnonymizeResponseObject, error) {
	c := callFrom(ctx)
	r, err := h.svc.AnonymizeMessage(ctx, c.principal, c.conversationID, idOf(c, "messageId"))
	if err != nil {
		return nil, err
	}
	out, err := anonymizationRequest(r, false)
	if err != nil {
		return nil, err
	}
	return gen.PatchConversationsConversationidMessagesMessageidAnonymize202JSONResponse{Data: out}, nil
}

// PatchConversationsConversationidAnonymize implements PATCH /v1/conversations/{conversationId}/anonymize.
func (h *Handler) PatchConversationsConversationidAnonymize(ctx context.Context, _ gen.PatchConversationsConversationidAnonymizeRequestObject) (gen.PatchConversationsConversationidAnonymizeResponseObject, error) {
	c := callFrom(ctx)
	r, err := h.svc.AnonymizeConversation(ctx, c.principal, c.conversationID, c.force)
	if err != nil {
		return nil, err
	}
	out, err := anonymizationRequest(r, false)
	if err != nil {
		return nil, err
	}
	return gen.PatchConversationsConversationidAnonymize202JSONResponse{Data: out}, nil
}

// GetAnonymizationRequestRequestid implements GET /v1/anonymization/request/{requestId}.
func (h *Handler) GetAnonymizationRequestRequestid(ctx context.Context, _ gen.GetAnonymizationRequestRequestidRequestObject) (gen.GetAnonymizationRequestRequestidResponseObject, error) {
	c := callFrom(ctx)
	r, err := h.svc.AnonymizationRequest(ctx, c.principal, idOf(c, "requestId"))
	if err != nil {
		return nil, err
	}
	out, err := anonymizationRequest(r, true)
	if err != nil {
		return nil, err
	}
	return gen.GetAnonymizationRequestRequestid200JSONResponse{Data: out}, nil
}
