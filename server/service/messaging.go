package service

import (
	"context"
	"errors"
	"io"
	"math"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/textmatch"
	"github.com/switchboard-dev/switchboard/store"
)

// View is a conversation ready to be shown: the question with its threads, and how the company
// wants message bodies rendered.
//
// A Streamed view holds the question and its responses but not its messages (a large
// question): EachThreadMessage reads them, level by level, as they are written. Its
// Conversation is marked Partial, so that counting its messages in memory fails loudly.
type View struct {
	*question.Conversation
	Markdown bool
	Streamed bool

	store *store.Store
}

// EachThreadMessage calls fn with the messages of one level of a streamed view's question, in
// creation order: thread nil = question level, else that response's thread.
func (v View) EachThreadMessage(ctx context.Context, thread *uuid.UUID, fn func(*store.Message) error) error {
	return v.store.EachMessage(ctx, v.Q.TenantID, v.Q.UUID, store.MessageRange{Thread: thread}, fn)
}

// AutomatedAuthor is the author name of automatic responses attached by a classification.
const AutomatedAuthor = "Automatic answer"

// act runs one rule on a question inside a transaction that locks it, persists the change, and
// returns the conversation as it now is: whole, or only its working set for a large question
// (callers that show it read it again: whole, streamable). channel "" accepts any channel.
func (s *Service) act(ctx context.Context, tenantID, id uuid.UUID, channel string,
	rule func(c *question.Conversation, st Settings, now time.Time) (*question.Change, error)) (View, *question.Change, error) {
	return s.actTx(ctx, tenantID, id, channel, func(_ *store.TenantTx, c *question.Conversation, st Settings, now time.Time) (*question.Change, error) {
		return rule(c, st, now)
	})
}

// actTx is act for rules that need to read (or lock) more of the tenant in the same
// transaction. The conversation returned may be a working set (see whole).
func (s *Service) actTx(ctx context.Context, tenantID, id uuid.UUID, channel string,
	rule func(tx *store.TenantTx, c *question.Conversation, st Settings, now time.Time) (*question.Change, error)) (View, *question.Change, error) {
	st, err := s.settings(ctx, tenantID)
	if err != nil {
		return View{}, nil, err
	}
	var (
		c  *question.Conversation
		ch *question.Change
	)
	now := s.Clock.Now() // read before the transaction: the clock may itself read the database
	err = s.Store.InTenantTx(ctx, tenantID, func(tx *store.TenantTx) error {
		if c, err = s.loadConversation(ctx, tx, id, channel); err != nil {
			return err
		}
		if ch, err = rule(tx, c, st, now); err != nil {
			return err
		}
		return persist(ctx, tx, c, ch, now)
	})
	if err != nil {
		return View{}, nil, err
	}
	return View{Conversation: c, Markdown: st.Markdown}, ch, nil
}

// questionOfResponse finds the question a response belongs to (a plain read: the rule that
// follows locks the question in its own transaction).
func (s *Service) questionOfResponse(ctx context.Context, tenantID, responseID uuid.UUID) (uuid.UUID, error) {
	r, err := s.Store.Response(ctx, tenantID, responseID)
	if err != nil {
		return uuid.Nil, notFound(err, "response %s not found", responseID)
	}
	return r.QuestionUUID, nil
}

