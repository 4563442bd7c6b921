package store

import (
	"context"
	"strings"

	"github.com/uptrace/bun"
)

// 0012_expert_response_totals: routing's inputs (ExpertStats, read on every ask) at a cost
// independent of the tenant's history.
//
// expert_response_totals counts the tenant's Expert-type responses with an author per
// (question category, author, is_accepted, rating): exactly the groups of the GROUP BY over
// responses ⋈ questions that ExpertStats used to run. Its key starts with (tenant_id, category),
// so ExpertStats(category) is one range read of that category's rows and ExpertStats("") one of
// the tenant's (summed over categories in Go): rows bounded by experts × categories × the
// (accepted, rating) pairs, whatever the number of responses stored. A row whose count drops to
// 0 is kept (ExpertStats skips it); the key space is small.
//
// Triggers keep it exact on every write that changes the join's result:
//   - responses: INSERT, DELETE, and any UPDATE (of tenant_id, question_uuid, type, author_uuid,
//     is_accepted or rating; the store's UpdateResponse writes type, author_uuid, is_accepted and
//     rating);
//   - questions: an UPDATE of category (UpdateQuestion writes it: it is mutable) — or of uuid or
//     tenant_id, which the store never changes — moves the question's responses' counts; a
//     DELETE removes them (the foreign keys forbid deleting a question that has responses, but
//     the trigger is cheap and keeps the join's meaning if they were off). No trigger on a
//     question INSERT: the foreign key from responses means no response can be waiting for it.
//
// The migration creates the triggers before it counts what is stored (on PostgreSQL CREATE
// TRIGGER locks out writers of both tables until it commits; SQLite's transaction excludes every
// other writer) and recounts from scratch, so running it again changes nothing.
func migrateV12(ctx context.Context, tx bun.Tx, dialect string) error {
	stmts := append([]string{}, schemaExpertTotalsCommon...)
	if dialect == DialectPostgres {
		stmts = append(stmts, schemaExpertTotalsPG...)
	} else {
		stmts = append(stmts, schemaExpertTotalsSQLite...)
	}
	stmts = append(stmts, schemaExpertTotalsBackfill...)
	for i, s := range stmts {
		stmts[i] = ddl(dialect, strings.ReplaceAll(s, "{EXPERT}", "'"+responseTypeExpert+"'"))
	}
	return execAll(ctx, tx, dialect, stmts)
}

var schemaExpertTotalsCommon = []string{
	`CREATE TABLE IF NOT EXISTS expert_response_totals (
		tenant_id {UUID} NOT NULL REFERENCES tenants (id),
		category TEXT NOT NULL,
		author_uuid {UUID} NOT NULL,
		is_accepted BOOLEAN NOT NULL,
		rating TEXT NOT NULL,
		n BIGINT NOT NULL,
		PRIMARY KEY (tenant_id, category, author_uuid, is_accepted, rating)
	)`,
}

// The conflict target and the upsert's assignment, shared by every statement that adds to the
// totals (n is the signed change).
const expertTotalsUpsert = `ON CONFLICT (tenant_id, category, author_uuid, is_accepted, rating)
			DO UPDATE SET n = expert_response_totals.n + excluded.n`

// sqliteExpertTotalsAdd adds sign × 1 for the response row ref (NEW or OLD) under its question's
// category, if it is an Expert response with an author.
func sqliteExpertTotalsAdd(ref, sign string) string {
	return `INSERT INTO expert_response_totals (tenant_id, category, author_uuid, is_accepted, rating, n)
			SELECT ` + ref + `.tenant_id, q.category, ` + ref + `.author_uuid, ` + ref + `.is_accepted, ` + ref + `.rating, ` + sign + `1
			FROM questions q
			WHERE q.tenant_id = ` + ref + `.tenant_id AND q.uuid = ` + ref + `.question_uuid
				AND ` + ref + `.type = {EXPERT} AND ` + ref + `.author_uuid IS NOT NULL
			` + expertTotalsUpsert + `;`
}

// sqliteExpertTotalsMove adds sign × the counts of the responses of the question row ref (NEW or
// OLD), under ref's category.
func sqliteExpertTotalsMove(ref, sign string) string {
	return `INSERT INTO expert_response_totals (tenant_id, category, author_uuid, is_accepted, rating, n)
			SELECT ` + ref + `.tenant_id, ` + ref + `.category, r.author_uuid, r.is_accepted, r.rating, ` + sign + `count(*)
			FROM responses r
			WHERE r.tenant_id = ` + ref + `.tenant_id AND r.question_uuid = ` + ref + `.uuid
				AND r.type = {EXPERT} AND r.author_uuid IS NOT NULL
			GROUP BY r.author_uuid, r.is_accepted, r.rating
			` + expertTotalsUpsert + `;`
}

