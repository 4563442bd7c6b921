package hub

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/paging"
	"github.com/switchboard-dev/switchboard/store"
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
// A hub's open conversations have no bound: they are streamed a page at a time
// (paging.StreamJSON), the bytes gen.ListEstablishedConversations200JSONResponse would write.
func (h *Handler) ListEstablishedConversations(ctx context.Context, req gen.ListEstablishedConversationsRequestObject) (gen.ListEstablishedConversationsResponseObject, error) {
	p := stateFrom(ctx).principal
	list, err := h.svc.OpenConversations(ctx, *p, guid(req.HubId))
	if err != nil {
		return nil, err
	}
	first, err := list.Next(ctx)
	if err != nil {
		return nil, err
	}
	return establishedStream{ctx: ctx, tenant: p.TenantID, first: first, list: list}, nil
}

type establishedStream struct {
	ctx    context.Context
	tenant uuid.UUID
	first  []store.HubConversation
	list   *hubservice.OpenConversationList
}

func (s establishedStream) VisitListEstablishedConversationsResponse(w http.ResponseWriter) error {
	return paging.StreamJSON(s.ctx, w, "[", "]\n", s.first, s.list.Next, func(c store.HubConversation) ([]byte, error) {
		return json.Marshal(conversationView(s.tenant, c))
	})
}
