package messaging_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
	"github.com/switchboard-dev/switchboard/store/storetest"
)

// The seed's Simple Sample Flow, verbatim: token → ask → poll 304 → an expert responds → poll
// 200 → accept → logout → the old token gets 401.
func TestSimpleSampleFlow(t *testing.T) {
	t.Parallel()
	storetest.ForEach(t, func(t *testing.T, st *store.Store) {
		e := newEnvOn(t, st)

		// 1. Get an access token.
		r := e.do("POST", "/messaging/oauth/token",
			"grant_type=client_credentials&client_id="+url.QueryEscape(e.client)+"&client_secret="+url.QueryEscape(e.secret),
			"Content-Type", "application/x-www-form-urlencoded")
		if r.status != 200 || len(r.json) != 4 || r.str("token_type") != "bearer" || r.json["expires_in"] != float64(43200) || r.str("scope") != "read write" {
			t.Fatalf("token: %d %s", r.status, r.body)
		}
		if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Pragma") != "no-cache" {
			t.Errorf("token headers: %v", r.header)
		}
		token := r.str("access_token")

		// 2. Ask a new question.
		r = e.do("POST", "/messaging/v1/questions", `{
			"text": "How do I turn location services back on?\nThe app stopped finding me after the iOS update.",
			"language": "en",
			"author": {"name": "Joe User", "email": "user@example.com", "refId": "user-42"},
			"metadata": {"Operating System": "iOS 10.3", "Browser": "Safari"}}`, jsonHeaders(token)...)
		if r.status != 201 {
			t.Fatalf("ask: %d %s", r.status, r.body)
		}
		q := r.data()
		id := q["uuid"].(string)
		if r.header.Get("Location") != "/messaging/v1/questions/"+id {
			t.Errorf("Location %q", r.header.Get("Location"))
		}
		for _, leak := range []string{"user@example.com", "user-42", "refId", "email"} {
			if strings.Contains(string(r.body), leak) {
				t.Errorf("the question echoes %q: %s", leak, r.body)
			}
		}
		conv := obj(q["conversation"])
		if conv["subject"] != "How do I turn location services back on?" || conv["language"] != "en" ||
			fmt.Sprint(conv["author"]) != fmt.Sprint(map[string]any{"uuid": nil, "name": "Joe User", "type": "USER"}) {
			t.Errorf("conversation: %v", conv)
		}
		msgs := list(conv["messages"])
		if len(msgs) != 1 || obj(msgs[0])["type"] != "NOTIFYING_EXPERTS_SYSTEM_MESSAGE" ||
			fmt.Sprint(obj(msgs[0])["author"]) != fmt.Sprint(map[string]any{"uuid": nil, "name": "System", "type": "SYSTEM"}) {
			t.Errorf("messages: %v", msgs)
		}
		if conv["responses"] == nil || len(list(conv["responses"])) != 0 || conv["unreadMessageCount"] != float64(0) {
			t.Errorf("responses %v unread %v", conv["responses"], conv["unreadMessageCount"])
		}
		state := obj(q["state"])
		if state["status"] != "UNRESOLVED" || state["isAnswered"] != false || state["isClosed"] != false || state["isClaimed"] != false ||
			fmt.Sprint(state["rerouteStatus"]) != fmt.Sprint(map[string]any{"isRerouted": false, "reroutedBy": nil, "reroutedAt": nil}) {
			t.Errorf("state: %v", state)
		}
		if string(mustJSON(t, q["metadata"])) != `{"Browser":"Safari","Operating System":"iOS 10.3"}` || !strings.Contains(string(r.body), `"metadata":{"Operating System":"iOS 10.3","Browser":"Safari"}`) {
			t.Errorf("metadata not kept as sent: %s", r.body)
		}
		if q["createdAt"] != "2017-05-18T16:50:38Z" || q["lastUpdated"] != "2017-05-18T16:50:39Z" {
			t.Errorf("createdAt %v lastUpdated %v", q["createdAt"], q["lastUpdated"])
		}

		// 3. Poll: nothing new yet.
		e.clk.Advance(30 * time.Second)
		lastChecked := q["lastUpdated"].(string)
		if r = e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked="+lastChecked, nil, bearer(token)...); r.status != 304 {
			t.Fatalf("poll before the response: %d %s", r.status, r.body)
		}

		// An expert responds (through the expert side).
		e.respond(id)
		e.clk.Advance(30 * time.Second)

		// The poll now returns the question.
		r = e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked="+lastChecked, nil, bearer(token)...)
		if r.status != 200 {
			t.Fatalf("poll after the response: %d %s", r.status, r.body)
		}
		q = r.data()
		conv = obj(q["conversation"])
		responses := list(conv["responses"])
		if len(responses) != 1 || !obj(q["state"])["isAnswered"].(bool) || len(list(conv["messages"])) != 0 || conv["unreadMessageCount"] != float64(1) {
			t.Fatalf("after the response: %s", r.body)
		}
		resp := obj(responses[0])
		if fmt.Sprint(resp["author"]) != fmt.Sprint(map[string]any{"uuid": e.expert.String(), "name": "Jane Expert", "type": "EXPERT"}) ||
			resp["type"] != "Expert" || resp["isAccepted"] != false || resp["rating"] != nil || resp["testimonial"] != nil {
			t.Errorf("response: %v", resp)
		}
		thread := list(resp["messages"])
		if len(thread) != 2 || obj(thread[0])["type"] != "EXPERT_MESSAGE" || obj(thread[0])["isRead"] != false ||
			obj(thread[0])["bodyHtml"] != "<p>Open Settings, then Privacy.</p>" || obj(thread[0])["responseUuid"] != resp["uuid"] ||
			obj(thread[1])["type"] != "ACCEPT_RESPONSE_SYSTEM_MESSAGE" {
			t.Errorf("thread: %v", thread)
		}

		// 4. Accept the response.
		r = e.do("POST", "/messaging/v1/responses/"+resp["uuid"].(string)+"/accept", nil, bearer(token)...)
		if r.status != 200 || obj(r.data()["state"])["status"] != "RESOLVED" {
			t.Fatalf("accept: %d %s", r.status, r.body)
		}
		if a := obj(list(obj(r.data()["conversation"])["responses"])[0]); a["isAccepted"] != true {
			t.Errorf("accepted response: %v", a)
		}

		// 5. Log the token out; it stops working at once.
		if r = e.do("POST", "/messaging/oauth/logout", nil, bearer(token)...); r.status != 200 || string(r.body) != "{}\n" {
			t.Fatalf("logout: %d %q", r.status, r.body)
		}
		r = e.do("GET", "/messaging/v1/questions/"+id, nil, bearer(token)...)
		if r.status != 401 || r.errorCode() != "UNAUTHORIZED" || !strings.Contains(r.errorMessage(), "revoked") {
			t.Fatalf("old token: %d %s", r.status, r.body)
		}
		if r = e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked="+lastChecked, nil, bearer(token)...); r.status != 401 {
			t.Fatalf("old token polling: %d %s", r.status, r.body)
		}
	})
}

