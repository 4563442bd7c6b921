package service

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/routing"
	"github.com/switchboard-dev/switchboard/store"
)

// DefaultWholeUpTo is the size up to which a write loads the whole conversation (one bounded
// read, and the view is then built in memory); a larger question is loaded as its working set
// (question.Partial), whose cost does not depend on the number of messages. It is 0: the working
// set (a read of a few rows from two indexes) costs less than reading even a dozen messages into
// memory, and a write holds SQLite's only write lock while it reads (at 64 clients adding
// messages to questions of up to ~50 messages, the working set alone gave 25% more throughput
// than a whole read up to 8 messages, and more than up to 64).
const DefaultWholeUpTo = 0

func (s *Service) wholeUpTo() int {
	if s.WholeUpTo == 0 {
		return DefaultWholeUpTo
	}
	return max(s.WholeUpTo, 0)
}

// DefaultViewUpTo is the size up to which a Messaging view (read without a transaction) holds a
// question's messages in memory; a larger one is Streamed.
const DefaultViewUpTo = 64

func (s *Service) viewUpTo() int {
	switch {
	case s.WholeUpTo < 0:
		return 0
	case s.WholeUpTo > 0:
		return s.WholeUpTo
	}
	return DefaultViewUpTo
}

// loadConversation reads a question with its responses and messages inside tx, locking the
// question row for the rest of the transaction. channel "" accepts any channel; otherwise a
// question of another channel is not found (each question is visible only through its API).
func (s *Service) loadConversation(ctx context.Context, tx *store.TenantTx, id uuid.UUID, channel string) (*question.Conversation, error) {
	q, err := tx.QuestionByUUID(ctx, id, true)
	if err != nil {
		return nil, notFound(err, "question %s not found", id)
	}
	if channel != "" && q.Channel != channel {
		return nil, notFound(store.ErrNotFound, "question %s not found", id)
	}
	return s.conversationOf(ctx, tx, &q)
}

// conversationOf reads what the rules need of q: its responses and either its whole conversation
// (up to wholeUpTo messages) or its working set — the system messages and the newest user or
// expert message, two indexed reads in one query whatever the size.
func (s *Service) conversationOf(ctx context.Context, tx *store.TenantTx, q *store.Question) (*question.Conversation, error) {
	rs, err := tx.Responses(ctx, q.UUID)
	if err != nil {
		return nil, err
	}
	if whole := s.wholeUpTo(); whole > 0 {
		ms, err := tx.FirstMessages(ctx, q.UUID, whole+1)
		if err != nil {
			return nil, err
		}
		if len(ms) <= whole {
			return &question.Conversation{Q: q, Responses: rs, Messages: ms}, nil
		}
	}
	ms, last, ok, err := tx.WorkingSet(ctx, q.UUID, question.SpokenTypes...)
	if err != nil {
		return nil, err
	}
	c := &question.Conversation{Q: q, Responses: rs, Messages: ms, Partial: &question.Partial{}}
	if ok {
		c.Partial.LastSpoken = &last
	}
	return c, nil
}

// readHead reads what every view of a question starts from, without a transaction: the
// company's settings, the question and its threads (responses). channel "" accepts any channel.
func (s *Service) readHead(ctx context.Context, tenantID, id uuid.UUID, channel string) (Settings, store.Question, []store.Response, error) {
	st, err := s.settings(ctx, tenantID)
	if err != nil {
		return Settings{}, store.Question{}, nil, err
	}
	q, err := s.Store.Question(ctx, tenantID, id)
	if err != nil {
		return Settings{}, store.Question{}, nil, notFound(err, "question %s not found", id)
	}
	if channel != "" && q.Channel != channel {
		return Settings{}, store.Question{}, nil, notFound(store.ErrNotFound, "question %s not found", id)
	}
	rs, err := s.Store.QuestionResponses(ctx, tenantID, id)
	if err != nil {
		return Settings{}, store.Question{}, nil, err
	}
	return st, q, rs, nil
}

// readView reads a question, its threads and the company's rendering flag without a
// transaction (the views). channel "" accepts any channel.
func (s *Service) readView(ctx context.Context, tenantID, id uuid.UUID, channel string) (View, error) {
	st, q, rs, err := s.readHead(ctx, tenantID, id, channel)
	if err != nil {
		return View{}, err
	}
	ms, err := s.Store.QuestionMessages(ctx, tenantID, id)
	if err != nil {
		return View{}, err
	}
	return View{Conversation: &question.Conversation{Q: &q, Responses: rs, Messages: ms}, Markdown: st.Markdown}, nil
}

// readStreamable is readView for the Messaging API, which can write a question's messages as it
// reads them: a question of more than viewUpTo messages is returned Streamed, without them.
func (s *Service) readStreamable(ctx context.Context, tenantID, id uuid.UUID, channel string) (View, error) {
	st, q, rs, err := s.readHead(ctx, tenantID, id, channel)
	if err != nil {
		return View{}, err
	}
	whole := s.viewUpTo()
	ms, err := s.Store.FirstQuestionMessages(ctx, tenantID, id, whole+1)
	if err != nil {
		return View{}, err
	}
	c := &question.Conversation{Q: &q, Responses: rs, Messages: ms}
	if len(ms) <= whole {
		return View{Conversation: c, Markdown: st.Markdown}, nil
	}
	c.Messages, c.Partial = nil, &question.Partial{}
	return View{Conversation: c, Markdown: st.Markdown, Streamed: true, store: s.Store}, nil
}

