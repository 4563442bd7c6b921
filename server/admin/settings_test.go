package admin_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

func TestSettingsRoundTrip(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)
		ten := e.tenant.ID

		g, err := e.c.GetSettingsWithResponse(e.ctx, ten)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, g, g.Body, http.StatusOK)
		def := *g.JSON200
		if def.UnansweredTimeoutSeconds != 28800 || def.UnansweredTimeoutAction != gen.REROUTE || def.ReroutePromptAfterSeconds != 1800 ||
			def.OfferTopK != 3 || def.OfferWaitSeconds != 600 || def.TokenTtlSeconds != 43200 || def.Markdown ||
			def.ClassificationThreshold != 0.5 || def.RoutingWeights.Category != 0.35 {
			t.Errorf("defaults %+v", def)
		}
		for _, want := range []string{`"classes":[]`, `"agentOnlyKeywords":[]`, `"categories":[]`} {
			if !strings.Contains(string(g.Body), want) {
				t.Errorf("missing %s in %s", want, g.Body)
			}
		}

		// Only the fields present change.
		expertA := uuid.New()
		u, err := e.c.UpdateSettingsWithResponse(e.ctx, ten, gen.UpdateSettingsRequest{
			UnansweredTimeoutAction: ptr(gen.EXPIRE),
			Markdown:                ptr(true),
			Classes:                 &[]gen.TextClass{{Name: "billing", Keywords: []string{"invoice", "refund"}, Answer: gen.ClassAnswer{Title: "Refunds", Body: "Within 5 days."}}},
			Categories: &[]gen.CategorySettingsInput{
				{Name: "payments", ExpertUuids: &[]uuid.UUID{expertA}, UnansweredTimeoutSeconds: ptr(3600)},
				{Name: "general"},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, u, u.Body, http.StatusOK)
		s := *u.JSON200
		if s.UnansweredTimeoutAction != gen.EXPIRE || !s.Markdown || s.OfferTopK != 3 || s.UnansweredTimeoutSeconds != 28800 ||
			len(s.Classes) != 1 || s.Classes[0].Answer.Body != "Within 5 days." || len(s.Categories) != 2 ||
			!slices.Equal(s.Categories[0].ExpertUuids, []uuid.UUID{expertA}) || s.Categories[0].UnansweredTimeoutSeconds == nil ||
			*s.Categories[0].UnansweredTimeoutSeconds != 3600 {
			t.Errorf("after update %+v", s)
		}
		if !strings.Contains(string(u.Body), `{"expertUuids":[],"name":"general","unansweredTimeoutSeconds":null}`) {
			t.Errorf("category without list or timeout not written with [] and null: %s", u.Body)
		}
		g, _ = e.c.GetSettingsWithResponse(e.ctx, ten)
		if string(g.Body) != string(u.Body) {
			t.Errorf("GET after PUT\n%s\nwant\n%s", g.Body, u.Body)
		}

		// A list replaces the old one as a whole: the new first category inherits nothing from the old one.
		u, _ = e.c.UpdateSettingsWithResponse(e.ctx, ten, gen.UpdateSettingsRequest{Categories: &[]gen.CategorySettingsInput{{Name: "general"}}})
		expect(t, u, u.Body, http.StatusOK)
		if c := u.JSON200.Categories; len(c) != 1 || c[0].Name != "general" || len(c[0].ExpertUuids) != 0 || c[0].UnansweredTimeoutSeconds != nil {
			t.Errorf("categories after replacement %+v", c)
		}
		if !u.JSON200.Markdown || len(u.JSON200.Classes) != 1 {
			t.Errorf("fields absent from the patch changed: %+v", u.JSON200)
		}

		// Invalid values: 400 and nothing changes.
		before, _ := e.c.GetSettingsWithResponse(e.ctx, ten)
		for name, req := range map[string]gen.UpdateSettingsRequest{
			"offerTopK 0":        {OfferTopK: ptr(0), Markdown: ptr(false)},
			"timeout below 60":   {UnansweredTimeoutSeconds: ptr(59)},
			"threshold above 1":  {ClassificationThreshold: ptr(1.5)},
			"negative weight":    {RoutingWeights: &gen.RoutingWeights{Category: -1}},
			"class twice":        {Markdown: ptr(false), Classes: &[]gen.TextClass{{Name: "a", Keywords: []string{"x"}}, {Name: "A", Keywords: []string{"y"}}}},
			"category twice":     {Categories: &[]gen.CategorySettingsInput{{Name: "p"}, {Name: "p"}}},
			"class, no keywords": {Classes: &[]gen.TextClass{{Name: "a", Keywords: []string{}}}},
		} {
			u, err := e.c.UpdateSettingsWithResponse(e.ctx, ten, req)
			if err != nil {
				t.Fatal(err)
			}
			if u.StatusCode() != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", name, u.StatusCode(), u.Body)
				continue
			}
			expectErr(t, u, u.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
		}
		bad, err := e.c.UpdateSettingsWithBodyWithResponse(e.ctx, ten, "application/json", strings.NewReader(`{"unansweredTimeoutAction":"NAP"}`))
		if err != nil {
			t.Fatal(err)
		}
		expectErr(t, bad, bad.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
		bad, _ = e.c.UpdateSettingsWithBodyWithResponse(e.ctx, ten, "application/json", strings.NewReader(`{"categories":[{"name":"p","expertUuids":["not-a-uuid"]}]}`))
		expectErr(t, bad, bad.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
		after, _ := e.c.GetSettingsWithResponse(e.ctx, ten)
		if string(after.Body) != string(before.Body) {
			t.Errorf("an invalid update changed the settings:\n%s\nwas\n%s", after.Body, before.Body)
		}

		g, _ = e.c.GetSettingsWithResponse(e.ctx, uuid.New())
		expectErr(t, g, g.Body, http.StatusNotFound, gen.NOTFOUND)
		u, _ = e.c.UpdateSettingsWithResponse(e.ctx, uuid.New(), gen.UpdateSettingsRequest{Markdown: ptr(true)})
		expectErr(t, u, u.Body, http.StatusNotFound, gen.NOTFOUND)
	})
}

func TestOAuthClients(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)
		ten := e.tenant.ID

		c, err := e.c.CreateOAuthClientWithResponse(e.ctx, ten, gen.CreateOAuthClientRequest{Name: "Acme chat widget"})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, c, c.Body, http.StatusCreated)
		widget := *c.JSON201
		if widget.ClientId == "" || widget.ClientSecret == "" || widget.Name != "Acme chat widget" ||
			!slices.Equal(widget.Scopes, []gen.OAuthScope{gen.Read, gen.Write}) || !widget.CreatedAt.Equal(t0) {
			t.Errorf("created %+v", widget)
		}
		// The secret works at the token endpoint's service.
		if _, err := e.svc.IssueToken(e.ctx, widget.ClientId, widget.ClientSecret, ""); err != nil {
			t.Errorf("issued credentials do not get a token: %v", err)
		}
		c, _ = e.c.CreateOAuthClientWithResponse(e.ctx, ten, gen.CreateOAuthClientRequest{Name: "Reporting", Scopes: &[]gen.OAuthScope{gen.Read}})
		expect(t, c, c.Body, http.StatusCreated)
		reporting := *c.JSON201
		if !slices.Equal(reporting.Scopes, []gen.OAuthScope{gen.Read}) {
			t.Errorf("scopes %v", reporting.Scopes)
		}

		l, err := e.c.ListOAuthClientsWithResponse(e.ctx, ten)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, l, l.Body, http.StatusOK)
		if cs := l.JSON200.Clients; len(cs) != 2 || cs[0].ClientId != widget.ClientId || cs[1].ClientId != reporting.ClientId {
			t.Errorf("list %+v", cs)
		}
		if strings.Contains(string(l.Body), widget.ClientSecret) || strings.Contains(string(l.Body), "clientSecret") {
			t.Errorf("list shows secrets: %s", l.Body)
		}

		r, err := e.c.RevokeOAuthClientWithResponse(e.ctx, ten, widget.ClientId)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, r, r.Body, http.StatusNoContent)
		if len(r.Body) != 0 {
			t.Errorf("204 with a body: %s", r.Body)
		}
		if _, err := e.svc.IssueToken(e.ctx, widget.ClientId, widget.ClientSecret, ""); err == nil {
			t.Errorf("a revoked client still gets tokens")
		}
		l, _ = e.c.ListOAuthClientsWithResponse(e.ctx, ten)
		if cs := l.JSON200.Clients; len(cs) != 1 || cs[0].ClientId != reporting.ClientId {
			t.Errorf("list after revoke %+v", cs)
		}
		r, _ = e.c.RevokeOAuthClientWithResponse(e.ctx, ten, widget.ClientId)
		expectErr(t, r, r.Body, http.StatusNotFound, gen.NOTFOUND)
		r, _ = e.c.RevokeOAuthClientWithResponse(e.ctx, ten, "sb_unknown")
		expectErr(t, r, r.Body, http.StatusNotFound, gen.NOTFOUND)
		other, err := e.svc.CreateTenant(e.ctx, "Other", "other")
		if err != nil {
			t.Fatal(err)
		}
		r, _ = e.c.RevokeOAuthClientWithResponse(e.ctx, other.ID, reporting.ClientId)
		expectErr(t, r, r.Body, http.StatusNotFound, gen.NOTFOUND)

		// Validation and unknown tenant.
		c, _ = e.c.CreateOAuthClientWithResponse(e.ctx, ten, gen.CreateOAuthClientRequest{Name: " "})
		expectErr(t, c, c.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
		c, _ = e.c.CreateOAuthClientWithResponse(e.ctx, ten, gen.CreateOAuthClientRequest{Name: "x", Scopes: &[]gen.OAuthScope{"admin"}})
		expectErr(t, c, c.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
		c, _ = e.c.CreateOAuthClientWithResponse(e.ctx, uuid.New(), gen.CreateOAuthClientRequest{Name: "x"})
		expectErr(t, c, c.Body, http.StatusNotFound, gen.NOTFOUND)
		l, _ = e.c.ListOAuthClientsWithResponse(e.ctx, uuid.New())
		expectErr(t, l, l.Body, http.StatusNotFound, gen.NOTFOUND)
	})
}
