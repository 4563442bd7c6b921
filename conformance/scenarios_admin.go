package conformance

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
)

// Scenarios returns every scenario, in order. Each sets up its own tenants through the operator
// API. The timer scenarios (and the parts of others that move time) need a target started with
// --clock=virtual; on the wall clock they are skipped (Result.Skipped). Moving the virtual clock
// runs the due timers of every tenant of the target.
func Scenarios() []Scenario {
	return append([]Scenario{
		{"operator: tenants", operatorTenants},
		{"operator: credentials", operatorCredentials},
		{"operator: route misses", operatorRouteMisses},
		{"helpdesk: seed sample flow", helpDeskSeedFlow},
		{"helpdesk: encodings and token places", helpDeskEncodings},
		{"helpdesk: bad input stores nothing", helpDeskBadInput},
		{"helpdesk: tokens", helpDeskTokens},
		{"helpdesk: tenants are isolated", helpDeskIsolation},
		{"helpdesk: route misses", helpDeskRouteMisses},
		{"operator: clock", operatorClock},
		{"operator: settings", operatorSettings},
		{"operator: OAuth clients", operatorOAuthClients},
		{"operator: experts", operatorExperts},
		{"operator: expert side needs the admin token, a known tenant, well-formed ids", operatorExpertSideAuth},
		{"operator: expert actions, operator view, customer actions, events", operatorExpertActions},
		{"messaging: seed Simple Sample Flow", messagingSeedFlow},
		{"messaging: system messages are added and removed", messagingSystemMessages},
		{"messaging: state matrix", messagingStateMatrix},
		{"messaging: polling and 304", messagingPolling},
		{"messaging: companies are isolated", messagingIsolation},
		{"messaging: bad input, tokens and OAuth errors", messagingBadInput},
		{"messaging: text endpoints and bodyHtml", messagingText},
		{"messaging: route misses and unprefixed aliases", messagingRouteMisses},
		{"routing: offers in score order, tiers of K", routingOrder},
		{"timers on the virtual clock", timers},
		{"helpdesk: tickets on the expert side", helpDeskExpertSide},
	}, append(hubScenarios(), deskScenarios()...)...)
}

// ClockScenarios returns the scenarios that depend on the clock mode alone. The in-process test
// runs them against a second server on the wall clock for the 409 answers of setClock and
// advanceClock.
func ClockScenarios() []Scenario {
	return []Scenario{{"operator: clock", operatorClock}}
}

// tenant is a tenant made for one scenario, with its Help Desk token.
type tenant struct {
	ID    uuid.UUID
	Token string
}

// newTenant creates a tenant with a unique subdomain and issues its Help Desk token.
func newTenant(ctx context.Context, e *Env) (tenant, error) {
	sub := "conf-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	cr, err := e.Admin.CreateTenantWithResponse(ctx, adminapi.CreateTenantJSONRequestBody{Name: "Conformance " + sub, Subdomain: &sub})
	if err != nil {
		return tenant{}, err
	}
	if cr.JSON201 == nil {
		return tenant{}, fmt.Errorf("createTenant: %d %s", cr.StatusCode(), cr.Body)
	}
	tr, err := e.Admin.RotateHelpDeskTokenWithResponse(ctx, cr.JSON201.Id)
	if err != nil {
		return tenant{}, err
	}
	if tr.JSON200 == nil {
		return tenant{}, fmt.Errorf("rotateHelpDeskToken: %d %s", tr.StatusCode(), tr.Body)
	}
	return tenant{ID: cr.JSON201.Id, Token: tr.JSON200.Token}, nil
}

// questions lists all of a tenant's questions through the operator API.
func questions(ctx context.Context, e *Env, id uuid.UUID) ([]adminapi.AdminQuestion, error) {
	var all []adminapi.AdminQuestion
	var after int64
	for {
		limit := 2 // small pages, so paging is exercised too
		r, err := e.Admin.ListTenantQuestionsWithResponse(ctx, id, &adminapi.ListTenantQuestionsParams{Limit: &limit, After: &after})
		if err != nil {
			return nil, err
		}
		if r.JSON200 == nil {
			return nil, fmt.Errorf("listTenantQuestions: %d %s", r.StatusCode(), r.Body)
		}
		all = append(all, r.JSON200.Questions...)
		if r.JSON200.NextAfter == nil {
			return all, nil
		}
		after = *r.JSON200.NextAfter
	}
}

