package store

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// 0016_poll_tenant_rows: a change of a company's settings or of its experts reaches the poll cache
// like a change of a question or a token, so that what nearly every request reads of its
// tenant (Store.Settings; Store.Experts, which every ask ranks) is answered from memory and is
// still never stale: the triggers append the tenant's id to poll_changes, with no question and
// no token. (An instance of an earlier version reads such a row as unreadable and empties its
// cache: safe during a rolling upgrade.)
func migrateV16(ctx context.Context, tx bun.Tx, dialect string) error {
	stmts := pollTenantRowsPG
	if dialect != DialectPostgres {
		stmts = nil
		for _, table := range pollTenantTables {
			stmts = append(stmts, pollTenantRowsSQLite(table)...)
		}
	}
	return execAll(ctx, tx, dialect, stmts)
}

// pollTenantTables are the tables whose rows the poll cache keeps per tenant.
var pollTenantTables = []string{"company_settings", "experts"}

// pollTenantTriggers are the names pollCacheStarted looks for, per dialect.
var pollTenantTriggers = map[string][]string{
	DialectSQLite: {
		"poll_company_settings_insert", "poll_company_settings_update", "poll_company_settings_delete",
		"poll_experts_insert", "poll_experts_update", "poll_experts_delete",
	},
	DialectPostgres: {"poll_company_settings_change", "poll_experts_change"},
}

func pollTenantRowsSQLite(table string) []string {
	trigger := func(event, body string) string {
		return strings.NewReplacer("{T}", table, "{E}", event, "{EV}", strings.ToUpper(event)).Replace(
			`CREATE TRIGGER IF NOT EXISTS poll_{T}_{E} AFTER {EV} ON {T} FOR EACH ROW
		BEGIN
			`+body+`
			`) + pollPrune + `
		END`
	}
	return []string{
		trigger("insert", `INSERT INTO poll_changes (tenant_id) VALUES (NEW.tenant_id);`),
		trigger("update", `INSERT INTO poll_changes (tenant_id) VALUES (OLD.tenant_id);
			INSERT INTO poll_changes (tenant_id) SELECT NEW.tenant_id WHERE NEW.tenant_id IS NOT OLD.tenant_id;`),
		trigger("delete", `INSERT INTO poll_changes (tenant_id) VALUES (OLD.tenant_id);`),
	}
}

var pollTenantRowsPG = []string{
	`CREATE OR REPLACE FUNCTION switchboard_poll_tenant_row() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP <> 'INSERT' THEN
			INSERT INTO poll_changes (tenant_id) VALUES (OLD.tenant_id);
		END IF;
		IF TG_OP = 'INSERT' OR TG_OP = 'UPDATE' AND NEW.tenant_id IS DISTINCT FROM OLD.tenant_id THEN
			INSERT INTO poll_changes (tenant_id) VALUES (NEW.tenant_id);
		END IF;
		RETURN NULL;
	END $$`,
	// DROP first: every statement of a step is idempotent (schema.go).
	`DROP TRIGGER IF EXISTS poll_company_settings_change ON company_settings`,
	`CREATE TRIGGER poll_company_settings_change AFTER INSERT OR UPDATE OR DELETE ON company_settings
		FOR EACH ROW EXECUTE FUNCTION switchboard_poll_tenant_row()`,
	`DROP TRIGGER IF EXISTS poll_experts_change ON experts`,
	`CREATE TRIGGER poll_experts_change AFTER INSERT OR UPDATE OR DELETE ON experts
		FOR EACH ROW EXECUTE FUNCTION switchboard_poll_tenant_row()`,
}