// A client that polls with meta.timestamp (or lastUpdated) never misses a change, even one made
// within the same second as its last look.
func TestSameSecondChangeIsNeverMissed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token := e.token()
	e.clk.Set(start.Add(400 * time.Millisecond))
	q := e.ask(token, `{"text":"Where is my parcel?"}`)
	id := q["uuid"].(string)
	poll := func(lastChecked string) result {
		t.Helper()
		return e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked="+url.QueryEscape(lastChecked), nil, bearer(token)...)
	}

	// Still within the creation second: a plain read, whose meta.timestamp the client keeps.
	e.clk.Set(start.Add(700 * time.Millisecond))
	r := e.do("GET", "/messaging/v1/questions/"+id, nil, bearer(token)...)
	ts := r.meta()["timestamp"].(string)
	if ts != "2017-05-18T16:50:38Z" {
		t.Fatalf("meta.timestamp %s", ts)
	}
	last := r.data()["lastUpdated"].(string)
	if r = poll(last); r.status != 304 {
		t.Fatalf("poll with lastUpdated: %d", r.status)
	}

	// The expert responds in that same second.
	e.clk.Set(start.Add(900 * time.Millisecond))
	e.respond(id)
	if r = poll(ts); r.status != 200 || len(list(obj(r.data()["conversation"])["responses"])) != 1 {
		t.Fatalf("poll with meta.timestamp after a same-second change: %d %s", r.status, r.body)
	}
	if r = poll(last); r.status != 200 {
		t.Fatalf("poll with the old lastUpdated after a same-second change: %d", r.status)
	}
	newLast := r.data()["lastUpdated"].(string)
	if newLast <= last {
		t.Fatalf("lastUpdated %s did not move past %s", newLast, last)
	}
	if r = poll(newLast); r.status != 304 {
		t.Fatalf("poll with the new lastUpdated: %d", r.status)
	}
	// Epoch milliseconds and offsets name the same instants.
	lu, _ := time.Parse(time.RFC3339, newLast)
	if r = poll(strconv.FormatInt(lu.UnixMilli(), 10)); r.status != 304 {
		t.Errorf("epoch ms lastChecked: %d", r.status)
	}
	if r = poll(strconv.FormatInt(lu.UnixMilli()-1, 10)); r.status != 200 {
		t.Errorf("epoch ms lastChecked a millisecond earlier: %d", r.status)
	}
	if r = poll(lu.In(time.FixedZone("", 2*3600)).Format(time.RFC3339)); r.status != 304 {
		t.Errorf("lastChecked with an offset: %d", r.status)
	}
	// An unencoded '+' arrives as a space; it is still understood.
	if r = e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked="+lu.In(time.FixedZone("", 2*3600)).Format(time.RFC3339), nil, bearer(token)...); r.status != 304 {
		t.Errorf("lastChecked with an unencoded '+': %d %s", r.status, r.body)
	}

	// listMessages follows the same rule.
	msgs := "/messaging/v1/messages?questionUuid=" + id + "&lastChecked="
	if r = e.do("GET", msgs+url.QueryEscape(newLast), nil, bearer(token)...); r.status != 304 {
		t.Errorf("listMessages with lastUpdated: %d", r.status)
	}
	if r = e.do("GET", msgs+url.QueryEscape(ts), nil, bearer(token)...); r.status != 200 {
		t.Errorf("listMessages with an older lastChecked: %d", r.status)
	}
}

