package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	deskapi "github.com/switchboard-dev/switchboard/gen/desk"
)

// The Desk API's scenarios (Dixa API v1 at /desk). Most send raw JSON, byte for byte what Dixa's
// clients send; the seed flow also goes through the generated client, whose tagged unions must
// read every answer.

func deskScenarios() []Scenario {
	return []Scenario{
		{"desk: seed samples and the flow", deskSeedFlow},
		{"desk: channel rules", deskChannels},
		{"desk: each 400 string, 404s, and bad input stores nothing", deskBadInput},
		{"desk: duplicate externalId under 8 concurrent adds", deskConcurrentDuplicates},
		{"desk: anonymize, then list, add and anonymize again", deskAnonymize},
		{"desk: paging by following meta.next", deskPaging},
		{"desk: another company's token is 404 on every object", deskIsolation},
		{"desk: tokens, 401 and the rate limit on every operation", deskAuthAndRateLimit},
		{"desk: tolerant where clients are sloppy", deskTolerance},
		{"desk: route misses", deskRouteMisses},
		{"operator: Desk tokens, settings and conversations", operatorDesk},
	}
}

// Vendor strings the scenarios expect (openapi/desk.yaml).
const (
	deskUnauthorized = "User is unauthorized to perform an underlying operation"
	deskNotFound     = "The requested resource could not be found"
	deskBody         = "Invalid value for: body"
	deskInvalidMsg   = "Invalid input for Message"
	deskUnsupported  = "Unsupported ConversationChannel"
	deskDuplicate    = "Duplicate externalId"
	deskDownload     = "Failure to download attachment"
)

var deskTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// deskTenant is a tenant with a Desk API token.
type deskTenant struct {
	ID      uuid.UUID
	Token   string
	TokenID uuid.UUID
	Owner   uuid.UUID
	client  *deskapi.ClientWithResponses
}

func newDeskTenant(ctx context.Context, e *Env) (*deskTenant, error) {
	t, err := newTenant(ctx, e)
	if err != nil {
		return nil, err
	}
	owner := uuid.New()
	r, err := e.Admin.CreateDeskTokenWithResponse(ctx, t.ID, adminapi.CreateDeskTokenRequest{Name: ptr("conformance"), OwnerId: &owner})
	if err != nil {
		return nil, err
	}
	if r.JSON201 == nil {
		return nil, fmt.Errorf("createDeskToken: %d %s", r.StatusCode(), r.Body)
	}
	return &deskTenant{ID: t.ID, Token: r.JSON201.Token, TokenID: r.JSON201.Id, Owner: owner, client: e.Desk(r.JSON201.Token)}, nil
}

// call sends a raw request with the tenant's token as `Authorization: <token>`.
func (d *deskTenant) call(ctx context.Context, e *Env, method, path, body string, headers ...string) (int, []byte, http.Header, error) {
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	resp, b, err := e.Raw(ctx, method, "/desk"+path, ct, body, append([]string{"Authorization: " + d.Token}, headers...)...)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, b, resp.Header, nil
}

// deskMessage is the `message` of a Desk error body, or "(not an error body)" when the body is
// anything but exactly {"message": string}.
func deskMessage(body []byte) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil || len(m) != 1 {
		return "(not an error body: " + string(body) + ")"
	}
	var s string
	if json.Unmarshal(m["message"], &s) != nil {
		return "(not an error body: " + string(body) + ")"
	}
	return s
}

// expectError checks a Desk failure: the status and the exact vendor string.
func expectError(e *Env, what string, status int, body []byte, wantStatus int, wantMsg string) bool {
	return e.Expect(status == wantStatus && deskMessage(body) == wantMsg, "%s: want %d %q, got %d %s", what, wantStatus, wantMsg, status, body)
}

// data decodes the `data` of a success body into v.
func data(body []byte, v any) error {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return err
	}
	if len(env.Data) == 0 {
		return fmt.Errorf("no data in %s", body)
	}
	return json.Unmarshal(env.Data, v)
}

type deskObj map[string]any

func (o deskObj) str(k string) string { s, _ := o[k].(string); return s }

func (d *deskTenant) create(ctx context.Context, e *Env, path, body string) (deskObj, error) {
	status, b, _, err := d.call(ctx, e, http.MethodPost, path, body)
	if err != nil {
		return nil, err
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return nil, fmt.Errorf("POST %s %s: %d %s", path, body, status, b)
	}
	var o deskObj
	return o, data(b, &o)
}

func (d *deskTenant) endUser(ctx context.Context, e *Env, body string) (string, error) {
	o, err := d.create(ctx, e, "/v1/endusers", body)
	if err != nil {
		return "", err
	}
	return o.str("id"), nil
}

func (d *deskTenant) agent(ctx context.Context, e *Env, email string) (string, error) {
	o, err := d.create(ctx, e, "/v1/agents", fmt.Sprintf(`{"displayName":"Agent %s","email":%q}`, email, email))
	if err != nil {
		return "", err
	}
	return o.str("id"), nil
}

// conversation creates a conversation from a raw body and returns its id.
func (d *deskTenant) conversation(ctx context.Context, e *Env, body string) (int64, error) {
	o, err := d.create(ctx, e, "/v1/conversations", body)
	if err != nil {
		return 0, err
	}
	id, ok := o["id"].(float64)
	if !ok {
		return 0, fmt.Errorf("createConversation: no id in %v", o)
	}
	return int64(id), nil
}

func emailConversation(requester string) string {
	return fmt.Sprintf(`{"requesterId":%q,"emailIntegrationId":"support@acme.email.dixa.io","subject":"Order","message":{"content":{"value":"Where is my order?","_type":"Text"},"_type":"Inbound"},"_type":"Email"}`, requester)
}

func outbound(agent, text string, extra string) string {
	return fmt.Sprintf(`{"content":{"value":%q,"_type":"Html"},"_type":"Outbound","agentId":%q%s}`, text, agent, extra)
}

func (d *deskTenant) messages(ctx context.Context, e *Env, conv int64) ([]deskObj, error) {
	status, b, _, err := d.call(ctx, e, http.MethodGet, fmt.Sprintf("/v1/conversations/%d/messages", conv), "")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("list messages of %d: %d %s", conv, status, b)
	}
	var ms []deskObj
	return ms, data(b, &ms)
}