func operatorTenants(ctx context.Context, e *Env) error {
	sub := "conf-" + strings.ReplaceAll(uuid.NewString(), "-", "")[:12]
	cr, err := e.Admin.CreateTenantWithResponse(ctx, adminapi.CreateTenantJSONRequestBody{Name: "Acme " + sub, Subdomain: &sub})
	if err != nil {
		return err
	}
	if !e.Expect(cr.StatusCode() == http.StatusCreated && cr.JSON201 != nil, "createTenant: want 201, got %d %s", cr.StatusCode(), cr.Body) {
		return nil
	}
	id := cr.JSON201.Id
	e.Expect(cr.HTTPResponse.Header.Get("Location") == "/admin/v1/tenants/"+id.String(), "createTenant: Location %q", cr.HTTPResponse.Header.Get("Location"))
	e.Expect(cr.JSON201.Subdomain == sub, "createTenant: subdomain %q, want %q", cr.JSON201.Subdomain, sub)

	dup, err := e.Admin.CreateTenantWithResponse(ctx, adminapi.CreateTenantJSONRequestBody{Name: "Other", Subdomain: &sub})
	if err != nil {
		return err
	}
	e.Expect(dup.StatusCode() == http.StatusConflict && dup.JSON409 != nil && dup.JSON409.Error.Code == adminapi.CONFLICT,
		"createTenant with a taken subdomain: want 409 CONFLICT, got %d %s", dup.StatusCode(), dup.Body)

	blank, err := e.Admin.CreateTenantWithResponse(ctx, adminapi.CreateTenantJSONRequestBody{Name: "   "})
	if err != nil {
		return err
	}
	e.Expect(blank.StatusCode() == http.StatusBadRequest && blank.JSON400 != nil && strings.Contains(blank.JSON400.Error.Message, "name"),
		"createTenant with a blank name: want 400 naming name, got %d %s", blank.StatusCode(), blank.Body)

	// A name-derived subdomain.
	derived, err := e.Admin.CreateTenantWithResponse(ctx, adminapi.CreateTenantJSONRequestBody{Name: "Derived " + sub})
	if err != nil {
		return err
	}
	e.Expect(derived.JSON201 != nil && derived.JSON201.Subdomain == "derived-"+sub, "createTenant without subdomain: got %d %s", derived.StatusCode(), derived.Body)

	g, err := e.Admin.GetTenantWithResponse(ctx, id)
	if err != nil {
		return err
	}
	e.Expect(g.JSON200 != nil && g.JSON200.Id == id && g.JSON200.Subdomain == sub, "getTenant: got %d %s", g.StatusCode(), g.Body)

	missing, err := e.Admin.GetTenantWithResponse(ctx, uuid.New())
	if err != nil {
		return err
	}
	e.Expect(missing.StatusCode() == http.StatusNotFound && missing.JSON404 != nil, "getTenant unknown: want 404, got %d %s", missing.StatusCode(), missing.Body)

	resp, body, err := e.Raw(ctx, http.MethodGet, "/admin/v1/tenants/not-a-uuid", "", "", "Authorization: Bearer "+e.AdminToken)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusBadRequest && strings.Contains(string(body), "tenantId"), "getTenant with a malformed id: want 400 naming tenantId, got %d %s", resp.StatusCode, body)

	l, err := e.Admin.ListTenantsWithResponse(ctx)
	if err != nil {
		return err
	}
	if e.Expect(l.JSON200 != nil, "listTenants: got %d %s", l.StatusCode(), l.Body) {
		found := false
		for _, t := range l.JSON200.Tenants {
			found = found || t.Id == id
		}
		e.Expect(found, "listTenants does not list the new tenant %s", id)
	}

	// Questions of an unknown tenant, and a bad page size.
	lq, err := e.Admin.ListTenantQuestionsWithResponse(ctx, uuid.New(), nil)
	if err != nil {
		return err
	}
	e.Expect(lq.StatusCode() == http.StatusNotFound, "listTenantQuestions of an unknown tenant: want 404, got %d", lq.StatusCode())
	zero := 0
	lq, err = e.Admin.ListTenantQuestionsWithResponse(ctx, id, &adminapi.ListTenantQuestionsParams{Limit: &zero})
	if err != nil {
		return err
	}
	e.Expect(lq.StatusCode() == http.StatusBadRequest && strings.Contains(string(lq.Body), "limit"), "listTenantQuestions limit=0: want 400 naming limit, got %d %s", lq.StatusCode(), lq.Body)
	return nil
}

