package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/schema"
)

// TenantTx is a transaction bound to one tenant at Begin: every method
// filters by that tenant and every row it writes carries it. Obtain one from
// [Store.InTenantTx]; it is invalid once the callback returns.
//
// Inside the callback use only the TenantTx (not the Store): on SQLite the
// transaction holds the database's write lock, so a Store write from the same
// goroutine would wait for itself until busy_timeout.
type TenantTx struct {
	tx      detachedTx
	tenant  uuid.UUID
	dialect string
	gen     schema.QueryGen

	batching bool     // inside Batch: writes are queued in pending
	pending  []string // the queued writes' SQL

	// locked holds the question rows read for update in this transaction, as they now stand:
	// UpdateQuestion writes only the columns that differ from them.
	locked map[uuid.UUID]questionRow

	// counters is the store's "0017's trigger exists" (SQLite; nil on PostgreSQL).
	counters *atomic.Bool
}

func (s *Store) tenantTx(btx bun.Tx, tenant uuid.UUID) *TenantTx {
	var held *heldWrites
	counters := &s.questionCounters
	if s.isPG() {
		held, counters = new(heldWrites), nil
	}
	return &TenantTx{tx: detachedTx{btx, s.stmts, held}, tenant: tenant, dialect: s.dialect, gen: s.db.QueryGen(), counters: counters}
}

// TenantID is the tenant this transaction is bound to.
func (tx *TenantTx) TenantID() uuid.UUID { return tx.tenant }

// InTenantTx runs fn in a transaction bound to tenantID. It commits if fn
// returns nil; otherwise it rolls back and returns fn's error unchanged (so
// errors.Is / errors.As work on it). A panic in fn rolls back and is
// re-raised. ErrNotFound if the tenant does not exist. It returns nil only
// once the transaction has committed.
//
// On SQLite the transaction is BEGIN IMMEDIATE (it holds the write lock from
// the start, so concurrent writers queue instead of deadlocking), and
// concurrent calls share transactions and fsyncs (group commit, see
// groupcommit.go): fn may run on another goroutine than the caller's (the
// caller waits), inside a savepoint of a transaction that also holds other
// callers' work, and must do nothing but its database work through tx. On
// PostgreSQL it is READ COMMITTED, use forUpdate reads to serialise
// read-modify-write cycles on a question.
func (s *Store) InTenantTx(ctx context.Context, tenantID uuid.UUID, fn func(tx *TenantTx) error) (err error) {
	if s.writers != nil {
		return s.inTenantTxGroup(ctx, tenantID, fn)
	}
	release, err := s.beginWrite(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer release()
	btx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			_ = btx.Rollback()
		}
	}()
	if err := s.checkTenant(ctx, btx, tenantID); err != nil {
		return err
	}
	tx := s.tenantTx(btx, tenantID)
	if err := fn(tx); err != nil {
		if held := tx.heldErr(); held != nil {
			return held
		}
		return err
	}
	if err := tx.commit(ctx, btx); err != nil {
		return err
	}
	done = true
	return nil
}

// UpsertCustomer returns the tenant's customer with this email (compared
// lowercased), creating it with name if there is none. An existing customer
// keeps its first name.
func (tx *TenantTx) UpsertCustomer(ctx context.Context, email, name string, now time.Time) (Customer, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return Customer{}, errors.New("store: upsert customer: empty email")
	}
	row := &customerRow{TenantID: tx.tenant, ID: NewID(), Email: email, Name: name, CreatedAt: nowOr(now)}
	if _, err := tx.tx.NewInsert().Model(row).On("CONFLICT (tenant_id, email) DO NOTHING").Exec(ctx); err != nil {
		return Customer{}, mapWriteErr("upsert customer", err)
	}
	var got customerRow
	err := tx.tx.NewSelect().Model(&got).
		Where("c.tenant_id = ?", tx.tenant).
		Where("c.email = ?", email).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return Customer{}, mapReadErr("upsert customer", err)
	}
	return got.toCustomer(), nil
}

