package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	msgapi "github.com/switchboard-dev/switchboard/gen/messaging"
)

// opCall is one operator API call for tables of calls.
type opCall struct {
	op   string
	call func(...adminapi.RequestEditorFn) (int, []byte, error)
}

// expertSideOps lists one call of each operation issue 3 added to the operator API.
func expertSideOps(ctx context.Context, e *Env, t, x, q uuid.UUID, client string) []opCall {
	a := e.Admin
	return []opCall{
		{"getSettings", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.GetSettingsWithResponse(ctx, t, ed...))
		}},
		{"updateSettings", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.UpdateSettingsWithResponse(ctx, t, adminapi.UpdateSettingsRequest{Markdown: ptr(true)}, ed...))
		}},
		{"listOAuthClients", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.ListOAuthClientsWithResponse(ctx, t, ed...))
		}},
		{"createOAuthClient", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.CreateOAuthClientWithResponse(ctx, t, adminapi.CreateOAuthClientRequest{Name: "x"}, ed...))
		}},
		{"revokeOAuthClient", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.RevokeOAuthClientWithResponse(ctx, t, client, ed...))
		}},
		{"listExperts", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.ListExpertsWithResponse(ctx, t, ed...))
		}},
		{"createExpert", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.CreateExpertWithResponse(ctx, t, adminapi.CreateExpertRequest{Name: "x"}, ed...))
		}},
		{"getExpert", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.GetExpertWithResponse(ctx, t, x, ed...))
		}},
		{"updateExpert", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.UpdateExpertWithResponse(ctx, t, x, adminapi.UpdateExpertRequest{Capacity: ptr(2)}, ed...))
		}},
		{"listExpertQueue", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.ListExpertQueueWithResponse(ctx, t, x, ed...))
		}},
		{"getExpertQuestion", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.GetExpertQuestionWithResponse(ctx, t, x, q, ed...))
		}},
		{"claimQuestion", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.ClaimQuestionWithResponse(ctx, t, x, q, ed...))
		}},
		{"releaseQuestion", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.ReleaseQuestionWithResponse(ctx, t, x, q, ed...))
		}},
		{"respondToQuestion", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.RespondToQuestionWithResponse(ctx, t, x, q, adminapi.RespondToQuestionRequest{Text: "x"}, ed...))
		}},
		{"postExpertMessage", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.PostExpertMessageWithResponse(ctx, t, x, q, adminapi.PostExpertMessageRequest{Body: "x"}, ed...))
		}},
		{"markResolved", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.MarkResolvedWithResponse(ctx, t, x, q, ed...))
		}},
		{"rerouteByExpert", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.RerouteByExpertWithResponse(ctx, t, x, q, adminapi.RerouteByExpertRequest{Reason: "x"}, ed...))
		}},
		{"getTenantQuestion", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.GetTenantQuestionWithResponse(ctx, t, q, ed...))
		}},
		{"listQuestionOffers", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.ListQuestionOffersWithResponse(ctx, t, q, ed...))
		}},
		{"releaseQuestionByOperator", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.ReleaseQuestionByOperatorWithResponse(ctx, t, q, ed...))
		}},
		{"postCustomerMessage", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.PostCustomerMessageWithResponse(ctx, t, q, adminapi.PostCustomerMessageRequest{Body: "x"}, ed...))
		}},
		{"acceptAsCustomer", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.AcceptAsCustomerWithResponse(ctx, t, q, adminapi.AcceptAsCustomerRequest{ResponseUuid: uuid.New()}, ed...))
		}},
		{"rerouteAsCustomer", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.RerouteAsCustomerWithResponse(ctx, t, q, adminapi.RerouteAsCustomerRequest{}, ed...))
		}},
		{"listTenantEvents", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.ListTenantEventsWithResponse(ctx, t, nil, ed...))
		}},
		{"getClock", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.GetClockWithResponse(ctx, ed...))
		}},
		{"setClock", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.SetClockWithResponse(ctx, adminapi.SetClockRequest{Now: time.Now().Add(time.Hour)}, ed...))
		}},
		{"advanceClock", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockRequest{Seconds: 1}, ed...))
		}},
		{"getRuntime", func(ed ...adminapi.RequestEditorFn) (int, []byte, error) {
			return result(a.GetRuntimeWithResponse(ctx, ed...))
		}},
	}
}

