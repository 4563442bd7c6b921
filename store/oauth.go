package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// OAuthClient is a Messaging API client-credentials client of one tenant.
// ClientID is unique server-wide; only a hash of the secret is stored.
type OAuthClient struct {
	TenantID   uuid.UUID
	ClientID   string
	SecretHash []byte
	Name       string
	Scopes     []string // stored space-separated; a scope must not contain whitespace
	CreatedAt  time.Time
	RevokedAt  *time.Time // nil = live
}

// AccessToken is an issued Messaging API bearer token, stored by hash.
type AccessToken struct {
	Hash      []byte
	TenantID  uuid.UUID
	ClientID  string
	Scope     string
	IssuedAt  time.Time
	ExpiresAt time.Time
	RevokedAt *time.Time // nil = not revoked
}

type oauthClientRow struct {
	bun.BaseModel `bun:"table:oauth_clients,alias:oc"`

	Seq        int64      `bun:"seq,pk,autoincrement"`
	TenantID   uuid.UUID  `bun:"tenant_id"`
	ClientID   string     `bun:"client_id"`
	SecretHash []byte     `bun:"secret_hash"`
	Name       string     `bun:"name"`
	Scopes     string     `bun:"scopes"`
	CreatedAt  time.Time  `bun:"created_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

func (r *oauthClientRow) toOAuthClient() OAuthClient {
	return OAuthClient{
		TenantID:   r.TenantID,
		ClientID:   r.ClientID,
		SecretHash: r.SecretHash,
		Name:       r.Name,
		Scopes:     strings.Fields(r.Scopes),
		CreatedAt:  r.CreatedAt.UTC(),
		RevokedAt:  utcPtr(r.RevokedAt),
	}
}

type accessTokenRow struct {
	bun.BaseModel `bun:"table:access_tokens,alias:at"`

	TokenHash []byte     `bun:"token_hash,pk"`
	TenantID  uuid.UUID  `bun:"tenant_id"`
	ClientID  string     `bun:"client_id"`
	Scope     string     `bun:"scope"`
	IssuedAt  time.Time  `bun:"issued_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

func (r *accessTokenRow) toAccessToken() AccessToken {
	return AccessToken{
		Hash:      r.TokenHash,
		TenantID:  r.TenantID,
		ClientID:  r.ClientID,
		Scope:     r.Scope,
		IssuedAt:  r.IssuedAt.UTC(),
		ExpiresAt: r.ExpiresAt.UTC(),
		RevokedAt: utcPtr(r.RevokedAt),
	}
}

// CreateOAuthClient stores a new client for c.TenantID. ClientID and
// SecretHash are required; a zero CreatedAt means now; RevokedAt is
// ignored (a new client is live). ErrConflict if the ClientID is taken
// (by any tenant); ErrNotFound if the tenant does not exist.
func (s *Store) CreateOAuthClient(ctx context.Context, c OAuthClient) error {
	if c.ClientID == "" || len(c.SecretHash) == 0 {
		return errors.New("store: create oauth client: ClientID and SecretHash are required")
	}
	for _, sc := range c.Scopes {
		if sc == "" || strings.ContainsFunc(sc, unicode.IsSpace) {
			return fmt.Errorf("store: create oauth client: invalid scope %q", sc)
		}
	}
	row := &oauthClientRow{
		TenantID:   c.TenantID,
		ClientID:   c.ClientID,
		SecretHash: c.SecretHash,
		Name:       c.Name,
		Scopes:     strings.Join(c.Scopes, " "),
		CreatedAt:  nowOr(c.CreatedAt),
	}
	_, err := s.db.NewInsert().Model(row).Exec(ctx)
	return mapWriteErr("create oauth client", err)
}

// OAuthClients returns the tenant's clients (revoked ones included) in
// creation order.
func (s *Store) OAuthClients(ctx context.Context, tenantID uuid.UUID) ([]OAuthClient, error) {
	var rows []oauthClientRow
	if err := s.db.NewSelect().Model(&rows).Where("oc.tenant_id = ?", tenantID).OrderExpr("oc.seq ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: oauth clients: %w", err)
	}
	return mapRows(rows, (*oauthClientRow).toOAuthClient), nil
}

