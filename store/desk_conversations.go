package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// DeskConversation is a Desk conversation. Its id is numbered from 1 per tenant. Empty strings
// are absent fields; BrowserInfo is a JSON document or "".
type DeskConversation struct {
	TenantID         uuid.UUID
	ID               int64
	RequesterID      uuid.UUID
	Channel          string
	Direction        string
	State            string
	StateUpdatedAt   time.Time
	CreatedAt        time.Time
	AnonymizedAt     *time.Time
	IntegrationEmail string
	FromEmail        string
	Subject          string
	Language         string
	BrowserInfo      string
	FromNumber       string
	ToNumber         string
	LastMessageAt    time.Time // createdAt of its latest message
}

// DeskMessage is a message of a Desk conversation. Attributes is its JSON document, stored
// verbatim; ExternalID "" is none.
type DeskMessage struct {
	TenantID       uuid.UUID
	ID             uuid.UUID
	ConversationID int64
	CreatedAt      time.Time
	AuthorID       uuid.UUID
	ExternalID     string
	Direction      string
	Attributes     []byte
	Redacted       bool
}

// DeskAnonymizationRequest is an anonymization request of a Desk conversation or message.
type DeskAnonymizationRequest struct {
	TenantID       uuid.UUID
	ID             uuid.UUID
	Type           string
	TargetEntityID string
	RequestedBy    uuid.UUID
	InitiatedAt    time.Time
	ProcessedAt    *time.Time
}

type deskConversationRow struct {
	bun.BaseModel `bun:"table:desk_conversations,alias:dv"`

	TenantID         uuid.UUID  `bun:"tenant_id,pk"`
	ID               int64      `bun:"id,pk"`
	RequesterID      uuid.UUID  `bun:"requester_id"`
	Channel          string     `bun:"channel"`
	Direction        string     `bun:"direction"`
	State            string     `bun:"state"`
	StateUpdatedAt   time.Time  `bun:"state_updated_at"`
	CreatedAt        time.Time  `bun:"created_at"`
	AnonymizedAt     *time.Time `bun:"anonymized_at"`
	IntegrationEmail string     `bun:"integration_email"`
	FromEmail        string     `bun:"from_email"`
	Subject          string     `bun:"subject"`
	Language         string     `bun:"language"`
	BrowserInfo      string     `bun:"browser_info"`
	FromNumber       string     `bun:"from_number"`
	ToNumber         string     `bun:"to_number"`
	LastMessageAt    time.Time  `bun:"last_message_at"`
}

func (r *deskConversationRow) toDeskConversation() DeskConversation {
	return DeskConversation{TenantID: r.TenantID, ID: r.ID, RequesterID: r.RequesterID, Channel: r.Channel,
		Direction: r.Direction, State: r.State, StateUpdatedAt: r.StateUpdatedAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
		AnonymizedAt: utcPtr(r.AnonymizedAt), IntegrationEmail: r.IntegrationEmail, FromEmail: r.FromEmail,
		Subject: r.Subject, Language: r.Language, BrowserInfo: r.BrowserInfo, FromNumber: r.FromNumber,
		ToNumber: r.ToNumber, LastMessageAt: r.LastMessageAt.UTC()}
}

type deskMessageRow struct {
	bun.BaseModel `bun:"table:desk_messages,alias:dm"`

	TenantID       uuid.UUID `bun:"tenant_id,pk"`
	ID             uuid.UUID `bun:"id,pk"`
	ConversationID int64     `bun:"conversation_id"`
	CreatedAt      time.Time `bun:"created_at"`
	AuthorID       uuid.UUID `bun:"author_id"`
	ExternalID     *string   `bun:"external_id"`
	Direction      string    `bun:"direction"`
	Attributes     string    `bun:"attributes"`
	Redacted       bool      `bun:"redacted"`
}

func (r *deskMessageRow) toDeskMessage() DeskMessage {
	m := DeskMessage{TenantID: r.TenantID, ID: r.ID, ConversationID: r.ConversationID, CreatedAt: r.CreatedAt.UTC(),
		AuthorID: r.AuthorID, Direction: r.Direction, Attributes: []byte(r.Attributes), Redacted: r.Redacted}
	if r.ExternalID != nil {
		m.ExternalID = *r.ExternalID
	}
	return m
}

