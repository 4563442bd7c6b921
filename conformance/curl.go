package conformance

import (
	"encoding/base64"
	"net/http"
	"sort"
	"strings"
	"unicode/utf8"
)

// curlCommand renders a curl command that sends req (as it went out) again.
func curlCommand(req *http.Request, body []byte) string {
	var b strings.Builder
	if len(body) > 0 && (!utf8.Valid(body) || strings.ContainsRune(string(body), 0)) {
		b.WriteString("printf %s " + shellQuote(base64.StdEncoding.EncodeToString(body)) + " | base64 -d | ")
	}
	b.WriteString("curl -sS -i")
	switch req.Method {
	case http.MethodGet, "":
	case http.MethodHead:
		b.WriteString(" --head")
	default:
		b.WriteString(" -X " + shellQuote(req.Method))
	}
	b.WriteString(" " + shellQuote(req.URL.String()))
	if req.Host != "" && req.Host != req.URL.Host {
		b.WriteString(" -H " + shellQuote("Host: "+req.Host))
	}
	keys := make([]string, 0, len(req.Header))
	for k := range req.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, ExpectStatusHeader) {
			continue
		}
		for _, v := range req.Header[k] {
			b.WriteString(" -H " + shellQuote(k+": "+v))
		}
	}
	switch {
	case len(body) == 0:
	case strings.HasPrefix(b.String(), "printf"):
		b.WriteString(" --data-binary @-")
	default:
		b.WriteString(" --data-binary " + shellQuote(string(body)))
	}
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