// Ask creates a Messaging question for the company behind p: it is routed to the experts most
// likely to resolve it, and, with a classification, gets that class's automatic answer.
func (s *Service) Ask(ctx context.Context, p Principal, in question.MessagingInput) (View, error) {
	nq, err := question.ValidateMessaging(in)
	if err != nil {
		return View{}, err
	}
	st, err := s.settings(ctx, p.TenantID)
	if err != nil {
		return View{}, err
	}
	var automated *question.Automated
	if nq.Classification != "" {
		var class *Class
		for i := range st.Classes {
			if st.Classes[i].Name == nq.Classification {
				class = &st.Classes[i]
			}
		}
		if class == nil {
			return View{}, apierr.Invalidf("classification: unknown classification %q; use a value returned by GET /v1/classifications", nq.Classification)
		}
		body := class.Answer.Body
		if class.Answer.Title != "" {
			body = class.Answer.Title + "\n\n" + body
		}
		automated = &question.Automated{AuthorName: AutomatedAuthor, Body: body}
	}
	newQ := store.Question{
		TenantID: p.TenantID, Channel: question.ChannelMessaging,
		Subject: nq.Subject, Text: nq.Text, Language: nq.Language, Category: nq.Classification,
		AuthorName: nq.AuthorName, AuthorEmail: nq.AuthorEmail, AuthorRefID: nq.AuthorRefID, Metadata: nq.Metadata,
	}
	// Ranking reads the experts and their loads before the transaction, so that on SQLite these
	// reads do not hold the database's only write lock (the ranking is a snapshot either way:
	// on PostgreSQL the transaction is READ COMMITTED and locks no expert).
	ranked, err := rank(ctx, tenantReads{s.Store, p.TenantID}, &newQ, st)
	if err != nil {
		return View{}, err
	}
	var c *question.Conversation
	now := s.Clock.Now()
	err = s.Store.InTenantTx(ctx, p.TenantID, func(tx *store.TenantTx) error {
		q := new(store.Question)
		*q = newQ
		q.UUID = store.NewID()
		var ch *question.Change
		c, ch = question.NewConversation(q, automated, st.Timers(q.Category), now)
		return persistNew(ctx, tx, c, ch, st, now, ranked)
	})
	if err != nil {
		return View{}, err
	}
	return View{Conversation: c, Markdown: st.Markdown}, nil
}

// MessagingQuestion returns one of the company's Messaging questions; the messages of a large
// one are read as they are written (View.Streamed).
func (s *Service) MessagingQuestion(ctx context.Context, p Principal, id uuid.UUID) (View, error) {
	return s.readStreamable(ctx, p.TenantID, id, question.ChannelMessaging)
}

// Poll is the hot path of GET /v1/questions/{uuid}?lastChecked=: it authenticates the token and
// reads the question's lastUpdated in one indexed read. notModified is true when nothing changed
// after lastChecked (reference §8).
func (s *Service) Poll(ctx context.Context, token string, id uuid.UUID, lastChecked time.Time) (p Principal, notModified bool, err error) {
	if token == "" {
		return Principal{}, false, errNoToken
	}
	res, err := s.Store.Poll(ctx, credential.Hash(token), id)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, false, apierr.Unauthorizedf("unknown access token")
	}
	if err != nil {
		return Principal{}, false, err
	}
	if p, err = s.checkToken(res.Token); err != nil {
		return Principal{}, false, err
	}
	if !res.QuestionFound || res.Channel != question.ChannelMessaging {
		return p, false, apierr.NotFoundf("question %s not found", id)
	}
	return p, NotModified(res.LastUpdated, lastChecked), nil
}

// NotModified is the 304 rule: lastUpdated <= lastChecked, compared in whole seconds.
func NotModified(lastUpdated, lastChecked time.Time) bool {
	return !lastUpdated.Truncate(time.Second).After(lastChecked)
}

// QuestionFilter selects the company's questions for listQuestions.
type QuestionFilter struct {
	Status, AuthorRefID string
	Page, PageSize      int
}

// MessagingQuestions lists the company's Messaging questions, most recently updated first, and
// the total that match.
func (s *Service) MessagingQuestions(ctx context.Context, p Principal, f QuestionFilter) ([]View, int, error) {
	st, err := s.settings(ctx, p.TenantID)
	if err != nil {
		return nil, 0, err
	}
	offset := math.MaxInt // a page past any there can be (page × pageSize beyond int64): empty
	if f.Page-1 <= math.MaxInt/f.PageSize {
		offset = (f.Page - 1) * f.PageSize
	}
	qs, total, err := s.Store.PageQuestions(ctx, p.TenantID, store.PageFilter{
		Channel: question.ChannelMessaging, Status: f.Status, AuthorRefID: f.AuthorRefID,
		Offset: offset, Limit: f.PageSize,
	})
	if err != nil {
		return nil, 0, err
	}
	cs, err := s.conversations(ctx, p.TenantID, qs)
	if err != nil {
		return nil, 0, err
	}
	out := make([]View, len(cs))
	for i, c := range cs {
		out[i] = View{Conversation: c, Markdown: st.Markdown}
	}
	return out, total, nil
}

