package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Settings is [Store.Settings] inside the transaction (timers run inside one).
func (tx *TenantTx) Settings(ctx context.Context) ([]byte, error) {
	return settingsDoc(ctx, tx.tx, "company_settings", tx.tenant)
}

// PutSettings stores (replaces) the tenant's company settings document. doc
// must be valid JSON; it is stored verbatim and not interpreted. ErrNotFound
// if the tenant does not exist.
func (s *Store) PutSettings(ctx context.Context, tenantID uuid.UUID, doc []byte, now time.Time) error {
	return putSettingsDoc(ctx, s.db, "company_settings", tenantID, doc, now)
}

// settingsDoc reads the document of a per-tenant settings table (tenant_id,
// settings, updated_at): nil, nil when the tenant has none.
func settingsDoc(ctx context.Context, db bun.IDB, table string, tenantID uuid.UUID) ([]byte, error) {
	var doc string
	err := db.NewRaw("SELECT settings FROM ? WHERE tenant_id = ?", bun.Ident(table), tenantID).Scan(ctx, &doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("store: %s: %w", table, err)
	}
	return []byte(doc), nil
}

// putSettingsDoc stores (replaces) the document of a per-tenant settings
// table; doc must be valid JSON. ErrNotFound if the tenant does not exist.
func putSettingsDoc(ctx context.Context, db bun.IDB, table string, tenantID uuid.UUID, doc []byte, now time.Time) error {
	if !json.Valid(doc) {
		return fmt.Errorf("store: put %s: document is not valid JSON", table)
	}
	_, err := db.NewRaw(`INSERT INTO ? (tenant_id, settings, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (tenant_id) DO UPDATE SET settings = EXCLUDED.settings, updated_at = EXCLUDED.updated_at`,
		bun.Ident(table), tenantID, string(doc), nowOr(now)).Exec(ctx)
	return mapWriteErr("put "+table, err)
}

// OperatorSetting returns the value of the operator-level setting name (for
// instance the virtual clock), or nil, nil when it was never set.
func (s *Store) OperatorSetting(ctx context.Context, name string) ([]byte, error) {
	v, err := s.operatorSetting(ctx, name)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return v, err
}

func (s *Store) operatorSetting(ctx context.Context, name string) ([]byte, error) {
	var row operatorSettingRow
	err := s.db.NewSelect().Model(&row).Where("st.name = ?", name).Limit(1).Scan(ctx)
	if err != nil {
		return nil, mapReadErr("operator setting "+name, err)
	}
	if row.Value == nil {
		row.Value = []byte{}
	}
	return row.Value, nil
}

// SetOperatorSetting stores (replaces) the operator-level setting name. A
// nil value is stored as an empty one.
func (s *Store) SetOperatorSetting(ctx context.Context, name string, value []byte, now time.Time) error {
	if name == "" {
		return errors.New("store: set operator setting: empty name")
	}
	if value == nil {
		value = []byte{}
	}
	row := &operatorSettingRow{Name: name, Value: value, UpdatedAt: nowOr(now)}
	_, err := s.db.NewInsert().Model(row).
		On("CONFLICT (name) DO UPDATE").
		Set("value = EXCLUDED.value").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store: set operator setting %s: %w", name, err)
	}
	return nil
}
