package messaging

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// streamBuffer is how much of a streamed body is gathered before it is written out.
const streamBuffer = 32 << 10

// messageListStream is GET /v1/messages' 200 written as the messages are read: the same bytes
// as gen.ListMessages200JSONResponse (a MessageListEnvelope through json.Encoder: "data" then
// "meta", a newline at the end) with memory bounded whatever the number of messages. Whatever
// could fail before the body starts was decided by service.Messages; a failure after it (the
// database, the client gone) can no longer change the status, so the connection is dropped and
// the client sees a broken response, never a short list that looks whole.
type messageListStream struct {
	ctx  context.Context
	h    *Handler
	meta gen.Meta
	list service.MessageList
}

var _ gen.ListMessagesResponseObject = messageListStream{}

func (s messageListStream) VisitListMessagesResponse(w http.ResponseWriter) error {
	meta, err := json.Marshal(s.meta)
	if err != nil {
		return err // nothing written yet: answered as an internal error
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	bw := bufio.NewWriterSize(w, streamBuffer)
	bw.WriteString(`{"data":[`)
	first := true
	err = s.list.Each(s.ctx, func(m *store.Message) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		b, err := json.Marshal(s.h.message(*m, s.list.Markdown))
		if err != nil {
			return err
		}
		_, err = bw.Write(b) // a write error (the client left) is kept by bw and ends the walk here
		return err
	})
	if err == nil {
		bw.WriteString(`],"meta":`)
		bw.Write(meta)
		bw.WriteString("}\n")
		err = bw.Flush()
	}
	if err != nil {
		httpkit.Logger(s.ctx).Warn("messaging: listMessages stopped after the response started; dropping the connection", "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
