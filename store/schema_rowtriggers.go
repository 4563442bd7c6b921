package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// 0014_pg_question_update_row_triggers: on PostgreSQL, the counters kept from questions (0007's
// totals, 0011's buckets, 0012's expert totals) follow an UPDATE of questions row by row, and
// only when a column they count changed.
//
// Their UPDATE triggers were statement-level, over transition tables: every UPDATE of a question
// (every message added to it moves last_updated) called three plpgsql functions, each joining
// the transition tables into an upsert that almost always changed nothing. pgbench, 16 clients,
// `UPDATE questions SET last_updated = now() WHERE id = :random`: 5.1k/s with them, 7.8k/s with
// the row triggers below. A row trigger's WHEN clause is evaluated by the executor without calling the
// function, so now a function runs only when a count moves: a status, author refId or category
// change, or last_updated crossing into another half-hour bucket (bucketWidths: the day width
// is a multiple of it, so a new day is a new half-hour).
//
// The row function applies its row's two changes (-1 under OLD's key, +1 under NEW's) in one
// upsert in key order, the same SQL as the statement triggers with the row in place of the
// transition tables, so two transactions that each update one question lock the counter rows
// they share in the same order. INSERT and DELETE keep their statement triggers (a bulk insert
// still updates each counter row once). What is given up: a multi-row UPDATE now locks counter
// rows in the order it updates its rows, so two concurrent multi-row UPDATEs of questions (only
// SQL run by hand: the store updates one question per statement) can deadlock, and PostgreSQL
// then aborts one of them.
//
// SQLite's triggers were row triggers with WHEN clauses already (one writer, no deadlock).
func migrateV14(ctx context.Context, tx bun.Tx, dialect string) error {
	if dialect != DialectPostgres {
		return nil
	}
	stmts := questionUpdateRowTriggersPG()
	for i, s := range stmts {
		s = strings.ReplaceAll(s, "{STRIPES}", totalStripes)
		stmts[i] = strings.ReplaceAll(s, "{EXPERT}", "'"+responseTypeExpert+"'")
	}
	return execAll(ctx, tx, dialect, stmts)
}

// rowPair is a query of the row's two changes: the columns cols of OLD with d = -1 and of NEW
// with d = +1, named after the columns.
func rowPair(cols ...string) string {
	side := func(ref, d string) string {
		sel := make([]string, 0, len(cols)+1)
		for _, c := range cols {
			sel = append(sel, ref+"."+c+" AS "+c)
		}
		return "SELECT " + strings.Join(append(sel, d+" AS d"), ", ")
	}
	return side("OLD", "-1") + " UNION ALL " + side("NEW", "1")
}

// changed is a WHEN condition true when any of cols differs between OLD and NEW (all are NOT
// NULL columns of questions).
func changed(cols ...string) string {
	or := make([]string, len(cols))
	for i, c := range cols {
		or[i] = fmt.Sprintf("OLD.%[1]s <> NEW.%[1]s", c)
	}
	return strings.Join(or, " OR ")
}

func questionUpdateRowTriggersPG() []string {
	fn := func(name, body string) string {
		return `CREATE OR REPLACE FUNCTION ` + name + `() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		` + body + `
		RETURN NULL;
	END $$`
	}
	trigger := func(name, when, function string) []string {
		return []string{
			`DROP TRIGGER IF EXISTS ` + name + ` ON questions`,
			`CREATE TRIGGER ` + name + ` AFTER UPDATE ON questions FOR EACH ROW
		WHEN (` + when + `) EXECUTE FUNCTION ` + function + `()`,
		}
	}
	halfHour := fmt.Sprint(bucketWidths[0])
	stmts := []string{
		fn("questions_buckets_row", pgApplyBuckets(rowPair("tenant_id", "channel", "status", "last_updated", "id"))),
		fn("questions_totals_row", pgApplyTotals(rowPair("tenant_id", "channel", "status", "author_ref_id", "id"))),
		fn("questions_expert_totals_row", pgExpertTotalsFromQuestions(rowPair("tenant_id", "uuid", "category"))),
	}
	stmts = append(stmts, trigger("questions_buckets_update",
		changed("tenant_id", "id", "channel", "status")+" OR "+
			pgBucket("OLD.last_updated", halfHour)+" <> "+pgBucket("NEW.last_updated", halfHour),
		"questions_buckets_row")...)
	stmts = append(stmts, trigger("questions_totals_update",
		changed("tenant_id", "id", "channel", "status", "author_ref_id"), "questions_totals_row")...)
	stmts = append(stmts, trigger("questions_expert_totals_update",
		changed("tenant_id", "uuid", "category"), "questions_expert_totals_row")...)
	return stmts
}