type deskAnonymizationRow struct {
	bun.BaseModel `bun:"table:desk_anonymization_requests,alias:da"`

	TenantID       uuid.UUID  `bun:"tenant_id,pk"`
	ID             uuid.UUID  `bun:"id,pk"`
	Type           string     `bun:"type"`
	TargetEntityID string     `bun:"target_entity_id"`
	RequestedBy    uuid.UUID  `bun:"requested_by"`
	InitiatedAt    time.Time  `bun:"initiated_at"`
	ProcessedAt    *time.Time `bun:"processed_at"`
}

func (r *deskAnonymizationRow) toRequest() DeskAnonymizationRequest {
	return DeskAnonymizationRequest{TenantID: r.TenantID, ID: r.ID, Type: r.Type, TargetEntityID: r.TargetEntityID,
		RequestedBy: r.RequestedBy, InitiatedAt: r.InitiatedAt.UTC(), ProcessedAt: utcPtr(r.ProcessedAt)}
}

// maxIDAttempts bounds the retries of a conversation id taken by a concurrent insert.
const maxIDAttempts = 50

// InsertDeskConversation stores a new conversation with the tenant's next conversation id
// (MAX(id)+1, from 1), which it returns. Two transactions that pick the same id do not fail: the
// primary key makes the later one wait for the earlier and then see a conflict, and it picks the
// next id (READ COMMITTED sees the committed row). No counter row is locked, so conversations of
// other tenants, and writes to existing conversations, never wait for it. ErrNotFound if the
// requester does not exist.
func (tx *TenantTx) InsertDeskConversation(ctx context.Context, c DeskConversation) (int64, error) {
	row := &deskConversationRow{TenantID: tx.tenant, RequesterID: c.RequesterID, Channel: c.Channel,
		Direction: c.Direction, State: c.State, StateUpdatedAt: normTime(c.StateUpdatedAt), CreatedAt: normTime(c.CreatedAt),
		AnonymizedAt: normTimePtr(c.AnonymizedAt), IntegrationEmail: c.IntegrationEmail, FromEmail: c.FromEmail,
		Subject: c.Subject, Language: c.Language, BrowserInfo: c.BrowserInfo, FromNumber: c.FromNumber,
		ToNumber: c.ToNumber, LastMessageAt: normTime(c.LastMessageAt)}
	for range maxIDAttempts {
		var next int64
		err := tx.tx.NewSelect().Model((*deskConversationRow)(nil)).ColumnExpr("COALESCE(MAX(dv.id), 0) + 1").
			Where("dv.tenant_id = ?", tx.tenant).Scan(ctx, &next)
		if err != nil {
			return 0, fmt.Errorf("store: next desk conversation id: %w", err)
		}
		row.ID = next
		res, err := tx.tx.NewInsert().Model(row).On("CONFLICT (tenant_id, id) DO NOTHING").Exec(ctx)
		if err != nil {
			return 0, mapWriteErr("insert desk conversation", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return 0, fmt.Errorf("store: insert desk conversation: %w", err)
		} else if n == 1 {
			return next, nil
		}
	}
	return 0, fmt.Errorf("store: insert desk conversation: no free id after %d attempts", maxIDAttempts)
}

// DeskConversation returns the tenant's conversation; ErrNotFound if there is none. forUpdate
// locks its row until the transaction ends (PostgreSQL; SQLite holds the write lock anyway), so
// writes to one conversation are serialised.
func (tx *TenantTx) DeskConversation(ctx context.Context, id int64, forUpdate bool) (DeskConversation, error) {
	return deskConversation(ctx, tx.tx, tx.tenant, id, forUpdate && tx.dialect == DialectPostgres)
}

// DeskConversation returns the tenant's conversation; ErrNotFound if there is none.
func (s *Store) DeskConversation(ctx context.Context, tenantID uuid.UUID, id int64) (DeskConversation, error) {
	return deskConversation(ctx, s.db, tenantID, id, false)
}

func deskConversation(ctx context.Context, db bun.IDB, tenantID uuid.UUID, id int64, forUpdate bool) (DeskConversation, error) {
	var row deskConversationRow
	q := db.NewSelect().Model(&row).Where("dv.tenant_id = ?", tenantID).Where("dv.id = ?", id).Limit(1)
	if forUpdate {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return DeskConversation{}, mapReadErr("desk conversation", err)
	}
	return row.toDeskConversation(), nil
}

// DeskExternalIDTaken reports whether a message of the conversation has this externalId.
func (tx *TenantTx) DeskExternalIDTaken(ctx context.Context, conversationID int64, externalID string) (bool, error) {
	return deskExternalIDTaken(ctx, tx.tx, tx.tenant, conversationID, externalID)
}

// DeskExternalIDTaken is [TenantTx.DeskExternalIDTaken] outside a transaction.
func (s *Store) DeskExternalIDTaken(ctx context.Context, tenantID uuid.UUID, conversationID int64, externalID string) (bool, error) {
	return deskExternalIDTaken(ctx, s.db, tenantID, conversationID, externalID)
}

func deskExternalIDTaken(ctx context.Context, db bun.IDB, tenantID uuid.UUID, conversationID int64, externalID string) (bool, error) {
	ok, err := db.NewSelect().Model((*deskMessageRow)(nil)).
		Where("dm.tenant_id = ?", tenantID).Where("dm.conversation_id = ?", conversationID).
		Where("dm.external_id = ?", externalID).Exists(ctx)
	if err != nil {
		return false, fmt.Errorf("store: desk external id: %w", err)
	}
	return ok, nil
}

// InsertDeskMessage stores a message (a nil ID gets a new one) and moves its conversation's
// LastMessageAt up to the message's CreatedAt. ErrConflict when the conversation already has a
// message with this ExternalID or this CreatedAt (the database enforces both, so concurrent
// duplicates cannot both be stored); ErrNotFound when the conversation does not exist.
func (tx *TenantTx) InsertDeskMessage(ctx context.Context, m DeskMessage) (DeskMessage, error) {
	if m.ID == uuid.Nil {
		m.ID = uuid.New()
	}
	m.TenantID, m.CreatedAt = tx.tenant, normTime(m.CreatedAt)
	row := &deskMessageRow{TenantID: tx.tenant, ID: m.ID, ConversationID: m.ConversationID, CreatedAt: m.CreatedAt,
		AuthorID: m.AuthorID, Direction: m.Direction, Attributes: string(m.Attributes), Redacted: m.Redacted}
	if m.ExternalID != "" {
		row.ExternalID = &m.ExternalID
	}
	if _, err := tx.tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return DeskMessage{}, mapWriteErr("insert desk message", err)
	}
	_, err := tx.tx.NewUpdate().Model((*deskConversationRow)(nil)).Set("last_message_at = CASE WHEN dv.last_message_at < ? THEN ? ELSE dv.last_message_at END", m.CreatedAt, m.CreatedAt).
		Where("dv.tenant_id = ?", tx.tenant).Where("dv.id = ?", m.ConversationID).Exec(ctx)
	if err != nil {
		return DeskMessage{}, fmt.Errorf("store: insert desk message: %w", err)
	}
	return m, nil
}

