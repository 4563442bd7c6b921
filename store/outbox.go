package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The webhook outbox: every outgoing webhook of every API is a row, written in the transaction
// that decided it, and attempted by a worker until it succeeds or runs out of attempts.

// Delivery states.
const (
	DeliveryPending   = "pending"
	DeliveryDelivered = "delivered"
	DeliveryFailed    = "failed"
)

// OutboxDelivery is one webhook to deliver.
type OutboxDelivery struct {
	ID            int64 // assigned on insert
	TenantID      uuid.UUID
	Topic         string            // what kind of delivery, e.g. "hub.activity"
	Subject       string            // what it is about, e.g. a conversation and event id
	URL           string            // target
	Headers       map[string]string // sent as they are, signature included
	Body          []byte            // sent byte for byte on every attempt
	Signature     string            // the body's signature (also in Headers)
	State         string
	Attempts      int // attempts made
	MaxAttempts   int // the delivery fails for good after this many
	NextAttemptAt time.Time
	LastAttemptAt *time.Time
	LastStatus    int    // HTTP status of the last attempt; 0 when it got none
	LastError     string // why the last attempt failed; "" after a success
	CreatedAt     time.Time
	FinishedAt    *time.Time // delivered or failed for good
}

type outboxRow struct {
	bun.BaseModel `bun:"table:outbox_deliveries,alias:od"`

	ID            int64      `bun:"id,pk,autoincrement"`
	TenantID      uuid.UUID  `bun:"tenant_id"`
	Topic         string     `bun:"topic"`
	Subject       string     `bun:"subject"`
	TargetURL     string     `bun:"target_url"`
	Headers       string     `bun:"headers"`
	Body          []byte     `bun:"body"`
	Signature     string     `bun:"signature"`
	State         string     `bun:"state"`
	Attempts      int        `bun:"attempts"`
	MaxAttempts   int        `bun:"max_attempts"`
	NextAttemptAt time.Time  `bun:"next_attempt_at"`
	LeaseUntil    *time.Time `bun:"lease_until"`
	LeaseToken    string     `bun:"lease_token"`
	LastAttemptAt *time.Time `bun:"last_attempt_at"`
	LastStatus    int        `bun:"last_status"`
	LastError     string     `bun:"last_error"`
	CreatedAt     time.Time  `bun:"created_at"`
	FinishedAt    *time.Time `bun:"finished_at"`
}

func (r *outboxRow) toDelivery() (OutboxDelivery, error) {
	d := OutboxDelivery{ID: r.ID, TenantID: r.TenantID, Topic: r.Topic, Subject: r.Subject, URL: r.TargetURL,
		Body: r.Body, Signature: r.Signature, State: r.State, Attempts: r.Attempts, MaxAttempts: r.MaxAttempts,
		NextAttemptAt: r.NextAttemptAt.UTC(), LastAttemptAt: utcPtr(r.LastAttemptAt), LastStatus: r.LastStatus,
		LastError: r.LastError, CreatedAt: r.CreatedAt.UTC(), FinishedAt: utcPtr(r.FinishedAt)}
	if err := json.Unmarshal([]byte(r.Headers), &d.Headers); err != nil {
		return OutboxDelivery{}, fmt.Errorf("store: delivery %d headers: %w", r.ID, err)
	}
	if d.Body == nil {
		d.Body = []byte{}
	}
	return d, nil
}

func toDeliveries(rows []outboxRow) ([]OutboxDelivery, error) {
	return mapRowsErr(rows, (*outboxRow).toDelivery)
}

// EnqueueDeliveries stores deliveries of the transaction's tenant as pending, in the caller's
// transaction: they exist exactly when what caused them commits. Each needs a URL and a
// MaxAttempts; NextAttemptAt is when the first attempt is due (on the server clock). Sets the IDs.
func (tx *TenantTx) EnqueueDeliveries(ctx context.Context, ds []OutboxDelivery) error {
	if len(ds) == 0 {
		return nil
	}
	rows := make([]outboxRow, len(ds))
	for i, d := range ds {
		if d.URL == "" || d.MaxAttempts < 1 {
			return errors.New("store: enqueue delivery: URL and MaxAttempts are required")
		}
		headers, err := json.Marshal(d.Headers)
		if err != nil {
			return fmt.Errorf("store: enqueue delivery: headers: %w", err)
		}
		body := d.Body
		if body == nil {
			body = []byte{}
		}
		rows[i] = outboxRow{TenantID: tx.tenant, Topic: d.Topic, Subject: d.Subject, TargetURL: d.URL,
			Headers: string(headers), Body: body, Signature: d.Signature, State: DeliveryPending,
			MaxAttempts: d.MaxAttempts, NextAttemptAt: normTime(d.NextAttemptAt), CreatedAt: nowOr(d.CreatedAt)}
	}
	if _, err := tx.tx.NewInsert().Model(&rows).Returning("id").Exec(ctx); err != nil {
		return mapWriteErr("enqueue deliveries", err)
	}
	for i := range ds {
		ds[i].ID = rows[i].ID
		ds[i].TenantID = tx.tenant
		ds[i].State = DeliveryPending
	}
	return nil
}