func operatorCredentials(ctx context.Context, e *Env) error {
	// Every operation without, and with a wrong, admin token.
	for _, tok := range []string{"", "wrong-token"} {
		auth := func(_ context.Context, r *http.Request) error {
			if tok == "" {
				r.Header.Set("Authorization", "")
				r.Header.Del("Authorization")
			} else {
				r.Header.Set("Authorization", "Bearer "+tok)
			}
			return nil
		}
		id := uuid.New()
		checks := []struct {
			op     string
			status func() (int, []byte, error)
		}{
			{"listTenants", func() (int, []byte, error) {
				r, err := e.Admin.ListTenantsWithResponse(ctx, auth)
				if err != nil {
					return 0, nil, err
				}
				return r.StatusCode(), r.Body, nil
			}},
			{"createTenant", func() (int, []byte, error) {
				r, err := e.Admin.CreateTenantWithResponse(ctx, adminapi.CreateTenantJSONRequestBody{Name: "x"}, auth)
				if err != nil {
					return 0, nil, err
				}
				return r.StatusCode(), r.Body, nil
			}},
			{"getTenant", func() (int, []byte, error) {
				r, err := e.Admin.GetTenantWithResponse(ctx, id, auth)
				if err != nil {
					return 0, nil, err
				}
				return r.StatusCode(), r.Body, nil
			}},
			{"rotateHelpDeskToken", func() (int, []byte, error) {
				r, err := e.Admin.RotateHelpDeskTokenWithResponse(ctx, id, auth)
				if err != nil {
					return 0, nil, err
				}
				return r.StatusCode(), r.Body, nil
			}},
			{"listTenantQuestions", func() (int, []byte, error) {
				r, err := e.Admin.ListTenantQuestionsWithResponse(ctx, id, nil, auth)
				if err != nil {
					return 0, nil, err
				}
				return r.StatusCode(), r.Body, nil
			}},
		}
		for _, c := range checks {
			st, body, err := c.status()
			if err != nil {
				return err
			}
			e.Expect(st == http.StatusUnauthorized && strings.Contains(string(body), `"UNAUTHORIZED"`),
				"%s with admin token %q: want 401 UNAUTHORIZED, got %d %s", c.op, tok, st, body)
		}
	}

	// Rotation: unknown tenant, malformed id.
	r, err := e.Admin.RotateHelpDeskTokenWithResponse(ctx, uuid.New())
	if err != nil {
		return err
	}
	e.Expect(r.StatusCode() == http.StatusNotFound, "rotateHelpDeskToken for an unknown tenant: want 404, got %d", r.StatusCode())
	resp, body, err := e.Raw(ctx, http.MethodPost, "/admin/v1/tenants/nope/helpdesk-token", "", "", "Authorization: Bearer "+e.AdminToken)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusBadRequest, "rotateHelpDeskToken with a malformed id: want 400, got %d %s", resp.StatusCode, body)

	// A new token replaces the old one at once.
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	r, err = e.Admin.RotateHelpDeskTokenWithResponse(ctx, t.ID)
	if err != nil {
		return err
	}
	if e.Expect(r.JSON200 != nil && len(r.JSON200.Token) == 40 && r.JSON200.Token != t.Token, "rotateHelpDeskToken: got %d %s", r.StatusCode(), r.Body) {
		old, err := e.HelpDesk(t.Token).CloseQuestionWithFormdataBodyWithResponse(ctx, helpDeskClose("any"))
		if err != nil {
			return err
		}
		e.Expect(old.StatusCode() == http.StatusUnauthorized, "the replaced token: want 401, got %d %s", old.StatusCode(), old.Body)
		cur, err := e.HelpDesk(r.JSON200.Token).CloseQuestionWithFormdataBodyWithResponse(ctx, helpDeskClose("any"))
		if err != nil {
			return err
		}
		e.Expect(cur.StatusCode() == http.StatusNotFound, "the new token: want 404 for an unknown helpDeskId, got %d %s", cur.StatusCode(), cur.Body)
	}
	return nil
}

func operatorRouteMisses(ctx context.Context, e *Env) error {
	auth := "Authorization: Bearer " + e.AdminToken
	resp, body, err := e.Raw(ctx, http.MethodDelete, "/admin/v1/tenants", "", "", auth)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusMethodNotAllowed && resp.Header.Get("Allow") == "GET, POST",
		"DELETE /admin/v1/tenants: want 405 with Allow: GET, POST, got %d %q %s", resp.StatusCode, resp.Header.Get("Allow"), body)
	resp, body, err = e.Raw(ctx, http.MethodGet, "/admin/v1/nothing-here", "", "", auth)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusNotFound && strings.Contains(string(body), `"NOT_FOUND"`), "unknown admin path: want 404 NOT_FOUND, got %d %s", resp.StatusCode, body)
	return nil
}