func keysOf(o deskObj) string {
	var ks []string
	for k := range o {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// deskFlow is a tenant with an end user, an agent and an Email conversation.
type deskFlow struct {
	*deskTenant
	user, agent string
	conv        int64
}

func newDeskFlow(ctx context.Context, e *Env) (*deskFlow, error) {
	d, err := newDeskTenant(ctx, e)
	if err != nil {
		return nil, err
	}
	f := &deskFlow{deskTenant: d}
	if f.user, err = d.endUser(ctx, e, `{"displayName":"Jane Doe","email":"jane@example.org","phoneNumber":"+4512345678"}`); err != nil {
		return nil, err
	}
	if f.agent, err = d.agent(ctx, e, "alex@acme.example"); err != nil {
		return nil, err
	}
	if f.conv, err = d.conversation(ctx, e, emailConversation(f.user)); err != nil {
		return nil, err
	}
	return f, nil
}

// deskSeedFlow: end user, agent, Email conversation through the generated client; then the seed's
// example bodies and its two curl samples, verbatim (only the host and the token differ).
func deskSeedFlow(ctx context.Context, e *Env) error {
	d, err := newDeskTenant(ctx, e)
	if err != nil {
		return err
	}
	c := d.client
	ur, err := c.PostEndusersWithResponse(ctx, deskapi.CreateEndUserInput{DisplayName: ptr("Jane Doe"), Email: ptr("jane@example.org")})
	if err != nil {
		return err
	}
	if !e.Expect(ur.JSON201 != nil, "postEndusers: %d %s", ur.StatusCode(), ur.Body) {
		return nil
	}
	user := ur.JSON201.Data
	e.Expect(ur.HTTPResponse.Header.Get("Location") == "/desk/v1/endusers/"+user.Id.String(), "postEndusers Location %q", ur.HTTPResponse.Header.Get("Location"))
	ar, err := c.PostAgentsWithResponse(ctx, deskapi.CreateAgentInput{DisplayName: "Alex Agent", Email: "alex@acme.example"})
	if err != nil {
		return err
	}
	if !e.Expect(ar.JSON201 != nil, "postAgents: %d %s", ar.StatusCode(), ar.Body) {
		return nil
	}
	agentID := ar.JSON201.Data.Id
	e.Expect(ar.JSON201.Data.Roles != nil && strings.Join(*ar.JSON201.Data.Roles, ",") == "Agent", "agent roles %v", ar.JSON201.Data.Roles)

	var first deskapi.CreateMessageInput
	var text deskapi.Content
	if err := text.FromTextContent(deskapi.TextContent{Value: "My order has not arrived yet."}); err != nil {
		return err
	}
	if err := first.FromInboundMessageInput(deskapi.InboundMessageInput{Content: text}); err != nil {
		return err
	}
	var body deskapi.CreateConversationInput
	if err := body.FromCreateEmailConversationInput(deskapi.CreateEmailConversationInput{RequesterId: user.Id.String(),
		EmailIntegrationId: "support@acme.email.dixa.io", Subject: "Where is my order?", Message: first}); err != nil {
		return err
	}
	cr, err := c.PostConversationsWithResponse(ctx, body)
	if err != nil {
		return err
	}
	if !e.Expect(cr.JSON201 != nil, "postConversations: %d %s", cr.StatusCode(), cr.Body) {
		return nil
	}
	conv := cr.JSON201.Data.Id
	e.Expect(conv == 1, "the company's first conversation is %d, want 1", conv)
	e.Expect(cr.HTTPResponse.Header.Get("Location") == fmt.Sprintf("/desk/v1/conversations/%d", conv), "Location %q", cr.HTTPResponse.Header.Get("Location"))

	// The seed's request example, verbatim.
	path := fmt.Sprintf("/v1/conversations/%d/messages", conv)
	status, b, _, err := d.call(ctx, e, http.MethodPost, path, `{"content":{"value":"I need some help!","_type":"Html"},"_type":"Inbound"}`)
	if err != nil {
		return err
	}
	var in deskObj
	if e.Expect(status == http.StatusOK && data(b, &in) == nil, "seed inbound example: want 200, got %d %s", status, b) {
		e.Expect(keysOf(in) == "authorId,content,createdAt,direction,messageId", "inbound answer keys %s", keysOf(in))
		e.Expect(in.str("direction") == "Inbound" && in.str("authorId") == user.Id.String() && deskTimeRE.MatchString(in.str("createdAt")),
			"inbound answer %s", b)
		e.Expect(compactJSON(mustJSON(in["content"])) == `{"_type":"Html","value":"I need some help!"}`, "inbound content %v", in["content"])
	}
	// The seed's response example, sent as the Outbound message it shows.
	status, b, _, err = d.call(ctx, e, http.MethodPost, path, outbound(agentID.String(), "An amazing message", ""))
	if err != nil {
		return err
	}
	var out deskObj
	if e.Expect(status == http.StatusOK && data(b, &out) == nil, "seed outbound: want 200, got %d %s", status, b) {
		e.Expect(keysOf(out) == "authorId,content,createdAt,direction,messageId" && out.str("direction") == "Outbound" &&
			out.str("authorId") == agentID.String(), "outbound answer %s", b)
	}

	// Seed curl sample 1: GET …/messages with only the Authorization header.
	resp, b, err := e.Raw(ctx, http.MethodGet, "/desk"+path, "", "", "Authorization: "+d.Token)
	if err != nil {
		return err
	}
	var ms []deskObj
	if e.Expect(resp.StatusCode == http.StatusOK && data(b, &ms) == nil && len(ms) == 3, "seed curl GET messages: %d %s", resp.StatusCode, b) {
		for i, m := range ms {
			attrs, _ := m["attributes"].(map[string]any)
			e.Expect(attrs["_type"] == "EmailAttributes", "message %d attributes %v", i, attrs)
			e.Expect(keysOf(attrs) == "_type,attachments,bcc,cc,direction,emailContent,from,inlineImages,isAutoReply,to", "message %d attribute keys %s", i, keysOf(attrs))
			if i > 0 {
				e.Expect(m.str("createdAt") > ms[i-1].str("createdAt"), "messages not oldest to newest: %s then %s", ms[i-1].str("createdAt"), m.str("createdAt"))
			}
		}
		e.Expect(ms[2].str("id") == out.str("messageId"), "the newest message is not last")
	}
	lr, err := c.GetConversationsConversationidMessagesWithResponse(ctx, conv)
	if err != nil {
		return err
	}
	if e.Expect(lr.JSON200 != nil && len(lr.JSON200.Data) == 3, "generated client: list messages %d %s", lr.StatusCode(), lr.Body) {
		a, err := lr.JSON200.Data[2].Attributes.ValueByDiscriminator()
		ea, ok := a.(deskapi.EmailAttributes)
		e.Expect(err == nil && ok && ea.From.Email == "support@acme.email.dixa.io" && ea.To != nil && (*ea.To)[0].Email == "jane@example.org",
			"generated client: outbound attributes %v %v", a, err)
	}
	gr, err := c.GetConversationsConversationidWithResponse(ctx, conv)
	if err != nil {
		return err
	}
	if e.Expect(gr.JSON200 != nil, "getConversation: %d %s", gr.StatusCode(), gr.Body) {
		v, err := gr.JSON200.Data.ValueByDiscriminator()
		ec, ok := v.(deskapi.EmailConversation)
		e.Expect(err == nil && ok && ec.Channel == "Email" && ec.FromEmail == "jane@example.org" && ec.ToEmail == "support@acme.email.dixa.io" &&
			ec.State != nil && *ec.State == "Open", "conversation %s", gr.Body)
	}

	// Seed curl sample 2: PATCH …/anonymize with only the Authorization header.
	resp, b, err = e.Raw(ctx, http.MethodPatch, fmt.Sprintf("/desk%s/%s/anonymize", path, out.str("messageId")), "", "", "Authorization: "+d.Token)
	if err != nil {
		return err
	}
	var req deskObj
	if e.Expect(resp.StatusCode == http.StatusAccepted && data(b, &req) == nil, "seed curl PATCH anonymize: %d %s", resp.StatusCode, b) {
		e.Expect(keysOf(req) == "_type,entityType,id,initiatedAt,requestedBy,targetEntityId" && req.str("_type") == "Message" &&
			req.str("entityType") == "MessageAnonymizationType" && req.str("targetEntityId") == fmt.Sprintf("%d_%s", conv, out.str("messageId")) &&
			req.str("requestedBy") == d.Owner.String(), "anonymization request %s", b)
	}
	rid, _ := uuid.Parse(req.str("id"))
	rr, err := c.GetAnonymizationRequestRequestidWithResponse(ctx, rid.String())
	if err != nil {
		return err
	}
	if e.Expect(rr.JSON200 != nil, "getAnonymizationRequest: %d %s", rr.StatusCode(), rr.Body) {
		v, _ := rr.JSON200.Data.ValueByDiscriminator()
		m, ok := v.(deskapi.MessageAnonymizationRequest)
		e.Expect(ok && m.ProcessedAt != nil && deskTimeRE.MatchString(*m.ProcessedAt), "request status %s", rr.Body)
	}
	ms, err = d.messages(ctx, e, conv)
	if err != nil {
		return err
	}
	e.Expect(len(ms) == 3 && !strings.Contains(string(mustJSON(ms[2])), "amazing") && strings.Contains(string(mustJSON(ms[1])), "I need some help!"),
		"after anonymizing the outbound message: %s", mustJSON(ms))

	// Reads.
	if r, err := c.GetEndusersUseridWithResponse(ctx, user.Id.String()); err == nil {
		e.Expect(r.JSON200 != nil && r.JSON200.Data.Id == user.Id, "getEnduser: %d %s", r.StatusCode(), r.Body)
	}
	if r, err := c.GetAgentsAgentidWithResponse(ctx, agentID.String()); err == nil {
		e.Expect(r.JSON200 != nil && r.JSON200.Data.Email == "alex@acme.example", "getAgent: %d %s", r.StatusCode(), r.Body)
	}
	if r, err := c.GetEndusersUseridConversationsWithResponse(ctx, user.Id.String(), nil); err == nil {
		e.Expect(r.JSON200 != nil && len(r.JSON200.Data) == 1 && r.JSON200.Meta == nil, "getEndusersUseridConversations: %d %s", r.StatusCode(), r.Body)
	}
	if r, err := c.GetEndusersWithResponse(ctx, &deskapi.GetEndusersParams{Email: ptr("JANE@example.org")}); err == nil {
		e.Expect(r.JSON200 != nil && len(r.JSON200.Data) == 1 && r.JSON200.Data[0].Id == user.Id, "getEndusers by email: %d %s", r.StatusCode(), r.Body)
	}
	if r, err := c.GetAgentsWithResponse(ctx, nil); err == nil {
		e.Expect(r.JSON200 != nil && len(r.JSON200.Data) == 1, "getAgents: %d %s", r.StatusCode(), r.Body)
	}
	return nil
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

// deskChannels: the channel rules (reference §6.1): what each channel creates, which message
// directions and content types it takes, and what is refused with which string.
func deskChannels(ctx context.Context, e *Env) error {
	f, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	chat := fmt.Sprintf(`{"requesterId":%q,"widgetId":%q,"browserInfo":{"name":"Chrome","version":"120"},"language":"en","message":{"content":{"value":"Hi","_type":"Text"},"_type":"Inbound"},"_type":"Chat"}`, f.user, uuid.NewString())
	form := fmt.Sprintf(`{"requesterId":%q,"emailIntegrationId":"forms@acme.email.dixa.io","subject":"Form","message":{"content":{"value":"<p>Form</p>","_type":"Html"},"_type":"Inbound"},"_type":"ContactForm"}`, f.user)
	sms := fmt.Sprintf(`{"requesterId":%q,"contactEndpointId":"+4570000000","message":%s,"_type":"Sms"}`, f.user, outbound(f.agent, "Your code is 1234", ""))
	want := []struct {
		body, typ, channel, attrs string
	}{
		{emailConversation(f.user), "EmailConversation", "Email", "EmailAttributes"},
		{form, "ContactFormConversation", "ContactForm", "ContactFormAttributes"},
		{chat, "ChatConversation", "WidgetChat", "ChatAttributes"},
		{sms, "SmsConversation", "Sms", "SmsAttributes"},
	}
	ids := map[string]int64{}
	for _, w := range want {
		id, err := f.conversation(ctx, e, w.body)
		if err != nil {
			e.Failf("create %s: %v", w.channel, err)
			continue
		}
		ids[w.channel] = id
		status, b, _, err := f.call(ctx, e, http.MethodGet, fmt.Sprintf("/v1/conversations/%d", id), "")
		if err != nil {
			return err
		}
		var c deskObj
		if e.Expect(status == http.StatusOK && data(b, &c) == nil, "get %s conversation: %d %s", w.channel, status, b) {
			e.Expect(c.str("_type") == w.typ && c.str("channel") == w.channel && c.str("state") == "Open", "%s conversation: %s", w.channel, b)
		}
		ms, err := f.messages(ctx, e, id)
		if err != nil {
			return err
		}
		if e.Expect(len(ms) == 1, "%s: %d messages", w.channel, len(ms)) {
			attrs, _ := ms[0]["attributes"].(map[string]any)
			e.Expect(attrs["_type"] == w.attrs, "%s message attributes %v", w.channel, attrs)
		}
	}
	if id := ids["WidgetChat"]; id != 0 {
		_, b, _, _ := f.call(ctx, e, http.MethodGet, fmt.Sprintf("/v1/conversations/%d", id), "")
		e.Expect(strings.Contains(string(b), `"browserInfo":{"name":"Chrome","version":"120"}`) && strings.Contains(string(b), `"language":"en"`), "chat read model %s", b)
		// Chat takes both directions.
		status, b, _, err := f.call(ctx, e, http.MethodPost, fmt.Sprintf("/v1/conversations/%d/messages", id), outbound(f.agent, "Hello", ""))
		if err != nil {
			return err
		}
		e.Expect(status == http.StatusOK, "outbound chat message: %d %s", status, b)
	}
	if id := ids["Sms"]; id != 0 {
		_, b, _, _ := f.call(ctx, e, http.MethodGet, fmt.Sprintf("/v1/conversations/%d", id), "")
		e.Expect(strings.Contains(string(b), `"fromNumber":"+4512345678"`) && strings.Contains(string(b), `"toNumber":"+4570000000"`), "sms read model %s", b)
		// Sms is outbound only: an Inbound message is refused and stores nothing.
		status, b, _, err := f.call(ctx, e, http.MethodPost, fmt.Sprintf("/v1/conversations/%d/messages", id), `{"content":{"value":"hi","_type":"Text"},"_type":"Inbound"}`)
		if err != nil {
			return err
		}
		expectError(e, "Inbound on Sms", status, b, http.StatusBadRequest, deskInvalidMsg)
		if ms, err := f.messages(ctx, e, id); err == nil {
			e.Expect(len(ms) == 1, "the refused Sms message was stored (%d messages)", len(ms))
		}
		status, b, _, err = f.call(ctx, e, http.MethodPost, fmt.Sprintf("/v1/conversations/%d/messages", id), outbound(f.agent, "Reminder", ""))
		if err != nil {
			return err
		}
		e.Expect(status == http.StatusOK, "outbound Sms message: %d %s", status, b)
	}
	nobody, err := f.endUser(ctx, e, `{"displayName":"No contact"}`)
	if err != nil {
		return err
	}
	p := fmt.Sprintf("/v1/conversations/%d/messages", f.conv)
	for _, c := range []struct {
		name, path, body, msg string
	}{
		{"Sms created with an Inbound message", "/v1/conversations", fmt.Sprintf(`{"requesterId":%q,"contactEndpointId":"+4570000000","message":{"content":{"value":"hi","_type":"Text"},"_type":"Inbound"},"_type":"Sms"}`, f.user), deskInvalidMsg},
		{"Callback", "/v1/conversations", fmt.Sprintf(`{"requesterId":%q,"direction":"Inbound","contactEndpointId":"+4570000000","queueId":%q,"_type":"Callback"}`, f.user, uuid.NewString()), deskUnsupported},
		{"Email for an end user without an email address", "/v1/conversations", emailConversation(nobody), deskInvalidMsg},
		{"Sms for an end user without a phone number", "/v1/conversations", strings.Replace(sms, f.user, nobody, 1), deskInvalidMsg},
		{"Markdown on Email", p, `{"content":{"value":"**hi**","_type":"Markdown"},"_type":"Inbound"}`, deskInvalidMsg},
		{"Outbound without content", p, fmt.Sprintf(`{"_type":"Outbound","agentId":%q}`, f.agent), deskInvalidMsg},
		{"empty text without attachments", p, `{"content":{"value":"","_type":"Text"},"_type":"Inbound"}`, deskInvalidMsg},
		{"eleven attachments", p, `{"content":{"value":"x","_type":"Text"},"_type":"Inbound","attachments":[` + strings.TrimSuffix(strings.Repeat(`{"url":"https://files.example/a.pdf"},`, 11), ",") + `]}`, deskInvalidMsg},
		{"an ftp attachment", p, `{"content":{"value":"x","_type":"Text"},"_type":"Inbound","attachments":[{"url":"ftp://files.example/a.pdf"}]}`, deskInvalidMsg},
		{"an attachment URL with user info", p, `{"content":{"value":"x","_type":"Text"},"_type":"Inbound","attachments":[{"url":"https://u:p@files.example/a.pdf"}]}`, deskInvalidMsg},
	} {
		status, b, _, err := f.call(ctx, e, http.MethodPost, c.path, c.body)
		if err != nil {
			return err
		}
		expectError(e, c.name, status, b, http.StatusBadRequest, c.msg)
	}
	// Ten attachments and an empty text with a file are fine.
	status, b, _, err := f.call(ctx, e, http.MethodPost, p, `{"content":{"value":"","_type":"Text"},"_type":"Inbound","attachments":[`+strings.TrimSuffix(strings.Repeat(`{"url":"https://files.example/a.pdf","prettyName":"a.pdf"},`, 10), ",")+`]}`)
	if err != nil {
		return err
	}
	e.Expect(status == http.StatusOK, "ten attachments: %d %s", status, b)
	if ms, err := f.messages(ctx, e, f.conv); err == nil {
		e.Expect(len(ms) == 2, "refused messages were stored: %d messages", len(ms))
	}
	return nil
}

// deskBadInput: every 400 string of every operation, the 404s, and nothing stored by either.
func deskBadInput(ctx context.Context, e *Env) error {
	f, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	ms, err := f.messages(ctx, e, f.conv)
	if err != nil {
		return err
	}
	msg := ms[0].str("id")
	p := fmt.Sprintf("/v1/conversations/%d/messages", f.conv)
	if _, err := f.create(ctx, e, p, outbound(f.agent, "first", `,"externalId":"E-1"`)); err != nil {
		return err
	}
	big := `{"content":{"value":"` + strings.Repeat("x", 1<<20) + `","_type":"Text"},"_type":"Inbound"}`
	contactKey := ""
	if status, b, _, err := f.call(ctx, e, http.MethodGet, "/v1/endusers?pageLimit=1", ""); err == nil && status == http.StatusOK {
		var l struct {
			Meta *struct{ Next string } `json:"meta"`
		}
		json.Unmarshal(b, &l)
		if l.Meta != nil {
			if i := strings.Index(l.Meta.Next, "pageKey="); i >= 0 {
				contactKey, _, _ = strings.Cut(l.Meta.Next[i+len("pageKey="):], "&")
			}
		}
	}
	if _, err := f.endUser(ctx, e, `{"displayName":"Second"}`); err != nil {
		return err
	}
	for _, c := range []struct {
		method, path, body string
		status             int
		msg                string
	}{
		{"GET", "/v1/conversations/abc", "", 400, "Invalid value for: path parameter conversationId"},
		{"GET", "/v1/conversations/1.5/messages", "", 400, "Invalid value for: path parameter conversationId"},
		{"POST", "/v1/conversations/0x1/messages", `{"content":{"value":"x","_type":"Text"},"_type":"Inbound"}`, 400, "Invalid value for: path parameter conversationId"},
		{"PATCH", "/v1/conversations/99999999999999999999/anonymize", "", 400, "Invalid value for: path parameter conversationId"},
		{"PATCH", "/v1/conversations/x/messages/y/anonymize", "", 400, "Invalid value for: path parameter conversationId"},
		{"PATCH", fmt.Sprintf("/v1/conversations/%d/messages/not-a-uuid/anonymize", f.conv), "", 400, "Invalid value for: path parameter messageId"},
		{"GET", "/v1/endusers/x", "", 400, "Invalid value for: path parameter userId"},
		{"GET", "/v1/endusers/x/conversations?pageLimit=0", "", 400, "Invalid value for: path parameter userId"},
		{"GET", "/v1/agents/x", "", 400, "Invalid value for: path parameter agentId"},
		{"GET", "/v1/anonymization/request/x", "", 400, "Invalid value for: path parameter requestId"},
		{"PATCH", fmt.Sprintf("/v1/conversations/%d/anonymize?force=yes", f.conv), "", 400, "Invalid value for: query parameter force"},
		{"GET", "/v1/endusers?pageLimit=0", "", 400, "Invalid value for: query parameter pageLimit"},
		{"GET", "/v1/endusers?pageLimit=x&email=", "", 400, "Invalid value for: query parameter pageLimit"},
		{"GET", "/v1/agents?pageLimit=-1", "", 400, "Invalid value for: query parameter pageLimit"},
		{"GET", "/v1/endusers/" + f.user + "/conversations?pageLimit=2147483648", "", 400, "Invalid value for: query parameter pageLimit"},
		{"GET", "/v1/endusers?pageKey=garbage", "", 400, "Invalid value for: query parameter pageKey"},
		{"GET", "/v1/agents?pageKey=%zz", "", 400, "Invalid value for: query parameter pageKey"},
		{"GET", "/v1/endusers/" + f.user + "/conversations?pageKey=" + contactKey, "", 400, "Invalid value for: query parameter pageKey"},
		{"GET", "/v1/endusers?email=", "", 400, "Invalid value for: query parameter email"},
		{"GET", "/v1/endusers?phone=", "", 400, "Invalid value for: query parameter phone"},
		{"GET", "/v1/endusers?externalId=", "", 400, "Invalid value for: query parameter externalId"},
		{"GET", "/v1/agents?email=", "", 400, "Invalid value for: query parameter email"},
		{"GET", "/v1/agents?phone=", "", 400, "Invalid value for: query parameter phone"},
		{"GET", "/v1/endusers?email=a@x.org&externalId=1", "", 400, "Invalid filters: Cannot provide more than one filter"},
		{"GET", "/v1/agents?email=a@x.org&phone=12345678", "", 400, "Invalid filters: Cannot provide both phone number and email address"},
		{"POST", p, `{"_type":"Inbound"}`, 400, deskBody},
		{"POST", p, `{"content":{"value":"x","_type":"Html"},"_type":"Internal"}`, 400, deskBody},
		{"POST", p, `{"content":{"value":"x","_type":"Html"}}`, 400, deskBody},
		{"POST", p, `{"content":{"value":"x","_type":"Html"},"_type":5}`, 400, deskBody},
		{"POST", p, `{"content":{"value":5,"_type":"Html"},"_type":"Inbound"}`, 400, deskBody},
		{"POST", p, `{"content":{"value":"x","_type":"Bold"},"_type":"Inbound"}`, 400, deskBody},
		{"POST", p, `{"content":{"value":"x","_type":"Html"},"_type":"Outbound","agentId":"nope"}`, 400, deskBody},
		{"POST", p, `{"content":{"value":"x","_type":"Html"},"_type":"Inbound","attachments":[{"prettyName":"a.pdf"}]}`, 400, deskBody},
		{"POST", p, `{"content":{"value":"x","_type":"Html"},"_type":"Inbound","attachments":[null]}`, 400, deskBody},
		{"POST", p, `not json`, 400, deskBody},
		{"POST", p, `{"content":{"value":"x","_type":"Html"},"_type":"Inbound"} {}`, 400, deskBody},
		{"POST", p, `null`, 400, deskBody},
		{"POST", p, `{"content":{"value":"a\u0000b","_type":"Html"},"_type":"Inbound"}`, 400, deskBody},
		{"POST", p, big, 400, deskBody},
		{"POST", p, outbound(f.agent, "again", `,"externalId":"E-1"`), 400, deskDuplicate},
		{"POST", "/v1/conversations", fmt.Sprintf(`{"requesterId":%q,"subject":"x","message":{"content":{"value":"x","_type":"Text"},"_type":"Inbound"},"_type":"Email"}`, f.user), 400, deskBody},
		{"POST", "/v1/conversations", fmt.Sprintf(`{"requesterId":%q,"emailIntegrationId":"","subject":"x","message":{"content":{"value":"x","_type":"Text"},"_type":"Inbound"},"_type":"Email"}`, f.user), 400, deskBody},
		{"POST", "/v1/conversations", fmt.Sprintf(`{"requesterId":%q,"_type":"Fax"}`, f.user), 400, deskBody},
		{"POST", "/v1/conversations", `{"requesterId":"nope","emailIntegrationId":"s@x.io","subject":"x","message":{"content":{"value":"x","_type":"Text"},"_type":"Inbound"},"_type":"Email"}`, 400, deskBody},
		{"POST", "/v1/endusers", `[]`, 400, deskBody},
		{"POST", "/v1/endusers", `{"email":5}`, 400, deskBody},
		{"POST", "/v1/endusers", `{"email":"Jane <jane2@example.org>"}`, 400, "Validation failure during enduser creation"},
		{"POST", "/v1/endusers", `{"email":"JANE@example.org"}`, 400, "Validation failure during enduser creation"},
		{"POST", "/v1/endusers", `{"phoneNumber":"12"}`, 400, "Validation failure during enduser creation"},
		{"POST", "/v1/endusers", `{"additionalEmails":["a@x.org","a@x.org"]}`, 400, "Validation failure during enduser creation"},
		{"POST", "/v1/agents", `{"displayName":"x"}`, 400, deskBody},
		{"POST", "/v1/agents", `{"displayName":"x","email":"not an address"}`, 400, "Validation failure during agent creation"},
		{"POST", "/v1/agents", `{"displayName":"x","email":"ALEX@acme.example"}`, 400, "Validation failure during agent creation"},

		{"GET", "/v1/conversations/424242", "", 404, deskNotFound},
		{"GET", "/v1/conversations/424242/messages", "", 404, deskNotFound},
		{"POST", "/v1/conversations/424242/messages", `{"content":{"value":"x","_type":"Text"},"_type":"Inbound"}`, 404, deskNotFound},
		{"POST", p, outbound(uuid.NewString(), "x", ""), 404, deskNotFound},
		{"PATCH", "/v1/conversations/424242/anonymize", "", 404, deskNotFound},
		{"PATCH", fmt.Sprintf("/v1/conversations/%d/messages/%s/anonymize", f.conv, uuid.NewString()), "", 404, deskNotFound},
		{"PATCH", fmt.Sprintf("/v1/conversations/424242/messages/%s/anonymize", msg), "", 404, deskNotFound},
		{"GET", "/v1/anonymization/request/" + uuid.NewString(), "", 404, deskNotFound},
		{"GET", "/v1/endusers/" + uuid.NewString(), "", 404, deskNotFound},
		{"GET", "/v1/endusers/" + f.agent, "", 404, deskNotFound},
		{"GET", "/v1/endusers/" + uuid.NewString() + "/conversations", "", 404, deskNotFound},
		{"GET", "/v1/agents/" + f.user, "", 404, deskNotFound},
		{"POST", "/v1/conversations", emailConversation(uuid.NewString()), 404, deskNotFound},
		{"POST", "/v1/conversations", fmt.Sprintf(`{"requesterId":%q,"widgetId":%q,"message":%s,"_type":"Chat"}`, f.user, uuid.NewString(), outbound(uuid.NewString(), "x", "")), 404, deskNotFound},
	} {
		status, b, _, err := f.call(ctx, e, c.method, c.path, c.body)
		if err != nil {
			return err
		}
		expectError(e, c.method+" "+c.path+" "+truncate([]byte(c.body)), status, b, c.status, c.msg)
	}
	ms, err = f.messages(ctx, e, f.conv)
	if err != nil {
		return err
	}
	e.Expect(len(ms) == 2, "bad input was stored: %d messages, want 2", len(ms))
	if status, b, _, err := f.call(ctx, e, http.MethodGet, "/v1/endusers", ""); err == nil {
		var us []deskObj
		e.Expect(status == http.StatusOK && data(b, &us) == nil && len(us) == 2, "refused end users were stored: %s", b)
	}
	if l, err := e.Admin.ListDeskConversationsWithResponse(ctx, f.ID, nil); err == nil {
		e.Expect(l.JSON200 != nil && len(l.JSON200.Conversations) == 1, "refused conversations were stored: %s", l.Body)
	}
	return nil
}

// deskConcurrentDuplicates: 8 concurrent adds with one externalId store exactly one message.
func deskConcurrentDuplicates(ctx context.Context, e *Env) error {
	f, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	statuses := map[string]int{}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			status, b, _, err := f.call(ctx, e, http.MethodPost, fmt.Sprintf("/v1/conversations/%d/messages", f.conv),
				outbound(f.agent, fmt.Sprintf("attempt %d", i), `,"externalId":"ORDER-42"`))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				statuses["error: "+err.Error()]++
			case status == http.StatusOK:
				statuses["200"]++
			default:
				statuses[fmt.Sprintf("%d %s", status, deskMessage(b))]++
			}
		}(i)
	}
	wg.Wait()
	e.Expect(statuses["200"] == 1 && statuses["400 "+deskDuplicate] == 7 && len(statuses) == 2, "8 concurrent adds: %v", statuses)
	ms, err := f.messages(ctx, e, f.conv)
	if err != nil {
		return err
	}
	n := 0
	for _, m := range ms {
		if m.str("externalId") == "ORDER-42" {
			n++
		}
	}
	e.Expect(n == 1 && len(ms) == 2, "stored %d messages with externalId ORDER-42 (%d in all)", n, len(ms))
	return nil
}

