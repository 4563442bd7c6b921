package store

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Group commit (SQLite). SQLite has one writer, and with synchronous=FULL every COMMIT waits for
// an fsync of the WAL. Rather than queue for a transaction (and an fsync) each, concurrent
// InTenantTx calls join a group: whoever holds the write slot runs the queued callbacks, up to
// maxGroup of them, one after the other in ONE transaction, each inside its own SAVEPOINT,
// then commits once.
//
//   - A member whose callback fails (or panics) is rolled back to its savepoint alone and gets
//     its error at once (or its panic, re-raised in its own goroutine); the others go on.
//   - A member is acknowledged only once the shared COMMIT has succeeded: if it fails, every
//     member whose callback succeeded gets the commit's error. Durability is unchanged: nothing
//     is reported written before its fsync.
//   - No callback is ever run twice. A callback runs on the leader's goroutine while its own
//     caller waits; it uses its own context for its statements.
//   - A member whose context ends while queued leaves the queue (ctx.Err(), as before); one whose
//     context ends once taken is skipped if it has not started. Once started, its statements
//     run to completion whatever its context does (detached.go): an interrupted write would
//     make SQLite abandon the whole shared transaction, failing every member.
//   - A group of one runs exactly as a transaction of its own (no savepoint).

// maxGroup bounds a group, so one commit never waits behind an unbounded queue.
const maxGroup = 64

type groupMember struct {
	ctx    context.Context
	tenant uuid.UUID
	fn     func(tx *TenantTx) error

	err      error
	panicked bool
	panicVal any
	done     chan struct{}
}

// groupQueue is the FIFO of members waiting for a leader.
type groupQueue struct {
	mu      sync.Mutex
	members []*groupMember
}

func (q *groupQueue) push(m *groupMember) {
	q.mu.Lock()
	q.members = append(q.members, m)
	q.mu.Unlock()
}

// take removes and returns up to n members from the head.
func (q *groupQueue) take(n int) []*groupMember {
	q.mu.Lock()
	defer q.mu.Unlock()
	n = min(n, len(q.members))
	out := make([]*groupMember, n)
	copy(out, q.members)
	rest := copy(q.members, q.members[n:])
	clear(q.members[rest:])
	q.members = q.members[:rest]
	return out
}

// remove takes m out of the queue; false if a leader already took it.
func (q *groupQueue) remove(m *groupMember) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.members {
		if x == m {
			q.members = append(q.members[:i], q.members[i+1:]...)
			return true
		}
	}
	return false
}

// inTenantTxGroup is InTenantTx on SQLite: join the queue, then lead a group or be served by one.
func (s *Store) inTenantTxGroup(ctx context.Context, tenantID uuid.UUID, fn func(tx *TenantTx) error) error {
	s.writeTxs.Add(1)
	m := &groupMember{ctx: ctx, tenant: tenantID, fn: fn, done: make(chan struct{})}
	s.group.push(m)
	for {
		select {
		case <-m.done:
			return m.result()
		default:
		}
		select {
		case <-m.done:
			return m.result()
		case s.writers <- struct{}{}:
			s.runGroup()
			<-s.writers
		case <-ctx.Done():
			if s.group.remove(m) {
				return fmt.Errorf("store: begin: %w", ctx.Err())
			}
			<-m.done // a leader has it: its outcome is decided there
			return m.result()
		}
	}
}

func (m *groupMember) result() error {
	if m.panicked {
		panic(m.panicVal)
	}
	return m.err
}

func (m *groupMember) finish(err error) {
	if err != nil && m.err == nil {
		m.err = err
	}
	close(m.done)
}

// errMemberPanicked stands for a panic until it is re-raised in the member's goroutine.
var errMemberPanicked = errors.New("store: transaction callback panicked")

