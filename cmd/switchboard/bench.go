package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/switchboard-dev/switchboard/store"
)

// `switchboard bench-compare` reproduces the table of issue 10: a server binary (--bin) started
// as a subprocess on loopback with a fresh database, measured beside its ceilings, which run in
// this process in the same rounds (bare chi answering 304; raw single-row INSERTs into the same
// messages table with the server's driver and settings). Large data sets are seeded in SQL. It
// only speaks the public APIs, the operator API and SQL, so the same harness measures a binary
// built from any commit: run it on the "before" and the "after" binary and compare the tables.
//
// Every throughput figure comes from an in-process Go load generator (net/http, CLIENTS
// keep-alive connections, DURATION per measure); latency figures are sequential calls on one
// keep-alive connection. Each round measures every row once, the ceiling or baseline beside the
// server's figure (their order alternates between rounds); a row's ratio is taken within each
// round and the table gives the median over the rounds.

// benchScale is how large the seeded data sets are.
type benchScale struct {
	name         string
	msgSizes     []int // messages held by the questions that get a message (the last: the list row)
	listSizes    [2]int
	deskHubSizes []int
}

var benchScales = map[string]benchScale{
	"full":  {"full", []int{1_000, 100_000, 1_000_000}, [2]int{1_000, 1_000_000}, []int{10_000, 1_000_000}},
	"quick": {"quick", []int{1_000, 100_000}, [2]int{1_000, 100_000}, []int{10_000, 100_000}},
	"tiny":  {"tiny", []int{100, 1_000}, [2]int{100, 1_000}, []int{100, 1_000}}, // the test's
}

type harness struct {
	bin, dbs, pgURL, out string
	duration             time.Duration
	rounds, clients      int
	samples, coldStarts  int
	scale                benchScale

	admin    string
	command  func(args ...string) *exec.Cmd // runs the server binary with args
	progress io.Writer
}

func benchCompare(ctx context.Context, args []string, out io.Writer) error {
	h := &harness{progress: os.Stderr}
	var scale string
	fs := newFlags("bench-compare")
	fs.StringVar(&h.bin, "bin", "bin/switchboard", "the server binary to measure")
	fs.StringVar(&h.dbs, "db", "both", "sqlite, postgres or both")
	fs.StringVar(&h.pgURL, "postgres-url", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "a PostgreSQL server where a database can be created (and dropped) for each run")
	fs.DurationVar(&h.duration, "duration", 5*time.Second, "how long each throughput measure runs")
	fs.IntVar(&h.rounds, "rounds", 3, "rounds; each gives every ratio once, the table shows the medians")
	fs.IntVar(&h.clients, "clients", 64, "concurrent keep-alive connections of the throughput measures (and goroutines of the INSERT ceilings)")
	fs.IntVar(&h.samples, "samples", 5, "sequential calls per size and round of the latency rows (their median)")
	fs.IntVar(&h.coldStarts, "cold-starts", 10, "starts of the binary for the cold-start rows (their median)")
	fs.StringVar(&scale, "scale", "full", "data set sizes: full (up to 1M rows), quick (up to 100k) or tiny")
	fs.StringVar(&h.out, "out", "", "also write the report to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	var ok bool
	if h.scale, ok = benchScales[scale]; !ok {
		return fmt.Errorf("--scale=%q: full, quick or tiny", scale)
	}
	if h.rounds < 1 || h.clients < 1 || h.samples < 1 || h.duration <= 0 {
		return errors.New("--rounds, --clients, --samples and --duration must be positive")
	}
	if _, err := os.Stat(h.bin); err != nil {
		return fmt.Errorf("--bin: %w", err)
	}
	h.command = func(args ...string) *exec.Cmd { return exec.Command(h.bin, args...) }
	report, err := h.run(ctx)
	if report != "" {
		fmt.Fprint(out, report)
		if h.out != "" {
			if werr := os.WriteFile(h.out, []byte(report), 0o644); werr != nil && err == nil {
				err = werr
			}
		}
	}
	return err
}

func (h *harness) logf(format string, args ...any) {
	fmt.Fprintf(h.progress, "bench-compare: "+format+"\n", args...)
}

// run measures each database in turn and returns the report.
func (h *harness) run(ctx context.Context) (string, error) {
	var dbs []string
	switch h.dbs {
	case "both":
		dbs = []string{"sqlite", "postgres"}
	case "sqlite", "postgres":
		dbs = []string{h.dbs}
	default:
		return "", fmt.Errorf("--db=%q: sqlite, postgres or both", h.dbs)
	}
	h.admin = newAdminToken()
	start, loadStart := time.Now(), loadAverage()
	t := &benchTable{}
	var notes []string
	for _, d := range dbs {
		n, err := h.runDB(ctx, d, t)
		notes = append(notes, n...)
		if err != nil { // the rows measured so far are still reported
			err = fmt.Errorf("%s: %w", d, err)
			return h.report(t, append(notes, "stopped early: "+err.Error()), start, loadStart), err
		}
	}
	return h.report(t, notes, start, loadStart), nil
}

// benchRun is the state of one database's run.
type benchRun struct {
	h      *harness
	db     *benchDB
	srv    *benchServer
	lc     *loadClient // the load tenant; its client holds CLIENTS connections
	t      *benchTable
	label  string // "SQLite" or "PostgreSQL"
	notes  []string
	ceilQs []string // one question per ceiling goroutine

	msgQs       map[int]string // messages held → question; 0 is the small question
	msgTemplate map[int]string // → the message the seed copies
	list        [2]listTenant
	deskToken   string
	deskConvs   map[int]int64 // messages held → conversation; 0 is the small one
	deskTmpl    map[int]string
	engine      string
	hubConvs    map[int]string
	hubLast     map[int]int64 // → the last eventId posted
}

type listTenant struct{ tenant, token, question, firstMessage string }

func (h *harness) runDB(ctx context.Context, dialect string, t *benchTable) (notes []string, err error) {
	r := &benchRun{h: h, t: t, label: map[string]string{"sqlite": "SQLite", "postgres": "PostgreSQL"}[dialect],
		msgQs: map[int]string{}, msgTemplate: map[int]string{}, deskConvs: map[int]int64{}, deskTmpl: map[int]string{},
		hubConvs: map[int]string{}, hubLast: map[int]int64{}}
	if r.db, err = newBenchDB(ctx, dialect, h.pgURL); err != nil {
		return nil, err
	}
	defer func() {
		if r.srv != nil {
			r.srv.stop()
		}
		if derr := r.db.drop(); derr != nil && err == nil {
			err = derr
		}
	}()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: h.clients * 2, MaxIdleConnsPerHost: h.clients * 2}, Timeout: 5 * time.Minute}
	r.lc = &loadClient{hc: hc, admin: h.admin}
	if err := r.restart(ctx); err != nil {
		return nil, err
	}
	h.logf("%s: setting up through the API", r.label)
	if err := r.setup(ctx); err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	r.srv.stop()
	r.srv = nil
	took, err := timeIt(func() error { return r.seed(ctx) })
	if err != nil {
		return nil, err
	}
	r.notes = append(r.notes, fmt.Sprintf("%s: seeding took %s.", r.label, took.Round(100*time.Millisecond)))
	if err := r.restart(ctx); err != nil {
		return nil, err
	}
	if err := r.verify(ctx); err != nil {
		return r.notes, err
	}
	for round := range h.rounds {
		h.logf("%s: round %d of %d", r.label, round+1, h.rounds)
		if err := r.round(ctx, round); err != nil {
			return r.notes, fmt.Errorf("round %d: %w", round+1, err)
		}
	}
	h.logf("%s: cold starts", r.label)
	if err := r.coldStarts(ctx); err != nil {
		return r.notes, err
	}
	return r.notes, nil
}