// deskAnonymize: anonymize a message, then the conversation (force), then list, add and anonymize
// again.
func deskAnonymize(ctx context.Context, e *Env) error {
	f, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	p := fmt.Sprintf("/v1/conversations/%d", f.conv)
	o, err := f.create(ctx, e, p+"/messages", outbound(f.agent, "Secret reply", `,"externalId":"R-1","attachments":[{"url":"https://files.example/r.pdf","prettyName":"r.pdf"}],"cc":["boss@example.org"]`))
	if err != nil {
		return err
	}
	reply := o.str("messageId")
	status, b, _, err := f.call(ctx, e, http.MethodPatch, p+"/messages/"+strings.ToUpper(reply)+"/anonymize", "")
	if err != nil {
		return err
	}
	e.Expect(status == http.StatusAccepted, "anonymize message (id in upper case): %d %s", status, b)
	status, b, _, err = f.call(ctx, e, http.MethodPatch, p+"/messages/"+reply+"/anonymize", "")
	if err != nil {
		return err
	}
	expectError(e, "anonymize the message again", status, b, http.StatusConflict, "The message has already been anonymized")
	status, b, _, err = f.call(ctx, e, http.MethodPatch, p+"/anonymize", "")
	if err != nil {
		return err
	}
	expectError(e, "anonymize an open conversation without force", status, b, http.StatusConflict, "The conversation is not closed; retry with force=true")
	status, b, _, err = f.call(ctx, e, http.MethodPatch, p+"/anonymize?force=false", "")
	if err != nil {
		return err
	}
	expectError(e, "force=false", status, b, http.StatusConflict, "The conversation is not closed; retry with force=true")
	status, b, _, err = f.call(ctx, e, http.MethodPatch, p+"/anonymize?force=true", "")
	if err != nil {
		return err
	}
	var req deskObj
	if e.Expect(status == http.StatusAccepted && data(b, &req) == nil, "anonymize with force: %d %s", status, b) {
		e.Expect(req.str("_type") == "Conversation" && req.str("entityType") == "ConversationAnonymizationType" &&
			req.str("targetEntityId") == strconv.FormatInt(f.conv, 10) && req["processedAt"] == nil, "conversation request %s", b)
	}
	status, b, _, err = f.call(ctx, e, http.MethodGet, p, "")
	if err != nil {
		return err
	}
	var c deskObj
	if e.Expect(status == http.StatusOK && data(b, &c) == nil, "get anonymized: %d %s", status, b) {
		e.Expect(c.str("_type") == "AnonymizedConversation" && c.str("state") == "Closed" && deskTimeRE.MatchString(c.str("anonymizedAt")) &&
			keysOf(c) == "_type,anonymizedAt,channel,createdAt,direction,id,requesterId,state,stateUpdatedAt", "anonymized conversation %s", b)
	}
	ms, err := f.messages(ctx, e, f.conv)
	if err != nil {
		return err
	}
	all := string(mustJSON(ms))
	e.Expect(len(ms) == 2 && !strings.Contains(all, "Where is my order") && !strings.Contains(all, "Secret") && !strings.Contains(all, "r.pdf") &&
		strings.Contains(all, `"externalId":"R-1"`) && strings.Contains(all, `boss@example.org`) && strings.Count(all, `"value":""`) == 2,
		"listed after anonymization: %s", all)
	status, b, _, err = f.call(ctx, e, http.MethodPost, p+"/messages", `{"content":{"value":"hello?","_type":"Text"},"_type":"Inbound"}`)
	if err != nil {
		return err
	}
	expectError(e, "add to an anonymized conversation", status, b, http.StatusBadRequest, deskInvalidMsg)
	status, b, _, err = f.call(ctx, e, http.MethodPatch, p+"/messages/"+ms[0].str("id")+"/anonymize", "")
	if err != nil {
		return err
	}
	expectError(e, "anonymize a message of an anonymized conversation", status, b, http.StatusConflict, "The message has already been anonymized")
	status, b, _, err = f.call(ctx, e, http.MethodPatch, p+"/anonymize?force=true", "")
	if err != nil {
		return err
	}
	expectError(e, "anonymize the conversation again", status, b, http.StatusConflict, "The conversation has already been anonymized")
	if id := req.str("id"); id != "" {
		status, b, _, err = f.call(ctx, e, http.MethodGet, "/v1/anonymization/request/"+id, "")
		if err != nil {
			return err
		}
		var r deskObj
		e.Expect(status == http.StatusOK && data(b, &r) == nil && deskTimeRE.MatchString(r.str("processedAt")), "request status: %d %s", status, b)
	}
	// The externalId stays taken after anonymization (the conversation refuses messages anyway).
	if v, err := e.Admin.GetDeskConversationWithResponse(ctx, f.ID, f.conv); err == nil && e.Expect(v.JSON200 != nil, "operator view: %s", v.Body) {
		e.Expect(v.JSON200.Conversation.Type == "AnonymizedConversation" && len(v.JSON200.Messages) == 2 && v.JSON200.Messages[0].Redacted,
			"operator view after anonymization: %s", v.Body)
	}
	return nil
}

