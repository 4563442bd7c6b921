// Command switchboard is the Switchboard server: one binary serving every API, its docs, and the
// tools around it.
//
//	switchboard serve        run the server (the default command)
//	switchboard migrate      apply database migrations and exit
//	switchboard docs DIR     write the docs site as static files
//	switchboard conformance  check a running server against the specs
//	switchboard load         measure a running server (poll, ask, message, respond) beside a bare chi handler
//	switchboard load-hub     measure a running server's Hub API activity POST and webhook deliveries
//	switchboard bench-compare  measure a server binary beside its ceilings: issue 10's ratio table
//
// Every flag can also be set by an environment variable: --database-url is SWITCHBOARD_DATABASE_URL.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/switchboard-dev/switchboard/server"
	"github.com/switchboard-dev/switchboard/server/credential"
	"github.com/switchboard-dev/switchboard/server/deskservice"
	"github.com/switchboard-dev/switchboard/server/httpkit"
	"github.com/switchboard-dev/switchboard/server/hub"
	"github.com/switchboard-dev/switchboard/server/hubservice"
	"github.com/switchboard-dev/switchboard/server/netguard"
	"github.com/switchboard-dev/switchboard/server/outbox"
	"github.com/switchboard-dev/switchboard/server/service"
	"github.com/switchboard-dev/switchboard/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "switchboard:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	err := runCommand(ctx, args, out)
	if errors.Is(err, flag.ErrHelp) {
		return nil // -h, -help, --help: the usage is printed, and asking for it is no failure
	}
	return err
}

func runCommand(ctx context.Context, args []string, out io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-h" || args[0] == "--help") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, out)
	case "migrate":
		return migrate(ctx, args, out)
	case "docs":
		return writeDocs(args, out)
	case "conformance":
		return runConformance(ctx, args, out)
	case "load":
		return load(ctx, args, out)
	case "load-hub":
		return loadHub(ctx, args, out)
	case "bench-compare":
		return benchCompare(ctx, args, out)
	case "help", "-h", "--help":
		fmt.Fprintln(out, "usage: switchboard [serve|migrate|docs DIR|conformance|load|load-hub|bench-compare] [flags]; see `switchboard serve -h`")
		return nil
	}
	return fmt.Errorf("unknown command %q (serve, migrate, docs, conformance, load, load-hub, bench-compare)", cmd)
}

// newFlags returns a flag set whose flags default to SWITCHBOARD_* environment variables.
func newFlags(name string) *flag.FlagSet {
	return flag.NewFlagSet("switchboard "+name, flag.ContinueOnError)
}

// parse applies the environment (SWITCHBOARD_FLAG_NAME, when not empty) to flags not given on
// the command line.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := "SWITCHBOARD_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := os.Getenv(env); v != "" && !set[f.Name] && err == nil { // empty means unset
			if e := f.Value.Set(v); e != nil {
				err = fmt.Errorf("%s=%q: %w", env, v, e)
			}
		}
	})
	return err
}

type serveConfig struct {
	addr, databaseURL, adminToken, publicDomain, logLevel, clock string
	questionIDStart                                              int64
	demo                                                         bool
	shutdownTimeout, timerInterval                               time.Duration
	deskDownloads                                                bool

	outboundAllow                  string        // CIDRs outbound requests may reach although not public
	deliveryInterval, hubTimeout   time.Duration // outbox poll; Hub API request deadline
	deliveryTimeout, deliveryLease time.Duration // one webhook attempt; a worker's hold on it
	hubRatePerSecond               float64
	hubRateBurst                   int
	pprofAddr                      string // diagnostics listener (net/http/pprof); off when empty
}

