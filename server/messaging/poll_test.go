package messaging

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"

	gen "github.com/switchboard-dev/switchboard/gen/messaging"
	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// kinVerdict is what the generic stack's validator says of a GET: the route the spec gives it
// (after intake's alias rewrite and the prefix strip), and whether kin-openapi accepts its
// parameters (authentication is the handler's business here: any token passes).
func kinVerdict(t testing.TB, router routers.Router, path, rawQuery, auth string) (op string, valid bool, params map[string]string, query url.Values) {
	if rest, ok := strings.CutPrefix(path, Prefix+"/"); ok {
		first, _, _ := strings.Cut(rest, "/")
		if aliased[first] {
			path = Prefix + "/v1/" + rest
		}
	}
	rest, ok := strings.CutPrefix(path, Prefix)
	if !ok {
		return "", false, nil, nil
	}
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: rest, RawQuery: rawQuery}, Header: http.Header{}}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	route, pathParams, err := router.FindRoute(req)
	if err != nil {
		return "", false, nil, nil
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: pathParams, Route: route,
		Options: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true,
			AuthenticationFunc: func(context.Context, *openapi3filter.AuthenticationInput) error { return nil }}}
	err = openapi3filter.ValidateRequest(context.Background(), in)
	return strings.ToLower(route.Operation.OperationID[:1]) + route.Operation.OperationID[1:], err == nil, pathParams, in.GetQueryParams()
}