// restart (re)starts the server on the run's database and points the clients at it.
func (r *benchRun) restart(ctx context.Context) error {
	if r.srv != nil {
		r.srv.stop()
		r.srv = nil
	}
	r.lc.hc.CloseIdleConnections()
	srv, _, err := r.h.startServer(ctx, r.db)
	if err != nil {
		return err
	}
	r.srv, r.lc.base = srv, srv.base
	return nil
}

// setup creates, through the API, everything the rows use and the templates the seed copies.
func (r *benchRun) setup(ctx context.Context) error {
	lc := r.lc
	if err := lc.setup(ctx); err != nil { // the load tenant, its token, an expert, the polled question
		return err
	}
	for w := range r.h.clients {
		q, err := lc.ask(ctx, fmt.Sprintf("ceiling question %d", w))
		if err != nil {
			return err
		}
		r.ceilQs = append(r.ceilQs, q)
	}
	for _, n := range append([]int{0}, r.h.scale.msgSizes...) {
		q, err := lc.ask(ctx, fmt.Sprintf("a question holding %d messages", n))
		if err != nil {
			return err
		}
		var m struct{ Data struct{ UUID string } }
		if err := lc.call(ctx, http.MethodPost, "/messaging/v1/messages", lc.token, map[string]string{"questionUuid": q, "body": "the seed's template"}, http.StatusCreated, &m); err != nil {
			return err
		}
		r.msgQs[n], r.msgTemplate[n] = q, m.Data.UUID
	}
	for i := range r.list {
		tenant, token, err := lc.messagingTenant(ctx, fmt.Sprintf("list-%d", r.h.scale.listSizes[i]))
		if err != nil {
			return err
		}
		var q struct {
			Data struct {
				UUID         string
				Conversation struct{ Messages []struct{ UUID string } }
			}
		}
		if err := lc.call(ctx, http.MethodPost, "/messaging/v1/questions", token, map[string]string{"text": "the list's template question"}, http.StatusCreated, &q); err != nil {
			return err
		}
		if len(q.Data.Conversation.Messages) == 0 {
			return errors.New("an asked question has no message to copy")
		}
		r.list[i] = listTenant{tenant, token, q.Data.UUID, q.Data.Conversation.Messages[0].UUID}
	}
	return r.setupDeskHub(ctx)
}

func (r *benchRun) setupDeskHub(ctx context.Context) error {
	lc := r.lc
	var tok struct{ Token string }
	if err := lc.call(ctx, http.MethodPost, "/admin/v1/tenants/"+lc.tenant+"/desk/tokens", lc.admin, map[string]string{"name": "bench"}, http.StatusCreated, &tok); err != nil {
		return err
	}
	r.deskToken = tok.Token
	var user struct{ Data struct{ ID string } }
	if err := lc.call(ctx, http.MethodPost, "/desk/v1/endusers", r.deskToken, map[string]string{"displayName": "Bench User", "email": "bench@example.org"}, http.StatusCreated, &user); err != nil {
		return err
	}
	engine, customer, err := lc.hubSetup(ctx, "")
	if err != nil {
		return err
	}
	r.engine = engine
	for _, n := range append([]int{0}, r.h.scale.deskHubSizes...) {
		var conv struct{ Data struct{ ID int64 } }
		body := map[string]any{"requesterId": user.Data.ID, "emailIntegrationId": "support@acme.email.dixa.io", "subject": fmt.Sprintf("holding %d", n),
			"message": map[string]any{"content": map[string]string{"value": "first", "_type": "Text"}, "_type": "Inbound"}, "_type": "Email"}
		if err := lc.call(ctx, http.MethodPost, "/desk/v1/conversations", r.deskToken, body, http.StatusCreated, &conv); err != nil {
			return err
		}
		r.deskConvs[n] = conv.Data.ID
		id, err := r.deskAdd(ctx, n)
		if err != nil {
			return err
		}
		r.deskTmpl[n] = id
		var hc struct {
			ConversationID string `json:"conversationId"`
		}
		est := map[string]any{"integrationId": customer, "binding": fmt.Sprintf("bench-%d", n), "channelType": "Direct"}
		if err := lc.call(ctx, http.MethodPost, "/hub/api/v1/conversations/establish", engine, est, http.StatusOK, &hc); err != nil {
			return err
		}
		r.hubConvs[n] = hc.ConversationID
		if err := r.hubAdd(ctx, n); err != nil {
			return err
		}
	}
	return nil
}

func (r *benchRun) deskAdd(ctx context.Context, n int) (string, error) {
	var m struct{ Data struct{ MessageID string } }
	body := map[string]any{"content": map[string]string{"value": "I need some help!", "_type": "Text"}, "_type": "Inbound"}
	err := r.lc.call(ctx, http.MethodPost, fmt.Sprintf("/desk/v1/conversations/%d/messages", r.deskConvs[n]), r.deskToken, body, http.StatusOK, &m)
	return m.Data.MessageID, err
}

