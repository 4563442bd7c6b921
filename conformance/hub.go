package conformance

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	"github.com/switchboard-dev/switchboard/openapi"
)

// The Hub API's scenarios drive it with raw JSON (its clients send PascalCase and camelCase
// alike), through the validating transport, and receive its webhooks on a real HTTP server on
// loopback. A target outside the test process must let its webhooks reach loopback:
// `switchboard serve --outbound-allow 127.0.0.1/32`.

// hubTenant is a tenant with Hub API clients and their tokens.
type hubTenant struct {
	ID                       uuid.UUID
	PortalID, PortalSecret   string
	EngineID, EngineSecret   string
	PortalToken, EngineToken string
	e                        *Env
}

// newHubTenant makes a tenant, issues its portal and engine clients and gets a token for each.
func newHubTenant(ctx context.Context, e *Env) (*hubTenant, error) {
	t, err := newTenant(ctx, e)
	if err != nil {
		return nil, err
	}
	h := &hubTenant{ID: t.ID, e: e}
	for _, aud := range []adminapi.HubAudience{adminapi.Portal, adminapi.Engine} {
		r, err := e.Admin.IssueHubClientWithResponse(ctx, t.ID, adminapi.IssueHubClientRequest{Audience: aud})
		if err != nil {
			return nil, err
		}
		if r.JSON201 == nil {
			return nil, fmt.Errorf("issueHubClient: %d %s", r.StatusCode(), r.Body)
		}
		tok, err := h.token(ctx, r.JSON201.ClientId, r.JSON201.ClientSecret)
		if err != nil {
			return nil, err
		}
		if aud == adminapi.Portal {
			h.PortalID, h.PortalSecret, h.PortalToken = r.JSON201.ClientId, r.JSON201.ClientSecret, tok
		} else {
			h.EngineID, h.EngineSecret, h.EngineToken = r.JSON201.ClientId, r.JSON201.ClientSecret, tok
		}
	}
	return h, nil
}

// newHubTenantWithReceiver is newHubTenant and a webhook receiver; close the receiver.
func newHubTenantWithReceiver(ctx context.Context, e *Env) (*hubTenant, *receiver, error) {
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return nil, nil, err
	}
	r, err := newReceiver()
	return h, r, err
}

// token asks /hub/connect/token for an access token.
func (h *hubTenant) token(ctx context.Context, id, secret string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {id}, "client_secret": {secret}}
	resp, body, err := h.e.Raw(ctx, http.MethodPost, "/hub/connect/token", "application/x-www-form-urlencoded", form.Encode())
	if err != nil {
		return "", err
	}
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &t) != nil || t.AccessToken == "" {
		return "", fmt.Errorf("token for %s: %d %s", id, resp.StatusCode, body)
	}
	return t.AccessToken, nil
}

// hubCall is one answer of the Hub API.
type hubCall struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the answer as a JSON object.
func (c hubCall) obj() map[string]any {
	var m map[string]any
	json.Unmarshal(c.body, &m)
	return m
}

// str is a top-level string member of the answer.
func (c hubCall) str(name string) string {
	s, _ := c.obj()[name].(string)
	return s
}

// codes are the error codes of an error answer, as "ENG005001" (or "429" for codeless ones).
func (c hubCall) codes() []string {
	var e struct {
		Status int `json:"status"`
		Errors []struct {
			Code        int    `json:"code"`
			Description string `json:"description"`
		} `json:"errors"`
	}
	json.Unmarshal(c.body, &e)
	var out []string
	for _, x := range e.Errors {
		code := fmt.Sprint(x.Code)
		if i := strings.LastIndex(x.Description, "(code: "); i >= 0 {
			code = strings.TrimSuffix(x.Description[i+len("(code: "):], ")")
		}
		out = append(out, code)
	}
	return out
}

// do sends a Hub API request with a bearer token ("" sends none); body "" sends none, otherwise
// as application/json unless a Content-Type header is given.
func (h *hubTenant) do(ctx context.Context, token, method, path, body string, headers ...string) hubCall {
	if token != "" {
		headers = append(headers, "Authorization: Bearer "+token)
	}
	ctype := ""
	if body != "" {
		ctype = "application/json"
		for _, hd := range headers {
			if k, v, _ := strings.Cut(hd, ":"); strings.EqualFold(strings.TrimSpace(k), "Content-Type") {
				ctype = strings.TrimSpace(v)
			}
		}
	}
	resp, b, err := h.e.Raw(ctx, method, "/hub"+path, ctype, body, headers...)
	if err != nil {
		h.e.Failf("%s %s: %v", method, path, err)
		return hubCall{}
	}
	return hubCall{status: resp.StatusCode, header: resp.Header, body: b}
}

