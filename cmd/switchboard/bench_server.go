package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"

	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
)

// The server under test of `switchboard bench-compare`: a binary given by path, started as a
// subprocess on loopback with a database of its own, and measured only through its HTTP APIs and
// its process (/proc/<pid>/status). Nothing here links the server's code: the same harness
// measures a binary built from any commit.

// benchSQLiteParams are the connection settings store.Open gives every SQLite connection
// (store.sqliteParams, with WAL): the raw-INSERT ceiling uses them so that it pays what the
// server pays per commit. Keep the two in step.
const benchSQLiteParams = "_busy_timeout=5000&_foreign_keys=1&_synchronous=FULL&_txlock=immediate&_journal_mode=WAL"

// benchPGPool is the server's PostgreSQL pool size (store.pgMaxConns), used by the ceiling.
const benchPGPool = 25

// benchDB is one database made for one run and dropped after it.
type benchDB struct {
	dialect string // "sqlite" or "postgres"
	url     string // what the server gets as --database-url
	path    string // the SQLite file
	drop    func() error
}

func newBenchDB(ctx context.Context, dialect, pgAdminURL string) (*benchDB, error) {
	switch dialect {
	case "sqlite":
		dir, err := os.MkdirTemp("", "sb-bench-")
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, "bench.db")
		return &benchDB{dialect: dialect, url: path, path: path, drop: func() error { return os.RemoveAll(dir) }}, nil
	case "postgres":
		admin, err := openPG(pgAdminURL, 1)
		if err != nil {
			return nil, err
		}
		defer admin.Close()
		var b [6]byte
		rand.Read(b[:])
		name := "sb_bench_" + hex.EncodeToString(b[:])
		if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
			return nil, fmt.Errorf("create database %s: %w", name, err)
		}
		u, err := url.Parse(pgAdminURL)
		if err != nil {
			return nil, err
		}
		u.Path = "/" + name
		return &benchDB{dialect: dialect, url: u.String(), drop: func() error {
			admin, err := openPG(pgAdminURL, 1)
			if err != nil {
				return err
			}
			defer admin.Close()
			_, err = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			return err
		}}, nil
	}
	return nil, fmt.Errorf("unknown database %q (sqlite or postgres)", dialect)
}

// open connects the harness itself to the run's database, with the server's driver and settings:
// modernc SQLite with the store's pragmas, or bun's pgdriver with a pool of pool.
func (d *benchDB) open(pool int) (*sql.DB, error) {
	if d.dialect == "postgres" {
		return openPG(d.url, pool)
	}
	db, err := sql.Open("sqlite", d.path+"?"+benchSQLiteParams)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(pool)
	db.SetMaxIdleConns(pool)
	return db, db.Ping()
}

func openPG(dsn string, pool int) (db *sql.DB, err error) {
	defer func() { // pgdriver.WithDSN panics on a DSN it cannot parse
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("invalid PostgreSQL URL: %v", r)
		}
	}()
	// No read or write timeout (pgdriver's default read timeout is 10 s): seeding a million rows
	// is one statement that takes longer; the caller's context bounds each call instead.
	db = sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(dsn), pgdriver.WithReadTimeout(0), pgdriver.WithWriteTimeout(0)))
	db.SetMaxOpenConns(pool)
	db.SetMaxIdleConns(pool)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return db, nil
}

// benchServer is one running server subprocess.
type benchServer struct {
	cmd     *exec.Cmd
	base    string
	exited  chan struct{}
	waitErr error
	log     string
}

// newAdminToken is an operator token as `make load` makes one (256 random bits, base64).
func newAdminToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

// freeAddr is a loopback address with a port free a moment ago (the kernel's choice).
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// startServer starts `serve` on db and returns once GET /readyz answers 200, with the time
// from the process start to that answer (the cold start).
func (h *harness) startServer(ctx context.Context, db *benchDB) (*benchServer, time.Duration, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, 0, err
	}
	logf, err := os.CreateTemp("", "sb-bench-serve-*.log")
	if err != nil {
		return nil, 0, err
	}
	defer logf.Close()
	// --hub-rate -1: the Hub API's per-client rate limit would otherwise answer 429 under load.
	cmd := h.command("serve", "--addr", addr, "--database-url", db.url, "--admin-token", h.admin,
		"--log-level", "error", "--hub-rate", "-1")
	cmd.Stdout, cmd.Stderr = logf, logf
	s := &benchServer{cmd: cmd, base: "http://" + addr, exited: make(chan struct{}), log: logf.Name()}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	go func() { s.waitErr = cmd.Wait(); close(s.exited) }()
	hc := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.base+"/readyz", nil)
		if resp, err := hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, time.Since(t0), nil
			}
		}
		select {
		case <-s.exited:
			return nil, 0, fmt.Errorf("the server exited before it was ready (%v): %s", s.waitErr, s.logTail())
		case <-ctx.Done():
			s.stop()
			return nil, 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, 0, fmt.Errorf("the server was not ready within 2 minutes: %s", s.logTail())
		}
	}
}

// stop sends SIGTERM, waits for the exit (SIGKILL after 20 s), and removes the log.
func (s *benchServer) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
	os.Remove(s.log)
}

func (s *benchServer) logTail() string {
	b, _ := os.ReadFile(s.log)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(bytes.TrimSpace(b))
}

// resetPeakRSS makes the kernel forget the process's peak RSS (VmHWM) so that the next reading
// is the peak since now (Linux: "5" to /proc/<pid>/clear_refs). False when it cannot.
func (s *benchServer) resetPeakRSS() bool {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0) == nil
}

// rss reads the process's current (VmRSS) and peak (VmHWM) resident set, in bytes.
func (s *benchServer) rss() (cur, peak int64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		n, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			cur = n << 10
		case "VmHWM:":
			peak = n << 10
		}
	}
	return cur, peak
}

// machineInfo is what the report says about where it ran.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
