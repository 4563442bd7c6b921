package conformance_test

import (
	"context"
	"testing"

	"github.com/switchboard-dev/switchboard/conformance"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestScenariosOnWorkingSets runs every scenario again with writes that load only a question's
// working set (service.Service.WholeUpTo < 0), as they do for a question too large to load
// whole: every answer, views built after a write included, must be the same.
func TestScenariosOnWorkingSets(t *testing.T) {
	for _, st := range storetest.Stores(t) {
		t.Run(st.Name, func(t *testing.T) {
			ctx := context.Background()
			suite, err := conformance.NewSwitchboardSuite()
			if err != nil {
				t.Fatal(err)
			}
			adminToken := credential.NewAdminToken()
			svc := service.New(st.Store)
			svc.WholeUpTo = -1
			if err := svc.UseVirtualClock(ctx); err != nil {
				t.Fatal(err)
			}
			srv, err := server.New(server.Config{Service: svc, AdminTokenHash: credential.Hash(adminToken), Outbox: loopbackOutbox(st.Store, svc)})
			if err != nil {
				t.Fatal(err)
			}
			target := conformance.Target{BaseURL: "http://switchboard.test", AdminToken: adminToken, Transport: conformance.HandlerTransport(srv)}
			results, err := conformance.RunScenarios(ctx, suite, target, conformance.Scenarios())
			report(t, results, err)
		})
	}
}
