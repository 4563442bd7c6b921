package hub_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	gen "github.com/switchboard-dev/switchboard/gen/hub"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/hub"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The established conversations of a hub are streamed a page at a time; the answer must be
// exactly the generated response's (status, Content-Type, bytes) for one conversation, a full
// page, one more, and several pages, with closed conversations among the open ones.
func TestListEstablishedStreamsTheGeneratedBytes(t *testing.T) {
	page := hubservice.ConversationPageSize
	for _, db := range storetest.Stores(t) {
		t.Run(db.Name, func(t *testing.T) {
			ctx := context.Background()
			e := newBenchEnv(t, db.Store, false)
			path := "/hub/api/v1/conversations/hubs/" + e.hub.String() + "/established"
			open := 1
			for i, want := range []int{1, page, page + 1, 2*page + 3} {
				if err := e.st.SeedHubConversations(ctx, e.tenant, e.conv, 7*(i+1), true); err != nil { // closed, in between
					t.Fatal(err)
				}
				if err := e.st.SeedHubConversations(ctx, e.tenant, e.conv, want-open, false); err != nil {
					t.Fatal(err)
				}
				open = want
				got := httptest.NewRecorder()
				e.do(got, http.MethodGet, path, "")
				all, err := e.st.OpenHubConversations(ctx, e.tenant, e.hub)
				if err != nil || len(all) != want {
					t.Fatalf("%d open conversations stored, want %d (%v)", len(all), want, err)
				}
				views := make(gen.EstablishedConversationList, len(all))
				for i, c := range all {
					views[i] = hub.ConversationView(e.tenant, c)
				}
				wantRec := httptest.NewRecorder()
				httpkit.JSONCharset(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
					if err := gen.ListEstablishedConversations200JSONResponse(views).VisitListEstablishedConversationsResponse(w); err != nil {
						t.Fatal(err)
					}
				})).ServeHTTP(wantRec, httptest.NewRequest(http.MethodGet, path, nil))
				if got.Code != wantRec.Code || got.Header().Get("Content-Type") != wantRec.Header().Get("Content-Type") {
					t.Fatalf("%d open: %d %q, want %d %q", want, got.Code, got.Header().Get("Content-Type"), wantRec.Code, wantRec.Header().Get("Content-Type"))
				}
				if got.Body.String() != wantRec.Body.String() {
					t.Fatalf("%d open: the streamed body differs from the generated one:\n%.400s\nwant\n%.400s", want, got.Body, wantRec.Body)
				}
				if n := strings.Count(got.Body.String(), `"conversationId"`); n != want {
					t.Fatalf("%d conversations listed, want %d", n, want)
				}
			}
		})
	}
}
