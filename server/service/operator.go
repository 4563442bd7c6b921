package service

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/store"
)

// QuestionRecord is a question as the operator sees it: everything stored, plus what experts see
// of its metadata.
type QuestionRecord struct {
	store.Question
	URL             string          // Help Desk questions only
	VisibleMetadata json.RawMessage // in the order received
}

// QuestionPage is one page of a tenant's questions.
type QuestionPage struct {
	Questions []QuestionRecord
	NextAfter int64 // 0 on the last page
}

// TenantQuestions lists a tenant's questions from every API, by ascending number (public id).
func (s *Service) TenantQuestions(ctx context.Context, tenantID uuid.UUID, f store.QuestionFilter) (QuestionPage, error) {
	t, err := s.Tenant(ctx, tenantID)
	if err != nil {
		return QuestionPage{}, err
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	want := f.Limit
	f.Limit++ // one more tells whether there is a next page
	qs, err := s.Store.ListQuestions(ctx, tenantID, f)
	if err != nil {
		return QuestionPage{}, err
	}
	var page QuestionPage
	if len(qs) > want {
		qs = qs[:want]
		page.NextAfter = qs[want-1].Number
	}
	for _, q := range qs {
		visible, err := question.VisibleMetadataJSON(q.Metadata)
		if err != nil {
			return QuestionPage{}, err
		}
		rec := QuestionRecord{Question: q, VisibleMetadata: visible}
		if q.Channel == question.ChannelHelpDesk {
			rec.URL = s.url(t, q)
		}
		page.Questions = append(page.Questions, rec)
	}
	return page, nil
}

// QuestionURL returns the public address of a Help Desk question of the tenant, and "" for a
// question of another channel.
func (s *Service) QuestionURL(ctx context.Context, tenantID uuid.UUID, q *store.Question) (string, error) {
	if q.Channel != question.ChannelHelpDesk {
		return "", nil
	}
	t, err := s.Tenant(ctx, tenantID)
	if err != nil {
		return "", err
	}
	return s.url(t, *q), nil
}
