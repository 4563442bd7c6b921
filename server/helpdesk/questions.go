package helpdesk

import (
	"context"
	"time"

	gen "github.com/switchboard-dev/switchboard/gen/helpdesk"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/bracketform"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
)

// SaveQuestion implements POST /helpDesk/saveQuestion.
func (h *Handler) SaveQuestion(ctx context.Context, req gen.SaveQuestionRequestObject) (gen.SaveQuestionResponseObject, error) {
	b := req.FormdataBody
	if b == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	in := question.HelpDeskInput{
		Text: b.Text, HelpDeskID: b.HelpDeskId, Email: b.EmailAddress,
		FullName: str(b.Fullname), Subject: str(b.Subject), EliteOnly: str(b.IsEliteOnly),
		Category: b.QuestionCategory, RewardCategory: str(b.RewardCategory),
	}
	if v, ok := formFrom(ctx).Get("metadata"); ok {
		if v.Kind() != bracketform.MapKind {
			return nil, apierr.Invalidf("metadata: must be a map of names to values, sent as metadata[name]=value")
		}
		in.Metadata = v.Map()
	}
	nq, err := question.ValidateHelpDesk(in)
	if err != nil {
		return nil, err
	}
	q, err := h.svc.SaveHelpDeskQuestion(ctx, tenantFrom(ctx), nq)
	if err != nil {
		return nil, err
	}
	answers := make([]gen.Answer, len(q.Answers))
	for i, a := range q.Answers {
		answers[i] = gen.Answer{Id: a.ID, Text: a.Text, Author: gen.AnswerAuthor{Name: a.AuthorName}, IsAccepted: a.IsAccepted, CreatedAt: a.CreatedAt.UTC().Truncate(time.Second)}
	}
	return gen.SaveQuestion200JSONResponse{Question: gen.SavedQuestion{
		Id: q.ID, Url: q.URL, Status: q.Status, IsEscalated: q.IsEscalated, Answers: answers,
	}}, nil
}

// CloseQuestion implements POST /helpDesk/closeQuestion.
func (h *Handler) CloseQuestion(ctx context.Context, req gen.CloseQuestionRequestObject) (gen.CloseQuestionResponseObject, error) {
	b := req.FormdataBody
	if b == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	id, err := question.HelpDeskID(b.HelpDeskId)
	if err != nil {
		return nil, err
	}
	q, err := h.svc.CloseHelpDeskQuestion(ctx, tenantFrom(ctx), id)
	if err != nil {
		return nil, err
	}
	return gen.CloseQuestion200JSONResponse{Question: closed(q)}, nil
}

func closed(q service.HelpDeskQuestion) gen.ClosedQuestion {
	return gen.ClosedQuestion{Id: q.ID, Url: q.URL, Status: gen.CLOSED}
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