// NextQuestionID allocates the next server-wide internal question id (the
// row's key; the public id is Number, see NextQuestionNumber). On SQLite the
// counter row is part of the transaction (gap-free; a rollback returns the
// id); on PostgreSQL it comes from a sequence, which never blocks other
// transactions (a rollback leaves a gap).
func (tx *TenantTx) NextQuestionID(ctx context.Context) (int64, error) {
	return tx.nextCounter(ctx, counterQuestionID)
}

// NextResponseID allocates the next server-wide response id (see NextQuestionID).
func (tx *TenantTx) NextResponseID(ctx context.Context) (int64, error) {
	return tx.nextCounter(ctx, counterResponseID)
}

func (tx *TenantTx) nextCounter(ctx context.Context, name string) (int64, error) {
	var id int64
	q := tx.tx.NewRaw("UPDATE counters SET next_value = next_value + 1 WHERE name = ? RETURNING next_value - 1", name)
	if tx.dialect == DialectPostgres {
		q = tx.tx.NewRaw("SELECT nextval(?)", name+"_seq")
	}
	err := q.Scan(ctx, &id)
	if err != nil {
		return 0, mapReadErr("next "+name, err)
	}
	return id, nil
}

// InsertQuestion inserts q under the transaction's tenant (q.TenantID is set
// from the tx). Defaults: UUID (NewID), ID (NextQuestionID), Number (NextQuestionNumber), Status
// UNRESOLVED, Metadata "{}", CreatedAt now, LastUpdated CreatedAt; times are
// normalised to UTC microseconds. q is updated with what was stored.
// Channel must be helpdesk (HelpDeskID required) or messaging (HelpDeskID
// must be empty); Metadata must be valid JSON and is stored verbatim.
// ErrConflict on a duplicate (tenant, helpdesk HelpDeskID) or (tenant, UUID).
func (tx *TenantTx) InsertQuestion(ctx context.Context, q *Question) error {
	switch q.Channel {
	case ChannelHelpDesk:
		if q.HelpDeskID == "" {
			return errors.New("store: insert question: helpdesk question without HelpDeskID")
		}
	case ChannelMessaging:
		if q.HelpDeskID != "" {
			return errors.New("store: insert question: messaging question with a HelpDeskID")
		}
	default:
		return fmt.Errorf("store: insert question: unknown channel %q", q.Channel)
	}
	if err := normaliseMetadata(q); err != nil {
		return fmt.Errorf("store: insert question: %w", err)
	}
	q.TenantID = tx.tenant
	if q.Status == "" {
		q.Status = statusUnresolved
	}
	fillNewID(&q.UUID, &q.CreatedAt, &q.LastUpdated)
	q.ReroutedAt = normTimePtr(q.ReroutedAt)
	// The id and number are read in the INSERT itself: one statement, not three. On PostgreSQL
	// from the sequences; on SQLite from the counters, which 0017's trigger then moves past them
	// (without it, they are taken first, each by a statement of its own).
	counted, err := tx.hasQuestionCounters(ctx)
	if err != nil {
		return fmt.Errorf("store: insert question: %w", err)
	}
	if tx.dialect != DialectPostgres && !counted {
		if q.ID == 0 {
			if q.ID, err = tx.NextQuestionID(ctx); err != nil {
				return err
			}
		}
		if q.Number == 0 {
			if q.Number, err = tx.NextQuestionNumber(ctx); err != nil {
				return err
			}
		}
	}
	if tx.batching && tx.dialect == DialectPostgres {
		return tx.queueQuestion(ctx, q)
	}
	row := newQuestionRow(q)
	ins := tx.tx.NewInsert().Model(row).On("CONFLICT DO NOTHING").Returning("id, number")
	if tx.dialect == DialectPostgres {
		if q.ID == 0 {
			ins = ins.Value("id", "nextval(?)", counterQuestionID+"_seq")
		}
		if q.Number == 0 {
			ins = ins.Value("number", "nextval(?)", tenantSequence(numberQuestion, tx.tenant))
		}
	} else {
		if q.ID == 0 {
			ins = ins.Value("id", "(SELECT next_value FROM counters WHERE name = ?)", counterQuestionID)
		}
		if q.Number == 0 {
			ins = ins.Value("number", "COALESCE((SELECT next_value FROM tenant_counters WHERE tenant_id = ? AND name = ?), ?)",
				tx.tenant, numberQuestion, startExpr(numberQuestion))
		}
	}
	res, err := ins.Exec(ctx)
	if err := insertResult("insert question", res, err); err != nil {
		return err
	}
	q.ID, q.Number = row.ID, row.Number
	return nil
}

