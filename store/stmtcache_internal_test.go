package store

import (
	"context"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestLiftLiterals(t *testing.T) {
	for _, c := range []struct {
		in    string
		shape string
		args  []any
		ok    bool
	}{
		{`SELECT "q"."id" FROM "questions" AS "q" WHERE (q.tenant_id = 'a') AND (q.number > 5) LIMIT 20`,
			`SELECT "q"."id" FROM "questions" AS "q" WHERE (q.tenant_id = ?) AND (q.number > ?) LIMIT ?`, []any{"a", int64(5), int64(20)}, true},
		{`INSERT INTO "t" ("a", "b", "c", "d") VALUES ('it''s', -1.5e3, X'00ff', NULL)`,
			`INSERT INTO "t" ("a", "b", "c", "d") VALUES (?, -?, ?, NULL)`, []any{"it's", 1.5e3, []byte{0, 0xff}}, true},
		{`UPDATE "q2" SET "n" = n + 1, "s" = '' WHERE t1.x2 = 'b'`, `UPDATE "q2" SET "n" = n + ?, "s" = ? WHERE t1.x2 = ?`, []any{int64(1), "", "b"}, true},
		// A partial index's column compared with a literal keeps it (channel = 'helpdesk').
		{`SELECT 1 FROM "questions" AS "q" WHERE (q.channel = 'helpdesk') AND (q.help_desk_id = '7')`,
			`SELECT ? FROM "questions" AS "q" WHERE (q.channel = 'helpdesk') AND (q.help_desk_id = ?)`, []any{int64(1), "7"}, true},
		{`SELECT a FROM m WHERE "m"."author_type" = 'SYSTEM' ORDER BY 1`, `SELECT a FROM m WHERE "m"."author_type" = 'SYSTEM' ORDER BY 1`, nil, true},
		{`SELECT a FROM t WHERE x = 99999999999999999999`, `SELECT a FROM t WHERE x = 99999999999999999999`, nil, true},
		{`SAVEPOINT member`, `SAVEPOINT member`, nil, true},
		{`SELECT a FROM t WHERE b = ?`, "", nil, false},
		{`SELECT a FROM t; DELETE FROM t`, "", nil, false},
		{`CREATE TABLE t (a INT DEFAULT 0)`, "", nil, false},
		{`PRAGMA data_version`, "", nil, false},
		{`SELECT 'unterminated`, "", nil, false},
	} {
		shape, args, ok := liftLiterals(c.in, false)
		if ok != c.ok || ok && (shape != c.shape || !reflect.DeepEqual(args, c.args)) {
			t.Errorf("liftLiterals(%s)\n = %s %#v %v\nwant %s %#v %v", c.in, shape, args, ok, c.shape, c.args, c.ok)
		}
	}
	// PostgreSQL: $n placeholders, casts kept, numbers with a fraction kept.
	shape, args, ok := liftLiterals(`SELECT x::text FROM t WHERE a = 'b' AND n * 1.5 > 2 AND c = '\x00'::bytea`, true)
	if want := `SELECT x::text FROM t WHERE a = $1 AND n * 1.5 > $2 AND c = $3::bytea`; !ok || shape != want ||
		!reflect.DeepEqual(args, []any{"b", int64(2), `\x00`}) {
		t.Errorf("PostgreSQL: %s %#v %v, want %s", shape, args, ok, want)
	}
}

// TestLiftedValuesAreTheLiterals: a lifted value is bound as exactly what SQLite makes of the
// literal bun writes (type and value), so rows are stored the same either way.
func TestLiftedValuesAreTheLiterals(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "l.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Date(2026, 12, 7, 4, 3, 51, 938149000, time.UTC)
	var lits []string
	for _, v := range []any{"it's", "", "ünïcode ✓", "line\nbreak", `{"a":[1,2]}`, 0, -7, int64(1) << 62, 1.25, 3e-7, true, false,
		now, uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), []byte{0, 1, 0xfe}, map[string]any{"k": "v"}} {
		lits = append(lits, string(s.db.QueryGen().AppendValue(nil, reflect.ValueOf(v))))
	}
	for _, lit := range lits {
		shape, args, ok := liftLiterals("SELECT "+lit, false)
		if !ok {
			t.Fatalf("SELECT %s not lifted", lit)
		}
		var want, got string
		if err := s.db.NewRaw("SELECT typeof("+lit+") || ':' || quote("+lit+")").Scan(ctx, &want); err != nil {
			t.Fatal(err)
		}
		expr := strings.TrimPrefix(shape, "SELECT ")
		if err := s.db.DB.QueryRowContext(ctx, "SELECT typeof("+expr+") || ':' || quote("+expr+")", append(args, args...)...).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("literal %s: bound as %s, written as %s", lit, got, want)
		}
	}
}

// TestPartialIndexColumns: every column that a partial index's WHERE compares with a literal is
// in partialIndexColumns, so statements keep such literals in their text and SQLite can still
// choose the index.
func TestPartialIndexColumns(t *testing.T) {
	ctx, s, _ := migratedSQLite(t, time.Minute)
	var defs []string
	if err := s.db.NewRaw("SELECT sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%WHERE%'").Scan(ctx, &defs); err != nil {
		t.Fatal(err)
	}
	if len(defs) == 0 {
		t.Fatal("no partial index found: the query is wrong")
	}
	compared := regexp.MustCompile(`(?i)(\w+)\s*(=|<>|!=|<=|>=|<|>|\bIN\b|\bLIKE\b)\s*\(?\s*('|[0-9])`)
	found := 0
	for _, def := range defs {
		where := def[strings.LastIndex(strings.ToUpper(def), "WHERE"):]
		for _, m := range compared.FindAllStringSubmatch(where, -1) {
			found++
			if !slices.Contains(partialIndexColumns, strings.ToLower(m[1])) {
				t.Errorf("partial index compares %s with a literal; add it to partialIndexColumns: %s", m[1], def)
			}
		}
	}
	if found == 0 {
		t.Fatal("no literal comparison found in any partial index: the pattern is wrong")
	}
}

// TestWritesRunPrepared: on SQLite a write transaction's statements of one shape are prepared
// once, not parsed again for each transaction.
func TestWritesRunPrepared(t *testing.T) {
	ctx, s, _ := migratedSQLite(t, time.Minute)
	tenant := newTestTenant(ctx, t, s)
	insertTestQuestion(ctx, t, s, tenant.ID, "x")
	s.stmts.mu.Lock()
	n := len(s.stmts.stmts)
	s.stmts.mu.Unlock()
	if n == 0 {
		t.Fatal("no statement prepared")
	}
	for i := range 20 {
		insertTestQuestion(ctx, t, s, tenant.ID, strings.Repeat("x", i+2))
	}
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if m := len(s.stmts.stmts); m != n {
		t.Errorf("20 more asks of the same shape prepared %d statements more", m-n)
	}
}
