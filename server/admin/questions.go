package admin

import (
	"context"
	"encoding/json"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// ListTenantQuestions implements GET /v1/tenants/{tenantId}/questions.
func (h *Handler) ListTenantQuestions(ctx context.Context, req gen.ListTenantQuestionsRequestObject) (gen.ListTenantQuestionsResponseObject, error) {
	p := req.Params
	var f store.QuestionFilter
	if p.Channel != nil {
		f.Channel = string(*p.Channel)
	}
	if p.Status != nil {
		f.Status = string(*p.Status)
	}
	if p.Limit != nil {
		f.Limit = *p.Limit
	}
	if p.After != nil {
		f.AfterNumber = *p.After
	}
	page, err := h.svc.TenantQuestions(ctx, req.TenantId, f)
	if err != nil {
		return nil, err
	}
	out := gen.QuestionList{Questions: make([]gen.AdminQuestion, len(page.Questions))}
	for i, q := range page.Questions {
		out.Questions[i] = adminQuestion(q)
	}
	if page.NextAfter > 0 {
		out.NextAfter = &page.NextAfter
	}
	return gen.ListTenantQuestions200JSONResponse(out), nil
}

func adminQuestion(q service.QuestionRecord) gen.AdminQuestion {
	a := gen.AdminQuestion{
		Uuid: q.UUID, Id: q.Number, Channel: gen.Channel(q.Channel),
		Subject: q.Subject, Text: q.Text, Language: q.Language,
		Author:   gen.QuestionAuthor{Name: q.AuthorName, Email: q.AuthorEmail},
		Category: q.Category, IsEliteOnly: q.EliteOnly,
		Metadata: json.RawMessage(q.Metadata), VisibleMetadata: q.VisibleMetadata,
		Status: gen.QuestionStatus(q.Status), IsEscalated: question.IsEscalated(q.Status),
		CreatedAt: utc(q.CreatedAt), LastUpdated: utc(q.LastUpdated),
	}
	if q.Channel == question.ChannelHelpDesk {
		id, url := q.HelpDeskID, q.URL
		a.HelpDeskId, a.Url = &id, &url
	}
	return a
}
