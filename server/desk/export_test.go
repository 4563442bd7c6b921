package desk

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/store"
)

// MessagesView is the wire form of messages, for tests that build the expected answer.
var MessagesView = messages

// NewMessageStream is the streamed answer of a message listing, for tests of its failures.
func NewMessageStream(ctx context.Context, first []store.DeskMessage, more func(context.Context, store.DeskMessage) ([]store.DeskMessage, error)) gen.GetConversationsConversationidMessagesResponseObject {
	return &messageStream{ctx: ctx, first: first, more: more}
}
