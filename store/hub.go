package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// The Hub Direct API's records: API clients, hubs, integrations, conversations and activities, all
// of one tenant.

// HubClient is a Hub API client (client credentials) of one tenant. ClientID is unique among live
// clients server-wide; only a hash of the secret is stored.
type HubClient struct {
	Seq        int64 // assigned on insert; tokens name it, so a replaced client's tokens stop working
	TenantID   uuid.UUID
	ClientID   string
	Audience   string // "portal" or "engine"
	SecretHash []byte
	CreatedAt  time.Time
	RevokedAt  *time.Time
}

// Hub is a tenant's hub.
type Hub struct {
	TenantID         uuid.UUID
	ID               uuid.UUID
	Name             string
	Description      string
	CloseDormantDays int // 0: conversations never close
	StatusID         int
	CreatedAt        time.Time
	ModifiedAt       time.Time
}

// HubIntegration is an integration of a hub: its kind, channel, delivery settings and signing keys.
type HubIntegration struct {
	TenantID   uuid.UUID
	ID         uuid.UUID
	HubID      uuid.UUID
	Seq        int64  // creation order: "the hub's oldest active bot"
	Kind       string // Customer, Agent, Bot, System
	Channel    string // Direct, System
	Name       string
	StatusID   int
	Echo       bool
	WebhookURL string
	Events     []string // System filters
	Start      []byte   // Direct welcome messages, a JSON array as sent; nil when none
	PublicKey  string
	PrivateKey string
	CreatedAt  time.Time
	ModifiedAt time.Time
}

// HubConversation is a conversation between a customer integration and its hub.
type HubConversation struct {
	Seq              int64 // creation order, assigned on insert
	TenantID         uuid.UUID
	ID               uuid.UUID
	HubID            uuid.UUID
	IntegrationID    uuid.UUID // the customer integration
	Binding          string
	TokenID          string
	Profile          map[string]string
	Additional       map[string]string
	OpenedAt         time.Time
	ClosedAt         *time.Time
	LastActivityAt   time.Time
	LastEventID      int64
	ActiveBusinessID *uuid.UUID // the agent or bot that last spoke
}

// HubActivity is a stored activity: its routing columns and the enriched activity as JSON.
type HubActivity struct {
	TenantID       uuid.UUID
	ConversationID uuid.UUID
	EventID        int64
	Type           string
	SenderID       uuid.UUID
	SenderKind     string
	RecipientID    uuid.UUID
	RecipientKind  string
	Body           []byte
	CreatedAt      time.Time
}

