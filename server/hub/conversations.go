package hub

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/hubrules"
)

// EstablishConversation implements POST /api/v1/conversations/establish.
func (h *Handler) EstablishConversation(ctx context.Context, _ gen.EstablishConversationRequestObject) (gen.EstablishConversationResponseObject, error) {
	st := stateFrom(ctx)
	e, err := hubrules.ParseEstablish(st.body)
	if err != nil {
		return nil, err
	}
	c, err := h.svc.Establish(ctx, *st.principal, e)
	if err != nil {
		return nil, err
	}
	v := conversationView(st.principal.TenantID, c.HubConversation)
	v.IsNew = c.IsNew
	return gen.EstablishConversation200JSONResponse(v), nil
}

// GetEstablishedConversation implements GET /api/v1/conversations/{conversationId}/established.
func (h *Handler) GetEstablishedConversation(ctx context.Context, req gen.GetEstablishedConversationRequestObject) (gen.GetEstablishedConversationResponseObject, error) {
	p := stateFrom(ctx).principal
	c, err := h.svc.Conversation(ctx, *p, guid(req.ConversationId))
	if err != nil {
		return nil, err
	}
	return gen.GetEstablishedConversation200JSONResponse(conversationView(p.TenantID, c)), nil
}

// ListEstablishedConversations implements GET /api/v1/conversations/hubs/{hubId}/established.
func (h *Handler) ListEstablishedConversations(ctx context.Context, req gen.ListEstablishedConversationsRequestObject) (gen.ListEstablishedConversationsResponseObject, error) {
	p := stateFrom(ctx).principal
	cs, err := h.svc.OpenConversations(ctx, *p, guid(req.HubId))
	if err != nil {
		return nil, err
	}
	out := make(gen.EstablishedConversationList, len(cs))
	for i, c := range cs {
		out[i] = conversationView(p.TenantID, c)
	}
	return gen.ListEstablishedConversations200JSONResponse(out), nil
}