// runGroup runs one group; the caller holds the write slot.
func (s *Store) runGroup() {
	members := s.group.take(maxGroup)
	if len(members) == 0 {
		return
	}
	// The group's transaction belongs to no member: no member's context may end it.
	ctx := context.Background()
	btx, err := s.beginGroupTx(ctx)
	if err != nil {
		for _, m := range members {
			m.finish(fmt.Errorf("store: begin: %w", err))
		}
		return
	}
	single := len(members) == 1
	stx := detachedTx{btx, s.stmts, nil} // the savepoints, prepared
	var ok []*groupMember
	fail := func(err error) { // the transaction is lost: nobody is acknowledged
		_ = btx.Rollback()
		for _, m := range ok {
			m.finish(err)
		}
	}
	for i, m := range members {
		if err := m.ctx.Err(); err != nil {
			m.finish(fmt.Errorf("store: begin: %w", err))
			continue
		}
		if single {
			if err := s.runMember(btx, m); err != nil {
				_ = btx.Rollback()
				m.finish(err)
				return
			}
			ok = append(ok, m)
			break
		}
		if _, err := stx.ExecContext(ctx, "SAVEPOINT member"); err != nil {
			ok = append(ok, members[i:]...)
			fail(fmt.Errorf("store: begin: savepoint: %w", err))
			return
		}
		if err := s.runMember(btx, m); err != nil {
			if _, rerr := stx.ExecContext(ctx, "ROLLBACK TO member"); rerr != nil {
				m.finish(err)
				ok = append(ok, members[i+1:]...)
				fail(fmt.Errorf("store: group commit: transaction lost: %w", rerr))
				return
			}
			m.finish(err)
		} else {
			ok = append(ok, m)
		}
		if _, err := stx.ExecContext(ctx, "RELEASE member"); err != nil {
			ok = append(ok, members[i+1:]...)
			fail(fmt.Errorf("store: group commit: release: %w", err))
			return
		}
	}
	if len(ok) == 0 {
		_ = btx.Rollback()
		return
	}
	err = btx.Commit()
	if err != nil {
		err = fmt.Errorf("store: commit: %w", err)
	}
	for _, m := range ok {
		m.finish(err)
	}
}

// beginGroupTx begins the group's transaction on the writer's own connection (a file database),
// so that the one writer never waits for a pooled connection behind the readers. The caller
// holds the write slot, so the connection is never used twice at once.
func (s *Store) beginGroupTx(ctx context.Context) (bun.Tx, error) {
	if s.sqlitePath == "" { // :memory: has one connection, shared
		return s.db.BeginTx(ctx, nil)
	}
	if s.writeConn == nil {
		conn, err := s.db.Conn(ctx)
		if err != nil {
			return bun.Tx{}, err
		}
		s.writeConn = &conn
	}
	btx, err := s.writeConn.BeginTx(ctx, nil)
	if err != nil { // a broken connection: take another next time
		_ = s.writeConn.Close()
		s.writeConn = nil
	}
	return btx, err
}

// runMember runs one member's callback (after the tenant check) on the group's transaction,
// turning a panic into errMemberPanicked (recorded on m).
func (s *Store) runMember(btx bun.Tx, m *groupMember) (err error) {
	defer func() {
		if r := recover(); r != nil {
			m.panicked, m.panicVal = true, r
			err = errMemberPanicked
		}
	}()
	if err := s.checkTenant(m.ctx, btx, m.tenant); err != nil {
		return err
	}
	return m.fn(s.tenantTx(btx, m.tenant))
}

// checkTenant fails with ErrNotFound if the tenant does not exist (checked once per process:
// tenants are never deleted).
func (s *Store) checkTenant(ctx context.Context, btx bun.Tx, tenantID uuid.UUID) error {
	if _, known := s.tenants.Load(tenantID); known {
		return nil
	}
	exists, err := btx.NewSelect().Model((*tenantRow)(nil)).Where("t.id = ?", tenantID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("store: begin: check tenant: %w", err)
	}
	if !exists {
		return fmt.Errorf("store: tenant %s: %w", tenantID, ErrNotFound)
	}
	s.tenants.Store(tenantID, struct{}{})
	return nil
}
