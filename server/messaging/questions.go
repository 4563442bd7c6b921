package messaging

import (
	"context"
	"strconv"
	"strings"
	"time"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
)

// Paging defaults of listQuestions.
const (
	defaultPage     = 1
	defaultPageSize = 20
	maxPageSize     = 100
)

// CreateQuestion implements POST /v1/questions.
func (h *Handler) CreateQuestion(ctx context.Context, req gen.CreateQuestionRequestObject) (gen.CreateQuestionResponseObject, error) {
	b := req.Body
	if b == nil {
		return nil, apierr.Invalidf("request body is required (required: text)")
	}
	in := question.MessagingInput{
		Text: b.Text, Subject: str(b.Subject), Language: str(b.Language), Classification: str(b.Classification),
	}
	if a := b.Author; a != nil {
		in.AuthorName, in.AuthorEmail, in.AuthorRefID = str(a.Name), str(a.Email), str(a.RefId)
	}
	if b.Metadata != nil {
		in.Metadata = *b.Metadata
	}
	v, err := h.svc.Ask(ctx, principal(ctx), in)
	if err != nil {
		return nil, err
	}
	return gen.CreateQuestion201JSONResponse{
		Body:    gen.QuestionEnvelope{Meta: h.meta(ctx), Data: h.question(v)},
		Headers: gen.CreateQuestion201ResponseHeaders{Location: Prefix + "/v1/questions/" + v.Q.UUID.String()},
	}, nil
}

// ListQuestions implements GET /v1/questions.
func (h *Handler) ListQuestions(ctx context.Context, req gen.ListQuestionsRequestObject) (gen.ListQuestionsResponseObject, error) {
	p := req.Params
	f := service.QuestionFilter{Page: defaultPage, PageSize: defaultPageSize, AuthorRefID: str(p.AuthorRefId)}
	if p.Status != nil {
		f.Status = string(*p.Status)
	}
	if p.Page != nil {
		if *p.Page < 1 {
			return nil, apierr.Invalidf("page: must be at least 1")
		}
		f.Page = *p.Page
	}
	if p.PageSize != nil {
		if *p.PageSize < 1 || *p.PageSize > maxPageSize {
			return nil, apierr.Invalidf("pageSize: must be between 1 and %d", maxPageSize)
		}
		f.PageSize = *p.PageSize
	}
	vs, total, err := h.svc.MessagingQuestions(ctx, principal(ctx), f)
	if err != nil {
		return nil, err
	}
	out := make([]gen.Question, len(vs))
	for i, v := range vs {
		out[i] = h.question(v)
	}
	meta := h.meta(ctx)
	meta.Pagination = &gen.Pagination{Page: f.Page, PageSize: f.PageSize, Total: total}
	return gen.ListQuestions200JSONResponse{Meta: meta, Data: out}, nil
}

// GetQuestion implements GET /v1/questions/{uuid}. With lastChecked it is the poll: the token was
// only seen to be present, and service.Poll authenticates it and reads lastUpdated in one
// indexed statement; the question is loaded only when it changed.
func (h *Handler) GetQuestion(ctx context.Context, req gen.GetQuestionRequestObject) (gen.GetQuestionResponseObject, error) {
	cred := credentialsFrom(ctx)
	p := cred.principal
	var (
		since    time.Time
		hasSince = req.Params.LastChecked != nil
	)
	if hasSince {
		var err error
		if since, err = parseLastChecked(*req.Params.LastChecked); err != nil {
			if cred.deferred { // a bad token is answered before a bad parameter, as on every other call
				if _, aerr := h.svc.AuthenticateBearer(ctx, cred.token); aerr != nil {
					return nil, aerr
				}
			}
			return nil, err
		}
	}
	if cred.deferred && hasSince {
		var (
			notModified bool
			err         error
		)
		if p, notModified, err = h.svc.Poll(ctx, cred.token, req.Uuid, since); err != nil {
			return nil, err
		}
		if notModified {
			return gen.GetQuestion304Response{}, nil
		}
		hasSince = false // Poll saw a change; lastUpdated only moves forward
	}
	v, err := h.svc.MessagingQuestion(ctx, p, req.Uuid)
	if err != nil {
		return nil, err
	}
	if hasSince && service.NotModified(v.Q.LastUpdated, since) {
		return gen.GetQuestion304Response{}, nil
	}
	return h.questionAnswer(ctx, v), nil
}

// CloseQuestion implements POST /v1/questions/{uuid}/close.
func (h *Handler) CloseQuestion(ctx context.Context, req gen.CloseQuestionRequestObject) (gen.CloseQuestionResponseObject, error) {
	v, err := h.svc.CloseQuestion(ctx, principal(ctx), req.Uuid)
	if err != nil {
		return nil, err
	}
	return h.questionAnswer(ctx, v), nil
}

// ExpireQuestion implements POST /v1/questions/{uuid}/expire.
func (h *Handler) ExpireQuestion(ctx context.Context, req gen.ExpireQuestionRequestObject) (gen.ExpireQuestionResponseObject, error) {
	v, err := h.svc.ExpireQuestion(ctx, principal(ctx), req.Uuid)
	if err != nil {
		return nil, err
	}
	return h.questionAnswer(ctx, v), nil
}

// RerouteQuestion implements POST /v1/questions/{uuid}/reroute.
func (h *Handler) RerouteQuestion(ctx context.Context, req gen.RerouteQuestionRequestObject) (gen.RerouteQuestionResponseObject, error) {
	reason := ""
	if req.Body != nil {
		reason = str(req.Body.Reason)
	}
	v, err := h.svc.RerouteQuestion(ctx, principal(ctx), req.Uuid, reason)
	if err != nil {
		return nil, err
	}
	return h.questionAnswer(ctx, v), nil
}

// MarkQuestionRead implements POST /v1/questions/{uuid}/read.
func (h *Handler) MarkQuestionRead(ctx context.Context, req gen.MarkQuestionReadRequestObject) (gen.MarkQuestionReadResponseObject, error) {
	v, err := h.svc.MarkRead(ctx, principal(ctx), req.Uuid)
	if err != nil {
		return nil, err
	}
	return h.questionAnswer(ctx, v), nil
}

// errLastChecked is the answer to a lastChecked that is neither a date-time nor epoch millis.
var errLastChecked = apierr.Invalidf("lastChecked: must be an ISO-8601 date-time such as 2017-05-18T16:50:38Z or epoch milliseconds")

// parseLastChecked reads lastChecked: an ISO-8601 date-time (RFC 3339; fractions and offsets
// allowed), or all digits = milliseconds since the Unix epoch. A '+' of an offset that arrived
// unencoded in the query string (read as a space) is taken back.
func parseLastChecked(s string) (time.Time, error) {
	if s != "" && strings.Trim(s, "0123456789") == "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, errLastChecked
		}
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil && strings.Contains(s, " ") {
		t, err = time.Parse(time.RFC3339Nano, strings.Replace(s, " ", "+", 1))
	}
	if err != nil {
		return time.Time{}, errLastChecked
	}
	return t.UTC(), nil
}

// lastChecked parses an optional lastChecked.
func lastChecked(s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	t, err := parseLastChecked(*s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}
