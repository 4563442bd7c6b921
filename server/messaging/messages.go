package messaging

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// ListMessages implements GET /v1/messages: the question's messages (or one thread's) in creation
// order, or 304 when nothing changed after lastChecked.
func (h *Handler) ListMessages(ctx context.Context, req gen.ListMessagesRequestObject) (gen.ListMessagesResponseObject, error) {
	p := req.Params
	since, err := lastChecked(p.LastChecked)
	if err != nil {
		return nil, err
	}
	list, notModified, err := h.svc.Messages(ctx, principal(ctx), p.QuestionUuid, p.ResponseUuid, since)
	if err != nil {
		return nil, err
	}
	if notModified {
		return gen.ListMessages304Response{}, nil
	}
	return messageListStream{ctx: ctx, h: h, meta: h.meta(ctx), list: list}, nil
}

// CreateMessage implements POST /v1/messages: the user writes at question level or in a thread.
func (h *Handler) CreateMessage(ctx context.Context, req gen.CreateMessageRequestObject) (gen.CreateMessageResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, apierr.Invalidf("request body is required (required: questionUuid, body)")
	}
	v, m, err := h.svc.PostUserMessage(ctx, principal(ctx), b.QuestionUuid, b.ResponseUuid, b.Body)
	if err != nil {
		return nil, err
	}
	return gen.CreateMessage201JSONResponse{Meta: h.meta(ctx), Data: h.message(m, v.Markdown)}, nil
}
