package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	adminapi "github.com/switchboard-dev/switchboard/gen/admin"
	msgapi "github.com/switchboard-dev/switchboard/gen/messaging"
)

// company is a tenant set up for the Messaging API through the operator API: settings, experts,
// an OAuth client with both scopes, and a live access token.
type company struct {
	tenant
	ClientID, Secret string
	Token            string
	M                *msgapi.ClientWithResponses // sends Token
	Experts          []adminapi.Expert           // in the order asked for
	refs             map[uuid.UUID]string        // question → its unique author refId, see ask
}

// companySpec says how to set a company up. Zero value: default settings, one expert.
type companySpec struct {
	Settings *adminapi.UpdateSettingsRequest
	Experts  []adminapi.CreateExpertRequest // nil: one expert, "Jane Expert"
}

// newCompany creates and configures a tenant for one scenario.
func newCompany(ctx context.Context, e *Env, cs companySpec) (*company, error) {
	t, err := newTenant(ctx, e)
	if err != nil {
		return nil, err
	}
	c := &company{tenant: t}
	if cs.Settings != nil {
		r, err := e.Admin.UpdateSettingsWithResponse(ctx, t.ID, *cs.Settings)
		if err != nil {
			return nil, err
		}
		if r.JSON200 == nil {
			return nil, fmt.Errorf("updateSettings: %d %s", r.StatusCode(), r.Body)
		}
	}
	experts := cs.Experts
	if experts == nil {
		experts = []adminapi.CreateExpertRequest{{Name: "Jane Expert"}}
	}
	for _, x := range experts {
		r, err := e.Admin.CreateExpertWithResponse(ctx, t.ID, x)
		if err != nil {
			return nil, err
		}
		if r.JSON201 == nil {
			return nil, fmt.Errorf("createExpert %s: %d %s", x.Name, r.StatusCode(), r.Body)
		}
		c.Experts = append(c.Experts, *r.JSON201)
	}
	cr, err := e.Admin.CreateOAuthClientWithResponse(ctx, t.ID, adminapi.CreateOAuthClientRequest{Name: "conformance"})
	if err != nil {
		return nil, err
	}
	if cr.JSON201 == nil {
		return nil, fmt.Errorf("createOAuthClient: %d %s", cr.StatusCode(), cr.Body)
	}
	c.ClientID, c.Secret = cr.JSON201.ClientId, cr.JSON201.ClientSecret
	if c.Token, err = c.token(ctx, e, ""); err != nil {
		return nil, err
	}
	c.M = e.Messaging(c.Token)
	return c, nil
}

// token gets an access token with the client credentials (form-encoded, as OAuth 2.0 has it).
func (c *company) token(ctx context.Context, e *Env, scope string) (string, error) {
	body := msgapi.CreateTokenFormdataRequestBody{GrantType: "client_credentials", ClientId: &c.ClientID, ClientSecret: &c.Secret}
	if scope != "" {
		body.Scope = &scope
	}
	r, err := e.Messaging("").CreateTokenWithFormdataBodyWithResponse(ctx, body)
	if err != nil {
		return "", err
	}
	if r.JSON200 == nil {
		return "", fmt.Errorf("createToken: %d %s", r.StatusCode(), r.Body)
	}
	return r.JSON200.AccessToken, nil
}

// expert returns the i-th expert's uuid.
func (c *company) expert(i int) uuid.UUID { return c.Experts[i].Uuid }

// ask creates a question with a unique author refId (so listQuestions can find it alone).
func (c *company) ask(ctx context.Context, e *Env, text string, mods ...func(*msgapi.CreateQuestionRequest)) (*msgapi.QuestionEnvelope, error) {
	ref := "ref-" + uuid.NewString()
	name := "Joe User"
	in := msgapi.CreateQuestionRequest{Text: text, Author: &msgapi.QuestionAuthorInput{Name: &name, RefId: &ref}}
	for _, m := range mods {
		m(&in)
	}
	r, err := c.M.CreateQuestionWithResponse(ctx, in)
	if err != nil {
		return nil, err
	}
	if r.JSON201 == nil {
		return nil, fmt.Errorf("createQuestion: %d %s", r.StatusCode(), r.Body)
	}
	if c.refs == nil {
		c.refs = map[uuid.UUID]string{}
	}
	if in.Author != nil && in.Author.RefId != nil {
		c.refs[r.JSON201.Data.Uuid] = *in.Author.RefId
	}
	return r.JSON201, nil
}