type hubClientRow struct {
	bun.BaseModel `bun:"table:hub_clients,alias:hc"`

	Seq        int64      `bun:"seq,pk,autoincrement"`
	TenantID   uuid.UUID  `bun:"tenant_id"`
	ClientID   string     `bun:"client_id"`
	Audience   string     `bun:"audience"`
	SecretHash []byte     `bun:"secret_hash"`
	CreatedAt  time.Time  `bun:"created_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

func (r *hubClientRow) toHubClient() HubClient {
	return HubClient{Seq: r.Seq, TenantID: r.TenantID, ClientID: r.ClientID, Audience: r.Audience,
		SecretHash: r.SecretHash, CreatedAt: r.CreatedAt.UTC(), RevokedAt: utcPtr(r.RevokedAt)}
}

type hubRow struct {
	bun.BaseModel `bun:"table:hubs,alias:h"`

	Seq              int64     `bun:"seq,pk,autoincrement"`
	TenantID         uuid.UUID `bun:"tenant_id"`
	ID               uuid.UUID `bun:"id"`
	Name             string    `bun:"name"`
	Description      string    `bun:"description"`
	CloseDormantDays int       `bun:"close_dormant_days"`
	StatusID         int       `bun:"status_id"`
	CreatedAt        time.Time `bun:"created_at"`
	ModifiedAt       time.Time `bun:"modified_at"`
}

func (r *hubRow) toHub() Hub {
	return Hub{TenantID: r.TenantID, ID: r.ID, Name: r.Name, Description: r.Description,
		CloseDormantDays: r.CloseDormantDays, StatusID: r.StatusID,
		CreatedAt: r.CreatedAt.UTC(), ModifiedAt: r.ModifiedAt.UTC()}
}

type hubIntegrationRow struct {
	bun.BaseModel `bun:"table:hub_integrations,alias:hi"`

	Seq        int64     `bun:"seq,pk,autoincrement"`
	TenantID   uuid.UUID `bun:"tenant_id"`
	ID         uuid.UUID `bun:"id"`
	HubID      uuid.UUID `bun:"hub_id"`
	Kind       string    `bun:"kind"`
	Channel    string    `bun:"channel"`
	Name       string    `bun:"name"`
	StatusID   int       `bun:"status_id"`
	Echo       bool      `bun:"echo"`
	WebhookURL string    `bun:"webhook_url"`
	Events     string    `bun:"events"` // JSON array
	Start      string    `bun:"start"`  // JSON array, "" when none
	PublicKey  string    `bun:"public_key"`
	PrivateKey string    `bun:"private_key"`
	CreatedAt  time.Time `bun:"created_at"`
	ModifiedAt time.Time `bun:"modified_at"`
}

// hubIntegrationMutable are the columns UpdateHubIntegration writes.
var hubIntegrationMutable = []string{"name", "status_id", "echo", "webhook_url", "events", "start", "public_key", "private_key", "modified_at"}

func newHubIntegrationRow(in *HubIntegration) *hubIntegrationRow {
	return &hubIntegrationRow{TenantID: in.TenantID, ID: in.ID, HubID: in.HubID, Kind: in.Kind, Channel: in.Channel,
		Name: in.Name, StatusID: in.StatusID, Echo: in.Echo, WebhookURL: in.WebhookURL, Events: jsonList(in.Events),
		Start: string(in.Start), PublicKey: in.PublicKey, PrivateKey: in.PrivateKey,
		CreatedAt: in.CreatedAt, ModifiedAt: in.ModifiedAt}
}

func (r *hubIntegrationRow) toHubIntegration() (HubIntegration, error) {
	events, err := parseList(r.Events)
	if err != nil {
		return HubIntegration{}, fmt.Errorf("store: integration %s events: %w", r.ID, err)
	}
	in := HubIntegration{TenantID: r.TenantID, ID: r.ID, HubID: r.HubID, Seq: r.Seq, Kind: r.Kind, Channel: r.Channel,
		Name: r.Name, StatusID: r.StatusID, Echo: r.Echo, WebhookURL: r.WebhookURL, Events: events,
		PublicKey: r.PublicKey, PrivateKey: r.PrivateKey, CreatedAt: r.CreatedAt.UTC(), ModifiedAt: r.ModifiedAt.UTC()}
	if r.Start != "" {
		in.Start = []byte(r.Start)
	}
	return in, nil
}

type hubConversationRow struct {
	bun.BaseModel `bun:"table:hub_conversations,alias:hv"`

	Seq              int64      `bun:"seq,pk,autoincrement"`
	TenantID         uuid.UUID  `bun:"tenant_id"`
	ID               uuid.UUID  `bun:"id"`
	HubID            uuid.UUID  `bun:"hub_id"`
	IntegrationID    uuid.UUID  `bun:"integration_id"`
	Binding          string     `bun:"binding"`
	TokenID          string     `bun:"token_id"`
	Profile          string     `bun:"profile"`    // JSON object of strings
	Additional       string     `bun:"additional"` // JSON object of strings
	OpenedAt         time.Time  `bun:"opened_at"`
	ClosedAt         *time.Time `bun:"closed_at"`
	LastActivityAt   time.Time  `bun:"last_activity_at"`
	LastEventID      int64      `bun:"last_event_id"`
	ActiveBusinessID *uuid.UUID `bun:"active_business_id"`
}

func newHubConversationRow(c *HubConversation) *hubConversationRow {
	return &hubConversationRow{TenantID: c.TenantID, ID: c.ID, HubID: c.HubID, IntegrationID: c.IntegrationID,
		Binding: c.Binding, TokenID: c.TokenID, Profile: jsonMap(c.Profile), Additional: jsonMap(c.Additional),
		OpenedAt: c.OpenedAt, ClosedAt: normTimePtr(c.ClosedAt), LastActivityAt: c.LastActivityAt,
		LastEventID: c.LastEventID, ActiveBusinessID: c.ActiveBusinessID}
}

func (r *hubConversationRow) toHubConversation() (HubConversation, error) {
	c := HubConversation{Seq: r.Seq, TenantID: r.TenantID, ID: r.ID, HubID: r.HubID, IntegrationID: r.IntegrationID,
		Binding: r.Binding, TokenID: r.TokenID, OpenedAt: r.OpenedAt.UTC(), ClosedAt: utcPtr(r.ClosedAt),
		LastActivityAt: r.LastActivityAt.UTC(), LastEventID: r.LastEventID, ActiveBusinessID: r.ActiveBusinessID}
	if err := json.Unmarshal([]byte(r.Profile), &c.Profile); err != nil {
		return HubConversation{}, fmt.Errorf("store: conversation %s profile: %w", r.ID, err)
	}
	if err := json.Unmarshal([]byte(r.Additional), &c.Additional); err != nil {
		return HubConversation{}, fmt.Errorf("store: conversation %s additional: %w", r.ID, err)
	}
	return c, nil
}

func jsonMap(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // map[string]string cannot fail
	return string(b)
}

type hubActivityRow struct {
	bun.BaseModel `bun:"table:hub_activities,alias:ha"`

	TenantID       uuid.UUID `bun:"tenant_id,pk"`
	ConversationID uuid.UUID `bun:"conversation_id,pk"`
	EventID        int64     `bun:"event_id,pk"`
	Type           string    `bun:"type"`
	SenderID       uuid.UUID `bun:"sender_id"`
	SenderKind     string    `bun:"sender_kind"`
	RecipientID    uuid.UUID `bun:"recipient_id"`
	RecipientKind  string    `bun:"recipient_kind"`
	Body           string    `bun:"body"`
	CreatedAt      time.Time `bun:"created_at"`
}

// ---------------------------------------------------------------------------
// API clients.

// ReplaceHubClient makes c the only live client with its ClientID (revoking, in the same
// transaction, the tenant's live client of that id) and sets c.Seq. A zero CreatedAt means now.
// ErrConflict if another tenant holds a live client with that id; ErrNotFound if the tenant does
// not exist.
func (s *Store) ReplaceHubClient(ctx context.Context, c *HubClient) error {
	if c.ClientID == "" || len(c.SecretHash) == 0 || c.Audience == "" {
		return errors.New("store: replace hub client: ClientID, Audience and SecretHash are required")
	}
	c.CreatedAt = nowOr(c.CreatedAt)
	return s.InTenantTx(ctx, c.TenantID, func(tx *TenantTx) error {
		if _, err := tx.tx.NewUpdate().Model((*hubClientRow)(nil)).
			Set("revoked_at = ?", c.CreatedAt).
			Where("hc.tenant_id = ?", tx.tenant).
			Where("hc.client_id = ?", c.ClientID).
			Where("hc.revoked_at IS NULL").
			Exec(ctx); err != nil {
			return fmt.Errorf("store: replace hub client: %w", err)
		}
		row := &hubClientRow{TenantID: tx.tenant, ClientID: c.ClientID, Audience: c.Audience, SecretHash: c.SecretHash, CreatedAt: c.CreatedAt}
		if _, err := tx.tx.NewInsert().Model(row).Returning("seq").Exec(ctx); err != nil {
			return mapWriteErr("replace hub client", err)
		}
		c.Seq = row.Seq
		return nil
	})
}

// HubClientByID returns the live client with this id (any tenant: the token endpoint and every
// authenticated call learn the tenant from it), or ErrNotFound.
func (s *Store) HubClientByID(ctx context.Context, clientID string) (HubClient, error) {
	var row hubClientRow
	err := s.db.NewSelect().Model(&row).
		Where("hc.client_id = ?", clientID).
		Where("hc.revoked_at IS NULL").
		Limit(1).Scan(ctx)
	if err != nil {
		return HubClient{}, mapReadErr("hub client", err)
	}
	return row.toHubClient(), nil
}

// HubClients returns the tenant's live clients, oldest first.
func (s *Store) HubClients(ctx context.Context, tenantID uuid.UUID) ([]HubClient, error) {
	var rows []hubClientRow
	err := s.db.NewSelect().Model(&rows).
		Where("hc.tenant_id = ?", tenantID).
		Where("hc.revoked_at IS NULL").
		OrderExpr("hc.seq ASC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: hub clients: %w", err)
	}
	return mapRows(rows, (*hubClientRow).toHubClient), nil
}

// RevokeHubClient revokes the tenant's live client with this id at now; ErrNotFound if there is
// none.
func (s *Store) RevokeHubClient(ctx context.Context, tenantID uuid.UUID, clientID string, now time.Time) error {
	n, err := execCount(ctx, "revoke hub client", s.db.NewUpdate().Model((*hubClientRow)(nil)).
		Set("revoked_at = ?", nowOr(now)).
		Where("hc.tenant_id = ?", tenantID).
		Where("hc.client_id = ?", clientID).
		Where("hc.revoked_at IS NULL"))
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("store: revoke hub client %s: %w", clientID, ErrNotFound)
	}
	return nil
}

// InitOperatorSetting stores value under name unless a value is already stored, and returns the
// stored one: the first of several instances starting at once wins.
func (s *Store) InitOperatorSetting(ctx context.Context, name string, value []byte) ([]byte, error) {
	row := &operatorSettingRow{Name: name, Value: value, UpdatedAt: nowOr(time.Time{})}
	if _, err := s.db.NewInsert().Model(row).On("CONFLICT (name) DO NOTHING").Exec(ctx); err != nil {
		return nil, fmt.Errorf("store: init operator setting %s: %w", name, err)
	}
	return s.operatorSetting(ctx, name)
}

// ---------------------------------------------------------------------------
// Hubs.

// CreateHub stores a new hub of h.TenantID; h.ID must be set. A zero CreatedAt means now,
// ModifiedAt defaults to it. ErrConflict when the tenant has a hub of that name.
func (s *Store) CreateHub(ctx context.Context, h *Hub) error {
	if h.ID == uuid.Nil {
		return errors.New("store: create hub: ID is required")
	}
	fillNew(&h.ID, &h.CreatedAt, &h.ModifiedAt)
	row := &hubRow{TenantID: h.TenantID, ID: h.ID, Name: h.Name, Description: h.Description,
		CloseDormantDays: h.CloseDormantDays, StatusID: h.StatusID, CreatedAt: h.CreatedAt, ModifiedAt: h.ModifiedAt}
	_, err := s.db.NewInsert().Model(row).Exec(ctx)
	return mapWriteErr("create hub", err)
}

// UpdateHub writes h's name, description, closeDormantDays, status and ModifiedAt (zero: now).
// ErrNotFound if the tenant has no such hub; ErrConflict if the name is taken.
func (s *Store) UpdateHub(ctx context.Context, h *Hub) error {
	h.ModifiedAt = nowOr(h.ModifiedAt)
	res, err := s.db.NewUpdate().Model((*hubRow)(nil)).
		Set("name = ?", h.Name).
		Set("description = ?", h.Description).
		Set("close_dormant_days = ?", h.CloseDormantDays).
		Set("status_id = ?", h.StatusID).
		Set("modified_at = ?", h.ModifiedAt).
		Where("h.tenant_id = ?", h.TenantID).
		Where("h.id = ?", h.ID).
		Exec(ctx)
	return updateResult("update hub", h.ID, res, err)
}

// Hub returns the tenant's hub, or ErrNotFound.
func (s *Store) Hub(ctx context.Context, tenantID, id uuid.UUID) (Hub, error) {
	return hubByID(ctx, s.db, tenantID, id)
}

// Hub returns one of the tenant's hubs, or ErrNotFound.
func (tx *TenantTx) Hub(ctx context.Context, id uuid.UUID) (Hub, error) {
	return hubByID(ctx, tx.tx, tx.tenant, id)
}

func hubByID(ctx context.Context, db bun.IDB, tenant, id uuid.UUID) (Hub, error) {
	var row hubRow
	if err := db.NewSelect().Model(&row).Where("h.tenant_id = ?", tenant).Where("h.id = ?", id).Limit(1).Scan(ctx); err != nil {
		return Hub{}, mapReadErr("hub", err)
	}
	return row.toHub(), nil
}

// Hubs returns one page of the tenant's hubs, oldest first, and how many there are.
func (s *Store) Hubs(ctx context.Context, tenantID uuid.UUID, offset, limit int) ([]Hub, int, error) {
	var rows []hubRow
	total, err := s.db.NewSelect().Model(&rows).
		Where("h.tenant_id = ?", tenantID).
		OrderExpr("h.seq ASC").
		Offset(offset).Limit(limit).
		ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: hubs: %w", err)
	}
	return mapRows(rows, (*hubRow).toHub), total, nil
}

// DeleteHub deletes the tenant's hub with its integrations, conversations and activities, and
// returns it; ErrNotFound if there is none.
func (s *Store) DeleteHub(ctx context.Context, tenantID, id uuid.UUID) (Hub, error) {
	var row hubRow
	_, err := s.db.NewDelete().Model(&row).
		Where("h.tenant_id = ?", tenantID).
		Where("h.id = ?", id).
		Returning("*").
		Exec(ctx)
	if err != nil {
		return Hub{}, mapWriteErr("delete hub", err)
	}
	if row.ID == uuid.Nil {
		return Hub{}, fmt.Errorf("store: delete hub %s: %w", id, ErrNotFound)
	}
	return row.toHub(), nil
}

// ---------------------------------------------------------------------------
// Integrations.

// CreateHubIntegration stores a new integration of in.TenantID; in.ID and in.HubID must be set.
// Sets in.Seq. ErrConflict when the hub has an integration of that name; ErrNotFound when the
// tenant has no such hub.
func (s *Store) CreateHubIntegration(ctx context.Context, in *HubIntegration) error {
	if in.ID == uuid.Nil || in.HubID == uuid.Nil {
		return errors.New("store: create hub integration: ID and HubID are required")
	}
	fillNew(&in.ID, &in.CreatedAt, &in.ModifiedAt)
	row := newHubIntegrationRow(in)
	if _, err := s.db.NewInsert().Model(row).Returning("seq").Exec(ctx); err != nil {
		return mapWriteErr("create hub integration", err)
	}
	in.Seq = row.Seq
	return nil
}

// UpdateHubIntegration writes in's name, status, delivery settings, keys and ModifiedAt (zero:
// now). ErrNotFound if the tenant has no such integration; ErrConflict if the name is taken.
func (s *Store) UpdateHubIntegration(ctx context.Context, in *HubIntegration) error {
	in.ModifiedAt = nowOr(in.ModifiedAt)
	res, err := s.db.NewUpdate().Model(newHubIntegrationRow(in)).
		Column(hubIntegrationMutable...).
		Where("hi.tenant_id = ?", in.TenantID).
		Where("hi.id = ?", in.ID).
		Exec(ctx)
	return updateResult("update hub integration", in.ID, res, err)
}

// HubIntegration returns the tenant's integration, or ErrNotFound.
func (s *Store) HubIntegration(ctx context.Context, tenantID, id uuid.UUID) (HubIntegration, error) {
	return hubIntegrationByID(ctx, s.db, tenantID, id)
}

// HubIntegration returns one of the tenant's integrations, or ErrNotFound.
func (tx *TenantTx) HubIntegration(ctx context.Context, id uuid.UUID) (HubIntegration, error) {
	return hubIntegrationByID(ctx, tx.tx, tx.tenant, id)
}

func hubIntegrationByID(ctx context.Context, db bun.IDB, tenant, id uuid.UUID) (HubIntegration, error) {
	var row hubIntegrationRow
	if err := db.NewSelect().Model(&row).Where("hi.tenant_id = ?", tenant).Where("hi.id = ?", id).Limit(1).Scan(ctx); err != nil {
		return HubIntegration{}, mapReadErr("hub integration", err)
	}
	return row.toHubIntegration()
}

// HubIntegrationFilter selects integrations: of one hub (HubID not nil), of one channel
// (Channel not ""), one page (Limit > 0).
type HubIntegrationFilter struct {
	HubID         *uuid.UUID
	Channel       string
	Offset, Limit int
}

// HubIntegrations returns the tenant's integrations matching f, oldest first, and how many match.
func (s *Store) HubIntegrations(ctx context.Context, tenantID uuid.UUID, f HubIntegrationFilter) ([]HubIntegration, int, error) {
	var rows []hubIntegrationRow
	q := s.db.NewSelect().Model(&rows).Where("hi.tenant_id = ?", tenantID).OrderExpr("hi.seq ASC")
	if f.HubID != nil {
		q = q.Where("hi.hub_id = ?", *f.HubID)
	}
	if f.Channel != "" {
		q = q.Where("hi.channel = ?", f.Channel)
	}
	if f.Limit > 0 {
		q = q.Offset(f.Offset).Limit(f.Limit)
	}
	total, err := q.ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("store: hub integrations: %w", err)
	}
	out, err := hubIntegrations(rows)
	return out, total, err
}

// HubIntegrations returns every integration of one of the tenant's hubs, oldest first.
func (tx *TenantTx) HubIntegrations(ctx context.Context, hubID uuid.UUID) ([]HubIntegration, error) {
	var rows []hubIntegrationRow
	err := tx.tx.NewSelect().Model(&rows).
		Where("hi.tenant_id = ?", tx.tenant).
		Where("hi.hub_id = ?", hubID).
		OrderExpr("hi.seq ASC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: hub integrations: %w", err)
	}
	return hubIntegrations(rows)
}

func hubIntegrations(rows []hubIntegrationRow) ([]HubIntegration, error) {
	return mapRowsErr(rows, (*hubIntegrationRow).toHubIntegration)
}

// DeleteHubIntegration deletes the tenant's integration (a customer integration with its
// conversations and their activities) and returns it; ErrNotFound if there is none.
func (s *Store) DeleteHubIntegration(ctx context.Context, tenantID, id uuid.UUID) (HubIntegration, error) {
	var row hubIntegrationRow
	_, err := s.db.NewDelete().Model(&row).
		Where("hi.tenant_id = ?", tenantID).
		Where("hi.id = ?", id).
		Returning("*").
		Exec(ctx)
	if err != nil {
		return HubIntegration{}, mapWriteErr("delete hub integration", err)
	}
	if row.ID == uuid.Nil {
		return HubIntegration{}, fmt.Errorf("store: delete hub integration %s: %w", id, ErrNotFound)
	}
	return row.toHubIntegration()
}

// ---------------------------------------------------------------------------
// Conversations.

// OpenHubConversation returns the open conversation of a customer integration for a binding,
// locked until the end of the transaction on PostgreSQL, or ErrNotFound.
func (tx *TenantTx) OpenHubConversation(ctx context.Context, integrationID uuid.UUID, binding string) (HubConversation, error) {
	var row hubConversationRow
	q := tx.tx.NewSelect().Model(&row).
		Where("hv.tenant_id = ?", tx.tenant).
		Where("hv.integration_id = ?", integrationID).
		Where("hv.binding = ?", binding).
		Where("hv.closed_at IS NULL").
		Limit(1)
	if tx.dialect == DialectPostgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return HubConversation{}, mapReadErr("open hub conversation", err)
	}
	return row.toHubConversation()
}

// InsertHubConversation stores a new conversation; c.ID must be set. ErrConflict when the
// customer integration already has an open conversation for the binding.
func (tx *TenantTx) InsertHubConversation(ctx context.Context, c *HubConversation) error {
	if c.ID == uuid.Nil {
		return errors.New("store: insert hub conversation: ID is required")
	}
	c.TenantID = tx.tenant
	c.OpenedAt = nowOr(c.OpenedAt)
	if c.LastActivityAt.IsZero() {
		c.LastActivityAt = c.OpenedAt
	}
	c.LastActivityAt = normTime(c.LastActivityAt)
	res, err := tx.tx.NewInsert().Model(newHubConversationRow(c)).On("CONFLICT DO NOTHING").Exec(ctx)
	return insertResult("insert hub conversation", res, err)
}

// SetHubConversationProperties replaces a conversation's profile and additional properties.
func (tx *TenantTx) SetHubConversationProperties(ctx context.Context, id uuid.UUID, profile, additional map[string]string) error {
	res, err := tx.tx.NewUpdate().Model((*hubConversationRow)(nil)).
		Set("profile = ?", jsonMap(profile)).
		Set("additional = ?", jsonMap(additional)).
		Where("hv.tenant_id = ?", tx.tenant).
		Where("hv.id = ?", id).
		Exec(ctx)
	return updateResult("set hub conversation properties", id, res, err)
}

// CloseHubConversation marks a conversation closed at at.
func (tx *TenantTx) CloseHubConversation(ctx context.Context, id uuid.UUID, at time.Time) error {
	res, err := tx.tx.NewUpdate().Model((*hubConversationRow)(nil)).
		Set("closed_at = ?", normTime(at)).
		Where("hv.tenant_id = ?", tx.tenant).
		Where("hv.id = ?", id).
		Exec(ctx)
	return updateResult("close hub conversation", id, res, err)
}

// LockHubConversation returns one of the tenant's conversations, locked until the end of the
// transaction on PostgreSQL (SQLite's write transaction serialises anyway), or ErrNotFound.
// Activities of one conversation take it in turn, so their eventIds strictly increase.
func (tx *TenantTx) LockHubConversation(ctx context.Context, id uuid.UUID) (HubConversation, error) {
	var row hubConversationRow
	q := tx.tx.NewSelect().Model(&row).Where("hv.tenant_id = ?", tx.tenant).Where("hv.id = ?", id).Limit(1)
	if tx.dialect == DialectPostgres {
		q = q.For("UPDATE")
	}
	if err := q.Scan(ctx); err != nil {
		return HubConversation{}, mapReadErr("hub conversation", err)
	}
	return row.toHubConversation()
}

// HubConversation returns the tenant's conversation, or ErrNotFound.
func (s *Store) HubConversation(ctx context.Context, tenantID, id uuid.UUID) (HubConversation, error) {
	var row hubConversationRow
	if err := s.db.NewSelect().Model(&row).Where("hv.tenant_id = ?", tenantID).Where("hv.id = ?", id).Limit(1).Scan(ctx); err != nil {
		return HubConversation{}, mapReadErr("hub conversation", err)
	}
	return row.toHubConversation()
}

// OpenHubConversations returns the open conversations of one of the tenant's hubs, oldest first,
// all at once; a hub with any number of them is read a page at a time with
// [Store.OpenHubConversationPage].
func (s *Store) OpenHubConversations(ctx context.Context, tenantID, hubID uuid.UUID) ([]HubConversation, error) {
	return s.OpenHubConversationPage(ctx, tenantID, hubID, 0, 0)
}

// OpenHubConversationPage returns at most limit (0: no limit) of the open conversations of one of
// the tenant's hubs, oldest first, created after the one with Seq afterSeq (0: from the first):
// one range scan of the partial index hub_conversations_open_idx, which holds only open
// conversations, so a page costs the same however many the hub closed.
func (s *Store) OpenHubConversationPage(ctx context.Context, tenantID, hubID uuid.UUID, afterSeq int64, limit int) ([]HubConversation, error) {
	var rows []hubConversationRow
	q := s.db.NewSelect().Model(&rows).
		Where("hv.tenant_id = ?", tenantID).
		Where("hv.hub_id = ?", hubID).
		Where("hv.closed_at IS NULL").
		Where("hv.seq > ?", afterSeq).
		OrderExpr("hv.seq ASC")
	if limit > 0 {
		q = q.Limit(limit)
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("store: open hub conversations: %w", err)
	}
	return mapRowsErr(rows, (*hubConversationRow).toHubConversation)
}

// AdvanceHubConversation records an accepted activity on its conversation: the last eventId, the
// time of the last activity and the active business integration (nil leaves it).
func (tx *TenantTx) AdvanceHubConversation(ctx context.Context, id uuid.UUID, eventID int64, at time.Time, active *uuid.UUID) error {
	q := tx.tx.NewUpdate().Model((*hubConversationRow)(nil)).
		Set("last_event_id = ?", eventID).
		Set("last_activity_at = ?", normTime(at)).
		Where("hv.tenant_id = ?", tx.tenant).
		Where("hv.id = ?", id)
	if active != nil {
		q = q.Set("active_business_id = ?", *active)
	}
	res, err := q.Exec(ctx)
	return updateResult("advance hub conversation", id, res, err)
}

// ---------------------------------------------------------------------------
// Activities.

// InsertHubActivity stores an activity of one of the tenant's conversations. A zero CreatedAt
// means now. ErrConflict when the conversation already has that eventId.
func (tx *TenantTx) InsertHubActivity(ctx context.Context, a *HubActivity) error {
	a.TenantID = tx.tenant
	a.CreatedAt = nowOr(a.CreatedAt)
	row := &hubActivityRow{TenantID: tx.tenant, ConversationID: a.ConversationID, EventID: a.EventID, Type: a.Type,
		SenderID: a.SenderID, SenderKind: a.SenderKind, RecipientID: a.RecipientID, RecipientKind: a.RecipientKind,
		Body: string(a.Body), CreatedAt: a.CreatedAt}
	_, err := tx.tx.NewInsert().Model(row).Exec(ctx)
	return mapWriteErr("insert hub activity", err)
}

// hubActivitiesQuery reads a page of the activities sent by a kind and a page of those it
// received: (tenant, conversation, kind, after, limit) twice.
const hubActivitiesQuery = `SELECT * FROM (SELECT tenant_id, conversation_id, event_id, type, sender_id, sender_kind, recipient_id,
		recipient_kind, body, created_at FROM hub_activities
	WHERE tenant_id = ? AND conversation_id = ? AND sender_kind = ? AND event_id > ? ORDER BY event_id LIMIT ?) AS sent
UNION ALL
SELECT * FROM (SELECT tenant_id, conversation_id, event_id, type, sender_id, sender_kind, recipient_id,
		recipient_kind, body, created_at FROM hub_activities
	WHERE tenant_id = ? AND conversation_id = ? AND recipient_kind = ? AND event_id > ? ORDER BY event_id LIMIT ?) AS received
ORDER BY event_id`

// HubActivities returns up to limit activities of one of the tenant's conversations whose sender
// or recipient is of kind, with an eventId above after, oldest first. One statement reads at most
// limit activities sent by the kind (index hub_activities_sender_idx) and at most limit received
// by it (hub_activities_recipient_idx), each from after on; the first limit of the two, merged
// (an activity in both once), are the answer. So a page costs the same whatever the
// conversation holds, even when few of its activities involve the kind.
func (s *Store) HubActivities(ctx context.Context, tenantID, conversationID uuid.UUID, kind string, after int64, limit int) ([]HubActivity, error) {
	var rows []hubActivityRow
	err := s.db.NewRaw(hubActivitiesQuery, tenantID, conversationID, kind, after, limit, tenantID, conversationID, kind, after, limit).
		Scan(ctx, &rows)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("store: hub activities: %w", err)
	}
	out := make([]HubActivity, 0, min(len(rows), limit))
	for i := range rows {
		r := &rows[i]
		if len(out) == limit {
			break
		}
		if n := len(out); n > 0 && out[n-1].EventID == r.EventID {
			continue // sent and received by the kind
		}
		out = append(out, HubActivity{TenantID: r.TenantID, ConversationID: r.ConversationID, EventID: r.EventID, Type: r.Type,
			SenderID: r.SenderID, SenderKind: r.SenderKind, RecipientID: r.RecipientID, RecipientKind: r.RecipientKind,
			Body: []byte(r.Body), CreatedAt: r.CreatedAt.UTC()})
	}
	return out, nil
}