// deskPaging: 250 end users paged by following meta.next verbatim (absolute URLs under /desk),
// as Dixa's clients do, also when they append their own parameters again.
func deskPaging(ctx context.Context, e *Env) error {
	d, err := newDeskTenant(ctx, e)
	if err != nil {
		return err
	}
	var ids []string
	for i := 0; i < 250; i++ {
		id, err := d.endUser(ctx, e, fmt.Sprintf(`{"displayName":"User %03d","externalId":"U-%03d"}`, i, i))
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	follow := func(first string, appendQuery string) (seen []string, pages int, err error) {
		url := strings.TrimRight(e.BaseURL, "/") + "/desk" + first
		for url != "" && pages < 20 {
			pages++
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+appendQuery, nil)
			if err != nil {
				return nil, 0, err
			}
			req.Header.Set("Authorization", d.Token)
			req.Header.Set("Content-Type", "application/json") // as some clients send on every request
			resp, err := e.HTTP.Do(req)
			if err != nil {
				return nil, 0, err
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			var l struct {
				Data []struct {
					ID json.RawMessage `json:"id"`
				} `json:"data"`
				Meta *struct {
					Next string `json:"next"`
				} `json:"meta"`
			}
			if resp.StatusCode != http.StatusOK || json.Unmarshal(b, &l) != nil {
				return nil, 0, fmt.Errorf("GET %s: %d %s", url, resp.StatusCode, b)
			}
			for _, u := range l.Data {
				seen = append(seen, strings.Trim(string(u.ID), `"`))
			}
			url = ""
			if l.Meta != nil {
				url = l.Meta.Next
				e.Expect(strings.HasPrefix(url, strings.TrimRight(e.BaseURL, "/")+"/desk/v1/"), "meta.next %q is not an absolute URL under %s/desk", url, e.BaseURL)
			}
		}
		return seen, pages, nil
	}
	check := func(what string, seen []string, pages, wantPages int) {
		same := len(seen) == len(ids)
		for i := range seen {
			if !same || seen[i] != ids[i] {
				same = false
				break
			}
		}
		// Created on one (virtual) millisecond, end users are ordered by id then; compare as sets.
		got, want := append([]string{}, seen...), append([]string{}, ids...)
		sort.Strings(got)
		sort.Strings(want)
		e.Expect(strings.Join(got, ",") == strings.Join(want, ","), "%s: %d end users seen, want the 250 created", what, len(seen))
		e.Expect(pages == wantPages, "%s: %d pages, want %d", what, pages, wantPages)
	}
	seen, pages, err := follow("/v1/endusers", "")
	if err != nil {
		return err
	}
	check("default pageLimit (50)", seen, pages, 5)
	seen, pages, err = follow("/v1/endusers?pageLimit=100", "")
	if err != nil {
		return err
	}
	check("pageLimit=100", seen, pages, 3)
	// A client that appends its own query to every next URL: the repeated parameter keeps its first value.
	seen, pages, err = follow("/v1/endusers?pageLimit=60", "&pageLimit=60")
	if err != nil {
		return err
	}
	check("pageLimit repeated by the client", seen, pages, 5)
	seen, pages, err = follow("/v1/endusers?pageLimit=1000", "")
	if err != nil {
		return err
	}
	check("pageLimit above 300 (capped)", seen, pages, 1)
	seen, pages, err = follow("/v1/endusers?externalId=U-007", "")
	if err != nil {
		return err
	}
	e.Expect(len(seen) == 1 && pages == 1 && seen[0] == ids[7], "externalId filter: %v", seen)

	// An end user's conversations, one per page.
	var convs []string
	for i := 0; i < 3; i++ {
		id, err := d.conversation(ctx, e, fmt.Sprintf(`{"requesterId":%q,"widgetId":%q,"message":{"content":{"value":"chat %d","_type":"Text"},"_type":"Inbound"},"_type":"Chat"}`, ids[0], uuid.NewString(), i))
		if err != nil {
			return err
		}
		convs = append(convs, strconv.FormatInt(id, 10))
	}
	_, cpages, err := follow("/v1/endusers/"+ids[0]+"/conversations?pageLimit=1", "")
	if err != nil {
		return err
	}
	e.Expect(cpages == 3, "an end user's 3 conversations, one per page: %d pages", cpages)
	return nil
}

// deskIsolation: another company's token gets 404 on every object endpoint, and its own ids
// (conversations are numbered per company) lead to its own objects.
func deskIsolation(ctx context.Context, e *Env) error {
	a, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	b, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	ms, err := a.messages(ctx, e, a.conv)
	if err != nil {
		return err
	}
	status, body, _, err := a.call(ctx, e, http.MethodPatch, fmt.Sprintf("/v1/conversations/%d/messages/%s/anonymize", a.conv, ms[0].str("id")), "")
	if err != nil {
		return err
	}
	var req deskObj
	if !e.Expect(status == http.StatusAccepted && data(body, &req) == nil, "a anonymizes its message: %d %s", status, body) {
		return nil
	}
	// b's conversation has the same number: use one b does not have.
	if _, err := a.conversation(ctx, e, emailConversation(a.user)); err != nil {
		return err
	}
	const second = 2
	for _, c := range []struct{ method, path, body string }{
		{"GET", fmt.Sprintf("/v1/conversations/%d", second), ""},
		{"GET", fmt.Sprintf("/v1/conversations/%d/messages", second), ""},
		{"POST", fmt.Sprintf("/v1/conversations/%d/messages", second), `{"content":{"value":"x","_type":"Text"},"_type":"Inbound"}`},
		{"PATCH", fmt.Sprintf("/v1/conversations/%d/messages/%s/anonymize", b.conv, ms[0].str("id")), ""},
		{"PATCH", fmt.Sprintf("/v1/conversations/%d/anonymize?force=true", second), ""},
		{"GET", "/v1/anonymization/request/" + req.str("id"), ""},
		{"GET", "/v1/endusers/" + a.user, ""},
		{"GET", "/v1/endusers/" + a.user + "/conversations", ""},
		{"GET", "/v1/agents/" + a.agent, ""},
		{"POST", "/v1/conversations", emailConversation(a.user)},
		{"POST", fmt.Sprintf("/v1/conversations/%d/messages", b.conv), outbound(a.agent, "x", "")},
	} {
		status, body, _, err := b.call(ctx, e, c.method, c.path, c.body)
		if err != nil {
			return err
		}
		expectError(e, "b: "+c.method+" "+c.path, status, body, http.StatusNotFound, deskNotFound)
	}
	// Conversation 1 is each company's own.
	_, ab, _, _ := a.call(ctx, e, http.MethodGet, "/v1/conversations/1", "")
	_, bb, _, _ := b.call(ctx, e, http.MethodGet, "/v1/conversations/1", "")
	e.Expect(strings.Contains(string(ab), a.user) && strings.Contains(string(bb), b.user), "conversation 1 of each company: %s / %s", ab, bb)
	if ms, err := a.messages(ctx, e, a.conv); err == nil {
		e.Expect(len(ms) == 1, "b's attempts changed a's conversation: %d messages", len(ms))
	}
	if l, err := e.Admin.ListDeskConversationsWithResponse(ctx, b.ID, nil); err == nil {
		e.Expect(l.JSON200 != nil && len(l.JSON200.Conversations) == 1, "b's attempts created conversations: %s", l.Body)
	}
	return nil
}

// deskOperations is one call of every Desk operation, for the checks that apply to all of them.
func deskOperations(f *deskFlow) []struct{ method, path, body string } {
	id := uuid.NewString()
	return []struct{ method, path, body string }{
		{"POST", fmt.Sprintf("/v1/conversations/%d/messages", f.conv), `{"content":{"value":"x","_type":"Text"},"_type":"Inbound"}`},
		{"GET", fmt.Sprintf("/v1/conversations/%d/messages", f.conv), ""},
		{"PATCH", fmt.Sprintf("/v1/conversations/%d/messages/%s/anonymize", f.conv, id), ""},
		{"POST", "/v1/conversations", emailConversation(f.user)},
		{"GET", fmt.Sprintf("/v1/conversations/%d", f.conv), ""},
		{"PATCH", fmt.Sprintf("/v1/conversations/%d/anonymize", f.conv), ""},
		{"GET", "/v1/anonymization/request/" + id, ""},
		{"POST", "/v1/endusers", `{}`},
		{"GET", "/v1/endusers", ""},
		{"GET", "/v1/endusers/" + f.user, ""},
		{"GET", "/v1/endusers/" + f.user + "/conversations", ""},
		{"POST", "/v1/agents", `{"displayName":"x","email":"x@acme.example"}`},
		{"GET", "/v1/agents", ""},
		{"GET", "/v1/agents/" + f.agent, ""},
	}
}

// deskAuthAndRateLimit: every operation answers 401 without a valid token (before looking at
// anything else) and 429 with Retry-After when the company's rate limit is reached.
func deskAuthAndRateLimit(ctx context.Context, e *Env) error {
	f, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	for _, op := range deskOperations(f) {
		for _, h := range []string{"", "Authorization: ", "Authorization: not-a-token", "Authorization: Basic " + f.Token} {
			var headers []string
			if h != "" {
				headers = append(headers, h)
			}
			resp, b, err := e.Raw(ctx, op.method, "/desk"+op.path, "application/json", op.body, headers...)
			if err != nil {
				return err
			}
			expectError(e, fmt.Sprintf("%s %s with %q", op.method, op.path, h), resp.StatusCode, b, http.StatusUnauthorized, deskUnauthorized)
		}
	}
	// 401 comes before the path check.
	resp, b, err := e.Raw(ctx, http.MethodGet, "/desk/v1/conversations/abc", "", "")
	if err != nil {
		return err
	}
	expectError(e, "bad path without a token", resp.StatusCode, b, http.StatusUnauthorized, deskUnauthorized)
	// Bearer works as well as the bare token.
	resp, b, err = e.Raw(ctx, http.MethodGet, "/desk/v1/agents", "", "", "Authorization: Bearer "+f.Token)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusOK, "Authorization: Bearer: %d %s", resp.StatusCode, b)

	// A second token of the company; revoking it leaves the first working.
	t2, err := e.Admin.CreateDeskTokenWithResponse(ctx, f.ID, adminapi.CreateDeskTokenRequest{})
	if err != nil {
		return err
	}
	if e.Expect(t2.JSON201 != nil, "second token: %s", t2.Body) {
		second := &deskTenant{ID: f.ID, Token: t2.JSON201.Token}
		status, _, _, _ := second.call(ctx, e, http.MethodGet, "/v1/agents", "")
		e.Expect(status == http.StatusOK, "second token: %d", status)
		if r, err := e.Admin.RevokeDeskTokenWithResponse(ctx, f.ID, t2.JSON201.Id); err == nil {
			e.Expect(r.StatusCode() == http.StatusNoContent, "revoke: %d %s", r.StatusCode(), r.Body)
		}
		status, b, _, _ = second.call(ctx, e, http.MethodGet, "/v1/agents", "")
		expectError(e, "revoked token", status, b, http.StatusUnauthorized, deskUnauthorized)
		status, _, _, _ = f.call(ctx, e, http.MethodGet, "/v1/agents", "")
		e.Expect(status == http.StatusOK, "the first token after revoking the second: %d", status)
	}

	// Rate limit: one request in the bucket, refilled once in ~11 days.
	set := func(body adminapi.DeskSettings) error {
		r, err := e.Admin.UpdateDeskSettingsWithResponse(ctx, f.ID, body)
		if err != nil {
			return err
		}
		if r.JSON200 == nil {
			return fmt.Errorf("updateDeskSettings: %d %s", r.StatusCode(), r.Body)
		}
		return nil
	}
	if err := set(adminapi.DeskSettings{RateLimit: &adminapi.DeskRateLimit{PerSecond: 0.000001, Burst: 1}}); err != nil {
		return err
	}
	status, b, _, err := f.call(ctx, e, http.MethodGet, "/v1/agents", "")
	if err != nil {
		return err
	}
	e.Expect(status == http.StatusOK, "first request within the limit: %d %s", status, b)
	for _, op := range deskOperations(f) {
		status, b, h, err := f.call(ctx, e, op.method, op.path, op.body)
		if err != nil {
			return err
		}
		ra, _ := strconv.Atoi(h.Get("Retry-After"))
		if expectError(e, "over the limit: "+op.method+" "+op.path, status, b, http.StatusTooManyRequests, "Too many requests") {
			e.Expect(ra >= 1, "Retry-After %q", h.Get("Retry-After"))
		}
	}
	if err := set(adminapi.DeskSettings{}); err != nil {
		return err
	}
	status, b, _, err = f.call(ctx, e, http.MethodGet, "/v1/agents", "")
	if err != nil {
		return err
	}
	e.Expect(status == http.StatusOK, "after the limit was lifted: %d %s", status, b)
	return nil
}

