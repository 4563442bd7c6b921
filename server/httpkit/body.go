package httpkit

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/switchboard-dev/switchboard/server/apierr"
	"github.com/switchboard-dev/switchboard/server/textrule"
)

// DefaultMaxBody is the body limit of an API that does not set its own.
const DefaultMaxBody = 1 << 20

// ReadBody reads r's body whole, at most limit bytes. Every failure is an apierr Invalid naming
// the problem (too large, broken framing, the client went away or was too slow); the connection
// is then closed after the answer, since what remains of the body cannot be trusted.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > limit {
		w.Header().Set("Connection", "close")
		return nil, tooLarge(limit)
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err == nil && int64(len(b)) > limit {
		err = &http.MaxBytesError{Limit: limit}
	}
	if err != nil {
		w.Header().Set("Connection", "close")
		if p := BodyProblem(err); p != nil {
			return nil, p
		}
		return nil, err
	}
	return b, nil
}

func tooLarge(limit int64) *apierr.Error {
	return apierr.Invalidf("request body: larger than %d bytes", limit)
}

// BodyProblem turns an error met while reading a request body (directly or through a decoder
// such as mime/multipart, which wraps it) into the apierr Invalid the client is answered with.
// It returns nil when err is not about the body.
func BodyProblem(err error) *apierr.Error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return tooLarge(tooBig.Limit)
	}
	var be *BodyError
	if !errors.As(err, &be) {
		return nil
	}
	switch be.Reason {
	case BodyAborted:
		return apierr.Invalidf("request body: the connection ended after %d bytes, before the body did", be.Read)
	case BodyTooSlow:
		return apierr.Invalidf("request body: arrived too slowly (%d bytes received); send it faster", be.Read)
	case BodyMalformed:
		return apierr.Invalidf("request body: broken chunked transfer encoding: %v", be.Err)
	default:
		return apierr.Invalidf("request body: could not be read: %v", be.Err)
	}
}

// JSONOptions are the choices DecodeJSON leaves to its caller.
type JSONOptions struct {
	DisallowUnknownFields bool // a member the target type does not have is an error
}