// CloseQuestion closes a question (idempotent in a terminal state).
func (s *Service) CloseQuestion(ctx context.Context, p Principal, id uuid.UUID) (View, error) {
	v, _, err := s.act(ctx, p.TenantID, id, question.ChannelMessaging, func(c *question.Conversation, _ Settings, now time.Time) (*question.Change, error) {
		return c.Close(now), nil
	})
	return s.streamable(ctx, v, err)
}

// ExpireQuestion ends a question for good (idempotent in a terminal state).
func (s *Service) ExpireQuestion(ctx context.Context, p Principal, id uuid.UUID) (View, error) {
	v, _, err := s.act(ctx, p.TenantID, id, question.ChannelMessaging, func(c *question.Conversation, _ Settings, now time.Time) (*question.Change, error) {
		return c.Expire(now), nil
	})
	return s.streamable(ctx, v, err)
}

// RerouteQuestion is the user asking to be passed on to the company's own team.
func (s *Service) RerouteQuestion(ctx context.Context, p Principal, id uuid.UUID, reason string) (View, error) {
	reason, err := question.CheckLimit("reason", reason, question.MaxReasonLen, false)
	if err != nil {
		return View{}, err
	}
	v, _, err := s.act(ctx, p.TenantID, id, question.ChannelMessaging, func(c *question.Conversation, _ Settings, now time.Time) (*question.Change, error) {
		return c.Reroute(question.ByUser, nil, reason, now)
	})
	return s.streamable(ctx, v, err)
}

// MarkRead marks every message of the question read.
func (s *Service) MarkRead(ctx context.Context, p Principal, id uuid.UUID) (View, error) {
	v, _, err := s.act(ctx, p.TenantID, id, question.ChannelMessaging, func(c *question.Conversation, _ Settings, _ time.Time) (*question.Change, error) {
		return c.Read(), nil
	})
	return s.streamable(ctx, v, err)
}

// onResponse runs a rule on the question of a Messaging response.
func (s *Service) onResponse(ctx context.Context, p Principal, responseID uuid.UUID,
	rule func(c *question.Conversation, st Settings, now time.Time) (*question.Change, error)) (View, error) {
	qid, err := s.questionOfResponse(ctx, p.TenantID, responseID)
	if err != nil {
		return View{}, err
	}
	v, _, err := s.act(ctx, p.TenantID, qid, question.ChannelMessaging, rule)
	if apierr.KindOf(err) == apierr.NotFound {
		return View{}, apierr.NotFoundf("response %s not found", responseID)
	}
	return s.streamable(ctx, v, err)
}

// AcceptResponse accepts a response; the question becomes RESOLVED.
func (s *Service) AcceptResponse(ctx context.Context, p Principal, responseID uuid.UUID) (View, error) {
	return s.onResponse(ctx, p, responseID, func(c *question.Conversation, _ Settings, now time.Time) (*question.Change, error) {
		return c.Accept(responseID, now)
	})
}

// RateResponse rates the accepted response.
func (s *Service) RateResponse(ctx context.Context, p Principal, responseID uuid.UUID, rating string) (View, error) {
	if err := question.CheckRating(rating); err != nil {
		return View{}, err
	}
	return s.onResponse(ctx, p, responseID, func(c *question.Conversation, _ Settings, now time.Time) (*question.Change, error) {
		return c.Rate(responseID, rating, now)
	})
}

// AddTestimonial records the user's testimonial for the accepted response.
func (s *Service) AddTestimonial(ctx context.Context, p Principal, responseID uuid.UUID, text string) (View, error) {
	text, err := question.CheckLimit("text", text, question.MaxTestimonialLen, true)
	if err != nil {
		return View{}, err
	}
	return s.onResponse(ctx, p, responseID, func(c *question.Conversation, _ Settings, now time.Time) (*question.Change, error) {
		return c.Testimonial(responseID, text, now)
	})
}

// PostUserMessage adds the user's message to a question (responseID nil) or to a thread.
func (s *Service) PostUserMessage(ctx context.Context, p Principal, questionID uuid.UUID, responseID *uuid.UUID, body string) (View, store.Message, error) {
	return s.postUserMessage(ctx, p.TenantID, questionID, question.ChannelMessaging, responseID, body)
}

