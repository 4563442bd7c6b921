package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Domain values the store's queries need to know.
const (
	statusUnresolved   = "UNRESOLVED" // Question.Status
	responseTypeExpert = "Expert"     // Response.Type
)

// Expert is a tenant's expert who answers questions.
type Expert struct {
	TenantID uuid.UUID
	UUID     uuid.UUID
	Name     string

	Languages  []string // ISO 639-1 codes; empty = any language
	Categories []string // category names
	Topics     []string // free keywords matched against question text

	IsElite, IsActive bool
	Capacity          int // max open claimed questions; 0 = unlimited

	CreatedAt, UpdatedAt time.Time
}

// ExpertStats summarises an expert's Expert-type responses (in one category
// or all), as routing inputs.
type ExpertStats struct {
	Responses int            // responses written
	Accepted  int            // of which accepted
	Ratings   map[string]int // rating value (e.g. "POSITIVE_5") → count; unrated responses are not counted
}

// Offer records that a question was offered to an expert by routing.
type Offer struct {
	TenantID     uuid.UUID
	QuestionUUID uuid.UUID
	ExpertUUID   uuid.UUID
	Tier         int     // 0 = first tier, offered at creation
	Rank         int     // 1-based position in the ranking
	Score        float64 // in [0, 1]
	Breakdown    []byte  // JSON, stored verbatim; "{}" when empty
	OfferedAt    time.Time
}

