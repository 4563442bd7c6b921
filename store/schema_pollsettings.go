package store

import (
	"context"

	"github.com/uptrace/bun"
)

// 0016_poll_settings: a change of a company's settings reaches the poll cache like a change of a
// question or a token, so that Store.Settings, read by nearly every Messaging and Help Desk
// request, is answered from memory and still never stale: the triggers append the tenant's id
// to poll_changes, with no question and no token. (An instance of an earlier version reads such
// a row as unreadable and empties its cache: safe during a rolling upgrade.)
func migrateV16(ctx context.Context, tx bun.Tx, dialect string) error {
	stmts := pollSettingsSQLite
	if dialect == DialectPostgres {
		stmts = pollSettingsPG
	}
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}

// pollSettingsTriggers are the names pollTriggersPresent looks for, per dialect.
var pollSettingsTriggers = map[string][]string{
	DialectSQLite:   {"poll_settings_insert", "poll_settings_update", "poll_settings_delete"},
	DialectPostgres: {"poll_settings_change"},
}

var pollSettingsSQLite = []string{
	`CREATE TRIGGER IF NOT EXISTS poll_settings_insert AFTER INSERT ON company_settings FOR EACH ROW
		BEGIN
			INSERT INTO poll_changes (tenant_id) VALUES (NEW.tenant_id);
			` + pollPrune + `
		END`,
	`CREATE TRIGGER IF NOT EXISTS poll_settings_update AFTER UPDATE ON company_settings FOR EACH ROW
		BEGIN
			INSERT INTO poll_changes (tenant_id) VALUES (OLD.tenant_id);
			INSERT INTO poll_changes (tenant_id) SELECT NEW.tenant_id WHERE NEW.tenant_id IS NOT OLD.tenant_id;
			` + pollPrune + `
		END`,
	`CREATE TRIGGER IF NOT EXISTS poll_settings_delete AFTER DELETE ON company_settings FOR EACH ROW
		BEGIN
			INSERT INTO poll_changes (tenant_id) VALUES (OLD.tenant_id);
			` + pollPrune + `
		END`,
}

var pollSettingsPG = []string{
	`CREATE OR REPLACE FUNCTION switchboard_poll_settings() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP <> 'INSERT' THEN
			INSERT INTO poll_changes (tenant_id) VALUES (OLD.tenant_id);
		END IF;
		IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
			INSERT INTO poll_changes (tenant_id) VALUES (NEW.tenant_id);
		END IF;
		RETURN NULL;
	END $$`,
	`DROP TRIGGER IF EXISTS poll_settings_change ON company_settings`, // idempotent (schema.go)
	`CREATE TRIGGER poll_settings_change AFTER INSERT OR UPDATE OR DELETE ON company_settings
		FOR EACH ROW EXECUTE FUNCTION switchboard_poll_settings()`,
}
