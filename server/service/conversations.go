package service

import (
	"context"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/store"
)

// conversations builds the conversations of already-read questions for list views: two store
// reads for all of them (Store.Threads) instead of readConversation per question. out[i] is the
// conversation of qs[i], with Q pointing at a copy of qs[i]; a question without responses or
// messages gets empty (non-nil) slices, as readConversation returns them. Like readConversation
// it runs outside a transaction.
func (s *Service) conversations(ctx context.Context, tenantID uuid.UUID, qs []store.Question) ([]*question.Conversation, error) {
	ids := make([]uuid.UUID, len(qs))
	for i := range qs {
		ids[i] = qs[i].UUID
	}
	rs, ms, err := s.Store.Threads(ctx, tenantID, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*question.Conversation, len(qs))
	for i := range qs {
		q := qs[i]
		c := &question.Conversation{Q: &q, Responses: rs[q.UUID], Messages: ms[q.UUID]}
		if c.Responses == nil {
			c.Responses = []store.Response{}
		}
		if c.Messages == nil {
			c.Messages = []store.Message{}
		}
		out[i] = c
	}
	return out, nil
}