func (h *hubTenant) portal(ctx context.Context, method, path, body string, headers ...string) hubCall {
	return h.do(ctx, h.PortalToken, method, path, body, headers...)
}

func (h *hubTenant) engine(ctx context.Context, method, path, body string, headers ...string) hubCall {
	return h.do(ctx, h.EngineToken, method, path, body, headers...)
}

// want records a failure unless the answer has the status and, when given, exactly these codes.
func (h *hubTenant) want(what string, c hubCall, status int, codes ...string) bool {
	ok := c.status == status
	if ok && len(codes) > 0 {
		got := c.codes()
		ok = len(got) == len(codes)
		for i := range got {
			ok = ok && got[i] == codes[i]
		}
	}
	return h.e.Expect(ok, "%s: %d %s; want %d %v", what, c.status, c.body, status, codes)
}

// hub creates a hub and returns its id.
func (h *hubTenant) hub(ctx context.Context, name string) string {
	c := h.portal(ctx, http.MethodPost, "/api/v1/hubs", fmt.Sprintf(`{"name":%q,"description":"conformance"}`, name))
	h.want("createHub "+name, c, http.StatusOK)
	return c.str("hubId")
}

// integration creates an integration in a hub from a body and returns it.
func (h *hubTenant) integration(ctx context.Context, hubID, body string) map[string]any {
	c := h.portal(ctx, http.MethodPost, "/api/v1/integrations/hubs/"+hubID, body)
	h.want("createIntegration", c, http.StatusOK)
	return c.obj()
}

// direct creates a Direct integration of a kind, with a webhook on r when r is not nil.
func (h *hubTenant) direct(ctx context.Context, hubID, kind, name string, r *receiver, extra string) (id string) {
	cfg := fmt.Sprintf(`"integrationType":%q`, kind)
	if r != nil {
		cfg += fmt.Sprintf(`,"webhookUrl":%q`, r.url(name))
	}
	if extra != "" {
		cfg += "," + extra
	}
	in := h.integration(ctx, hubID, fmt.Sprintf(`{"channelId":"Direct","name":%q,"configuration":{%s}}`, name, cfg))
	if r != nil {
		r.trust(in)
	}
	id, _ = in["integrationId"].(string)
	return id
}

// establish establishes a conversation for a binding and returns its id.
func (h *hubTenant) establish(ctx context.Context, customer, binding string) string {
	c := h.engine(ctx, http.MethodPost, "/api/v1/conversations/establish",
		fmt.Sprintf(`{"integrationId":%q,"binding":%q,"channelType":"Direct"}`, customer, binding))
	h.want("establishConversation", c, http.StatusOK)
	return c.str("conversationId")
}

// receiver is a webhook endpoint on loopback. It checks each delivery as Hubster's WebhookSample
// does: x-hubster-public-key and x-hubster-signature present, then the standard base64 of the
// HMAC-SHA256 of the Content-Length bytes of the body, keyed with the UTF-8 bytes of the
// integration's private key, equal to the signature; 403 otherwise. It fails the first fail
// requests of a path with 500 when asked to.
type receiver struct {
	ln   net.Listener
	srv  *http.Server
	base string

	mu     sync.Mutex
	keys   map[string]string // public key → private key
	fail   map[string]int    // path → requests still to fail
	got    []delivered
	notify chan struct{}
}

// delivered is one request the receiver got.
type delivered struct {
	Path      string
	Header    http.Header
	Body      []byte
	Signature string
	Valid     bool // the signature checked out
	Status    int  // what the receiver answered
}

// JSON decodes the body.
func (d delivered) JSON() map[string]any {
	var m map[string]any
	json.Unmarshal(d.Body, &m)
	return m
}

// activity is the delivered activity (or the first of a System integration's activities).
func (d delivered) activity() map[string]any {
	m := d.JSON()
	if a, ok := m["activity"].(map[string]any); ok {
		return a
	}
	if l, ok := m["activities"].([]any); ok && len(l) > 0 {
		a, _ := l[0].(map[string]any)
		return a
	}
	return nil
}

