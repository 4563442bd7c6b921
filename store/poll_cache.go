package store

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
)

// The poll cache keeps what Poll reads — token rows by hash, and the channel and last_updated of
// questions by tenant and uuid — so that a poll that finds both answers from memory; and, by
// tenant, what Settings and Experts read (0016's triggers).
//
// It never serves what a committed change made stale, whichever instance or process committed
// it: before a poll reads the cache it waits for a freshness check that STARTED AFTER the poll
// arrived (one check serves every poll that arrived before it started), and that check applies
// every change committed before it:
//
//   - SQLite: PRAGMA data_version on a dedicated connection moves whenever any other connection,
//     of this process or another, commits; when it moved, the check reads the rows the
//     0009 triggers appended to poll_changes since the last one it saw, and drops those entries
//     (everything, when rows are missing: pruned while it was not looking).
//   - PostgreSQL: the triggers (0009, changed by 0013) append to poll_changes, stamped with
//     their transaction's id; a check takes a snapshot and reads the rows of every transaction
//     that snapshot sees committed and the previous check's did not (see pgWatch below). A
//     check that fails empties and disables the cache until one succeeds.
//
// A fill (a miss read from the database) is stored only if no invalidation happened since just
// before its read (the generation did not move), so a read that raced with a change is never
// kept. Token expiry is time-based and checked by the caller on every poll (the expiry is part
// of the cached row). Each map holds at most pollCacheCap entries; a full map drops an arbitrary
// entry per insert.
const pollCacheCap = 50_000

type pollQuestionKey struct{ tenant, id uuid.UUID }

type pollQuestion struct {
	channel     string
	lastUpdated time.Time
}

type pollCache struct {
	mu        sync.RWMutex
	enabled   bool
	gen       uint64
	tokens    map[string]AccessToken
	questions map[pollQuestionKey]pollQuestion
	tenants   map[uuid.UUID]*tenantRows
	// withTenants: 0016's triggers exist, so tenant rows may be cached.
	withTenants bool

	// fresh waits for a freshness check that started after the call (see above); false: the
	// cache cannot be trusted now (the caller reads the database).
	fresh func(ctx context.Context) bool
	stop  func()
	pg    *pgWatch // PostgreSQL's watcher (nil on SQLite)

	hits, misses atomic.Int64
}

func newPollCache() *pollCache {
	return &pollCache{tokens: map[string]AccessToken{}, questions: map[pollQuestionKey]pollQuestion{}, tenants: map[uuid.UUID]*tenantRows{}}
}

func (c *pollCache) get(hash []byte, id uuid.UUID) (Poll, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.enabled {
		return Poll{}, false
	}
	t, ok := c.tokens[string(hash)]
	if !ok {
		return Poll{}, false
	}
	q, ok := c.questions[pollQuestionKey{t.TenantID, id}]
	if !ok {
		return Poll{}, false
	}
	t.Hash = hash
	return Poll{Token: t, QuestionFound: true, Channel: q.channel, LastUpdated: q.lastUpdated}, true
}

// generation is the invalidation count before a fill's read; ok is false when disabled.
func (c *pollCache) generation() (gen uint64, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen, c.enabled
}

// put stores what a read found, unless anything was invalidated since generation gen.
func (c *pollCache) put(gen uint64, id uuid.UUID, p Poll) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled || c.gen != gen {
		return
	}
	key := string(p.Token.Hash)
	if _, ok := c.tokens[key]; !ok {
		evictOne(c.tokens)
	}
	t := p.Token
	t.Hash = nil
	c.tokens[key] = t
	if p.QuestionFound {
		qk := pollQuestionKey{t.TenantID, id}
		if _, ok := c.questions[qk]; !ok {
			evictOne(c.questions)
		}
		c.questions[qk] = pollQuestion{channel: p.Channel, lastUpdated: p.LastUpdated}
	}
}

// token returns the cached token row with this hash.
func (c *pollCache) token(hash []byte) (AccessToken, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if !c.enabled {
		return AccessToken{}, false
	}
	t, ok := c.tokens[string(hash)]
	t.Hash = hash
	return t, ok
}

