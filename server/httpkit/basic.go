package httpkit

import (
	"encoding/base64"
	"net/url"
	"strings"

	"github.com/switchboard-dev/switchboard/server/apierr"
)

// BasicCredentials reads OAuth client credentials sent as HTTP Basic (RFC 6749 §2.3.1):
// `Authorization: Basic base64(client_id:client_secret)`, each part form-encoded before the
// base64. basic is false when the header is absent or of another scheme. A Basic header that
// cannot be read is an apierr Unauthorized (the caller names its OAuth error with WithReason).
func BasicCredentials(authorization string) (id, secret string, basic bool, err error) {
	scheme, value, _ := strings.Cut(strings.TrimSpace(authorization), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false, nil
	}
	bad := apierr.Unauthorizedf("Authorization: Basic credentials must be base64(client_id:client_secret)")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(value))
	if err != nil {
		return "", "", true, bad
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", "", true, bad
	}
	if id, err = url.QueryUnescape(id); err != nil {
		return "", "", true, bad
	}
	if secret, err = url.QueryUnescape(secret); err != nil {
		return "", "", true, bad
	}
	return id, secret, true, nil
}
