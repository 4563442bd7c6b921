package hub

import (
	"context"
	"strings"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/hubservice"
)

// RequestToken implements POST /connect/token: the client credentials grant, form-encoded.
func (h *Handler) RequestToken(ctx context.Context, req gen.RequestTokenRequestObject) (gen.RequestTokenResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("a form-encoded body is required: grant_type=client_credentials&client_id=…&client_secret=…")
	}
	b := req.Body
	if grant := strings.TrimSpace(b.GrantType); grant != "client_credentials" {
		return nil, apierr.Invalidf("grant_type %q is not supported; use client_credentials", grant).WithReason(hubservice.ReasonUnsupportedGrantType)
	}
	id, secret := strings.TrimSpace(b.ClientId), b.ClientSecret
	if id == "" || secret == "" {
		return nil, apierr.Invalidf("client_id and client_secret are required")
	}
	t, err := h.svc.IssueToken(ctx, id, secret)
	if err != nil {
		return nil, err
	}
	return gen.RequestToken200JSONResponse{
		Body:    gen.Token{AccessToken: t.AccessToken, ExpiresIn: int(t.ExpiresIn), TokenType: gen.Bearer, Scope: gen.TokenScope(t.Scope)},
		Headers: gen.RequestToken200ResponseHeaders{CacheControl: "no-store"},
	}, nil
}