// SQLite: one writer at a time, so plain row triggers; an UPDATE that leaves the counted columns
// as they were does nothing (the WHEN clause, evaluated without running the body).
var schemaExpertTotalsSQLite = []string{
	`CREATE TRIGGER IF NOT EXISTS responses_expert_totals_insert AFTER INSERT ON responses
		WHEN NEW.type = {EXPERT} AND NEW.author_uuid IS NOT NULL BEGIN
		` + sqliteExpertTotalsAdd("NEW", "+") + `
	END`,
	`CREATE TRIGGER IF NOT EXISTS responses_expert_totals_update
		AFTER UPDATE OF tenant_id, question_uuid, type, author_uuid, is_accepted, rating ON responses
		WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.question_uuid IS NOT NEW.question_uuid
			OR OLD.type IS NOT NEW.type OR OLD.author_uuid IS NOT NEW.author_uuid
			OR OLD.is_accepted IS NOT NEW.is_accepted OR OLD.rating IS NOT NEW.rating BEGIN
		` + sqliteExpertTotalsAdd("OLD", "-") + `
		` + sqliteExpertTotalsAdd("NEW", "+") + `
	END`,
	`CREATE TRIGGER IF NOT EXISTS responses_expert_totals_delete AFTER DELETE ON responses
		WHEN OLD.type = {EXPERT} AND OLD.author_uuid IS NOT NULL BEGIN
		` + sqliteExpertTotalsAdd("OLD", "-") + `
	END`,
	`CREATE TRIGGER IF NOT EXISTS questions_expert_totals_update AFTER UPDATE OF tenant_id, uuid, category ON questions
		WHEN OLD.tenant_id IS NOT NEW.tenant_id OR OLD.uuid IS NOT NEW.uuid OR OLD.category IS NOT NEW.category BEGIN
		` + sqliteExpertTotalsMove("OLD", "-") + `
		` + sqliteExpertTotalsMove("NEW", "+") + `
	END`,
	`CREATE TRIGGER IF NOT EXISTS questions_expert_totals_delete AFTER DELETE ON questions BEGIN
		` + sqliteExpertTotalsMove("OLD", "-") + `
	END`,
}

// PostgreSQL: statement-level triggers over transition tables, as for question_totals (0007):
// each statement's changes are summed per totals row and applied in key order in one INSERT …
// ON CONFLICT, so a bulk write updates each row once and two transactions lock the rows they
// share in the same order (no deadlock between them). An UPDATE counts only what changed: the
// multiset difference (EXCEPT ALL) of the counted columns before and after, which needs no
// pairing of old and new rows (so it is exact even if an id changes) and is empty for the usual
// update of other columns; changes that cancel out (HAVING sum <> 0) write nothing.
var schemaExpertTotalsPG = []string{
	`DROP TRIGGER IF EXISTS responses_expert_totals_insert ON responses`,
	`DROP TRIGGER IF EXISTS responses_expert_totals_update ON responses`,
	`DROP TRIGGER IF EXISTS responses_expert_totals_delete ON responses`,
	`DROP TRIGGER IF EXISTS questions_expert_totals_update ON questions`,
	`DROP TRIGGER IF EXISTS questions_expert_totals_delete ON questions`,
	`CREATE OR REPLACE FUNCTION responses_expert_totals() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP = 'INSERT' THEN
			` + pgExpertTotalsFromResponses(`SELECT tenant_id, question_uuid, author_uuid, is_accepted, rating, 1 AS d
				FROM new_rows WHERE type = {EXPERT} AND author_uuid IS NOT NULL`) + `
		ELSIF TG_OP = 'DELETE' THEN
			` + pgExpertTotalsFromResponses(`SELECT tenant_id, question_uuid, author_uuid, is_accepted, rating, -1 AS d
				FROM old_rows WHERE type = {EXPERT} AND author_uuid IS NOT NULL`) + `
		ELSE
			` + pgExpertTotalsFromResponses(`SELECT *, -1 AS d FROM (
					SELECT tenant_id, question_uuid, author_uuid, is_accepted, rating
						FROM old_rows WHERE type = {EXPERT} AND author_uuid IS NOT NULL
					EXCEPT ALL
					SELECT tenant_id, question_uuid, author_uuid, is_accepted, rating
						FROM new_rows WHERE type = {EXPERT} AND author_uuid IS NOT NULL) o
				UNION ALL
				SELECT *, 1 AS d FROM (
					SELECT tenant_id, question_uuid, author_uuid, is_accepted, rating
						FROM new_rows WHERE type = {EXPERT} AND author_uuid IS NOT NULL
					EXCEPT ALL
					SELECT tenant_id, question_uuid, author_uuid, is_accepted, rating
						FROM old_rows WHERE type = {EXPERT} AND author_uuid IS NOT NULL) n`) + `
		END IF;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER responses_expert_totals_insert AFTER INSERT ON responses
		REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION responses_expert_totals()`,
	`CREATE TRIGGER responses_expert_totals_update AFTER UPDATE ON responses
		REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION responses_expert_totals()`,
	`CREATE TRIGGER responses_expert_totals_delete AFTER DELETE ON responses
		REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION responses_expert_totals()`,
	`CREATE OR REPLACE FUNCTION questions_expert_totals() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP = 'DELETE' THEN
			` + pgExpertTotalsFromQuestions(`SELECT tenant_id, uuid, category, -1 AS d FROM old_rows`) + `
		ELSE
			` + pgExpertTotalsFromQuestions(`SELECT *, -1 AS d FROM (
					SELECT tenant_id, uuid, category FROM old_rows
					EXCEPT
					SELECT tenant_id, uuid, category FROM new_rows) o
				UNION ALL
				SELECT *, 1 AS d FROM (
					SELECT tenant_id, uuid, category FROM new_rows
					EXCEPT
					SELECT tenant_id, uuid, category FROM old_rows) n`) + `
		END IF;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER questions_expert_totals_update AFTER UPDATE ON questions
		REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION questions_expert_totals()`,
	`CREATE TRIGGER questions_expert_totals_delete AFTER DELETE ON questions
		REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION questions_expert_totals()`,
}