// queueQuestion is InsertQuestion inside a Batch on PostgreSQL: the id and number are taken from
// their sequences first (one SELECT, which locks nothing), and the INSERT is queued with the
// batch's other writes.
//
// The question's INSERT is what updates the tenant's counter rows (question_totals,
// question_buckets: a few striped rows that every new question of the tenant updates), and a
// row it updates stays locked until the transaction ends. Sent on its own, it held them across
// the round trip to the server and back and the batch's, and concurrent asks queued on them (64
// clients: on average 4 of 25 connections waiting on a row lock, every one of them in this
// INSERT). Queued, it holds them only while the batch runs and commits.
//
// Its conflicts are not absorbed: a duplicate (tenant, UUID) or help desk id fails the batch
// with ErrConflict, returned by InTenantTx, and the transaction rolls back, as when the INSERT
// ran alone.
func (tx *TenantTx) queueQuestion(ctx context.Context, q *Question) error {
	var cols []string
	var args, dest []any
	if q.ID == 0 {
		cols, args, dest = append(cols, "nextval(?)"), append(args, counterQuestionID+"_seq"), append(dest, &q.ID)
	}
	if q.Number == 0 {
		cols, args, dest = append(cols, "nextval(?)"), append(args, tenantSequence(numberQuestion, tx.tenant)), append(dest, &q.Number)
	}
	if len(cols) > 0 {
		if err := tx.tx.NewRaw("SELECT "+strings.Join(cols, ", "), args...).Scan(ctx, dest...); err != nil {
			return mapWriteErr("insert question: take its id and number", err)
		}
	}
	_, err := tx.exec(ctx, tx.tx.NewInsert().Model(newQuestionRow(q)).Returning("NULL"))
	return err
}

// QuestionByHelpDeskID finds the tenant's helpdesk-channel question with this
// helpDeskId (case-sensitive). forUpdate locks the row until the end of the
// transaction on PostgreSQL (SELECT … FOR UPDATE); on SQLite the immediate
// transaction already serialises writers. ErrNotFound if absent.
func (tx *TenantTx) QuestionByHelpDeskID(ctx context.Context, helpDeskID string, forUpdate bool) (Question, error) {
	var row questionRow
	q := tx.tx.NewSelect().Model(&row).
		Where("q.tenant_id = ?", tx.tenant).
		Where("q.channel = ?", ChannelHelpDesk).
		Where("q.help_desk_id = ?", helpDeskID).
		Limit(1)
	if forUpdate && tx.dialect == DialectPostgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return Question{}, mapReadErr("question by helpDeskId", err)
	}
	return row.toQuestion(), nil
}

// QuestionByUUID finds the tenant's question (any channel) by UUID; see
// QuestionByHelpDeskID for forUpdate. ErrNotFound if absent.
func (tx *TenantTx) QuestionByUUID(ctx context.Context, id uuid.UUID, forUpdate bool) (Question, error) {
	row, err := questionRowByUUID(ctx, tx.tx, tx.tenant, id, forUpdate && tx.dialect == DialectPostgres)
	if err != nil {
		return Question{}, err
	}
	if forUpdate { // locked until the transaction ends (on SQLite by the write lock)
		if tx.locked == nil {
			tx.locked = map[uuid.UUID]questionRow{}
		}
		tx.locked[id] = row
	}
	return row.toQuestion(), nil
}