// streamable is whole for the Messaging API: a view after a write that loaded only the working
// set is read again, Streamed if the question is large.
func (s *Service) streamable(ctx context.Context, v View, err error) (View, error) {
	if err != nil || v.Partial == nil {
		return v, err
	}
	return s.readStreamable(ctx, v.Q.TenantID, v.Q.UUID, "")
}

// whole returns v itself when it holds the whole conversation, and otherwise reads the question
// again (after the write that loaded only its working set has committed: the state shown then
// includes that write).
func (s *Service) whole(ctx context.Context, v View, err error) (View, error) {
	if err != nil || v.Partial == nil {
		return v, err
	}
	return s.readView(ctx, v.Q.TenantID, v.Q.UUID, "")
}

// persist writes what one rule did: new and edited responses, added and removed messages, read
// marks, the question row, the event log and the timers. A change that changed nothing writes
// nothing. The writes go as one batch (one round trip on PostgreSQL): every row they touch was
// loaded (and the question locked) or is new in this transaction; see store.TenantTx.Batch.
func persist(ctx context.Context, tx *store.TenantTx, c *question.Conversation, ch *question.Change, now time.Time) error {
	return tx.Batch(ctx, func() error { return persistChange(ctx, tx, c, ch, now) })
}

// persistNew writes a question created in this transaction: its row as NewConversation left it,
// what NewConversation did (ch) and its first offers (offerFirstTier, ranked beforehand), as
// one batch. On PostgreSQL the INSERT then goes with the rest and the COMMIT, and holds the
// tenant's counter rows only while the batch commits (store.TenantTx.InsertQuestion).
func persistNew(ctx context.Context, tx *store.TenantTx, c *question.Conversation, ch *question.Change, st Settings, now time.Time, ranked []routing.Candidate) error {
	rest := *ch
	rest.Changed = false // the INSERT writes the question row
	return tx.Batch(ctx, func() error {
		if err := tx.InsertQuestion(ctx, c.Q); err != nil {
			return err
		}
		if err := persistChange(ctx, tx, c, &rest, now); err != nil {
			return err
		}
		return offerFirstTier(ctx, tx, c.Q, st, now, ranked)
	})
}

func persistChange(ctx context.Context, tx *store.TenantTx, c *question.Conversation, ch *question.Change, now time.Time) error {
	for _, id := range ch.NewResponses {
		r := findResponse(c, id)
		if err := tx.InsertResponse(ctx, r); err != nil { // allocates its ids
			return err
		}
	}
	for _, id := range ch.EditResponses {
		if err := tx.UpdateResponse(ctx, findResponse(c, id)); err != nil {
			return err
		}
	}
	if len(ch.Removed) > 0 {
		if _, err := tx.DeleteMessagesByUUID(ctx, c.Q.UUID, ch.Removed); err != nil {
			return err
		}
	}
	for i := range ch.Added {
		m := &ch.Added[i]
		if err := tx.InsertMessage(ctx, m); err != nil {
			return err
		}
	}
	if ch.ReadAll {
		if _, err := tx.MarkMessagesRead(ctx, c.Q.UUID); err != nil {
			return err
		}
	}
	if ch.Changed {
		if err := tx.UpdateQuestion(ctx, c.Q); err != nil {
			return err
		}
	}
	for _, e := range ch.Events {
		data := []byte("{}")
		if len(e.Data) > 0 {
			var err error
			if data, err = json.Marshal(e.Data); err != nil {
				return err
			}
		}
		ev := store.Event{Type: e.Type, QuestionUUID: c.Q.UUID, ExpertUUID: e.Expert, Data: data, CreatedAt: now}
		if err := tx.InsertEvent(ctx, &ev); err != nil {
			return err
		}
	}
	// Consecutive schedules of distinct kinds go as one multi-row upsert; a cancel or a kind
	// scheduled again keeps its place in the order.
	subject := c.Q.UUID.String()
	var due []store.JobDue
	flush := func() error {
		err := tx.ScheduleJobs(ctx, subject, due)
		due = due[:0]
		return err
	}
	for _, j := range ch.Jobs {
		if j.Cancel || slices.ContainsFunc(due, func(d store.JobDue) bool { return d.Kind == j.Kind }) {
			if err := flush(); err != nil {
				return err
			}
		}
		if !j.Cancel {
			due = append(due, store.JobDue{Kind: j.Kind, Due: j.Due})
		} else if err := tx.CancelJob(ctx, j.Kind, subject); err != nil {
			return err
		}
	}
	return flush()
}

func findResponse(c *question.Conversation, id uuid.UUID) *store.Response {
	for i := range c.Responses {
		if c.Responses[i].UUID == id {
			return &c.Responses[i]
		}
	}
	panic("service: change names a response the conversation does not have") // a bug in package question
}
