package messaging

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/apierr"
)

// The text endpoints score a text against the company's classes. They never create a question
// or reach an expert.

// GetClassification implements GET /v1/classifications.
func (h *Handler) GetClassification(ctx context.Context, req gen.GetClassificationRequestObject) (gen.GetClassificationResponseObject, error) {
	m, err := h.svc.Classify(ctx, principal(ctx), req.Params.Text)
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
	route, confidence, err := h.svc.PredictRouting(ctx, principal(ctx), req.Body.Text)
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
	a, ok, err := h.svc.AutomaticAnswer(ctx, principal(ctx), req.Body.Query)
	if err != nil {
		return nil, err
	}
	out := gen.CreateAutomaticAnswer200JSONResponse{Meta: h.meta(ctx)}
	if ok {
		out.Data = h.automaticAnswer(a.AutomaticAnswer, a.Markdown)
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
	a, err := h.svc.AutomaticAnswerFeedback(ctx, principal(ctx), req.Uuid, string(reply))
	if err != nil {
		return nil, err
	}
	return gen.SendAutomaticAnswerFeedback200JSONResponse{Meta: h.meta(ctx), Data: h.automaticAnswer(a.AutomaticAnswer, a.Markdown)}, nil
}

// GetContent implements POST /v1/content (deprecated): up to three class answers, best first.
func (h *Handler) GetContent(ctx context.Context, req gen.GetContentRequestObject) (gen.GetContentResponseObject, error) {
	if req.Body == nil {
		return nil, apierr.Invalidf("request body is required (required: text)")
	}
	ms, markdown, err := h.svc.Content(ctx, principal(ctx), req.Body.Text)
	if err != nil {
		return nil, err
	}
	items := make([]gen.ContentItem, 0, len(ms))
	for _, m := range ms {
		items = append(items, h.contentItem(m, markdown))
	}
	return gen.GetContent200JSONResponse{Meta: h.meta(ctx), Data: gen.ContentResult{Content: items}}, nil
}
