package conformance_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/conformance"
	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/hub"
	"github.com/switchboard-dev/switchboard/server/netguard"
	"github.com/switchboard-dev/switchboard/server/outbox"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// loopbackOutbox is the in-process server's webhook worker: the scenarios' receivers listen on
// loopback, which the default policy refuses.
func loopbackOutbox(st *store.Store, svc *service.Service) *outbox.Worker {
	policy := netguard.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	return outbox.NewWorker(st, svc.Clock, policy.Client(netguard.ClientOptions{Timeout: outbox.AttemptTimeout}),
		slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// hubStatuses sends one request of every Hub API operation to srv and expects status in
// Hubster's error shape; a 5xx is announced to the suite (conformance.ExpectStatusHeader).
func hubStatuses(t *testing.T, ctx context.Context, suite *conformance.Suite, srv http.Handler, adminToken string, reqs []conformance.HubRequest, status int, why string) {
	t.Helper()
	target := conformance.Target{BaseURL: "http://switchboard.test", AdminToken: adminToken, Transport: conformance.HandlerTransport(srv)}
	e, err := conformance.NewEnv(suite, target)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		headers := r.Headers
		if status >= 500 {
			headers = append(headers[:len(headers):len(headers)], conformance.ExpectStatusHeader+": "+strconv.Itoa(status))
		}
		resp, body, err := e.Raw(ctx, r.Method, r.Path, r.ContentType, r.Body, headers...)
		if err != nil {
			t.Fatal(err)
		}
		var b struct {
			Status int `json:"status"`
			Errors []struct {
				Code        int    `json:"code"`
				Description string `json:"description"`
			} `json:"errors"`
		}
		json.Unmarshal(body, &b)
		ok := resp.StatusCode == status && b.Status == status && len(b.Errors) == 1
		switch status {
		case http.StatusServiceUnavailable:
			ok = ok && resp.Header.Get("Retry-After") == "30" && b.Errors[0].Code == 503
		case http.StatusRequestTimeout:
			ok = ok && (b.Errors[0].Code == 108 || r.OperationID == "requestToken" && b.Errors[0].Code == 408)
		case http.StatusInternalServerError:
			rid := resp.Header.Get("X-Request-Id")
			ok = ok && b.Errors[0].Code == 100 && rid != "" && strings.Contains(b.Errors[0].Description, rid) &&
				!strings.Contains(strings.ToLower(b.Errors[0].Description), "sql")
		}
		if !ok {
			t.Errorf("%s %s with %s: want %d in Hubster's shape, got %d %s", r.Method, r.Path, why, status, resp.StatusCode, body)
		}
	}
}

// hubLimits: with a deadline that has passed every operation answers 408; while the server drains
// every operation answers 503 with Retry-After.
func hubLimits(t *testing.T, ctx context.Context, suite *conformance.Suite, st *store.Store, adminToken string, reqs []conformance.HubRequest) {
	t.Helper()
	late, err := server.New(server.Config{Service: service.New(st), AdminTokenHash: nil, HubConfig: hub.Config{Timeout: time.Nanosecond}})
	if err != nil {
		t.Fatal(err)
	}
	hubStatuses(t, ctx, suite, late, adminToken, reqs, http.StatusRequestTimeout, "a deadline that has passed")
	draining, err := server.New(server.Config{Service: service.New(st)})
	if err != nil {
		t.Fatal(err)
	}
	draining.Drain()
	hubStatuses(t, ctx, suite, draining, adminToken, reqs, http.StatusServiceUnavailable, "the server draining")
}
