package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// The expert side: an expert's queue and the actions on a question offered to them. Every
// answer is the expert view (expertQuestion in views.go: no email, no refId, visible metadata
// only; the expert's own thread and the question-level messages, other experts' threads as
// headers only).

// ListExpertQueue implements GET /v1/tenants/{tenantId}/experts/{expertId}/queue.
func (h *Handler) ListExpertQueue(ctx context.Context, req gen.ListExpertQueueRequestObject) (gen.ListExpertQueueResponseObject, error) {
	vs, err := h.svc.ExpertQueue(ctx, req.TenantId, req.ExpertId)
	if err != nil {
		return nil, err
	}
	out := gen.ExpertQueue{Questions: make([]gen.ExpertQuestion, len(vs))}
	for i, v := range vs {
		if out.Questions[i], err = expertQuestion(v); err != nil {
			return nil, err
		}
	}
	return gen.ListExpertQueue200JSONResponse(out), nil
}

// GetExpertQuestion implements GET /v1/tenants/{tenantId}/experts/{expertId}/questions/{questionUuid}:
// a question offered to the expert, in any state. What an expert tool shows: the question-level
// messages, every response's header, and the messages of the expert's own thread (and of an
// automated answer) only; another expert's thread stays that expert's exchange with the customer.
func (h *Handler) GetExpertQuestion(ctx context.Context, req gen.GetExpertQuestionRequestObject) (gen.GetExpertQuestionResponseObject, error) {
	v, err := h.svc.ExpertQuestion(ctx, req.TenantId, req.ExpertId, req.QuestionUuid)
	if err != nil {
		return nil, err
	}
	q, err := expertQuestion(v)
	if err != nil {
		return nil, err
	}
	return gen.GetExpertQuestion200JSONResponse(q), nil
}

// ClaimQuestion implements POST …/experts/{expertId}/questions/{questionUuid}/claim.
func (h *Handler) ClaimQuestion(ctx context.Context, req gen.ClaimQuestionRequestObject) (gen.ClaimQuestionResponseObject, error) {
	v, err := h.svc.Claim(ctx, req.TenantId, req.ExpertId, req.QuestionUuid)
	if err != nil {
		return nil, err
	}
	q, err := expertQuestion(v)
	if err != nil {
		return nil, err
	}
	return gen.ClaimQuestion200JSONResponse(q), nil
}

// ReleaseQuestion implements POST …/experts/{expertId}/questions/{questionUuid}/release.
func (h *Handler) ReleaseQuestion(ctx context.Context, req gen.ReleaseQuestionRequestObject) (gen.ReleaseQuestionResponseObject, error) {
	v, err := h.svc.Release(ctx, req.TenantId, req.ExpertId, req.QuestionUuid)
	if err != nil {
		return nil, err
	}
	q, err := expertQuestion(v)
	if err != nil {
		return nil, err
	}
	return gen.ReleaseQuestion200JSONResponse(q), nil
}

// RespondToQuestion implements POST …/experts/{expertId}/questions/{questionUuid}/responses.
func (h *Handler) RespondToQuestion(ctx context.Context, req gen.RespondToQuestionRequestObject) (gen.RespondToQuestionResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	v, err := h.svc.Respond(ctx, req.TenantId, req.ExpertId, req.QuestionUuid, req.Body.Text)
	if err != nil {
		return nil, err
	}
	q, err := expertQuestion(v)
	if err != nil {
		return nil, err
	}
	return gen.RespondToQuestion201JSONResponse(q), nil
}

// PostExpertMessage implements POST …/experts/{expertId}/questions/{questionUuid}/messages.
func (h *Handler) PostExpertMessage(ctx context.Context, req gen.PostExpertMessageRequestObject) (gen.PostExpertMessageResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	v, err := h.svc.PostExpertMessage(ctx, req.TenantId, req.ExpertId, req.QuestionUuid, req.Body.Body)
	if err != nil {
		return nil, err
	}
	q, err := expertQuestion(v)
	if err != nil {
		return nil, err
	}
	return gen.PostExpertMessage201JSONResponse(q), nil
}

// MarkResolved implements POST …/experts/{expertId}/questions/{questionUuid}/resolve.
func (h *Handler) MarkResolved(ctx context.Context, req gen.MarkResolvedRequestObject) (gen.MarkResolvedResponseObject, error) {
	v, err := h.svc.MarkResolved(ctx, req.TenantId, req.ExpertId, req.QuestionUuid)
	if err != nil {
		return nil, err
	}
	q, err := expertQuestion(v)
	if err != nil {
		return nil, err
	}
	return gen.MarkResolved200JSONResponse(q), nil
}

// RerouteByExpert implements POST …/experts/{expertId}/questions/{questionUuid}/reroute.
func (h *Handler) RerouteByExpert(ctx context.Context, req gen.RerouteByExpertRequestObject) (gen.RerouteByExpertResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required")
	}
	v, err := h.svc.RerouteByExpert(ctx, req.TenantId, req.ExpertId, req.QuestionUuid, req.Body.Reason)
	if err != nil {
		return nil, err
	}
	q, err := expertQuestion(v)
	if err != nil {
		return nil, err
	}
	return gen.RerouteByExpert200JSONResponse(q), nil
}