// putToken stores a token row read from the database, unless anything was invalidated since
// generation gen.
func (c *pollCache) putToken(gen uint64, t AccessToken) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled || c.gen != gen {
		return
	}
	key := string(t.Hash)
	if _, ok := c.tokens[key]; !ok {
		evictOne(c.tokens)
	}
	t.Hash = nil
	c.tokens[key] = t
}

// tenantRows is what the cache keeps of one tenant: its settings document (nil: none stored)
// and its experts, each once read.
type tenantRows struct {
	settings                []byte
	experts                 []Expert
	hasSettings, hasExperts bool
}

// tenantRead returns what get finds in the tenant's cached rows.
func tenantRead[T any](c *pollCache, tenant uuid.UUID, get func(*tenantRows) (T, bool)) (T, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	var zero T
	if !c.enabled || !c.withTenants {
		return zero, false
	}
	rows, ok := c.tenants[tenant]
	if !ok {
		return zero, false
	}
	return get(rows)
}

// putTenant stores, with set, what a read of the tenant's rows found, unless anything was
// invalidated since generation gen.
func (c *pollCache) putTenant(gen uint64, tenant uuid.UUID, set func(*tenantRows)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.enabled || !c.withTenants || c.gen != gen {
		return
	}
	rows, ok := c.tenants[tenant]
	if !ok {
		evictOne(c.tenants)
		rows = &tenantRows{}
		c.tenants[tenant] = rows
	}
	set(rows)
}

func evictOne[K comparable, V any](m map[K]V) {
	if len(m) < pollCacheCap {
		return
	}
	for k := range m { // map iteration starts at a random entry
		delete(m, k)
		return
	}
}

// pollChange is one invalidation: a question (tenant, id), a tenant's rows (settings,
// experts), or a token (hash).
type pollChange struct {
	question *pollQuestionKey
	tenant   *uuid.UUID
	token    string
}

func (c *pollCache) invalidate(changes []pollChange) {
	if len(changes) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for _, ch := range changes {
		switch {
		case ch.question != nil:
			delete(c.questions, *ch.question)
		case ch.tenant != nil:
			delete(c.tenants, *ch.tenant)
		default:
			delete(c.tokens, ch.token)
		}
	}
}

// reset empties the cache and enables or disables it.
func (c *pollCache) reset(enabled bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.enabled = enabled
	clear(c.tokens)
	clear(c.questions)
	clear(c.tenants)
}

// ---------------------------------------------------------------------------
// Store side.

// pollCacheHolder is the Store's poll cache, started on the first Poll (the 0009 triggers must
// exist: a database not migrated that far gets no cache).
type pollCacheHolder struct {
	once sync.Once
	c    atomic.Pointer[pollCache]
}

// Poll returns what pollDB would, from the poll cache when it can (see pollCacheCap).
//
// It is throughCache written out: the poll path's hit is ~80 ns that way, ~100 ns through the
// helper's function values (BenchmarkPoll).
func (s *Store) Poll(ctx context.Context, tokenHash []byte, questionUUID uuid.UUID) (Poll, error) {
	c := s.pollCacheStarted(ctx)
	if c == nil || !c.fresh(ctx) {
		return s.pollDB(ctx, tokenHash, questionUUID)
	}
	if p, ok := c.get(tokenHash, questionUUID); ok {
		c.hits.Add(1)
		return p, nil
	}
	c.misses.Add(1)
	gen, ok := c.generation()
	p, err := s.pollDB(ctx, tokenHash, questionUUID)
	if err == nil && ok {
		c.put(gen, questionUUID, p)
	}
	return p, err
}

// AccessTokenByHash returns the token with this hash (revoked and expired ones included), or
// ErrNotFound: from the poll cache when it can (every authenticated request reads its token;
// a revocation or deletion on any instance invalidates the entry, as for Poll).
func (s *Store) AccessTokenByHash(ctx context.Context, hash []byte) (AccessToken, error) {
	return throughCache(ctx, s, nil,
		func(c *pollCache) (AccessToken, bool) { return c.token(hash) },
		func(c *pollCache, gen uint64, t AccessToken) { c.putToken(gen, t) },
		func() (AccessToken, error) { return s.accessTokenByHashDB(ctx, hash) })
}