// Reading marks nothing and moves nothing; marking read moves nothing either (a poller never sees
// its own read as news), but clears the unread count.
func TestMarkReadAndListMessages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token := e.token()
	id := e.ask(token, `{"text":"Where is my parcel?"}`)["uuid"].(string)
	e.clk.Advance(time.Minute)
	e.respond(id)
	e.clk.Advance(time.Minute)
	r := e.do("GET", "/messaging/v1/questions/"+id, nil, bearer(token)...)
	q := r.data()
	last := q["lastUpdated"].(string)
	if obj(q["conversation"])["unreadMessageCount"] != float64(1) {
		t.Fatalf("unread %v", obj(q["conversation"])["unreadMessageCount"])
	}
	respID := obj(list(obj(q["conversation"])["responses"])[0])["uuid"].(string)

	// The user writes at question level and in the thread.
	r = e.do("POST", "/messaging/v1/messages", `{"questionUuid":"`+id+`","body":"Still lost"}`, jsonHeaders(token)...)
	if r.status != 201 || r.data()["type"] != "USER_MESSAGE" || r.data()["responseUuid"] != nil || r.data()["isRead"] != true ||
		fmt.Sprint(r.data()["author"]) != fmt.Sprint(map[string]any{"uuid": nil, "name": "User", "type": "USER"}) {
		t.Fatalf("question-level message: %d %s", r.status, r.body)
	}
	e.clk.Advance(time.Second)
	r = e.do("POST", "/messaging/messages", `{"questionUuid":"`+id+`","responseUuid":"`+respID+`","body":"Thanks!"}`, jsonHeaders(token)...)
	if r.status != 201 || r.data()["responseUuid"] != respID {
		t.Fatalf("thread message: %d %s", r.status, r.body)
	}

	all := e.do("GET", "/messaging/v1/messages?questionUuid="+id, nil, bearer(token)...)
	types := []string{}
	for _, m := range list(all.json["data"]) {
		types = append(types, obj(m)["type"].(string))
	}
	if strings.Join(types, ",") != "EXPERT_MESSAGE,ACCEPT_RESPONSE_SYSTEM_MESSAGE,USER_MESSAGE,USER_MESSAGE" {
		t.Errorf("all messages: %v", types)
	}
	thread := e.do("GET", "/messaging/v1/messages?questionUuid="+id+"&responseUuid="+respID, nil, bearer(token)...)
	if n := len(list(thread.json["data"])); n != 3 {
		t.Errorf("thread messages: %d: %s", n, thread.body)
	}
	if r = e.do("GET", "/messaging/v1/messages?questionUuid="+id+"&responseUuid="+uuid.NewString(), nil, bearer(token)...); r.status != 404 {
		t.Errorf("unknown thread: %d", r.status)
	}
	if r = e.do("GET", "/messaging/v1/messages", nil, bearer(token)...); r.status != 400 || !strings.Contains(r.errorMessage(), "questionUuid") {
		t.Errorf("without questionUuid: %d %s", r.status, r.body)
	}

	r = e.do("GET", "/messaging/v1/questions/"+id, nil, bearer(token)...)
	last = r.data()["lastUpdated"].(string)
	r = e.do("POST", "/messaging/v1/questions/"+id+"/read", nil, bearer(token)...)
	if r.status != 200 || obj(r.data()["conversation"])["unreadMessageCount"] != float64(0) || r.data()["lastUpdated"] != last {
		t.Fatalf("read: %d %s", r.status, r.body)
	}
	if r = e.do("GET", "/messaging/v1/questions/"+id+"?lastChecked="+last, nil, bearer(token)...); r.status != 304 {
		t.Errorf("poll after read: %d", r.status)
	}
}