// OAuthClientByID finds a client by its server-wide id, whatever its tenant
// (the token endpoint learns the tenant from it), revoked or not; ErrNotFound
// if there is none.
func (s *Store) OAuthClientByID(ctx context.Context, clientID string) (OAuthClient, error) {
	var row oauthClientRow
	if err := s.db.NewSelect().Model(&row).Where("oc.client_id = ?", clientID).Limit(1).Scan(ctx); err != nil {
		return OAuthClient{}, mapReadErr("oauth client", err)
	}
	return row.toOAuthClient(), nil
}

// RevokeOAuthClient revokes the tenant's client and, in the same
// transaction, every token of it that is not revoked yet (all at now).
// Revoking a revoked client again keeps its first RevokedAt and succeeds.
// ErrNotFound if the tenant has no such client.
func (s *Store) RevokeOAuthClient(ctx context.Context, tenantID uuid.UUID, clientID string, now time.Time) error {
	now = nowOr(now)
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*oauthClientRow)(nil)).
			Set("revoked_at = COALESCE(oc.revoked_at, ?)", now).
			Where("oc.tenant_id = ?", tenantID).
			Where("oc.client_id = ?", clientID)
		n, err := execCount(ctx, "revoke oauth client", q)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("store: revoke oauth client %q: %w", clientID, ErrNotFound)
		}
		q = tx.NewUpdate().Model((*accessTokenRow)(nil)).
			Set("revoked_at = ?", now).
			Where("at.tenant_id = ?", tenantID).
			Where("at.client_id = ?", clientID).
			Where("at.revoked_at IS NULL")
		_, err = execCount(ctx, "revoke oauth client tokens", q)
		return err
	})
}

// InsertAccessToken stores a newly issued token. Hash, TenantID and ClientID
// are required; IssuedAt zero means now; RevokedAt is ignored. The client
// must exist for that tenant and be live, checked in the same transaction
// as the insert (on PostgreSQL the client row is share-locked, so a
// concurrent RevokeOAuthClient either sees this token or makes this insert
// fail): ErrNotFound otherwise. ErrConflict on a duplicate hash.
func (s *Store) InsertAccessToken(ctx context.Context, t AccessToken) error {
	if len(t.Hash) == 0 || t.ClientID == "" {
		return errors.New("store: insert access token: Hash and ClientID are required")
	}
	row := &accessTokenRow{
		TokenHash: t.Hash,
		TenantID:  t.TenantID,
		ClientID:  t.ClientID,
		Scope:     t.Scope,
		IssuedAt:  nowOr(t.IssuedAt),
		ExpiresAt: normTime(t.ExpiresAt),
	}
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewSelect().Model((*oauthClientRow)(nil)).
			Column("seq").
			Where("oc.tenant_id = ?", t.TenantID).
			Where("oc.client_id = ?", t.ClientID).
			Where("oc.revoked_at IS NULL")
		if s.isPG() {
			q = q.For("SHARE")
		}
		var seq int64
		if err := q.Scan(ctx, &seq); err != nil {
			return mapReadErr("insert access token: live client "+t.ClientID, err)
		}
		_, err := tx.NewInsert().Model(row).Exec(ctx)
		return mapWriteErr("insert access token", err)
	})
}

// accessTokenByHashDB is AccessTokenByHash's read (poll_cache.go).
func (s *Store) accessTokenByHashDB(ctx context.Context, hash []byte) (AccessToken, error) {
	var row accessTokenRow
	if err := s.reads().NewSelect().Model(&row).Where("at.token_hash = ?", hash).Limit(1).Scan(ctx); err != nil {
		return AccessToken{}, mapReadErr("access token", err)
	}
	return row.toAccessToken(), nil
}