// postUserMessage adds the user's message; the view it returns may hold only the conversation's
// working set (its Markdown flag is what the caller needs).
func (s *Service) postUserMessage(ctx context.Context, tenantID, questionID uuid.UUID, channel string, responseID *uuid.UUID, body string) (View, store.Message, error) {
	body, err := question.CheckBody("body", body)
	if err != nil {
		return View{}, store.Message{}, err
	}
	v, ch, err := s.act(ctx, tenantID, questionID, channel, func(c *question.Conversation, st Settings, now time.Time) (*question.Change, error) {
		return c.UserMessage(responseID, c.Q.AuthorName, body, st.Timers(c.Q.Category), now)
	})
	if err != nil {
		return View{}, store.Message{}, err
	}
	return v, *ch.Message, nil
}

// Messages decides what GET /v1/messages answers for a question (or one of its threads):
// not found, not modified (lastChecked set and nothing changed after it), or the messages in
// creation order, as a MessageList read only when it is written. Everything that can fail is
// decided here, before the first byte of a list is written.
func (s *Service) Messages(ctx context.Context, p Principal, questionID uuid.UUID, responseID *uuid.UUID, lastChecked *time.Time) (MessageList, bool, error) {
	if lastChecked != nil && responseID == nil {
		// The poll: one read decides 304 before anything else is read.
		q, err := s.Store.Question(ctx, p.TenantID, questionID)
		if err == nil && q.Channel != question.ChannelMessaging {
			err = store.ErrNotFound
		}
		if err != nil {
			return MessageList{}, false, notFound(err, "question %s not found", questionID)
		}
		if NotModified(q.LastUpdated, *lastChecked) {
			return MessageList{}, true, nil
		}
	}
	st, err := s.settings(ctx, p.TenantID)
	if err != nil {
		return MessageList{}, false, err
	}
	q, err := s.Store.Question(ctx, p.TenantID, questionID)
	if err == nil && q.Channel != question.ChannelMessaging {
		err = store.ErrNotFound
	}
	if err != nil {
		return MessageList{}, false, notFound(err, "question %s not found", questionID)
	}
	rng := store.MessageRange{All: true}
	if responseID != nil {
		r, err := s.Store.Response(ctx, p.TenantID, *responseID)
		if err == nil && r.QuestionUUID != questionID {
			err = store.ErrNotFound
		}
		if err != nil {
			return MessageList{}, false, notFound(err, "response %s not found in question %s", *responseID, questionID)
		}
		rng = store.MessageRange{Thread: responseID}
	}
	if lastChecked != nil && NotModified(q.LastUpdated, *lastChecked) {
		return MessageList{}, true, nil
	}
	return MessageList{Markdown: st.Markdown, store: s.Store, tenant: p.TenantID, question: questionID, rng: rng}, false, nil
}

// MessageList is a list of messages to be written as it is read (GET /v1/messages): memory does
// not grow with its length.
type MessageList struct {
	Markdown bool // how the company renders message bodies

	store    *store.Store
	tenant   uuid.UUID
	question uuid.UUID
	rng      store.MessageRange
}

// Each calls fn with each message of the list in creation order; fn's error ends the walk.
func (l MessageList) Each(ctx context.Context, fn func(*store.Message) error) error {
	return l.store.EachMessage(ctx, l.tenant, l.question, l.rng, fn)
}

// ---------------------------------------------------------------------------
// Text endpoints. They never create a question or reach experts.

// textSettings checks a text endpoint's input (blank → Invalid, naming field) and reads the
// company's settings it is scored against.
func (s *Service) textSettings(ctx context.Context, p Principal, field, text string) (string, Settings, error) {
	text, err := question.CheckBody(field, text)
	if err != nil {
		return "", Settings{}, err
	}
	st, err := s.settings(ctx, p.TenantID)
	return text, st, err
}

// Classify predicts the class of a text; Class is nil below the company's threshold.
func (s *Service) Classify(ctx context.Context, p Principal, text string) (textmatch.Match, error) {
	text, st, err := s.textSettings(ctx, p, "text", text)
	if err != nil {
		return textmatch.Match{}, err
	}
	return textmatch.Classify(text, st.TextClasses(), st.ClassificationThreshold), nil
}

