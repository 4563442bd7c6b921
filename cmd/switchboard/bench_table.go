package main

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// The report of `switchboard bench-compare`: one row per measured path and database, each the
// median over the rounds of what every round observed.

type rowKind int

const (
	rowThroughput rowKind = iota // req/s beside a ceiling's: ratio = switchboard / ceiling, goal a minimum
	rowLatency                   // seconds beside the same call on a small data set: ratio = big / small, goal a maximum
	rowMemory                    // an unbounded list: wall time, peak RSS; ratio = peak RSS big / small, goal a maximum
	rowAbsolute                  // seconds against a fixed goal
)

type rowSpec struct {
	kind      rowKind
	goalRatio float64
	goalP99   time.Duration // rowThroughput: p99 under this too, when set
	goalAbs   time.Duration // rowAbsolute
	baseName  string
}

// benchObs is what one round observed for a row.
type benchObs struct {
	sb, base               float64 // req/s (throughput) or seconds
	p50, p99               time.Duration
	baseP50, baseP99       time.Duration // rowThroughput: the ceiling's or baseline's
	rss, baseRSS           int64         // peak RSS, bytes (rowMemory)
	bytes, baseBytes       int64         // response size (rowMemory)
	errs, baseErrs         int           // failed requests (not counted in the figures) of each side
	firstErr, baseFirstErr error
	failed                 error // a latency or list call that failed: the row has no figure
}

func (o benchObs) ratio(k rowKind) float64 {
	switch k {
	case rowMemory:
		return float64(o.rss) / float64(o.baseRSS)
	case rowAbsolute:
		return 0
	}
	return o.sb / o.base
}

type benchRow struct {
	db, path string
	spec     rowSpec
	obs      []benchObs
}

type benchTable struct{ rows []*benchRow }