// pgExpertTotalsFromResponses adds the changes in rows (a query of tenant_id, question_uuid,
// author_uuid, is_accepted, rating and d, +1 or -1 per response) under their questions'
// categories.
func pgExpertTotalsFromResponses(rows string) string {
	return `INSERT INTO expert_response_totals AS t (tenant_id, category, author_uuid, is_accepted, rating, n)
				SELECT c.tenant_id, q.category, c.author_uuid, c.is_accepted, c.rating, sum(c.d)
				FROM (` + rows + `) c
				JOIN questions q ON q.tenant_id = c.tenant_id AND q.uuid = c.question_uuid
				GROUP BY c.tenant_id, q.category, c.author_uuid, c.is_accepted, c.rating
				HAVING sum(c.d) <> 0
				ORDER BY c.tenant_id, q.category, c.author_uuid, c.is_accepted, c.rating
				ON CONFLICT (tenant_id, category, author_uuid, is_accepted, rating) DO UPDATE SET n = t.n + EXCLUDED.n;`
}

// pgExpertTotalsFromQuestions adds d × the counts of the responses of the questions in rows (a
// query of tenant_id, uuid, category and d) under the rows' categories.
func pgExpertTotalsFromQuestions(rows string) string {
	return `INSERT INTO expert_response_totals AS t (tenant_id, category, author_uuid, is_accepted, rating, n)
				SELECT c.tenant_id, c.category, r.author_uuid, r.is_accepted, r.rating, sum(c.d)
				FROM (` + rows + `) c
				JOIN responses r ON r.tenant_id = c.tenant_id AND r.question_uuid = c.uuid
				WHERE r.type = {EXPERT} AND r.author_uuid IS NOT NULL
				GROUP BY c.tenant_id, c.category, r.author_uuid, r.is_accepted, r.rating
				HAVING sum(c.d) <> 0
				ORDER BY c.tenant_id, c.category, r.author_uuid, r.is_accepted, r.rating
				ON CONFLICT (tenant_id, category, author_uuid, is_accepted, rating) DO UPDATE SET n = t.n + EXCLUDED.n;`
}

// The recount, after the triggers exist.
var schemaExpertTotalsBackfill = []string{
	`DELETE FROM expert_response_totals`,
	`INSERT INTO expert_response_totals (tenant_id, category, author_uuid, is_accepted, rating, n)
		SELECT r.tenant_id, q.category, r.author_uuid, r.is_accepted, r.rating, count(*)
		FROM responses r JOIN questions q ON q.tenant_id = r.tenant_id AND q.uuid = r.question_uuid
		WHERE r.type = {EXPERT} AND r.author_uuid IS NOT NULL
		GROUP BY r.tenant_id, q.category, r.author_uuid, r.is_accepted, r.rating`,
}