// operatorExpertSideAuth: every new operator operation refuses a missing or wrong admin token
// (401 before anything else, the clock included), and answers 404 for an unknown tenant.
func operatorExpertSideAuth(ctx context.Context, e *Env) error {
	c, err := newCompany(ctx, e, companySpec{})
	if err != nil {
		return err
	}
	q, err := c.ask(ctx, e, "Auth: a question")
	if err != nil {
		return err
	}
	ops := expertSideOps(ctx, e, c.ID, c.expert(0), q.Data.Uuid, c.ClientID)
	for _, ed := range []struct {
		name string
		fn   adminapi.RequestEditorFn
	}{{"no admin token", noAuth}, {"a wrong admin token", withToken("wrong-admin-token")}} {
		for _, o := range ops {
			st, body, err := o.call(ed.fn)
			if err != nil {
				return err
			}
			code, _ := adminError(body)
			e.Expect(st == http.StatusUnauthorized && code == "UNAUTHORIZED", "%s with %s: want 401 UNAUTHORIZED, got %d %s", o.op, ed.name, st, truncate(body))
		}
	}
	// An unknown tenant: 404 on every tenant-scoped operation.
	for _, o := range expertSideOps(ctx, e, uuid.New(), c.expert(0), q.Data.Uuid, c.ClientID) {
		if strings.Contains(o.op, "Clock") || o.op == "getRuntime" {
			continue
		}
		st, body, err := o.call()
		if err != nil {
			return err
		}
		code, _ := adminError(body)
		e.Expect(st == http.StatusNotFound && code == "NOT_FOUND", "%s of an unknown tenant: want 404 NOT_FOUND, got %d %s", o.op, st, truncate(body))
	}
	// Malformed path parameters: 400 naming the parameter (no generated client sends them).
	auth := "Authorization: Bearer " + e.AdminToken
	t, x, qq := c.ID.String(), c.expert(0).String(), q.Data.Uuid.String()
	for _, r := range []struct{ method, path, body, param string }{
		{"GET", "/admin/v1/tenants/nope/settings", "", "tenantId"},
		{"PUT", "/admin/v1/tenants/nope/settings", `{}`, "tenantId"},
		{"GET", "/admin/v1/tenants/nope/oauth-clients", "", "tenantId"},
		{"POST", "/admin/v1/tenants/nope/oauth-clients", `{"name":"x"}`, "tenantId"},
		{"DELETE", "/admin/v1/tenants/" + t + "/oauth-clients/not%20an%20id", "", "clientId"},
		{"DELETE", "/admin/v1/tenants/nope/oauth-clients/" + c.ClientID, "", "tenantId"},
		{"GET", "/admin/v1/tenants/nope/experts", "", "tenantId"},
		{"POST", "/admin/v1/tenants/nope/experts", `{"name":"x"}`, "tenantId"},
		{"GET", "/admin/v1/tenants/" + t + "/experts/nope", "", "expertId"},
		{"PATCH", "/admin/v1/tenants/" + t + "/experts/nope", `{}`, "expertId"},
		{"GET", "/admin/v1/tenants/" + t + "/experts/nope/queue", "", "expertId"},
		{"GET", "/admin/v1/tenants/" + t + "/experts/" + x + "/questions/nope", "", "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/experts/" + x + "/questions/nope/claim", "", "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/experts/nope/questions/" + qq + "/release", "", "expertId"},
		{"POST", "/admin/v1/tenants/" + t + "/experts/" + x + "/questions/nope/responses", `{"text":"x"}`, "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/experts/" + x + "/questions/nope/messages", `{"body":"x"}`, "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/experts/" + x + "/questions/nope/resolve", "", "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/experts/" + x + "/questions/nope/reroute", `{"reason":"x"}`, "questionUuid"},
		{"GET", "/admin/v1/tenants/" + t + "/questions/nope", "", "questionUuid"},
		{"GET", "/admin/v1/tenants/" + t + "/questions/nope/offers", "", "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/questions/nope/release", "", "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/questions/nope/customer/messages", `{"body":"x"}`, "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/questions/nope/customer/accept", `{"responseUuid":"` + uuid.NewString() + `"}`, "questionUuid"},
		{"POST", "/admin/v1/tenants/" + t + "/questions/nope/customer/reroute", `{}`, "questionUuid"},
		{"GET", "/admin/v1/tenants/nope/events", "", "tenantId"},
	} {
		ct := ""
		if r.body != "" {
			ct = "application/json"
		}
		resp, body, err := e.Raw(ctx, r.method, r.path, ct, r.body, auth)
		if err != nil {
			return err
		}
		code, msg := adminError(body)
		e.Expect(resp.StatusCode == http.StatusBadRequest && code == "INVALID_PARAMETER" && strings.Contains(msg, r.param),
			"%s %s: want 400 INVALID_PARAMETER naming %s, got %d %s", r.method, r.path, r.param, resp.StatusCode, truncate(body))
	}
	// The server process's figures, with the operator token.
	rt, err := e.Admin.GetRuntimeWithResponse(ctx)
	if err != nil {
		return err
	}
	e.Expect(rt.JSON200 != nil && rt.JSON200.Goroutines > 0 && rt.JSON200.HeapBytes > 0, "getRuntime: %d %s", rt.StatusCode(), truncate(rt.Body))
	return nil
}