func (r *benchRun) hubAdd(ctx context.Context, n int) error {
	var a struct{ EventID int64 }
	body := map[string]any{"type": "message", "message": map[string]string{"type": "text", "text": "Hi there!"}}
	err := r.lc.call(ctx, http.MethodPost, "/hub/inbound/customer/v1/direct/activity/"+r.hubConvs[n], r.engine, body, http.StatusOK, &a)
	r.hubLast[n] = a.EventID
	return err
}

// seed fills the database (the server stopped) with the large data sets.
func (r *benchRun) seed(ctx context.Context) error {
	db, err := r.db.open(1)
	if err != nil {
		return err
	}
	defer db.Close()
	s := seeder{db: db, dialect: r.db.dialect}
	step := func(what string, n int, f func() error) error {
		r.h.logf("%s: seeding %d %s", r.label, n, what)
		return f()
	}
	for _, n := range r.h.scale.msgSizes {
		// The question holds the asker's system message, the template and n-2 copies: n.
		if err := step("messages into one question", n, func() error { return s.messages(ctx, r.lc.tenant, r.msgTemplate[n], n-2) }); err != nil {
			return err
		}
	}
	for i, l := range r.list {
		n := r.h.scale.listSizes[i]
		if err := step("questions (and their first messages) into one tenant", n, func() error {
			return s.questions(ctx, l.tenant, l.question, l.firstMessage, n-1, int64(i+1)*100_000_000)
		}); err != nil {
			return err
		}
	}
	for _, n := range r.h.scale.deskHubSizes {
		if err := step("Desk messages into one conversation", n, func() error {
			return s.deskMessages(ctx, r.lc.tenant, r.deskConvs[n], r.deskTmpl[n], n-2)
		}); err != nil {
			return err
		}
		if err := step("Hub activities into one conversation", n, func() error {
			return s.hubActivities(ctx, r.hubConvs[n], r.hubLast[n], n-1)
		}); err != nil {
			return err
		}
	}
	return s.settle(ctx)
}

// verify checks, through the API, that the server sees the seeded rows as it sees rows it
// wrote: the totals it reports and the lengths of the lists. A difference (say, a count kept
// by the server's code rather than by a trigger, which the seed does not update) is reported in
// the notes: the rows that depend on it measure something else than they say.
func (r *benchRun) verify(ctx context.Context) error {
	lc, sc := r.lc, r.h.scale
	var diffs []string
	for i, l := range r.list {
		var page struct {
			Meta struct{ Pagination struct{ Total int } }
		}
		if err := lc.call(ctx, http.MethodGet, "/messaging/v1/questions?pageSize=1", l.token, nil, http.StatusOK, &page); err != nil {
			return fmt.Errorf("verify: %w", err)
		}
		if got, want := page.Meta.Pagination.Total, sc.listSizes[i]; got != want {
			diffs = append(diffs, fmt.Sprintf("the list of the tenant seeded with %d questions says total %d", want, got))
		}
	}
	n := sc.msgSizes[0]
	var msgs struct{ Data []struct{} }
	if err := lc.call(ctx, http.MethodGet, "/messaging/v1/messages?questionUuid="+r.msgQs[n], lc.token, nil, http.StatusOK, &msgs); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if len(msgs.Data) != n {
		diffs = append(diffs, fmt.Sprintf("the question seeded to %d messages lists %d", n, len(msgs.Data)))
	}
	n = sc.deskHubSizes[0]
	if err := lc.call(ctx, http.MethodGet, fmt.Sprintf("/desk/v1/conversations/%d/messages", r.deskConvs[n]), r.deskToken, nil, http.StatusOK, &msgs); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if len(msgs.Data) != n {
		diffs = append(diffs, fmt.Sprintf("the Desk conversation seeded to %d messages lists %d", n, len(msgs.Data)))
	}
	var acts []struct{}
	if err := lc.call(ctx, http.MethodGet, fmt.Sprintf("/hub/api/v1/interactions/activities/%s?type=Customer&leid=0", r.hubConvs[n]), r.engine, nil, http.StatusOK, &acts); err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	if want := min(n, 500); len(acts) != want {
		diffs = append(diffs, fmt.Sprintf("the Hub conversation seeded to %d activities lists %d of them after leid=0, not %d", n, len(acts), want))
	}
	if len(diffs) > 0 {
		r.notes = append(r.notes, fmt.Sprintf("%s: the server does not see the seeded data as seeded: %s.", r.label, strings.Join(diffs, "; ")))
	}
	return nil
}

// round measures every row once.
func (r *benchRun) round(ctx context.Context, round int) error {
	if err := r.throughput(ctx, round); err != nil {
		return err
	}
	if err := r.latencies(ctx); err != nil {
		return err
	}
	return r.memory(ctx)
}