// deskTolerance: what real clients send and Dixa accepts.
func deskTolerance(ctx context.Context, e *Env) error {
	f, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	p := fmt.Sprintf("/v1/conversations/%d", f.conv)
	auth := "Authorization: " + f.Token
	for _, c := range []struct {
		name, method, path, ctype, body string
		status                          int
	}{
		{"Content-Type: application/json on a GET", "GET", p + "/messages", "application/json", "", 200},
		{"a GET with a body", "GET", p, "application/json", `{"ignored":true}`, 200},
		{"unknown fields and null as absent", "POST", p + "/messages", "application/json",
			`{"content":{"value":"hi","_type":"Text","format":"x"},"_type":"Inbound","externalId":null,"attachments":null,"integrationEmail":null,"somethingNew":{"a":[1,2]}}`, 200},
		{"no Content-Type", "POST", p + "/messages", "", `{"content":{"value":"hi","_type":"Text"},"_type":"Inbound"}`, 200},
		{"text/plain", "POST", p + "/messages", "text/plain", `{"content":{"value":"hi","_type":"Text"},"_type":"Inbound"}`, 200},
		{"JSON with a charset", "POST", "/v1/endusers", "application/json; charset=utf-8", `{"displayName":"Ünïcödé","externalId":null}`, 201},
		{"repeated query parameter", "GET", "/v1/endusers?pageLimit=2&pageLimit=1", "", "", 200},
	} {
		resp, b, err := e.Raw(ctx, c.method, "/desk"+c.path, c.ctype, c.body, auth)
		if err != nil {
			return err
		}
		e.Expect(resp.StatusCode == c.status, "%s: want %d, got %d %s", c.name, c.status, resp.StatusCode, b)
	}
	// A body-less PATCH with Content-Type: application/json, empty or not: the body is ignored.
	ms, err := f.messages(ctx, e, f.conv)
	if err != nil {
		return err
	}
	resp, b, err := e.Raw(ctx, http.MethodPatch, "/desk"+p+"/messages/"+ms[1].str("id")+"/anonymize", "application/json", "", auth)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusAccepted, "body-less PATCH with Content-Type: %d %s", resp.StatusCode, b)
	resp, b, err = e.Raw(ctx, http.MethodPatch, "/desk"+p+"/anonymize?force=true&force=false", "application/json", `{"force":false}`, auth)
	if err != nil {
		return err
	}
	e.Expect(resp.StatusCode == http.StatusAccepted, "PATCH with an ignored body and force repeated: %d %s", resp.StatusCode, b)
	// A repeated pageLimit keeps its first value.
	_, b, _, err = f.call(ctx, e, http.MethodGet, "/v1/endusers?pageLimit=1&pageLimit=50", "")
	if err != nil {
		return err
	}
	var l struct {
		Data []any `json:"data"`
		Meta *struct {
			Next string `json:"next"`
		} `json:"meta"`
	}
	if e.Expect(json.Unmarshal(b, &l) == nil && len(l.Data) == 1 && l.Meta != nil && strings.Contains(l.Meta.Next, "pageLimit=1"),
		"repeated pageLimit: %s", b) {
		resp, b, err = e.Raw(ctx, http.MethodGet, strings.TrimPrefix(l.Meta.Next, strings.TrimRight(e.BaseURL, "/"))+"&pageLimit=1", "", "", auth)
		if err != nil {
			return err
		}
		e.Expect(resp.StatusCode == http.StatusOK, "next URL with a repeated pageLimit: %d %s", resp.StatusCode, b)
	}
	return nil
}

