package main

import (
	"context"
	"io"
	"math"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-dev/switchboard/store/storetest"
)

// TestBenchCompareTiny runs the whole bench-compare machinery once, on a tiny data set and for
// a moment per measure, against this test binary as the server: setup through the APIs, the SQL
// seed, the ceilings, every row, cold starts, the report. It checks that the report has every
// row on each database, that the server sees the seeded rows and that no request failed; the
// figures themselves are not checked (no test depends on timing).
func TestBenchCompareTiny(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a dozen servers: not with -short")
	}
	for _, db := range []string{"sqlite", "postgres"} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			h := &harness{bin: os.Args[0], dbs: db, pgURL: storetest.PostgresURL(), duration: 200 * time.Millisecond,
				rounds: 1, clients: 4, samples: 1, coldStarts: 1, scale: benchScales["tiny"], progress: io.Discard}
			h.command = func(args ...string) *exec.Cmd {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), childServeEnv+"="+strings.Join(args, "\n"))
				return cmd
			}
			label := "SQLite"
			if db == "postgres" {
				label = "PostgreSQL"
				pg, err := openPG(h.pgURL, 1)
				if err != nil {
					if os.Getenv(storetest.EnvRequirePostgres) == "1" {
						t.Fatalf("PostgreSQL required but unreachable: %v", err)
					}
					t.Skipf("PostgreSQL unreachable: %v", err)
				}
				pg.Close()
			}
			report, err := h.run(context.Background())
			if err != nil {
				t.Fatalf("%v\n%s", err, report)
			}
			rows := []string{
				"| poll → 304 |", "| ask |", "| add message |",
				"| add message to a question holding 100 messages |", "| add message to a question holding 1k messages |",
				"| list questions, first page, 1k questions stored |", "| list questions, deep page (page 25, pageSize 20: the middle), 1k questions stored |",
				"| list messages of a 1k-message question |",
				"| Desk: add message to a conversation holding 1k |", "| Desk: list the messages of a conversation holding 1k |",
				"| Hub: post an activity to a conversation holding 1k |", "| Hub: list the newest activity (leid = last − 1) of a conversation holding 1k |",
				"| Hub: list the first page (leid=0, 500 activities) of a conversation holding 1k |",
				"| cold start to /readyz (the run's migrated database, data seeded; median of 1) |",
				"| cold start to /readyz (a new empty database each time, migrations included; median of 1) |",
			}
			for _, row := range rows {
				if !strings.Contains(report, row+" "+label+" |") {
					t.Errorf("the report has no row %q for %s", row, label)
				}
			}
			// The CPU a request costs, measured and not empty (a server that used no CPU for its
			// asks would mean the wrong process was read).
			cpuNote := regexp.MustCompile(label + `, round 1, CPU per request .*; ask: server ([0-9.]+) ms`).FindStringSubmatch(report)
			if cpuNote == nil || cpuNote[1] == "0.00" {
				t.Errorf("no CPU per ask noted for %s: %v", label, cpuNote)
			}
			// … and each measure's steal (this runs on Linux, where /proc/stat has it).
			cpuLine := regexp.MustCompile(label + `, round 1, CPU per request [^\n]*`).FindString(report)
			if got := len(regexp.MustCompile(`, steal [0-9]+%`).FindAllString(cpuLine, -1)); got != 5 {
				t.Errorf("the CPU note of %s gives the steal of %d measures, want 5: %q", label, got, cpuLine)
			}
			// On PostgreSQL, the floor of a start on a new database: its schema's DDL alone.
			if db == "postgres" && !regexp.MustCompile(`PostgreSQL: creating a schema as large as the server's \([1-9][0-9]* tables, [1-9][0-9]* indexes\) .*: [0-9.]+ ms \(median of 1\)`).MatchString(report) {
				t.Errorf("no schema floor noted:\n%s", report)
			}
			// … and the bound it gives: the migrated start plus that schema.
			if db == "postgres" {
				m := regexp.MustCompile(`PostgreSQL: so a start on a new database takes at least the start on the migrated one \(([0-9.]+) ms\) plus that schema \(([0-9.]+) ms\): ([0-9.]+) ms here`).FindStringSubmatch(report)
				if m == nil {
					t.Errorf("no bound of a start on a new database noted:\n%s", report)
				} else if a, b, sum := atof(m[1]), atof(m[2]), atof(m[3]); a <= 0 || b <= 0 || math.Abs(a+b-sum) > 0.15+0.01*sum {
					t.Errorf("start bound: %v + %v noted as %v", a, b, sum)
				}
			}
			// Every list of the memory rows has its peak noted.
			if !regexp.MustCompile(label+`, list messages of a question holding …, server peak RSS: 100 messages: [1-9][0-9.]* MiB; 1k messages: [1-9][0-9.]* MiB\.`).MatchString(report) ||
				!regexp.MustCompile(label+`, Desk: list the messages of a conversation holding …, server peak RSS: a few messages: [1-9][0-9.]* MiB; 100 messages: [1-9][0-9.]* MiB; 1k messages: [1-9][0-9.]* MiB\.`).MatchString(report) {
				t.Errorf("the memory rows' peaks are not noted for %s:\n%s", label, report)
			}
			// On PostgreSQL, add message's own SQL run without the server, beside the ceiling.
			if db == "postgres" && !regexp.MustCompile(`PostgreSQL, round 1, add message's own SQL without the server .*\): [1-9][0-9]*/s, [0-9.]+× the raw INSERT ceiling`).MatchString(report) {
				t.Errorf("no add message floor noted:\n%s", report)
			}
			if db == "postgres" && !regexp.MustCompile(`PostgreSQL, round 1, ask's own SQL without the server .*\): [1-9][0-9]*/s, [0-9.]+× the raw INSERT ceiling`).MatchString(report) {
				t.Errorf("no ask floor noted:\n%s", report)
			}
			// And every row each of them stores, which bounds them too.
			for _, what := range []string{"add message", "ask"} {
				if db == "postgres" && !regexp.MustCompile(`PostgreSQL, round 1, every row an `+what+` stores without the server .*\): [1-9][0-9]*/s, [0-9.]+× the raw INSERT ceiling`).MatchString(report) {
					t.Errorf("no floor of every row an %s stores noted:\n%s", what, report)
				}
			}
			for _, bad := range []string{"does not see the seeded data", "failed"} {
				if strings.Contains(report, bad) {
					t.Errorf("the report says %q:\n%s", bad, report)
				}
			}
		})
	}
}

// atof is a figure the report printed (0 when it is not a number).
func atof(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}
