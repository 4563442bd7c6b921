package helpdesk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/bracketform"
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
// (method, token, body, fields, lookup) it finds and verifies the token — header, else body
// field, else query parameter — then decodes whichever body encoding was sent (form, multipart,
// JSON, or none read as form) into one ordered form, fills missing fields from the query string,
// and hands on a canonical application/x-www-form-urlencoded request without the token. The
// validator and the generated server therefore see one encoding; the handlers get the tenant and
// the ordered form (metadata order matters) from the context.
type intake struct {
	svc   *service.Service
	paths map[string]bool
}

var limits = bracketform.DefaultLimits

func (in *intake) handle(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !in.paths[r.URL.Path] {
			next.ServeHTTP(w, r) // the validator answers 404/405
			return
		}
		ctx := r.Context()
		var (
			form    *bracketform.Map
			bodyErr error
			read    bool
		)
		readBody := func() {
			read = true
			form, bodyErr = decodeBody(r)
		}
		token, inHeader := headerToken(r)
		if !inHeader {
			readBody()
			if form != nil {
				if v, ok := form.Get("apiToken"); ok && v.Kind() == bracketform.String {
					token = v.Str()
				}
			}
			if token == "" {
				token = r.URL.Query().Get("apiToken")
			}
		}
		tenant, err := in.svc.AuthenticateHelpDesk(ctx, token)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if !read {
			readBody()
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
		ctx = context.WithValue(context.WithValue(ctx, tenantKey, tenantValue{tenant}), formKey, form)
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

func decodeBody(r *http.Request) (*bracketform.Map, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, int64(limits.MaxBytes)+1))
	if err != nil {
		return nil, apierr.Invalidf("request body: could not be read: %v", err)
	}
	if len(b) > limits.MaxBytes {
		return nil, apierr.Invalidf("request body: larger than %d bytes", limits.MaxBytes)
	}
	ct := r.Header.Get("Content-Type")
	mt, params := "application/x-www-form-urlencoded", map[string]string{}
	if strings.TrimSpace(ct) != "" {
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return nil, apierr.Invalidf("Content-Type %q: %v", ct, err)
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
		} else {
			form, err = bracketform.ParseJSONObject(b, limits)
		}
	default:
		return nil, apierr.Invalidf("unsupported content type %q: send application/x-www-form-urlencoded, multipart/form-data or application/json", mt)
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
		v, err := io.ReadAll(io.LimitReader(p, int64(limits.MaxValue)*4+1))
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