// deskRouteMisses: unknown paths and methods answer in the Desk format.
func deskRouteMisses(ctx context.Context, e *Env) error {
	d, err := newDeskTenant(ctx, e)
	if err != nil {
		return err
	}
	for _, c := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/desk/v1/nothing", 404, ""},
		{"GET", "/desk/v2/conversations", 404, ""},
		{"GET", "/desk", 404, ""},
		{"GET", "/desk/", 404, ""},
		{"DELETE", "/desk/v1/conversations", 405, "POST"},
		{"PUT", "/desk/v1/conversations/1/messages", 405, "GET, POST"},
		{"GET", "/desk/v1/conversations/1/anonymize", 405, "PATCH"},
	} {
		resp, b, err := e.Raw(ctx, c.method, c.path, "", "", "Authorization: "+d.Token)
		if err != nil {
			return err
		}
		msg := deskMessage(b)
		e.Expect(resp.StatusCode == c.status && !strings.HasPrefix(msg, "(not") && resp.Header.Get("Allow") == c.allow,
			"%s %s: want %d (Allow %q), got %d %q %s", c.method, c.path, c.status, c.allow, resp.StatusCode, resp.Header.Get("Allow"), b)
		if c.status == http.StatusNotFound { // a route miss points to the docs, as every API's does
			e.Expect(strings.HasSuffix(msg, "; the operations are listed at /docs/desk/"), "%s %s: %q does not point to the docs", c.method, c.path, msg)
		}
	}
	return nil
}

