package desk

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/httpkit"
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
// ({"data":[…]} and a newline, each message as encoding/json writes it), holding one page of
// messages and its JSON at a time instead of the whole conversation.
type messageStream struct {
	ctx   context.Context
	first []store.DeskMessage
	more  func(ctx context.Context, last store.DeskMessage) ([]store.DeskMessage, error)
}

func (s *messageStream) VisitGetConversationsConversationidMessagesResponse(w http.ResponseWriter) error {
	var buf bytes.Buffer
	buf.WriteString(`{"data":[`)
	started := false // the status is written: a failure can only cut the response
	page := s.first
	for n := 0; ; {
		for _, m := range page {
			if n > 0 {
				buf.WriteByte(',')
			}
			n++
			v, err := message(m)
			if err != nil {
				return s.fail(started, err)
			}
			b, err := json.Marshal(v)
			if err != nil {
				return s.fail(started, err)
			}
			buf.Write(b)
		}
		if len(page) < deskservice.MessagePageSize {
			break
		}
		// More may follow: send this page, then read the next.
		if !started {
			writeJSONHeader(w)
			started = true
		}
		if _, err := buf.WriteTo(w); err != nil {
			return s.fail(true, err)
		}
		var err error
		if page, err = s.more(s.ctx, page[len(page)-1]); err != nil {
			return s.fail(true, err)
		}
	}
	buf.WriteString("]}\n")
	if !started {
		writeJSONHeader(w)
	}
	if _, err := buf.WriteTo(w); err != nil {
		return s.fail(true, err)
	}
	return nil
}

func writeJSONHeader(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
}

// fail reports an error: before the status is written, as any handler error (the strict
// server answers it); after, by logging it and aborting the response (the client sees a failed
// response, not a complete-looking shorter list).
func (s *messageStream) fail(started bool, err error) error {
	if !started {
		return err
	}
	httpkit.Logger(s.ctx).Error("desk: listing messages", "error", err.Error())
	panic(http.ErrAbortHandler)
}
