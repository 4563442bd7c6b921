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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/hub"
	"github.com/switchboard-dev/switchboard/server/hubrules"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The Hub Direct API's add and list paths through the whole server (edge, intake, validator,
// handler, store), per database, against data sets of several sizes seeded in SQL (store's Seed*
// methods): the cost of a call must not grow with what is stored.
//
// Sizes come from $SWITCHBOARD_BENCH_SIZES (comma-separated row counts; default 10000), e.g.
//
//	SWITCHBOARD_BENCH_SIZES=10000,1000000 go test ./server/hub -run '^$' -bench Hub -benchtime 20x
//
// benchKey signs the tokens of every benchmark's server.
var benchKey, _ = rsa.GenerateKey(rand.Reader, 2048)

// benchEnv is a server with one tenant, a hub with a customer and a bot integration, an engine
// token, and one established conversation.
type benchEnv struct {
	srv    http.Handler
	st     *store.Store
	tenant uuid.UUID
	hub    uuid.UUID
	conv   uuid.UUID
	token  string
}

func newBenchEnv(b testing.TB, st *store.Store, botWebhook bool) *benchEnv {
	ctx := context.Background()
	svc := service.New(st)
	hs := hubservice.New(st, svc.Clock)
	hs.UseKey(benchKey)
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
	h, err := hs.CreateHub(ctx, p, in)
	if err != nil {
		b.Fatal(err)
	}
	integ := func(body string) string {
		x, err := hs.CreateIntegration(ctx, p, h.ID, hubrules.Body{ContentType: "application/json", Raw: []byte(body)})
		if err != nil {
			b.Fatal(err)
		}
		return x.ID.String()
	}
	customer := integ(`{"channelId":"Direct","name":"c","configuration":{"integrationType":"Customer"}}`)
	bot := `{"channelId":"Direct","name":"b","configuration":{"integrationType":"Bot"}}`
	if botWebhook {
		bot = `{"channelId":"Direct","name":"b","configuration":{"integrationType":"Bot","webhookUrl":"https://bot.example.com/h"}}`
	}
	integ(bot)
	est, _ := hubrules.ParseEstablish(hubrules.Body{ContentType: "application/json",
		Raw: []byte(`{"integrationId":"` + customer + `","binding":"b","channelType":"Direct"}`)})
	conv, err := hs.Establish(ctx, p, est)
	if err != nil {
		b.Fatal(err)
	}
	c, secret, err := hs.IssueClient(ctx, ten.ID, hubservice.AudienceEngine)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := hs.IssueToken(ctx, c.ClientID, secret)
	if err != nil {
		b.Fatal(err)
	}
	return &benchEnv{srv: srv, st: st, tenant: ten.ID, hub: h.ID, conv: conv.ID, token: tok.AccessToken}
}

func (e *benchEnv) do(w http.ResponseWriter, method, path, body string) {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, path, nil)
	} else {
		req = httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	e.srv.ServeHTTP(w, req)
}

func (e *benchEnv) post(b testing.TB) {
	rec := httptest.NewRecorder()
	e.do(rec, http.MethodPost, "/hub/inbound/customer/v1/direct/activity/"+e.conv.String(),
		`{"externalId":"x","type":"message","message":{"type":"text","text":"Hi there!"}}`)
	if rec.Code != http.StatusOK {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// BenchmarkHub runs the add and list paths per database and size on one hub whose conversation
// holds n customer-to-bot activities and which closed n other conversations (all seeded once,
// then every path measured):
//
//   - activity-post: a customer message through the whole server into the conversation of n
//     activities, routed to a bot with a webhook to queue (not sent: no worker runs);
//   - activities/customer-first, activities/customer-deep: GET /api/v1/interactions/activities/{id}
//     for the customer, from the start (a full page of 500) and near the end;
//   - activities/agent: the agent's view, in which no activity takes part (nothing to answer, and
//     nothing to walk through to find that out);
//   - established: GET /api/v1/conversations/hubs/{hubId}/established (1 open, n closed).
func BenchmarkHub(b *testing.B) {
	for _, db := range storetest.BenchStores(b) {
		for _, n := range storetest.BenchSizes(b) {
			b.Run(fmt.Sprintf("%s/%d", db.Name, n), func(b *testing.B) {
				ctx := context.Background()
				e := newBenchEnv(b, db.Store, true)
				e.post(b)
				start := time.Now()
				if err := e.st.SeedHubActivities(ctx, e.tenant, e.conv, n-1); err != nil {
					b.Fatal(err)
				}
				if err := e.st.SeedHubConversations(ctx, e.tenant, e.conv, n, true); err != nil {
					b.Fatal(err)
				}
				b.Logf("seeded 2×%d rows in %s", n, time.Since(start).Round(time.Millisecond))
				c, err := e.st.HubConversation(ctx, e.tenant, e.conv)
				if err != nil {
					b.Fatal(err)
				}
				activities := "/hub/api/v1/interactions/activities/" + e.conv.String()
				for _, q := range []struct{ name, path, want string }{
					{"activities/customer-first", activities + "?type=Customer&leid=0", `"eventId"`},
					{"activities/customer-deep", activities + "?type=Customer&leid=" + strconv.FormatInt(c.LastEventID-100, 10), `"eventId"`},
					{"activities/agent", activities + "?type=Agent&leid=0", `[]`},
					{"established", "/hub/api/v1/conversations/hubs/" + e.hub.String() + "/established", `"conversationId"`},
				} {
					b.Run(q.name, func(b *testing.B) {
						b.ReportAllocs()
						for b.Loop() {
							rec := httptest.NewRecorder()
							e.do(rec, http.MethodGet, q.path, "")
							if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), q.want) {
								b.Fatalf("%d %.300s", rec.Code, rec.Body)
							}
						}
					})
				}
				b.Run("activity-post", func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						e.post(b)
					}
				})
			})
		}
	}
}