func TestListQuestions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token := e.token()
	for i := range 3 {
		e.ask(token, fmt.Sprintf(`{"text":"question %d","author":{"refId":"u%d"}}`, i, i%2))
		e.clk.Advance(time.Second)
	}
	r := e.do("GET", "/messaging/v1/questions?pageSize=2", nil, bearer(token)...)
	if r.status != 200 || len(list(r.json["data"])) != 2 ||
		fmt.Sprint(r.meta()["pagination"]) != fmt.Sprint(map[string]any{"page": 1, "pageSize": 2, "total": 3}) {
		t.Fatalf("page 1: %d %s", r.status, r.body)
	}
	if obj(obj(list(r.json["data"])[0])["conversation"])["text"] != "question 2" {
		t.Errorf("not most recently updated first: %s", r.body)
	}
	r = e.do("GET", "/messaging/questions?page=2&pageSize=2", nil, bearer(token)...)
	if r.status != 200 || len(list(r.json["data"])) != 1 {
		t.Fatalf("page 2: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/messaging/v1/questions?page=9", nil, bearer(token)...)
	if r.status != 200 || r.json["data"] == nil || len(list(r.json["data"])) != 0 {
		t.Fatalf("empty page must be []: %d %s", r.status, r.body)
	}
	r = e.do("GET", "/messaging/v1/questions?authorRefId=u0&status=UNRESOLVED", nil, bearer(token)...)
	if r.status != 200 || len(list(r.json["data"])) != 2 || obj(r.meta()["pagination"])["total"] != float64(2) {
		t.Fatalf("filtered: %d %s", r.status, r.body)
	}
	for _, bad := range []string{"page=0", "pageSize=0", "pageSize=101", "page=x", "status=OPEN"} {
		if r = e.do("GET", "/messaging/v1/questions?"+bad, nil, bearer(token)...); r.status != 400 || r.errorCode() != "INVALID_PARAMETER" {
			t.Errorf("%s: %d %s", bad, r.status, r.body)
		}
	}
}

