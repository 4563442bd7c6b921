package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun/driver/pgdriver"
)

// The poll cache keeps what Poll reads — token rows by hash, and the channel and last_updated of
// questions by tenant and uuid — so that a poll that finds both answers from memory.
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
//   - PostgreSQL: the 0009 triggers pg_notify every change inside the writer's transaction; a
//     listener drops the entries as notifications arrive. The check sends a notification of its
//     own (a ping) and waits for the listener to receive it: PostgreSQL delivers notifications
//     in commit order, so every change committed before the ping was sent has been applied by
//     then. A ping that does not come back in time, or a listener that loses its connection,
//     empties and disables the cache until a new subscription is confirmed the same way.
//
// A fill (a miss read from the database) is stored only if no invalidation happened since just
// before its read (the generation did not move), so a read that raced with a change is never
// kept. Token expiry is time-based and checked by the caller on every poll (the expiry is part
// of the cached row). Each map holds at most pollCacheCap entries; a full map drops an arbitrary
// entry per insert.
const pollCacheCap = 50_000

// pollPingTimeout is how long a PostgreSQL freshness ping may take before the listener is
// considered broken.
const pollPingTimeout = 2 * time.Second

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

	// fresh waits for a freshness check that started after the call (see above); false: the
	// cache cannot be trusted now (the caller reads the database).
	fresh func(ctx context.Context) bool
	stop  func()

	hits, misses atomic.Int64
}

