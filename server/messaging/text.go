package messaging

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/question"
)

// The text endpoints score a text against the company's classes. They never create a question
// or reach an expert.

// GetClassification implements GET /v1/classifications.
func (h *Handler) GetClassification(ctx context.Context, req gen.GetClassificationRequestObject) (gen.GetClassificationResponseObject, error) {
	text, err := question.CheckBody("text", req.Params.Text)
	if err != nil {
		return nil, err
	}
	m, err := h.svc.Classify(ctx, principal(ctx), text)
	if err != nil {
		return nil, err
	}
	out := gen.Classification{Text: req.Params.Text, Confidence: m.Confidence}
	if m.Class != nil {
		name := m.Class.Name
		out.Classification = &name
	}
	return gen.GetClassification200JSONResponse{Meta: h.meta(ctx), Data: out}, nil
}

// PredictRouting implements POST /v1/predictiveRouting.
func (h *Handler) PredictRouting(ctx context.Context, req gen.PredictRoutingRequestObject) (gen.PredictRoutingResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required (required: text)")
	}
	text, err := question.CheckBody("text", req.Body.Text)
	if err != nil {
		return nil, err
	}
	route, confidence, err := h.svc.PredictRouting(ctx, principal(ctx), text)
	if err != nil {
		return nil, err
	}
	return gen.PredictRouting200JSONResponse{Meta: h.meta(ctx), Data: gen.RoutingPrediction{
		Text: req.Body.Text, RouteToExperts: route, Confidence: confidence,
	}}, nil
}

// CreateAutomaticAnswer implements POST /v1/automaticAnswers: the answer, or data null when no
// class clears the company's threshold.
func (h *Handler) CreateAutomaticAnswer(ctx context.Context, req gen.CreateAutomaticAnswerRequestObject) (gen.CreateAutomaticAnswerResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required (required: query)")
	}
	query, err := question.CheckBody("query", req.Body.Query)
	if err != nil {
		return nil, err
	}
	p := principal(ctx)
	a, ok, err := h.svc.AutomaticAnswer(ctx, p, query)
	if err != nil {
		return nil, err
	}
	out := gen.CreateAutomaticAnswer200JSONResponse{Meta: h.meta(ctx)}
	if ok {
		markdown, err := h.svc.Markdown(ctx, p)
		if err != nil {
			return nil, err
		}
		out.Data = h.automaticAnswer(a, markdown)
	}
	return out, nil
}

// SendAutomaticAnswerFeedback implements POST /v1/automaticAnswers/{uuid}/feedback.
func (h *Handler) SendAutomaticAnswerFeedback(ctx context.Context, req gen.SendAutomaticAnswerFeedbackRequestObject) (gen.SendAutomaticAnswerFeedbackResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required (required: quickReply)")
	}
	reply := req.Body.QuickReply
	if !reply.Valid() {
		return nil, apierr.Invalidf("quickReply: must be one of %s, %s", gen.QuickReplyAccepted, gen.QuickReplyRejected)
	}
	p := principal(ctx)
	a, err := h.svc.AutomaticAnswerFeedback(ctx, p, req.Uuid, string(reply))
	if err != nil {
		return nil, err
	}
	markdown, err := h.svc.Markdown(ctx, p)
	if err != nil {
		return nil, err
	}
	return gen.SendAutomaticAnswerFeedback200JSONResponse{Meta: h.meta(ctx), Data: h.automaticAnswer(a, markdown)}, nil
}

// GetContent implements POST /v1/content (deprecated): up to three class answers, best first.
func (h *Handler) GetContent(ctx context.Context, req gen.GetContentRequestObject) (gen.GetContentResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required (required: text)")
	}
	text, err := question.CheckBody("text", req.Body.Text)
	if err != nil {
		return nil, err
	}
	p := principal(ctx)
	ms, err := h.svc.Content(ctx, p, text)
	if err != nil {
		return nil, err
	}
	items := make([]gen.ContentItem, 0, len(ms))
	if len(ms) > 0 {
		markdown, err := h.svc.Markdown(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			items = append(items, h.contentItem(m, markdown))
		}
	}
	return gen.GetContent200JSONResponse{Meta: h.meta(ctx), Data: gen.ContentResult{Content: items}}, nil
}
