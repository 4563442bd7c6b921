package conformance

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// testServer implements testdata/testdesk.yaml under /testdesk and testdata/msgs.yaml under
// /msgs, correctly unless mode names a misbehaviour.
type testServer struct {
	mode string

	mu       sync.Mutex
	lastBody []byte      // request body as received
	lastHdr  http.Header // request headers as received
}

func (ts *testServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	ts.mu.Lock()
	ts.lastBody, ts.lastHdr = body, r.Header.Clone()
	ts.mu.Unlock()
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/testdesk/"):
		ts.desk(w, r, strings.TrimPrefix(p, "/testdesk"), body)
	case strings.HasPrefix(p, "/msgs/"):
		ts.msgs(w, r, strings.TrimPrefix(p, "/msgs"))
	case p == "/outside" || p == "/testdesk-docs/":
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "not an API")
	default:
		http.NotFound(w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func deskError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"message": http.StatusText(status), "code": code}})
}

func (ts *testServer) desk(w http.ResponseWriter, r *http.Request, path string, body []byte) {
	if ts.mode == "500" {
		deskError(w, http.StatusInternalServerError, "INTERNAL")
		return
	}
	switch {
	case path == "/tickets":
		if r.Method != http.MethodPost {
			ts.notAllowed(w, "POST")
			return
		}
		if ts.mode != "accept-invalid" && !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer ") {
			deskError(w, http.StatusUnauthorized, "UNAUTHORIZED")
			return
		}
		var in map[string]any
		err := json.Unmarshal(body, &in)
		subject, ok := in["subject"].(string)
		if ts.mode != "accept-invalid" && (err != nil || !ok || subject == "" || len(in) != 1) {
			deskError(w, http.StatusBadRequest, "INVALID_PARAMETER")
			return
		}
		if ts.mode == "default-only" {
			deskError(w, http.StatusConflict, "CONFLICT")
			return
		}
		switch ts.mode {
		case "201-no-location":
		case "201-location-unknown":
			w.Header().Set("Location", "/testdesk/nothing/T2")
		case "201-location-other-api":
			w.Header().Set("Location", "/msgs/messages")
		case "201-location-absolute":
			w.Header().Set("Location", "http://"+r.Host+"/testdesk/tickets/T2")
		default:
			w.Header().Set("Location", "/testdesk/tickets/T2")
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": "T2", "subject": subject, "status": "open"})
	case strings.HasPrefix(path, "/tickets/") && !strings.Contains(path[len("/tickets/"):], "/"):
		id := strings.TrimPrefix(path, "/tickets/")
		switch r.Method {
		case http.MethodGet:
			ts.getTicket(w, r, id)
		case http.MethodDelete:
			if id == "T404" {
				deskError(w, http.StatusNotFound, "NOT_FOUND")
				return
			}
			if ts.mode == "delete-304" {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			if ts.mode == "204-body" {
				io.WriteString(w, `{"deleted":true}`)
			}
		default:
			ts.notAllowed(w, "GET, DELETE")
		}
	default:
		if ts.mode == "unknown-200" {
			writeJSON(w, http.StatusOK, map[string]any{})
			return
		}
		deskError(w, http.StatusNotFound, "NOT_FOUND")
	}
}

func (ts *testServer) notAllowed(w http.ResponseWriter, allow string) {
	switch ts.mode {
	case "405-no-allow":
	case "405-wrong-allow":
		w.Header().Set("Allow", "GET, POST, DELETE")
	default:
		w.Header().Set("Allow", allow)
	}
	if ts.mode == "405-as-404" {
		deskError(w, http.StatusNotFound, "NOT_FOUND")
		return
	}
	deskError(w, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
}

func (ts *testServer) getTicket(w http.ResponseWriter, r *http.Request, id string) {
	if id == "T404" {
		if ts.mode == "text-404" {
			http.Error(w, "ticket not found", http.StatusNotFound)
			return
		}
		deskError(w, http.StatusNotFound, "NOT_FOUND")
		return
	}
	if r.Header.Get("If-None-Match") == `"v1"` {
		if ts.mode != "304-no-etag" {
			w.Header().Set("ETag", `"v1"`)
		}
		if ts.mode == "304-content-type" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(http.StatusNotModified)
		if ts.mode == "304-body" {
			io.WriteString(w, `{"id":"T1"}`)
		}
		return
	}
	etag := `"v1"`
	if ts.mode == "bad-etag" {
		etag = "v1"
	}
	w.Header().Set("ETag", etag)
	ticket := map[string]any{"id": id, "subject": "Printer on fire", "status": "open"}
	switch ts.mode {
	case "wrong-type":
		ticket["id"] = 1
	case "undeclared-status":
		writeJSON(w, http.StatusAccepted, ticket)
		return
	case "missing-content-type":
		w.Header()["Content-Type"] = nil // stop net/http from sniffing one
		w.WriteHeader(http.StatusOK)
		json.NewEncoder(w).Encode(ticket)
		return
	case "wrong-content-type":
		w.Header().Set("Content-Type", "text/json")
		w.WriteHeader(http.StatusOK)
		json.NewEncoder(w).Encode(ticket)
		return
	case "empty-200":
		w.WriteHeader(http.StatusOK)
		return
	case "missing-etag":
		w.Header().Del("ETag")
	case "redirect":
		http.Redirect(w, r, "/testdesk/tickets/T9", http.StatusFound)
		return
	}
	writeJSON(w, http.StatusOK, ticket)
}

func (ts *testServer) msgs(w http.ResponseWriter, r *http.Request, path string) {
	envelopeErr := func(status int, code string) {
		if ts.mode == "msgs-desk-error" {
			deskError(w, status, code)
			return
		}
		writeJSON(w, status, map[string]any{"meta": map[string]any{}, "data": nil,
			"error": map[string]any{"message": http.StatusText(status), "code": code}})
	}
	if path != "/messages" {
		envelopeErr(http.StatusNotFound, "NOT_FOUND")
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		envelopeErr(http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
		return
	}
	if l := r.URL.Query().Get("limit"); l != "" {
		if n, err := strconv.Atoi(l); err != nil || n < 1 {
			envelopeErr(http.StatusBadRequest, "INVALID_PARAMETER")
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"meta": map[string]any{"count": 1}, "data": []string{"hello"}, "error": nil})
}
