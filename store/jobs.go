package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Job is a durable "re-evaluate at DueAt" timer of one tenant, unique per
// (tenant, Kind, Subject): scheduling the same key again moves DueAt.
type Job struct {
	ID       int64 // assigned on insert; a rescheduled key keeps its ID until it runs
	TenantID uuid.UUID
	Kind     string // e.g. unanswered_timeout, reroute_prompt, offer_widen, token_expiry
	Subject  string // e.g. the question UUID or the token hash in hex
	DueAt    time.Time
}

type jobRow struct {
	bun.BaseModel `bun:"table:jobs,alias:j"`

	ID        int64     `bun:"id,pk,autoincrement"`
	TenantID  uuid.UUID `bun:"tenant_id"`
	Kind      string    `bun:"kind"`
	Subject   string    `bun:"subject"`
	DueAt     time.Time `bun:"due_at"`
	CreatedAt time.Time `bun:"created_at"` // wall clock, bookkeeping only
}

func (r *jobRow) toJob() Job {
	return Job{ID: r.ID, TenantID: r.TenantID, Kind: r.Kind, Subject: r.Subject, DueAt: r.DueAt.UTC()}
}

// ScheduleJob makes the tenant's job (kind, subject) due at due: it is
// created, or, if it exists, its due time is moved (earlier or later).
func (tx *TenantTx) ScheduleJob(ctx context.Context, kind, subject string, due time.Time) error {
	return tx.ScheduleJobs(ctx, subject, []JobDue{{Kind: kind, Due: due}})
}

// JobDue is one job of ScheduleJobs.
type JobDue struct {
	Kind string
	Due  time.Time
}

// ScheduleJobs is ScheduleJob for several kinds of one subject, in one statement. The kinds
// must be distinct.
func (tx *TenantTx) ScheduleJobs(ctx context.Context, subject string, jobs []JobDue) error {
	if len(jobs) == 0 {
		return nil
	}
	rows := make([]jobRow, len(jobs))
	created := normTime(time.Now())
	for i, j := range jobs {
		if j.Kind == "" || subject == "" {
			return errors.New("store: schedule job: kind and subject are required")
		}
		rows[i] = jobRow{TenantID: tx.tenant, Kind: j.Kind, Subject: subject, DueAt: normTime(j.Due), CreatedAt: created}
	}
	_, err := tx.exec(ctx, tx.tx.NewInsert().Model(&rows).
		On("CONFLICT (tenant_id, kind, subject) DO UPDATE").
		Set("due_at = EXCLUDED.due_at").
		Returning("NULL"))
	return mapWriteErr("schedule job", err)
}

// CancelJob deletes the tenant's job (kind, subject); no error when there
// is none.
func (tx *TenantTx) CancelJob(ctx context.Context, kind, subject string) error {
	q := tx.tx.NewDelete().Model((*jobRow)(nil)).
		Where("j.tenant_id = ?", tx.tenant).
		Where("j.kind = ?", kind).
		Where("j.subject = ?", subject)
	_, err := tx.execCount(ctx, "cancel job", q)
	return err
}

// Jobs returns the tenant's pending jobs with this subject (any kind),
// soonest first.
func (tx *TenantTx) Jobs(ctx context.Context, subject string) ([]Job, error) {
	var rows []jobRow
	err := tx.tx.NewSelect().Model(&rows).
		Where("j.tenant_id = ?", tx.tenant).
		Where("j.subject = ?", subject).
		OrderExpr("j.due_at ASC, j.id ASC").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: jobs: %w", err)
	}
	return mapRows(rows, (*jobRow).toJob), nil
}

// NextJobDue returns the earliest due time of any pending job (all
// tenants), and false when there is none.
func (s *Store) NextJobDue(ctx context.Context) (time.Time, bool, error) {
	var row jobRow
	err := s.db.NewSelect().Model(&row).Column("due_at").OrderExpr("j.due_at ASC, j.id ASC").Limit(1).Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("store: next job due: %w", err)
	}
	return row.DueAt.UTC(), true, nil
}

// RunDueJob runs at most one due job, exactly once across every instance
// sharing the database. In ONE transaction it takes the earliest job (any
// tenant) with DueAt <= now — locked with FOR UPDATE SKIP LOCKED on
// PostgreSQL, so concurrent runners take different jobs; on SQLite the
// immediate transaction already serialises runners — deletes it, and calls
// fn with a TenantTx bound to the job's tenant on that same transaction,
// then commits. fn may schedule the same (kind, subject) again: the delete
// came first, so that inserts a new job.
//
// ran is true only when a job ran and committed; (false, nil) means no job
// was due. If fn fails, everything rolls back (the job stays pending) and
// fn's error is returned unchanged; a panic in fn rolls back and is
// re-raised. Do not use the Store from inside fn (see TenantTx).
func (s *Store) RunDueJob(ctx context.Context, now time.Time, fn func(tx *TenantTx, j Job) error) (ran bool, err error) {
	release, err := s.beginWrite(ctx)
	if err != nil {
		return false, fmt.Errorf("store: run due job: begin: %w", err)
	}
	defer release()
	btx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: run due job: begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = btx.Rollback()
		}
	}()

	var row jobRow
	q := btx.NewSelect().Model(&row).
		Where("j.due_at <= ?", normTime(now)).
		OrderExpr("j.due_at ASC, j.id ASC").
		Limit(1)
	if s.isPG() {
		q = q.For("UPDATE SKIP LOCKED")
	}
	switch err := q.Scan(ctx); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("store: run due job: %w", err)
	}
	// The row is locked (or the database serialised), so this deletes it;
	// anything else means another runner has it: never run a job twice.
	n, err := execCount(ctx, "run due job: delete job", btx.NewDelete().Model((*jobRow)(nil)).Where("j.id = ?", row.ID))
	if err != nil {
		return false, err
	}
	if n != 1 {
		return false, fmt.Errorf("store: run due job: job %d was taken by another runner", row.ID)
	}
	tx := s.tenantTx(btx, row.TenantID)
	if err := fn(tx, row.toJob()); err != nil {
		if held := tx.heldErr(); held != nil {
			return false, held
		}
		return false, err
	}
	if err := tx.commit(ctx, btx); err != nil {
		return false, fmt.Errorf("store: run due job: %w", err)
	}
	done = true
	return true, nil
}