func questionByUUID(ctx context.Context, db bun.IDB, tenant, id uuid.UUID, forUpdate bool) (Question, error) {
	row, err := questionRowByUUID(ctx, db, tenant, id, forUpdate)
	if err != nil {
		return Question{}, err
	}
	return row.toQuestion(), nil
}

func questionRowByUUID(ctx context.Context, db bun.IDB, tenant, id uuid.UUID, forUpdate bool) (questionRow, error) {
	var row questionRow
	q := db.NewSelect().Model(&row).
		Where("q.tenant_id = ?", tenant).
		Where("q.uuid = ?", id).
		Limit(1)
	if forUpdate {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return questionRow{}, mapReadErr("question", err)
	}
	return row, nil
}

// UpdateQuestion writes q's mutable columns (everything except TenantID,
// UUID, ID, Channel, HelpDeskID and CreatedAt) to the row (tx tenant,
// q.UUID). Times are normalised in q. ErrNotFound if the tenant has no such
// question.
//
// When this transaction read the row for update (QuestionByUUID), only the columns that differ
// from it are written, and nothing when none do: every index over an unchanged column and
// every trigger on one (the list totals) is left alone. Adding a message changes last_updated
// alone, and the questions table has nine indexes.
func (tx *TenantTx) UpdateQuestion(ctx context.Context, q *Question) error {
	if err := normaliseMetadata(q); err != nil {
		return fmt.Errorf("store: update question: %w", err)
	}
	q.LastUpdated = normTime(q.LastUpdated)
	q.ReroutedAt = normTimePtr(q.ReroutedAt)
	row := newQuestionRow(q)
	cols := questionMutableColumns
	prev, locked := tx.locked[q.UUID]
	if locked {
		if cols = changedQuestionColumns(&prev, row); len(cols) == 0 {
			q.TenantID = tx.tenant
			return nil
		}
	}
	res, err := tx.exec(ctx, tx.tx.NewUpdate().Model(row).
		Column(cols...).
		Where("q.tenant_id = ?", tx.tenant).
		Where("q.uuid = ?", q.UUID))
	if err := updateResult("update question", q.UUID, res, err); err != nil {
		return err
	}
	if locked {
		tx.locked[q.UUID] = *row
	}
	q.TenantID = tx.tenant
	return nil
}

// changedQuestionColumns lists the mutable columns whose values differ between a and b.
func changedQuestionColumns(a, b *questionRow) []string {
	var cols []string
	add := func(differ bool, col string) {
		if differ {
			cols = append(cols, col)
		}
	}
	add(a.Subject != b.Subject, "subject")
	add(a.Text != b.Text, "text")
	add(a.Language != b.Language, "language")
	add(!equalPtr(a.CustomerID, b.CustomerID, func(x, y uuid.UUID) bool { return x == y }), "customer_id")
	add(a.AuthorName != b.AuthorName, "author_name")
	add(a.AuthorEmail != b.AuthorEmail, "author_email")
	add(a.AuthorRefID != b.AuthorRefID, "author_ref_id")
	add(a.Category != b.Category, "category")
	add(a.EliteOnly != b.EliteOnly, "elite_only")
	add(a.Metadata != b.Metadata, "metadata")
	add(a.Status != b.Status, "status")
	add(a.ReroutedBy != b.ReroutedBy, "rerouted_by")
	add(!equalPtr(a.ReroutedAt, b.ReroutedAt, time.Time.Equal), "rerouted_at")
	add(a.RerouteReason != b.RerouteReason, "reroute_reason")
	add(!equalPtr(a.ClaimedBy, b.ClaimedBy, func(x, y uuid.UUID) bool { return x == y }), "claimed_by")
	add(!a.LastUpdated.Equal(b.LastUpdated), "last_updated")
	return cols
}

