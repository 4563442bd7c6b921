package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Test-only hooks for expert_response_totals (0012).

// ExpertStatsGroupBy is what ExpertStats computed before 0012: a GROUP BY over all the tenant's
// Expert-type responses joined with their questions. The reference the totals are checked
// against.
func (s *Store) ExpertStatsGroupBy(ctx context.Context, tenant uuid.UUID, category string) (map[uuid.UUID]ExpertStats, error) {
	var rows []struct {
		AuthorUUID uuid.UUID `bun:"author_uuid"`
		IsAccepted bool      `bun:"is_accepted"`
		Rating     string    `bun:"rating"`
		N          int       `bun:"n"`
	}
	q := s.db.NewSelect().Model((*responseRow)(nil)).
		ColumnExpr("r.author_uuid, r.is_accepted, r.rating, count(*) AS n").
		Join("JOIN questions AS q ON q.tenant_id = r.tenant_id AND q.uuid = r.question_uuid").
		Where("r.tenant_id = ?", tenant).
		Where("r.type = ?", responseTypeExpert).
		Where("r.author_uuid IS NOT NULL")
	if category != "" {
		q = q.Where("q.category = ?", category)
	}
	if err := q.GroupExpr("r.author_uuid, r.is_accepted, r.rating").Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("store: expert stats (group by): %w", err)
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

// MigrationsBefore is how many migrations precede the named one (for MigrateFirst).
func MigrationsBefore(name string) int {
	for i, m := range migrations {
		if m.name == name {
			return i
		}
	}
	panic("no migration " + name)
}

// QueryStrings runs a raw query (bun placeholders) returning one text column.
func (s *Store) QueryStrings(ctx context.Context, query string, args ...any) ([]string, error) {
	var out []string
	err := s.db.NewRaw(query, args...).Scan(ctx, &out)
	return out, err
}

// sqlCapture records the SQL the store runs while on.
type sqlCapture struct {
	on   bool
	seen []string
}

func (c *sqlCapture) BeforeQuery(ctx context.Context, e *bun.QueryEvent) context.Context {
	if c.on {
		c.seen = append(c.seen, e.Query)
	}
	return ctx
}

func (c *sqlCapture) AfterQuery(context.Context, *bun.QueryEvent) {}

// CaptureSQL returns the statements fn runs through the store (fn must not run queries
// concurrently with other goroutines of the test).
func (s *Store) CaptureSQL(fn func()) []string {
	c := &sqlCapture{on: true}
	s.db.AddQueryHook(c)
	fn()
	c.on = false
	return c.seen
}