// operatorDesk: the operator API's Desk block.
func operatorDesk(ctx context.Context, e *Env) error {
	f, err := newDeskFlow(ctx, e)
	if err != nil {
		return err
	}
	unknown := uuid.New()
	auth := "Authorization: Bearer " + e.AdminToken
	tn := "/admin/v1/tenants/" + f.ID.String() + "/desk"
	// Tokens.
	l, err := e.Admin.ListDeskTokensWithResponse(ctx, f.ID)
	if err != nil {
		return err
	}
	e.Expect(l.JSON200 != nil && len(l.JSON200.Tokens) == 1 && l.JSON200.Tokens[0].OwnerId == f.Owner && !strings.Contains(string(l.Body), f.Token),
		"listDeskTokens: %d %s", l.StatusCode(), l.Body)
	for _, c := range []struct {
		method, path, body, header string
		status                     int
	}{
		{"GET", "/admin/v1/tenants/x/desk/tokens", "", auth, 400},
		{"GET", tn + "/tokens", "", "", 401},
		{"GET", "/admin/v1/tenants/" + unknown.String() + "/desk/tokens", "", auth, 404},
		{"POST", tn + "/tokens", `{"ownerId":"nope"}`, auth, 400},
		{"POST", tn + "/tokens", `{}`, "", 401},
		{"POST", "/admin/v1/tenants/" + unknown.String() + "/desk/tokens", `{}`, auth, 404},
		{"DELETE", tn + "/tokens/x", "", auth, 400},
		{"DELETE", tn + "/tokens/" + unknown.String(), "", "", 401},
		{"DELETE", tn + "/tokens/" + unknown.String(), "", auth, 404},
		{"GET", "/admin/v1/tenants/x/desk/settings", "", auth, 400},
		{"GET", tn + "/settings", "", "", 401},
		{"GET", "/admin/v1/tenants/" + unknown.String() + "/desk/settings", "", auth, 404},
		{"PUT", tn + "/settings", `{"rateLimit":{"perSecond":0,"burst":1}}`, auth, 400},
		{"PUT", tn + "/settings", `{}`, "", 401},
		{"PUT", "/admin/v1/tenants/" + unknown.String() + "/desk/settings", `{}`, auth, 404},
		{"GET", tn + "/conversations?limit=0", "", auth, 400},
		{"GET", tn + "/conversations", "", "", 401},
		{"GET", "/admin/v1/tenants/" + unknown.String() + "/desk/conversations", "", auth, 404},
		{"GET", tn + "/conversations/x", "", auth, 400},
		{"GET", tn + "/conversations/1", "", "", 401},
		{"GET", tn + "/conversations/999", "", auth, 404},
	} {
		ct := ""
		if c.body != "" {
			ct = "application/json"
		}
		var headers []string
		if c.header != "" {
			headers = append(headers, c.header)
		}
		resp, b, err := e.Raw(ctx, c.method, c.path, ct, c.body, headers...)
		if err != nil {
			return err
		}
		e.Expect(resp.StatusCode == c.status, "%s %s: want %d, got %d %s", c.method, c.path, c.status, resp.StatusCode, b)
	}
	// Settings round trip.
	g, err := e.Admin.GetDeskSettingsWithResponse(ctx, f.ID)
	if err != nil {
		return err
	}
	e.Expect(g.JSON200 != nil && g.JSON200.RateLimit == nil, "default settings: %s", g.Body)
	u, err := e.Admin.UpdateDeskSettingsWithResponse(ctx, f.ID, adminapi.DeskSettings{RateLimit: &adminapi.DeskRateLimit{PerSecond: 10, Burst: 4}})
	if err != nil {
		return err
	}
	e.Expect(u.JSON200 != nil && u.JSON200.RateLimit != nil && u.JSON200.RateLimit.Burst == 4, "updateDeskSettings: %d %s", u.StatusCode(), u.Body)
	if g, err = e.Admin.GetDeskSettingsWithResponse(ctx, f.ID); err == nil {
		e.Expect(g.JSON200 != nil && g.JSON200.RateLimit != nil && g.JSON200.RateLimit.PerSecond == 10, "settings read back: %s", g.Body)
	}
	if _, err := e.Admin.UpdateDeskSettingsWithResponse(ctx, f.ID, adminapi.DeskSettings{}); err != nil {
		return err
	}
	// Conversations, newest first, paged.
	for i := 0; i < 2; i++ {
		if _, err := f.conversation(ctx, e, emailConversation(f.user)); err != nil {
			return err
		}
	}
	var ids []int64
	var before *int64
	for pages := 0; pages < 5; pages++ {
		r, err := e.Admin.ListDeskConversationsWithResponse(ctx, f.ID, &adminapi.ListDeskConversationsParams{Limit: ptr(2), Before: before})
		if err != nil {
			return err
		}
		if !e.Expect(r.JSON200 != nil, "listDeskConversations: %d %s", r.StatusCode(), r.Body) {
			break
		}
		for _, c := range r.JSON200.Conversations {
			ids = append(ids, c.Id)
		}
		if r.JSON200.NextBefore == nil {
			break
		}
		before = r.JSON200.NextBefore
	}
	e.Expect(fmt.Sprint(ids) == "[3 2 1]", "operator list: %v", ids)
	v, err := e.Admin.GetDeskConversationWithResponse(ctx, f.ID, f.conv)
	if err != nil {
		return err
	}
	if e.Expect(v.JSON200 != nil, "getDeskConversation: %d %s", v.StatusCode(), v.Body) {
		e.Expect(v.JSON200.Conversation.Type == "EmailConversation" && len(v.JSON200.Messages) == 1 &&
			v.JSON200.Messages[0].Attributes["_type"] == "EmailAttributes", "operator view: %s", v.Body)
	}
	return nil
}