type expertRow struct {
	bun.BaseModel `bun:"table:experts,alias:e"`

	Seq        int64     `bun:"seq,pk,autoincrement"`
	TenantID   uuid.UUID `bun:"tenant_id"`
	UUID       uuid.UUID `bun:"uuid"`
	Name       string    `bun:"name"`
	Languages  string    `bun:"languages"`  // JSON array
	Categories string    `bun:"categories"` // JSON array
	Topics     string    `bun:"topics"`     // JSON array
	IsElite    bool      `bun:"is_elite"`
	IsActive   bool      `bun:"is_active"`
	Capacity   int       `bun:"capacity"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

// expertMutableColumns are the columns UpdateExpert writes.
var expertMutableColumns = []string{
	"name", "languages", "categories", "topics", "is_elite", "is_active", "capacity", "updated_at",
}

func newExpertRow(e *Expert) *expertRow {
	return &expertRow{
		TenantID:   e.TenantID,
		UUID:       e.UUID,
		Name:       e.Name,
		Languages:  jsonList(e.Languages),
		Categories: jsonList(e.Categories),
		Topics:     jsonList(e.Topics),
		IsElite:    e.IsElite,
		IsActive:   e.IsActive,
		Capacity:   e.Capacity,
		CreatedAt:  e.CreatedAt,
		UpdatedAt:  e.UpdatedAt,
	}
}

func (r *expertRow) toExpert() (Expert, error) {
	e := Expert{
		TenantID:  r.TenantID,
		UUID:      r.UUID,
		Name:      r.Name,
		IsElite:   r.IsElite,
		IsActive:  r.IsActive,
		Capacity:  r.Capacity,
		CreatedAt: r.CreatedAt.UTC(),
		UpdatedAt: r.UpdatedAt.UTC(),
	}
	var err error
	if e.Languages, err = parseList(r.Languages); err != nil {
		return Expert{}, fmt.Errorf("expert %s languages: %w", r.UUID, err)
	}
	if e.Categories, err = parseList(r.Categories); err != nil {
		return Expert{}, fmt.Errorf("expert %s categories: %w", r.UUID, err)
	}
	if e.Topics, err = parseList(r.Topics); err != nil {
		return Expert{}, fmt.Errorf("expert %s topics: %w", r.UUID, err)
	}
	return e, nil
}

// jsonList encodes a string list as a JSON array ("[]" for nil).
func jsonList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // []string cannot fail
	return string(b)
}

// parseList decodes a JSON array of strings; never nil.
func parseList(s string) ([]string, error) {
	out := []string{}
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	if out == nil {
		out = []string{}
	}
	return out, nil
}

// InsertExpert stores a new expert for e.TenantID. Defaults: UUID (new
// random), CreatedAt now, UpdatedAt CreatedAt; times are normalised; e is
// updated with what was stored. ErrConflict on a duplicate (tenant, UUID);
// ErrNotFound if the tenant does not exist.
func (s *Store) InsertExpert(ctx context.Context, e *Expert) error {
	fillNew(&e.UUID, &e.CreatedAt, &e.UpdatedAt)
	_, err := s.db.NewInsert().Model(newExpertRow(e)).Exec(ctx)
	return mapWriteErr("insert expert", err)
}

// UpdateExpert writes e's mutable fields (Name, Languages, Categories,
// Topics, IsElite, IsActive, Capacity, UpdatedAt — zero means now) to the
// expert (e.TenantID, e.UUID). ErrNotFound if the tenant has no such expert.
func (s *Store) UpdateExpert(ctx context.Context, e *Expert) error {
	e.UpdatedAt = nowOr(e.UpdatedAt)
	res, err := s.db.NewUpdate().Model(newExpertRow(e)).
		Column(expertMutableColumns...).
		Where("e.tenant_id = ?", e.TenantID).
		Where("e.uuid = ?", e.UUID).
		Exec(ctx)
	return updateResult("update expert", e.UUID, res, err)
}

// Expert returns the tenant's expert, or ErrNotFound.
func (s *Store) Expert(ctx context.Context, tenantID, id uuid.UUID) (Expert, error) {
	return expertByUUID(ctx, s.db, tenantID, id, "")
}

// Expert returns one of the tenant's experts, or ErrNotFound.
func (tx *TenantTx) Expert(ctx context.Context, id uuid.UUID) (Expert, error) {
	return expertByUUID(ctx, tx.tx, tx.tenant, id, "")
}

// Experts returns the tenant's experts in creation order.
func (tx *TenantTx) Experts(ctx context.Context) ([]Expert, error) {
	return listExperts(ctx, tx.tx, tx.tenant)
}

// expertByUUID reads one expert; lock "UPDATE" takes a row lock (PostgreSQL only).
func expertByUUID(ctx context.Context, db bun.IDB, tenant, id uuid.UUID, lock string) (Expert, error) {
	var row expertRow
	q := db.NewSelect().Model(&row).
		Where("e.tenant_id = ?", tenant).
		Where("e.uuid = ?", id).
		Limit(1)
	if lock != "" {
		q = q.For(lock)
	}
	err := q.Scan(ctx)
	if err != nil {
		return Expert{}, mapReadErr("expert", err)
	}
	e, err := row.toExpert()
	if err != nil {
		return Expert{}, fmt.Errorf("store: %w", err)
	}
	return e, nil
}

func listExperts(ctx context.Context, db bun.IDB, tenant uuid.UUID) ([]Expert, error) {
	var rows []expertRow
	if err := db.NewSelect().Model(&rows).Where("e.tenant_id = ?", tenant).OrderExpr("e.seq ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: experts: %w", err)
	}
	out := make([]Expert, len(rows))
	for i := range rows {
		var err error
		if out[i], err = rows[i].toExpert(); err != nil {
			return nil, fmt.Errorf("store: experts: %w", err)
		}
	}
	return out, nil
}

// ExpertLoads returns, per expert, the number of UNRESOLVED questions of
// the tenant the expert has claimed. Experts with none are absent.
func (tx *TenantTx) ExpertLoads(ctx context.Context) (map[uuid.UUID]int, error) {
	return expertLoads(ctx, tx.tx, tx.tenant)
}

// ExpertLoads is [TenantTx.ExpertLoads] outside a transaction.
func (s *Store) ExpertLoads(ctx context.Context, tenantID uuid.UUID) (map[uuid.UUID]int, error) {
	return expertLoads(ctx, s.reads(), tenantID)
}

func expertLoads(ctx context.Context, db bun.IDB, tenant uuid.UUID) (map[uuid.UUID]int, error) {
	var rows []struct {
		ClaimedBy uuid.UUID `bun:"claimed_by"`
		N         int       `bun:"n"`
	}
	err := db.NewSelect().Model((*questionRow)(nil)).
		ColumnExpr("q.claimed_by, count(*) AS n").
		Where("q.tenant_id = ?", tenant).
		Where("q.status = ?", statusUnresolved).
		Where("q.claimed_by IS NOT NULL").
		GroupExpr("q.claimed_by").
		Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("store: expert loads: %w", err)
	}
	out := make(map[uuid.UUID]int, len(rows))
	for _, r := range rows {
		out[r.ClaimedBy] = r.N
	}
	return out, nil
}

// ExpertLoad returns the number of the tenant's UNRESOLVED questions the
// expert has claimed (0 for an unknown expert).
func (s *Store) ExpertLoad(ctx context.Context, tenantID, expertID uuid.UUID) (int, error) {
	return expertLoad(ctx, s.db, tenantID, expertID)
}

func expertLoad(ctx context.Context, db bun.IDB, tenantID, expertID uuid.UUID) (int, error) {
	n, err := db.NewSelect().Model((*questionRow)(nil)).
		Where("q.tenant_id = ?", tenantID).
		Where("q.status = ?", statusUnresolved).
		Where("q.claimed_by = ?", expertID).
		Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: expert load: %w", err)
	}
	return n, nil
}

// ExpertStats aggregates the tenant's Expert-type responses per author, over
// questions of category (""= every category). Experts without responses are
// absent. It reads expert_response_totals (kept by triggers, see migrateV12):
// one range read of at most experts × (accepted, rating) rows per category,
// whatever the number of responses stored.
func (tx *TenantTx) ExpertStats(ctx context.Context, category string) (map[uuid.UUID]ExpertStats, error) {
	return expertStats(ctx, tx.tx, tx.tenant, category)
}

// ExpertStats is TenantTx.ExpertStats outside a transaction.
func (s *Store) ExpertStats(ctx context.Context, tenantID uuid.UUID, category string) (map[uuid.UUID]ExpertStats, error) {
	return expertStats(ctx, s.reads(), tenantID, category)
}

func expertStats(ctx context.Context, db bun.IDB, tenant uuid.UUID, category string) (map[uuid.UUID]ExpertStats, error) {
	var rows []struct {
		AuthorUUID uuid.UUID `bun:"author_uuid"`
		IsAccepted bool      `bun:"is_accepted"`
		Rating     string    `bun:"rating"`
		N          int       `bun:"n"`
	}
	// For one category the rows come in key order, one per group; for all, the database sums
	// them over the categories (fewer rows to send and decode).
	q := db.NewSelect().TableExpr("expert_response_totals AS t").
		ColumnExpr("t.author_uuid, t.is_accepted, t.rating, CAST(sum(t.n) AS BIGINT) AS n").
		Where("t.tenant_id = ?", tenant)
	if category != "" {
		q = q.Where("t.category = ?", category)
	}
	q = q.GroupExpr("t.author_uuid, t.is_accepted, t.rating").Having("sum(t.n) > 0")
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: expert stats: %w", err)
	}
	out := make(map[uuid.UUID]ExpertStats)
	for _, r := range rows {
		st, ok := out[r.AuthorUUID]
		if !ok {
			st.Ratings = map[string]int{}
		}
		st.Responses += r.N
		if r.IsAccepted {
			st.Accepted += r.N
		}
		if r.Rating != "" {
			st.Ratings[r.Rating] += r.N
		}
		out[r.AuthorUUID] = st
	}
	return out, nil
}

// ---------------------------------------------------------------------------
// offers

type offerRow struct {
	bun.BaseModel `bun:"table:offers,alias:o"`

	TenantID     uuid.UUID `bun:"tenant_id,pk"`
	QuestionUUID uuid.UUID `bun:"question_uuid,pk"`
	ExpertUUID   uuid.UUID `bun:"expert_uuid,pk"`
	Tier         int       `bun:"tier"`
	Rank         int       `bun:"rank"`
	Score        float64   `bun:"score"`
	Breakdown    string    `bun:"breakdown"`
	OfferedAt    time.Time `bun:"offered_at"`

	// Question is joined by ExpertQueue only.
	Question *questionRow `bun:"rel:belongs-to,join:tenant_id=tenant_id,join:question_uuid=uuid"`
}

func (r *offerRow) toOffer() Offer {
	return Offer{
		TenantID:     r.TenantID,
		QuestionUUID: r.QuestionUUID,
		ExpertUUID:   r.ExpertUUID,
		Tier:         r.Tier,
		Rank:         r.Rank,
		Score:        r.Score,
		Breakdown:    []byte(r.Breakdown),
		OfferedAt:    r.OfferedAt.UTC(),
	}
}

// InsertOffers records offers under the transaction's tenant (TenantID is
// set from the tx; a zero OfferedAt means now; an empty Breakdown is "{}"
// and a non-empty one must be valid JSON). A (question, expert) pair that
// was already offered is left alone, keeping its first tier, rank and time.
// ErrNotFound if a question or expert is not this tenant's.
func (tx *TenantTx) InsertOffers(ctx context.Context, offers []Offer) error {
	if len(offers) == 0 {
		return nil
	}
	rows := make([]offerRow, len(offers))
	for i, o := range offers {
		bd := string(o.Breakdown)
		if bd == "" {
			bd = "{}"
		} else if !json.Valid(o.Breakdown) {
			return fmt.Errorf("store: insert offers: breakdown for expert %s is not valid JSON", o.ExpertUUID)
		}
		rows[i] = offerRow{
			TenantID:     tx.tenant,
			QuestionUUID: o.QuestionUUID,
			ExpertUUID:   o.ExpertUUID,
			Tier:         o.Tier,
			Rank:         o.Rank,
			Score:        o.Score,
			Breakdown:    bd,
			OfferedAt:    nowOr(o.OfferedAt),
		}
	}
	_, err := tx.exec(ctx, tx.tx.NewInsert().Model(&rows).On("CONFLICT DO NOTHING"))
	return mapWriteErr("insert offers", err)
}

// Offers returns the question's offers ordered by tier, then rank (empty if
// none or not this tenant's question).
func (tx *TenantTx) Offers(ctx context.Context, questionUUID uuid.UUID) ([]Offer, error) {
	return listOffers(ctx, tx.tx, tx.tenant, questionUUID)
}

// QuestionOffers returns the tenant's question's offers ordered by tier,
// then rank.
func (s *Store) QuestionOffers(ctx context.Context, tenantID, questionUUID uuid.UUID) ([]Offer, error) {
	return listOffers(ctx, s.db, tenantID, questionUUID)
}

func listOffers(ctx context.Context, db bun.IDB, tenant, questionUUID uuid.UUID) ([]Offer, error) {
	var rows []offerRow
	err := db.NewSelect().Model(&rows).
		Where("o.tenant_id = ?", tenant).
		Where("o.question_uuid = ?", questionUUID).
		OrderExpr(`o.tier ASC, o."rank" ASC, o.expert_uuid ASC`).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: offers: %w", err)
	}
	return mapRows(rows, (*offerRow).toOffer), nil
}

// Offer returns the offer of the tenant's question to the expert, or
// ErrNotFound if it was not offered to them.
func (s *Store) Offer(ctx context.Context, tenantID, questionUUID, expertUUID uuid.UUID) (Offer, error) {
	var row offerRow
	err := s.db.NewSelect().Model(&row).
		Where("o.tenant_id = ?", tenantID).
		Where("o.question_uuid = ?", questionUUID).
		Where("o.expert_uuid = ?", expertUUID).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return Offer{}, mapReadErr("offer", err)
	}
	return row.toOffer(), nil
}

// ExpertQueue returns the expert's queue: the tenant's questions offered to
// the expert that are UNRESOLVED and either unclaimed or claimed by this
// expert, oldest offer first, with the matching offers (offers[i] is the
// offer of questions[i]). One query.
func (s *Store) ExpertQueue(ctx context.Context, tenantID, expertUUID uuid.UUID) ([]Question, []Offer, error) {
	var rows []offerRow
	err := s.db.NewSelect().Model(&rows).
		Relation("Question").
		Where("o.tenant_id = ?", tenantID).
		Where("o.expert_uuid = ?", expertUUID).
		Where("question.status = ?", statusUnresolved).
		Where("(question.claimed_by IS NULL OR question.claimed_by = ?)", expertUUID).
		OrderExpr("o.offered_at ASC, question.id ASC").
		Scan(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("store: expert queue: %w", err)
	}
	qs := make([]Question, len(rows))
	for i := range rows {
		if rows[i].Question == nil {
			return nil, nil, errors.New("store: expert queue: offer without its question")
		}
		qs[i] = rows[i].Question.toQuestion()
	}
	return qs, mapRows(rows, (*offerRow).toOffer), nil
}

// LockExpertLoad returns the expert and the number of UNRESOLVED questions it holds, and keeps
// the expert's row locked for the rest of the transaction (FOR UPDATE on PostgreSQL; SQLite's
// transaction already excludes every other writer), so that two claims by one expert cannot
// both pass a capacity check. ErrNotFound for another tenant's or an unknown expert.
func (tx *TenantTx) LockExpertLoad(ctx context.Context, id uuid.UUID) (Expert, int, error) {
	lock := ""
	if tx.dialect == DialectPostgres {
		lock = "UPDATE"
	}
	e, err := expertByUUID(ctx, tx.tx, tx.tenant, id, lock)
	if err != nil {
		return Expert{}, 0, err
	}
	n, err := expertLoad(ctx, tx.tx, tx.tenant, id)
	return e, n, err
}