func newReceiver() (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{ln: ln, base: "http://" + ln.Addr().String(), keys: map[string]string{}, fail: map[string]int{},
		notify: make(chan struct{}, 1000)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) close() { r.srv.Close() }

func (r *receiver) url(name string) string { return r.base + "/" + name }

// trust records an integration's signing keys (from its portal answer).
func (r *receiver) trust(in map[string]any) {
	cfg, _ := in["configuration"].(map[string]any)
	pub, _ := cfg["publicSigningKey"].(string)
	priv, _ := cfg["privateSigningKey"].(string)
	r.mu.Lock()
	r.keys[pub] = priv
	r.mu.Unlock()
}

// failNext makes the next n requests to an integration's path answer 500.
func (r *receiver) failNext(name string, n int) {
	r.mu.Lock()
	r.fail["/"+name] = n
	r.mu.Unlock()
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	d := delivered{Path: req.URL.Path, Header: req.Header.Clone(), Status: http.StatusOK}
	pub, sig := req.Header.Get("x-hubster-public-key"), req.Header.Get("x-hubster-signature")
	d.Signature = sig
	body := make([]byte, max(req.ContentLength, 0))
	_, err := io.ReadFull(req.Body, body)
	d.Body = body
	r.mu.Lock()
	priv, known := r.keys[pub]
	m := hmac.New(sha256.New, []byte(priv))
	m.Write(body)
	d.Valid = err == nil && known && pub != "" && sig != "" && req.ContentLength >= 0 &&
		base64.StdEncoding.EncodeToString(m.Sum(nil)) == sig
	switch {
	case !d.Valid:
		d.Status = http.StatusForbidden
	case r.fail[d.Path] > 0:
		r.fail[d.Path]--
		d.Status = http.StatusInternalServerError
	}
	r.got = append(r.got, d)
	r.mu.Unlock()
	r.notify <- struct{}{}
	w.WriteHeader(d.Status)
}

// to returns what an integration's path received so far.
func (r *receiver) to(name string) []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []delivered
	for _, d := range r.got {
		if d.Path == "/"+name {
			out = append(out, d)
		}
	}
	return out
}

// await waits until an integration's path received n requests, up to a deadline: deliveries
// are made by the server's worker, off the request path. On the virtual clock it first runs what
// is due (advanceClock by 0 s).
func (r *receiver) await(ctx context.Context, e *Env, name string, n int) []delivered {
	if e.Virtual() {
		if _, err := advance(ctx, e, 0); err != nil {
			e.Failf("advanceClock 0: %v", err)
		}
	}
	deadline := time.After(20 * time.Second)
	for {
		if got := r.to(name); len(got) >= n {
			return got
		}
		select {
		case <-r.notify:
		case <-deadline:
			got := r.to(name)
			e.Failf("webhook %s: %d deliveries, want %d (is the target started with --outbound-allow 127.0.0.1/32?)", name, len(got), n)
			return got
		case <-ctx.Done():
			return r.to(name)
		}
	}
}

// hubRemoteExclusions are the Hub API's pairs a running target cannot be made to produce from
// outside: 500 needs a failing database, 503 a draining server, 408 a request past its deadline
// (15 s by default). The in-process suite exercises them (TestSwitchboard: a closed database, a
// server told to drain, a server whose deadline has passed).
func hubRemoteExclusions() ([]byte, error) {
	raw, err := openapi.Spec("hub")
	if err != nil {
		return nil, err
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		return nil, err
	}
	reasons := map[string]string{
		"500": "needs a failing database; exercised in-process by TestSwitchboard",
		"503": "needs a draining server; exercised in-process by TestSwitchboard",
		"408": "needs a request past the Hub API's deadline (--hub-timeout, 15 s); exercised in-process by TestSwitchboard",
	}
	var b strings.Builder
	for _, path := range doc.Paths.InMatchingOrder() {
		for _, op := range doc.Paths.Value(path).Operations() {
			for status := range op.Responses.Map() {
				if why, ok := reasons[status]; ok {
					fmt.Fprintf(&b, "- {spec: hub, operationId: %s, status: %s, reason: %q}\n", op.OperationID, status, why)
				}
			}
		}
	}
	return []byte(b.String()), nil
}

