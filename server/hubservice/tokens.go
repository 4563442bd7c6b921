package hubservice

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/store"
)

// Audiences of Hub API clients: the prefix of a client id names it.
const (
	AudiencePortal = "portal"
	AudienceEngine = "engine"
)

// Token scopes.
const (
	ScopePortal = "hubster-portal-api"
	ScopeEngine = "hubster-engine-api"
)

// TokenLifetime is how long an access token lives on the server clock: 30 days (2,592,000 s).
const TokenLifetime = 30 * 24 * time.Hour

// OAuth error reasons (RFC 6749 §5.2), carried in apierr.Error.Reason.
const (
	ReasonInvalidRequest       = "invalid_request"
	ReasonInvalidClient        = "invalid_client"
	ReasonUnsupportedGrantType = "unsupported_grant_type"
)

// ClientID is a tenant's client id for an audience: "hubster.<audience>.api." and the tenant id as
// 32 hex digits (the reference's shape; the official client's samples use it).
func ClientID(tenant uuid.UUID, audience string) string {
	return "hubster." + audience + ".api." + hex.EncodeToString(tenant[:])
}

// audienceOf reads the audience from a client id's prefix.
func audienceOf(clientID string) (string, bool) {
	for _, a := range []string{AudiencePortal, AudienceEngine} {
		if strings.HasPrefix(clientID, "hubster."+a+".api.") {
			return a, true
		}
	}
	return "", false
}

func scopeOf(audience string) string {
	if audience == AudiencePortal {
		return ScopePortal
	}
	return ScopeEngine
}

// IssueClient makes (or replaces) the tenant's client for an audience and returns it with its
// secret, which is shown only here (the store keeps its hash). Tokens of a replaced client stop
// working at once.
func (s *Service) IssueClient(ctx context.Context, tenant uuid.UUID, audience string) (store.HubClient, string, error) {
	if audience != AudiencePortal && audience != AudienceEngine {
		return store.HubClient{}, "", apierr.Invalidf("audience: must be portal or engine")
	}
	secret := credential.NewClientSecret()
	c := store.HubClient{TenantID: tenant, ClientID: ClientID(tenant, audience), Audience: audience,
		SecretHash: credential.Hash(secret), CreatedAt: s.Clock.Now().Truncate(time.Second)}
	if err := s.Store.ReplaceHubClient(ctx, &c); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.HubClient{}, "", apierr.NotFoundf("no tenant %s", tenant)
		}
		return store.HubClient{}, "", err
	}
	return c, secret, nil
}

// Clients lists the tenant's live clients.
func (s *Service) Clients(ctx context.Context, tenant uuid.UUID) ([]store.HubClient, error) {
	if _, err := s.Store.GetTenant(ctx, tenant); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, apierr.NotFoundf("no tenant %s", tenant)
		}
		return nil, err
	}
	return s.Store.HubClients(ctx, tenant)
}

// RevokeClient revokes the tenant's client: its tokens stop working at once.
func (s *Service) RevokeClient(ctx context.Context, tenant uuid.UUID, clientID string) error {
	err := s.Store.RevokeHubClient(ctx, tenant, clientID, s.Clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return apierr.NotFoundf("no live Hub API client %q for tenant %s", clientID, tenant)
	}
	return err
}

// Token is an issued access token.
type Token struct {
	AccessToken string
	ExpiresIn   int64 // seconds
	Scope       string
}

// IssueToken is the client credentials grant.
func (s *Service) IssueToken(ctx context.Context, clientID, secret string) (Token, error) {
	bad := apierr.Unauthorizedf("unknown client or wrong secret").WithReason(ReasonInvalidClient)
	audience, ok := audienceOf(clientID)
	if !ok {
		return Token{}, bad
	}
	c, err := s.Store.HubClientByID(ctx, clientID)
	if errors.Is(err, store.ErrNotFound) || err == nil && !credential.Matches(secret, c.SecretHash) {
		return Token{}, bad
	}
	if err != nil {
		return Token{}, err
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return Token{}, err
	}
	now := s.Clock.Now().Truncate(time.Second)
	claims := tokenClaims{Sub: c.ClientID, TenantID: c.TenantID.String(), Scope: scopeOf(audience), Iat: now.Unix(),
		Exp: now.Add(TokenLifetime).Unix(), Jti: uuid.NewString(), Gen: c.Seq}
	tok, err := signJWT(key, claims)
	if err != nil {
		return Token{}, err
	}
	return Token{AccessToken: tok, ExpiresIn: int64(TokenLifetime / time.Second), Scope: claims.Scope}, nil
}