// DeskMessage returns a message of the conversation; ErrNotFound if the conversation has no
// message with this id.
func (tx *TenantTx) DeskMessage(ctx context.Context, conversationID int64, id uuid.UUID) (DeskMessage, error) {
	var row deskMessageRow
	err := tx.tx.NewSelect().Model(&row).
		Where("dm.tenant_id = ?", tx.tenant).Where("dm.id = ?", id).Where("dm.conversation_id = ?", conversationID).
		Limit(1).Scan(ctx)
	if err != nil {
		return DeskMessage{}, mapReadErr("desk message", err)
	}
	return row.toDeskMessage(), nil
}

// DeskMessages lists a conversation's messages oldest first: one range scan of the index
// (tenant_id, conversation_id, created_at). An unknown conversation has none. It holds the
// whole conversation in memory: a conversation of any size is read a page at a time with
// [Store.DeskMessagePage].
func (s *Store) DeskMessages(ctx context.Context, tenantID uuid.UUID, conversationID int64) ([]DeskMessage, error) {
	return deskMessages(ctx, s.db, tenantID, conversationID, nil, 0)
}

// DeskMessagePage lists at most limit of a conversation's messages, oldest first, created after
// after (nil: from the first): one range scan of the index (tenant_id, conversation_id,
// created_at) from the position, so a page costs the same anywhere in a conversation of any
// size. Messages are unique by createdAt within their conversation, so the last message's
// createdAt is the next page's position.
func (s *Store) DeskMessagePage(ctx context.Context, tenantID uuid.UUID, conversationID int64, after *time.Time, limit int) ([]DeskMessage, error) {
	return deskMessages(ctx, s.db, tenantID, conversationID, after, limit)
}

