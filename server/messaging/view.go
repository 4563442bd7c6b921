package messaging

import (
	"encoding/json"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/server/textmatch"
	"github.com/switchboard-dev/switchboard/store"
)

// This file is the one converter from domain values to the API's shapes. Dates leave as UTC
// whole seconds, empty lists as [], absent optional values as null; the user's email and refId
// are never shown.

// question is the Question of a conversation.
func (h *Handler) question(v service.View) gen.Question {
	q := v.Q
	conv := gen.Conversation{
		Text: q.Text, Subject: q.Subject, Language: q.Language,
		Author:             gen.Author{Name: q.AuthorName, Type: gen.AuthorTypeUser},
		Messages:           make([]gen.Message, 0, len(v.Messages)),
		Responses:          make([]gen.Response, len(v.Responses)),
		UnreadMessageCount: v.Unread(),
	}
	thread := make(map[uuid.UUID]int, len(v.Responses))
	for i, r := range v.Responses {
		thread[r.UUID] = i
		conv.Responses[i] = h.response(r)
	}
	for _, m := range v.Messages { // creation order, question level and threads merged
		if m.ResponseUUID == nil {
			conv.Messages = append(conv.Messages, h.message(m, v.Markdown))
		} else if i, ok := thread[*m.ResponseUUID]; ok {
			conv.Responses[i].Messages = append(conv.Responses[i].Messages, h.message(m, v.Markdown))
		}
	}
	state := gen.State{
		Status:     gen.QuestionStatus(q.Status),
		IsAnswered: len(v.Responses) > 0,
		IsClosed:   question.IsTerminal(q.Status),
		IsClaimed:  q.ClaimedBy != nil,
		RerouteStatus: gen.RerouteStatus{
			IsRerouted: q.Status == question.Rerouted,
		},
	}
	if q.ReroutedBy != "" {
		by := q.ReroutedBy
		state.RerouteStatus.ReroutedBy = &by
	}
	if q.ReroutedAt != nil {
		at := utc(*q.ReroutedAt)
		state.RerouteStatus.ReroutedAt = &at
	}
	meta := json.RawMessage(q.Metadata)
	if len(meta) == 0 {
		meta = json.RawMessage("{}")
	}
	return gen.Question{
		Uuid: q.UUID, CreatedAt: utc(q.CreatedAt), LastUpdated: utc(q.LastUpdated),
		Conversation: conv, State: state, Metadata: meta,
	}
}

// response is a Response without its messages (question fills them in).
func (h *Handler) response(r store.Response) gen.Response {
	out := gen.Response{
		Uuid: r.UUID, Type: gen.ResponseType(r.Type),
		IsAccepted: r.IsAccepted, IsMarkedAsResolved: r.IsMarkedAsResolved,
		CreatedAt: utc(r.CreatedAt), Messages: []gen.Message{},
	}
	if r.Type == question.ResponseExpert {
		out.Author = gen.Author{Uuid: r.AuthorUUID, Name: r.AuthorName, Type: gen.AuthorTypeExpert}
	} else {
		out.Author = gen.Author{Name: r.AuthorName, Type: gen.AuthorTypeBot}
	}
	if r.Rating != "" {
		rating := gen.Rating(r.Rating)
		out.Rating = &rating
	}
	if r.Testimonial != "" {
		t := r.Testimonial
		out.Testimonial = &t
	}
	return out
}

// message is a Message; markdown is the company's flag for bodyHtml.
func (h *Handler) message(m store.Message, markdown bool) gen.Message {
	author := gen.Author{Name: m.AuthorName, Type: gen.AuthorType(m.AuthorType)}
	switch m.AuthorType {
	case question.AuthorExpert:
		author.Uuid = m.AuthorUUID
	case question.AuthorSystem:
		author.Name = question.SystemAuthorName
	}
	return gen.Message{
		Uuid: m.UUID, QuestionUuid: m.QuestionUUID, ResponseUuid: m.ResponseUUID,
		Author: author, Body: m.Body, BodyHtml: h.render.BodyHTML(m.Body, markdown),
		Type: gen.MessageType(m.Type), CreatedAt: utc(m.CreatedAt), IsRead: m.IsRead,
	}
}

// automaticAnswer is an AutomaticAnswer.
func (h *Handler) automaticAnswer(a store.AutomaticAnswer, markdown bool) *gen.AutomaticAnswer {
	out := &gen.AutomaticAnswer{
		Uuid: a.UUID, Query: a.Query, Title: a.Title, Body: a.Body,
		BodyHtml: h.render.BodyHTML(a.Body, markdown), Confidence: a.Confidence, CreatedAt: utc(a.CreatedAt),
	}
	if a.Feedback != "" {
		f := gen.QuickReply(a.Feedback)
		out.Feedback = &f
	}
	return out
}

// contentItem is a ContentItem; each gets a new uuid (content is not stored).
func (h *Handler) contentItem(m textmatch.Match, markdown bool) gen.ContentItem {
	return gen.ContentItem{
		Uuid: uuid.New(), Title: m.Class.Title, Body: m.Class.Body,
		BodyHtml: h.render.BodyHTML(m.Class.Body, markdown), Confidence: m.Confidence,
	}
}

// trainingFile is a TrainingFile.
func trainingFile(f store.TrainingFile) gen.TrainingFile {
	out := gen.TrainingFile{
		Uuid: f.UUID, Filename: f.Filename, Size: f.Size, ContentType: f.ContentType,
		Status: gen.TrainingFileStatusReceived, CreatedAt: utc(f.CreatedAt),
	}
	if f.Description != "" {
		d := f.Description
		out.Description = &d
	}
	return out
}