// Authenticate checks a bearer token: signed by this server, not expired on the server clock,
// issued to a client that is still live (not revoked or replaced). code is the family's 401 code
// (ENG000102 or PRT000102).
func (s *Service) Authenticate(ctx context.Context, token string, code hubrules.Code) (Principal, error) {
	if token == "" {
		return Principal{}, hubrules.Fail(code, "Unauthorized access: send Authorization: Bearer <access_token> (POST /hub/connect/token).")
	}
	key, err := s.signingKey(ctx)
	if err != nil {
		return Principal{}, err
	}
	claims, ok := verifyJWT(&key.PublicKey, token)
	if !ok {
		return Principal{}, hubrules.Fail(code, "Unauthorized access: the access token is not valid.")
	}
	if s.Clock.Now().Unix() >= claims.Exp {
		return Principal{}, hubrules.Fail(code, "Unauthorized access: the access token has expired; get a new one.")
	}
	audience, _ := audienceOf(claims.Sub)
	c, err := s.Store.HubClientByID(ctx, claims.Sub)
	if errors.Is(err, store.ErrNotFound) || err == nil && (c.Seq != claims.Gen || c.TenantID.String() != claims.TenantID) {
		return Principal{}, hubrules.Fail(code, "Unauthorized access: the access token's client was revoked or replaced.")
	}
	if err != nil {
		return Principal{}, err
	}
	return Principal{TenantID: c.TenantID, ClientID: c.ClientID, Audience: audience}, nil
}

// ---------------------------------------------------------------------------
// RS256 JWTs, hand-made: the server only ever verifies its own tokens, so a JWT library would add
// algorithm negotiation and key discovery it must then turn off.

type tokenClaims struct {
	Sub      string `json:"sub"`
	TenantID string `json:"tenant_id"`
	Scope    string `json:"scope"`
	Iat      int64  `json:"iat"`
	Exp      int64  `json:"exp"`
	Jti      string `json:"jti"`
	Gen      int64  `json:"gen"` // the client's generation: a replaced client's tokens stop working
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","typ":"JWT"}`))

func signJWT(key *rsa.PrivateKey, c tokenClaims) (string, error) {
	payload, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func verifyJWT(pub *rsa.PublicKey, token string) (tokenClaims, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || parts[0] != jwtHeader {
		return tokenClaims{}, false
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return tokenClaims{}, false
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig) != nil {
		return tokenClaims{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return tokenClaims{}, false
	}
	var c tokenClaims
	if json.Unmarshal(payload, &c) != nil || c.Sub == "" {
		return tokenClaims{}, false
	}
	return c, true
}

// signingKeySetting is the operator setting holding the token signing key (PKCS #8, PEM). It lives
// in the database so that every instance signs and verifies with one key and tokens survive
// restarts.
const signingKeySetting = "hub_token_signing_key"

// UseKey makes the service sign with key instead of the stored one (tests share one key, since
// making an RSA key takes a while).
func (s *Service) UseKey(key *rsa.PrivateKey) {
	s.keyMu.Lock()
	s.key = key
	s.keyMu.Unlock()
}

// signingKey returns the key, loading it from the database, or making and storing one the first
// time (the first of several instances to store one wins).
func (s *Service) signingKey(ctx context.Context) (*rsa.PrivateKey, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	b, err := s.Store.OperatorSetting(ctx, signingKeySetting)
	if err != nil {
		return nil, err
	}
	if b == nil {
		fresh, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		der, err := x509.MarshalPKCS8PrivateKey(fresh)
		if err != nil {
			return nil, err
		}
		if b, err = s.Store.InitOperatorSetting(ctx, signingKeySetting, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
			return nil, err
		}
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("hub: the stored token signing key is not PEM")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("hub: the stored token signing key: %w", err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("hub: the stored token signing key is not an RSA key")
	}
	s.key = key
	return key, nil
}
