package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// operator_settings keys.
const settingAdminTokenHash = "admin_token_hash"

// Server-wide counters (counters.name).
const (
	counterQuestionID = "question_id"
	counterResponseID = "response_id"
)

// CreateTenant inserts a tenant. t.ID must be set and t.Subdomain non-empty;
// the subdomain is stored lowercased and must be unique (ErrConflict
// otherwise, as for a duplicate ID). A zero CreatedAt means now.
func (s *Store) CreateTenant(ctx context.Context, t Tenant) error {
	if t.ID == uuid.Nil {
		return errors.New("store: create tenant: ID is required")
	}
	sub := strings.ToLower(strings.TrimSpace(t.Subdomain))
	if sub == "" {
		return errors.New("store: create tenant: subdomain is required")
	}
	row := &tenantRow{ID: t.ID, Name: t.Name, Subdomain: sub, CreatedAt: nowOr(t.CreatedAt)}
	if !s.isPG() {
		_, err := s.db.NewInsert().Model(row).Exec(ctx)
		return mapWriteErr("create tenant", err)
	}
	// On PostgreSQL the tenant's number sequences are created with it (see NextQuestionNumber).
	return s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return mapWriteErr("create tenant", err)
		}
		return newTenantSequences(ctx, tx, t.ID)
	})
}

// ListTenants returns all tenants ordered by CreatedAt, then ID.
func (s *Store) ListTenants(ctx context.Context) ([]Tenant, error) {
	var rows []tenantRow
	if err := s.db.NewSelect().Model(&rows).OrderExpr("t.created_at ASC, t.id ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list tenants: %w", err)
	}
	return mapRows(rows, (*tenantRow).toTenant), nil
}

// GetTenant returns one tenant or ErrNotFound.
func (s *Store) GetTenant(ctx context.Context, id uuid.UUID) (Tenant, error) {
	var row tenantRow
	err := s.db.NewSelect().Model(&row).Where("t.id = ?", id).Limit(1).Scan(ctx)
	if err != nil {
		return Tenant{}, mapReadErr("get tenant", err)
	}
	return row.toTenant(), nil
}

// SetHelpDeskTokenHash makes hash the tenant's only live Help Desk token
// (replacing any previous one in the same statement, so the old hash stops
// matching at once) and records now as its issue time. ErrNotFound if the
// tenant does not exist; ErrConflict if another tenant holds the same hash.
func (s *Store) SetHelpDeskTokenHash(ctx context.Context, tenantID uuid.UUID, hash []byte, now time.Time) error {
	if len(hash) == 0 {
		return errors.New("store: set help desk token: empty hash")
	}
	row := &helpDeskTokenRow{TenantID: tenantID, TokenHash: hash, IssuedAt: nowOr(now)}
	_, err := s.db.NewInsert().Model(row).
		On("CONFLICT (tenant_id) DO UPDATE").
		Set("token_hash = EXCLUDED.token_hash").
		Set("issued_at = EXCLUDED.issued_at").
		Exec(ctx)
	if isForeignKeyViolation(err) {
		return fmt.Errorf("store: set help desk token: tenant %s: %w", tenantID, ErrNotFound)
	}
	return mapWriteErr("set help desk token", err)
}

// TenantByHelpDeskTokenHash finds the tenant whose live token has this hash
// (unique index lookup), or ErrNotFound.
func (s *Store) TenantByHelpDeskTokenHash(ctx context.Context, hash []byte) (Tenant, error) {
	if len(hash) == 0 {
		return Tenant{}, fmt.Errorf("store: tenant by token: %w", ErrNotFound)
	}
	var row tenantRow
	err := s.db.NewSelect().Model(&row).
		Join("JOIN helpdesk_tokens AS h ON h.tenant_id = t.id").
		Where("h.token_hash = ?", hash).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return Tenant{}, mapReadErr("tenant by token", err)
	}
	return row.toTenant(), nil
}

// HelpDeskTokenIssuedAt returns when the tenant's live token was issued, or
// ErrNotFound if none was.
func (s *Store) HelpDeskTokenIssuedAt(ctx context.Context, tenantID uuid.UUID) (time.Time, error) {
	var row helpDeskTokenRow
	err := s.db.NewSelect().Model(&row).Column("issued_at").Where("h.tenant_id = ?", tenantID).Limit(1).Scan(ctx)
	if err != nil {
		return time.Time{}, mapReadErr("help desk token issued at", err)
	}
	return row.IssuedAt.UTC(), nil
}

// AdminTokenHash returns the operator's admin token hash, or ErrNotFound if
// it was never set.
func (s *Store) AdminTokenHash(ctx context.Context) ([]byte, error) {
	return s.operatorSetting(ctx, settingAdminTokenHash)
}

// SetAdminTokenHash stores (replaces) the operator's admin token hash.
func (s *Store) SetAdminTokenHash(ctx context.Context, hash []byte) error {
	if len(hash) == 0 {
		return errors.New("store: set admin token: empty hash")
	}
	return s.SetOperatorSetting(ctx, settingAdminTokenHash, hash, time.Time{})
}