// DecodeJSON decodes b, which must pass CheckJSON, into v (numbers into `any` as json.Number).
// Errors are apierr Invalid naming the field.
func DecodeJSON(b []byte, v any, opt JSONOptions) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return apierr.Invalidf("request body is required: a JSON value")
	}
	if err := CheckJSON(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if opt.DisallowUnknownFields {
		dec.DisallowUnknownFields()
	}
	err := dec.Decode(v)
	var te *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "request body"
		}
		return apierr.Invalidf("%s: must be %s", field, jsonType(te.Type.Kind().String()))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return apierr.Invalidf("%s: is not a known field", strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`))
	}
	return apierr.Invalidf("request body: %v", err)
}

func jsonType(kind string) string {
	switch {
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "a boolean"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "an integer"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "slice" || kind == "array":
		return "a list"
	case kind == "map" || kind == "struct":
		return "an object"
	}
	return "of another type"
}

// CheckJSON checks that b is exactly one JSON value (white space around it aside, nothing after
// it), valid UTF-8, and that no string in it, member names included, holds NUL (\u0000) or a lone
// UTF-16 surrogate escape (which decoders silently turn into U+FFFD). Errors are apierr Invalid
// naming where the problem is.
func CheckJSON(b []byte) error {
	if !utf8.Valid(b) {
		off := invalidUTF8At(b)
		return apierr.Invalidf("request body: invalid UTF-8 at byte %d%s", off, where(b, off))
	}
	if !json.Valid(b) {
		return apierr.Invalidf("request body: %s", syntaxProblem(b))
	}
	if !bytes.Contains(b, []byte(`\u`)) {
		return nil
	}
	off, err := badEscape(b)
	if err == nil {
		return nil
	}
	if err == textrule.ErrInvalidUTF8 {
		return apierr.Invalidf("request body: invalid UTF-8 (a lone UTF-16 surrogate escape) at byte %d%s", off, where(b, off))
	}
	return apierr.Invalidf("request body%s: %v", where(b, off), err)
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// syntaxProblem describes why b is not exactly one JSON value.
func syntaxProblem(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return fmt.Sprintf("invalid JSON at byte %d: %v", se.Offset, err)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return "invalid JSON: unexpected end of input"
		}
		return "invalid JSON: " + err.Error()
	}
	return fmt.Sprintf("unexpected data after the JSON value at byte %d: send one JSON value and nothing else", dec.InputOffset())
}

// badEscape finds the first \u escape in b's strings that is NUL or a lone surrogate; b is valid
// JSON. It returns the escape's offset and textrule.ErrNUL or textrule.ErrInvalidUTF8.
func badEscape(b []byte) (int, error) {
	inString := false
	pendingHigh := -1 // offset of a high surrogate escape waiting for its low half
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !inString {
			inString = c == '"'
			continue
		}
		switch c {
		case '"':
			inString = false
		case '\\':
			if b[i+1] != 'u' {
				if pendingHigh >= 0 {
					return pendingHigh, textrule.ErrInvalidUTF8
				}
				i++ // an escaped character: \" \\ \n ...
				continue
			}
			v, _ := strconv.ParseUint(string(b[i+2:i+6]), 16, 32)
			r := rune(v)
			if pendingHigh >= 0 {
				if r < 0xDC00 || r >= 0xE000 {
					return pendingHigh, textrule.ErrInvalidUTF8
				}
				pendingHigh = -1
			} else {
				switch {
				case r == 0:
					return i, textrule.ErrNUL
				case r >= 0xD800 && r < 0xDC00:
					pendingHigh = i
				case r >= 0xDC00 && r < 0xE000:
					return i, textrule.ErrInvalidUTF8
				}
			}
			i += 5
			continue
		}
		if pendingHigh >= 0 {
			return pendingHigh, textrule.ErrInvalidUTF8
		}
	}
	if pendingHigh >= 0 {
		return pendingHigh, textrule.ErrInvalidUTF8
	}
	return 0, nil
}

// where names the member of the JSON document b whose token holds byte off (" at text",
// " at metadata.tags[2]", " in a member name of metadata"), or "" when b cannot be walked.
func where(b []byte, off int) string {
	type frame struct {
		obj     bool
		key     string
		idx     int
		wantKey bool
	}
	var stack []frame
	render := func(stack []frame) string {
		var sb strings.Builder
		for _, f := range stack {
			if f.obj {
				if sb.Len() > 0 {
					sb.WriteByte('.')
				}
				sb.WriteString(f.key)
			} else {
				fmt.Fprintf(&sb, "[%d]", f.idx)
			}
		}
		return sb.String()
	}
	advance := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].idx++
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return ""
		}
		end := dec.InputOffset()
		n := len(stack)
		isKey := n > 0 && stack[n-1].obj && stack[n-1].wantKey
		if _, isDelim := tok.(json.Delim); !isDelim && int64(off) >= start && int64(off) < end {
			if isKey {
				if p := render(stack[:n-1]); p != "" {
					return " in a member name of " + Cap(p, 200)
				}
				return " in a member name"
			}
			if p := render(stack); p != "" {
				return " at " + Cap(p, 200)
			}
			return ""
		}
		switch t := tok.(type) {
		case json.Delim:
			if t == '{' || t == '[' {
				stack = append(stack, frame{obj: t == '{', wantKey: true})
			} else {
				stack = stack[:n-1]
				advance()
			}
		case string:
			if isKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				continue
			}
			advance()
		default:
			advance()
		}
	}
}

// CheckRequestText checks the text of r's path and query string: each decoded path, query name
// and query value must be valid UTF-8 without NUL (textrule.Check). Errors are apierr Invalid.
func CheckRequestText(r *http.Request) error {
	if err := textrule.Check(r.URL.Path); err != nil {
		return apierr.Invalidf("path: %v", err)
	}
	for _, pair := range strings.Split(r.URL.RawQuery, "&") {
		k, v, _ := strings.Cut(pair, "=")
		name, errK := url.QueryUnescape(k)
		value, errV := url.QueryUnescape(v)
		if errK != nil || errV != nil {
			continue // a bad %-escape: the API's own decoder names it
		}
		if err := textrule.Check(name); err != nil {
			return apierr.Invalidf("query string: a parameter name %v", err)
		}
		if err := textrule.Check(value); err != nil {
			return apierr.Invalidf("query parameter %q: %v", Cap(name, 100), err)
		}
	}
	return nil
}
