package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/uptrace/bun"
)

// 0011_question_buckets: what lets a deep page of the question list (PageQuestions) find its
// position without stepping over every question before it.
//
// question_buckets counts each tenant's questions per channel, status and time bucket of
// last_updated, at two widths (bucketWidths: half-hours and days; a bucket is
// floor(epoch seconds / width)), kept by triggers on questions like 0007's totals. The list's
// order (last_updated DESC, id DESC) keeps every bucket's questions together, so a page at
// offset k is found by summing the day counts newest first up to the day holding position k,
// then that day's half-hour counts, and skipping only the rest (at most one half-hour's
// questions) in questions_channel_updated_idx / questions_status_updated_idx from the
// half-hour's upper bound on.
//
// The bucket is computed by the triggers from the stored last_updated, so every writer keeps it
// right (the bench harness's SQL seeding included): on SQLite from bun's UTC text
// "2006-01-02 15:04:05[.999999]+00:00" (its first 19 characters are the second, floored), on
// PostgreSQL from the timestamptz (extract(epoch) is an exact numeric). On PostgreSQL the counts
// are split over bucketStripesPG rows by question id, as 0007's totals are, so that concurrent
// asks of one tenant (which all land in the newest buckets) rarely wait for each other's
// counter row; SQLite has one writer and one stripe.
//
// Like 0007 the migration creates the triggers before it counts what is stored and recounts
// from scratch, so running it again changes nothing.
func migrateV11(ctx context.Context, tx bun.Tx, dialect string) error {
	var stmts []string
	if dialect == DialectPostgres {
		stmts = append([]string{schemaBucketsTable}, schemaBucketsPG()...)
	} else {
		// The counts are read by key only: stored in the key's b-tree, each is one read.
		stmts = append([]string{schemaBucketsTable + " WITHOUT ROWID"}, schemaBucketsSQLite()...)
	}
	stmts = append(stmts, `DELETE FROM question_buckets`, bucketsBackfill(dialect))
	for i, s := range stmts {
		stmts[i] = ddl(dialect, s)
	}
	return execAll(ctx, tx, dialect, stmts)
}

// bucketWidths are the bucket widths in seconds, finest first; each divides the next.
var bucketWidths = [2]int64{1800, 86400}

// bucketStripesPG is how many rows each PostgreSQL bucket count is split over (by question id).
const bucketStripesPG = 8

const schemaBucketsTable = `CREATE TABLE IF NOT EXISTS question_buckets (
		tenant_id {UUID} NOT NULL REFERENCES tenants (id),
		channel TEXT NOT NULL,
		width INTEGER NOT NULL,
		bucket BIGINT NOT NULL,
		status TEXT NOT NULL,
		stripe INTEGER NOT NULL,
		n BIGINT NOT NULL,
		PRIMARY KEY (tenant_id, channel, width, bucket, status, stripe)
	)`

// sqliteBucket is the SQL of floor(epoch seconds of the stored time text col / w).
func sqliteBucket(col string, w int64) string {
	e := fmt.Sprintf("CAST(strftime('%%s', substr(%s, 1, 19)) AS INTEGER)", col)
	return fmt.Sprintf("(%[1]s / %[2]d - (%[1]s %% %[2]d < 0))", e, w)
}

// pgBucket is the SQL of floor(epoch seconds of the timestamptz col / w), exact.
func pgBucket(col, w string) string {
	return fmt.Sprintf("floor(extract(epoch FROM %s) / %s)::bigint", col, w)
}

// SQLite: row triggers, one counter row per width changed by one.
func schemaBucketsSQLite() []string {
	var ins, del strings.Builder
	for _, w := range bucketWidths {
		fmt.Fprintf(&ins, `INSERT INTO question_buckets (tenant_id, channel, width, bucket, status, stripe, n)
			VALUES (NEW.tenant_id, NEW.channel, %d, %s, NEW.status, 0, 1)
			ON CONFLICT (tenant_id, channel, width, bucket, status, stripe) DO UPDATE SET n = n + 1;
		`, w, sqliteBucket("NEW.last_updated", w))
		fmt.Fprintf(&del, `UPDATE question_buckets SET n = n - 1
			WHERE tenant_id = OLD.tenant_id AND channel = OLD.channel AND width = %d AND bucket = %s
			AND status = OLD.status AND stripe = 0;
		`, w, sqliteBucket("OLD.last_updated", w))
	}
	return []string{
		`CREATE TRIGGER IF NOT EXISTS questions_buckets_insert AFTER INSERT ON questions BEGIN
		` + ins.String() + `END`,
		`CREATE TRIGGER IF NOT EXISTS questions_buckets_update AFTER UPDATE OF last_updated, status, channel ON questions
		WHEN OLD.last_updated <> NEW.last_updated OR OLD.status <> NEW.status OR OLD.channel <> NEW.channel BEGIN
		` + del.String() + ins.String() + `END`,
		`CREATE TRIGGER IF NOT EXISTS questions_buckets_delete AFTER DELETE ON questions BEGIN
		` + del.String() + `END`,
	}
}

