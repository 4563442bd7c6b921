package store

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// 0018_pg_shared_parent_checks (PostgreSQL; nothing on SQLite, which has one writer and no row
// locks): the writes of the busy paths no longer lock the rows every writer of a tenant shares.
//
// A foreign key check locks the referenced row FOR KEY SHARE until the transaction ends. When
// several transactions hold that lock on one row at once, PostgreSQL records the set of holders as
// a MultiXact, and every new holder makes a new one, with one member entry per transaction holding
// the lock at that moment. Every ask and every message checked its tenant's row (questions,
// messages, events, offers, jobs, responses all referenced tenants), and every ask its experts'
// rows (offers and events referenced experts): under load, about 1.5 MultiXacts per write, each
// with up to as many members as there were concurrent writers. MultiXact ids and member space are
// finite: spending them that fast forces anti-wraparound vacuums of every table within days on a
// busy deployment, and were member space to run out PostgreSQL would refuse every write needing a
// new one ("multixact members limit exceeded"). The throughput they cost is smaller than that on
// this 2-core machine: one database, 64 clients asking then adding messages, 5 s each, the checks
// in place and removed alternately (eight runs after a warm-up): with them 10-11k MultiXacts a
// run, 665-786 asks/s, 796-852 messages/s (p99 150-181 ms); without them none, 674-1043 asks/s,
// 844-1146 messages/s (p99 116-155 ms).
//
// What replaces them keeps what they guaranteed where it matters:
//
//   - A tenant reference that another foreign key of the same row already implies is dropped:
//     a message, event, offer or response references its question by (tenant_id, uuid), and
//     the question references the tenant; a Hub activity its conversation, a conversation and
//     an integration their hub. Nothing is lost.
//   - The tenant of a question, a timer (jobs) or a webhook delivery, and the expert of an offer
//     or an event, are checked by a trigger instead (parentCheck): the row is refused with
//     the same error (SQLSTATE 23503, so still ErrNotFound in the store) when its tenant, or its
//     expert in its tenant, does not exist, and nothing is locked. What a lock-free check gives
//     up is the guard against deleting the parent while a row references it: the store never
//     deletes a tenant or an expert, and a tenant deleted by hand is still held by the foreign
//     keys of its credentials, experts and settings.
//   - The counter tables kept by triggers (0007, 0011, 0012) drop theirs: each of their rows is
//     derived from a question or a response whose tenant is checked, and they are upserted by
//     every ask.
//
// SQLite keeps every foreign key: its checks take no locks.
func migrateV18(ctx context.Context, tx bun.Tx, dialect string) error {
	if dialect != DialectPostgres {
		return nil
	}
	var stmts []string
	for _, t := range []string{
		"messages", "events", "offers", "responses", "hub_activities", "hub_conversations", "hub_integrations", // implied
		"questions", "jobs", "outbox_deliveries", // checked by a trigger below
		"question_totals", "question_author_totals", "question_buckets", "expert_response_totals", // derived
	} {
		stmts = append(stmts, `ALTER TABLE `+t+` DROP CONSTRAINT IF EXISTS `+t+`_tenant_id_fkey`)
	}
	for _, t := range []string{"offers", "events"} {
		stmts = append(stmts, `ALTER TABLE `+t+` DROP CONSTRAINT IF EXISTS `+t+`_tenant_id_expert_uuid_fkey`)
	}
	tenant := parentCheck{fn: "switchboard_tenant_exists", parent: "tenants", where: "id = NEW.tenant_id",
		refs: []string{"tenant_id"}}
	expert := parentCheck{fn: "switchboard_expert_exists", parent: "experts", where: "tenant_id = NEW.tenant_id AND uuid = NEW.expert_uuid",
		refs: []string{"tenant_id", "expert_uuid"}}
	stmts = append(stmts, tenant.function(), expert.function())
	for _, c := range []struct {
		table string
		check parentCheck
	}{{"questions", tenant}, {"jobs", tenant}, {"outbox_deliveries", tenant}, {"offers", expert}, {"events", expert}} {
		// On INSERT always; on UPDATE only when a checked column changes (a question is updated
		// by every message added to it).
		var changed []string
		for _, col := range c.check.refs {
			changed = append(changed, "OLD."+col+" IS DISTINCT FROM NEW."+col)
		}
		name := c.table + "_" + strings.TrimPrefix(c.check.fn, "switchboard_")
		stmts = append(stmts,
			`DROP TRIGGER IF EXISTS `+name+`_insert ON `+c.table,
			`CREATE TRIGGER `+name+`_insert BEFORE INSERT ON `+c.table+` FOR EACH ROW EXECUTE FUNCTION `+c.check.fn+`()`,
			`DROP TRIGGER IF EXISTS `+name+`_update ON `+c.table,
			`CREATE TRIGGER `+name+`_update BEFORE UPDATE ON `+c.table+` FOR EACH ROW
				WHEN (`+strings.Join(changed, " OR ")+`) EXECUTE FUNCTION `+c.check.fn+`()`)
	}
	return execAll(ctx, tx, dialect, stmts)
}

// parentCheck is a trigger function (fn) that refuses a row whose parent does not exist, as a
// foreign key would (SQLSTATE 23503), without locking the parent: parent is the parent's table,
// where the condition that finds it, refs the row's columns that reference it. A row with a
// NULL reference (an event with no expert) is not checked, as a foreign key would not check it.
type parentCheck struct {
	fn, parent, where string
	refs              []string
}

// function is the statement that creates the check's trigger function.
func (c parentCheck) function() string {
	var present, values []string
	for _, r := range c.refs {
		present = append(present, "NEW."+r+" IS NOT NULL")
		values = append(values, "NEW."+r)
	}
	return `CREATE OR REPLACE FUNCTION ` + c.fn + `() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF ` + strings.Join(present, " AND ") + ` AND NOT EXISTS (SELECT 1 FROM ` + c.parent + ` WHERE ` + c.where + `) THEN
			RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
				MESSAGE = format('%s (%s): no such row in ` + c.parent + `', TG_TABLE_NAME, concat_ws(', ', ` + strings.Join(values, ", ") + `));
		END IF;
		RETURN NEW;
	END $$`
}
