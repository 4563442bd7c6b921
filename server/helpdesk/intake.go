package helpdesk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/bracketform"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

type ctxKey int

const (
	tenantKey ctxKey = iota
	formKey
)

type tenantValue struct{ store.Tenant }

// intake runs before request validation on the two operations. In the API's order of checks
// (method, token, body, fields, lookup) it finds and verifies the token — header (already
// verified by gate, before the body was read), else body field, else query parameter — then
// decodes whichever body encoding was sent (form, multipart, JSON, or none read as form) into
// one ordered form, fills missing fields from the query string, and hands on a canonical
// application/x-www-form-urlencoded request without the token. The validator and the generated
// server therefore see one encoding; the handlers get the tenant and the ordered form (metadata
// order matters) from the context.
type intake struct {
	svc   *service.Service
	paths map[string]bool
	// stringFields are, per operation path, the top-level fields the spec declares as strings: a
	// JSON body must send them as strings (or null), not numbers, booleans, lists or objects.
	stringFields map[string][]string
}

// limits are the Help Desk's form limits: the shared ones (a value may hold the longest text
// field, 20,000 characters); metadata's own limits are checked by package question.
var limits = httpkit.FormLimits

// gate verifies a token sent in the ApiToken header before the body is read, so a call with a
// wrong header token is refused unread. Without the header the token may be in the body: the
// intake looks for it there.
func (in *intake) gate(r *http.Request) (*http.Request, error) {
	token, inHeader := headerToken(r)
	if r.Method != http.MethodPost || !in.paths[r.URL.Path] || !inHeader {
		return r, nil
	}
	tenant, err := in.svc.AuthenticateHelpDesk(r.Context(), token)
	if err != nil {
		return nil, err
	}
	return r.WithContext(context.WithValue(r.Context(), tenantKey, tenantValue{tenant})), nil
}

func (in *intake) handle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !in.paths[r.URL.Path] {
			next.ServeHTTP(w, r) // the validator answers 404/405
			return
		}
		ctx := r.Context()
		form, bodyErr := in.decodeBody(w, r)
		tenant, gated := ctx.Value(tenantKey).(tenantValue)
		if token, inHeader := headerToken(r); !gated {
			if !inHeader && form != nil {
				if v, ok := form.Get("apiToken"); ok && v.Kind() == bracketform.String {
					token = v.Str()
				}
			}
			if !inHeader && token == "" {
				token = r.URL.Query().Get("apiToken")
			}
			t, err := in.svc.AuthenticateHelpDesk(ctx, token)
			if err != nil {
				writeError(w, r, err)
				return
			}
			tenant = tenantValue{t}
		}
		if bodyErr != nil {
			writeError(w, r, bodyErr)
			return
		}
		query, err := bracketform.ParseURLEncoded([]byte(r.URL.RawQuery), limits)
		if err != nil {
			writeError(w, r, apierr.Invalidf("query string: %v", err))
			return
		}
		for _, k := range query.Keys() {
			if _, ok := form.Get(k); !ok {
				v, _ := query.Get(k)
				form.Set(k, v)
			}
		}
		form.Delete("apiToken")

		body := form.EncodeURL()
		ctx = context.WithValue(context.WithValue(ctx, tenantKey, tenant), formKey, form)
		r = r.WithContext(ctx)
		r.Body = io.NopCloser(strings.NewReader(body))
		r.GetBody = nil
		r.ContentLength = int64(len(body))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Del("Content-Length")
		r.URL.RawQuery = ""
		r.RequestURI = r.URL.RequestURI()
		next.ServeHTTP(w, r)
	})
}

// headerToken returns the ApiToken header (name matched case-insensitively, value trimmed) and
// whether it was present at all: a present header alone decides, even when empty.
func headerToken(r *http.Request) (string, bool) {
	vs, ok := r.Header[http.CanonicalHeaderKey("ApiToken")]
	if !ok {
		return "", false
	}
	if len(vs) == 0 {
		return "", true
	}
	return strings.TrimSpace(vs[len(vs)-1]), true
}

func (in *intake) decodeBody(w http.ResponseWriter, r *http.Request) (*bracketform.Map, error) {
	b, err := httpkit.ReadBody(w, r, int64(limits.MaxBytes))
	if err != nil {
		return nil, err
	}
	ct := r.Header.Get("Content-Type")
	mt, params := "application/x-www-form-urlencoded", map[string]string{}
	if strings.TrimSpace(ct) != "" {
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return nil, apierr.Invalidf("Content-Type %q: %v", httpkit.Cap(ct, 100), err)
		}
	}
	var form *bracketform.Map
	switch mt {
	case "application/x-www-form-urlencoded":
		form, err = bracketform.ParseURLEncoded(b, limits)
	case "multipart/form-data":
		form, err = decodeMultipart(b, params["boundary"])
	case "application/json":
		if len(bytes.TrimSpace(b)) == 0 {
			form = bracketform.NewMap()
			break
		}
		if err := in.checkJSONTypes(r.URL.Path, b); err != nil {
			return nil, err
		}
		form, err = bracketform.ParseJSONObject(b, limits)
	default:
		return nil, apierr.Invalidf("unsupported content type %q: send application/x-www-form-urlencoded, multipart/form-data or application/json", httpkit.Cap(mt, 100))
	}
	if err != nil {
		var ae *apierr.Error
		if errors.As(err, &ae) {
			return nil, err
		}
		return nil, apierr.Invalidf("request body: %v", err)
	}
	return form, nil
}

// checkJSONTypes refuses a JSON body that sends a declared string field as anything but a string
// (or null, which drops it). b has passed the edge's httpkit.CheckJSON.
func (in *intake) checkJSONTypes(path string, b []byte) error {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(b, &top); err != nil {
		return nil // not an object: bracketform names the problem
	}
	for _, f := range in.stringFields[path] {
		if v, ok := top[f]; ok && v[0] != '"' && string(v) != "null" {
			return apierr.Invalidf("%s: must be a string", f)
		}
	}
	return nil
}

// decodeMultipart reads the parts' names with the same bracket rules; file parts are ignored.
func decodeMultipart(b []byte, boundary string) (*bracketform.Map, error) {
	if boundary == "" {
		return nil, apierr.Invalidf("multipart/form-data without a boundary")
	}
	mr := multipart.NewReader(bytes.NewReader(b), boundary)
	var pairs []bracketform.Pair
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, apierr.Invalidf("multipart body: %v", err)
		}
		if p.FileName() != "" || p.FormName() == "" {
			continue
		}
		v, err := io.ReadAll(p) // the body is in memory, at most limits.MaxBytes: ParsePairs names an over-long value
		if err != nil {
			return nil, apierr.Invalidf("multipart part %q: %v", p.FormName(), err)
		}
		pairs = append(pairs, bracketform.Pair{Key: p.FormName(), Value: string(v)})
	}
	return bracketform.ParsePairs(pairs, limits)
}

func tenantFrom(ctx context.Context) store.Tenant {
	t, _ := ctx.Value(tenantKey).(tenantValue)
	return t.Tenant
}

func formFrom(ctx context.Context) *bracketform.Map {
	if f, ok := ctx.Value(formKey).(*bracketform.Map); ok {
		return f
	}
	return bracketform.NewMap()
}