// servingGCPercent is the collector's setting while serve runs, unless GOGC is set. The server
// keeps little (a live heap of about 6 MB) and allocates a few KB per request, so at Go's
// default of 100 it collects many times a second under load, each cycle mostly fixed cost. At
// 200: about 10% less server CPU per cached poll (interleaved runs, 64 clients, 2 cores:
// 24.6-29.1 against 29.5-33.1 us per poll) for a peak RSS about 6 MB higher (52 against 46 MB);
// at 400, 85 against 58 MB.
const servingGCPercent = 200

// setServingGC applies servingGCPercent when GOGC is not set (getenv reads the environment).
func setServingGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(servingGCPercent)
	}
}

// While serve starts, the collector runs at GOGC=startupGCPercent (unless GOGC is set higher):
// decoding the specs allocates several times what it keeps. Holding the collector off entirely
// instead made every allocation take fresh memory from the OS, and the page faults cost more
// than the collections saved (A/B on a 2-core AMD EPYC: 0.90 vs 1.00 of the time to /readyz).
const startupGCPercent = 200

// startupGCs counts the serve calls starting in this process (tests run several at once); the
// first changes the collector's setting, the last to finish puts it back.
var startupGCs struct {
	sync.Mutex
	n       int
	percent int
}

// startupGC sets the collector for a start and returns what ends it.
func startupGC() (end func()) {
	startupGCs.Lock()
	defer startupGCs.Unlock()
	if startupGCs.n == 0 {
		startupGCs.percent = debug.SetGCPercent(startupGCPercent)
		if startupGCs.percent < 0 || startupGCs.percent > startupGCPercent {
			debug.SetGCPercent(startupGCs.percent) // GOGC=off or higher: keep it
		}
	}
	startupGCs.n++
	return func() {
		startupGCs.Lock()
		defer startupGCs.Unlock()
		if startupGCs.n--; startupGCs.n == 0 {
			debug.SetGCPercent(startupGCs.percent)
		}
	}
}

