package hub

import (
	"bytes"
	"context"
	"net/http"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/store"
)

// ListActivities implements GET /api/v1/interactions/activities/{conversationId}.
func (h *Handler) ListActivities(ctx context.Context, req gen.ListActivitiesRequestObject) (gen.ListActivitiesResponseObject, error) {
	st := stateFrom(ctx)
	acts, err := h.svc.Activities(ctx, *st.principal, guid(req.ConversationId), st.query)
	if err != nil {
		return nil, err
	}
	return storedActivities(acts), nil
}

// storedActivities answers the activities as they were stored: the enriched JSON byte for byte
// (member order, and payload numbers as sent, which a round trip through Go maps would lose).
type storedActivities []store.HubActivity

func (s storedActivities) VisitListActivitiesResponse(w http.ResponseWriter) error {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, a := range s {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(a.Body)
	}
	b.WriteByte(']')
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err := b.WriteTo(w)
	return err
}