// Settings returns the tenant's company settings document (JSON, verbatim as last stored), or
// nil, nil when none was ever stored: from the poll cache when it can (nearly every Messaging and
// Help Desk request reads it; a change on any instance, or by hand, invalidates the entry, as
// for Poll). Defaults are the caller's business: the store does not interpret the document. The
// caller must not modify it.
func (s *Store) Settings(ctx context.Context, tenantID uuid.UUID) ([]byte, error) {
	return throughTenantCache(ctx, s, tenantID,
		func(r *tenantRows) ([]byte, bool) { return r.settings, r.hasSettings },
		func(r *tenantRows, doc []byte) { r.settings, r.hasSettings = doc, true },
		func() ([]byte, error) { return settingsDoc(ctx, s.reads(), "company_settings", tenantID) })
}

// Experts returns the tenant's experts in creation order: from the poll cache when it can (every
// ask ranks them; a change on any instance, or by hand, invalidates the entry, as for Poll). The
// slice is the caller's; the experts' lists are shared and must not be modified.
func (s *Store) Experts(ctx context.Context, tenantID uuid.UUID) ([]Expert, error) {
	es, err := throughTenantCache(ctx, s, tenantID,
		func(r *tenantRows) ([]Expert, bool) { return r.experts, r.hasExperts },
		func(r *tenantRows, es []Expert) { r.experts, r.hasExperts = es, true },
		func() ([]Expert, error) { return listExperts(ctx, s.reads(), tenantID) })
	return slices.Clone(es), err
}

// throughTenantCache is throughCache for what the cache keeps of a tenant (tenantRows), which
// it keeps only where 0016's triggers exist.
func throughTenantCache[T any](ctx context.Context, s *Store, tenantID uuid.UUID,
	get func(*tenantRows) (T, bool), put func(*tenantRows, T), read func() (T, error)) (T, error) {
	return throughCache(ctx, s, func(c *pollCache) bool { return c.withTenants },
		func(c *pollCache) (T, bool) { return tenantRead(c, tenantID, get) },
		func(c *pollCache, gen uint64, v T) { c.putTenant(gen, tenantID, func(r *tenantRows) { put(r, v) }) },
		read)
}

// throughCache answers a read from the poll cache when it can (get, once a freshness check that
// started after the call has run), else reads the database (read) and keeps what it found (put)
// unless a change came meanwhile (generation). usable, when set, says whether this cache may
// keep what is read at all.
func throughCache[T any](ctx context.Context, s *Store, usable func(*pollCache) bool,
	get func(*pollCache) (T, bool), put func(c *pollCache, gen uint64, v T), read func() (T, error)) (T, error) {
	c := s.pollCacheStarted(ctx)
	if c == nil || usable != nil && !usable(c) || !c.fresh(ctx) {
		return read()
	}
	if v, ok := get(c); ok {
		c.hits.Add(1)
		return v, nil
	}
	c.misses.Add(1)
	gen, ok := c.generation()
	v, err := read()
	if err == nil && ok {
		put(c, gen, v)
	}
	return v, err
}

func (s *Store) pollCacheStarted(ctx context.Context) *pollCache {
	h := &s.pollCache
	h.once.Do(func() {
		if s.sqlitePath == "" && !s.isPG() {
			return // :memory: has one connection and one process: nothing to watch with
		}
		if ok, err := s.pollTriggersPresent(ctx); err != nil || !ok {
			// Without its triggers (a database not migrated to 0009, or a later migration
			// that rebuilt a table and lost them) the cache could not know of changes.
			slog.Default().Warn("store: poll cache off: the poll triggers (migration 0009) are missing", "error", err)
			return
		}
		c := newPollCache()
		// Without 0016's triggers (a database migrated by an earlier version, not yet by this
		// one) settings and experts are read from the database every time.
		c.withTenants, _ = s.triggersPresent(ctx, pollTenantTriggers[s.dialect]...)
		if s.isPG() {
			w := newPGWatch(s, c)
			c.fresh, c.stop, c.pg = w.fresh, w.close, w
		} else {
			w := &sqliteWatch{s: s, c: c}
			c.fresh, c.stop = w.fresh, w.close
		}
		h.c.Store(c)
	})
	return h.c.Load()
}

