package store

import (
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Question channels.
const (
	ChannelHelpDesk  = "helpdesk"
	ChannelMessaging = "messaging"
)

// Tenant is an operator-level record: one customer organisation.
type Tenant struct {
	ID        uuid.UUID
	Name      string
	Subdomain string // stored lowercased; unique
	CreatedAt time.Time
}

// Customer is an end user asking questions, one per (tenant, email).
type Customer struct {
	TenantID  uuid.UUID
	ID        uuid.UUID
	Email     string // lowercased
	Name      string
	CreatedAt time.Time
}

// Question is shared by the Help Desk API and the Messaging API.
type Question struct {
	TenantID uuid.UUID
	UUID     uuid.UUID
	ID       int64 // internal, server-wide (NextQuestionID): never shown to a tenant
	Number   int64 // the public numeric id, numbered per tenant (NextQuestionNumber)

	Channel    string // ChannelHelpDesk or ChannelMessaging: the API that created it
	HelpDeskID string // "" for messaging questions; unique per tenant among helpdesk questions, case-sensitive

	Subject, Text, Language string

	CustomerID uuid.UUID // uuid.Nil = none (stored as NULL)

	AuthorName, AuthorEmail, AuthorRefID string

	Category  string
	EliteOnly bool

	// Metadata is JSON text stored verbatim (key order preserved); "{}" when empty.
	Metadata []byte

	Status        string // UNRESOLVED, RESOLVED, CLOSED, EXPIRED, REROUTED
	ReroutedBy    string // "", USER, EXPERT, TIMEOUT
	ReroutedAt    *time.Time
	RerouteReason string     // free text given with a reroute; "" when none
	ClaimedBy     *uuid.UUID // the expert holding the question; nil = unclaimed

	CreatedAt, LastUpdated time.Time
}

// Response is an answer to a question.
type Response struct {
	TenantID     uuid.UUID
	UUID         uuid.UUID
	QuestionUUID uuid.UUID
	ID           int64  // internal, server-wide (NextResponseID): never shown to a tenant
	Number       int64  // the public numeric id, numbered per tenant (NextResponseNumber)
	Type         string // Expert | Automated
	AuthorUUID   *uuid.UUID
	AuthorName   string

	IsAccepted, IsMarkedAsResolved bool
	Rating, Testimonial            string

	CreatedAt time.Time
}

// Message is one entry of a question's (or one of its responses') thread.
type Message struct {
	TenantID     uuid.UUID
	UUID         uuid.UUID
	QuestionUUID uuid.UUID
	ResponseUUID *uuid.UUID // nil = question level
	Seq          int64      // creation order within the store, assigned on insert
	Type         string
	AuthorType   string // USER | EXPERT | BOT | SYSTEM
	AuthorUUID   *uuid.UUID
	AuthorName   string
	Body         string
	IsRead       bool
	CreatedAt    time.Time
}

// ---------------------------------------------------------------------------
// Bun row models. They mirror the tables exactly and are private so that the
// exported types stay free of storage concerns (NULL mapping, JSON-as-text,
// time normalisation).

type tenantRow struct {
	bun.BaseModel `bun:"table:tenants,alias:t"`

	ID        uuid.UUID `bun:"id,pk"`
	Name      string    `bun:"name"`
	Subdomain string    `bun:"subdomain"`
	CreatedAt time.Time `bun:"created_at"`
}

func (r *tenantRow) toTenant() Tenant {
	return Tenant{ID: r.ID, Name: r.Name, Subdomain: r.Subdomain, CreatedAt: r.CreatedAt.UTC()}
}

type helpDeskTokenRow struct {
	bun.BaseModel `bun:"table:helpdesk_tokens,alias:h"`

	TenantID  uuid.UUID `bun:"tenant_id,pk"`
	TokenHash []byte    `bun:"token_hash"`
	IssuedAt  time.Time `bun:"issued_at"`
}

type operatorSettingRow struct {
	bun.BaseModel `bun:"table:operator_settings,alias:st"`

	Name      string    `bun:"name,pk"`
	Value     []byte    `bun:"value"`
	UpdatedAt time.Time `bun:"updated_at"`
}

type customerRow struct {
	bun.BaseModel `bun:"table:customers,alias:c"`

	TenantID  uuid.UUID `bun:"tenant_id,pk"`
	ID        uuid.UUID `bun:"id,pk"`
	Email     string    `bun:"email"`
	Name      string    `bun:"name"`
	CreatedAt time.Time `bun:"created_at"`
}

func (r *customerRow) toCustomer() Customer {
	return Customer{TenantID: r.TenantID, ID: r.ID, Email: r.Email, Name: r.Name, CreatedAt: r.CreatedAt.UTC()}
}

type questionRow struct {
	bun.BaseModel `bun:"table:questions,alias:q"`

	ID            int64      `bun:"id,pk"`
	TenantID      uuid.UUID  `bun:"tenant_id"`
	UUID          uuid.UUID  `bun:"uuid"`
	Number        int64      `bun:"number"`
	Channel       string     `bun:"channel"`
	HelpDeskID    string     `bun:"help_desk_id"`
	Subject       string     `bun:"subject"`
	Text          string     `bun:"text"`
	Language      string     `bun:"language"`
	CustomerID    *uuid.UUID `bun:"customer_id"`
	AuthorName    string     `bun:"author_name"`
	AuthorEmail   string     `bun:"author_email"`
	AuthorRefID   string     `bun:"author_ref_id"`
	Category      string     `bun:"category"`
	EliteOnly     bool       `bun:"elite_only"`
	Metadata      string     `bun:"metadata"` // TEXT, never re-marshalled
	Status        string     `bun:"status"`
	ReroutedBy    string     `bun:"rerouted_by"`
	ReroutedAt    *time.Time `bun:"rerouted_at"`
	RerouteReason string     `bun:"reroute_reason"`
	ClaimedBy     *uuid.UUID `bun:"claimed_by"`
	CreatedAt     time.Time  `bun:"created_at"`
	LastUpdated   time.Time  `bun:"last_updated"`
}

// questionMutableColumns are the columns UpdateQuestion writes; tenant_id,
// uuid, id, channel, help_desk_id and created_at never change.
var questionMutableColumns = []string{
	"subject", "text", "language", "customer_id",
	"author_name", "author_email", "author_ref_id",
	"category", "elite_only", "metadata",
	"status", "rerouted_by", "rerouted_at", "reroute_reason", "claimed_by",
	"last_updated",
}

func newQuestionRow(q *Question) *questionRow {
	r := &questionRow{
		ID:            q.ID,
		TenantID:      q.TenantID,
		UUID:          q.UUID,
		Number:        q.Number,
		Channel:       q.Channel,
		HelpDeskID:    q.HelpDeskID,
		Subject:       q.Subject,
		Text:          q.Text,
		Language:      q.Language,
		AuthorName:    q.AuthorName,
		AuthorEmail:   q.AuthorEmail,
		AuthorRefID:   q.AuthorRefID,
		Category:      q.Category,
		EliteOnly:     q.EliteOnly,
		Metadata:      string(q.Metadata),
		Status:        q.Status,
		ReroutedBy:    q.ReroutedBy,
		ReroutedAt:    q.ReroutedAt,
		RerouteReason: q.RerouteReason,
		ClaimedBy:     q.ClaimedBy,
		CreatedAt:     q.CreatedAt,
		LastUpdated:   q.LastUpdated,
	}
	if q.CustomerID != uuid.Nil {
		id := q.CustomerID
		r.CustomerID = &id
	}
	return r
}

func (r *questionRow) toQuestion() Question {
	q := Question{
		TenantID:      r.TenantID,
		UUID:          r.UUID,
		ID:            r.ID,
		Number:        r.Number,
		Channel:       r.Channel,
		HelpDeskID:    r.HelpDeskID,
		Subject:       r.Subject,
		Text:          r.Text,
		Language:      r.Language,
		AuthorName:    r.AuthorName,
		AuthorEmail:   r.AuthorEmail,
		AuthorRefID:   r.AuthorRefID,
		Category:      r.Category,
		EliteOnly:     r.EliteOnly,
		Metadata:      []byte(r.Metadata),
		Status:        r.Status,
		ReroutedBy:    r.ReroutedBy,
		ReroutedAt:    utcPtr(r.ReroutedAt),
		RerouteReason: r.RerouteReason,
		ClaimedBy:     r.ClaimedBy,
		CreatedAt:     r.CreatedAt.UTC(),
		LastUpdated:   r.LastUpdated.UTC(),
	}
	if r.CustomerID != nil {
		q.CustomerID = *r.CustomerID
	}
	return q
}

type responseRow struct {
	bun.BaseModel `bun:"table:responses,alias:r"`

	ID                 int64      `bun:"id,pk"`
	TenantID           uuid.UUID  `bun:"tenant_id"`
	UUID               uuid.UUID  `bun:"uuid"`
	Number             int64      `bun:"number"`
	QuestionUUID       uuid.UUID  `bun:"question_uuid"`
	Type               string     `bun:"type"`
	AuthorUUID         *uuid.UUID `bun:"author_uuid"`
	AuthorName         string     `bun:"author_name"`
	IsAccepted         bool       `bun:"is_accepted"`
	IsMarkedAsResolved bool       `bun:"is_marked_as_resolved"`
	Rating             string     `bun:"rating"`
	Testimonial        string     `bun:"testimonial"`
	CreatedAt          time.Time  `bun:"created_at"`
}

// responseMutableColumns are the columns UpdateResponse writes.
var responseMutableColumns = []string{
	"type", "author_uuid", "author_name",
	"is_accepted", "is_marked_as_resolved", "rating", "testimonial",
}

func newResponseRow(r *Response) *responseRow {
	return &responseRow{
		ID:                 r.ID,
		TenantID:           r.TenantID,
		UUID:               r.UUID,
		Number:             r.Number,
		QuestionUUID:       r.QuestionUUID,
		Type:               r.Type,
		AuthorUUID:         r.AuthorUUID,
		AuthorName:         r.AuthorName,
		IsAccepted:         r.IsAccepted,
		IsMarkedAsResolved: r.IsMarkedAsResolved,
		Rating:             r.Rating,
		Testimonial:        r.Testimonial,
		CreatedAt:          r.CreatedAt,
	}
}

func (r *responseRow) toResponse() Response {
	return Response{
		TenantID:           r.TenantID,
		UUID:               r.UUID,
		QuestionUUID:       r.QuestionUUID,
		ID:                 r.ID,
		Number:             r.Number,
		Type:               r.Type,
		AuthorUUID:         r.AuthorUUID,
		AuthorName:         r.AuthorName,
		IsAccepted:         r.IsAccepted,
		IsMarkedAsResolved: r.IsMarkedAsResolved,
		Rating:             r.Rating,
		Testimonial:        r.Testimonial,
		CreatedAt:          r.CreatedAt.UTC(),
	}
}

type messageRow struct {
	bun.BaseModel `bun:"table:messages,alias:m"`

	Seq          int64      `bun:"seq,pk,autoincrement"`
	TenantID     uuid.UUID  `bun:"tenant_id"`
	UUID         uuid.UUID  `bun:"uuid"`
	QuestionUUID uuid.UUID  `bun:"question_uuid"`
	ResponseUUID *uuid.UUID `bun:"response_uuid"`
	Type         string     `bun:"type"`
	AuthorType   string     `bun:"author_type"`
	AuthorUUID   *uuid.UUID `bun:"author_uuid"`
	AuthorName   string     `bun:"author_name"`
	Body         string     `bun:"body"`
	IsRead       bool       `bun:"is_read"`
	CreatedAt    time.Time  `bun:"created_at"`
}

func newMessageRow(m *Message) *messageRow {
	return &messageRow{
		TenantID:     m.TenantID,
		UUID:         m.UUID,
		QuestionUUID: m.QuestionUUID,
		ResponseUUID: m.ResponseUUID,
		Type:         m.Type,
		AuthorType:   m.AuthorType,
		AuthorUUID:   m.AuthorUUID,
		AuthorName:   m.AuthorName,
		Body:         m.Body,
		IsRead:       m.IsRead,
		CreatedAt:    m.CreatedAt,
	}
}

func (r *messageRow) toMessage() Message {
	return Message{
		TenantID:     r.TenantID,
		UUID:         r.UUID,
		QuestionUUID: r.QuestionUUID,
		ResponseUUID: r.ResponseUUID,
		Seq:          r.Seq,
		Type:         r.Type,
		AuthorType:   r.AuthorType,
		AuthorUUID:   r.AuthorUUID,
		AuthorName:   r.AuthorName,
		Body:         r.Body,
		IsRead:       r.IsRead,
		CreatedAt:    r.CreatedAt.UTC(),
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}