// throughput: poll → 304 beside bare chi; ask and add message beside raw INSERTs.
func (r *benchRun) throughput(ctx context.Context, round int) error {
	h, lc := r.h, r.lc
	bare, stop, err := bareServer()
	if err != nil {
		return err
	}
	defer stop()
	ops := map[string]func(ctx context.Context, w, i int) error{}
	for _, op := range []string{"bare", "poll", "ask"} {
		if ops[op], err = lc.loadOp(op, h.clients, bare); err != nil {
			return err
		}
	}
	// add message: each client writes into a question of its own, asked before the measure (not
	// during it, as `switchboard load` does every 50 messages, which would count asks in the
	// message rate); each grows by about rate × duration / clients messages during the measure.
	own := make([]string, h.clients)
	for w := range own {
		if own[w], err = lc.ask(ctx, fmt.Sprintf("add-message load %d-%d", round, w)); err != nil {
			return err
		}
	}
	ops["message"] = func(ctx context.Context, w, i int) error {
		body := fmt.Sprintf(`{"questionUuid":%q,"body":"message %d-%d"}`, own[w], w, i)
		return lc.expect(ctx, http.MethodPost, lc.base+"/messaging/v1/messages", lc.token, []byte(body), http.StatusCreated)
	}
	ceil, err := r.newCeiling()
	if err != nil {
		return err
	}
	defer ceil.db.Close()
	ops["ceiling"] = ceil.insert
	writes := []string{"ceiling", "ask", "message"}
	if r.db.dialect == "postgres" {
		ops["floor"], ops["askfloor"] = ceil.addMessageSQL, ceil.askSQL
		ops["messagewrites"], ops["askwrites"] = ceil.addMessageWrites, ceil.askWrites
		writes = append(writes, "floor", "askfloor", "messagewrites", "askwrites")
	}

	results := map[string]loadResult{}
	cpu := map[string]string{}
	measure := func(names ...string) {
		if round%2 == 1 {
			slices.Reverse(names)
		}
		for _, name := range names {
			c0 := r.cpuNow()
			results[name] = runLoad(ctx, h.clients, h.duration, ops[name])
			cpu[name] = cpuPerRequest(c0, r.cpuNow(), results[name].n, r.db.dialect)
		}
	}
	measure("bare", "poll")
	measure(writes...)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if r.db.dialect == "postgres" {
		r.notes = append(r.notes,
			floorNote(r.label, round, h.clients, "add message's own SQL", "SELECT … FOR UPDATE the question; INSERT the message; UPDATE its last_updated",
				"add message", results["floor"], results["ceiling"], cpu["floor"]),
			floorNote(r.label, round, h.clients, "ask's own SQL", "INSERT the question; INSERT its system message",
				"ask", results["askfloor"], results["ceiling"], cpu["askfloor"]),
			floorNote(r.label, round, h.clients, "every row an add message stores", "SELECT … FOR UPDATE the question; INSERT the message; UPDATE its last_updated; INSERT its event; upsert its timer",
				"add message storing them", results["messagewrites"], results["ceiling"], cpu["messagewrites"]),
			floorNote(r.label, round, h.clients, "every row an ask stores", "INSERT the question; INSERT its system message; INSERT its event; upsert its two timers; INSERT its offer",
				"ask storing them", results["askwrites"], results["ceiling"], cpu["askwrites"]))
	}
	r.notes = append(r.notes, fmt.Sprintf("%s, round %d, CPU per request (Linux /proc; the harness is the load generator, and runs the ceilings' INSERTs itself; steal: the share of the machine's CPU time its host took during the measure): "+
		"bare chi: %s; poll: %s; raw INSERT ceiling: %s; ask: %s; add message: %s.",
		r.label, round+1, cpu["bare"], cpu["poll"], cpu["ceiling"], cpu["ask"], cpu["message"]))
	goals := map[string][2]float64{ // SQLite's, PostgreSQL's
		"poll": {0.6, 0.5}, "ask": {0.5, 0.3}, "message": {0.7, 0.4},
	}
	gi := 0
	if r.db.dialect == "postgres" {
		gi = 1
	}
	ceilName := fmt.Sprintf("raw single-row INSERT %s into messages, %d goroutines", map[bool]string{true: "transactions", false: "statements"}[gi == 0], h.clients)
	if gi == 1 {
		ceilName += fmt.Sprintf(", pool of %d", benchPGPool)
	}
	for _, row := range []struct {
		op, path, base string
		p99            time.Duration
	}{
		{"poll", "poll → 304", "bare", 0},
		{"ask", "ask", "ceiling", 50 * time.Millisecond},
		{"message", "add message", "ceiling", 50 * time.Millisecond},
	} {
		sb, base := results[row.op], results[row.base]
		baseName := "bare chi answering 304"
		if row.base == "ceiling" {
			baseName = ceilName
		}
		r.t.add(r.label, row.path, rowSpec{kind: rowThroughput, goalRatio: goals[row.op][gi], goalP99: row.p99, baseName: baseName},
			benchObs{sb: rate(sb), base: rate(base), p50: percentile(sb.lat, 0.5), p99: percentile(sb.lat, 0.99),
				baseP50: percentile(base.lat, 0.5), baseP99: percentile(base.lat, 0.99),
				errs: sb.errors, baseErrs: base.errors, firstErr: sb.firstErr, baseFirstErr: base.firstErr})
	}
	return nil
}

func rate(r loadResult) float64 { return float64(r.n) / r.elapsed.Seconds() }

// benchCeiling is the raw INSERT ceiling: single-row INSERTs into messages, one question per
// goroutine (so that nothing per question, like a counter row, is shared between them), with the
// server's driver, settings and pool. On SQLite each is its own transaction (BEGIN IMMEDIATE …
// COMMIT) and, as in the store, one process-side gate admits one write transaction at a time
// (SQLite has one writer; its busy handler would only add sleeps). Message ids are made as the
// server makes them (store.NewID, time-ordered), so the ceiling's index inserts are the server's.
type benchCeiling struct {
	db      *sql.DB
	dialect string
	tenant  string
	qs      []string
	gate    chan struct{}
	numbers string // the load tenant's sequence of question numbers (PostgreSQL)
	expert  string // the load tenant's expert, whom the asks' floors offer their questions
}