// operatorSettings: defaults, partial updates, whole-list replacement, validation that changes
// nothing, and the settings taking effect (token lifetime).
func operatorSettings(ctx context.Context, e *Env) error {
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	g, err := e.Admin.GetSettingsWithResponse(ctx, t.ID)
	if err != nil {
		return err
	}
	if !e.Expect(g.JSON200 != nil, "getSettings: %d %s", g.StatusCode(), g.Body) {
		return nil
	}
	d := g.JSON200
	w := d.RoutingWeights
	e.Expect(d.UnansweredTimeoutSeconds == 28800 && d.UnansweredTimeoutAction == adminapi.REROUTE && d.ReroutePromptAfterSeconds == 1800 &&
		d.OfferTopK == 3 && d.OfferWaitSeconds == 600 && d.TokenTtlSeconds == 43200 && !d.Markdown && d.ClassificationThreshold == 0.5 &&
		len(d.Classes) == 0 && len(d.AgentOnlyKeywords) == 0 && len(d.Categories) == 0 &&
		w.Category == 0.35 && w.Language == 0.25 && w.Acceptance == 0.15 && w.Rating == 0.10 && w.Load == 0.15,
		"getSettings of a new tenant: want the documented defaults, got %s", g.Body)
	e.Expect(strings.Contains(string(g.Body), `"classes":[]`) && strings.Contains(string(g.Body), `"categories":[]`) && strings.Contains(string(g.Body), `"agentOnlyKeywords":[]`),
		"getSettings: empty lists must be [] (every field present): %s", g.Body)

	x, err := e.Admin.CreateExpertWithResponse(ctx, t.ID, adminapi.CreateExpertRequest{Name: "Cat Expert"})
	if err != nil {
		return err
	}
	if x.JSON201 == nil {
		return fmt.Errorf("createExpert: %d %s", x.StatusCode(), x.Body)
	}
	u, err := e.Admin.UpdateSettingsWithResponse(ctx, t.ID, adminapi.UpdateSettingsRequest{
		OfferTopK: ptr(5), UnansweredTimeoutAction: ptr(adminapi.EXPIRE), TokenTtlSeconds: ptr(600),
		Classes:    &[]adminapi.TextClass{billingClass},
		Categories: &[]adminapi.CategorySettingsInput{{Name: "payments", ExpertUuids: &[]uuid.UUID{x.JSON201.Uuid}, UnansweredTimeoutSeconds: ptr(3600)}, {Name: "general"}},
	})
	if err != nil {
		return err
	}
	if e.Expect(u.JSON200 != nil, "updateSettings: %d %s", u.StatusCode(), u.Body) {
		s := u.JSON200
		e.Expect(s.OfferTopK == 5 && s.UnansweredTimeoutAction == adminapi.EXPIRE && s.TokenTtlSeconds == 600 && s.OfferWaitSeconds == 600 &&
			s.ReroutePromptAfterSeconds == 1800 && len(s.Classes) == 1 && len(s.Categories) == 2,
			"updateSettings: changed fields or kept ones wrong: %s", u.Body)
		if len(s.Categories) == 2 {
			e.Expect(s.Categories[1].Name == "general" && s.Categories[1].ExpertUuids != nil && len(s.Categories[1].ExpertUuids) == 0 && s.Categories[1].UnansweredTimeoutSeconds == nil,
				"updateSettings: a category without expertUuids/timeout: %+v (want [] and null)", s.Categories[1])
		}
	}
	before, err := e.Admin.GetSettingsWithResponse(ctx, t.ID)
	if err != nil {
		return err
	}
	for _, bad := range []struct {
		what    string
		body    adminapi.UpdateSettingsRequest
		mention string
	}{
		{"a class name used twice", adminapi.UpdateSettingsRequest{Classes: &[]adminapi.TextClass{billingClass, billingClass}}, "classes"},
		{"a category name used twice", adminapi.UpdateSettingsRequest{Categories: &[]adminapi.CategorySettingsInput{{Name: "a"}, {Name: "a"}}}, "categories"},
		{"offerTopK 0", adminapi.UpdateSettingsRequest{OfferTopK: ptr(0)}, "offerTopK"},
		{"a timeout under a minute", adminapi.UpdateSettingsRequest{UnansweredTimeoutSeconds: ptr(59)}, "unansweredTimeoutSeconds"},
		{"an unknown action", adminapi.UpdateSettingsRequest{UnansweredTimeoutAction: ptr(adminapi.UnansweredTimeoutAction("DELETE"))}, "unansweredTimeoutAction"},
		{"a threshold over 1", adminapi.UpdateSettingsRequest{ClassificationThreshold: ptr(1.5)}, "classificationThreshold"},
		{"a negative weight", adminapi.UpdateSettingsRequest{RoutingWeights: &adminapi.RoutingWeights{Category: -1}}, "routingWeights"},
		{"a class without keywords", adminapi.UpdateSettingsRequest{Classes: &[]adminapi.TextClass{{Name: "x", Keywords: []string{}, Answer: billingClass.Answer}}}, "keywords"},
		{"a valid field next to a bad one", adminapi.UpdateSettingsRequest{Markdown: ptr(true), OfferTopK: ptr(101)}, "offerTopK"},
	} {
		st, body, err := result(e.Admin.UpdateSettingsWithResponse(ctx, t.ID, bad.body))
		if err != nil {
			return err
		}
		code, msg := adminError(body)
		e.Expect(st == http.StatusBadRequest && code == "INVALID_PARAMETER" && strings.Contains(msg, bad.mention),
			"updateSettings with %s: want 400 INVALID_PARAMETER naming %s, got %d %s", bad.what, bad.mention, st, truncate(body))
	}
	resp, body, err := e.Raw(ctx, http.MethodPut, "/admin/v1/tenants/"+t.ID.String()+"/settings", "application/json",
		`{"categories":[{"name":"a","expertUuids":["not-a-uuid"]}]}`, "Authorization: Bearer "+e.AdminToken)
	if err != nil {
		return err
	}
	code, msg := adminError(body)
	e.Expect(resp.StatusCode == http.StatusBadRequest && code == "INVALID_PARAMETER" && strings.Contains(msg, "expertUuids"),
		"updateSettings with an expertUuids entry that is not a uuid: want 400 naming expertUuids, got %d %s", resp.StatusCode, body)
	after, err := e.Admin.GetSettingsWithResponse(ctx, t.ID)
	if err != nil {
		return err
	}
	e.Expect(sameJSON(before.Body, after.Body), "invalid settings changed the settings:\nbefore %s\nafter  %s", before.Body, after.Body)

	// The token lifetime applies to new tokens.
	cr, err := e.Admin.CreateOAuthClientWithResponse(ctx, t.ID, adminapi.CreateOAuthClientRequest{Name: "ttl"})
	if err != nil {
		return err
	}
	if e.Expect(cr.JSON201 != nil, "createOAuthClient: %d %s", cr.StatusCode(), cr.Body) {
		tr, err := e.Messaging("").CreateTokenWithFormdataBodyWithResponse(ctx, msgapi.TokenRequest{GrantType: "client_credentials", ClientId: &cr.JSON201.ClientId, ClientSecret: &cr.JSON201.ClientSecret})
		if err != nil {
			return err
		}
		e.Expect(tr.JSON200 != nil && tr.JSON200.ExpiresIn == 600, "expires_in with tokenTtlSeconds 600: got %d %s", tr.StatusCode(), tr.Body)
	}
	return nil
}