func (t *benchTable) add(db, path string, spec rowSpec, o benchObs) {
	for _, r := range t.rows {
		if r.db == db && r.path == path {
			r.obs = append(r.obs, o)
			return
		}
	}
	t.rows = append(t.rows, &benchRow{db: db, path: path, spec: spec, obs: []benchObs{o}})
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

func field[T any](obs []benchObs, f func(benchObs) T) []T {
	out := make([]T, len(obs))
	for i, o := range obs {
		out[i] = f(o)
	}
	return out
}

// cells renders the row: switchboard, ceiling or baseline, ratio, goal, met.
func (r *benchRow) cells() [5]string {
	k, sp, obs := r.spec.kind, r.spec, r.obs
	sb := median(field(obs, func(o benchObs) float64 { return o.sb }))
	base := median(field(obs, func(o benchObs) float64 { return o.base }))
	ratio := median(field(obs, func(o benchObs) float64 { return o.ratio(k) }))
	var c [5]string
	for _, o := range obs {
		if o.failed != nil {
			c[0] = fmt.Sprintf("failed: %s", o.failed)
			if k == rowMemory {
				c[0] = fmt.Sprintf("failed after %s: %s; server peak RSS %s", ms(o.sb), o.failed, mib(o.rss))
			}
			c[1], c[2], c[3], c[4] = sp.baseName, "—", "—", "**no**"
			return c
		}
	}
	switch k {
	case rowThroughput:
		p50 := median(field(obs, func(o benchObs) time.Duration { return o.p50 }))
		p99 := median(field(obs, func(o benchObs) time.Duration { return o.p99 }))
		c[0] = fmt.Sprintf("%s req/s, p50 %s, p99 %s", perSecond(sb), ms(p50.Seconds()), ms(p99.Seconds()))
		bp50 := median(field(obs, func(o benchObs) time.Duration { return o.baseP50 }))
		bp99 := median(field(obs, func(o benchObs) time.Duration { return o.baseP99 }))
		c[1] = fmt.Sprintf("%s: %s/s, p50 %s, p99 %s", sp.baseName, perSecond(base), ms(bp50.Seconds()), ms(bp99.Seconds()))
		c[2] = fmt.Sprintf("%.2f×", ratio)
		c[3] = fmt.Sprintf("≥ %.1f×", sp.goalRatio)
		met := ratio >= sp.goalRatio
		if sp.goalP99 > 0 {
			c[3] += fmt.Sprintf(", p99 < %s", ms(sp.goalP99.Seconds()))
			met = met && p99 < sp.goalP99
		}
		c[4] = yesNo(met)
	case rowLatency:
		c[0] = ms(sb)
		c[1] = fmt.Sprintf("%s: %s", sp.baseName, ms(base))
		c[2] = fmt.Sprintf("%.1f×", ratio)
		c[3] = fmt.Sprintf("≤ %.1f×", sp.goalRatio)
		c[4] = yesNo(ratio <= sp.goalRatio)
	case rowMemory:
		rss := median(field(obs, func(o benchObs) int64 { return o.rss }))
		baseRSS := median(field(obs, func(o benchObs) int64 { return o.baseRSS }))
		size := median(field(obs, func(o benchObs) int64 { return o.bytes }))
		c[0] = fmt.Sprintf("%s (%s), server peak RSS %s", ms(sb), mib(size), mib(rss))
		c[1] = fmt.Sprintf("%s: %s, peak RSS %s", sp.baseName, ms(base), mib(baseRSS))
		c[2] = fmt.Sprintf("RSS %.1f×", ratio)
		c[3] = fmt.Sprintf("memory bounded by a constant (peak RSS ≤ %.1f× the smaller list's)", sp.goalRatio)
		c[4] = yesNo(ratio <= sp.goalRatio)
	case rowAbsolute:
		c[0] = ms(sb)
		c[1], c[2] = "—", "—"
		c[3] = "< " + ms(sp.goalAbs.Seconds())
		c[4] = yesNo(sb < sp.goalAbs.Seconds())
	}
	return c
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

func perSecond(x float64) string {
	if x >= 10_000 {
		return fmt.Sprintf("%.1fk", x/1000)
	}
	return fmt.Sprintf("%.0f", x)
}

// ms renders seconds: "284 ms", "2.5 ms", "0.31 ms", "4.3 s".
func ms(s float64) string {
	switch m := s * 1000; {
	case m >= 10_000:
		return fmt.Sprintf("%.1f s", s)
	case m >= 100:
		return fmt.Sprintf("%.0f ms", m)
	case m >= 1:
		return fmt.Sprintf("%.1f ms", m)
	default:
		return fmt.Sprintf("%.2f ms", m)
	}
}

func (h *harness) report(t *benchTable, notes []string, start time.Time, loadStart string) string {
	var b strings.Builder
	host, _ := os.Hostname()
	fmt.Fprintf(&b, "# switchboard bench-compare\n\n")
	fmt.Fprintf(&b, "- binary: `%s` (sha256 %s…)\n", h.bin, fileDigest(h.bin))
	fmt.Fprintf(&b, "- run: %s UTC, %s, on %s: %d CPUs (%s), load average (1, 5, 15 min) %s at the start, %s at the end\n",
		start.UTC().Format("2006-01-02 15:04"), time.Since(start).Round(time.Second), host, runtime.NumCPU(), cpuModel(), loadStart, loadAverage())
	fmt.Fprintf(&b, "- load: in-process Go generator (net/http), %d keep-alive connections, %s per throughput measure; latency rows: %d sequential calls per size and round (median); %d rounds, ceilings and baselines measured in the same round as the server (order alternating), ratios taken within a round, medians over rounds\n",
		h.clients, h.duration, h.samples, h.rounds)
	fmt.Fprintf(&b, "- data (%s scale, seeded in SQL with the server stopped): messages per question %s; questions per tenant %s and %s; Desk messages and Hub activities per conversation %s\n\n",
		h.scale.name, counts(h.scale.msgSizes), count(h.scale.listSizes[0]), count(h.scale.listSizes[1]), counts(h.scale.deskHubSizes))
	b.WriteString("| Path | DB | Switchboard | Ceiling or baseline, same run | Ratio | Goal | Met |\n|---|---|---|---|---|---|---|\n")
	var errs []string
	for _, r := range t.rows {
		c := r.cells()
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.path, r.db, c[0], c[1], c[2], c[3], c[4])
		for _, side := range []string{"Switchboard", "ceiling"} {
			n := 0
			var first error
			for _, o := range r.obs {
				e, fe := o.errs, o.firstErr
				if side == "ceiling" {
					e, fe = o.baseErrs, o.baseFirstErr
				}
				n += e
				if first == nil {
					first = fe
				}
			}
			if n > 0 {
				errs = append(errs, fmt.Sprintf("%s, %s: %d failed %s requests (not counted in the figures), the first: %v", r.path, r.db, n, side, first))
			}
		}
	}
	if len(errs)+len(notes) > 0 {
		b.WriteString("\n")
	}
	for _, s := range append(errs, notes...) {
		fmt.Fprintf(&b, "- %s\n", s)
	}
	return b.String()
}

func counts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = count(n)
	}
	return strings.Join(s, ", ")
}
