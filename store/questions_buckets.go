package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/google/uuid"
)

// deepPageOffset is the offset from which PageQuestions looks its position up in
// question_buckets: below it skipping index entries costs less than the two lookups.
var deepPageOffset = 1000

// pagePosition finds where the page of f (one channel, any or one status, no refId) starts
// without counting the questions before it (migration 0011): the question at position f.Offset
// of the order (last_updated DESC, id DESC) is the (skip+1)-th of the questions with
// last_updated < before, in that order. It sums the day counts newest first up to the day that
// holds the position, then that day's half-hour counts, so it reads at most a few rows per day
// stored plus one day's half-hours; the caller then skips at most one half-hour's questions.
// ok is false if the counts do not reach the position (a concurrent write between the total and
// this read): the caller then skips from the start.
func (s *Store) pagePosition(ctx context.Context, tenantID uuid.UUID, f PageFilter) (before time.Time, skip int, ok bool, err error) {
	k := int64(f.Offset)
	fine, coarse := bucketWidths[0], bucketWidths[1]
	day, dayBefore, ok, err := s.bucketAt(ctx, tenantID, f, coarse, k, nil)
	if err != nil || !ok {
		return time.Time{}, 0, false, err
	}
	per := coarse / fine
	rng := [2]int64{day * per, day*per + per - 1}
	half, halfBefore, ok, err := s.bucketAt(ctx, tenantID, f, fine, k-dayBefore, &rng)
	if err != nil || !ok {
		return time.Time{}, 0, false, err
	}
	return time.Unix((half+1)*fine, 0).UTC(), int(k - dayBefore - halfBefore), true, nil
}

// bucketAt returns the newest bucket of width w (within rng, if given) whose questions matching
// f, with those of all newer buckets (within rng), number more than k, and how many questions
// the newer buckets hold.
func (s *Store) bucketAt(ctx context.Context, tenantID uuid.UUID, f PageFilter, w, k int64, rng *[2]int64) (bucket, before int64, ok bool, err error) {
	sums := s.db.NewSelect().TableExpr("question_buckets").
		ColumnExpr("bucket").
		ColumnExpr("CAST(SUM(SUM(n)) OVER (ORDER BY bucket DESC) AS BIGINT) AS upto").
		ColumnExpr("CAST(SUM(n) AS BIGINT) AS cnt").
		Where("tenant_id = ?", tenantID).
		Where("channel = ?", f.Channel).
		Where("width = ?", w)
	if rng != nil {
		sums = sums.Where("bucket BETWEEN ? AND ?", rng[0], rng[1])
	}
	if f.Status != "" {
		sums = sums.Where("status = ?", f.Status)
	}
	sums = sums.GroupExpr("bucket")
	var row struct {
		Bucket int64 `bun:"bucket"`
		Upto   int64 `bun:"upto"`
		Cnt    int64 `bun:"cnt"`
	}
	err = s.db.NewSelect().TableExpr("(?) AS s", sums).
		ColumnExpr("bucket, upto, cnt").
		Where("upto > ?", k).
		OrderExpr("bucket DESC").
		Limit(1).
		Scan(ctx, &row)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return 0, 0, false, nil
		}
		return 0, 0, false, err
	}
	return row.Bucket, row.Upto - row.Cnt, true, nil
}
