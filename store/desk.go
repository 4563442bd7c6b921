package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The Desk API's records (migration 0005_desk). Every method is scoped to one tenant, except
// DeskPrincipalByHash, which starts from a token hash and learns the tenant from the row.

// DeskToken is a Desk API token of one tenant, stored by hash. OwnerID is the user it acts for
// (the requestedBy of the anonymization requests it starts).
type DeskToken struct {
	TenantID  uuid.UUID
	ID        uuid.UUID
	Name      string
	OwnerID   uuid.UUID
	Hash      []byte
	CreatedAt time.Time
	RevokedAt *time.Time // nil = live
}

// DeskPrincipal is what a live Desk API token stands for: its tenant, the token, its owner, and
// the tenant's Desk settings document (nil when none was stored).
type DeskPrincipal struct {
	TenantID uuid.UUID
	TokenID  uuid.UUID
	OwnerID  uuid.UUID
	Settings []byte
}

type deskTokenRow struct {
	bun.BaseModel `bun:"table:desk_tokens,alias:dt"`

	TenantID  uuid.UUID  `bun:"tenant_id,pk"`
	ID        uuid.UUID  `bun:"id,pk"`
	Name      string     `bun:"name"`
	OwnerID   uuid.UUID  `bun:"owner_id"`
	TokenHash []byte     `bun:"token_hash"`
	CreatedAt time.Time  `bun:"created_at"`
	RevokedAt *time.Time `bun:"revoked_at"`
}

func (r *deskTokenRow) toDeskToken() DeskToken {
	return DeskToken{TenantID: r.TenantID, ID: r.ID, Name: r.Name, OwnerID: r.OwnerID, Hash: r.TokenHash,
		CreatedAt: r.CreatedAt.UTC(), RevokedAt: utcPtr(r.RevokedAt)}
}

// CreateDeskToken stores a new live token. ID (nil: a new one), OwnerID and Hash are required.
// ErrConflict if the hash is taken; ErrNotFound if the tenant does not exist.
func (s *Store) CreateDeskToken(ctx context.Context, t DeskToken) (DeskToken, error) {
	if len(t.Hash) == 0 || t.OwnerID == uuid.Nil {
		return DeskToken{}, errors.New("store: create desk token: Hash and OwnerID are required")
	}
	fillNew(&t.ID, &t.CreatedAt, nil)
	t.RevokedAt = nil
	row := &deskTokenRow{TenantID: t.TenantID, ID: t.ID, Name: t.Name, OwnerID: t.OwnerID, TokenHash: t.Hash, CreatedAt: t.CreatedAt}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return DeskToken{}, mapWriteErr("create desk token", err)
	}
	return t, nil
}

// DeskTokens lists the tenant's tokens, revoked ones included, oldest first.
func (s *Store) DeskTokens(ctx context.Context, tenantID uuid.UUID) ([]DeskToken, error) {
	var rows []deskTokenRow
	err := s.db.NewSelect().Model(&rows).Where("dt.tenant_id = ?", tenantID).OrderExpr("dt.created_at ASC, dt.id ASC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: desk tokens: %w", err)
	}
	return mapRows(rows, (*deskTokenRow).toDeskToken), nil
}

// RevokeDeskToken revokes the tenant's token at now; revoking it again keeps the first time.
// ErrNotFound if the tenant has no such token.
func (s *Store) RevokeDeskToken(ctx context.Context, tenantID, id uuid.UUID, now time.Time) error {
	q := s.db.NewUpdate().Model((*deskTokenRow)(nil)).
		Set("revoked_at = COALESCE(dt.revoked_at, ?)", nowOr(now)).
		Where("dt.tenant_id = ?", tenantID).Where("dt.id = ?", id)
	n, err := execCount(ctx, "revoke desk token", q)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("store: revoke desk token %s: %w", id, ErrNotFound)
	}
	return nil
}

// DeskPrincipalByHash finds the live token with this hash, whatever its tenant, with the
// tenant's Desk settings, in one statement. ErrNotFound if there is none (or it was revoked).
func (s *Store) DeskPrincipalByHash(ctx context.Context, hash []byte) (DeskPrincipal, error) {
	var out struct {
		TenantID uuid.UUID      `bun:"tenant_id"`
		ID       uuid.UUID      `bun:"id"`
		OwnerID  uuid.UUID      `bun:"owner_id"`
		Settings sql.NullString `bun:"settings"`
	}
	err := s.db.NewSelect().Model((*deskTokenRow)(nil)).
		Column("dt.tenant_id", "dt.id", "dt.owner_id").
		ColumnExpr("ds.settings").
		Join("LEFT JOIN desk_settings AS ds ON ds.tenant_id = dt.tenant_id").
		Where("dt.token_hash = ?", hash).Where("dt.revoked_at IS NULL").
		Limit(1).Scan(ctx, &out)
	if err != nil {
		return DeskPrincipal{}, mapReadErr("desk token", err)
	}
	p := DeskPrincipal{TenantID: out.TenantID, TokenID: out.ID, OwnerID: out.OwnerID}
	if out.Settings.Valid {
		p.Settings = []byte(out.Settings.String)
	}
	return p, nil
}

// DeskSettings returns the tenant's Desk settings document (JSON, verbatim), or nil, nil when
// none was stored.
func (s *Store) DeskSettings(ctx context.Context, tenantID uuid.UUID) ([]byte, error) {
	return settingsDoc(ctx, s.reads(), "desk_settings", tenantID)
}

// PutDeskSettings stores (replaces) the tenant's Desk settings document, which must be valid
// JSON. ErrNotFound if the tenant does not exist.
func (s *Store) PutDeskSettings(ctx context.Context, tenantID uuid.UUID, doc []byte, now time.Time) error {
	return putSettingsDoc(ctx, s.db, "desk_settings", tenantID, doc, now)
}

// DeskCursor is a position in a list ordered by creation time, then id: lists return what
// comes strictly after it.
//
// afterKeyset: "after (t, id)" is written created_at >= t AND (created_at > t OR id > id), not
// created_at > t OR (created_at = t AND id > id): both databases seek the (…, created_at, id)
// index to t for the first form, while PostgreSQL cannot use the OR form as an index condition
// and filters every row from the start of the list (a page near the end of a million end users
// took 1.4 s, the first page 0.3 ms).
type DeskCursor struct {
	CreatedAt time.Time
	ID        string // a UUID's text for contacts; a conversation id's decimal text for conversations
}

// listOf reads a list column written by jsonList (a column that does not hold one reads as empty).
func listOf(s string) []string {
	l, err := parseList(s)
	if err != nil {
		return []string{}
	}
	return l
}