// operatorOAuthClients: issue, list (no secrets, live only), revoke, and their errors.
func operatorOAuthClients(ctx context.Context, e *Env) error {
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	a := e.Admin
	c1, err := a.CreateOAuthClientWithResponse(ctx, t.ID, adminapi.CreateOAuthClientRequest{Name: "Widget"})
	if err != nil {
		return err
	}
	if !e.Expect(c1.StatusCode() == http.StatusCreated && c1.JSON201 != nil, "createOAuthClient: want 201, got %d %s", c1.StatusCode(), c1.Body) {
		return nil
	}
	e.Expect(c1.JSON201.Name == "Widget" && slices.Equal(c1.JSON201.Scopes, []adminapi.OAuthScope{adminapi.Read, adminapi.Write}) && c1.JSON201.ClientSecret != "",
		"createOAuthClient defaults: %s", c1.Body)
	c2, err := a.CreateOAuthClientWithResponse(ctx, t.ID, adminapi.CreateOAuthClientRequest{Name: "Reports", Scopes: &[]adminapi.OAuthScope{adminapi.Read}})
	if err != nil {
		return err
	}
	if !e.Expect(c2.JSON201 != nil && slices.Equal(c2.JSON201.Scopes, []adminapi.OAuthScope{adminapi.Read}), "createOAuthClient read: %d %s", c2.StatusCode(), c2.Body) {
		return nil
	}
	l, err := a.ListOAuthClientsWithResponse(ctx, t.ID)
	if err != nil {
		return err
	}
	if e.Expect(l.JSON200 != nil, "listOAuthClients: %d %s", l.StatusCode(), l.Body) {
		e.Expect(len(l.JSON200.Clients) == 2 && l.JSON200.Clients[0].ClientId == c1.JSON201.ClientId && l.JSON200.Clients[1].ClientId == c2.JSON201.ClientId,
			"listOAuthClients: want both, oldest first: %s", l.Body)
		e.Expect(!strings.Contains(string(l.Body), c1.JSON201.ClientSecret) && !strings.Contains(string(l.Body), "clientSecret"), "listOAuthClients shows secrets: %s", l.Body)
	}
	for _, bad := range []struct {
		what string
		body string
	}{
		{"a blank name", `{"name":"  "}`},
		{"no scopes", `{"name":"x","scopes":[]}`},
		{"an unknown scope", `{"name":"x","scopes":["admin"]}`},
		{"an unknown field", `{"name":"x","secret":"mine"}`},
	} {
		resp, body, err := e.Raw(ctx, http.MethodPost, "/admin/v1/tenants/"+t.ID.String()+"/oauth-clients", "application/json", bad.body, "Authorization: Bearer "+e.AdminToken)
		if err != nil {
			return err
		}
		code, _ := adminError(body)
		e.Expect(resp.StatusCode == http.StatusBadRequest && code == "INVALID_PARAMETER", "createOAuthClient with %s: want 400, got %d %s", bad.what, resp.StatusCode, body)
	}
	r, err := a.RevokeOAuthClientWithResponse(ctx, t.ID, c1.JSON201.ClientId)
	if err != nil {
		return err
	}
	e.Expect(r.StatusCode() == http.StatusNoContent && len(r.Body) == 0, "revokeOAuthClient: want 204, got %d %s", r.StatusCode(), r.Body)
	for _, id := range []string{c1.JSON201.ClientId, "sb_never_issued"} {
		r, err = a.RevokeOAuthClientWithResponse(ctx, t.ID, id)
		if err != nil {
			return err
		}
		code, _ := adminError(r.Body)
		e.Expect(r.StatusCode() == http.StatusNotFound && code == "NOT_FOUND", "revokeOAuthClient %s (revoked or unknown): want 404, got %d %s", id, r.StatusCode(), r.Body)
	}
	// Another tenant cannot revoke this tenant's client.
	other, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	r, err = a.RevokeOAuthClientWithResponse(ctx, other.ID, c2.JSON201.ClientId)
	if err != nil {
		return err
	}
	e.Expect(r.StatusCode() == http.StatusNotFound, "revoking a client through another tenant: want 404, got %d %s", r.StatusCode(), r.Body)
	l, err = a.ListOAuthClientsWithResponse(ctx, t.ID)
	if err != nil {
		return err
	}
	e.Expect(l.JSON200 != nil && len(l.JSON200.Clients) == 1 && l.JSON200.Clients[0].ClientId == c2.JSON201.ClientId, "listOAuthClients after a revoke: %s", l.Body)
	return nil
}

