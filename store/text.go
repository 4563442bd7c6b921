package store

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// AutomaticAnswer is one answer given by POST /v1/automaticAnswers, kept so
// that feedback can be recorded against it.
type AutomaticAnswer struct {
	TenantID   uuid.UUID
	UUID       uuid.UUID
	Query      string
	ClassName  string // the matched class
	Title      string
	Body       string
	Confidence float64
	Feedback   string // "" (none), or e.g. ACCEPTED / REJECTED; the last one wins
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// TrainingFile is an uploaded CX training data file (stored only).
type TrainingFile struct {
	TenantID    uuid.UUID
	UUID        uuid.UUID
	Filename    string
	Size        int64 // len(Data), set on insert
	ContentType string
	Description string
	Data        []byte // nil when read back (TrainingFile omits it)
	CreatedAt   time.Time
}

type automaticAnswerRow struct {
	bun.BaseModel `bun:"table:automatic_answers,alias:aa"`

	TenantID   uuid.UUID `bun:"tenant_id,pk"`
	UUID       uuid.UUID `bun:"uuid,pk"`
	Query      string    `bun:"query"`
	ClassName  string    `bun:"class_name"`
	Title      string    `bun:"title"`
	Body       string    `bun:"body"`
	Confidence float64   `bun:"confidence"`
	Feedback   string    `bun:"feedback"`
	CreatedAt  time.Time `bun:"created_at"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

func (r *automaticAnswerRow) toAutomaticAnswer() AutomaticAnswer {
	return AutomaticAnswer{
		TenantID:   r.TenantID,
		UUID:       r.UUID,
		Query:      r.Query,
		ClassName:  r.ClassName,
		Title:      r.Title,
		Body:       r.Body,
		Confidence: r.Confidence,
		Feedback:   r.Feedback,
		CreatedAt:  r.CreatedAt.UTC(),
		UpdatedAt:  r.UpdatedAt.UTC(),
	}
}

// InsertAutomaticAnswer stores a for a.TenantID. Defaults: UUID (new
// random), CreatedAt now, UpdatedAt CreatedAt; a is updated with what was
// stored. ErrConflict on a duplicate UUID; ErrNotFound if the tenant does
// not exist.
func (s *Store) InsertAutomaticAnswer(ctx context.Context, a *AutomaticAnswer) error {
	fillNew(&a.UUID, &a.CreatedAt, &a.UpdatedAt)
	row := &automaticAnswerRow{
		TenantID:   a.TenantID,
		UUID:       a.UUID,
		Query:      a.Query,
		ClassName:  a.ClassName,
		Title:      a.Title,
		Body:       a.Body,
		Confidence: a.Confidence,
		Feedback:   a.Feedback,
		CreatedAt:  a.CreatedAt,
		UpdatedAt:  a.UpdatedAt,
	}
	_, err := s.db.NewInsert().Model(row).Exec(ctx)
	return mapWriteErr("insert automatic answer", err)
}

// AutomaticAnswer returns the tenant's automatic answer, or ErrNotFound.
func (s *Store) AutomaticAnswer(ctx context.Context, tenantID, id uuid.UUID) (AutomaticAnswer, error) {
	var row automaticAnswerRow
	err := s.db.NewSelect().Model(&row).
		Where("aa.tenant_id = ?", tenantID).
		Where("aa.uuid = ?", id).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return AutomaticAnswer{}, mapReadErr("automatic answer", err)
	}
	return row.toAutomaticAnswer(), nil
}

// SetAutomaticAnswerFeedback records feedback on the tenant's automatic
// answer (replacing any earlier feedback; UpdatedAt = now) and returns the
// updated answer. ErrNotFound if the tenant has no such answer.
func (s *Store) SetAutomaticAnswerFeedback(ctx context.Context, tenantID, id uuid.UUID, feedback string, now time.Time) (AutomaticAnswer, error) {
	var row automaticAnswerRow
	err := s.db.NewUpdate().Model(&row).
		Set("feedback = ?", feedback).
		Set("updated_at = ?", nowOr(now)).
		Where("aa.tenant_id = ?", tenantID).
		Where("aa.uuid = ?", id).
		Returning("*").
		Scan(ctx)
	if err != nil {
		return AutomaticAnswer{}, mapReadErr("set automatic answer feedback", err)
	}
	return row.toAutomaticAnswer(), nil
}

type trainingFileRow struct {
	bun.BaseModel `bun:"table:training_files,alias:tf"`

	TenantID    uuid.UUID `bun:"tenant_id,pk"`
	UUID        uuid.UUID `bun:"uuid,pk"`
	Filename    string    `bun:"filename"`
	Size        int64     `bun:"size"`
	ContentType string    `bun:"content_type"`
	Description string    `bun:"description"`
	Data        []byte    `bun:"data"`
	CreatedAt   time.Time `bun:"created_at"`
}

// InsertTrainingFile stores f (with its Data) for f.TenantID. Size is set to
// len(Data); defaults: UUID (new random), CreatedAt now; f is updated with
// what was stored. ErrConflict on a duplicate UUID; ErrNotFound if the
// tenant does not exist.
func (s *Store) InsertTrainingFile(ctx context.Context, f *TrainingFile) error {
	fillNew(&f.UUID, &f.CreatedAt, nil)
	f.Size = int64(len(f.Data))
	data := f.Data
	if data == nil {
		data = []byte{}
	}
	row := &trainingFileRow{
		TenantID:    f.TenantID,
		UUID:        f.UUID,
		Filename:    f.Filename,
		Size:        f.Size,
		ContentType: f.ContentType,
		Description: f.Description,
		Data:        data,
		CreatedAt:   f.CreatedAt,
	}
	_, err := s.db.NewInsert().Model(row).Exec(ctx)
	return mapWriteErr("insert training file", err)
}

// TrainingFile returns the tenant's training file without its Data, or
// ErrNotFound.
func (s *Store) TrainingFile(ctx context.Context, tenantID, id uuid.UUID) (TrainingFile, error) {
	var row trainingFileRow
	err := s.db.NewSelect().Model(&row).
		ExcludeColumn("data").
		Where("tf.tenant_id = ?", tenantID).
		Where("tf.uuid = ?", id).
		Limit(1).
		Scan(ctx)
	if err != nil {
		return TrainingFile{}, mapReadErr("training file", err)
	}
	return TrainingFile{
		TenantID:    row.TenantID,
		UUID:        row.UUID,
		Filename:    row.Filename,
		Size:        row.Size,
		ContentType: row.ContentType,
		Description: row.Description,
		CreatedAt:   row.CreatedAt.UTC(),
	}, nil
}
