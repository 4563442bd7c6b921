package desk

import (
	"context"
	"encoding/json"
	"net/http"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/paging"
	"github.com/switchboard-dev/switchboard/store"
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
// Dixa answers every message of the conversation in one response, which has no bound: it is
// streamed a page at a time (messageStream). The first page is read here, so a 404 or a failed
// read is answered as any error is.
func (h *Handler) GetConversationsConversationidMessages(ctx context.Context, _ gen.GetConversationsConversationidMessagesRequestObject) (gen.GetConversationsConversationidMessagesResponseObject, error) {
	c := callFrom(ctx)
	first, err := h.svc.Messages(ctx, c.principal, c.conversationID)
	if err != nil {
		return nil, err
	}
	return &messageStream{ctx: ctx, first: first, more: func(ctx context.Context, last store.DeskMessage) ([]store.DeskMessage, error) {
		return h.svc.MoreMessages(ctx, c.principal, last)
	}}, nil
}

// messageStream writes the bytes gen.GetConversationsConversationidMessages200JSONResponse would
// ({"data":[…]} and a newline, each message as encoding/json writes it), holding a page of
// messages at a time instead of the whole conversation (paging.StreamJSON).
type messageStream struct {
	ctx   context.Context
	first []store.DeskMessage
	more  func(ctx context.Context, last store.DeskMessage) ([]store.DeskMessage, error)
}

func (s *messageStream) VisitGetConversationsConversationidMessagesResponse(w http.ResponseWriter) error {
	page := s.first
	next := func(ctx context.Context) ([]store.DeskMessage, error) {
		if len(page) < deskservice.MessagePageSize {
			return nil, nil // a short page is the last
		}
		var err error
		page, err = s.more(ctx, page[len(page)-1])
		return page, err
	}
	return paging.StreamJSON(s.ctx, w, `{"data":[`, "]}\n", s.first, next, func(m store.DeskMessage) ([]byte, error) {
		v, err := message(m)
		if err != nil {
			return nil, err
		}
		return json.Marshal(v)
	})
}
