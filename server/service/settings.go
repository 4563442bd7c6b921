package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/question"
	"github.com/switchboard-dev/switchboard/server/routing"
	"github.com/switchboard-dev/switchboard/server/textmatch"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// Settings is a company's setup: timers, routing, the Markdown flag and what the text endpoints
// match against. Stored as one JSON document per tenant; absent fields take the defaults.
type Settings struct {
	UnansweredTimeoutSeconds  int64           `json:"unansweredTimeoutSeconds"`
	UnansweredTimeoutAction   string          `json:"unansweredTimeoutAction"`
	ReroutePromptAfterSeconds int64           `json:"reroutePromptAfterSeconds"`
	OfferTopK                 int             `json:"offerTopK"`
	OfferWaitSeconds          int64           `json:"offerWaitSeconds"`
	RoutingWeights            routing.Weights `json:"routingWeights"`
	TokenTTLSeconds           int64           `json:"tokenTtlSeconds"`
	Markdown                  bool            `json:"markdown"`
	ClassificationThreshold   float64         `json:"classificationThreshold"`
	Classes                   []Class         `json:"classes"`
	AgentOnlyKeywords         []string        `json:"agentOnlyKeywords"`
	Categories                []CategoryRule  `json:"categories"`
}

// Class is one class of the text endpoints: keywords and the automatic answer.
type Class struct {
	Name     string      `json:"name"`
	Keywords []string    `json:"keywords"`
	Answer   ClassAnswer `json:"answer"`
}

// ClassAnswer is a class's automatic answer.
type ClassAnswer struct {
	Title string `json:"title"`
	Body  string `json:"body"`
}

// CategoryRule is a question category the company agreed with the vendor: an optional expert
// list (only they are offered its questions) and an optional unanswered timeout of its own.
type CategoryRule struct {
	Name                     string      `json:"name"`
	ExpertUUIDs              []uuid.UUID `json:"expertUuids"`
	UnansweredTimeoutSeconds *int64      `json:"unansweredTimeoutSeconds"`
}

// DefaultSettings are a new company's settings (reference §10 defaults).
func DefaultSettings() Settings {
	return Settings{
		UnansweredTimeoutSeconds:  8 * 3600,
		UnansweredTimeoutAction:   question.ActionReroute,
		ReroutePromptAfterSeconds: 30 * 60,
		OfferTopK:                 3,
		OfferWaitSeconds:          10 * 60,
		RoutingWeights:            routing.DefaultWeights(),
		TokenTTLSeconds:           43200,
		ClassificationThreshold:   0.5,
		Classes:                   []Class{},
		AgentOnlyKeywords:         []string{},
		Categories:                []CategoryRule{},
	}
}

// Validate checks every field and names the first bad one.
func (st Settings) Validate() error {
	switch {
	case st.UnansweredTimeoutSeconds < 60:
		return apierr.Invalidf("unansweredTimeoutSeconds: must be at least 60")
	case st.UnansweredTimeoutAction != question.ActionReroute && st.UnansweredTimeoutAction != question.ActionExpire:
		return apierr.Invalidf("unansweredTimeoutAction: must be REROUTE or EXPIRE")
	case st.ReroutePromptAfterSeconds < 60:
		return apierr.Invalidf("reroutePromptAfterSeconds: must be at least 60")
	case st.OfferTopK < 1 || st.OfferTopK > 100:
		return apierr.Invalidf("offerTopK: must be between 1 and 100")
	case st.OfferWaitSeconds < 1:
		return apierr.Invalidf("offerWaitSeconds: must be at least 1")
	case st.TokenTTLSeconds < 60 || st.TokenTTLSeconds > 31536000:
		return apierr.Invalidf("tokenTtlSeconds: must be between 60 and 31536000")
	case st.ClassificationThreshold < 0 || st.ClassificationThreshold > 1:
		return apierr.Invalidf("classificationThreshold: must be between 0 and 1")
	}
	if err := st.RoutingWeights.Validate(); err != nil {
		return apierr.Invalidf("routingWeights: %v", err)
	}
	seen := map[string]bool{}
	for i, c := range st.Classes {
		key := strings.ToLower(textrule.Trim(c.Name))
		switch {
		case key == "":
			return apierr.Invalidf("classes[%d].name: must not be blank", i)
		case seen[key]:
			return apierr.Invalidf("classes[%d].name: %q is listed twice", i, c.Name)
		case len(c.Keywords) == 0:
			return apierr.Invalidf("classes[%d].keywords: must list at least one keyword", i)
		}
		seen[key] = true
	}
	seen = map[string]bool{}
	for i, c := range st.Categories {
		key := strings.ToLower(textrule.Trim(c.Name))
		switch {
		case key == "":
			return apierr.Invalidf("categories[%d].name: must not be blank", i)
		case seen[key]:
			return apierr.Invalidf("categories[%d].name: %q is listed twice", i, c.Name)
		case c.UnansweredTimeoutSeconds != nil && *c.UnansweredTimeoutSeconds < 60:
			return apierr.Invalidf("categories[%d].unansweredTimeoutSeconds: must be at least 60", i)
		}
		seen[key] = true
	}
	return nil
}

