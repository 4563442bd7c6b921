package hub_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/hub"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// BenchmarkActivityPost is one customer message through the whole server (edge, intake, validator,
// handler, the one write transaction), routed to a bot, with and without a webhook to queue.
// The webhooks are not sent (no worker runs).
func BenchmarkActivityPost(b *testing.B) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, st := range storetest.Stores(b) {
		for _, webhook := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/webhook=%v", st.Name, webhook), func(b *testing.B) {
				ctx := context.Background()
				svc := service.New(st.Store)
				hs := hubservice.New(st.Store, svc.Clock)
				hs.UseKey(key)
				srv, err := server.New(server.Config{Service: svc, AdminTokenHash: credential.Hash("x"), Hub: hs, HubConfig: hub.Config{RatePerSecond: -1},
					Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
				if err != nil {
					b.Fatal(err)
				}
				ten, err := svc.CreateTenant(ctx, "Bench", "bench-"+uuid.NewString()[:8])
				if err != nil {
					b.Fatal(err)
				}
				p := hubservice.Principal{TenantID: ten.ID}
				in, _ := hubrules.ParseHub(hubrules.Body{ContentType: "application/json", Raw: []byte(`{"name":"h","description":"d"}`)}, true)
				h, _ := hs.CreateHub(ctx, p, in)
				integ := func(body string) string {
					x, err := hs.CreateIntegration(ctx, p, h.ID, hubrules.Body{ContentType: "application/json", Raw: []byte(body)})
					if err != nil {
						b.Fatal(err)
					}
					return x.ID.String()
				}
				customer := integ(`{"channelId":"Direct","name":"c","configuration":{"integrationType":"Customer"}}`)
				bot := `{"channelId":"Direct","name":"b","configuration":{"integrationType":"Bot"}}`
				if webhook {
					bot = `{"channelId":"Direct","name":"b","configuration":{"integrationType":"Bot","webhookUrl":"https://bot.example.com/h"}}`
				}
				integ(bot)
				est, _ := hubrules.ParseEstablish(hubrules.Body{ContentType: "application/json",
					Raw: []byte(`{"integrationId":"` + customer + `","binding":"b","channelType":"Direct"}`)})
				conv, err := hs.Establish(ctx, p, est)
				if err != nil {
					b.Fatal(err)
				}
				c, secret, _ := hs.IssueClient(ctx, ten.ID, hubservice.AudienceEngine)
				tok, _ := hs.IssueToken(ctx, c.ClientID, secret)
				path := "/hub/inbound/customer/v1/direct/activity/" + conv.ID.String()
				body := `{"externalId":"x","type":"message","message":{"type":"text","text":"Hi there!"}}`
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
					req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
					req.Header.Set("Content-Type", "application/json")
					rec := httptest.NewRecorder()
					srv.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
