package desk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/deskrules"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The Desk API's add and list paths against data sets of several sizes, seeded in SQL (store's
// Seed* methods), per database: the cost of a call must not grow with what is stored (the cost
// of listing a whole conversation grows with the answer, its memory must not).
//
// Sizes come from $SWITCHBOARD_BENCH_SIZES (comma-separated row counts; default 10000), e.g.
//
//	SWITCHBOARD_BENCH_SIZES=10000,1000000 go test ./server/desk -run '^$' -bench Desk -benchtime 20x
//
// Seeding a million rows takes minutes on a busy machine; plain `go test` runs no benchmark.
//
// BenchmarkDesk runs the add and list paths per database and size on one company holding, for
// each size n: a conversation of n messages, n end users, and n conversations of one end user
// (all seeded once, then every path measured):
//
//   - add-message: POST /desk/v1/conversations/{id}/messages through the whole API (intake,
//     validator, handler, one write transaction) to the conversation of n messages;
//   - list-messages: GET of all n messages (Dixa has no paging there), answered into a writer that
//     keeps nothing; reported per message too (ns/msg), and peak-live-MB, the most heap live
//     after a GC, sampled every 256 KiB of the response (a constant when it is streamed);
//   - endusers/first, endusers/deep: GET /desk/v1/endusers, the first page and one near the end;
//   - conversations/first, conversations/deep: GET /desk/v1/endusers/{id}/conversations, same.
func BenchmarkDesk(b *testing.B) {
	for _, db := range storetest.BenchStores(b) {
		for _, n := range storetest.BenchSizes(b) {
			b.Run(fmt.Sprintf("%s/%d", db.Name, n), func(b *testing.B) {
				e := newEnv(b, db.Store)
				ctx := context.Background()
				user, err := uuid.Parse(e.user)
				if err != nil {
					b.Fatal(err)
				}
				firstUser, err := e.st.DeskContact(ctx, e.tenant, store.DeskEndUser, user)
				if err != nil {
					b.Fatal(err)
				}
				firstConv, err := e.st.DeskConversation(ctx, e.tenant, e.conv)
				if err != nil {
					b.Fatal(err)
				}
				start := time.Now()
				for _, seed := range []func() error{
					func() error { return e.st.SeedDeskMessages(ctx, e.tenant, e.conv, n-1) },
					func() error { return e.st.SeedDeskContacts(ctx, e.tenant, user, n-1) },
					func() error { return e.st.SeedDeskConversations(ctx, e.tenant, e.conv, n-1) },
				} {
					if err := seed(); err != nil {
						b.Fatal(err)
					}
				}
				b.Logf("seeded 3×%d rows in %s", n, time.Since(start).Round(time.Millisecond))
				// The seeded conversations follow the API's first one, so the messages sent below go
				// to a conversation that is not the last.
				listMessages(b, e, n)
				addMessage(b, e)
				deepUsers := deskrules.After(firstUser.CreatedAt.Add(time.Duration(n-60)*time.Millisecond), uuid.Nil.String()).Encode()
				pages(b, e, "endusers", "/desk/v1/endusers?pageLimit=50", "/desk/v1/endusers?pageLimit=50&pageKey="+deepUsers)
				deepConvs := deskrules.After(firstConv.CreatedAt.Add(time.Duration(n-60)*time.Millisecond),
					strconv.FormatInt(firstConv.ID+int64(n-61), 10)).Encode()
				base := "/desk/v1/endusers/" + e.user + "/conversations?pageLimit=50"
				pages(b, e, "conversations", base, base+"&pageKey="+deepConvs)
			})
		}
	}
}

func addMessage(b *testing.B, e *env) {
	path := fmt.Sprintf("/desk/v1/conversations/%d/messages", e.conv)
	body := `{"content":{"value":"<p>On its way</p>","_type":"Html"},"_type":"Outbound","agentId":"` + e.agent + `"}`
	b.Run("add-message", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if r := e.do("POST", path, body); r.Code != http.StatusOK {
				b.Fatalf("status %d: %s", r.Code, r.Body)
			}
		}
	})
}

func listMessages(b *testing.B, e *env, n int) {
	path := fmt.Sprintf("/desk/v1/conversations/%d/messages", e.conv)
	b.Run("list-messages", func(b *testing.B) {
		get := func(w *heapWatch) {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Authorization", e.token)
			e.h.ServeHTTP(w, req)
			if w.status != http.StatusOK || w.bytes < int64(n)*100 {
				b.Fatalf("status %d, %d bytes", w.status, w.bytes)
			}
		}
		b.ReportAllocs()
		for b.Loop() {
			get(&heapWatch{header: http.Header{}, next: 1 << 62})
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/msg")
		w := &heapWatch{header: http.Header{}} // once more, untimed, watching the heap
		get(w)
		b.ReportMetric(float64(w.peak)/(1<<20), "peak-live-MB")
	})
}

func pages(b *testing.B, e *env, name, first, deep string) {
	for _, p := range []struct{ name, path string }{{"first", first}, {"deep", deep}} {
		b.Run(name+"/"+p.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := e.do("GET", p.path, "")
				if r.Code != http.StatusOK || strings.Count(r.Body.String(), `"createdAt"`) < 50 {
					b.Fatalf("status %d: %.300s", r.Code, r.Body)
				}
			}
		})
	}
}

// heapWatch is a ResponseWriter that keeps nothing but counts, and every 256 KiB of body runs a
// GC and notes the live heap.
type heapWatch struct {
	header http.Header
	status int
	bytes  int64
	next   int64
	peak   uint64
}

func (w *heapWatch) Header() http.Header { return w.header }
func (w *heapWatch) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

func (w *heapWatch) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.bytes += int64(len(p))
	if w.bytes >= w.next {
		w.next = w.bytes + 256<<10
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.peak = max(w.peak, m.HeapAlloc)
	}
	return len(p), nil
}
