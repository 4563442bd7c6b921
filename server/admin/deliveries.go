package admin

import (
	"context"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/store"
)

// defaultDeliveries is the page size of listDeliveries.
const defaultDeliveries = 50

// ListDeliveries implements GET /v1/tenants/{tenantId}/deliveries.
func (h *Handler) ListDeliveries(ctx context.Context, req gen.ListDeliveriesRequestObject) (gen.ListDeliveriesResponseObject, error) {
	var state string
	var before int64
	limit := defaultDeliveries
	if p := req.Params; p.State != nil {
		state = string(*p.State)
	}
	if req.Params.Before != nil {
		before = *req.Params.Before
	}
	if req.Params.Limit != nil {
		limit = *req.Params.Limit
	}
	ds, err := h.outbox.Deliveries(ctx, req.TenantId, state, before, limit)
	if err != nil {
		return nil, err
	}
	out := gen.DeliveryList{Deliveries: make([]gen.Delivery, len(ds))}
	for i, d := range ds {
		out.Deliveries[i] = delivery(d)
	}
	return gen.ListDeliveries200JSONResponse(out), nil
}

// GetDelivery implements GET /v1/tenants/{tenantId}/deliveries/{deliveryId}.
func (h *Handler) GetDelivery(ctx context.Context, req gen.GetDeliveryRequestObject) (gen.GetDeliveryResponseObject, error) {
	d, err := h.outbox.Delivery(ctx, req.TenantId, req.DeliveryId)
	if err != nil {
		return nil, err
	}
	return gen.GetDelivery200JSONResponse{DeliveryDetailOKJSONResponse: gen.DeliveryDetailOKJSONResponse(deliveryDetail(d))}, nil
}

// RedeliverDelivery implements POST /v1/tenants/{tenantId}/deliveries/{deliveryId}/redeliver.
func (h *Handler) RedeliverDelivery(ctx context.Context, req gen.RedeliverDeliveryRequestObject) (gen.RedeliverDeliveryResponseObject, error) {
	d, err := h.outbox.Redeliver(ctx, req.TenantId, req.DeliveryId)
	if err != nil {
		return nil, err
	}
	return gen.RedeliverDelivery200JSONResponse{DeliveryDetailOKJSONResponse: gen.DeliveryDetailOKJSONResponse(deliveryDetail(d))}, nil
}

func delivery(d store.OutboxDelivery) gen.Delivery {
	return gen.Delivery{Id: d.ID, Topic: d.Topic, Subject: d.Subject, Url: d.URL, State: gen.DeliveryState(d.State),
		Attempts: d.Attempts, MaxAttempts: d.MaxAttempts, LastStatus: d.LastStatus, LastError: d.LastError,
		LastAttemptAt: utcPtr(d.LastAttemptAt), NextAttemptAt: utc(d.NextAttemptAt), CreatedAt: utc(d.CreatedAt),
		FinishedAt: utcPtr(d.FinishedAt)}
}

func deliveryDetail(d store.OutboxDelivery) gen.DeliveryDetail {
	return gen.DeliveryDetail{Delivery: delivery(d), Headers: d.Headers, Body: string(d.Body), Signature: d.Signature}
}
