package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// GetRuntime implements GET /v1/runtime: what this server process holds.
func (h *Handler) GetRuntime(ctx context.Context, _ gen.GetRuntimeRequestObject) (gen.GetRuntimeResponseObject, error) {
	r := httpkit.Runtime()
	return gen.GetRuntime200JSONResponse{Connections: r.Connections, Goroutines: r.Goroutines, HeapBytes: r.HeapBytes, RssBytes: r.RSSBytes}, nil
}