func equalPtr[T any](a, b *T, eq func(T, T) bool) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return eq(*a, *b)
}

// updateResult maps an UPDATE outcome: no row changed means ErrNotFound. (A nil res is a
// write queued in a Batch: its outcome is the batch's.)
func updateResult(op string, id uuid.UUID, res sql.Result, err error) error {
	if err != nil || res == nil {
		return mapWriteErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s %s: %w", op, id, ErrNotFound)
	}
	return nil
}

// insertResult maps an INSERT … ON CONFLICT DO NOTHING outcome: no row
// inserted means a uniqueness conflict. Using DO NOTHING (rather than letting
// the unique index raise) keeps a PostgreSQL transaction usable after
// ErrConflict, as it is on SQLite, so the caller may e.g. look the existing
// row up. Other errors (foreign keys → ErrNotFound) still abort a PostgreSQL
// transaction: return them from the InTenantTx callback. (A nil res is a write queued in a
// Batch.)
func insertResult(op string, res sql.Result, err error) error {
	if err != nil || res == nil {
		return mapWriteErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", op, ErrConflict)
	}
	return nil
}

func normaliseMetadata(q *Question) error {
	if len(q.Metadata) == 0 {
		q.Metadata = []byte("{}")
		return nil
	}
	if !json.Valid(q.Metadata) {
		return errors.New("metadata is not valid JSON")
	}
	return nil
}

// InsertMessage inserts m under the transaction's tenant and assigns m.Seq
// (and m.UUID if nil; a zero CreatedAt means now; in a Batch Seq stays 0). The question — and the
// response, if ResponseUUID is set, which must belong to that question — must
// exist for this tenant (ErrNotFound otherwise). ErrConflict on a duplicate UUID.
func (tx *TenantTx) InsertMessage(ctx context.Context, m *Message) error {
	m.TenantID = tx.tenant
	fillNewID(&m.UUID, &m.CreatedAt, nil)
	row := newMessageRow(m)
	res, err := tx.exec(ctx, tx.tx.NewInsert().Model(row).On("CONFLICT DO NOTHING").Returning(tx.returning("seq")))
	if err := insertResult("insert message", res, err); err != nil {
		return err
	}
	m.Seq = row.Seq
	return nil
}

// DeleteMessages deletes the question's messages of the given types at one
// level: responseUUID nil = question-level messages only, otherwise only that
// response's messages. No types = every type at that level. Returns the
// number deleted. See DeleteMessagesAnywhere for all levels at once.
func (tx *TenantTx) DeleteMessages(ctx context.Context, questionUUID uuid.UUID, responseUUID *uuid.UUID, types ...string) (int, error) {
	q := tx.tx.NewDelete().Model((*messageRow)(nil)).
		Where("m.tenant_id = ?", tx.tenant).
		Where("m.question_uuid = ?", questionUUID)
	if responseUUID == nil {
		q = q.Where("m.response_uuid IS NULL")
	} else {
		q = q.Where("m.response_uuid = ?", *responseUUID)
	}
	if len(types) > 0 {
		q = q.Where("m.type IN (?)", bun.In(types))
	}
	return tx.execCount(ctx, "delete messages", q)
}

// DeleteMessagesAnywhere deletes the question's messages of the given types
// at every level (question level and under any of its responses). No types =
// every message of the question. Returns the number deleted.
func (tx *TenantTx) DeleteMessagesAnywhere(ctx context.Context, questionUUID uuid.UUID, types ...string) (int, error) {
	q := tx.tx.NewDelete().Model((*messageRow)(nil)).
		Where("m.tenant_id = ?", tx.tenant).
		Where("m.question_uuid = ?", questionUUID)
	if len(types) > 0 {
		q = q.Where("m.type IN (?)", bun.In(types))
	}
	return tx.execCount(ctx, "delete messages", q)
}

