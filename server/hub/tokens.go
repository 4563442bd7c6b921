package hub

import (
	"context"
	"strings"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/hubservice"
)

// RequestToken implements POST /connect/token: the client credentials grant, form-encoded, with
// the client's credentials in the body or as HTTP Basic (Basic wins when both are sent).
func (h *Handler) RequestToken(ctx context.Context, req gen.RequestTokenRequestObject) (gen.RequestTokenResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("a form-encoded body is required: grant_type=client_credentials&client_id=…&client_secret=…")
	}
	b := req.Body
	if grant := strings.TrimSpace(b.GrantType); grant != "client_credentials" {
		return nil, apierr.Invalidf("grant_type %q is not supported; use client_credentials", grant).WithReason(hubservice.ReasonUnsupportedGrantType)
	}
	id, secret, basic, err := tokenCredentials(stateFrom(ctx).authorization)
	if err != nil {
		return nil, err
	}
	if !basic {
		id, secret = strings.TrimSpace(deref(b.ClientId)), deref(b.ClientSecret)
	}
	if id == "" || secret == "" {
		return nil, apierr.Invalidf("client_id and client_secret are required, in the body or as HTTP Basic")
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

// tokenCredentials reads the client's credentials sent as HTTP Basic (basic is false without
// them); a Basic header that cannot be read is invalid_client.
func tokenCredentials(authorization string) (id, secret string, basic bool, err error) {
	id, secret, basic, err = httpkit.BasicCredentials(authorization)
	if err != nil {
		err = apierr.As(err).WithReason(hubservice.ReasonInvalidClient)
	}
	return id, secret, basic, err
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
