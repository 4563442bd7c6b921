package desk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	gen "github.com/switchboard-dev/switchboard/gen/desk"
	"github.com/switchboard-dev/switchboard/server/desk"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The message listing is streamed a page at a time; it must answer exactly the bytes (and status
// and headers) the generated response, encoding the whole list at once, answers: for one page,
// for a full page, for one message more, and for several pages, with messages that differ
// (HTML in their content, externalIds, a redacted one) on either side of a page boundary.
func TestListMessagesStreamsTheGeneratedBytes(t *testing.T) {
	page := deskservice.MessagePageSize
	for _, db := range storetest.Stores(t) {
		t.Run(db.Name, func(t *testing.T) {
			e := newEnv(t, db.Store)
			ctx := context.Background()
			path := fmt.Sprintf("/desk/v1/conversations/%d/messages", e.conv)
			add := func(i int) {
				body := fmt.Sprintf(`{"content":{"value":"<p>Reply %d & more</p>","_type":"Html"},"_type":"Outbound","agentId":"%s","externalId":"x-%d"}`, i, e.agent, i)
				e.must("POST", path, body, http.StatusOK)
			}
			have := 1
			for _, want := range []int{1, page, page + 1, 2*page + 3} {
				for ; have < want-1; have++ {
					if have%97 == 0 {
						add(have)
						continue
					}
					if err := e.st.SeedDeskMessages(ctx, e.tenant, e.conv, 1); err != nil {
						t.Fatal(err)
					}
				}
				if have < want {
					add(have)
					have++
				}
				if want == page+1 { // a redacted message on the page boundary
					ms, _ := e.st.DeskMessagePage(ctx, e.tenant, e.conv, nil, page)
					if _, err := e.svc.AnonymizeMessage(ctx, mustPrincipal(t, e), e.conv, ms[page-1].ID); err != nil {
						t.Fatal(err)
					}
				}
				got := e.do("GET", path, "")
				wantRec := generated(t, e, path)
				if got.Code != wantRec.Code || got.Header().Get("Content-Type") != wantRec.Header().Get("Content-Type") {
					t.Fatalf("%d messages: %d %q, want %d %q", want, got.Code, got.Header().Get("Content-Type"), wantRec.Code, wantRec.Header().Get("Content-Type"))
				}
				if got.Body.String() != wantRec.Body.String() {
					t.Fatalf("%d messages: the streamed body differs from the generated one:\n%.400s\nwant\n%.400s", want, got.Body, wantRec.Body)
				}
				if n := countMessages(t, got.Body.Bytes()); n != want {
					t.Fatalf("%d messages listed, want %d", n, want)
				}
			}
		})
	}
}

// generated is what the generated response writes for the whole conversation, read at once,
// through the JSON charset layer every API's responses pass.
func generated(t *testing.T, e *env, path string) *httptest.ResponseRecorder {
	t.Helper()
	ms, err := e.st.DeskMessages(context.Background(), e.tenant, e.conv)
	if err != nil {
		t.Fatal(err)
	}
	out, err := desk.MessagesView(ms)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	httpkit.JSONCharset(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if err := (gen.GetConversationsConversationidMessages200JSONResponse{Data: out}).VisitGetConversationsConversationidMessagesResponse(w); err != nil {
			t.Fatal(err)
		}
	})).ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	return rec
}

func countMessages(t *testing.T, body []byte) int {
	t.Helper()
	var out struct{ Data []map[string]any }
	if err := jsonUnmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return len(out.Data)
}

// A read that fails after a page was sent cannot become an error answer: the response is
// aborted (http.ErrAbortHandler), never ended as if the list were complete. One that fails
// before (the first or the second page: the first is held until the second is read) is an
// ordinary error, nothing written.
func TestListMessagesFailureMidStreamAborts(t *testing.T) {
	full := make([]store.DeskMessage, deskservice.MessagePageSize)
	for i := range full {
		full[i].Attributes = []byte(`{"_type":"EmailAttributes"}`)
	}
	boom := errors.New("boom")
	failAfter := func(pages int) func(context.Context, store.DeskMessage) ([]store.DeskMessage, error) {
		return func(context.Context, store.DeskMessage) ([]store.DeskMessage, error) {
			if pages == 0 {
				return nil, boom
			}
			pages--
			return full, nil
		}
	}

	rec := httptest.NewRecorder()
	err := desk.NewMessageStream(context.Background(), full, failAfter(0)).VisitGetConversationsConversationidMessagesResponse(rec)
	if !errors.Is(err, boom) || rec.Body.Len() != 0 {
		t.Fatalf("the second page's read fails: %v, %d bytes written", err, rec.Body.Len())
	}

	rec = httptest.NewRecorder()
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Fatalf("recovered %v, want http.ErrAbortHandler", v)
			}
		}()
		desk.NewMessageStream(context.Background(), full, failAfter(1)).VisitGetConversationsConversationidMessagesResponse(rec)
		t.Fatal("the stream ended normally after a failed read")
	}()
	if rec.Code != http.StatusOK || rec.Body.Len() == 0 {
		t.Fatalf("the first page was not sent before the third read: %d, %d bytes", rec.Code, rec.Body.Len())
	}

	bad := []store.DeskMessage{{Attributes: []byte(`not json`)}}
	rec = httptest.NewRecorder()
	err = desk.NewMessageStream(context.Background(), bad, nil).VisitGetConversationsConversationidMessagesResponse(rec)
	if err == nil || rec.Body.Len() != 0 {
		t.Fatalf("a failure on the first page: %v, %d bytes written", err, rec.Body.Len())
	}
}