// DeleteMessagesByUUID deletes the question's messages whose UUID is in ids
// (at any level). UUIDs of other questions or tenants are ignored. Returns
// the number deleted.
func (tx *TenantTx) DeleteMessagesByUUID(ctx context.Context, questionUUID uuid.UUID, ids []uuid.UUID) (int, error) {
	if len(ids) == 0 {
		return 0, nil
	}
	q := tx.tx.NewDelete().Model((*messageRow)(nil)).
		Where("m.tenant_id = ?", tx.tenant).
		Where("m.question_uuid = ?", questionUUID).
		Where("m.uuid IN (?)", bun.In(ids))
	return tx.execCount(ctx, "delete messages by uuid", q)
}

// MarkMessagesRead marks every unread message of the question (all levels)
// read and returns how many changed. It does not touch the question's
// LastUpdated.
func (tx *TenantTx) MarkMessagesRead(ctx context.Context, questionUUID uuid.UUID) (int, error) {
	q := tx.tx.NewUpdate().Model((*messageRow)(nil)).
		Set("is_read = ?", true).
		Where("m.tenant_id = ?", tx.tenant).
		Where("m.question_uuid = ?", questionUUID).
		Where("m.is_read = ?", false)
	return tx.execCount(ctx, "mark messages read", q)
}

// execCount is execCount through tx.exec: inside a Batch the write is queued and counts 0.
func (tx *TenantTx) execCount(ctx context.Context, op string, q writeQuery) (int, error) {
	res, err := tx.exec(ctx, q)
	if err != nil || res == nil {
		return 0, mapWriteErr(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", op, err)
	}
	return int(n), nil
}

// execCount runs a DELETE or UPDATE and returns the number of rows affected.
func execCount(ctx context.Context, op string, q interface {
	Exec(ctx context.Context, dest ...any) (sql.Result, error)
}) (int, error) {
	res, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("store: %s: %w", op, err)
	}
	return int(n), nil
}

// Messages returns the question's messages (all levels) in creation order
// (Seq). Empty if the question has none or is not this tenant's.
func (tx *TenantTx) Messages(ctx context.Context, questionUUID uuid.UUID) ([]Message, error) {
	return listMessages(ctx, tx.tx, tx.tenant, questionUUID)
}

func listMessages(ctx context.Context, db bun.IDB, tenant, questionUUID uuid.UUID) ([]Message, error) {
	var rows []messageRow
	err := db.NewSelect().Model(&rows).
		Where("m.tenant_id = ?", tenant).
		Where("m.question_uuid = ?", questionUUID).
		OrderExpr("m.seq ASC").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: messages: %w", err)
	}
	return mapRows(rows, (*messageRow).toMessage), nil
}

// InsertResponse inserts r under the transaction's tenant. Defaults: UUID
// (NewID), ID (NextResponseID), Number (NextResponseNumber), CreatedAt now. The question must exist
// for this tenant (ErrNotFound otherwise); ErrConflict on a duplicate UUID.
func (tx *TenantTx) InsertResponse(ctx context.Context, r *Response) error {
	r.TenantID = tx.tenant
	fillNewID(&r.UUID, &r.CreatedAt, nil)
	if r.ID == 0 {
		id, err := tx.NextResponseID(ctx)
		if err != nil {
			return err
		}
		r.ID = id
	}
	if r.Number == 0 {
		n, err := tx.NextResponseNumber(ctx)
		if err != nil {
			return err
		}
		r.Number = n
	}
	res, err := tx.exec(ctx, tx.tx.NewInsert().Model(newResponseRow(r)).On("CONFLICT DO NOTHING"))
	return insertResult("insert response", res, err)
}

