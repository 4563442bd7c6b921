package messaging

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// questionAnswer is the 200 of every operation that answers with a question (a
// QuestionEnvelope): built in memory as the generated code writes it when the view holds its
// messages, and otherwise (service.View.Streamed, a large question) written as its messages are
// read, thread by thread, with the same bytes and memory bounded whatever their number.
type questionAnswer struct {
	ctx  context.Context
	h    *Handler
	meta gen.Meta
	v    service.View
}

var (
	_ gen.GetQuestionResponseObject      = questionAnswer{}
	_ gen.CloseQuestionResponseObject    = questionAnswer{}
	_ gen.ExpireQuestionResponseObject   = questionAnswer{}
	_ gen.RerouteQuestionResponseObject  = questionAnswer{}
	_ gen.MarkQuestionReadResponseObject = questionAnswer{}
	_ gen.AcceptResponseResponseObject   = questionAnswer{}
	_ gen.RateResponseResponseObject     = questionAnswer{}
	_ gen.AddTestimonialResponseObject   = questionAnswer{}
)

func (h *Handler) questionAnswer(ctx context.Context, v service.View) questionAnswer {
	return questionAnswer{ctx: ctx, h: h, meta: h.meta(ctx), v: v}
}

func (a questionAnswer) VisitGetQuestionResponse(w http.ResponseWriter) error   { return a.visit(w) }
func (a questionAnswer) VisitCloseQuestionResponse(w http.ResponseWriter) error { return a.visit(w) }
func (a questionAnswer) VisitExpireQuestionResponse(w http.ResponseWriter) error {
	return a.visit(w)
}
func (a questionAnswer) VisitRerouteQuestionResponse(w http.ResponseWriter) error {
	return a.visit(w)
}
func (a questionAnswer) VisitMarkQuestionReadResponse(w http.ResponseWriter) error {
	return a.visit(w)
}
func (a questionAnswer) VisitAcceptResponseResponse(w http.ResponseWriter) error { return a.visit(w) }
func (a questionAnswer) VisitRateResponseResponse(w http.ResponseWriter) error   { return a.visit(w) }
func (a questionAnswer) VisitAddTestimonialResponse(w http.ResponseWriter) error { return a.visit(w) }

func (a questionAnswer) visit(w http.ResponseWriter) error {
	if !a.v.Streamed {
		return gen.GetQuestion200JSONResponse{Meta: a.meta, Data: a.h.question(a.v)}.VisitGetQuestionResponse(w)
	}
	return a.stream(w)
}

// unreadPlaceholder stands for unreadMessageCount in the head until the messages are counted.
const unreadPlaceholder = -987654321

var (
	keyMessagesResponses = []byte(`"messages":[],"responses":[]`)
	keyMessages          = []byte(`"messages":[]`)
	keyUnread            = []byte(`"unreadMessageCount":` + strconv.Itoa(unreadPlaceholder))
	errHeadShape         = errors.New("messaging: the question's JSON does not have the expected keys")
)

// stream writes the envelope of a question whose messages are read as they are written: the
// envelope is encoded without messages or responses, and the question-level messages, each
// response (encoded without its messages) with its thread's messages, and the unread count
// (known once every message was seen) are written into it where the encoder would have put
// them (keys in struct order: conversation.messages, responses, …, unreadMessageCount). A key
// can only appear as written here outside a JSON string, where quotes are escaped.
func (a questionAnswer) stream(w http.ResponseWriter) error {
	v := a.v
	head := a.h.question(service.View{Conversation: &question.Conversation{Q: v.Q, Responses: v.Responses}, Markdown: v.Markdown})
	head.Conversation.Messages, head.Conversation.Responses = []gen.Message{}, []gen.Response{}
	head.Conversation.UnreadMessageCount = unreadPlaceholder
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(gen.QuestionEnvelope{Meta: a.meta, Data: head}); err != nil {
		return err
	}
	env := buf.Bytes()
	i := bytes.Index(env, keyMessagesResponses)
	j := bytes.Index(env, keyUnread)
	if i < 0 || j < i {
		return errHeadShape // nothing written yet: answered as an internal error
	}
	threads := make([][]byte, len(v.Responses))
	for k, r := range v.Responses {
		b, err := json.Marshal(a.h.response(r))
		if err != nil {
			return err
		}
		if bytes.Count(b, keyMessages) != 1 {
			return errHeadShape
		}
		threads[k] = b
	}

	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, streamBuffer)
	unread := 0
	each := func() func(*store.Message) error { // a JSON array's elements, one level's messages
		first := true
		return func(m *store.Message) error {
			if !first {
				bw.WriteByte(',')
			}
			first = false
			if !m.IsRead && (m.Type == question.ExpertMessage || m.Type == question.AutomatedMessage) {
				unread++
			}
			b, err := json.Marshal(a.h.message(*m, v.Markdown))
			if err != nil {
				return err
			}
			_, err = bw.Write(b)
			return err
		}
	}
	bw.Write(env[:i])
	bw.WriteString(`"messages":[`)
	err := v.EachThreadMessage(a.ctx, nil, each())
	if err == nil {
		bw.WriteString(`],"responses":[`)
		for k, r := range v.Responses {
			if k > 0 {
				bw.WriteByte(',')
			}
			b := threads[k]
			at := bytes.Index(b, keyMessages) + len(keyMessages) - 1 // at the closing ]
			bw.Write(b[:at])
			id := r.UUID
			if err = v.EachThreadMessage(a.ctx, &id, each()); err != nil {
				break
			}
			bw.Write(b[at:])
		}
	}
	if err == nil {
		bw.WriteByte(']')
		bw.Write(env[i+len(keyMessagesResponses) : j])
		bw.WriteString(`"unreadMessageCount":` + strconv.Itoa(unread))
		bw.Write(env[j+len(keyUnread):])
		err = bw.Flush()
	}
	if err != nil {
		httpkit.Logger(a.ctx).Warn("messaging: a question's answer stopped after it started; dropping the connection", "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
