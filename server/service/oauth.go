package service

import (
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/textrule"
	"github.com/switchboard-dev/switchboard/store"
)

// OAuth scopes of the Messaging API.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// OAuth error reasons (RFC 6749 §5.2), carried in apierr.Error.Reason.
const (
	ReasonInvalidRequest       = "invalid_request"
	ReasonInvalidClient        = "invalid_client"
	ReasonUnsupportedGrantType = "unsupported_grant_type"
	ReasonInvalidScope         = "invalid_scope"
)

// ParseScopes reads a space-separated scope list; empty means every scope.
func ParseScopes(scope string) ([]string, error) {
	fields := strings.Fields(scope)
	if len(fields) == 0 {
		return []string{ScopeRead, ScopeWrite}, nil
	}
	var out []string
	for _, f := range fields {
		if f != ScopeRead && f != ScopeWrite {
			return nil, apierr.Invalidf("unknown scope %q: the scopes are read and write", f).WithReason(ReasonInvalidScope)
		}
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(a, b) }) // "read write"
	return out, nil
}

// CreateOAuthClient issues Messaging API credentials to a tenant. The secret is returned only here.
func (s *Service) CreateOAuthClient(ctx context.Context, tenantID uuid.UUID, name string, scopes []string) (store.OAuthClient, string, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return store.OAuthClient{}, "", err
	}
	sc, err := ParseScopes(strings.Join(scopes, " "))
	if err != nil {
		return store.OAuthClient{}, "", apierr.Invalidf("scopes: %v", err)
	}
	if name != "" && textrule.Blank(name) {
		return store.OAuthClient{}, "", apierr.Invalidf("name: must not be blank (leave it out to have no name)")
	}
	secret := credential.NewClientSecret()
	c := store.OAuthClient{
		TenantID: tenantID, ClientID: credential.NewClientID(), SecretHash: credential.Hash(secret),
		Name: textrule.Trim(name), Scopes: sc, CreatedAt: s.Clock.Now().Truncate(time.Second),
	}
	if err := s.Store.CreateOAuthClient(ctx, c); err != nil {
		return store.OAuthClient{}, "", err
	}
	return c, secret, nil
}

// OAuthClients lists a tenant's live (not revoked) OAuth clients, oldest first, without secrets.
func (s *Service) OAuthClients(ctx context.Context, tenantID uuid.UUID) ([]store.OAuthClient, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return nil, err
	}
	all, err := s.Store.OAuthClients(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(c store.OAuthClient) bool { return c.RevokedAt != nil }), nil
}

// RevokeOAuthClient revokes a live client and every token it was given, at once. A client
// unknown to the tenant, or already revoked, is not found.
func (s *Service) RevokeOAuthClient(ctx context.Context, tenantID uuid.UUID, clientID string) error {
	live, err := s.OAuthClients(ctx, tenantID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(live, func(c store.OAuthClient) bool { return c.ClientID == clientID }) {
		return apierr.NotFoundf("no OAuth client %s", clientID)
	}
	err = s.Store.RevokeOAuthClient(ctx, tenantID, clientID, s.Clock.Now())
	return notFound(err, "no OAuth client %s", clientID)
}

// Grant is an issued access token.
type Grant struct {
	AccessToken string
	ExpiresIn   int64
	Scope       string
}

// IssueToken runs the client-credentials grant: it checks the client and the requested scope
// (a subset of the client's; empty = all of them) and issues a token that expires on the
// server clock after the company's tokenTtlSeconds.
func (s *Service) IssueToken(ctx context.Context, clientID, secret, scope string) (Grant, error) {
	bad := apierr.Unauthorizedf("client authentication failed: unknown client_id or wrong client_secret").WithReason(ReasonInvalidClient)
	c, err := s.Store.OAuthClientByID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) {
		credential.Matches(secret, make([]byte, 32)) // same work for unknown ids
		return Grant{}, bad
	}
	if err != nil {
		return Grant{}, err
	}
	if !credential.Matches(secret, c.SecretHash) || c.RevokedAt != nil {
		return Grant{}, bad
	}
	want := c.Scopes
	if strings.TrimSpace(scope) != "" {
		if want, err = ParseScopes(scope); err != nil {
			return Grant{}, err
		}
		for _, w := range want {
			if !slices.Contains(c.Scopes, w) {
				return Grant{}, apierr.Invalidf("scope %q is not granted to this client (it has: %s)", w, strings.Join(c.Scopes, " ")).WithReason(ReasonInvalidScope)
			}
		}
	}
	st, err := s.settings(ctx, c.TenantID)
	if err != nil {
		return Grant{}, err
	}
	now := s.Clock.Now()
	token := credential.NewAccessToken()
	t := store.AccessToken{
		Hash: credential.Hash(token), TenantID: c.TenantID, ClientID: c.ClientID, Scope: strings.Join(want, " "),
		IssuedAt: now, ExpiresAt: now.Add(time.Duration(st.TokenTTLSeconds) * time.Second),
	}
	// The expiry job first: a token is never stored without its cleanup. (Expired tokens are
	// refused at once by the expiry check; the job only deletes the row.)
	err = s.Store.InTenantTx(ctx, c.TenantID, func(tx *store.TenantTx) error {
		return tx.ScheduleJob(ctx, question.JobTokenExpiry, hex.EncodeToString(t.Hash), t.ExpiresAt)
	})
	if err != nil {
		return Grant{}, err
	}
	if err := s.Store.InsertAccessToken(ctx, t); err != nil {
		return Grant{}, err
	}
	return Grant{AccessToken: token, ExpiresIn: st.TokenTTLSeconds, Scope: t.Scope}, nil
}

// Principal is who a Messaging API call speaks for: a company's integration, with its scopes.
type Principal struct {
	TenantID uuid.UUID
	Scope    string
}

// CanWrite reports whether the token carries the write scope.
func (p Principal) CanWrite() bool { return slices.Contains(strings.Fields(p.Scope), ScopeWrite) }

// checkToken turns a stored token into a principal, or the 401 that explains why not.
func (s *Service) checkToken(t store.AccessToken) (Principal, error) {
	switch {
	case t.RevokedAt != nil:
		return Principal{}, apierr.Unauthorizedf("the access token was revoked (logged out); get a new one from /oauth/token")
	case !s.Clock.Now().Before(t.ExpiresAt):
		return Principal{}, apierr.Unauthorizedf("the access token expired; get a new one from /oauth/token")
	}
	return Principal{TenantID: t.TenantID, Scope: t.Scope}, nil
}

var errNoToken = apierr.Unauthorizedf("missing access token: send Authorization: Bearer <access_token>")

// AuthenticateBearer returns the principal of a live access token.
func (s *Service) AuthenticateBearer(ctx context.Context, token string) (Principal, error) {
	if token == "" {
		return Principal{}, errNoToken
	}
	t, err := s.Store.AccessTokenByHash(ctx, credential.Hash(token))
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, apierr.Unauthorizedf("unknown access token")
	}
	if err != nil {
		return Principal{}, err
	}
	return s.checkToken(t)
}

// Logout revokes a token at once. Unknown, expired or already revoked tokens succeed too.
func (s *Service) Logout(ctx context.Context, token string) error {
	if token == "" {
		return apierr.Invalidf("missing token: send Authorization: Bearer <access_token>, or the token parameter").WithReason(ReasonInvalidRequest)
	}
	_, err := s.Store.RevokeAccessToken(ctx, credential.Hash(token), s.Clock.Now())
	return err
}