// UpdateResponse writes r's mutable columns (Type, AuthorUUID, AuthorName,
// IsAccepted, IsMarkedAsResolved, Rating, Testimonial) to the row (tx tenant,
// r.UUID). ErrNotFound if the tenant has no such response.
func (tx *TenantTx) UpdateResponse(ctx context.Context, r *Response) error {
	res, err := tx.exec(ctx, tx.tx.NewUpdate().Model(newResponseRow(r)).
		Column(responseMutableColumns...).
		Where("r.tenant_id = ?", tx.tenant).
		Where("r.uuid = ?", r.UUID))
	if err := updateResult("update response", r.UUID, res, err); err != nil {
		return err
	}
	r.TenantID = tx.tenant
	return nil
}

// ResponseByUUID finds one of the tenant's responses, or ErrNotFound.
func (tx *TenantTx) ResponseByUUID(ctx context.Context, id uuid.UUID) (Response, error) {
	return responseByUUID(ctx, tx.tx, tx.tenant, id)
}

// Response returns one of the tenant's responses, outside a transaction, or ErrNotFound.
func (s *Store) Response(ctx context.Context, tenantID, id uuid.UUID) (Response, error) {
	return responseByUUID(ctx, s.db, tenantID, id)
}

func responseByUUID(ctx context.Context, db bun.IDB, tenant, id uuid.UUID) (Response, error) {
	var row responseRow
	err := db.NewSelect().Model(&row).
		Where("r.tenant_id = ?", tenant).
		Where("r.uuid = ?", id).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return Response{}, mapReadErr("response", err)
	}
	return row.toResponse(), nil
}

// Responses returns the question's responses in creation order (ID).
func (tx *TenantTx) Responses(ctx context.Context, questionUUID uuid.UUID) ([]Response, error) {
	return listResponses(ctx, tx.tx, tx.tenant, questionUUID)
}

func listResponses(ctx context.Context, db bun.IDB, tenant, questionUUID uuid.UUID) ([]Response, error) {
	var rows []responseRow
	err := db.NewSelect().Model(&rows).
		Where("r.tenant_id = ?", tenant).
		Where("r.question_uuid = ?", questionUUID).
		OrderExpr("r.id ASC").
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: responses: %w", err)
	}
	return mapRows(rows, (*responseRow).toResponse), nil
}

// ---------------------------------------------------------------------------
// Read-only helpers outside a transaction; the tenant is explicit.

// Question returns the tenant's question (any channel) by UUID, or ErrNotFound.
func (s *Store) Question(ctx context.Context, tenantID, id uuid.UUID) (Question, error) {
	return questionByUUID(ctx, s.db, tenantID, id, false)
}

// QuestionResponses returns the tenant's question's responses in creation order.
func (s *Store) QuestionResponses(ctx context.Context, tenantID, questionUUID uuid.UUID) ([]Response, error) {
	return listResponses(ctx, s.db, tenantID, questionUUID)
}

// QuestionMessages returns the tenant's question's messages in Seq order.
func (s *Store) QuestionMessages(ctx context.Context, tenantID, questionUUID uuid.UUID) ([]Message, error) {
	return listMessages(ctx, s.db, tenantID, questionUUID)
}

// QuestionFilter selects questions for ListQuestions. Empty strings match
// everything.
type QuestionFilter struct {
	Channel     string
	Status      string
	AfterNumber int64 // keyset pagination: only Number > AfterNumber
	Limit       int   // default 50, capped at 200
}

// List limits for ListQuestions.
const (
	DefaultListLimit = 50
	MaxListLimit     = 200
)

// ListQuestions returns the tenant's questions matching f, by Number ascending.
func (s *Store) ListQuestions(ctx context.Context, tenantID uuid.UUID, f QuestionFilter) ([]Question, error) {
	limit := listLimit(f.Limit)
	var rows []questionRow
	q := s.db.NewSelect().Model(&rows).
		Where("q.tenant_id = ?", tenantID).
		Where("q.number > ?", f.AfterNumber)
	if f.Channel != "" {
		q = q.Where("q.channel = ?", f.Channel)
	}
	if f.Status != "" {
		q = q.Where("q.status = ?", f.Status)
	}
	if err := q.OrderExpr("q.number ASC").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: list questions: %w", err)
	}
	return mapRows(rows, (*questionRow).toQuestion), nil
}