// Claim is a delivery taken by one worker for one attempt.
type Claim struct {
	OutboxDelivery
	Token string // proves the claim when recording the attempt
}

// ClaimDueDeliveries takes up to limit pending deliveries due at now (server clock) that no live
// claim holds, oldest due first, and holds them until leaseUntil (wall clock). Across every
// instance sharing the database a delivery is held by one claim at a time: PostgreSQL locks the
// candidate rows with FOR UPDATE SKIP LOCKED (concurrent workers take different ones); SQLite's
// write transaction serialises workers. A claim whose worker dies expires at leaseUntil and the
// delivery is taken again (the attempt it was making counts only once recorded).
func (s *Store) ClaimDueDeliveries(ctx context.Context, now, wallNow, leaseUntil time.Time, limit int) ([]Claim, error) {
	release, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: begin: %w", err)
	}
	defer release()
	var claims []Claim
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var ids []int64
		q := tx.NewSelect().Model((*outboxRow)(nil)).Column("id").
			Where("od.state = ?", DeliveryPending).
			Where("od.next_attempt_at <= ?", normTime(now)).
			WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
				return q.Where("od.lease_until IS NULL").WhereOr("od.lease_until <= ?", normTime(wallNow))
			}).
			OrderExpr("od.next_attempt_at ASC, od.id ASC").
			Limit(limit)
		if s.isPG() {
			q = q.For("UPDATE SKIP LOCKED")
		}
		if err := q.Scan(ctx, &ids); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		token := newLeaseToken()
		var rows []outboxRow
		if _, err := tx.NewUpdate().Model(&rows).
			Set("lease_until = ?", normTime(leaseUntil)).
			Set("lease_token = ?", token).
			Where("od.id IN (?)", bun.In(ids)).
			Returning("*").
			Exec(ctx); err != nil {
			return err
		}
		ds, err := toDeliveries(rows)
		if err != nil {
			return err
		}
		for _, d := range ds {
			claims = append(claims, Claim{OutboxDelivery: d, Token: token})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim deliveries: %w", err)
	}
	return claims, nil
}

func newLeaseToken() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Attempt is the outcome of one delivery attempt.
type Attempt struct {
	At     time.Time // server clock
	Status int       // HTTP status, 0 when none came back
	Error  string    // "" on success
	OK     bool
	// NextAt is when to try again after a failure; a zero NextAt (or MaxAttempts reached) makes the
	// failure final.
	NextAt time.Time
}

// RecordAttempt records an attempt made under claim c: a success delivers, a failure schedules the
// next attempt or, once MaxAttempts are made, fails for good. It returns the delivery as now
// stored. ErrNotFound when the claim was lost (it expired and another worker took the delivery):
// nothing is written then.
func (s *Store) RecordAttempt(ctx context.Context, c Claim, a Attempt) (OutboxDelivery, error) {
	res, err := s.RecordAttempts(ctx, []Recorded{{Claim: c, Attempt: a}})
	if err != nil {
		return OutboxDelivery{}, err
	}
	if res[0].Lost {
		return OutboxDelivery{}, fmt.Errorf("store: record attempt on delivery %d: claim lost: %w", c.ID, ErrNotFound)
	}
	return res[0].Delivery, nil
}

// Recorded is an attempt to record: the claim it was made under and its outcome.
type Recorded struct {
	Claim   Claim
	Attempt Attempt
}

// RecordResult is what recording one attempt did.
type RecordResult struct {
	Delivery OutboxDelivery // as now stored
	Lost     bool           // the claim was lost (expired and taken, or redelivered): nothing written
}

// RecordAttempts records several attempts (see RecordAttempt) in one transaction: a worker records
// a batch of attempts with one commit.
func (s *Store) RecordAttempts(ctx context.Context, rs []Recorded) ([]RecordResult, error) {
	release, err := s.beginWrite(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: record attempts: begin: %w", err)
	}
	defer release()
	out := make([]RecordResult, len(rs))
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		for i, r := range rs {
			var rows []outboxRow
			if _, err := s.attemptUpdate(tx, r.Claim, r.Attempt).Returning("*").Exec(ctx, &rows); err != nil {
				return err
			}
			if len(rows) == 0 {
				out[i].Lost = true
				continue
			}
			d, err := rows[0].toDelivery()
			if err != nil {
				return err
			}
			out[i].Delivery = d
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: record attempts: %w", err)
	}
	return out, nil
}

