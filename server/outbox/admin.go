package outbox

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/store"
)

// The operator's view of a tenant's deliveries.

// Deliveries lists a tenant's deliveries, newest first: of one state when state is not "", with an
// id below before when before > 0, at most limit.
func (w *Worker) Deliveries(ctx context.Context, tenant uuid.UUID, state string, before int64, limit int) ([]store.OutboxDelivery, error) {
	if _, err := w.Store.GetTenant(ctx, tenant); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, apierr.NotFoundf("no tenant %s", tenant)
		}
		return nil, err
	}
	return w.Store.Deliveries(ctx, tenant, state, before, limit)
}

// Delivery returns one of a tenant's deliveries.
func (w *Worker) Delivery(ctx context.Context, tenant uuid.UUID, id int64) (store.OutboxDelivery, error) {
	d, err := w.Store.Delivery(ctx, tenant, id)
	if errors.Is(err, store.ErrNotFound) {
		return d, apierr.NotFoundf("no delivery %d for tenant %s", id, tenant)
	}
	return d, err
}

// Redeliver makes one of a tenant's deliveries due now on the server clock, whatever its state,
// with one more attempt if it had used them all, and wakes the worker. The same bytes and signature
// are sent again.
func (w *Worker) Redeliver(ctx context.Context, tenant uuid.UUID, id int64) (store.OutboxDelivery, error) {
	d, err := w.Store.Redeliver(ctx, tenant, id, w.Clock.Now())
	if errors.Is(err, store.ErrNotFound) {
		return d, apierr.NotFoundf("no delivery %d for tenant %s", id, tenant)
	}
	if err == nil {
		w.Kick()
	}
	return d, err
}