// operatorExperts: create (defaults, Location), get, update (absent fields kept, lists replaced),
// list, and validation.
func operatorExperts(ctx context.Context, e *Env) error {
	t, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	a := e.Admin
	cr, err := a.CreateExpertWithResponse(ctx, t.ID, adminapi.CreateExpertRequest{Name: "Maria Lopez"})
	if err != nil {
		return err
	}
	if !e.Expect(cr.StatusCode() == http.StatusCreated && cr.JSON201 != nil, "createExpert: want 201, got %d %s", cr.StatusCode(), cr.Body) {
		return nil
	}
	x := cr.JSON201
	e.Expect(cr.HTTPResponse.Header.Get("Location") == "/admin/v1/tenants/"+t.ID.String()+"/experts/"+x.Uuid.String(), "createExpert: Location %q", cr.HTTPResponse.Header.Get("Location"))
	e.Expect(x.Name == "Maria Lopez" && len(x.Languages) == 0 && len(x.Categories) == 0 && len(x.Topics) == 0 && !x.IsElite && x.IsActive && x.Capacity == 0 && x.OpenLoad == 0,
		"createExpert defaults: %s", cr.Body)
	full := adminapi.CreateExpertRequest{Name: "Sam Chen", Languages: &[]string{"en", "es"}, Categories: &[]string{"payments"}, Topics: &[]string{"refund"},
		IsElite: ptr(true), IsActive: ptr(false), Capacity: ptr(5)}
	cr2, err := a.CreateExpertWithResponse(ctx, t.ID, full)
	if err != nil {
		return err
	}
	if e.Expect(cr2.JSON201 != nil, "createExpert with every field: %d %s", cr2.StatusCode(), cr2.Body) {
		y := cr2.JSON201
		e.Expect(slices.Equal(y.Languages, []string{"en", "es"}) && slices.Equal(y.Categories, []string{"payments"}) && slices.Equal(y.Topics, []string{"refund"}) &&
			y.IsElite && !y.IsActive && y.Capacity == 5, "createExpert: %s", cr2.Body)
	}
	g, err := a.GetExpertWithResponse(ctx, t.ID, x.Uuid)
	if err != nil {
		return err
	}
	e.Expect(g.JSON200 != nil && sameJSON(rawOf(g.JSON200), rawOf(x)), "getExpert: %d %s", g.StatusCode(), g.Body)
	up, err := a.UpdateExpertWithResponse(ctx, t.ID, x.Uuid, adminapi.UpdateExpertRequest{Languages: &[]string{"fr"}, Capacity: ptr(3)})
	if err != nil {
		return err
	}
	if e.Expect(up.JSON200 != nil, "updateExpert: %d %s", up.StatusCode(), up.Body) {
		y := up.JSON200
		e.Expect(y.Name == "Maria Lopez" && slices.Equal(y.Languages, []string{"fr"}) && y.Capacity == 3 && y.IsActive && y.CreatedAt.Equal(x.CreatedAt),
			"updateExpert: absent fields must stay, given ones change: %s", up.Body)
	}
	for _, bad := range []struct {
		what, body, mention string
	}{
		{"a blank name", `{"name":" "}`, "name"},
		{"no name", `{}`, "name"},
		{"an upper-case language", `{"name":"x","languages":["EN"]}`, "languages"},
		{"a negative capacity", `{"name":"x","capacity":-1}`, "capacity"},
		{"an unknown field", `{"name":"x","email":"x@example.com"}`, "email"},
	} {
		resp, body, err := e.Raw(ctx, http.MethodPost, "/admin/v1/tenants/"+t.ID.String()+"/experts", "application/json", bad.body, "Authorization: Bearer "+e.AdminToken)
		if err != nil {
			return err
		}
		code, msg := adminError(body)
		e.Expect(resp.StatusCode == http.StatusBadRequest && code == "INVALID_PARAMETER" && strings.Contains(msg, bad.mention),
			"createExpert with %s: want 400 naming %s, got %d %s", bad.what, bad.mention, resp.StatusCode, body)
	}
	for _, bad := range []adminapi.UpdateExpertRequest{{Capacity: ptr(-1)}, {Languages: &[]string{"english"}}, {Name: ptr("")}} {
		st, body, err := result(a.UpdateExpertWithResponse(ctx, t.ID, x.Uuid, bad))
		if err != nil {
			return err
		}
		e.Expect(st == http.StatusBadRequest, "updateExpert %+v: want 400, got %d %s", bad, st, body)
	}
	g2, err := a.GetExpertWithResponse(ctx, t.ID, x.Uuid)
	if err != nil {
		return err
	}
	e.Expect(up.JSON200 != nil && g2.JSON200 != nil && sameJSON(rawOf(g2.JSON200), rawOf(up.JSON200)), "invalid updates changed the expert: %s", g2.Body)
	for _, id := range []uuid.UUID{uuid.New()} {
		st, body, err := result(a.GetExpertWithResponse(ctx, t.ID, id))
		if err != nil {
			return err
		}
		e.Expect(st == http.StatusNotFound, "getExpert unknown: want 404, got %d %s", st, body)
		st, body, err = result(a.UpdateExpertWithResponse(ctx, t.ID, id, adminapi.UpdateExpertRequest{Capacity: ptr(1)}))
		if err != nil {
			return err
		}
		e.Expect(st == http.StatusNotFound, "updateExpert unknown: want 404, got %d %s", st, body)
		st, body, err = result(a.ListExpertQueueWithResponse(ctx, t.ID, id))
		if err != nil {
			return err
		}
		e.Expect(st == http.StatusNotFound, "listExpertQueue of an unknown expert: want 404, got %d %s", st, body)
	}
	// Another tenant's expert is unknown here.
	other, err := newTenant(ctx, e)
	if err != nil {
		return err
	}
	st, body, err := result(a.GetExpertWithResponse(ctx, other.ID, x.Uuid))
	if err != nil {
		return err
	}
	e.Expect(st == http.StatusNotFound, "getExpert through another tenant: want 404, got %d %s", st, body)
	l, err := a.ListExpertsWithResponse(ctx, t.ID)
	if err != nil {
		return err
	}
	if e.Expect(l.JSON200 != nil, "listExperts: %d %s", l.StatusCode(), l.Body) {
		e.Expect(len(l.JSON200.Experts) == 2 && l.JSON200.Experts[0].Uuid == x.Uuid, "listExperts: want both, oldest first, inactive included: %s", l.Body)
	}
	return nil
}

func rawOf(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