// attemptUpdate is the UPDATE that records attempt a under claim c.
func (s *Store) attemptUpdate(db bun.IDB, c Claim, a Attempt) *bun.UpdateQuery {
	at := normTime(a.At)
	q := db.NewUpdate().Model((*outboxRow)(nil)).
		Set("attempts = attempts + 1").
		Set("last_attempt_at = ?", at).
		Set("last_status = ?", a.Status).
		Set("last_error = ?", a.Error).
		Set("lease_until = NULL").
		Set("lease_token = ''").
		Where("od.id = ?", c.ID).
		Where("od.lease_token = ?", c.Token).
		Where("od.state = ?", DeliveryPending)
	switch {
	case a.OK:
		return q.Set("state = ?", DeliveryDelivered).Set("finished_at = ?", at)
	case a.NextAt.IsZero():
		return q.Set("state = ?", DeliveryFailed).Set("finished_at = ?", at)
	}
	ts := "?" // a timestamp parameter inside CASE: PostgreSQL would type it as text
	if s.isPG() {
		ts = "CAST(? AS TIMESTAMPTZ)"
	}
	return q.Set("state = CASE WHEN attempts + 1 >= max_attempts THEN ? ELSE ? END", DeliveryFailed, DeliveryPending).
		Set("finished_at = CASE WHEN attempts + 1 >= max_attempts THEN "+ts+" ELSE NULL END", at).
		Set("next_attempt_at = ?", normTime(a.NextAt))
}

// NextDeliveryDue returns the earliest next attempt of any pending delivery (all tenants) that no
// live claim holds at wallNow, and false when there is none.
func (s *Store) NextDeliveryDue(ctx context.Context, wallNow time.Time) (time.Time, bool, error) {
	var row outboxRow
	err := s.db.NewSelect().Model(&row).Column("next_attempt_at").
		Where("od.state = ?", DeliveryPending).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("od.lease_until IS NULL").WhereOr("od.lease_until <= ?", normTime(wallNow))
		}).
		OrderExpr("od.next_attempt_at ASC, od.id ASC").Limit(1).Scan(ctx)
	if err != nil {
		if errors.Is(mapReadErr("", err), ErrNotFound) {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, fmt.Errorf("store: next delivery due: %w", err)
	}
	return row.NextAttemptAt.UTC(), true, nil
}

// Deliveries returns a page of the tenant's deliveries, newest first: those with an id below
// before (0: from the newest), at most limit, of one state when state is not "".
func (s *Store) Deliveries(ctx context.Context, tenantID uuid.UUID, state string, before int64, limit int) ([]OutboxDelivery, error) {
	var rows []outboxRow
	q := s.db.NewSelect().Model(&rows).Where("od.tenant_id = ?", tenantID).OrderExpr("od.id DESC").Limit(limit)
	if state != "" {
		q = q.Where("od.state = ?", state)
	}
	if before > 0 {
		q = q.Where("od.id < ?", before)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: deliveries: %w", err)
	}
	return toDeliveries(rows)
}

// Delivery returns one of the tenant's deliveries, or ErrNotFound.
func (s *Store) Delivery(ctx context.Context, tenantID uuid.UUID, id int64) (OutboxDelivery, error) {
	var row outboxRow
	if err := s.db.NewSelect().Model(&row).Where("od.tenant_id = ?", tenantID).Where("od.id = ?", id).Limit(1).Scan(ctx); err != nil {
		return OutboxDelivery{}, mapReadErr("delivery", err)
	}
	return row.toDelivery()
}

// Redeliver makes one of the tenant's deliveries due again at now, whatever its state, with one
// more attempt allowed if it had used them all; a claim in progress is dropped (its result will
// not be recorded). It returns the delivery as now stored; ErrNotFound if there is none.
func (s *Store) Redeliver(ctx context.Context, tenantID uuid.UUID, id int64, now time.Time) (OutboxDelivery, error) {
	release, err := s.beginWrite(ctx)
	if err != nil {
		return OutboxDelivery{}, fmt.Errorf("store: redeliver: begin: %w", err)
	}
	defer release()
	var rows []outboxRow
	_, err = s.db.NewUpdate().Model((*outboxRow)(nil)).
		Set("state = ?", DeliveryPending).
		Set("next_attempt_at = ?", normTime(now)).
		Set("max_attempts = CASE WHEN max_attempts > attempts THEN max_attempts ELSE attempts + 1 END").
		Set("finished_at = NULL").
		Set("lease_until = NULL").
		Set("lease_token = ''").
		Where("od.tenant_id = ?", tenantID).
		Where("od.id = ?", id).
		Returning("*").
		Exec(ctx, &rows)
	if err != nil {
		return OutboxDelivery{}, fmt.Errorf("store: redeliver: %w", err)
	}
	if len(rows) == 0 {
		return OutboxDelivery{}, fmt.Errorf("store: redeliver %d: %w", id, ErrNotFound)
	}
	return rows[0].toDelivery()
}
