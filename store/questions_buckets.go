package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// deepPageOffset is the offset from which PageQuestions looks its position up in
// question_buckets: below it skipping index entries costs less than the lookup.
var deepPageOffset = 1000

// pagePosition finds where the page of f (one channel, any or one status, no refId) starts
// without counting the questions before it (migration 0011): the question at position f.Offset
// of the order (last_updated DESC, id DESC) is the (skip+1)-th of the questions with
// last_updated < before, in that order. In one statement (one snapshot) it sums the day counts
// newest first up to the day that holds the position, then that day's half-hour counts, so it
// reads the count rows of every day stored and of one day's half-hours; the caller then skips
// at most one half-hour's questions. ok is false if the counts do not reach the position (a
// concurrent write between the total and this read): the caller then skips from the start.
func (s *Store) pagePosition(ctx context.Context, tenantID uuid.UUID, f PageFilter) (before time.Time, skip int, ok bool, err error) {
	var row struct {
		Bucket int64 `bun:"bucket"`
		Before int64 `bun:"before"`
	}
	err = s.positionQuery(tenantID, f).Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, 0, false, nil
	}
	if err != nil {
		return time.Time{}, 0, false, err
	}
	return time.Unix((row.Bucket+1)*bucketWidths[0], 0).UTC(), f.Offset - int(row.Before), true, nil
}

// positionQuery is pagePosition's statement: the half-hour (bucket) holding position f.Offset
// and how many questions the newer buckets hold (before).
func (s *Store) positionQuery(tenantID uuid.UUID, f PageFilter) *bun.RawQuery {
	fine, coarse := bucketWidths[0], bucketWidths[1]
	per := coarse / fine
	status, byStatus := "", []any{}
	if f.Status != "" {
		status, byStatus = " AND status = ?", []any{f.Status}
	}
	var args []any
	args = append(append(args, tenantID, f.Channel, coarse), byStatus...)
	args = append(args, per, per, per-1, f.Offset)
	args = append(append(args, tenantID, f.Channel, fine), byStatus...)
	args = append(args, f.Offset)
	return s.db.NewRaw(`WITH days AS (
			SELECT bucket, CAST(SUM(SUM(n)) OVER (ORDER BY bucket DESC) AS BIGINT) AS upto, CAST(SUM(n) AS BIGINT) AS cnt
			FROM question_buckets WHERE tenant_id = ? AND channel = ? AND width = ?`+status+`
			GROUP BY bucket
		), day AS (
			SELECT bucket * ? AS lo, bucket * ? + ? AS hi, upto - cnt AS before FROM days WHERE upto > ? ORDER BY bucket DESC LIMIT 1
		), halves AS (
			SELECT b.bucket, CAST(SUM(SUM(b.n)) OVER (ORDER BY b.bucket DESC) AS BIGINT) AS upto, CAST(SUM(b.n) AS BIGINT) AS cnt
			FROM question_buckets b WHERE b.tenant_id = ? AND b.channel = ? AND b.width = ?`+strings.ReplaceAll(status, "status", "b.status")+`
			AND b.bucket BETWEEN (SELECT lo FROM day) AND (SELECT hi FROM day)
			GROUP BY b.bucket
		)
		SELECT halves.bucket, day.before + halves.upto - halves.cnt AS before
		FROM day, halves WHERE day.before + halves.upto > ? ORDER BY halves.bucket DESC LIMIT 1`,
		args...)
}
