package desk

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/deskrules"
)

// PostConversationsConversationidMessages implements POST /v1/conversations/{conversationId}/messages.
func (h *Handler) PostConversationsConversationidMessages(ctx context.Context, req gen.PostConversationsConversationidMessagesRequestObject) (gen.PostConversationsConversationidMessagesResponseObject, error) {
	c := callFrom(ctx)
	if req.Body == nil {
		return nil, deskrules.Body()
	}
	in, err := messageInput(*req.Body)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.AddMessage(ctx, c.principal, c.conversationID, in)
	if err != nil {
		return nil, err
	}
	out, err := createdMessage(m, in)
	if err != nil {
		return nil, err
	}
	return gen.PostConversationsConversationidMessages200JSONResponse{Data: out}, nil
}

// GetConversationsConversationidMessages implements GET /v1/conversations/{conversationId}/messages.
func (h *Handler) GetConversationsConversationidMessages(ctx context.Context, _ gen.GetConversationsConversationidMessagesRequestObject) (gen.GetConversationsConversationidMessagesResponseObject, error) {
	c := callFrom(ctx)
	ms, err := h.svc.Messages(ctx, c.principal, c.conversationID)
	if err != nil {
		return nil, err
	}
	out, err := messages(ms)
	if err != nil {
		return nil, err
	}
	return gen.GetConversationsConversationidMessages200JSONResponse{Data: out}, nil
}