// DeskDownloadScenarios are the attachment-download scenarios, for a server started with
// attachment downloads on and fileServer (an http://host:port serving /ok.pdf, 404 elsewhere)
// allow-listed.
func DeskDownloadScenarios(fileServer string) []Scenario {
	return []Scenario{{"desk: attachment downloads", func(ctx context.Context, e *Env) error {
		f, err := newDeskFlow(ctx, e)
		if err != nil {
			return err
		}
		p := fmt.Sprintf("/v1/conversations/%d/messages", f.conv)
		with := func(url, ext string) string {
			return outbound(f.agent, "see attached", fmt.Sprintf(`,"externalId":%q,"attachments":[{"url":%q,"prettyName":"a.pdf"}]`, ext, url))
		}
		status, b, _, err := f.call(ctx, e, http.MethodPost, p, with(fileServer+"/ok.pdf", "D-1"))
		if err != nil {
			return err
		}
		e.Expect(status == http.StatusOK, "downloadable attachment: %d %s", status, b)
		status, b, _, err = f.call(ctx, e, http.MethodPost, p, with(fileServer+"/missing.pdf", "D-2"))
		if err != nil {
			return err
		}
		expectError(e, "missing attachment", status, b, http.StatusBadRequest, deskDownload)
		status, b, _, err = f.call(ctx, e, http.MethodPost, p, with(fileServer+"/missing.pdf", "D-1"))
		if err != nil {
			return err
		}
		expectError(e, "duplicate before download", status, b, http.StatusBadRequest, deskDuplicate)
		status, b, _, err = f.call(ctx, e, http.MethodPost, p, with("http://169.254.169.254/latest/meta-data", ""))
		if err != nil {
			return err
		}
		expectError(e, "cloud metadata address", status, b, http.StatusBadRequest, deskDownload)
		status, b, _, err = f.call(ctx, e, http.MethodPost, "/v1/conversations",
			fmt.Sprintf(`{"requesterId":%q,"emailIntegrationId":"s@x.io","subject":"x","message":%s,"_type":"Email"}`, f.user, with(fileServer+"/missing.pdf", "")))
		if err != nil {
			return err
		}
		expectError(e, "create with a missing attachment", status, b, http.StatusBadRequest, deskDownload)
		if ms, err := f.messages(ctx, e, f.conv); err == nil {
			e.Expect(len(ms) == 2, "refused downloads stored messages: %d", len(ms))
		}
		status, b, _, err = f.call(ctx, e, http.MethodPost, p, with(fileServer+"/ok.pdf", "D-2"))
		if err != nil {
			return err
		}
		e.Expect(status == http.StatusOK, "the externalId of a refused message stays free: %d %s", status, b)
		return nil
	}}}
}