// PostgreSQL: statement-level triggers over transition tables, each statement's changes summed
// per counter row and applied in key order in one INSERT … ON CONFLICT (see schemaSizePG: a
// bulk write updates each counter row once, and two transactions lock their counter rows in the
// same order, so they cannot deadlock on them).
func schemaBucketsPG() []string {
	return []string{
		`DROP TRIGGER IF EXISTS questions_buckets_insert ON questions`,
		`DROP TRIGGER IF EXISTS questions_buckets_update ON questions`,
		`DROP TRIGGER IF EXISTS questions_buckets_delete ON questions`,
		`CREATE OR REPLACE FUNCTION questions_buckets() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP = 'INSERT' THEN
			` + pgApplyBuckets("SELECT tenant_id, channel, status, last_updated, id, 1 AS d FROM new_rows") + `
		ELSIF TG_OP = 'DELETE' THEN
			` + pgApplyBuckets("SELECT tenant_id, channel, status, last_updated, id, -1 AS d FROM old_rows") + `
		ELSE
			` + pgApplyBuckets(`SELECT o.tenant_id, o.channel, o.status, o.last_updated, o.id, -1 AS d
				FROM old_rows o JOIN new_rows n ON n.id = o.id
				WHERE o.status <> n.status OR o.last_updated <> n.last_updated OR o.channel <> n.channel
				UNION ALL
				SELECT n.tenant_id, n.channel, n.status, n.last_updated, n.id, 1 AS d
				FROM old_rows o JOIN new_rows n ON n.id = o.id
				WHERE o.status <> n.status OR o.last_updated <> n.last_updated OR o.channel <> n.channel`) + `
		END IF;
		RETURN NULL;
	END $$`,
		`CREATE TRIGGER questions_buckets_insert AFTER INSERT ON questions
		REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION questions_buckets()`,
		`CREATE TRIGGER questions_buckets_update AFTER UPDATE ON questions
		REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION questions_buckets()`,
		`CREATE TRIGGER questions_buckets_delete AFTER DELETE ON questions
		REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION questions_buckets()`,
	}
}

// pgBucketCounts is the counter rows of rows (a query of tenant_id, channel, status,
// last_updated, id and d, +1 or -1 per question): key columns and the summed change n, in key
// order, those with no change left out.
func pgBucketCounts(rows string) string {
	return fmt.Sprintf(`SELECT tenant_id, channel, l.w AS width, %s AS bucket, status, id %% %d AS stripe, sum(d) AS n
				FROM (%s) c CROSS JOIN (VALUES (%d), (%d)) AS l(w)
				GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(d) <> 0
				ORDER BY 1, 2, 3, 4, 5, 6`,
		pgBucket("c.last_updated", "l.w"),
		bucketStripesPG, rows, bucketWidths[0], bucketWidths[1])
}

func pgApplyBuckets(rows string) string {
	return `INSERT INTO question_buckets AS t (tenant_id, channel, width, bucket, status, stripe, n)
				` + pgBucketCounts(rows) + `
				ON CONFLICT (tenant_id, channel, width, bucket, status, stripe) DO UPDATE SET n = t.n + EXCLUDED.n;`
}

// bucketsBackfill counts the questions stored (after the triggers exist).
func bucketsBackfill(dialect string) string {
	if dialect == DialectPostgres {
		return `INSERT INTO question_buckets (tenant_id, channel, width, bucket, status, stripe, n)
			` + pgBucketCounts("SELECT tenant_id, channel, status, last_updated, id, 1 AS d FROM questions")
	}
	parts := make([]string, len(bucketWidths))
	for i, w := range bucketWidths {
		parts[i] = fmt.Sprintf(`SELECT tenant_id, channel, %d, %s, status, 0, count(*) FROM questions
			GROUP BY tenant_id, channel, %[2]s, status`, w, sqliteBucket("last_updated", w))
	}
	return `INSERT INTO question_buckets (tenant_id, channel, width, bucket, status, stripe, n)
		` + strings.Join(parts, " UNION ALL ")
}