func (r *benchRun) newCeiling() (*benchCeiling, error) {
	pool := benchPGPool
	if r.db.dialect == "sqlite" {
		pool = max(8, runtime.GOMAXPROCS(0)) // the store's pool
	}
	db, err := r.db.open(pool)
	if err != nil {
		return nil, err
	}
	// Open the whole pool before measuring, as the server's is open by then.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conns := make([]*sql.Conn, 0, pool)
	for range pool {
		c, err := db.Conn(ctx)
		if err == nil {
			err = c.PingContext(ctx)
		}
		if err != nil {
			db.Close()
			return nil, err
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	c := &benchCeiling{db: db, dialect: r.db.dialect, tenant: r.lc.tenant, qs: r.ceilQs, expert: r.lc.expert}
	if t, err := uuid.Parse(c.tenant); err == nil {
		c.numbers = store.QuestionNumberSequence(t)
	}
	if c.dialect == "sqlite" {
		c.gate = make(chan struct{}, 1)
	}
	return c, nil
}

func (c *benchCeiling) insert(ctx context.Context, w, _ int) error {
	const cols = "INSERT INTO messages (tenant_id, uuid, question_uuid, type, author_type, author_name, body, is_read, created_at) VALUES "
	now := time.Now().UTC().Truncate(time.Microsecond)
	if c.dialect == "postgres" {
		_, err := c.db.ExecContext(ctx, cols+"($1, $2, $3, $4, $5, $6, $7, $8, $9)",
			c.tenant, store.NewID().String(), c.qs[w%len(c.qs)], "USER_MESSAGE", "USER", "Bench", "a ceiling message", false, now)
		return err
	}
	select {
	case c.gate <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.gate }()
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, cols+"(?, ?, ?, ?, ?, ?, ?, ?, ?)",
		c.tenant, store.NewID().String(), c.qs[w%len(c.qs)], "USER_MESSAGE", "USER", "Bench", "a ceiling message", false,
		now.Format("2006-01-02 15:04:05.999999-07:00")); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// addMessageSQL is the least SQL an add message must run on PostgreSQL, as one transaction on
// the ceiling's connections, in one round trip: one query of several statements (simple query
// protocol, values inlined: UUIDs and constants), which PostgreSQL runs as one implicit
// transaction (an explicit BEGIN … COMMIT in it would leave the connection in a failed
// transaction block, back in the pool, after an error or a cancel at the end of a measure): lock the question, insert the message, move the question's last_updated (which
// fires what an add message fires). The server needs more round trips (its reads of the working
// set come back before it writes) and more statements. It is what the schema and the database
// leave for add message, with no HTTP, JSON, validation, authentication or rules. (Not measured on
// SQLite: there the server's group commit shares one fsync among many add messages, which one
// transaction at a time would not.)
func (c *benchCeiling) addMessageSQL(ctx context.Context, w, _ int) error {
	return c.addMessage(ctx, w, "")
}

// addMessage runs addMessageSQL's statements on goroutine w's question and then more, in one
// query. more's verbs name the tenant (1), the question (2), the time (4) and a time an hour
// later (5), for its timer (see ask).
func (c *benchCeiling) addMessage(ctx context.Context, w int, more string) error {
	q := c.qs[w%len(c.qs)]
	ts, later := floorTimes()
	_, err := c.db.ExecContext(ctx, fmt.Sprintf(`SELECT id FROM questions WHERE tenant_id = '%[1]s' AND uuid = '%[2]s' FOR UPDATE;
INSERT INTO messages (tenant_id, uuid, question_uuid, type, author_type, author_name, body, is_read, created_at)
	VALUES ('%[1]s', '%[3]s', '%[2]s', 'USER_MESSAGE', 'USER', 'Bench', 'a floor message', FALSE, '%[4]s');
UPDATE questions SET last_updated = '%[4]s' WHERE tenant_id = '%[1]s' AND uuid = '%[2]s'`+more, c.tenant, q, store.NewID().String(), ts, later))
	return err
}

// askSQL is the least SQL an ask must run on PostgreSQL, run as addMessageSQL is: insert the
// question (its id and number from the sequences the server uses; its indexes, triggers and
// counters all fire) and the system message every new question gets, in one transaction. The
// server also writes the question's event, timers and routing offers, and reads the experts to
// rank them.
func (c *benchCeiling) askSQL(ctx context.Context, _, _ int) error { return c.ask(ctx, "") }

// askWrites is every row an ask stores on PostgreSQL, run as askSQL is: askSQL's question and
// system message, and the question's event (webhooks are sent from it), its two timers (the
// unanswered timeout and the reroute prompt) and its offer to the tenant's expert (routing). It
// leaves out the ranking's reads, which the server makes before its transaction. No ask that
// stores what the server's asks store can go faster than this on the same database.
func (c *benchCeiling) askWrites(ctx context.Context, _, _ int) error {
	return c.ask(ctx, `;
INSERT INTO events (tenant_id, type, question_uuid, data, created_at) VALUES ('%[1]s', 'QUESTION_CREATED', '%[2]s', '{}', '%[4]s');
INSERT INTO jobs (tenant_id, kind, subject, due_at, created_at) VALUES ('%[1]s', 'unanswered_timeout', '%[2]s', '%[7]s', '%[4]s'), ('%[1]s', 'reroute_prompt', '%[2]s', '%[7]s', '%[4]s')
	ON CONFLICT (tenant_id, kind, subject) DO UPDATE SET due_at = EXCLUDED.due_at;
INSERT INTO offers (tenant_id, question_uuid, expert_uuid, tier, rank, score, breakdown, offered_at)
	VALUES ('%[1]s', '%[2]s', '%[6]s', 0, 1, 0.5, '{}', '%[4]s')`)
}

// ask runs askSQL's statements and then more, in one query. more's verbs name the tenant (1),
// the question (2), the time (4), the expert (6) and a time an hour later (7), when its timers
// fall due: after the measure, as the server's do (a timer due at once would have the server's
// timer worker act on the question during the measures, and lock it against the floor).
func (c *benchCeiling) ask(ctx context.Context, more string) error {
	q := store.NewID().String()
	ts, later := floorTimes()
	_, err := c.db.ExecContext(ctx, fmt.Sprintf(`INSERT INTO questions (id, tenant_id, uuid, number, channel, help_desk_id, subject, "text", language, author_name,
		author_email, author_ref_id, category, elite_only, metadata, status, rerouted_by, reroute_reason, created_at, last_updated)
	VALUES (nextval('question_id_seq'), '%[1]s', '%[2]s', nextval('%[5]s'), 'messaging', '', 'a floor question', 'a floor question', 'en', 'Bench',
		'', '', '', FALSE, '{}', 'UNRESOLVED', '', '', '%[4]s', '%[4]s');
INSERT INTO messages (tenant_id, uuid, question_uuid, type, author_type, author_name, body, is_read, created_at)
	VALUES ('%[1]s', '%[3]s', '%[2]s', 'NOTIFYING_EXPERTS_SYSTEM_MESSAGE', 'SYSTEM', 'System', 'We are notifying our experts about your question.', TRUE, '%[4]s')`+more,
		c.tenant, q, store.NewID().String(), ts, c.numbers, c.expert, later))
	return err
}

// addMessageWrites is every row an add message stores on PostgreSQL, run as addMessageSQL is:
// addMessageSQL's lock of the question, message and last_updated, and the question's event and
// its reroute timer. (Without the lock, two goroutines writing into one question deadlock.) It
// leaves out the other reads the server makes first (the question's responses and its working
// set). No add message that stores what the server's store can go faster than this here.
func (c *benchCeiling) addMessageWrites(ctx context.Context, w, _ int) error {
	return c.addMessage(ctx, w, `;
INSERT INTO events (tenant_id, type, question_uuid, data, created_at) VALUES ('%[1]s', 'QUESTION_MESSAGE_FROM_USER', '%[2]s', '{}', '%[4]s');
INSERT INTO jobs (tenant_id, kind, subject, due_at, created_at) VALUES ('%[1]s', 'reroute_prompt', '%[2]s', '%[5]s', '%[4]s')
	ON CONFLICT (tenant_id, kind, subject) DO UPDATE SET due_at = EXCLUDED.due_at`)
}

// floorTimes are the floors' timestamps: now, and an hour later.
func floorTimes() (now, later string) {
	const layout = "2006-01-02 15:04:05.999999Z07:00"
	t := time.Now().UTC().Truncate(time.Microsecond)
	return t.Format(layout), t.Add(time.Hour).Format(layout)
}

// floorNote reports a floor of a round beside its ceiling: what runs (e.g. "add message's own
// SQL"), how (the statements it runs) and whom it bounds (e.g. "add message").
func floorNote(label string, round, clients int, what, how, bounds string, f, c loadResult, cpu string) string {
	if f.errors > 0 || rate(c) == 0 {
		return fmt.Sprintf("%s, round %d: %s failed: %v", label, round+1, what, f.firstErr)
	}
	return fmt.Sprintf("%s, round %d, %s without the server (the harness runs %s as one transaction in one round trip, %d goroutines on the ceiling's pool): "+
		"%.0f/s, %.2f× the raw INSERT ceiling's %.0f/s, p50 %s, p99 %s; CPU per transaction: %s. No %s goes faster here.",
		label, round+1, what, how, clients, rate(f), rate(f)/rate(c), rate(c),
		ms(percentile(f.lat, 0.5).Seconds()), ms(percentile(f.lat, 0.99).Seconds()), cpu, bounds)
}

// sequential times calls of each size's f in turn, samples times over, and returns each size's
// median, or its first failure (after which that size is not called again: the failure is the
// row's result, the other sizes go on).
func (r *benchRun) sequential(ctx context.Context, sizes []int, f func(ctx context.Context, n int) error) (map[int]benchObs, error) {
	failed := map[int]error{}
	call := func(n int) (time.Duration, bool) {
		if failed[n] != nil {
			return 0, false
		}
		d, err := timeIt(func() error { return f(ctx, n) })
		if err != nil {
			failed[n] = fmt.Errorf("after %s: %w", ms(d.Seconds()), err)
		}
		return d, err == nil
	}
	for _, n := range sizes { // one untimed call each: connections and caches warm
		call(n)
	}
	lat := map[int][]time.Duration{}
	for range r.h.samples {
		for _, n := range sizes {
			if d, ok := call(n); ok {
				lat[n] = append(lat[n], d)
			}
		}
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	med := map[int]benchObs{}
	for _, n := range sizes {
		l := lat[n]
		slices.Sort(l)
		o := benchObs{failed: failed[n]}
		if len(l) > 0 {
			o.sb = l[len(l)/2].Seconds()
		}
		med[n] = o
	}
	return med, nil
}

// latObs is a latency row's observation: big beside small.
func latObs(big, small benchObs) benchObs {
	big.base = small.sb
	if big.failed == nil {
		big.failed = small.failed
	}
	return big
}

// latencies: the calls whose cost must not grow with what is stored, beside the same call on a
// small data set.
func (r *benchRun) latencies(ctx context.Context) error {
	lc, sc := r.lc, r.h.scale
	// Messaging: add a message to a question holding n messages.
	med, err := r.sequential(ctx, append([]int{0}, sc.msgSizes...), func(ctx context.Context, n int) error {
		body := fmt.Sprintf(`{"questionUuid":%q,"body":"one more message"}`, r.msgQs[n])
		return lc.expect(ctx, http.MethodPost, lc.base+"/messaging/v1/messages", lc.token, []byte(body), http.StatusCreated)
	})
	if err != nil {
		return fmt.Errorf("add message: %w", err)
	}
	for _, n := range sc.msgSizes {
		r.t.add(r.label, fmt.Sprintf("add message to a question holding %s messages", count(n)),
			rowSpec{kind: rowLatency, goalRatio: 1.5, baseName: "the same call on a small question (≈3 messages)"},
			latObs(med[n], med[0]))
	}

	// Messaging: list questions, first and a deep (the middle) page, big tenant beside small.
	const pageSize = 20
	deep := func(i int) int { return max(1, r.h.scale.listSizes[i]/2/pageSize) }
	for _, page := range []string{"first", "deep"} {
		med, err := r.sequential(ctx, []int{0, 1}, func(ctx context.Context, i int) error {
			p := 1
			if page == "deep" {
				p = deep(i)
			}
			return lc.expect(ctx, http.MethodGet, fmt.Sprintf("%s/messaging/v1/questions?page=%d&pageSize=%d", lc.base, p, pageSize), r.list[i].token, nil, http.StatusOK)
		})
		if err != nil {
			return fmt.Errorf("list questions: %w", err)
		}
		path, base, goal := "list questions, first page, %s questions stored", "the same call with %s stored", 2.0
		if page == "deep" {
			path = fmt.Sprintf("list questions, deep page (page %d, pageSize %d: the middle), %%s questions stored", deep(1), pageSize)
			base = fmt.Sprintf("the middle page (%d) with %%s stored", deep(0))
			goal = 3
		}
		r.t.add(r.label, fmt.Sprintf(path, count(sc.listSizes[1])), rowSpec{kind: rowLatency, goalRatio: goal, baseName: fmt.Sprintf(base, count(sc.listSizes[0]))},
			latObs(med[1], med[0]))
	}

	// Desk: add a message to a conversation holding n messages.
	sizes := append([]int{0}, sc.deskHubSizes...)
	med, err = r.sequential(ctx, sizes, func(ctx context.Context, n int) error { _, err := r.deskAdd(ctx, n); return err })
	if err != nil {
		return fmt.Errorf("desk add message: %w", err)
	}
	for _, n := range sc.deskHubSizes {
		r.t.add(r.label, fmt.Sprintf("Desk: add message to a conversation holding %s", count(n)),
			rowSpec{kind: rowLatency, goalRatio: 1.5, baseName: "the same call on a small conversation (≈3 messages)"},
			latObs(med[n], med[0]))
	}

	// Hub: post an activity into a conversation holding n; list the newest (after the last
	// eventId seen: what a polling integration asks) and the first page (leid=0, up to 500).
	med, err = r.sequential(ctx, sizes, r.hubAdd)
	if err != nil {
		return fmt.Errorf("hub post activity: %w", err)
	}
	for _, n := range sc.deskHubSizes {
		r.t.add(r.label, fmt.Sprintf("Hub: post an activity to a conversation holding %s", count(n)),
			rowSpec{kind: rowLatency, goalRatio: 1.5, baseName: "the same call on a small conversation (≈2 activities)"},
			latObs(med[n], med[0]))
	}
	hubList := func(ctx context.Context, n int, leid int64) error {
		return lc.expect(ctx, http.MethodGet, fmt.Sprintf("%s/hub/api/v1/interactions/activities/%s?type=Customer&leid=%d", lc.base, r.hubConvs[n], leid), r.engine, nil, http.StatusOK)
	}
	med, err = r.sequential(ctx, sizes, func(ctx context.Context, n int) error { return hubList(ctx, n, r.hubLast[n]-1) })
	if err != nil {
		return fmt.Errorf("hub list: %w", err)
	}
	for _, n := range sc.deskHubSizes {
		r.t.add(r.label, fmt.Sprintf("Hub: list the newest activity (leid = last − 1) of a conversation holding %s", count(n)),
			rowSpec{kind: rowLatency, goalRatio: 1.5, baseName: "the same call on a small conversation"},
			latObs(med[n], med[0]))
	}
	small, big := sc.deskHubSizes[0], sc.deskHubSizes[len(sc.deskHubSizes)-1]
	med, err = r.sequential(ctx, []int{small, big}, func(ctx context.Context, n int) error { return hubList(ctx, n, 0) })
	if err != nil {
		return fmt.Errorf("hub list: %w", err)
	}
	r.t.add(r.label, fmt.Sprintf("Hub: list the first page (leid=0, 500 activities) of a conversation holding %s", count(big)),
		rowSpec{kind: rowLatency, goalRatio: 1.5, baseName: fmt.Sprintf("the same call holding %s", count(small))},
		latObs(med[big], med[small]))
	return nil
}

// memory: the unbounded lists (every message of a question; every message of a Desk
// conversation), their wall time and the server's peak RSS, each on a freshly started server
// (so no earlier call's heap is counted), the small list first.
func (r *benchRun) memory(ctx context.Context) error {
	sc := r.h.scale
	type list struct {
		n   int
		get func(ctx context.Context) (int64, error)
	}
	measure := func(lists []list) ([]benchObs, error) {
		if err := r.restart(ctx); err != nil {
			return nil, err
		}
		var out []benchObs
		for _, l := range lists {
			if !r.srv.resetPeakRSS() {
				r.notes = append(r.notes, "peak RSS could not be reset (/proc/<pid>/clear_refs): it is the process's peak since its start")
			}
			var size int64
			d, err := timeIt(func() error { var err error; size, err = l.get(ctx); return err })
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			_, peak := r.srv.rss()
			// A failure (the server's write timeout cutting a list that takes too long) is a
			// result of the row, not the end of the run.
			out = append(out, benchObs{sb: d.Seconds(), rss: peak, bytes: size, failed: err})
		}
		return out, nil
	}
	get := func(u, bearer string) func(ctx context.Context) (int64, error) {
		return func(ctx context.Context) (int64, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.lc.base+u, nil)
			if err != nil {
				return 0, err
			}
			req.Header.Set("Authorization", "Bearer "+bearer)
			resp, err := r.lc.hc.Do(req)
			if err != nil {
				return 0, err
			}
			defer resp.Body.Close()
			n, err := io.Copy(io.Discard, resp.Body)
			if err == nil && resp.StatusCode != http.StatusOK {
				err = fmt.Errorf("GET %s: %d", u, resp.StatusCode)
			}
			return n, err
		}
	}
	// Memory bounded by a constant, whatever the size: the largest list is compared with the
	// next smaller one measured, not with the smallest. A short list ends before the server's
	// fixed reserves have filled (SQLite's page cache of the reading connection, kept after
	// the list; the Go heap grown to its collection goal), which every long list fills once,
	// at any size: on SQLite that made 1k → 1M a ratio of 1.5-1.6 while 100k → 1M was about 1
	// (memory that grew with the size would show as about 10 there). Every list's peak is in
	// the notes.
	sizes := sc.msgSizes
	if len(sizes) > 2 {
		sizes = []int{sizes[0], sizes[len(sizes)-2], sizes[len(sizes)-1]}
	}
	var lists []list
	for _, n := range sizes {
		lists = append(lists, list{n, get("/messaging/v1/messages?questionUuid="+url.QueryEscape(r.msgQs[n]), r.lc.token)})
	}
	obs, err := measure(lists)
	if err != nil {
		return fmt.Errorf("list messages: %w", err)
	}
	r.memoryNote("list messages of a question holding", "messages", sizes, obs)
	big, prev := len(sizes)-1, len(sizes)-2
	r.t.add(r.label, fmt.Sprintf("list messages of a %s-message question", count(sizes[big])),
		rowSpec{kind: rowMemory, goalRatio: 1.5, baseName: fmt.Sprintf("the same list of %s messages", count(sizes[prev]))}, memObs(obs[big], obs[prev]))

	lists = nil
	deskSizes := append([]int{0}, sc.deskHubSizes...)
	for _, n := range deskSizes {
		lists = append(lists, list{n, get(fmt.Sprintf("/desk/v1/conversations/%d/messages", r.deskConvs[n]), r.deskToken)})
	}
	obs, err = measure(lists)
	if err != nil {
		return fmt.Errorf("desk list messages: %w", err)
	}
	r.memoryNote("Desk: list the messages of a conversation holding", "messages", deskSizes, obs)
	for i := 1; i < len(deskSizes); i++ {
		base := "the same list of a small conversation"
		if i > 1 {
			base = fmt.Sprintf("the same list holding %s", count(deskSizes[i-1]))
		}
		r.t.add(r.label, fmt.Sprintf("Desk: list the messages of a conversation holding %s", count(deskSizes[i])),
			rowSpec{kind: rowMemory, goalRatio: 1.5, baseName: base}, memObs(obs[i], obs[i-1]))
	}
	return nil
}

// memoryNote notes the peak RSS of each list of a memory measure (sizes[i]: obs[i]; 0 is the
// small one).
func (r *benchRun) memoryNote(what, unit string, sizes []int, obs []benchObs) {
	var parts []string
	for i, n := range sizes {
		size := count(n)
		if n == 0 {
			size = "a few"
		}
		parts = append(parts, fmt.Sprintf("%s %s: %s", size, unit, mib(obs[i].rss)))
	}
	r.notes = append(r.notes, fmt.Sprintf("%s, %s …, server peak RSS: %s.", r.label, what, strings.Join(parts, "; ")))
}

func memObs(big, small benchObs) benchObs {
	big.base, big.baseRSS, big.baseBytes = small.sb, small.rss, small.bytes
	if big.failed == nil && small.failed != nil {
		big.failed = fmt.Errorf("the small list: %w", small.failed)
	}
	return big
}

// coldStarts: process start to /readyz 200, on the run's (migrated, seeded) database and on a
// new empty database each time (migrations included).
func (r *benchRun) coldStarts(ctx context.Context) error {
	if r.srv != nil {
		r.srv.stop()
		r.srv = nil
	}
	startOnce := func(db *benchDB) (time.Duration, error) {
		srv, d, err := r.h.startServer(ctx, db)
		if err != nil {
			return 0, err
		}
		srv.stop()
		return d, nil
	}
	// The starts on the run's database come first, then those on new databases: on PostgreSQL
	// each new database is dropped after its start, and DROP DATABASE makes PostgreSQL write
	// out every dirty buffer at once (an immediate checkpoint), which the next start would
	// otherwise meet.
	var migrated, fresh []time.Duration
	for range r.h.coldStarts {
		d, err := startOnce(r.db)
		if err != nil {
			return err
		}
		migrated = append(migrated, d)
	}
	for range r.h.coldStarts {
		db, err := newBenchDB(ctx, r.db.dialect, r.h.pgURL)
		if err != nil {
			return err
		}
		d, err := startOnce(db)
		if derr := db.drop(); err == nil {
			err = derr
		}
		if err != nil {
			return err
		}
		fresh = append(fresh, d)
	}
	if r.db.dialect == "postgres" {
		floor, err := r.schemaFloor(ctx)
		if err != nil {
			return err
		}
		// Everything a start on the migrated database does, a start on a new one does too (but
		// for one read of bun_migrations), and it creates the schema besides.
		m := median(migrated)
		r.notes = append(r.notes, fmt.Sprintf("%s: so a start on a new database takes at least the start on the migrated one (%s) "+
			"plus that schema (%s): %s here, against the goal of %s.", r.label, ms(m.Seconds()), ms(floor.Seconds()),
			ms((m+floor).Seconds()), ms(0.1)))
	}
	for _, c := range []struct {
		what string
		d    []time.Duration
	}{{"the run's migrated database, data seeded", migrated}, {"a new empty database each time, migrations included", fresh}} {
		slices.Sort(c.d)
		r.t.add(r.label, fmt.Sprintf("cold start to /readyz (%s; median of %d)", c.what, len(c.d)),
			rowSpec{kind: rowAbsolute, goalAbs: 100 * time.Millisecond}, benchObs{sb: c.d[len(c.d)/2].Seconds()})
	}
	return nil
}

// schemaFloor notes the floor of a cold start on a new PostgreSQL database: creating a schema
// of as many tables and indexes as the server's (counted on the run's database), in one
// transaction sent as one query, with no server, on new databases. Its tables are simpler
// than the server's (a bigserial key, uuid, text and timestamptz columns; no foreign keys,
// functions or triggers), so the server's own schema costs at least this much.
func (r *benchRun) schemaFloor(ctx context.Context) (time.Duration, error) {
	db, err := r.db.open(1)
	if err != nil {
		return 0, err
	}
	var tables, indexes int
	err = db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM pg_tables WHERE schemaname = 'public'),
		(SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')`).Scan(&tables, &indexes)
	db.Close()
	if err != nil {
		return 0, fmt.Errorf("schema floor: %w", err)
	}
	var ddl strings.Builder
	ddl.WriteString("BEGIN;\n")
	for i := range tables {
		fmt.Fprintf(&ddl, "CREATE TABLE floor_%d (id bigserial PRIMARY KEY, tenant_id uuid NOT NULL, name text NOT NULL, body text, created_at timestamptz NOT NULL);\n", i)
	}
	for i := range max(indexes-tables, 0) { // the primary keys are indexes too
		fmt.Fprintf(&ddl, "CREATE INDEX floor_%d_idx_%d ON floor_%d (tenant_id, created_at);\n", i%tables, i, i%tables)
	}
	ddl.WriteString("COMMIT;")
	var took []time.Duration
	for range min(r.h.coldStarts, 5) {
		fdb, err := newBenchDB(ctx, r.db.dialect, r.h.pgURL)
		if err != nil {
			return 0, err
		}
		conn, err := fdb.open(1)
		if err == nil {
			var d time.Duration
			d, err = timeIt(func() error { _, err := conn.ExecContext(ctx, ddl.String()); return err })
			conn.Close()
			took = append(took, d)
		}
		if derr := fdb.drop(); err == nil {
			err = derr
		}
		if err != nil {
			return 0, fmt.Errorf("schema floor: %w", err)
		}
	}
	floor := median(took)
	r.notes = append(r.notes, fmt.Sprintf("%s: creating a schema as large as the server's (%d tables, %d indexes) in one transaction, sent as one query with no server, "+
		"on a new database: %s (median of %d).", r.label, tables, indexes, ms(floor.Seconds()), len(took)))
	return floor, nil
}

// count is 1000 → "1k", 1000000 → "1M".
func count(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return fmt.Sprint(n)
}

func fileDigest(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unreadable"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}
