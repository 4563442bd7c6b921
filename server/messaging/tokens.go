package messaging

import (
	"context"
	"strings"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/service"
)

// grantClientCredentials is the only grant type of the token endpoint.
const grantClientCredentials = "client_credentials"

// CreateToken implements POST /oauth/token: the client credentials grant, form-encoded or JSON,
// with the client's credentials in the body or as HTTP Basic (Basic wins when both are sent).
func (h *Handler) CreateToken(ctx context.Context, req gen.CreateTokenRequestObject) (gen.CreateTokenResponseObject, error) {
	b := req.FormdataBody
	if b == nil {
		b = req.JSONBody
	}
	if b == nil {
		return nil, apierr.Invalidf("request body is required: send grant_type=client_credentials").WithReason(service.ReasonInvalidRequest)
	}
	grant := strings.TrimSpace(b.GrantType)
	switch {
	case grant == "":
		return nil, apierr.Invalidf("grant_type: is required (client_credentials)").WithReason(service.ReasonInvalidRequest)
	case grant != grantClientCredentials:
		return nil, apierr.Invalidf("grant_type: %q is not supported; the only grant type is client_credentials", grant).WithReason(service.ReasonUnsupportedGrantType)
	}
	id, secret, basic, err := httpkit.BasicCredentials(credentialsFrom(ctx).header)
	if err != nil {
		return nil, apierr.As(err).WithReason(service.ReasonInvalidClient)
	}
	if !basic {
		id, secret = str(b.ClientId), str(b.ClientSecret)
	}
	if id == "" || secret == "" {
		return nil, apierr.Invalidf("client_id and client_secret are required, in the body or as HTTP Basic").WithReason(service.ReasonInvalidRequest)
	}
	g, err := h.svc.IssueToken(ctx, id, secret, str(b.Scope))
	if err != nil {
		return nil, err
	}
	return gen.CreateToken200JSONResponse{
		Body: gen.TokenResponse{
			AccessToken: g.AccessToken, TokenType: gen.TokenTypeBearer, ExpiresIn: int(g.ExpiresIn), Scope: g.Scope,
		},
		Headers: gen.CreateToken200ResponseHeaders{CacheControl: "no-store", Pragma: "no-cache"},
	}, nil
}

// Logout implements POST /oauth/logout.
func (h *Handler) Logout(ctx context.Context, req gen.LogoutRequestObject) (gen.LogoutResponseObject, error) {
	var form gen.LogoutForm
	if req.Body != nil {
		form = *req.Body
	}
	if err := h.logout(ctx, str(form.Token), str(form.AccessToken), str(req.Params.Token), str(req.Params.AccessToken)); err != nil {
		return nil, err
	}
	return gen.Logout200JSONResponse{}, nil
}

// LogoutWithGet implements GET /oauth/logout.
func (h *Handler) LogoutWithGet(ctx context.Context, req gen.LogoutWithGetRequestObject) (gen.LogoutWithGetResponseObject, error) {
	if err := h.logout(ctx, str(req.Params.Token), str(req.Params.AccessToken)); err != nil {
		return nil, err
	}
	return gen.LogoutWithGet200JSONResponse{}, nil
}

// LogoutWithDelete implements DELETE /oauth/logout.
func (h *Handler) LogoutWithDelete(ctx context.Context, req gen.LogoutWithDeleteRequestObject) (gen.LogoutWithDeleteResponseObject, error) {
	if err := h.logout(ctx, str(req.Params.Token), str(req.Params.AccessToken)); err != nil {
		return nil, err
	}
	return gen.LogoutWithDelete200JSONResponse{}, nil
}

// logout revokes the token of `Authorization: Bearer`, else the first of the given fields that
// is set. Unknown, expired and revoked tokens succeed too; no token at all is invalid_request.
func (h *Handler) logout(ctx context.Context, fields ...string) error {
	token := ""
	if scheme, value, _ := strings.Cut(strings.TrimSpace(credentialsFrom(ctx).header), " "); strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(value)
	}
	for _, f := range fields {
		if token != "" {
			break
		}
		token = strings.TrimSpace(f)
	}
	return h.svc.Logout(ctx, token)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