// RevokeAccessToken revokes the token with this hash at now. It reports
// whether a live (not yet revoked) token was revoked: false, nil for an
// unknown or already revoked token.
func (s *Store) RevokeAccessToken(ctx context.Context, hash []byte, now time.Time) (bool, error) {
	q := s.db.NewUpdate().Model((*accessTokenRow)(nil)).
		Set("revoked_at = ?", nowOr(now)).
		Where("at.token_hash = ?", hash).
		Where("at.revoked_at IS NULL")
	n, err := execCount(ctx, "revoke access token", q)
	return n > 0, err
}

// DeleteAccessToken deletes the tenant's token with this hash (the
// token-expiry job). No error when it is already gone.
func (tx *TenantTx) DeleteAccessToken(ctx context.Context, hash []byte) error {
	q := tx.tx.NewDelete().Model((*accessTokenRow)(nil)).
		Where("at.tenant_id = ?", tx.tenant).
		Where("at.token_hash = ?", hash)
	_, err := execCount(ctx, "delete access token", q)
	return err
}

// Poll is what the polling fast path needs: the bearer token and, if the
// token's tenant has the polled question, its channel and LastUpdated.
type Poll struct {
	Token         AccessToken // Hash is the caller's slice
	QuestionFound bool        // false: the token's tenant has no such question
	Channel       string
	LastUpdated   time.Time
}

// pollQuery is the single statement behind Store.Poll; {Q} and {H} are the
// question UUID and token hash placeholders of the dialect.
const pollQuery = `SELECT at.tenant_id, at.client_id, at.scope, at.issued_at, at.expires_at, at.revoked_at,
	q.channel, q.last_updated
FROM access_tokens AS at
LEFT JOIN questions AS q ON q.tenant_id = at.tenant_id AND q.uuid = {Q}
WHERE at.token_hash = {H}`

// pollDB looks up, in ONE indexed statement, the token with this hash and the
// question questionUUID of the token's tenant (the hot path of
// GET /v1/questions/{uuid}?lastChecked=). The caller decides what a revoked
// or expired token, a missing question or another channel mean.
// ErrNotFound if the token hash is unknown.
//
// The statement is prepared once per Store (per pooled connection, by
// database/sql), so PostgreSQL skips parsing and, after a few runs,
// planning; SQLite skips compiling it. It bypasses bun (and its query
// hooks).
func (s *Store) pollDB(ctx context.Context, tokenHash []byte, questionUUID uuid.UUID) (Poll, error) {
	st, err := s.pollStatement(ctx)
	if err != nil {
		return Poll{}, err
	}
	var (
		p           Poll
		revokedAt   sql.NullTime
		channel     sql.NullString
		lastUpdated sql.NullTime
	)
	t := &p.Token
	err = st.QueryRowContext(ctx, questionUUID, tokenHash).
		Scan(&t.TenantID, &t.ClientID, &t.Scope, &t.IssuedAt, &t.ExpiresAt, &revokedAt, &channel, &lastUpdated)
	if err != nil {
		return Poll{}, mapReadErr("poll", err)
	}
	t.Hash = tokenHash
	t.IssuedAt = t.IssuedAt.UTC()
	t.ExpiresAt = t.ExpiresAt.UTC()
	if revokedAt.Valid {
		v := revokedAt.Time.UTC()
		t.RevokedAt = &v
	}
	if channel.Valid {
		p.QuestionFound = true
		p.Channel = channel.String
		p.LastUpdated = lastUpdated.Time.UTC()
	}
	return p, nil
}

func (s *Store) pollStatement(ctx context.Context) (*sql.Stmt, error) {
	if st := s.pollStmt.Load(); st != nil {
		return st, nil
	}
	s.pollMu.Lock()
	defer s.pollMu.Unlock()
	if st := s.pollStmt.Load(); st != nil {
		return st, nil
	}
	q := strings.NewReplacer("{Q}", "?", "{H}", "?").Replace(pollQuery)
	if s.isPG() {
		q = strings.NewReplacer("{Q}", "$1", "{H}", "$2").Replace(pollQuery)
	}
	st, err := s.db.DB.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("store: poll: prepare: %w", err)
	}
	s.pollStmt.Store(st)
	return st, nil
}