func serve(ctx context.Context, args []string, out io.Writer) error {
	var c serveConfig
	fs := newFlags("serve")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&c.databaseURL, "database-url", "", "postgres://… for PostgreSQL; a file path or sqlite:PATH for SQLite (default ./data/switchboard.db)")
	fs.StringVar(&c.adminToken, "admin-token", "", "operator API bearer token, at least 128 bits (make one with: openssl rand -base64 32); default: generated on first start and printed once")
	fs.StringVar(&c.publicDomain, "public-domain", "directly.com", "domain of the public question URLs of the Help Desk API")
	fs.Int64Var(&c.questionIDStart, "question-id-start", 1, "lowest numeric question id of each tenant")
	fs.BoolVar(&c.demo, "demo", false, "create a demo tenant and its credentials on first start (kept in a file beside the database) and print them at every start (never in production)")
	fs.StringVar(&c.logLevel, "log-level", "info", "debug, info, warn or error")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 20*time.Second, "how long in-flight requests may take to finish on SIGTERM")
	fs.StringVar(&c.clock, "clock", service.ClockWall, "wall, or virtual: the operator API sets and advances time (/admin/v1/clock) and due timers run then")
	fs.DurationVar(&c.timerInterval, "timer-interval", time.Second, "how often due timers (timeouts, reroute prompts, offer widening, token expiry) are looked for")
	fs.BoolVar(&c.deskDownloads, "desk-download-attachments", false, "Desk API: download every attachment of a new message (public addresses only, ports 80 and 443) and refuse the message when that fails")
	fs.StringVar(&c.outboundAllow, "outbound-allow", "", "comma-separated IPs or CIDR prefixes that outbound requests (webhooks, Desk attachment downloads) may reach although private, loopback or link-local (e.g. 127.0.0.1/32 for a local receiver), on any port; everything else non-public is refused")
	fs.DurationVar(&c.deliveryInterval, "delivery-interval", time.Second, "how often due webhook deliveries are looked for (new ones go out at once)")
	fs.DurationVar(&c.deliveryTimeout, "delivery-timeout", outbox.AttemptTimeout, "how long one webhook attempt may take")
	fs.DurationVar(&c.deliveryLease, "delivery-lease", outbox.AttemptTimeout+20*time.Second, "how long a worker holds a webhook it attempts; a delivery held by an instance that died is attempted again after it (must exceed --delivery-timeout)")
	fs.DurationVar(&c.hubTimeout, "hub-timeout", hub.DefaultTimeout, "Hub API request deadline; past it the answer is 408")
	fs.Float64Var(&c.hubRatePerSecond, "hub-rate", hub.DefaultRatePerSecond, "Hub API requests per second per API client (negative: no limit)")
	fs.IntVar(&c.hubRateBurst, "hub-burst", hub.DefaultRateBurst, "Hub API burst per API client")
	fs.StringVar(&c.pprofAddr, "pprof", "", "serve Go's profiler (net/http/pprof) on this loopback address, e.g. 127.0.0.1:6060; off by default")
	if err := parse(fs, args); err != nil {
		return err
	}
	outAllow, err := netguard.ParsePrefixes(c.outboundAllow)
	if err != nil {
		return fmt.Errorf("--outbound-allow: %w", err)
	}
	if c.deliveryTimeout <= 0 || c.deliveryLease <= c.deliveryTimeout {
		return fmt.Errorf("--delivery-lease (%s) must exceed --delivery-timeout (%s), which must be positive", c.deliveryLease, c.deliveryTimeout)
	}
	if c.clock != service.ClockWall && c.clock != service.ClockVirtual {
		return fmt.Errorf("--clock=%q: must be wall or virtual", c.clock)
	}
	if c.adminToken != "" {
		if err := credential.CheckOperatorToken(c.adminToken); err != nil {
			return fmt.Errorf("--admin-token: %w", err)
		}
	}
	logger, err := newLogger(c.logLevel)
	if err != nil {
		return err
	}
	slog.SetDefault(logger)

	// Cold start: the APIs' specs are decoded while the database is opened and migrated. The
	// collector runs at servingGCPercent unless GOGC is set; a GOGC below startupGCPercent is
	// raised to it until the server is built (startupGC) and is back before the first request.
	setServingGC(os.Getenv)
	restoreGC := sync.OnceFunc(startupGC())
	defer restoreGC()
	server.PrefetchSpecs()

	st, err := store.Open(ctx, c.databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	release, taken, err := st.ClaimSQLiteFile(ctx)
	if err != nil {
		return err
	}
	defer release()
	if taken {
		fmt.Fprintf(out, "WARNING: another switchboard process is serving %s already. Both would share its data, its demo credentials\n"+
			"and its clock, and SQLite lets only one of them write at a time. Stop the other one, or give this one its own\n"+
			"--database-url (PostgreSQL is the database for several instances).\n", st.SQLitePath())
		logger.Warn("another process is serving this SQLite database", "database", st.SQLitePath())
	}
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if err := st.EnsureQuestionIDStart(ctx, c.questionIDStart); err != nil {
		return err
	}
	svc := service.New(st)
	svc.PublicDomain = c.publicDomain
	if c.clock == service.ClockVirtual {
		if err := svc.UseVirtualClock(ctx); err != nil {
			return err
		}
	}

	worker := outbox.NewWorker(st, svc.Clock, netguard.Policy{Allow: outAllow}.Client(netguard.ClientOptions{Timeout: c.deliveryTimeout}), logger)
	worker.Timeout, worker.Lease = c.deliveryTimeout, c.deliveryLease
	hubSvc := hubservice.New(st, svc.Clock)
	hubSvc.Outbox = worker

	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	var adminHash []byte
	if c.demo {
		adminHash, err = demo(ctx, svc, hubSvc, st, c, base, out)
	}
	if err == nil && adminHash == nil {
		adminHash, err = adminTokenHash(ctx, st, c, out)
	}
	if err != nil {
		ln.Close()
		return err
	}
	srv, err := server.New(server.Config{Service: svc, AdminTokenHash: adminHash, Logger: logger, AuthGuard: httpkit.NewAuthGuard(nil, nil),
		Desk:   deskservice.Config{DownloadAttachments: c.deskDownloads, DownloadAllow: outAllow},
		Outbox: worker, Hub: hubSvc,
		HubConfig: hub.Config{RatePerSecond: c.hubRatePerSecond, RateBurst: c.hubRateBurst, Timeout: c.hubTimeout}})
	restoreGC()
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(out, "Switchboard is listening on %s (%s clock)\n  Messaging API  %s/messaging\n  Help Desk API  %s/helpdesk\n  Desk API       %s/desk\n  Hub API        %s/hub\n  Operator API   %s/admin\n  Docs           %s/docs/\n",
		base, c.clock, base, base, base, base, base, base)

	// Timers run in the background until shutdown begins.
	tctx, stopTimers := context.WithCancel(context.Background())
	timersDone := make(chan struct{})
	go func() { defer close(timersDone); svc.RunTimers(tctx, c.timerInterval) }()
	defer func() { stopTimers(); <-timersDone }()
	// Webhook deliveries too; an attempt in flight at shutdown finishes first (within its timeout).
	deliveriesDone := make(chan struct{})
	go func() { defer close(deliveriesDone); worker.Run(tctx, c.deliveryInterval) }()
	defer func() { stopTimers(); <-deliveriesDone }()

	if c.pprofAddr != "" {
		stopPprof, err := servePprof(c.pprofAddr, logger)
		if err != nil {
			return err
		}
		defer stopPprof()
	}
	hs := &http.Server{Handler: srv, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	srv.Configure(hs)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	// The start's garbage is collected and its memory given back to the OS now, beside the first
	// requests, not at the pace of the background scavenger.
	go debug.FreeOSMemory()
	logger.Info("listening", "addr", ln.Addr().String(), "database", st.Dialect())
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// Stop accepting, let in-flight requests finish, then close the store (deferred).
	logger.Info("shutting down", "timeout", c.shutdownTimeout.String())
	srv.Drain()
	sctx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	logger.Info("stopped")
	return nil
}

// adminTokenHash decides the operator token: the configured one (stored salted, replacing any
// stored), else the stored hash, else a new token printed once.
func adminTokenHash(ctx context.Context, st *store.Store, c serveConfig, out io.Writer) ([]byte, error) {
	h, err := st.AdminTokenHash(ctx)
	if c.adminToken != "" {
		// Stored already (the same token at every start): nothing to write. A write would wait
		// for the disk, on every start.
		if ok, legacy := credential.MatchesOperatorToken(c.adminToken, h); err == nil && ok && !legacy {
			return h, nil
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		h = credential.HashOperatorToken(c.adminToken)
		return h, st.SetAdminTokenHash(ctx, h)
	}
	if err == nil {
		return h, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	token := credential.NewAdminToken()
	h = credential.HashOperatorToken(token)
	if err := st.SetAdminTokenHash(ctx, h); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "Operator API token (shown once, only a salted hash is stored): %s\n", token)
	return h, nil
}

func newLogger(level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}

func migrate(ctx context.Context, args []string, out io.Writer) error {
	fs := newFlags("migrate")
	url := fs.String("database-url", "", "database to migrate (default ./data/switchboard.db)")
	if err := parse(fs, args); err != nil {
		return err
	}
	st, err := store.Open(ctx, *url)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	applied, err := st.Applied(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "%s database is at migration %d: %s\n", st.Dialect(), len(applied), strings.Join(applied, ", "))
	return nil
}

func writeDocs(args []string, out io.Writer) error {
	fs := newFlags("docs")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir := "site"
	if fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	site, err := server.DocsSite()
	if err != nil {
		return err
	}
	if err := site.WriteStatic(dir); err != nil {
		return err
	}
	fmt.Fprintf(out, "docs written to %s/index.html\n", dir)
	return nil
}