// pollTriggersPresent reports whether every trigger of migration 0009 exists.
func (s *Store) pollTriggersPresent(ctx context.Context) (bool, error) {
	if s.isPG() {
		return s.triggersPresent(ctx, "poll_questions_update", "poll_questions_delete", "poll_tokens_change")
	}
	return s.triggersPresent(ctx, "poll_questions_update", "poll_questions_delete", "poll_tokens_update", "poll_tokens_delete")
}

// triggersPresent reports whether every trigger named exists.
func (s *Store) triggersPresent(ctx context.Context, names ...string) (bool, error) {
	marks := make([]string, len(names))
	args := make([]any, len(names))
	for i, n := range names {
		marks[i], args[i] = "?", n
		if s.isPG() {
			marks[i] = "$" + strconv.Itoa(i+1)
		}
	}
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (` + strings.Join(marks, ", ") + `)`
	if s.isPG() {
		q = `SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname IN (` + strings.Join(marks, ", ") + `)`
	}
	var n int
	if err := s.db.DB.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return false, err
	}
	return n == len(names), nil
}

// sharedCheck is the context a freshness check runs under: the context of the call that starts
// it, less its cancellation. A check serves every call waiting behind it, so the one that
// happened to start it hanging up (a client gone, a deadline) must not fail it: a failed check
// empties and disables the cache for all, and on PostgreSQL drops the watcher's connection. The
// check is still bounded: by the driver's socket timeouts on PostgreSQL (pgdriver's defaults:
// 10 s to read, 5 s to write), by busy_timeout on SQLite. And with no cancellation to watch,
// database/sql starts no goroutine to watch one for each check's rows.
func sharedCheck(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

func (s *Store) closePollCache() {
	h := &s.pollCache
	h.once.Do(func() {}) // no cache from now on
	if c := h.c.Load(); c != nil {
		c.stop()
	}
}

// ---------------------------------------------------------------------------
// SQLite: PRAGMA data_version and poll_changes.

type sqliteWatch struct {
	s *Store
	c *pollCache

	started atomic.Uint64 // checks begun

	// shm maps the file's wal-index; base is its header as read just before the last
	// successful check began (nil: none valid). While the header still equals base, no commit
	// happened since that check, and the cache is fresh without asking SQLite anything.
	shm  atomic.Pointer[shmMap]
	base atomic.Pointer[walHeader]

	mu      sync.Mutex
	closed  bool
	mapped  bool      // mapping the wal-index was tried
	db      *sql.DB   // a pool of one on the same file
	conn    *sql.Conn // the pinned connection whose data_version is watched
	stmt    *sql.Stmt
	covered uint64 // the start number of the last successful check
	synced  bool   // version and lastSeq are valid; the cache is enabled
	version int64
	lastSeq int64
}

func (w *sqliteWatch) fresh(ctx context.Context) bool {
	if m := w.shm.Load(); m != nil {
		if b := w.base.Load(); b != nil && m.header() == *b {
			return true
		}
	}
	if ctx.Err() != nil {
		return false // the caller is gone: run no check for it, and change nothing
	}
	arrival := w.started.Load()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	if w.synced && w.covered > arrival {
		return true // a check that started after this call arrived has completed
	}
	n := beginCheck(&w.started)
	ctx = sharedCheck(ctx)
	var hdr *walHeader
	if m := w.shm.Load(); m != nil {
		h := m.header()
		hdr = &h
	}
	if err := w.check(ctx); err != nil {
		slog.Default().Warn("store: poll cache: data_version check failed; the cache is off until it works again", "error", err)
		w.base.Store(nil)
		w.synced = false
		w.c.reset(false)
		return false
	}
	w.base.Store(hdr)
	w.covered = n
	return true
}

// beginCheck (under the watcher's mu) numbers a new freshness check. It first yields the
// processor once, so that the goroutines already runnable (requests just read, on their way to
// a poll) arrive before the check starts and are served by it instead of by the next one.
// Alone, the yield returns at once. Under the poll load (PostgreSQL, 64 clients) each check
// then served ~12 polls instead of ~7: a third fewer checks, the poll path's one round trip.
func beginCheck(started *atomic.Uint64) uint64 {
	runtime.Gosched()
	return started.Add(1)
}

func (w *sqliteWatch) check(ctx context.Context) error {
	if w.conn == nil {
		if err := w.openConn(ctx); err != nil {
			return err
		}
	}
	var v int64
	if err := w.stmt.QueryRowContext(ctx).Scan(&v); err != nil {
		return err
	}
	if !w.mapped {
		// The dedicated connection, open for as long as the Store, keeps the wal-index from
		// being re-created under the mapping (only the first connection to a file does that).
		w.mapped = true
		if m, err := mapWALIndex(w.s.sqlitePath); err == nil {
			w.shm.Store(m)
		} else {
			slog.Default().Info("store: poll cache: checking data_version on every poll", "reason", err)
		}
	}
	if w.synced && v == w.version {
		return nil
	}
	if !w.synced {
		// Start from nothing: the last change number first, then an empty cache whose fills
		// all read after it.
		var last sql.NullInt64
		if err := w.s.db.DB.QueryRowContext(ctx, `SELECT max(seq) FROM poll_changes`).Scan(&last); err != nil {
			return err
		}
		w.lastSeq = last.Int64
		w.c.reset(true)
	} else if err := w.catchUp(ctx); err != nil {
		return err
	}
	w.version, w.synced = v, true
	return nil
}

// catchUp applies the changes committed since lastSeq.
func (w *sqliteWatch) catchUp(ctx context.Context) error {
	rows, err := w.s.db.DB.QueryContext(ctx,
		`SELECT seq, tenant_id, question_uuid, token_hash FROM poll_changes WHERE seq > ? ORDER BY seq`, w.lastSeq)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		changes []pollChange
		first   = true
		gap     bool
		last    = w.lastSeq
	)
	for rows.Next() {
		var (
			seq        int64
			tenant, id sql.NullString
			hash       []byte
		)
		if err := rows.Scan(&seq, &tenant, &id, &hash); err != nil {
			return err
		}
		if first && seq != w.lastSeq+1 {
			gap = true // rows pruned before this reader saw them
		}
		first, last = false, seq
		if gap {
			continue
		}
		ch, ok := pollChangeOf(tenant, id, hash)
		gap = !ok // unreadable: drop everything
		changes = append(changes, ch)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	w.c.apply(changes, gap)
	w.lastSeq = last
	return nil
}

// pollChangeOf reads a poll_changes row: a question's (tenant and uuid), a tenant's rows
// (tenant alone: 0016) or a token's (hash). false: unreadable.
func pollChangeOf(tenant, id sql.NullString, hash []byte) (pollChange, bool) {
	if !tenant.Valid {
		return pollChange{token: string(hash)}, true
	}
	if !id.Valid {
		t, err := uuid.Parse(tenant.String)
		return pollChange{tenant: &t}, err == nil
	}
	t, err1 := uuid.Parse(tenant.String)
	q, err2 := uuid.Parse(id.String)
	if err1 != nil || err2 != nil {
		return pollChange{}, false
	}
	return pollChange{question: &pollQuestionKey{t, q}}, true
}

// apply drops the entries changes name, or everything after a gap (changes it cannot know).
func (c *pollCache) apply(changes []pollChange, gap bool) {
	if gap {
		c.reset(true)
	} else {
		c.invalidate(changes)
	}
}

func (w *sqliteWatch) openConn(ctx context.Context) error {
	db, err := sql.Open("sqlite", w.s.sqlitePath+"?_busy_timeout=5000")
	if err != nil {
		return err
	}
	db.SetMaxOpenConns(1)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return err
	}
	stmt, err := conn.PrepareContext(ctx, "PRAGMA data_version")
	if err != nil {
		conn.Close()
		db.Close()
		return err
	}
	w.db, w.conn, w.stmt = db, conn, stmt
	return nil
}

// close stops the cache. The wal-index mapping is left in place (a page of address space): a
// poll still reading it must not fault.
func (w *sqliteWatch) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	w.synced = false
	w.base.Store(nil)
	w.shm.Store(nil)
	w.c.reset(false)
	if w.conn != nil {
		w.stmt.Close()
		w.conn.Close()
		w.db.Close()
		w.db, w.conn, w.stmt = nil, nil, nil
	}
}

// ---------------------------------------------------------------------------
// PostgreSQL: poll_changes read through snapshots (migration 0013).
//
// The triggers append to poll_changes, each row stamped with its transaction's id (xid8). A
// check is one statement: its snapshot, and the rows of every transaction that snapshot sees
// committed and the previous check's snapshot did not (xid ≥ the previous xmin, not visible in
// the previous snapshot). Transactions commit in any order, so rows are matched by visibility,
// never by sequence. Nothing is notified: a pg_notify in the writer's transaction takes a
// database-wide lock held until its commit is flushed, which serialised every write that
// changed a question (measured: add message 35-70% faster on PostgreSQL without it).
//
// Old rows are pruned (pollPruneEvery) below a horizon recorded in poll_prune: the xmin of a
// snapshot this instance took one pruning round earlier, below which every transaction had
// ended, so no row of an open transaction is ever below it. A check whose previous snapshot's
// xmin is below the horizon (an instance that did not check for a whole round) may have lost
// rows to the pruning: it empties its cache instead of trusting it.

// pollPruneEvery is how often an instance prunes poll_changes.
var pollPruneEvery = 30 * time.Second

type pgWatch struct {
	s *Store
	c *pollCache

	db   *sql.DB   // of one connection, opened at the first check (connect)
	conn *sql.Conn // the check's connection, and its prepared check (under mu)
	stmt *sql.Stmt

	started atomic.Uint64 // checks begun
	pruning atomic.Bool

	mu        sync.Mutex
	closed    bool
	covered   uint64 // the start number of the last successful check
	synced    bool   // snap is valid; the cache is enabled
	snap      string // the last check's snapshot (pg_snapshot text)
	pruneAt   string // a snapshot of the previous pruning round: the next horizon is its xmin
	lastPrune time.Time
}

func newPGWatch(s *Store, c *pollCache) *pgWatch { return &pgWatch{s: s, c: c} }

func (w *pgWatch) fresh(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false // the caller is gone: run no check for it, and change nothing
	}
	arrival := w.started.Load()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	if w.synced && w.covered > arrival {
		return true // a check that started after this call arrived has completed
	}
	n := beginCheck(&w.started)
	ctx = sharedCheck(ctx)
	if err := w.check(ctx); err != nil {
		slog.Default().Warn("store: poll cache: poll_changes check failed; the cache is off until it works again", "error", err)
		w.synced = false
		w.c.reset(false)
		return false
	}
	w.covered = n
	w.prune()
	return true
}

const (
	pgPollSnapshot = `SELECT pg_current_snapshot()::text`
	pgPollChanges  = `SELECT pg_current_snapshot()::text, p.horizon::text, c.tenant_id::text, c.question_uuid::text, c.token_hash
		FROM poll_prune AS p
		LEFT JOIN poll_changes AS c ON c.xid >= pg_snapshot_xmin($1::text::pg_snapshot)
			AND NOT pg_visible_in_snapshot(c.xid, $1::text::pg_snapshot)
		WHERE p.id = 1`
)

func (w *pgWatch) check(ctx context.Context) error {
	if err := w.connect(ctx); err != nil {
		return err
	}
	if !w.synced {
		// Start from nothing: a snapshot first, then an empty cache whose fills all read after it.
		if err := w.conn.QueryRowContext(ctx, pgPollSnapshot).Scan(&w.snap); err != nil {
			w.disconnect()
			return err
		}
		w.c.reset(true)
		w.synced = true
		return nil
	}
	rows, err := w.stmt.QueryContext(ctx, w.snap)
	if err != nil {
		w.disconnect()
		return err
	}
	defer rows.Close()
	var (
		changes []pollChange
		snap    string
		gap     bool
		found   bool
	)
	for rows.Next() {
		var (
			horizon    string
			tenant, id sql.NullString
			hash       []byte
		)
		if err := rows.Scan(&snap, &horizon, &tenant, &id, &hash); err != nil {
			return err
		}
		if !found {
			found = true
			h, err1 := strconv.ParseUint(horizon, 10, 64)
			xmin, err2 := snapshotXmin(w.snap)
			gap = err1 != nil || err2 != nil || h > xmin // rows this check needs may be pruned
		}
		if gap || !tenant.Valid && hash == nil { // the LEFT JOIN's row without a change
			continue
		}
		ch, ok := pollChangeOf(tenant, id, hash)
		gap = !ok // unreadable: drop everything
		changes = append(changes, ch)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if !found {
		return errors.New("poll_prune has no row (migration 0013)")
	}
	w.c.apply(changes, gap)
	w.snap = snap
	return nil
}

// connect (under mu) opens the watcher's own connection and prepares the check on it, unless
// it is open.
//
// The check runs on a connection of its own, prepared (it is the poll path's one statement,
// thousands a second under load; planning it each time cost a tenth of the poll's throughput),
// with its generic plan forced and sequential scans off. Left to itself, a prepared statement
// switches to a generic plan chosen on the statistics of the moment: prepared at start, with
// poll_changes empty, that plan was a sequential scan, kept after the table had grown to the
// tens of thousands of rows a write load leaves between prunings (1 ms per check, measured in
// the statement log); and once statistics say the table is large, it plans every call again.
// With sequential scans off, the one plan is the xid index's range, whatever the statistics.
// The connection is not the pool's: checks run one at a time, and the pool keeps all its
// connections.
func (w *pgWatch) connect(ctx context.Context) error {
	if w.conn != nil {
		return nil
	}
	if w.db == nil {
		w.db = sql.OpenDB(w.s.pgConnector.Connector)
		w.db.SetMaxOpenConns(1)
		w.db.SetMaxIdleConns(1)
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan"); err != nil {
		conn.Close()
		return err
	}
	stmt, err := conn.PrepareContext(ctx, pgPollChanges)
	if err != nil {
		conn.Close()
		return err
	}
	w.conn, w.stmt = conn, stmt
	return nil
}

// disconnect (under mu) drops the watcher's connection after an error: the next check opens
// another.
func (w *pgWatch) disconnect() {
	if w.conn != nil {
		w.stmt.Close()
		w.conn.Close()
		w.conn, w.stmt = nil, nil
	}
}

// snapshotXmin is the xmin of a pg_snapshot in its text form "xmin:xmax:xip,…".
func snapshotXmin(snap string) (uint64, error) {
	x, _, _ := strings.Cut(snap, ":")
	return strconv.ParseUint(x, 10, 64)
}

// prune (under mu) starts a pruning round when one is due: rows below the xmin of the
// snapshot kept from the previous round are deleted, and that horizon recorded.
func (w *pgWatch) prune() {
	if time.Since(w.lastPrune) < pollPruneEvery || w.pruning.Load() {
		return
	}
	horizonOf := w.pruneAt
	w.pruneAt, w.lastPrune = w.snap, time.Now()
	if horizonOf == "" {
		return
	}
	w.pruning.Store(true)
	go func() {
		defer w.pruning.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := prunePollChanges(ctx, w.s.db.DB, horizonOf); err != nil {
			slog.Default().Warn("store: poll cache: pruning poll_changes failed", "error", err)
		}
	}()
}

// prunePollChanges deletes the poll_changes rows below the xmin of snapshot snap and records
// that horizon (never lowering it).
func prunePollChanges(ctx context.Context, db *sql.DB, snap string) error {
	const q = `WITH h AS (
			UPDATE poll_prune SET horizon = pg_snapshot_xmin($1::text::pg_snapshot)
			WHERE id = 1 AND horizon < pg_snapshot_xmin($1::text::pg_snapshot) RETURNING horizon)
		DELETE FROM poll_changes WHERE xid < (SELECT horizon FROM h)`
	_, err := db.ExecContext(ctx, q, snap)
	return err
}

func (w *pgWatch) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed = true
	w.synced = false
	w.c.reset(false)
	w.disconnect()
	if w.db != nil {
		w.db.Close()
	}
}

// PollCacheStats reports the poll cache's hits and misses (zero without a cache).
func (s *Store) PollCacheStats() (hits, misses int64) {
	if c := s.pollCache.c.Load(); c != nil {
		return c.hits.Load(), c.misses.Load()
	}
	return 0, 0
}

// PollCacheEnabled reports whether Poll can use its cache now, after one freshness check.
func (s *Store) PollCacheEnabled(ctx context.Context) bool {
	c := s.pollCacheStarted(ctx)
	if c == nil {
		return false
	}
	_ = c.fresh(ctx)
	_, ok := c.generation()
	return ok
}
