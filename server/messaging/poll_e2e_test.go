package messaging_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/messaging"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// serveRaw sends one GET through h with a fixed request id (so that two stacks' answers can be
// compared byte for byte).
func serveRaw(h http.Handler, target, auth string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/", nil)
	u, _ := url.Parse(target)
	req.URL = u
	req.RequestURI = target
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	req.Header.Set("X-Request-Id", "0f8fad5b-d9cb-469f-a165-70867728950e")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestPollFastPathAnswersAsTheGenericStack sends the polls, valid and not, through the API with
// and without the fast path, in every state a poll meets (unchanged, changed, the token expired
// on the server clock, logged out, another company's question, a Help Desk question), and
// requires identical answers: status, headers, body.
func TestPollFastPathAnswersAsTheGenericStack(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			e := newEnvOn(t, n.Store)
			generic, err := messaging.NewGeneric(e.svc)
			if err != nil {
				t.Fatal(err)
			}
			gh := root(generic)
			tok := e.token()
			q := e.ask(tok, `{"text":"hello"}`)
			id := q["uuid"].(string)
			lu := q["lastUpdated"].(string)
			luTime, _ := time.Parse(time.RFC3339, lu)
			other := newEnvOn(t, n.Store)
			otherQ := other.ask(other.token(), `{"text":"theirs"}`)["uuid"].(string)
			targets := func() []string {
				var out []string
				for _, qid := range []string{id, strings.ToUpper(id), otherQ, uuid.NewString(), "not-a-uuid"} {
					for _, lc := range []string{lu, url.QueryEscape(lu), "1495126238000", luTime.Add(-time.Second).Format(time.RFC3339),
						luTime.Add(time.Hour).Format(time.RFC3339), "", "yesterday", lu + "&lastChecked=" + lu} {
						out = append(out,
							"/messaging/v1/questions/"+qid+"?lastChecked="+lc,
							"/messaging/questions/"+qid+"?lastChecked="+lc,
							"/messaging/v1/messages?questionUuid="+qid+"&lastChecked="+lc,
							"/messaging/messages?lastChecked="+lc+"&questionUuid="+qid)
					}
				}
				return append(out, "/messaging/v1/questions/"+id, "/messaging/v1/messages?questionUuid="+id,
					"/messaging/v1/messages?lastChecked="+lu, "/messaging/v1/questions/"+id+"?lastChecked="+lu+"&x=1")
			}
			fast304 := 0
			compare := func(state string, auths ...string) {
				t.Helper()
				for _, target := range targets() {
					for _, auth := range auths {
						a := serveRaw(e.h, target, auth)
						b := serveRaw(gh, target, auth)
						if a.Code != b.Code || !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) || !reflect.DeepEqual(a.Header(), b.Header()) {
							t.Errorf("%s: GET %s (%q):\nfast:    %d %v %s\ngeneric: %d %v %s", state, target, auth,
								a.Code, a.Header(), a.Body, b.Code, b.Header(), b.Body)
						}
						if a.Code == http.StatusNotModified {
							fast304++
						}
					}
				}
			}
			bearer := "Bearer " + tok
			compare("unchanged", bearer, "bearer  "+tok+" ", "Basic "+tok, "", "Bearer nope")
			if fast304 == 0 {
				t.Fatal("no 304 at all: the comparison proves nothing")
			}
			e.respond(id)
			compare("changed", bearer)
			e.clk.Advance(12*time.Hour + time.Second) // past the token's expiry
			compare("token expired", bearer)
			tok2 := e.token()
			compare("new token", "Bearer "+tok2)
			if r := e.do("POST", "/messaging/oauth/logout", nil, "Authorization", "Bearer "+tok2); r.status != 200 {
				t.Fatalf("logout: %d", r.status)
			}
			compare("logged out", "Bearer "+tok2)
		})
	}
}

// TestPollSeesOtherInstances: two servers on one database (SQLite file or PostgreSQL), both
// polling from their caches. A response committed on A is a 200 at B's next poll; a logout on A
// is a 401 at B's next poll; a token that expires on the server clock is refused.
func TestPollSeesOtherInstances(t *testing.T) {
	for _, n := range storetest.Stores(t) {
		t.Run(n.Name, func(t *testing.T) {
			e := newEnvOn(t, n.Store)
			st2, err := store.Open(context.Background(), n.URL)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st2.Close() })
			svc2 := service.New(st2)
			svc2.Clock = e.clk
			api2, err := messaging.New(svc2)
			if err != nil {
				t.Fatal(err)
			}
			b := root(api2)
			storetest.WaitPollCache(t, n.Store, true)
			storetest.WaitPollCache(t, st2, true)

			tok := e.token()
			q := e.ask(tok, `{"text":"hello"}`)
			id, lu := q["uuid"].(string), q["lastUpdated"].(string)
			poll := "/messaging/v1/questions/" + id + "?lastChecked=" + lu
			msgs := "/messaging/v1/messages?questionUuid=" + id + "&lastChecked=" + lu
			for range 3 {
				for _, h := range []http.Handler{e.h, b} {
					for _, target := range []string{poll, msgs} {
						if r := serveRaw(h, target, "Bearer "+tok); r.Code != http.StatusNotModified {
							t.Fatalf("warm-up %s: %d %s", target, r.Code, r.Body)
						}
					}
				}
			}
			if hits, _ := st2.PollCacheStats(); hits == 0 {
				t.Fatal("B never polled from its cache: the test would prove nothing")
			}
			e.respond(id) // committed through A
			for _, target := range []string{poll, msgs} {
				if r := serveRaw(b, target, "Bearer "+tok); r.Code != http.StatusOK {
					t.Fatalf("B after a response on A: %s: %d %s", target, r.Code, r.Body)
				}
			}
			lu2 := e.do("GET", "/messaging/v1/questions/"+id, nil, "Authorization", "Bearer "+tok).data()["lastUpdated"].(string)
			poll = "/messaging/v1/questions/" + id + "?lastChecked=" + lu2
			msgs = "/messaging/v1/messages?questionUuid=" + id + "&lastChecked=" + lu2
			for range 3 {
				if r := serveRaw(b, poll, "Bearer "+tok); r.Code != http.StatusNotModified {
					t.Fatalf("B: %d %s", r.Code, r.Body)
				}
			}
			if r := e.do("POST", "/messaging/oauth/logout", nil, "Authorization", "Bearer "+tok); r.status != 200 {
				t.Fatalf("logout on A: %d", r.status)
			}
			for _, target := range []string{poll, msgs} {
				if r := serveRaw(b, target, "Bearer "+tok); r.Code != http.StatusUnauthorized || !strings.Contains(r.Body.String(), "revoked") {
					t.Fatalf("B after a logout on A: %s: %d %s", target, r.Code, r.Body)
				}
			}

			tok2 := e.token()
			for range 3 {
				if r := serveRaw(b, poll, "Bearer "+tok2); r.Code != http.StatusNotModified {
					t.Fatalf("B, new token: %d %s", r.Code, r.Body)
				}
			}
			e.clk.Advance(12*time.Hour - time.Second)
			if r := serveRaw(b, poll, "Bearer "+tok2); r.Code != http.StatusNotModified {
				t.Fatalf("B, a second before expiry: %d %s", r.Code, r.Body)
			}
			e.clk.Advance(time.Second)
			if r := serveRaw(b, poll, "Bearer "+tok2); r.Code != http.StatusUnauthorized || !strings.Contains(r.Body.String(), "expired") {
				t.Fatalf("B at expiry: %d %s", r.Code, r.Body)
			}
		})
	}
}
