package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/store"
)

// defaultEventLimit is the page size of listTenantEvents when the request names none (spec default).
const defaultEventLimit = 100

// ListTenantEvents implements GET /v1/tenants/{tenantId}/events.
func (h *Handler) ListTenantEvents(ctx context.Context, req gen.ListTenantEventsRequestObject) (gen.ListTenantEventsResponseObject, error) {
	p := req.Params
	f := store.EventFilter{Limit: defaultEventLimit, QuestionUUID: p.QuestionUuid}
	if p.After != nil {
		f.After = *p.After
	}
	if p.Limit != nil {
		f.Limit = *p.Limit
	}
	es, err := h.svc.Events(ctx, req.TenantId, f)
	if err != nil {
		return nil, err
	}
	out := gen.EventList{Events: make([]gen.Event, len(es)), NextAfter: f.After}
	for i, e := range es {
		out.Events[i] = event(e)
	}
	if len(es) > 0 {
		out.NextAfter = es[len(es)-1].Seq
	}
	return gen.ListTenantEvents200JSONResponse(out), nil
}
