package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// CPU accounting of the throughput rows (Linux /proc): what one request costs the server
// process, the database server's processes (PostgreSQL; SQLite runs inside the server or the
// harness) and this process (the load generator, and the ceilings' own INSERTs). On 2 cores
// their sum bounds the throughput any build can reach, which is what a ratio goal competes with.

// cpuSample is CPU time in clock ticks (USER_HZ, 100 per second on Linux): of the server, the
// database server and this process, and of the whole machine (all its CPUs: every state, and
// steal, the time a hypervisor ran something else while this machine's CPUs wanted to run).
type cpuSample struct{ server, db, harness, machine, steal int64 }

const ticksPerSecond = 100

// procTicks is utime + stime of process pid ("self" for this one); 0 when unreadable.
func procTicks(pid string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 { // the command name may hold spaces
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 { // fields 14 and 15 of the line are 12 and 13 after the name
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

// postgresTicks sums the CPU of every process named postgres (its backends come and go with
// connections, so the sum is taken over the processes alive at each reading: a backend that
// exits between two readings is lost, which the pools here avoid by keeping theirs).
func postgresTicks() int64 {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	var sum int64
	for _, d := range dirs {
		comm, err := os.ReadFile(d + "/comm")
		if err != nil || strings.TrimSpace(string(comm)) != "postgres" {
			continue
		}
		sum += procTicks(filepath.Base(d))
	}
	return sum
}

// machineTicks reads the machine's line of /proc/stat ("cpu user nice system idle iowait irq
// softirq steal …"): the sum of its states up to steal, and steal; zeros when unreadable.
func machineTicks() (total, steal int64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	for i, v := range f[1:9] {
		n, _ := strconv.ParseInt(v, 10, 64)
		total += n
		if i == 7 {
			steal = n
		}
	}
	return total, steal
}

func (r *benchRun) cpuNow() cpuSample {
	s := cpuSample{harness: procTicks("self")}
	s.machine, s.steal = machineTicks()
	if r.srv != nil && r.srv.cmd.Process != nil {
		s.server = procTicks(strconv.Itoa(r.srv.cmd.Process.Pid))
	}
	if r.db.dialect == "postgres" {
		s.db = postgresTicks()
	}
	return s
}

// cpuPerRequest formats the CPU milliseconds per request between two samples.
func cpuPerRequest(a, b cpuSample, n int, dialect string) string {
	if n <= 0 {
		return "no requests"
	}
	per := func(t int64) string {
		if t < 0 { // a process exited between the readings: its time is lost, not negative
			return "n/a"
		}
		return fmt.Sprintf("%.2f ms", float64(t)*1000/ticksPerSecond/float64(n))
	}
	out := fmt.Sprintf("server %s, harness %s", per(b.server-a.server), per(b.harness-a.harness))
	if dialect == "postgres" {
		out += fmt.Sprintf(", PostgreSQL %s", per(b.db-a.db))
	}
	// On a virtual machine, a measure during which the host took the CPUs away is slower for
	// that alone: the share says how much.
	if d := b.machine - a.machine; d > 0 {
		out += fmt.Sprintf(", steal %.0f%%", 100*float64(b.steal-a.steal)/float64(d))
	}
	return out
}
