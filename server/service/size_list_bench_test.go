package service_test

import (
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// listMessages reads every message of a question as GET /v1/messages does and encodes each
// (the handler writes them out one by one).
func listMessages(b *testing.B, svc *service.Service, p service.Principal, id uuid.UUID) {
	ctx := context.Background()
	list, _, err := svc.Messages(ctx, p, id, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	enc := json.NewEncoder(io.Discard)
	if err := list.Each(ctx, func(m *store.Message) error { return enc.Encode(m) }); err != nil {
		b.Fatal(err)
	}
}