// DeskMessagePage is [Store.DeskMessagePage] inside the transaction.
func (tx *TenantTx) DeskMessagePage(ctx context.Context, conversationID int64, after *time.Time, limit int) ([]DeskMessage, error) {
	return deskMessages(ctx, tx.tx, tx.tenant, conversationID, after, limit)
}

// DeskMessagesQuery is the statement DeskMessagePage runs (from the start, any limit), for EXPLAIN.
func (s *Store) DeskMessagesQuery(tenantID uuid.UUID, conversationID int64) string {
	return deskMessagesQuery(s.db, tenantID, conversationID, nil, 0, nil).String()
}

func deskMessagesQuery(db bun.IDB, tenantID uuid.UUID, conversationID int64, after *time.Time, limit int, rows *[]deskMessageRow) *bun.SelectQuery {
	q := db.NewSelect()
	if rows != nil {
		q = q.Model(rows)
	} else {
		q = q.Model((*deskMessageRow)(nil))
	}
	q = q.Where("dm.tenant_id = ?", tenantID).Where("dm.conversation_id = ?", conversationID)
	if after != nil {
		q = q.Where("dm.created_at > ?", normTime(*after))
	}
	if limit > 0 {
		q = q.Limit(limit)
	}
	return q.OrderExpr("dm.created_at ASC")
}

func deskMessages(ctx context.Context, db bun.IDB, tenantID uuid.UUID, conversationID int64, after *time.Time, limit int) ([]DeskMessage, error) {
	var rows []deskMessageRow
	if err := deskMessagesQuery(db, tenantID, conversationID, after, limit, &rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: desk messages: %w", err)
	}
	return mapRows(rows, (*deskMessageRow).toDeskMessage), nil
}

// RedactDeskMessage replaces a message's attributes with their redacted form and marks it
// redacted. ErrNotFound if the conversation has no such message.
func (tx *TenantTx) RedactDeskMessage(ctx context.Context, conversationID int64, id uuid.UUID, attributes []byte) error {
	q := tx.tx.NewUpdate().Model((*deskMessageRow)(nil)).
		Set("attributes = ?", string(attributes)).Set("redacted = ?", true).
		Where("dm.tenant_id = ?", tx.tenant).Where("dm.conversation_id = ?", conversationID).Where("dm.id = ?", id)
	n, err := execCount(ctx, "redact desk message", q)
	if err == nil && n == 0 {
		err = fmt.Errorf("store: redact desk message %s: %w", id, ErrNotFound)
	}
	return err
}

// AnonymizeDeskConversation sets the conversation's state (and when it changed) and marks it
// anonymized at anonymizedAt. ErrNotFound if there is no such conversation.
func (tx *TenantTx) AnonymizeDeskConversation(ctx context.Context, id int64, state string, stateUpdatedAt, anonymizedAt time.Time) error {
	q := tx.tx.NewUpdate().Model((*deskConversationRow)(nil)).
		Set("state = ?", state).Set("state_updated_at = ?", normTime(stateUpdatedAt)).
		Set("anonymized_at = ?", normTime(anonymizedAt)).
		Where("dv.tenant_id = ?", tx.tenant).Where("dv.id = ?", id)
	n, err := execCount(ctx, "anonymize desk conversation", q)
	if err == nil && n == 0 {
		err = fmt.Errorf("store: anonymize desk conversation %d: %w", id, ErrNotFound)
	}
	return err
}

