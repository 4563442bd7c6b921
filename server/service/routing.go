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

// rankInputs is what rank reads: a tenant's experts, their loads and their records, inside a
// transaction (*store.TenantTx) or outside one (tenantReads).
type rankInputs interface {
	Experts(ctx context.Context) ([]store.Expert, error)
	ExpertLoads(ctx context.Context) (map[uuid.UUID]int, error)
	ExpertStats(ctx context.Context, category string) (map[uuid.UUID]store.ExpertStats, error)
}

// tenantReads reads rank's inputs without a transaction.
type tenantReads struct {
	s      *store.Store
	tenant uuid.UUID
}

func (r tenantReads) Experts(ctx context.Context) ([]store.Expert, error) {
	return r.s.Experts(ctx, r.tenant)
}

func (r tenantReads) ExpertLoads(ctx context.Context) (map[uuid.UUID]int, error) {
	return r.s.ExpertLoads(ctx, r.tenant)
}

func (r tenantReads) ExpertStats(ctx context.Context, category string) (map[uuid.UUID]store.ExpertStats, error) {
	return r.s.ExpertStats(ctx, r.tenant, category)
}

// rank scores the tenant's experts for question q (package routing decides; this gathers its
// inputs).
func rank(ctx context.Context, src rankInputs, q *store.Question, st Settings) ([]routing.Candidate, error) {
	experts, err := src.Experts(ctx)
	if err != nil || len(experts) == 0 {
		return nil, err
	}
	loads, err := src.ExpertLoads(ctx)
	if err != nil {
		return nil, err
	}
	stats, err := src.ExpertStats(ctx, q.Category)
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
	return offerTier(ctx, tx, q, st, now, ranked, existing, false)
}

// offerFirstTier is offerNextTier for a question created in this transaction, ranked beforehand
// (outside the transaction, so that its reads do not hold SQLite's write lock): it has no offers
// and no widening job yet, so nothing is read and nothing cancelled.
func offerFirstTier(ctx context.Context, tx *store.TenantTx, q *store.Question, st Settings, now time.Time, ranked []routing.Candidate) error {
	_, err := offerTier(ctx, tx, q, st, now, ranked, nil, true)
	return err
}

// offerTier offers q to the next tier of ranked after the existing offers. fresh: q was created
// in this transaction, so it has no widening job to cancel.
func offerTier(ctx context.Context, tx *store.TenantTx, q *store.Question, st Settings, now time.Time,
	ranked []routing.Candidate, existing []store.Offer, fresh bool) (int, error) {
	var err error
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
	switch {
	case len(offered)+len(batch) < len(ranked):
		err = tx.ScheduleJob(ctx, question.JobOfferWiden, q.UUID.String(), now.Add(st.Timers(q.Category).OfferWait))
	case !fresh:
		err = tx.CancelJob(ctx, question.JobOfferWiden, q.UUID.String())
	}
	return len(batch), err
}
