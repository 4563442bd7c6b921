package desk

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/store"
)

// PostEndusers implements POST /v1/endusers.
func (h *Handler) PostEndusers(ctx context.Context, req gen.PostEndusersRequestObject) (gen.PostEndusersResponseObject, error) {
	c := callFrom(ctx)
	b := req.Body
	if b == nil {
		return nil, deskrules.Body()
	}
	u, err := h.svc.CreateEndUser(ctx, c.principal, contactInput(b.DisplayName, b.Email, b.PhoneNumber, b.AdditionalEmails,
		b.AdditionalPhoneNumbers, b.FirstName, b.LastName, b.MiddleNames, b.AvatarUrl, b.ExternalId))
	if err != nil {
		return nil, err
	}
	return gen.PostEndusers201JSONResponse{
		Body:    gen.EndUserOutput{Data: endUser(u)},
		Headers: gen.PostEndusers201ResponseHeaders{Location: Prefix + "/v1/endusers/" + u.ID.String()},
	}, nil
}

// GetEndusers implements GET /v1/endusers.
func (h *Handler) GetEndusers(ctx context.Context, _ gen.GetEndusersRequestObject) (gen.GetEndusersResponseObject, error) {
	c := callFrom(ctx)
	us, next, err := h.svc.ListContacts(ctx, c.principal, store.DeskEndUser, c.filter, c.pageKey, c.pageLimit)
	if err != nil {
		return nil, err
	}
	out := gen.GetEndusers200JSONResponse{Data: make([]gen.EndUser, len(us)), Meta: meta(c, next)}
	for i, u := range us {
		out.Data[i] = endUser(u)
	}
	return out, nil
}

// GetEndusersUserid implements GET /v1/endusers/{userId}.
func (h *Handler) GetEndusersUserid(ctx context.Context, _ gen.GetEndusersUseridRequestObject) (gen.GetEndusersUseridResponseObject, error) {
	c := callFrom(ctx)
	u, err := h.svc.Contact(ctx, c.principal, store.DeskEndUser, idOf(c, "userId"))
	if err != nil {
		return nil, err
	}
	return gen.GetEndusersUserid200JSONResponse{Data: endUser(u)}, nil
}

// GetEndusersUseridConversations implements GET /v1/endusers/{userId}/conversations.
func (h *Handler) GetEndusersUseridConversations(ctx context.Context, _ gen.GetEndusersUseridConversationsRequestObject) (gen.GetEndusersUseridConversationsResponseObject, error) {
	c := callFrom(ctx)
	cs, next, err := h.svc.EndUserConversations(ctx, c.principal, idOf(c, "userId"), c.pageKey, c.pageLimit)
	if err != nil {
		return nil, err
	}
	out, err := conversations(cs)
	if err != nil {
		return nil, err
	}
	return gen.GetEndusersUseridConversations200JSONResponse{Data: out, Meta: meta(c, next)}, nil
}