// InsertDeskAnonymizationRequest stores an anonymization request (a nil ID gets a new one).
func (tx *TenantTx) InsertDeskAnonymizationRequest(ctx context.Context, r DeskAnonymizationRequest) (DeskAnonymizationRequest, error) {
	if r.ID == uuid.Nil {
		r.ID = uuid.New()
	}
	r.TenantID, r.InitiatedAt, r.ProcessedAt = tx.tenant, normTime(r.InitiatedAt), normTimePtr(r.ProcessedAt)
	row := &deskAnonymizationRow{TenantID: tx.tenant, ID: r.ID, Type: r.Type, TargetEntityID: r.TargetEntityID,
		RequestedBy: r.RequestedBy, InitiatedAt: r.InitiatedAt, ProcessedAt: r.ProcessedAt}
	if _, err := tx.tx.NewInsert().Model(row).Exec(ctx); err != nil {
		return DeskAnonymizationRequest{}, mapWriteErr("insert desk anonymization request", err)
	}
	return r, nil
}

// DeskAnonymizationRequest returns the tenant's request; ErrNotFound if there is none.
func (s *Store) DeskAnonymizationRequest(ctx context.Context, tenantID, id uuid.UUID) (DeskAnonymizationRequest, error) {
	var row deskAnonymizationRow
	err := s.db.NewSelect().Model(&row).Where("da.tenant_id = ?", tenantID).Where("da.id = ?", id).Limit(1).Scan(ctx)
	if err != nil {
		return DeskAnonymizationRequest{}, mapReadErr("desk anonymization request", err)
	}
	return row.toRequest(), nil
}

// DeskConversationsByRequester lists an end user's conversations in creation order (then id), at
// most limit, after the cursor (nil: from the start).
func (s *Store) DeskConversationsByRequester(ctx context.Context, tenantID, requesterID uuid.UUID, after *DeskCursor, limit int) ([]DeskConversation, error) {
	var rows []deskConversationRow
	q, err := s.deskConversationsByRequesterQuery(tenantID, requesterID, after, limit, &rows)
	if err != nil {
		return nil, err
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: desk conversations of a requester: %w", err)
	}
	return mapRows(rows, (*deskConversationRow).toDeskConversation), nil
}

func (s *Store) deskConversationsByRequesterQuery(tenantID, requesterID uuid.UUID, after *DeskCursor, limit int, rows *[]deskConversationRow) (*bun.SelectQuery, error) {
	q := s.db.NewSelect().Model(rows).Where("dv.tenant_id = ?", tenantID).Where("dv.requester_id = ?", requesterID)
	if after != nil {
		id, err := strconv.ParseInt(after.ID, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("store: desk conversations: cursor id %q is not a conversation id", after.ID)
		}
		at := normTime(after.CreatedAt)
		q = q.Where("dv.created_at >= ? AND (dv.created_at > ? OR dv.id > ?)", at, at, id) // see afterKeyset
	}
	return q.OrderExpr("dv.created_at ASC, dv.id ASC").Limit(limit), nil
}

// DeskConversations lists the tenant's conversations, newest first, at most limit, with ids
// below before (0: from the newest).
func (s *Store) DeskConversations(ctx context.Context, tenantID uuid.UUID, before int64, limit int) ([]DeskConversation, error) {
	var rows []deskConversationRow
	q := s.db.NewSelect().Model(&rows).Where("dv.tenant_id = ?", tenantID)
	if before > 0 {
		q = q.Where("dv.id < ?", before)
	}
	if err := q.OrderExpr("dv.id DESC").Limit(limit).Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: desk conversations: %w", err)
	}
	return mapRows(rows, (*deskConversationRow).toDeskConversation), nil
}

// DeskConversationExists reports whether the tenant has this conversation.
func (s *Store) DeskConversationExists(ctx context.Context, tenantID uuid.UUID, id int64) (bool, error) {
	ok, err := s.db.NewSelect().Model((*deskConversationRow)(nil)).
		Where("dv.tenant_id = ?", tenantID).Where("dv.id = ?", id).Exists(ctx)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("store: desk conversation exists: %w", err)
	}
	return ok, nil
}