func pollRouter(t testing.TB) routers.Router {
	httpkit.RegisterDecoders()
	spec, err := gen.Spec()
	if err != nil {
		t.Fatal(err)
	}
	spec.Servers = nil
	router, err := gorillamux.NewRouter(spec)
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// inFastShape: the request has no parameter but the poll's own, none repeated, no empty pair, no
// ';', every value unescapable. Within that shape the specialised validator must accept every
// request kin-openapi accepts whose lastChecked the handler parses.
func inFastShape(path, rawQuery string) bool {
	allowed := map[string]bool{"lastChecked": true}
	if strings.HasSuffix(path, "/messages") {
		allowed["questionUuid"] = true
	}
	seen := map[string]bool{}
	for pair := range strings.SplitSeq(rawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		if !allowed[k] || seen[k] || strings.Contains(v, ";") {
			return false
		}
		if _, err := url.QueryUnescape(v); err != nil {
			return false
		}
		seen[k] = true
	}
	return true
}

const seedUUID = "123e4567-e89b-12d3-a456-426655440000"

var pollSeeds = [][3]string{
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=2017-05-18T16:50:38Z", "Bearer abc"},
	{"/messaging/questions/" + seedUUID, "lastChecked=1495126238000", "bearer abc"},
	{"/messaging/v1/questions/" + strings.ToUpper(seedUUID), "lastChecked=2017-05-18T16:50:38.5+02:00", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=2017-05-18T16:50:38%2B02:00", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=2017-05-18T16:50:38+02:00", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=yesterday", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=1&lastChecked=2", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=1&x=%zz", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID, "", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=1", "Basic abc"},
	{"/messaging/v1/questions/" + seedUUID, "lastChecked=1", ""},
	{"/messaging/v1/questions/123e4567-e89b-12d3-a456-42665544000g", "lastChecked=1", "Bearer abc"},
	{"/messaging/v1/questions/123e4567e89b12d3a456426655440000", "lastChecked=1", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID + "/", "lastChecked=1", "Bearer abc"},
	{"/messaging/v1/questions/" + seedUUID + "/close", "lastChecked=1", "Bearer abc"},
	{"/messaging/v1/messages", "questionUuid=" + seedUUID + "&lastChecked=1495126238000", "Bearer abc"},
	{"/messaging/messages", "lastChecked=2017-05-18T16:50:38Z&questionUuid=" + strings.ToUpper(seedUUID), "Bearer abc"},
	{"/messaging/v1/messages", "questionUuid=" + seedUUID, "Bearer abc"},
	{"/messaging/v1/messages", "lastChecked=1", "Bearer abc"},
	{"/messaging/v1/messages", "questionUuid=nope&lastChecked=1", "Bearer abc"},
	{"/messaging/v1/messages", "questionUuid=" + seedUUID + "&lastChecked=1&responseUuid=" + seedUUID, "Bearer abc"},
	{"/messaging/v1/messages", "questionUuid=%31" + seedUUID[1:] + "&lastChecked=1", "Bearer abc"},
	{"/messaging/v1/messages", "questionUuid=" + seedUUID + ";&lastChecked=1", "Bearer abc"},
	{"/messaging/v1/trainingFiles", "lastChecked=1", "Bearer abc"},
	{"/messaging/v1/questions", "lastChecked=1", "Bearer abc"},
}

// FuzzPollRequest is the differential test of the specialised validator against kin-openapi on
// the two polls' parameters: whatever pollRequestOf accepts, kin-openapi accepts for the same
// operation with the same values; and within the fast shape (inFastShape), whatever kin-openapi
// accepts with a lastChecked the handler parses and a Bearer token, pollRequestOf accepts. Every
// other request goes through kin-openapi itself. `go test` runs the seed corpus; `go test -fuzz
// FuzzPollRequest ./server/messaging` explores.
func FuzzPollRequest(f *testing.F) {
	for _, s := range pollSeeds {
		f.Add(s[0], s[1], s[2])
	}
	router := pollRouter(f)
	f.Fuzz(func(t *testing.T, path, rawQuery, auth string) {
		if strings.ContainsAny(auth, "\r\n\x00") {
			return // not a header value net/http would deliver
		}
		u := &url.URL{Path: path, RawQuery: rawQuery}
		p, ok := pollRequestOf(http.MethodGet, u, auth)
		op, valid, pathParams, query := kinVerdict(t, router, path, rawQuery, auth)
		if ok {
			if !valid || (op != "getQuestion" && op != "listMessages") {
				t.Fatalf("fast accepts %q?%q, kin-openapi does not (op %q)", path, rawQuery, op)
			}
			idText := pathParams["uuid"]
			if op == "listMessages" {
				idText = query.Get("questionUuid")
			}
			if id, err := uuid.Parse(idText); err != nil || id != p.question {
				t.Fatalf("question %v, kin-openapi's value %q", p.question, idText)
			}
			since, err := parseLastChecked(query.Get("lastChecked"))
			if err != nil || !since.Equal(p.since) {
				t.Fatalf("lastChecked %v, kin-openapi's value %q", p.since, query.Get("lastChecked"))
			}
			if tok, _ := bearerToken(auth); tok != p.token {
				t.Fatalf("token %q, want %q", p.token, tok)
			}
			return
		}
		tok, err := bearerToken(auth)
		_, perr := parseLastChecked(query.Get("lastChecked"))
		if valid && (op == "getQuestion" || op == "listMessages") && query.Has("lastChecked") && perr == nil &&
			err == nil && tok != "" && inFastShape(path, rawQuery) && !strings.Contains(path, "%") {
			t.Fatalf("kin-openapi accepts %q?%q (%s) and the handler parses it, the fast path does not", path, rawQuery, op)
		}
	})
}

// The seeds the fast path must take (so the fuzz test's first half is not vacuous).
func TestPollRequestAcceptsThePolls(t *testing.T) {
	accepted := 0
	for _, s := range pollSeeds {
		if _, ok := pollRequestOf(http.MethodGet, &url.URL{Path: s[0], RawQuery: s[1]}, s[2]); ok {
			accepted++
		}
	}
	if accepted != 8 {
		t.Fatalf("%d seeds accepted, want 8", accepted)
	}
	if _, ok := pollRequestOf(http.MethodHead, &url.URL{Path: pollSeeds[0][0], RawQuery: pollSeeds[0][1]}, pollSeeds[0][2]); ok {
		t.Fatal("HEAD accepted")
	}
}