// get reads a question (no lastChecked) and returns it with the raw JSON of its data.
func (c *company) get(ctx context.Context, id uuid.UUID) (msgapi.Question, []byte, error) {
	r, err := c.M.GetQuestionWithResponse(ctx, id, nil)
	if err != nil {
		return msgapi.Question{}, nil, err
	}
	if r.JSON200 == nil {
		return msgapi.Question{}, nil, fmt.Errorf("getQuestion %s: %d %s", id, r.StatusCode(), r.Body)
	}
	return r.JSON200.Data, rawData(r.Body), nil
}

// listed finds a question through GET /v1/questions (filtered by its author's refId) and checks
// that the list shows it exactly as GET /v1/questions/{uuid} does.
func (c *company) listed(ctx context.Context, id uuid.UUID) (msgapi.Question, error) {
	ref, ok := c.refs[id]
	if !ok {
		return msgapi.Question{}, fmt.Errorf("question %s was not asked with a refId", id)
	}
	r, err := c.M.ListQuestionsWithResponse(ctx, &msgapi.ListQuestionsParams{AuthorRefId: &ref})
	if err != nil {
		return msgapi.Question{}, err
	}
	if r.JSON200 == nil || len(r.JSON200.Data) != 1 {
		return msgapi.Question{}, fmt.Errorf("listQuestions authorRefId=%s: want the one question, got %d %s", ref, r.StatusCode(), r.Body)
	}
	var list struct {
		Data []json.RawMessage `json:"data"`
	}
	json.Unmarshal(r.Body, &list)
	_, one, err := c.get(ctx, id)
	if err != nil {
		return msgapi.Question{}, err
	}
	if !sameJSON(list.Data[0], one) {
		return msgapi.Question{}, fmt.Errorf("listQuestions shows %s differently from getQuestion:\n%s\n%s", id, list.Data[0], one)
	}
	return r.JSON200.Data[0], nil
}

// respond makes the i-th expert respond (through the operator API) and returns the response uuid.
func (c *company) respond(ctx context.Context, e *Env, i int, q uuid.UUID, text string) (uuid.UUID, error) {
	r, err := e.Admin.RespondToQuestionWithResponse(ctx, c.ID, c.expert(i), q, adminapi.RespondToQuestionRequest{Text: text})
	if err != nil {
		return uuid.Nil, err
	}
	if r.JSON201 == nil {
		return uuid.Nil, fmt.Errorf("respondToQuestion by %s: %d %s", c.Experts[i].Name, r.StatusCode(), r.Body)
	}
	for _, th := range r.JSON201.Responses {
		if th.IsMine {
			return th.Uuid, nil
		}
	}
	return uuid.Nil, fmt.Errorf("respondToQuestion: no response of the expert in %s", r.Body)
}

// claim makes the i-th expert claim q.
func (c *company) claim(ctx context.Context, e *Env, i int, q uuid.UUID) error {
	r, err := e.Admin.ClaimQuestionWithResponse(ctx, c.ID, c.expert(i), q)
	if err != nil {
		return err
	}
	if r.JSON200 == nil {
		return fmt.Errorf("claimQuestion by %s: %d %s", c.Experts[i].Name, r.StatusCode(), r.Body)
	}
	return nil
}

// advance moves the virtual clock forward.
func advance(ctx context.Context, e *Env, seconds int64) (adminapi.Clock, error) {
	r, err := e.Admin.AdvanceClockWithResponse(ctx, adminapi.AdvanceClockRequest{Seconds: seconds})
	if err != nil {
		return adminapi.Clock{}, err
	}
	if r.JSON200 == nil {
		return adminapi.Clock{}, fmt.Errorf("advanceClock %d: %d %s", seconds, r.StatusCode(), r.Body)
	}
	return *r.JSON200, nil
}

// now reads the server clock.
func now(ctx context.Context, e *Env) (time.Time, error) {
	r, err := e.Admin.GetClockWithResponse(ctx)
	if err != nil {
		return time.Time{}, err
	}
	if r.JSON200 == nil {
		return time.Time{}, fmt.Errorf("getClock: %d %s", r.StatusCode(), r.Body)
	}
	return r.JSON200.Now, nil
}

// rawData returns the raw JSON of an envelope's data.
func rawData(body []byte) []byte {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	return env.Data
}

