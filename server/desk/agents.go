package desk

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/store"
)

// PostAgents implements POST /v1/agents.
func (h *Handler) PostAgents(ctx context.Context, req gen.PostAgentsRequestObject) (gen.PostAgentsResponseObject, error) {
	c := callFrom(ctx)
	b := req.Body
	if b == nil {
		return nil, deskrules.Body()
	}
	a, err := h.svc.CreateAgent(ctx, c.principal, contactInput(&b.DisplayName, &b.Email, b.PhoneNumber, b.AdditionalEmails,
		b.AdditionalPhoneNumbers, b.FirstName, b.LastName, b.MiddleNames, b.AvatarUrl, nil))
	if err != nil {
		return nil, err
	}
	return gen.PostAgents201JSONResponse{
		Body:    gen.AgentOutput{Data: agent(a)},
		Headers: gen.PostAgents201ResponseHeaders{Location: Prefix + "/v1/agents/" + a.ID.String()},
	}, nil
}

// GetAgents implements GET /v1/agents.
func (h *Handler) GetAgents(ctx context.Context, _ gen.GetAgentsRequestObject) (gen.GetAgentsResponseObject, error) {
	c := callFrom(ctx)
	as, next, err := h.svc.ListContacts(ctx, c.principal, store.DeskAgent, c.filter, c.pageKey, c.pageLimit)
	if err != nil {
		return nil, err
	}
	out := gen.GetAgents200JSONResponse{Data: make([]gen.Agent, len(as)), Meta: meta(c, next)}
	for i, a := range as {
		out.Data[i] = agent(a)
	}
	return out, nil
}

// GetAgentsAgentid implements GET /v1/agents/{agentId}.
func (h *Handler) GetAgentsAgentid(ctx context.Context, _ gen.GetAgentsAgentidRequestObject) (gen.GetAgentsAgentidResponseObject, error) {
	c := callFrom(ctx)
	a, err := h.svc.Contact(ctx, c.principal, store.DeskAgent, idOf(c, "agentId"))
	if err != nil {
		return nil, err
	}
	return gen.GetAgentsAgentid200JSONResponse{Data: agent(a)}, nil
}
