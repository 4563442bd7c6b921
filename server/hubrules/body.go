package hubrules

import (
	"encoding/json"
	"mime"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/textrule"
)

// MaxBody is the largest request body accepted (reference §8): 256 KiB.
const MaxBody = 256 << 10

// Body is a request body as received: its Content-Type, its bytes, and whether it was cut off at
// MaxBody.
type Body struct {
	ContentType string
	Raw         []byte
	TooLarge    bool
}

// bodyCodes are the codes a family of operations answers for a body that cannot be read.
type bodyCodes struct {
	missing  Code // absent, not application/json, not a JSON object
	tooLarge Code
	empty    Code // `{}`; "" when an empty object is fine
}

var (
	directBody    = bodyCodes{missing: EngBodyRequired, tooLarge: EngUnsupported, empty: EngBodyEmpty}
	establishBody = bodyCodes{missing: EngConvBodyRequired, tooLarge: EngValueUnsupported}
	portalBody    = bodyCodes{missing: PrtBodyMissing, tooLarge: PrtUnsupported}
)

// object reads the body as one JSON object (step 4 of the validation order).
func (b Body) object(c bodyCodes) (Object, error) {
	if b.TooLarge {
		return nil, Fail(c.tooLarge, "The request body is larger than %d bytes (256 KiB).", MaxBody)
	}
	if blank(string(b.Raw)) {
		return nil, Fail(c.missing, "A request body is required: a JSON object.")
	}
	if !isJSON(b.ContentType) {
		return nil, Fail(c.missing, "The request body must be sent as Content-Type: application/json (got %q).", b.ContentType)
	}
	obj, err := ParseObject(b.Raw)
	if err != nil {
		return nil, Fail(c.missing, "The request body must be one JSON object: %v.", err)
	}
	if len(obj) == 0 && c.empty != "" {
		return nil, Fail(c.empty, "The request body is an empty object.")
	}
	return obj, nil
}

func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "application/json"
}

// ParseGUID reads a GUID in its 8-4-4-4-12 form, any case (what .NET's Guid.ToString() writes).
func ParseGUID(s string) (uuid.UUID, bool) {
	if len(s) != 36 {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	return id, err == nil
}

// PathGUID checks a GUID path segment; code is the family's bad-GUID code (ENG005020 on the Direct
// paths, ENG000203 on the engine's GETs, PRT000305 on the portal's).
func PathGUID(name, value string, code Code) (uuid.UUID, error) {
	id, ok := ParseGUID(value)
	if !ok {
		return uuid.Nil, Fail(code, "Parameter '%s' must be a GUID (got '%s').", name, clip(value))
	}
	return id, nil
}

// guidValue reads a JSON value that must hold a GUID.
func guidValue(v json.RawMessage) (uuid.UUID, bool) {
	s, ok := asString(v)
	if !ok {
		return uuid.Nil, false
	}
	return ParseGUID(s)
}

// clip shortens a value quoted in an error text.
func clip(s string) string {
	const max = 80
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}

// blank is the server's one definition of blank text (package textrule).
func blank(s string) bool { return textrule.Blank(s) }
