package main

import (
	"runtime/debug"
	"testing"
)

func gcPercent() int {
	p := debug.SetGCPercent(0)
	debug.SetGCPercent(p)
	return p
}

// While any serve starts the collector waits for startupMemoryLimit (GOGC off); when the last
// start ends, GOGC and GOMEMLIMIT are back to their settings.
func TestStartupGCRestoresTheSettings(t *testing.T) {
	for _, limit := range []int64{1 << 40, 64 << 20} { // above startupMemoryLimit, below it
		before := debug.SetGCPercent(150)
		beforeLimit := debug.SetMemoryLimit(limit)
		end1 := startupGC()
		end2 := startupGC()
		for i, end := range []func(){end1, end2} {
			if p := gcPercent(); p != -1 {
				t.Fatalf("GOGC while starting = %d, want off", p)
			}
			if l := debug.SetMemoryLimit(-1); l != min(limit, startupMemoryLimit) {
				t.Fatalf("GOMEMLIMIT while starting = %d, want %d", l, min(limit, startupMemoryLimit))
			}
			end()
			if i == 0 && gcPercent() != -1 {
				t.Fatal("the settings came back while another start runs")
			}
		}
		if p, l := gcPercent(), debug.SetMemoryLimit(-1); p != 150 || l != limit {
			t.Fatalf("after the starts GOGC = %d, GOMEMLIMIT = %d; want the settings, 150 and %d", p, l, limit)
		}
		debug.SetGCPercent(before)
		debug.SetMemoryLimit(beforeLimit)
	}
}
