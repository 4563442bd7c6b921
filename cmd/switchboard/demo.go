package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

// demoCredentials are what `serve --demo` prints. They are created once and kept in a file beside
// the database (mode 0600), and printed again at every start: a second start on the same
// database reuses them instead of revoking what the first start printed. A credential in the
// file that no longer works (another database, a rotation through the operator API) is replaced,
// and the file rewritten.
type demoCredentials struct {
	TenantID      string        `json:"tenantId"`
	HelpDeskToken string        `json:"helpDeskToken"`
	ClientID      string        `json:"clientId"`
	ClientSecret  string        `json:"clientSecret"`
	DeskToken     string        `json:"deskToken"`
	HubPortal     hubDemoClient `json:"hubPortal"`
	HubEngine     hubDemoClient `json:"hubEngine"`
	AdminToken    string        `json:"adminToken,omitempty"` // only when generated for the demo (no --admin-token)
}

// hubDemoClient is a Hub API client (one per audience and tenant).
type hubDemoClient struct {
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
}

const demoClientName = "demo"

// demoFile is where a database's demo credentials are kept: "<file>.demo-credentials.json" beside
// a SQLite file, ./data/demo-credentials-<hash of the URL>.json for PostgreSQL.
func demoFile(st *store.Store, databaseURL string) string {
	if p := st.SQLitePath(); p != "" {
		return p + ".demo-credentials.json"
	}
	sum := sha256.Sum256([]byte(databaseURL))
	return filepath.Join(filepath.Dir(store.DefaultSQLitePath), "demo-credentials-"+hex.EncodeToString(sum[:4])+".json")
}

// demo makes sure the demo tenant and its credentials exist and work, prints them, and returns
// the operator token's stored hash when the demo owns the operator token (configured == "").
func demo(ctx context.Context, svc *service.Service, hubSvc *hubservice.Service, st *store.Store, c serveConfig, base string, out io.Writer) ([]byte, error) {
	path := demoFile(st, c.databaseURL)
	var creds demoCredentials
	if b, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(b, &creds) // a damaged file is as good as none: everything is checked below
	}
	saved := creds

	t, err := demoTenant(ctx, svc)
	if err != nil {
		return nil, err
	}
	creds.TenantID = t.ID.String()
	if ten, err := svc.AuthenticateHelpDesk(ctx, creds.HelpDeskToken); err != nil || ten.ID != t.ID {
		if creds.HelpDeskToken, _, err = svc.RotateHelpDeskToken(ctx, t.ID); err != nil {
			return nil, err
		}
	}
	if !demoClientWorks(ctx, st, t.ID, creds.ClientID, creds.ClientSecret) {
		client, secret, err := svc.CreateOAuthClient(ctx, t.ID, demoClientName, nil)
		if err != nil {
			return nil, err
		}
		creds.ClientID, creds.ClientSecret = client.ClientID, secret
	}
	desk := deskservice.New(st, svc.Clock, deskservice.Config{})
	if p, err := desk.Authenticate(ctx, creds.DeskToken); err != nil || p.TenantID != t.ID {
		if creds.DeskToken, _, err = desk.IssueToken(ctx, t.ID, demoClientName, uuid.Nil); err != nil {
			return nil, err
		}
	}
	for _, h := range []struct {
		client   *hubDemoClient
		audience string
	}{{&creds.HubPortal, hubservice.AudiencePortal}, {&creds.HubEngine, hubservice.AudienceEngine}} {
		if !hubClientWorks(ctx, st, t.ID, *h.client) {
			issued, secret, err := hubSvc.IssueClient(ctx, t.ID, h.audience)
			if err != nil {
				return nil, err
			}
			*h.client = hubDemoClient{ClientID: issued.ClientID, ClientSecret: secret}
		}
	}
	var adminHash []byte
	if c.adminToken == "" {
		stored, err := st.AdminTokenHash(ctx)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if ok, _ := credential.MatchesOperatorToken(creds.AdminToken, stored); !ok || creds.AdminToken == "" {
			creds.AdminToken = credential.NewAdminToken()
		}
		adminHash = credential.HashOperatorToken(creds.AdminToken)
		if err := st.SetAdminTokenHash(ctx, adminHash); err != nil {
			return nil, err
		}
	} else {
		creds.AdminToken = ""
	}
	if creds != saved {
		if err := writePrivate(path, creds); err != nil {
			return nil, fmt.Errorf("keeping the demo credentials: %w", err)
		}
	}
	printDemo(out, base, path, creds)
	return adminHash, nil
}

// demoTenant returns the tenant with subdomain "demo", creating it on first start.
func demoTenant(ctx context.Context, svc *service.Service) (store.Tenant, error) {
	ts, err := svc.Tenants(ctx)
	if err != nil {
		return store.Tenant{}, err
	}
	for _, x := range ts {
		if x.Subdomain == "demo" {
			return x, nil
		}
	}
	return svc.CreateTenant(ctx, "Demo Company", "demo")
}

func demoClientWorks(ctx context.Context, st *store.Store, tenant uuid.UUID, id, secret string) bool {
	if id == "" {
		return false
	}
	c, err := st.OAuthClientByID(ctx, id)
	return err == nil && c.TenantID == tenant && c.RevokedAt == nil && credential.Matches(secret, c.SecretHash)
}

func hubClientWorks(ctx context.Context, st *store.Store, tenant uuid.UUID, c hubDemoClient) bool {
	if c.ClientID == "" {
		return false
	}
	hc, err := st.HubClientByID(ctx, c.ClientID)
	return err == nil && hc.TenantID == tenant && hc.RevokedAt == nil && credential.Matches(c.ClientSecret, hc.SecretHash)
}

// writePrivate writes v as JSON to path, readable by its owner only, replacing it atomically.
func writePrivate(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// tryItHelpDeskID is the helpDeskId of the printed saveQuestion example: not the README's
// (123456789), so running one never turns the other into a no-op.
const tryItHelpDeskID = "try-it-from-make-run"

func printDemo(out io.Writer, base, path string, c demoCredentials) {
	var b strings.Builder
	fmt.Fprintf(&b, "Demo tenant %s (subdomain \"demo\"). Demo credentials, created once and kept in %s (mode 0600):\n", c.TenantID, path)
	if c.AdminToken != "" {
		fmt.Fprintf(&b, "  Operator API token:           %s\n", c.AdminToken)
	}
	fmt.Fprintf(&b, `  Help Desk API token:          %s
  Messaging API client_id:      %s
  Messaging API client_secret:  %s
  Desk API token:               %s
  Hub API portal client_id:     %s
  Hub API portal client_secret: %s
  Hub API engine client_id:     %s
  Hub API engine client_secret: %s
Try it:
  curl %s/messaging/oauth/token -d grant_type=client_credentials -d client_id=%s -d client_secret=%s
  curl %s/helpdesk/helpDesk/saveQuestion --header ApiToken:%s --data "text=My first question" --data emailAddress=user@example.com --data helpDeskId=%s
  curl %s/desk/v1/endusers --header "Authorization: %s"
  curl %s/hub/connect/token -d grant_type=client_credentials -d client_id=%s --data-urlencode client_secret=%s
`, c.HelpDeskToken, c.ClientID, c.ClientSecret, c.DeskToken,
		c.HubPortal.ClientID, c.HubPortal.ClientSecret, c.HubEngine.ClientID, c.HubEngine.ClientSecret,
		base, c.ClientID, c.ClientSecret, base, c.HelpDeskToken, tryItHelpDeskID, base, c.DeskToken,
		base, c.HubEngine.ClientID, c.HubEngine.ClientSecret)
	io.WriteString(out, b.String())
}
