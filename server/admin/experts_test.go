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

func ptr[T any](v T) *T { return &v }

func TestExpertCRUD(t *testing.T) {
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st, false)

		r, err := e.c.CreateExpertWithResponse(e.ctx, e.tenant.ID, gen.CreateExpertRequest{Name: " Maria Lopez ", Languages: &[]string{"en", "es"}, Categories: &[]string{"payments"}, IsElite: ptr(true), Capacity: ptr(5)})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, r, r.Body, http.StatusCreated)
		m := *r.JSON201
		if want := "/admin/v1/tenants/" + e.tenant.ID.String() + "/experts/" + m.Uuid.String(); r.HTTPResponse.Header.Get("Location") != want {
			t.Errorf("Location %q, want %q", r.HTTPResponse.Header.Get("Location"), want)
		}
		if m.Name != "Maria Lopez" || !m.IsActive || !m.IsElite || m.Capacity != 5 || m.OpenLoad != 0 ||
			!slices.Equal(m.Languages, []string{"en", "es"}) || !m.CreatedAt.Equal(t0) || !m.UpdatedAt.Equal(t0) {
			t.Errorf("created %+v", m)
		}
		if !strings.Contains(string(r.Body), `"topics":[]`) {
			t.Errorf("absent list not written []: %s", r.Body)
		}

		// Defaults: active, not elite, unlimited, every list empty.
		s := e.createExpert("Sam Chen", func(req *gen.CreateExpertRequest) { req.Languages = nil })
		if !s.IsActive || s.IsElite || s.Capacity != 0 || len(s.Languages) != 0 || s.Categories == nil {
			t.Errorf("defaults %+v", s)
		}

		l, err := e.c.ListExpertsWithResponse(e.ctx, e.tenant.ID)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, l, l.Body, http.StatusOK)
		if len(l.JSON200.Experts) != 2 || l.JSON200.Experts[0].Uuid != m.Uuid || l.JSON200.Experts[1].Uuid != s.Uuid {
			t.Errorf("list %+v, want Maria then Sam", l.JSON200.Experts)
		}

		g, err := e.c.GetExpertWithResponse(e.ctx, e.tenant.ID, m.Uuid)
		if err != nil {
			t.Fatal(err)
		}
		expect(t, g, g.Body, http.StatusOK)
		if g.JSON200.Uuid != m.Uuid || g.JSON200.Name != "Maria Lopez" {
			t.Errorf("get %+v", g.JSON200)
		}

		// PATCH changes only what is present; lists are replaced.
		u, err := e.c.UpdateExpertWithResponse(e.ctx, e.tenant.ID, m.Uuid, gen.UpdateExpertRequest{Capacity: ptr(8), Languages: &[]string{"fr"}, IsActive: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
		expect(t, u, u.Body, http.StatusOK)
		if x := u.JSON200; x.Capacity != 8 || x.IsActive || !slices.Equal(x.Languages, []string{"fr"}) || x.Name != "Maria Lopez" ||
			!slices.Equal(x.Categories, []string{"payments"}) || !x.IsElite {
			t.Errorf("updated %+v", x)
		}

		// Not found: unknown expert, unknown tenant.
		g, _ = e.c.GetExpertWithResponse(e.ctx, e.tenant.ID, uuid.New())
		expectErr(t, g, g.Body, http.StatusNotFound, gen.NOTFOUND)
		u, _ = e.c.UpdateExpertWithResponse(e.ctx, e.tenant.ID, uuid.New(), gen.UpdateExpertRequest{Capacity: ptr(1)})
		expectErr(t, u, u.Body, http.StatusNotFound, gen.NOTFOUND)
		l, _ = e.c.ListExpertsWithResponse(e.ctx, uuid.New())
		expectErr(t, l, l.Body, http.StatusNotFound, gen.NOTFOUND)
		r, _ = e.c.CreateExpertWithResponse(e.ctx, uuid.New(), gen.CreateExpertRequest{Name: "X"})
		expectErr(t, r, r.Body, http.StatusNotFound, gen.NOTFOUND)

		// Validation: nothing is created.
		for name, req := range map[string]gen.CreateExpertRequest{
			"blank name":     {Name: "   "},
			"bad language":   {Name: "X", Languages: &[]string{"EN"}},
			"negative cap":   {Name: "X", Capacity: ptr(-1)},
			"blank category": {Name: "X", Categories: &[]string{" "}},
		} {
			r, err := e.c.CreateExpertWithResponse(e.ctx, e.tenant.ID, req)
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode() != http.StatusBadRequest {
				t.Errorf("%s: status %d, want 400: %s", name, r.StatusCode(), r.Body)
				continue
			}
			expectErr(t, r, r.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
		}
		u, _ = e.c.UpdateExpertWithResponse(e.ctx, e.tenant.ID, m.Uuid, gen.UpdateExpertRequest{Name: ptr(" ")})
		expectErr(t, u, u.Body, http.StatusBadRequest, gen.INVALIDPARAMETER)
		l, _ = e.c.ListExpertsWithResponse(e.ctx, e.tenant.ID)
		if len(l.JSON200.Experts) != 2 {
			t.Errorf("invalid creates stored experts: %d", len(l.JSON200.Experts))
		}
	})
}
