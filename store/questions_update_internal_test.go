package store

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// TestChangedQuestionColumns: every mutable column is compared, and a change to one field is
// that column alone.
func TestChangedQuestionColumns(t *testing.T) {
	base := questionRow{Subject: "s", Metadata: "{}", LastUpdated: time.Unix(100, 0)}
	rt := reflect.TypeOf(base)
	seen := map[string]bool{}
	for i := range rt.NumField() {
		col, _, _ := strings.Cut(rt.Field(i).Tag.Get("bun"), ",")
		if !slices.Contains(questionMutableColumns, col) {
			continue
		}
		seen[col] = true
		b := base
		f := reflect.ValueOf(&b).Elem().Field(i)
		switch v := f.Addr().Interface().(type) {
		case *string:
			*v += "x"
		case *bool:
			*v = !*v
		case *time.Time:
			*v = v.Add(time.Microsecond)
		case **time.Time:
			now := time.Unix(5, 0)
			*v = &now
		case **uuid.UUID:
			id := uuid.New()
			*v = &id
		default:
			t.Fatalf("column %s: field type %T not handled by the test", col, v)
		}
		if got := changedQuestionColumns(&base, &b); !slices.Equal(got, []string{col}) {
			t.Errorf("changing %s alone: changed columns %v", col, got)
		}
	}
	for _, col := range questionMutableColumns {
		if !seen[col] {
			t.Errorf("mutable column %s has no field", col)
		}
	}
	if got := changedQuestionColumns(&base, &base); len(got) != 0 {
		t.Errorf("no change: %v", got)
	}
	same := base
	same.LastUpdated = base.LastUpdated.In(time.FixedZone("x", 3600)) // the same instant
	if got := changedQuestionColumns(&base, &same); len(got) != 0 {
		t.Errorf("the same instant in another zone: %v", got)
	}
}

// TestUpdateQuestionWritesWhatChanged: after a read for update, an update that changes nothing
// sends no statement, and one that changes last_updated is seen as written.
func TestUpdateQuestionWritesWhatChanged(t *testing.T) {
	ctx, s, _ := migratedSQLite(t, time.Minute)
	tenant := newTestTenant(ctx, t, s)
	q := insertTestQuestion(ctx, t, s, tenant.ID, "t")
	later := q.LastUpdated.Add(time.Minute)
	err := s.InTenantTx(ctx, tenant.ID, func(tx *TenantTx) error {
		got, err := tx.QuestionByUUID(ctx, q.UUID, true)
		if err != nil {
			return err
		}
		before := s.Queries()
		if err := tx.UpdateQuestion(ctx, &got); err != nil {
			return err
		}
		if n := s.Queries() - before; n != 0 {
			t.Errorf("an update that changes nothing sent %d statements", n)
		}
		got.LastUpdated = later
		return tx.UpdateQuestion(ctx, &got)
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Question(ctx, tenant.ID, q.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.LastUpdated.Equal(later) || got.Subject != "s" || string(got.Metadata) != `{"k":"v"}` {
		t.Errorf("after the update: %+v", got)
	}
}