// PredictRouting tells whether experts would handle a text.
func (s *Service) PredictRouting(ctx context.Context, p Principal, text string) (bool, float64, error) {
	text, st, err := s.textSettings(ctx, p, "text", text)
	if err != nil {
		return false, 0, err
	}
	route, confidence := textmatch.RouteToExperts(text, st.AgentOnlyKeywords)
	return route, confidence, nil
}

// Content returns up to three class answers above the threshold, best first, and whether the
// company renders them as Markdown.
func (s *Service) Content(ctx context.Context, p Principal, text string) ([]textmatch.Match, bool, error) {
	text, st, err := s.textSettings(ctx, p, "text", text)
	if err != nil {
		return nil, false, err
	}
	return textmatch.Rank(text, st.TextClasses(), st.ClassificationThreshold, 3), st.Markdown, nil
}

// AutomaticAnswerView is an automatic answer and how the company renders its body.
type AutomaticAnswerView struct {
	store.AutomaticAnswer
	Markdown bool
}

// AutomaticAnswer stores and returns the best class answer for a query; ok is false when
// nothing clears the threshold.
func (s *Service) AutomaticAnswer(ctx context.Context, p Principal, query string) (AutomaticAnswerView, bool, error) {
	query, st, err := s.textSettings(ctx, p, "query", query)
	if err != nil {
		return AutomaticAnswerView{}, false, err
	}
	m := textmatch.Classify(query, st.TextClasses(), st.ClassificationThreshold)
	if m.Class == nil {
		return AutomaticAnswerView{}, false, nil
	}
	now := s.Clock.Now()
	a := store.AutomaticAnswer{
		TenantID: p.TenantID, UUID: uuid.New(), Query: query, ClassName: m.Class.Name,
		Title: m.Class.Title, Body: m.Class.Body, Confidence: m.Confidence, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.Store.InsertAutomaticAnswer(ctx, &a); err != nil {
		return AutomaticAnswerView{}, false, err
	}
	return AutomaticAnswerView{AutomaticAnswer: a, Markdown: st.Markdown}, true, nil
}

// AutomaticAnswerFeedback records ACCEPTED or REJECTED on an automatic answer (last one wins).
func (s *Service) AutomaticAnswerFeedback(ctx context.Context, p Principal, id uuid.UUID, feedback string) (AutomaticAnswerView, error) {
	st, err := s.settings(ctx, p.TenantID)
	if err != nil {
		return AutomaticAnswerView{}, err
	}
	a, err := s.Store.SetAutomaticAnswerFeedback(ctx, p.TenantID, id, feedback, s.Clock.Now())
	if err != nil {
		return AutomaticAnswerView{}, notFound(err, "automatic answer %s not found", id)
	}
	return AutomaticAnswerView{AutomaticAnswer: a, Markdown: st.Markdown}, nil
}

// StoreTrainingFile keeps an uploaded CX training file, its f.Size bytes of content read from
// content a chunk at a time. No training happens. An upload that would pass the company's
// storage quota (Settings.TrainingFileQuotaBytes) is refused and stores nothing.
func (s *Service) StoreTrainingFile(ctx context.Context, p Principal, f store.TrainingFile, content io.Reader) (store.TrainingFile, error) {
	st, err := s.settings(ctx, p.TenantID)
	if err != nil {
		return store.TrainingFile{}, err
	}
	f.TenantID, f.UUID, f.CreatedAt = p.TenantID, uuid.New(), s.Clock.Now()
	err = s.Store.InsertTrainingFile(ctx, &f, content, st.TrainingFileQuotaBytes)
	if errors.Is(err, store.ErrQuotaExceeded) {
		used, _ := s.Store.TrainingFilesSize(ctx, p.TenantID)
		return store.TrainingFile{}, apierr.Statef("file: the company's training files may hold %d bytes in all; %d are used, this file needs %d more (ask the operator to raise the quota)",
			st.TrainingFileQuotaBytes, used, f.Size)
	}
	if err != nil {
		return store.TrainingFile{}, err
	}
	return f, nil
}