// envelopeError decodes a Messaging API failure; ok is false when body is not the envelope
// (data null, error with message and code).
func envelopeError(body []byte) (code, message string, ok bool) {
	var env struct {
		Meta  *json.RawMessage `json:"meta"`
		Data  json.RawMessage  `json:"data"`
		Error *struct {
			Message string `json:"message"`
			Code    string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil || env.Error == nil || env.Meta == nil || string(env.Data) != "null" {
		return "", "", false
	}
	return env.Error.Code, env.Error.Message, true
}

// oauthError decodes an RFC 6749 error body.
func oauthError(body []byte) (code, description string) {
	var e msgapi.OAuthError
	json.Unmarshal(body, &e)
	return string(e.Error), e.ErrorDescription
}

// adminError decodes an operator API failure.
func adminError(body []byte) (code, message string) {
	var e adminapi.Error
	json.Unmarshal(body, &e)
	return string(e.Error.Code), e.Error.Message
}

// types lists the types of messages, in order.
func types(ms []msgapi.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = string(m.Type)
	}
	return out
}

// has reports whether ms holds a message of type t.
func has(ms []msgapi.Message, t msgapi.MessageType) bool {
	return slices.ContainsFunc(ms, func(m msgapi.Message) bool { return m.Type == t })
}

// count counts the messages of type t.
func count(ms []msgapi.Message, t msgapi.MessageType) int {
	n := 0
	for _, m := range ms {
		if m.Type == t {
			n++
		}
	}
	return n
}

// thread returns the response with the given uuid, or nil.
func thread(q msgapi.Question, id uuid.UUID) *msgapi.Response {
	for i := range q.Conversation.Responses {
		if q.Conversation.Responses[i].Uuid == id {
			return &q.Conversation.Responses[i]
		}
	}
	return nil
}

// anywhere lists every message of a question: question level, then each thread.
func anywhere(q msgapi.Question) []msgapi.Message {
	out := slices.Clone(q.Conversation.Messages)
	for _, r := range q.Conversation.Responses {
		out = append(out, r.Messages...)
	}
	return out
}

// stamp formats t as the API emits dates.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func ptr[T any](v T) *T { return &v }

// result adapts a generated client's (response, error) to (status, body, error).
func result[R interface{ StatusCode() int }](r R, err error) (int, []byte, error) {
	if err != nil {
		return 0, nil, err
	}
	v := reflect.ValueOf(r)
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0, nil, fmt.Errorf("no response")
		}
		v = v.Elem()
	}
	return r.StatusCode(), v.FieldByName("Body").Bytes(), nil
}

// sameJSON reports whether two JSON documents are equal as values.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// noAuth removes the Authorization header a client would send.
func noAuth(_ context.Context, r *http.Request) error {
	r.Header.Del("Authorization")
	return nil
}

// withToken replaces the Authorization header with a bearer token.
func withToken(tok string) func(context.Context, *http.Request) error {
	return func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer "+tok)
		return nil
	}
}

// lower reports whether s has no upper-case letters.
func lower(s string) bool { return s == strings.ToLower(s) }

// systemBodies are the fixed bodies of the system messages, as the Messaging API documents them.
var systemBodies = map[msgapi.MessageType]string{
	msgapi.MessageTypeNotifyingExperts:      "We are notifying our experts about your question.",
	msgapi.MessageTypeAcceptResponse:        "Did this response solve your problem? Please accept it.",
	msgapi.MessageTypeMarkAsResolved:        "The expert marked this response as resolving your question. Please confirm by accepting it.",
	msgapi.MessageTypeAcceptedResponse:      "You accepted this response.",
	msgapi.MessageTypeRateResponse:          "Please rate this response.",
	msgapi.MessageTypeAddTestimonial:        "Would you like to write a testimonial for this expert?",
	msgapi.MessageTypeAddedTestimonial:      "Thank you for your testimonial.",
	msgapi.MessageTypeCustomerReroutePrompt: "Not getting the help you need? You can pass this question on to our support team.",
	msgapi.MessageTypeQuestionRerouted:      "This question has been passed on to our support team.",
	msgapi.MessageTypeQuestionExpired:       "This question expired without a response.",
	msgapi.MessageTypeQuestionClosed:        "This question has been closed.",
}

func jsonInto(b []byte, v any) error { return json.Unmarshal(b, v) }