func newPollCache() *pollCache {
	return &pollCache{tokens: map[string]AccessToken{}, questions: map[pollQuestionKey]pollQuestion{}}
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

func evictOne[K comparable, V any](m map[K]V) {
	if len(m) < pollCacheCap {
		return
	}
	for k := range m { // map iteration starts at a random entry
		delete(m, k)
		return
	}
}

// pollChange is one invalidation: a question (tenant, id) or a token (hash).
type pollChange struct {
	question *pollQuestionKey
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
		if ch.question != nil {
			delete(c.questions, *ch.question)
		} else {
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
	c := s.pollCacheStarted(ctx)
	if c == nil || !c.fresh(ctx) {
		return s.accessTokenByHashDB(ctx, hash)
	}
	if t, ok := c.token(hash); ok {
		c.hits.Add(1)
		return t, nil
	}
	c.misses.Add(1)
	gen, ok := c.generation()
	t, err := s.accessTokenByHashDB(ctx, hash)
	if err == nil && ok {
		c.putToken(gen, t)
	}
	return t, err
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
		if s.isPG() {
			w := newPGWatch(s, c)
			c.fresh, c.stop = w.fresh, w.close
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
	names := []string{"poll_questions_update", "poll_questions_delete", "poll_tokens_update", "poll_tokens_delete"}
	q := `SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?, ?, ?)`
	if s.isPG() {
		names = []string{"poll_questions_update", "poll_questions_delete", "poll_tokens_change"}
		q = `SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgname IN ($1, $2, $3)`
	}
	args := make([]any, len(names))
	for i, n := range names {
		args[i] = n
	}
	var n int
	if err := s.db.DB.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return false, err
	}
	return n == len(names), nil
}

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
	arrival := w.started.Load()
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return false
	}
	if w.synced && w.covered > arrival {
		return true // a check that started after this call arrived has completed
	}
	n := w.started.Add(1)
	var hdr *walHeader
	if m := w.shm.Load(); m != nil {
		h := m.header()
		hdr = &h
	}
	if err := w.check(ctx); err != nil {
		if ctx.Err() == nil {
			slog.Default().Warn("store: poll cache: data_version check failed; the cache is off until it works again", "error", err)
		}
		w.base.Store(nil)
		w.synced = false
		w.c.reset(false)
		return false
	}
	w.base.Store(hdr)
	w.covered = n
	return true
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
		if tenant.Valid {
			t, err1 := uuid.Parse(tenant.String)
			q, err2 := uuid.Parse(id.String)
			if err1 != nil || err2 != nil {
				gap = true // unreadable: drop everything
				continue
			}
			changes = append(changes, pollChange{question: &pollQuestionKey{t, q}})
		} else {
			changes = append(changes, pollChange{token: string(hash)})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if gap {
		w.c.reset(true)
	} else {
		w.c.invalidate(changes)
	}
	w.lastSeq = last
	return nil
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
// PostgreSQL: LISTEN/NOTIFY.

type pgPing struct {
	seq  uint64
	done chan struct{}
	ok   bool
}

type pgWatch struct {
	s        *Store
	c        *pollCache
	instance string // in this watcher's pings, so that other instances ignore them
	wake     chan struct{}
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup

	mu   sync.Mutex
	live bool    // the subscription is confirmed: the cache is enabled
	next *pgPing // the ping callers arriving now wait for; not sent yet
	cur  *pgPing // the ping sent, not yet received
	seq  uint64
	ln   *pgdriver.Listener
}

func newPGWatch(s *Store, c *pollCache) *pgWatch {
	var b [8]byte
	_, _ = rand.Read(b[:])
	ctx, cancel := context.WithCancel(context.Background())
	w := &pgWatch{s: s, c: c, instance: hex.EncodeToString(b[:]), wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
	w.wg.Add(2)
	go w.listen()
	go w.ping()
	return w
}

func (w *pgWatch) fresh(ctx context.Context) bool {
	w.mu.Lock()
	if !w.live {
		w.mu.Unlock()
		return false
	}
	p := w.next
	if p == nil {
		p = &pgPing{done: make(chan struct{})}
		w.next = p
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
	w.mu.Unlock()
	select {
	case <-p.done:
		return p.ok
	case <-ctx.Done():
		return false
	}
}

// finish completes a ping (under mu).
func finish(p *pgPing, ok bool) {
	if p != nil {
		p.ok = ok
		close(p.done)
	}
}

// setLive enables or disables the cache (emptying it either way) and, when disabling, fails
// every waiting ping.
func (w *pgWatch) setLive(live bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.c.reset(live)
	w.live = live
	if !live {
		finish(w.next, false)
		finish(w.cur, false)
		w.next, w.cur = nil, nil
	}
}

func (w *pgWatch) pingPayload(kind string, seq uint64) string {
	return kind + w.instance + ":" + strconv.FormatUint(seq, 10)
}

// ping sends the pings callers wait for, one at a time. A ping is a notification committed
// without waiting for the WAL flush (it carries nothing to keep).
func (w *pgWatch) ping() {
	defer w.wg.Done()
	const q = `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, $2)`
	for {
		select {
		case <-w.wake:
		case <-w.ctx.Done():
			return
		}
		w.mu.Lock()
		p := w.next
		if p == nil || !w.live {
			w.mu.Unlock()
			continue
		}
		w.next = nil
		w.seq++
		p.seq = w.seq
		w.cur = p
		w.mu.Unlock()
		ctx, cancel := context.WithTimeout(w.ctx, pollPingTimeout)
		_, err := w.s.db.DB.ExecContext(ctx, q, pollChannel, w.pingPayload("p", p.seq))
		if err == nil {
			select {
			case <-p.done:
			case <-ctx.Done():
				err = errors.New("the listener did not receive a ping in time")
			}
		}
		cancel()
		if err != nil && w.ctx.Err() == nil {
			slog.Default().Warn("store: poll cache: freshness ping failed; reconnecting the listener", "error", err)
			w.mu.Lock()
			ln := w.ln
			w.mu.Unlock()
			w.setLive(false)
			if ln != nil {
				_ = ln.Close() // the receive loop reconnects
			}
		}
	}
}

// listen keeps a subscription to pollChannel and applies what arrives. After every
// (re)connection the cache stays off until a notification sent after LISTEN comes back.
func (w *pgWatch) listen() {
	defer w.wg.Done()
	for round := uint64(1); w.ctx.Err() == nil; round++ {
		w.setLive(false)
		if err := w.session(round); err != nil && w.ctx.Err() == nil {
			slog.Default().Warn("store: poll cache: listener lost; the cache is off until it is back", "error", err)
			select {
			case <-time.After(time.Second):
			case <-w.ctx.Done():
			}
		}
	}
	w.setLive(false)
}

func (w *pgWatch) session(round uint64) error {
	ln := pgdriver.NewListener(w.s.db)
	w.mu.Lock()
	w.ln = ln
	w.mu.Unlock()
	defer ln.Close()
	if err := ln.Listen(w.ctx, pollChannel); err != nil {
		return err
	}
	// LISTEN is not acknowledged: send confirmations until one comes back (one committed
	// before the subscription took effect is lost).
	confirm := w.pingPayload("c", round)
	confirmBy := time.Now().Add(10 * time.Second)
	for {
		timeout := 10 * time.Second
		if !w.isLive() {
			if time.Now().After(confirmBy) {
				return errors.New("subscription not confirmed in time")
			}
			if err := pgdriver.Notify(w.ctx, w.s.db, pollChannel, confirm); err != nil {
				return err
			}
			timeout = 20 * time.Millisecond
		}
		_, payload, err := ln.ReceiveTimeout(w.ctx, timeout)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue // idle, or not confirmed yet; every poll's ping proves the subscription anyway
			}
			return err
		}
		switch {
		case payload == confirm:
			w.setLive(true)
		case strings.HasPrefix(payload, "p"+w.instance+":"):
			seq, _ := strconv.ParseUint(strings.TrimPrefix(payload, "p"+w.instance+":"), 10, 64)
			w.mu.Lock()
			if w.cur != nil && w.cur.seq == seq {
				finish(w.cur, w.live)
				w.cur = nil
			}
			w.mu.Unlock()
		default:
			if ch, ok := parsePollNotification(payload); ok {
				w.c.invalidate([]pollChange{ch})
			}
		}
	}
}

func (w *pgWatch) isLive() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.live
}

// parsePollNotification reads a trigger's payload (schema_poll.go).
func parsePollNotification(payload string) (pollChange, bool) {
	switch {
	case len(payload) == 1+36+36 && payload[0] == 'q':
		t, err1 := uuid.Parse(payload[1:37])
		q, err2 := uuid.Parse(payload[37:])
		if err1 == nil && err2 == nil {
			return pollChange{question: &pollQuestionKey{t, q}}, true
		}
	case len(payload) > 1 && payload[0] == 't':
		if b, err := hex.DecodeString(payload[1:]); err == nil {
			return pollChange{token: string(b)}, true
		}
	}
	return pollChange{}, false
}

func (w *pgWatch) close() {
	w.cancel()
	w.mu.Lock()
	ln := w.ln
	w.mu.Unlock()
	if ln != nil {
		_ = ln.Close()
	}
	w.wg.Wait()
}

// PollCacheStats reports the poll cache's hits and misses (zero without a cache).
func (s *Store) PollCacheStats() (hits, misses int64) {
	if c := s.pollCache.c.Load(); c != nil {
		return c.hits.Load(), c.misses.Load()
	}
	return 0, 0
}

// PollCacheEnabled reports whether Poll can use its cache now (on PostgreSQL, once the
// listener's subscription is confirmed), after one freshness check.
func (s *Store) PollCacheEnabled(ctx context.Context) bool {
	c := s.pollCacheStarted(ctx)
	if c == nil {
		return false
	}
	_ = c.fresh(ctx)
	_, ok := c.generation()
	return ok
}