// listLimit applies DefaultListLimit to a non-positive limit and caps it at
// MaxListLimit.
func listLimit(limit int) int {
	if limit <= 0 {
		return DefaultListLimit
	}
	return min(limit, MaxListLimit)
}

// PageFilter selects a page of questions for PageQuestions. Empty strings
// match everything.
type PageFilter struct {
	Channel     string
	Status      string
	AuthorRefID string // exact match
	Offset      int    // rows to skip (negative = 0; past the total, no rows)
	Limit       int    // default DefaultListLimit, capped at MaxListLimit
}

// PageQuestions returns one page of the tenant's questions matching f,
// most recently updated first (LastUpdated descending, then ID descending),
// and the total number of matching questions (QuestionTotal: a sum of
// counter rows, not a count). The indexes (tenant_id, channel, last_updated,
// id) and (tenant_id, channel, status, last_updated, id) serve the listing,
// skipping entries of the index without reading their rows. A deep page
// (Offset from deepPageOffset on, one channel, any or one status) first finds
// the time bucket holding its position in the bucket counts (pagePosition),
// and skips only the entries before it within that bucket; a page filtered by
// author refId skips all Offset entries (no counts per author and time: an
// author's questions are few).
func (s *Store) PageQuestions(ctx context.Context, tenantID uuid.UUID, f PageFilter) ([]Question, int, error) {
	var rows []questionRow
	total, err := s.QuestionTotal(ctx, tenantID, f)
	if err != nil {
		return nil, 0, fmt.Errorf("store: page questions: count: %w", err)
	}
	if f.Offset >= total {
		return nil, total, nil // past the last page (bun would cut an offset beyond int32)
	}
	page, _, err := s.pageIDs(ctx, tenantID, f)
	if err != nil {
		return nil, 0, err
	}
	err = s.db.NewSelect().Model(&rows).
		Where("q.tenant_id = ?", tenantID).
		Where("q.id IN (?)", page).
		OrderExpr("q.last_updated DESC, q.id DESC").
		Scan(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: page questions: %w", err)
	}
	return mapRows(rows, (*questionRow).toQuestion), total, nil
}

// pageIDs is the query of the ids of f's page (f.Offset below the total), in order, and how
// many index entries it skips. The rows skipped are skipped in the index alone (a "deferred
// join": PageQuestions reads only the page's rows from the table).
func (s *Store) pageIDs(ctx context.Context, tenantID uuid.UUID, f PageFilter) (*bun.SelectQuery, int, error) {
	page := s.db.NewSelect().Model((*questionRow)(nil)).Column("q.id").
		Where("q.tenant_id = ?", tenantID)
	if f.Channel != "" {
		page = page.Where("q.channel = ?", f.Channel)
	}
	if f.Status != "" {
		page = page.Where("q.status = ?", f.Status)
	}
	if f.AuthorRefID != "" {
		page = page.Where("q.author_ref_id = ?", f.AuthorRefID)
	}
	skip := max(f.Offset, 0)
	page = page.OrderExpr("q.last_updated DESC, q.id DESC").
		Offset(skip).
		Limit(listLimit(f.Limit))
	if f.Offset >= deepPageOffset && f.Channel != "" && f.AuthorRefID == "" {
		before, n, ok, err := s.pagePosition(ctx, tenantID, f)
		if err != nil {
			return nil, 0, fmt.Errorf("store: page questions: position: %w", err)
		}
		if ok {
			page, skip = page.Where("q.last_updated < ?", before).Offset(n), n
		}
	}
	return page, skip, nil
}
