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

// While any serve starts the collector runs at startupGCPercent, unless GOGC asks for less
// collection (higher, or off); when the last start ends, GOGC is back to its setting.
func TestStartupGCRestoresTheSettings(t *testing.T) {
	for _, c := range []struct{ setting, during int }{{100, startupGCPercent}, {1000, 1000}, {-1, -1}} {
		before := debug.SetGCPercent(c.setting)
		end1 := startupGC()
		end2 := startupGC()
		for i, end := range []func(){end1, end2} {
			if p := gcPercent(); p != c.during {
				t.Fatalf("GOGC %d: %d while starting, want %d", c.setting, p, c.during)
			}
			end()
			if i == 0 && gcPercent() != c.during {
				t.Fatal("the setting came back while another start runs")
			}
		}
		if p := gcPercent(); p != c.setting {
			t.Fatalf("after the starts GOGC = %d, want the setting, %d", p, c.setting)
		}
		debug.SetGCPercent(before)
	}
}

// Without GOGC, serve collects at servingGCPercent; a GOGC setting is left as it is.
func TestServingGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	setServingGC(func(string) string { return "100" })
	if p := gcPercent(); p != 100 {
		t.Fatalf("with GOGC=100 set, the setting became %d", p)
	}
	setServingGC(func(k string) string { return "" })
	if p := gcPercent(); p != servingGCPercent {
		t.Fatalf("without GOGC, the setting is %d, want %d", p, servingGCPercent)
	}
}
