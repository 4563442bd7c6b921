package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
)

// Threads returns the responses and messages of several of the tenant's
// questions at once, keyed by question UUID: two queries whatever the number
// of questions (list views use it instead of QuestionResponses and
// QuestionMessages per question). Each question's responses are in creation
// order (ID) and its messages in Seq order, as QuestionResponses and
// QuestionMessages return them. A question with no responses (or no
// messages), an unknown UUID or another tenant's question has no entry in
// the map concerned. No UUIDs returns empty maps without querying.
func (s *Store) Threads(ctx context.Context, tenantID uuid.UUID, questionUUIDs []uuid.UUID) (map[uuid.UUID][]Response, map[uuid.UUID][]Message, error) {
	responses := map[uuid.UUID][]Response{}
	messages := map[uuid.UUID][]Message{}
	if len(questionUUIDs) == 0 {
		return responses, messages, nil
	}

	// Same filters and ORDER BY as listResponses / listMessages, with IN for
	// the question; grouping in row order keeps each question's order.
	var rrows []responseRow
	err := s.db.NewSelect().Model(&rrows).
		Where("r.tenant_id = ?", tenantID).
		Where("r.question_uuid IN (?)", bun.In(questionUUIDs)).
		OrderExpr("r.id ASC").
		Scan(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("store: threads: responses: %w", err)
	}
	for i := range rrows {
		r := rrows[i].toResponse()
		responses[r.QuestionUUID] = append(responses[r.QuestionUUID], r)
	}

	var mrows []messageRow
	err = s.db.NewSelect().Model(&mrows).
		Where("m.tenant_id = ?", tenantID).
		Where("m.question_uuid IN (?)", bun.In(questionUUIDs)).
		OrderExpr("m.seq ASC").
		Scan(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("store: threads: messages: %w", err)
	}
	for i := range mrows {
		m := mrows[i].toMessage()
		messages[m.QuestionUUID] = append(messages[m.QuestionUUID], m)
	}
	return responses, messages, nil
}