// hubClockExclusions are the Hub API's pairs that need the virtual clock: a conversation closes
// (410) only after days without activity.
func hubClockExclusions(mode string) []byte {
	if mode == ClockVirtual {
		return nil
	}
	why := "a conversation closes after days without activity: needs a server started with --clock=virtual"
	return []byte(fmt.Sprintf("- {spec: hub, operationId: sendCustomerActivity, status: 410, reason: %q}\n"+
		"- {spec: hub, operationId: sendBusinessActivity, status: 410, reason: %q}\n", why, why))
}

// HubRequest is one well-formed, authorized request of a Hub API operation.
type HubRequest struct {
	OperationID       string
	Method, Path      string // Path with the /hub prefix
	ContentType, Body string
	Headers           []string // "Name: value"
}

// HubRequests makes a tenant with a hub, a customer and a bot integration and a conversation on
// target, and returns one well-formed request of every Hub API operation (the in-process suite
// sends them to servers that must answer 408, 503 or 500).
func HubRequests(ctx context.Context, s *Suite, t Target) ([]HubRequest, error) {
	e, err := NewEnv(s, t)
	if err != nil {
		return nil, err
	}
	h, err := newHubTenant(ctx, e)
	if err != nil {
		return nil, err
	}
	hub := h.hub(ctx, "Statuses")
	customer := h.direct(ctx, hub, "Customer", "customer", nil, "")
	bot := h.direct(ctx, hub, "Bot", "bot", nil, "")
	conv := h.establish(ctx, customer, "stat")
	if len(e.fails) > 0 {
		return nil, fmt.Errorf("preparing: %v", e.fails)
	}
	portal, engine := "Authorization: Bearer "+h.PortalToken, "Authorization: Bearer "+h.EngineToken
	js := "application/json"
	token := url.Values{"grant_type": {"client_credentials"}, "client_id": {h.EngineID}, "client_secret": {h.EngineSecret}}.Encode()
	return []HubRequest{
		{"requestToken", http.MethodPost, "/hub/connect/token", "application/x-www-form-urlencoded", token, nil},
		{"listHubs", http.MethodGet, "/hub/api/v1/hubs", "", "", []string{portal}},
		{"createHub", http.MethodPost, "/hub/api/v1/hubs", js, `{"name":"n","description":"d"}`, []string{portal}},
		{"getHub", http.MethodGet, "/hub/api/v1/hubs/" + hub, "", "", []string{portal}},
		{"updateHub", http.MethodPut, "/hub/api/v1/hubs/" + hub, js, `{"description":"x"}`, []string{portal}},
		{"deleteHub", http.MethodDelete, "/hub/api/v1/hubs/" + hub, "", "", []string{portal}},
		{"listIntegrations", http.MethodGet, "/hub/api/v1/integrations", "", "", []string{portal}},
		{"createIntegration", http.MethodPost, "/hub/api/v1/integrations/hubs/" + hub, js,
			`{"channelId":"Direct","name":"a","configuration":{"integrationType":"Agent"}}`, []string{portal}},
		{"listHubIntegrationsByChannel", http.MethodGet, "/hub/api/v1/integrations/hubs/" + hub + "/Direct", "", "", []string{portal}},
		{"getIntegration", http.MethodGet, "/hub/api/v1/integrations/" + bot, "", "", []string{portal}},
		{"updateIntegration", http.MethodPut, "/hub/api/v1/integrations/" + bot, js, `{"statusId":3000}`, []string{portal}},
		{"deleteIntegration", http.MethodDelete, "/hub/api/v1/integrations/" + bot, "", "", []string{portal}},
		{"establishConversation", http.MethodPost, "/hub/api/v1/conversations/establish", js,
			`{"integrationId":"` + customer + `","binding":"b","channelType":"Direct"}`, []string{engine}},
		{"getEstablishedConversation", http.MethodGet, "/hub/api/v1/conversations/" + conv + "/established", "", "", []string{engine}},
		{"listEstablishedConversations", http.MethodGet, "/hub/api/v1/conversations/hubs/" + hub + "/established", "", "", []string{engine}},
		{"listActivities", http.MethodGet, "/hub/api/v1/interactions/activities/" + conv + "?type=Customer", "", "", []string{engine}},
		{"sendCustomerActivity", http.MethodPost, "/hub" + customerPath(conv), js, `{"message":{"type":"text","text":"hi"}}`, []string{engine}},
		{"sendBusinessActivity", http.MethodPost, "/hub" + businessPath(conv), js,
			`{"sender":{"integrationId":"` + bot + `"},"message":{"type":"text","text":"hi"}}`, []string{engine}},
	}, nil
}
