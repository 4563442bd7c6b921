package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// loadHub is `switchboard load-hub`: the Hub Direct API's activity POST under N concurrent
// clients, each posting customer messages into a conversation of its own, against a running server
// on loopback. With --webhooks the bot integration has a webhook on a receiver in this process
// that answers 200 at once (start the target with --outbound-allow 127.0.0.1/32), and the delivery
// throughput is measured too: deliveries received per second during the run, and how long the
// outbox takes to drain after it.
func loadHub(ctx context.Context, args []string, out io.Writer) error {
	var c loadConfig
	var webhooks bool
	fs := newFlags("load-hub")
	fs.StringVar(&c.baseURL, "base-url", "http://127.0.0.1:8080", "the server to load")
	fs.StringVar(&c.adminToken, "admin-token", "", "its operator API token")
	fs.IntVar(&c.clients, "clients", 64, "concurrent clients")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long the load runs")
	fs.BoolVar(&webhooks, "webhooks", false, "give the bot a webhook on a local receiver and measure the deliveries")
	if err := parse(fs, args); err != nil {
		return err
	}
	if c.adminToken == "" {
		return fmt.Errorf("--admin-token is required")
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: c.clients * 2, MaxIdleConnsPerHost: c.clients * 2}, Timeout: 30 * time.Second}
	lc := &loadClient{hc: hc, base: strings.TrimRight(c.baseURL, "/"), admin: c.adminToken}

	var received atomic.Int64
	webhookURL := ""
	if webhooks {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			received.Add(1)
		})}
		go srv.Serve(ln)
		defer srv.Close()
		webhookURL = "http://" + ln.Addr().String() + "/bot"
	}
	engine, customer, err := lc.hubSetup(ctx, webhookURL)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	convs := make([]string, c.clients)
	for i := range convs {
		var conv struct {
			ConversationID string `json:"conversationId"`
		}
		body := map[string]any{"integrationId": customer, "binding": fmt.Sprintf("load-%d", i), "channelType": "Direct"}
		if err := lc.call(ctx, http.MethodPost, "/hub/api/v1/conversations/establish", engine, body, http.StatusOK, &conv); err != nil {
			return fmt.Errorf("establish: %w", err)
		}
		convs[i] = conv.ConversationID
	}

	fmt.Fprintf(out, "%d clients, %s, target %s\n", c.clients, c.duration, lc.base)
	fmt.Fprintf(out, "%-10s %10s %10s %10s %10s %8s\n", "op", "requests", "req/s", "p50", "p99", "errors")
	r := runLoad(ctx, c.clients, c.duration, func(ctx context.Context, w, i int) error {
		body := fmt.Sprintf(`{"type":"message","message":{"type":"text","text":"load message %d-%d"}}`, w, i)
		return lc.expect(ctx, http.MethodPost, lc.base+"/hub/inbound/customer/v1/direct/activity/"+convs[w], engine, []byte(body), http.StatusOK)
	})
	during := received.Load()
	fmt.Fprintf(out, "%-10s %10d %10.0f %10s %10s %8d\n", "activity", r.n, float64(r.n)/r.elapsed.Seconds(), r.p(0.50), r.p(0.99), r.errors)
	if r.firstErr != nil {
		fmt.Fprintf(out, "  first error: %v\n", r.firstErr)
	}
	if !webhooks {
		return nil
	}
	// The outbox drains after the load: wait until every accepted activity's webhook arrived.
	start := time.Now()
	for received.Load() < int64(r.n) && time.Since(start) < 5*time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	drain := time.Since(start)
	total := received.Load()
	fmt.Fprintf(out, "deliveries: %d during the run (%.0f/s), %d in all; the rest drained in %s (%.0f/s overall)\n",
		during, float64(during)/r.elapsed.Seconds(), total, drain.Round(time.Millisecond), float64(total)/(r.elapsed+drain).Seconds())
	return nil
}

// hubSetup makes a tenant with Hub API clients, a hub, a customer integration and a bot (with a
// webhook when webhookURL is not ""), and returns the engine token and the customer integration.
func (lc *loadClient) hubSetup(ctx context.Context, webhookURL string) (engine, customer string, err error) {
	var ten struct{ ID string }
	if err := lc.call(ctx, http.MethodPost, "/admin/v1/tenants", lc.admin, map[string]string{"name": fmt.Sprintf("hub-load-%d", time.Now().UnixNano())},
		http.StatusCreated, &ten); err != nil {
		return "", "", err
	}
	token := func(audience string) (string, error) {
		var cl struct{ ClientID, ClientSecret string }
		if err := lc.call(ctx, http.MethodPost, "/admin/v1/tenants/"+ten.ID+"/hub-clients", lc.admin, map[string]string{"audience": audience},
			http.StatusCreated, &cl); err != nil {
			return "", err
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cl.ClientID}, "client_secret": {cl.ClientSecret}}
		status, b, err := lc.do(ctx, http.MethodPost, lc.base+"/hub/connect/token", "", []byte(form.Encode()), "application/x-www-form-urlencoded")
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if err == nil && (status != http.StatusOK || json.Unmarshal(b, &tok) != nil) {
			err = fmt.Errorf("token: %d %s", status, b)
		}
		return tok.AccessToken, err
	}
	portal, err := token("portal")
	if err != nil {
		return "", "", err
	}
	if engine, err = token("engine"); err != nil {
		return "", "", err
	}
	var hub struct {
		HubID string `json:"hubId"`
	}
	if err := lc.call(ctx, http.MethodPost, "/hub/api/v1/hubs", portal, map[string]string{"name": "Load", "description": "load"}, http.StatusOK, &hub); err != nil {
		return "", "", err
	}
	integration := func(kind, name, webhook string) (string, error) {
		cfg := map[string]any{"integrationType": kind}
		if webhook != "" {
			cfg["webhookUrl"] = webhook
		}
		var in struct {
			IntegrationID string `json:"integrationId"`
		}
		err := lc.call(ctx, http.MethodPost, "/hub/api/v1/integrations/hubs/"+hub.HubID, portal,
			map[string]any{"channelId": "Direct", "name": name, "configuration": cfg}, http.StatusOK, &in)
		return in.IntegrationID, err
	}
	if customer, err = integration("Customer", "customers", ""); err != nil {
		return "", "", err
	}
	if _, err := integration("Bot", "bot", webhookURL); err != nil {
		return "", "", err
	}
	return engine, customer, nil
}
