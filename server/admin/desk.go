package admin

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/store"
)

// The Desk API's operator side: tokens, settings, and the view of a tenant's conversations.

func (h *Handler) deskService() (*deskservice.Service, error) {
	if h.desk == nil {
		return nil, fmt.Errorf("admin: the Desk API is not configured")
	}
	return h.desk, nil
}

// ListDeskTokens implements GET /v1/tenants/{tenantId}/desk/tokens.
func (h *Handler) ListDeskTokens(ctx context.Context, req gen.ListDeskTokensRequestObject) (gen.ListDeskTokensResponseObject, error) {
	d, err := h.deskService()
	if err != nil {
		return nil, err
	}
	ts, err := d.Tokens(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	out := gen.DeskTokenList{Tokens: make([]gen.DeskToken, len(ts))}
	for i, t := range ts {
		out.Tokens[i] = gen.DeskToken{Id: t.ID, Name: t.Name, OwnerId: t.OwnerID, CreatedAt: utc(t.CreatedAt)}
	}
	return gen.ListDeskTokens200JSONResponse(out), nil
}

// CreateDeskToken implements POST /v1/tenants/{tenantId}/desk/tokens. The token is in this answer
// only.
func (h *Handler) CreateDeskToken(ctx context.Context, req gen.CreateDeskTokenRequestObject) (gen.CreateDeskTokenResponseObject, error) {
	d, err := h.deskService()
	if err != nil {
		return nil, err
	}
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	var name string
	if req.Body.Name != nil {
		name = *req.Body.Name
	}
	owner := uuid.Nil
	if req.Body.OwnerId != nil {
		owner = *req.Body.OwnerId
	}
	token, t, err := d.IssueToken(ctx, req.TenantId, name, owner)
	if err != nil {
		return nil, err
	}
	return gen.CreateDeskToken201JSONResponse{Id: t.ID, Token: token, Name: t.Name, OwnerId: t.OwnerID, CreatedAt: utc(t.CreatedAt)}, nil
}

// RevokeDeskToken implements DELETE /v1/tenants/{tenantId}/desk/tokens/{tokenId}.
func (h *Handler) RevokeDeskToken(ctx context.Context, req gen.RevokeDeskTokenRequestObject) (gen.RevokeDeskTokenResponseObject, error) {
	d, err := h.deskService()
	if err != nil {
		return nil, err
	}
	if err := d.RevokeToken(ctx, req.TenantId, req.TokenId); err != nil {
		return nil, err
	}
	return gen.RevokeDeskToken204Response{}, nil
}

// GetDeskSettings implements GET /v1/tenants/{tenantId}/desk/settings.
func (h *Handler) GetDeskSettings(ctx context.Context, req gen.GetDeskSettingsRequestObject) (gen.GetDeskSettingsResponseObject, error) {
	d, err := h.deskService()
	if err != nil {
		return nil, err
	}
	s, err := d.Settings(ctx, req.TenantId)
	if err != nil {
		return nil, err
	}
	return gen.GetDeskSettings200JSONResponse(deskSettings(s)), nil
}

// UpdateDeskSettings implements PUT /v1/tenants/{tenantId}/desk/settings.
func (h *Handler) UpdateDeskSettings(ctx context.Context, req gen.UpdateDeskSettingsRequestObject) (gen.UpdateDeskSettingsResponseObject, error) {
	d, err := h.deskService()
	if err != nil {
		return nil, err
	}
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	var s deskrules.Settings
	if r := req.Body.RateLimit; r != nil {
		s.RateLimit = &deskrules.RateLimit{PerSecond: r.PerSecond, Burst: r.Burst}
	}
	if err := d.PutSettings(ctx, req.TenantId, s); err != nil {
		return nil, err
	}
	return gen.UpdateDeskSettings200JSONResponse(deskSettings(s)), nil
}

func deskSettings(s deskrules.Settings) gen.DeskSettings {
	var out gen.DeskSettings
	if r := s.RateLimit; r != nil {
		out.RateLimit = &gen.DeskRateLimit{PerSecond: r.PerSecond, Burst: r.Burst}
	}
	return out
}

// Page size of the operator's conversation list.
const (
	deskDefaultLimit = 50
	deskMaxLimit     = 200
)

// ListDeskConversations implements GET /v1/tenants/{tenantId}/desk/conversations.
func (h *Handler) ListDeskConversations(ctx context.Context, req gen.ListDeskConversationsRequestObject) (gen.ListDeskConversationsResponseObject, error) {
	d, err := h.deskService()
	if err != nil {
		return nil, err
	}
	limit := deskDefaultLimit
	if req.Params.Limit != nil {
		if *req.Params.Limit < 1 || *req.Params.Limit > deskMaxLimit {
			return nil, apierr.Invalidf("limit: must be from 1 to %d", deskMaxLimit)
		}
		limit = *req.Params.Limit
	}
	var before int64
	if req.Params.Before != nil {
		if *req.Params.Before < 1 {
			return nil, apierr.Invalidf("before: must be at least 1")
		}
		before = *req.Params.Before
	}
	cs, err := d.TenantConversations(ctx, req.TenantId, before, limit+1)
	if err != nil {
		return nil, err
	}
	out := gen.DeskConversationList{Conversations: []gen.DeskConversationSummary{}}
	if len(cs) > limit {
		cs = cs[:limit]
		next := cs[limit-1].ID
		out.NextBefore = &next
	}
	for _, c := range cs {
		out.Conversations = append(out.Conversations, deskConversation(c))
	}
	return gen.ListDeskConversations200JSONResponse(out), nil
}

// GetDeskConversation implements GET /v1/tenants/{tenantId}/desk/conversations/{conversationId}.
func (h *Handler) GetDeskConversation(ctx context.Context, req gen.GetDeskConversationRequestObject) (gen.GetDeskConversationResponseObject, error) {
	d, err := h.deskService()
	if err != nil {
		return nil, err
	}
	c, ms, err := d.TenantConversation(ctx, req.TenantId, req.ConversationId)
	if err != nil {
		return nil, err
	}
	out := gen.DeskConversationDetail{Conversation: deskConversation(c), Messages: make([]gen.DeskMessageView, len(ms))}
	for i, m := range ms {
		v := gen.DeskMessageView{Id: m.ID, AuthorId: m.AuthorID, Direction: m.Direction, CreatedAt: m.CreatedAt,
			Redacted: m.Redacted, ExternalId: optional(m.ExternalID)}
		if err := json.Unmarshal(m.Attributes, &v.Attributes); err != nil {
			return nil, fmt.Errorf("admin: desk message %s: %w", m.ID, err)
		}
		out.Messages[i] = v
	}
	return gen.GetDeskConversation200JSONResponse(out), nil
}

func deskConversation(c store.DeskConversation) gen.DeskConversationSummary {
	return gen.DeskConversationSummary{Id: c.ID, Type: deskrules.ConversationType(deskrules.Channel(c.Channel), c.AnonymizedAt != nil),
		Channel: c.Channel, RequesterId: c.RequesterID, Direction: c.Direction, State: c.State,
		StateUpdatedAt: c.StateUpdatedAt, CreatedAt: c.CreatedAt, AnonymizedAt: c.AnonymizedAt, Subject: optional(c.Subject),
		Language: optional(c.Language), IntegrationEmail: optional(c.IntegrationEmail), FromEmail: optional(c.FromEmail),
		FromNumber: optional(c.FromNumber), ToNumber: optional(c.ToNumber)}
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