// The lifecycle endpoints map onto the service; a write the state forbids is 400 INVALID_STATE.
func TestLifecycleEndpoints(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token := e.token()
	id := e.ask(token, `{"text":"Where is my parcel?"}`)["uuid"].(string)
	e.respond(id)
	q := e.do("GET", "/messaging/v1/questions/"+id, nil, bearer(token)...).data()
	respID := obj(list(obj(q["conversation"])["responses"])[0])["uuid"].(string)

	if r := e.do("POST", "/messaging/v1/responses/"+respID+"/rate", `{"rating":"POSITIVE_5"}`, jsonHeaders(token)...); r.status != 400 || r.errorCode() != "INVALID_STATE" {
		t.Errorf("rate before accept: %d %s", r.status, r.body)
	}
	e.do("POST", "/messaging/v1/responses/"+respID+"/accept", nil, bearer(token)...)
	r := e.do("POST", "/messaging/v1/responses/"+respID+"/rate", `{"rating":"POSITIVE_5"}`, jsonHeaders(token)...)
	if r.status != 200 || obj(list(obj(r.data()["conversation"])["responses"])[0])["rating"] != "POSITIVE_5" {
		t.Fatalf("rate: %d %s", r.status, r.body)
	}
	if r = e.do("POST", "/messaging/v1/responses/"+respID+"/rate", `{"rating":"FIVE"}`, jsonHeaders(token)...); r.status != 400 || r.errorCode() != "INVALID_PARAMETER" {
		t.Errorf("bad rating: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/messaging/v1/responses/"+respID+"/testimonial", `{"text":"Great help"}`, jsonHeaders(token)...)
	if r.status != 200 || obj(list(obj(r.data()["conversation"])["responses"])[0])["testimonial"] != "Great help" {
		t.Fatalf("testimonial: %d %s", r.status, r.body)
	}
	if r = e.do("POST", "/messaging/v1/questions/"+id+"/reroute", nil, bearer(token)...); r.status != 400 || r.errorCode() != "INVALID_STATE" {
		t.Errorf("reroute a resolved question: %d %s", r.status, r.body)
	}
	r = e.do("POST", "/messaging/v1/questions/"+id+"/close", nil, bearer(token)...)
	if r.status != 200 || obj(r.data()["state"])["status"] != "CLOSED" || obj(r.data()["state"])["isClosed"] != true {
		t.Fatalf("close: %d %s", r.status, r.body)
	}
	if r = e.do("POST", "/messaging/v1/questions/"+id+"/expire", nil, bearer(token)...); r.status != 200 || obj(r.data()["state"])["status"] != "CLOSED" {
		t.Errorf("expire a closed question (unchanged): %d %s", r.status, r.body)
	}
	if r = e.do("POST", "/messaging/v1/responses/"+respID+"/accept", nil, bearer(token)...); r.status != 400 || r.errorCode() != "INVALID_STATE" {
		t.Errorf("accept on a closed question: %d %s", r.status, r.body)
	}

	// A user reroute fills rerouteStatus.
	id2 := e.ask(token, `{"text":"Need a human"}`)["uuid"].(string)
	e.clk.Advance(90 * time.Second)
	r = e.do("POST", "/messaging/v1/questions/"+id2+"/reroute", `{"reason":"talk to an agent"}`, jsonHeaders(token)...)
	rs := obj(obj(r.data()["state"])["rerouteStatus"])
	if r.status != 200 || rs["isRerouted"] != true || rs["reroutedBy"] != "USER" || rs["reroutedAt"] != "2017-05-18T16:52:08Z" {
		t.Fatalf("reroute: %d %s", r.status, r.body)
	}
	id3 := e.ask(token, `{"text":"Never mind"}`)["uuid"].(string)
	if r = e.do("POST", "/messaging/questions/"+id3+"/expire", `{}`, jsonHeaders(token)...); r.status != 200 || obj(r.data()["state"])["status"] != "EXPIRED" {
		t.Errorf("expire: %d %s", r.status, r.body)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
