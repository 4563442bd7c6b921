package service

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/routing"
	"github.com/switchboard-dev/switchboard/store"
)

// rank scores the tenant's experts for question c (package routing decides; this gathers its
// inputs inside the question's transaction).
func rank(ctx context.Context, tx *store.TenantTx, q *store.Question, st Settings) ([]routing.Candidate, error) {
	experts, err := tx.Experts(ctx)
	if err != nil || len(experts) == 0 {
		return nil, err
	}
	loads, err := tx.ExpertLoads(ctx)
	if err != nil {
		return nil, err
	}
	stats, err := tx.ExpertStats(ctx, q.Category)
	if err != nil {
		return nil, err
	}
	in := make([]routing.Expert, len(experts))
	for i, e := range experts {
		s := stats[e.UUID]
		rs := routing.Stats{Responses: s.Responses, Accepted: s.Accepted}
		for rating, n := range s.Ratings {
			if v, ok := routing.RatingValue(rating); ok {
				rs.Ratings += n
				rs.RatingSum += v * float64(n)
			}
		}
		in[i] = routing.Expert{
			UUID: e.UUID, Name: e.Name, Languages: e.Languages, Categories: e.Categories, Topics: e.Topics,
			IsElite: e.IsElite, IsActive: e.IsActive, Capacity: e.Capacity, OpenLoad: loads[e.UUID], Stats: rs,
		}
	}
	rq := routing.Question{Language: q.Language, Category: q.Category, Text: q.Subject + "\n" + q.Text, EliteOnly: q.EliteOnly}
	if rule := st.Category(q.Category); rule != nil && rule.ExpertUUIDs != nil && len(rule.ExpertUUIDs) > 0 {
		rq.CategoryExperts = rule.ExpertUUIDs
	}
	ranked, _ := routing.Rank(rq, in, st.RoutingWeights)
	return ranked, nil
}

// offerNextTier offers the question to the next tier of top-ranked experts that have not been
// offered it yet, and schedules the next widening. The ranking is computed afresh, so experts
// who became busy or inactive meanwhile fall back. It returns how many experts were added.
func offerNextTier(ctx context.Context, tx *store.TenantTx, q *store.Question, st Settings, now time.Time) (int, error) {
	ranked, err := rank(ctx, tx, q, st)
	if err != nil {
		return 0, err
	}
	existing, err := tx.Offers(ctx, q.UUID)
	if err != nil {
		return 0, err
	}
	offered := make(map[uuid.UUID]bool, len(existing))
	tier := 0
	for _, o := range existing {
		offered[o.ExpertUUID] = true
		tier = max(tier, o.Tier+1)
	}
	var batch []store.Offer
	for _, c := range ranked {
		if len(batch) == st.OfferTopK {
			break
		}
		if offered[c.Expert] {
			continue
		}
		b, err := json.Marshal(c.Breakdown)
		if err != nil {
			return 0, err
		}
		// Ranks continue across tiers (tier t holds ranks t·K+1 …), whatever the fresh ranking
		// numbered them: the offer order is what the operator reads.
		batch = append(batch, store.Offer{
			QuestionUUID: q.UUID, ExpertUUID: c.Expert, Tier: tier, Rank: len(existing) + len(batch) + 1, Score: c.Score,
			Breakdown: b, OfferedAt: now,
		})
	}
	if len(batch) > 0 {
		if err := tx.InsertOffers(ctx, batch); err != nil {
			return 0, err
		}
	}
	// Widen again later only while someone is left to offer it to.
	if len(offered)+len(batch) < len(ranked) {
		err = tx.ScheduleJob(ctx, question.JobOfferWiden, q.UUID.String(), now.Add(st.Timers(q.Category).OfferWait))
	} else {
		err = tx.CancelJob(ctx, question.JobOfferWiden, q.UUID.String())
	}
	return len(batch), err
}
