package outbox_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/server/clock"
	"github.com/switchboard-dev/switchboard/server/netguard"
	"github.com/switchboard-dev/switchboard/server/outbox"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// BenchmarkDeliveryThroughput: b.N queued deliveries attempted by one worker (default batch and
// parallelism) against a local receiver that answers 200 at once: claim, sign-free POST, record.
func BenchmarkDeliveryThroughput(b *testing.B) { benchmarkDeliveries(b, 0) }

// BenchmarkDeliveryThroughputSlowPeer: the same, but one delivery in 100 goes to a receiver that
// takes 200 ms to answer (a slow tenant among fast ones).
func BenchmarkDeliveryThroughputSlowPeer(b *testing.B) { benchmarkDeliveries(b, 100) }

func benchmarkDeliveries(b *testing.B, slowEvery int) {
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/slow" {
			time.Sleep(200 * time.Millisecond)
		}
	}))
	defer rcv.Close()
	for _, st := range storetest.Stores(b) {
		b.Run(st.Name, func(b *testing.B) {
			ctx := context.Background()
			clk := clock.NewFixed(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
			w := outbox.NewWorker(st.Store, clk, loopback.Client(netguard.ClientOptions{}), quietLogger())
			tenant := newTenant(b, st.Store)
			var msgs []outbox.Message
			for i := range b.N {
				path := "/fast"
				if slowEvery > 0 && i%slowEvery == 0 {
					path = "/slow"
				}
				msgs = append(msgs, message(rcv.URL+path, "key", fmt.Sprintf(`{"n":%d,"text":"a webhook body of some realistic size, a few hundred bytes"}`, i)))
			}
			queue(b, st.Store, tenant, clk.Now(), msgs...)
			b.ResetTimer()
			n, err := w.RunDue(ctx)
			if err != nil || n != b.N {
				b.Fatalf("RunDue = %d, %v", n, err)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "deliveries/s")
		})
	}
}