// Category returns the rule for a category name (case-insensitive), or nil.
func (st Settings) Category(name string) *CategoryRule {
	for i := range st.Categories {
		if strings.EqualFold(st.Categories[i].Name, name) {
			return &st.Categories[i]
		}
	}
	return nil
}

// CheckCategory rejects a category unknown to a company that lists its categories.
func (st Settings) CheckCategory(field, name string) error {
	if name == "" || len(st.Categories) == 0 || st.Category(name) != nil {
		return nil
	}
	names := make([]string, len(st.Categories))
	for i, c := range st.Categories {
		names[i] = c.Name
	}
	return apierr.Invalidf("%s: unknown category %q; this company's categories are: %s", field, name, strings.Join(names, ", "))
}

// Timers returns the question timers for a question of the given category.
func (st Settings) Timers(category string) question.Timers {
	unanswered := st.UnansweredTimeoutSeconds
	if c := st.Category(category); c != nil && c.UnansweredTimeoutSeconds != nil {
		unanswered = *c.UnansweredTimeoutSeconds
	}
	return question.Timers{
		UnansweredAfter:  time.Duration(unanswered) * time.Second,
		UnansweredAction: st.UnansweredTimeoutAction,
		PromptAfter:      time.Duration(st.ReroutePromptAfterSeconds) * time.Second,
		OfferWait:        time.Duration(st.OfferWaitSeconds) * time.Second,
	}
}

// TextClasses returns the classes for package textmatch.
func (st Settings) TextClasses() []textmatch.Class {
	out := make([]textmatch.Class, len(st.Classes))
	for i, c := range st.Classes {
		out[i] = textmatch.Class{Name: c.Name, Keywords: c.Keywords, Title: c.Answer.Title, Body: c.Answer.Body}
	}
	return out
}

// Settings returns a tenant's settings with defaults for everything not set.
func (s *Service) Settings(ctx context.Context, tenantID uuid.UUID) (Settings, error) {
	if _, err := s.Tenant(ctx, tenantID); err != nil {
		return Settings{}, err
	}
	return s.settings(ctx, tenantID)
}

func (s *Service) settings(ctx context.Context, tenantID uuid.UUID) (Settings, error) {
	doc, err := s.Store.Settings(ctx, tenantID)
	if err != nil {
		return DefaultSettings(), err
	}
	return decodeSettings(tenantID, doc)
}

// decodeSettings reads a stored settings document (nil: none stored) over the defaults.
func decodeSettings(tenantID uuid.UUID, doc []byte) (Settings, error) {
	st := DefaultSettings()
	if doc != nil {
		if err := json.Unmarshal(doc, &st); err != nil {
			return st, fmt.Errorf("settings of tenant %s: %w", tenantID, err)
		}
	}
	return st, nil
}

// UpdateSettings applies patch, a JSON object of Settings fields, and stores the result when it
// is valid. Absent fields keep their value; list and object fields present in the patch
// (routingWeights, classes, agentOnlyKeywords, categories) replace the old value as a whole, so
// a new list element never inherits fields from the old element at its index.
func (s *Service) UpdateSettings(ctx context.Context, tenantID uuid.UUID, patch []byte) (Settings, error) {
	st, err := s.Settings(ctx, tenantID)
	if err != nil {
		return Settings{}, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(patch, &fields); err != nil {
		return Settings{}, apierr.Invalidf("settings: %v", err)
	}
	for name := range fields {
		switch name {
		case "routingWeights":
			st.RoutingWeights = routing.Weights{}
		case "classes":
			st.Classes = nil
		case "agentOnlyKeywords":
			st.AgentOnlyKeywords = nil
		case "categories":
			st.Categories = nil
		}
	}
	if err := json.Unmarshal(patch, &st); err != nil {
		return Settings{}, apierr.Invalidf("settings: %v", err)
	}
	if st.Classes == nil {
		st.Classes = []Class{}
	}
	if st.AgentOnlyKeywords == nil {
		st.AgentOnlyKeywords = []string{}
	}
	if st.Categories == nil {
		st.Categories = []CategoryRule{}
	}
	if err := st.Validate(); err != nil {
		return Settings{}, err
	}
	doc, err := json.Marshal(st)
	if err != nil {
		return Settings{}, err
	}
	if err := s.Store.PutSettings(ctx, tenantID, doc, s.Clock.Now()); err != nil {
		return Settings{}, err
	}
	return st, nil
}
