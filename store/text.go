package store

import (
	"context"
	"errors"
	"fmt"
	"io"
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
	Size        int64 // bytes of content
	ContentType string
	Description string
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

// TrainingFileChunk is how many bytes of a training file's content one row holds: a file is
// written and read a chunk at a time, never held whole in memory.
const TrainingFileChunk = 256 << 10

// ErrQuotaExceeded: the tenant's stored files would exceed its quota.
var ErrQuotaExceeded = errors.New("storage quota exceeded")

// InsertTrainingFile stores f for f.TenantID, its content read from content, which must hold
// exactly f.Size bytes, in chunks of TrainingFileChunk, in one transaction. With quota > 0 it
// refuses (ErrQuotaExceeded, nothing stored) when the tenant's training files would then hold
// more than quota bytes; uploads of one tenant are serialised for that check. Defaults: UUID
// (new random), CreatedAt now; f is updated with what was stored. ErrConflict on a duplicate
// UUID; ErrNotFound if the tenant does not exist.
func (s *Store) InsertTrainingFile(ctx context.Context, f *TrainingFile, content io.Reader, quota int64) error {
	fillNew(&f.UUID, &f.CreatedAt, nil)
	return s.InTenantTx(ctx, f.TenantID, func(tx *TenantTx) error {
		if quota > 0 {
			if tx.dialect == DialectPostgres {
				// NO KEY UPDATE: other uploads of the tenant wait; foreign-key checks (KEY SHARE) do not.
				if _, err := tx.tx.NewRaw("SELECT id FROM tenants WHERE id = ? FOR NO KEY UPDATE", f.TenantID).Exec(ctx); err != nil {
					return fmt.Errorf("store: insert training file: lock tenant: %w", err)
				}
			}
			used, err := trainingFilesSize(ctx, tx.tx, f.TenantID)
			if err != nil {
				return err
			}
			if used+f.Size > quota {
				return fmt.Errorf("store: insert training file: %w: %d of %d bytes used, %d more", ErrQuotaExceeded, used, quota, f.Size)
			}
		}
		row := &trainingFileRow{
			TenantID: f.TenantID, UUID: f.UUID, Filename: f.Filename, Size: f.Size, ContentType: f.ContentType,
			Description: f.Description, Data: []byte{}, CreatedAt: f.CreatedAt,
		}
		if _, err := tx.tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return mapWriteErr("insert training file", err)
		}
		buf := make([]byte, TrainingFileChunk)
		var n int64
		for seq := 0; ; seq++ {
			m, err := io.ReadFull(content, buf)
			if m > 0 {
				n += int64(m)
				if _, err := tx.tx.NewInsert().Model(&trainingFileChunkRow{TenantID: f.TenantID, FileUUID: f.UUID, Seq: seq, Data: buf[:m]}).Exec(ctx); err != nil {
					return mapWriteErr("insert training file chunk", err)
				}
			}
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				break
			}
			if err != nil {
				return fmt.Errorf("store: insert training file: reading content: %w", err)
			}
		}
		if n != f.Size {
			return fmt.Errorf("store: insert training file: content holds %d bytes, Size says %d", n, f.Size)
		}
		return nil
	})
}

type trainingFileChunkRow struct {
	bun.BaseModel `bun:"table:training_file_chunks,alias:tfc"`

	TenantID uuid.UUID `bun:"tenant_id,pk"`
	FileUUID uuid.UUID `bun:"file_uuid,pk"`
	Seq      int       `bun:"seq,pk"`
	Data     []byte    `bun:"data"`
}

// TrainingFilesSize is how many bytes the tenant's training files hold.
func (s *Store) TrainingFilesSize(ctx context.Context, tenantID uuid.UUID) (int64, error) {
	return trainingFilesSize(ctx, s.db, tenantID)
}

func trainingFilesSize(ctx context.Context, db bun.IDB, tenantID uuid.UUID) (int64, error) {
	var n int64
	if err := db.NewRaw("SELECT COALESCE(SUM(size), 0) FROM training_files WHERE tenant_id = ?", tenantID).Scan(ctx, &n); err != nil {
		return 0, fmt.Errorf("store: training files size: %w", err)
	}
	return n, nil
}

// TrainingFileContent writes the content of the tenant's training file to w, a chunk at a time
// (a file stored before chunks existed, from its data column). ErrNotFound if absent.
func (s *Store) TrainingFileContent(ctx context.Context, tenantID, id uuid.UUID, w io.Writer) error {
	var legacy []byte
	err := s.db.NewRaw("SELECT data FROM training_files WHERE tenant_id = ? AND uuid = ?", tenantID, id).Scan(ctx, &legacy)
	if err != nil {
		return mapReadErr("training file content", err)
	}
	if len(legacy) > 0 {
		_, err := w.Write(legacy)
		return err
	}
	rows, err := s.db.QueryContext(ctx, "SELECT data FROM training_file_chunks WHERE tenant_id = ? AND file_uuid = ? ORDER BY seq", tenantID, id)
	if err != nil {
		return fmt.Errorf("store: training file content: %w", err)
	}
	defer rows.Close()
	var chunk []byte
	for rows.Next() {
		if err := rows.Scan(&chunk); err != nil {
			return fmt.Errorf("store: training file content: %w", err)
		}
		if _, err := w.Write(chunk); err != nil {
			return err
		}
	}
	return rows.Err()
}

// TrainingFile returns the tenant's training file (without its content), or ErrNotFound.
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
