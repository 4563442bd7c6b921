package storetest

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// EnvBenchSizes lists the data-set sizes (row counts, comma-separated) the size benchmarks seed,
// e.g. SWITCHBOARD_BENCH_SIZES=10000,1000000.
const EnvBenchSizes = "SWITCHBOARD_BENCH_SIZES"

// BenchSizes returns the sizes of EnvBenchSizes, or just 10,000 when it is unset (a million rows
// take minutes to seed on a busy machine: only when asked for).
func BenchSizes(tb testing.TB) []int {
	v := os.Getenv(EnvBenchSizes)
	if v == "" {
		return []int{10_000}
	}
	var out []int
	for _, f := range strings.Split(v, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			tb.Fatalf("%s: %q is not a row count", EnvBenchSizes, f)
		}
		out = append(out, n)
	}
	return out
}

// EnvBenchDB restricts the size benchmarks to one database ("sqlite" or "postgres").
const EnvBenchDB = "SWITCHBOARD_BENCH_DB"

// BenchStores is Stores, less the databases EnvBenchDB leaves out.
func BenchStores(tb testing.TB) []Named {
	only := os.Getenv(EnvBenchDB)
	var out []Named
	for _, n := range Stores(tb) {
		if only == "" || n.Name == only {
			out = append(out, n)
		}
	}
	return out
}
