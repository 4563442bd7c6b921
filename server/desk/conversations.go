package desk

import (
	"context"
	"strconv"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/deskrules"
)

// PostConversations implements POST /v1/conversations.
func (h *Handler) PostConversations(ctx context.Context, req gen.PostConversationsRequestObject) (gen.PostConversationsResponseObject, error) {
	c := callFrom(ctx)
	if req.Body == nil {
		return nil, deskrules.Body()
	}
	in, err := conversationInput(*req.Body)
	if err != nil {
		return nil, err
	}
	id, err := h.svc.CreateConversation(ctx, c.principal, in)
	if err != nil {
		return nil, err
	}
	return gen.PostConversations201JSONResponse{
		Body:    gen.CreateConversationOutput{Data: gen.ConversationIdOnly{Id: id}},
		Headers: gen.PostConversations201ResponseHeaders{Location: Prefix + "/v1/conversations/" + strconv.FormatInt(id, 10)},
	}, nil
}

// GetConversationsConversationid implements GET /v1/conversations/{conversationId}.
func (h *Handler) GetConversationsConversationid(ctx context.Context, _ gen.GetConversationsConversationidRequestObject) (gen.GetConversationsConversationidResponseObject, error) {
	c := callFrom(ctx)
	conv, err := h.svc.Conversation(ctx, c.principal, c.conversationID)
	if err != nil {
		return nil, err
	}
	out, err := conversation(conv)
	if err != nil {
		return nil, err
	}
	return gen.GetConversationsConversationid200JSONResponse{Data: out}, nil
}
