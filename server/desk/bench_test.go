package desk_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// BenchmarkAddMessage is POST /desk/v1/conversations/{id}/messages through the whole API
// (intake, validator, handler, one write transaction), per database. The conversation grows
// with b.N: adding stays constant time (a row lock, two index look-ups, one insert).
func BenchmarkAddMessage(b *testing.B) {
	for _, n := range storetest.Stores(b) {
		b.Run(n.Name, func(b *testing.B) {
			e := newEnv(b, n.Store)
			path := fmt.Sprintf("/desk/v1/conversations/%d/messages", e.conv)
			body := `{"content":{"value":"<p>On its way</p>","_type":"Html"},"_type":"Outbound","agentId":"` + e.agent + `"}`
			b.ReportAllocs()
			for b.Loop() {
				if r := e.do("POST", path, body); r.Code != http.StatusOK {
					b.Fatalf("status %d: %s", r.Code, r.Body)
				}
			}
		})
	}
}

// BenchmarkListMessages is GET /desk/v1/conversations/{id}/messages of a conversation of 10 and
// one of 10,000 messages, in the same database and run, per database. The store reads either
// with one range scan of the (tenant, conversation, createdAt) index (see store's
// BenchmarkDeskMessages for the plans); the rest is JSON.
func BenchmarkListMessages(b *testing.B) {
	for _, n := range storetest.Stores(b) {
		b.Run(n.Name, func(b *testing.B) {
			e := newEnv(b, n.Store)
			small := e.conversationOf(b, 10)
			large := e.conversationOf(b, 10_000)
			for _, c := range []struct {
				name string
				id   int64
			}{{"10", small}, {"10000", large}} {
				path := fmt.Sprintf("/desk/v1/conversations/%d/messages", c.id)
				b.Run(c.name, func(b *testing.B) {
					b.ReportAllocs()
					for b.Loop() {
						if r := e.do("GET", path, ""); r.Code != http.StatusOK {
							b.Fatalf("status %d: %s", r.Code, r.Body)
						}
					}
				})
			}
		})
	}
}

// conversationOf creates an Email conversation through the API and brings it to n messages with
// copies of its first one, written straight to the store in one transaction (the API would take
// one transaction each).
func (e *env) conversationOf(tb testing.TB, n int) int64 {
	tb.Helper()
	ctx := context.Background()
	var c struct {
		Data struct{ ID int64 } `json:"data"`
	}
	body := e.must("POST", "/desk/v1/conversations", `{"requesterId":"`+e.user+`","emailIntegrationId":"support@acme.email.dixa.io","subject":"Order","message":{"content":{"value":"Where is my order? It was due last week.","_type":"Text"},"_type":"Inbound"},"_type":"Email"}`, http.StatusCreated)
	if err := jsonUnmarshal(body, &c); err != nil {
		tb.Fatal(err)
	}
	err := e.st.InTenantTx(ctx, e.tenant, func(tx *store.TenantTx) error {
		ms, err := tx.DeskMessages(ctx, c.Data.ID)
		if err != nil {
			return err
		}
		first := ms[0]
		for i := 1; i < n; i++ {
			m := first
			m.ID, m.CreatedAt = [16]byte{}, first.CreatedAt.Add(time.Duration(i)*time.Millisecond)
			if _, err := tx.InsertDeskMessage(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return c.Data.ID
}
