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

// GOGC is startupGCPercent while any serve starts, and back to its setting when the last ends.
func TestStartupGCRestoresTheSetting(t *testing.T) {
	before := debug.SetGCPercent(150)
	defer debug.SetGCPercent(before)
	end1 := startupGC()
	end2 := startupGC()
	if p := gcPercent(); p != startupGCPercent {
		t.Fatalf("GOGC while starting = %d, want %d", p, startupGCPercent)
	}
	end1()
	if p := gcPercent(); p != startupGCPercent {
		t.Fatalf("GOGC while another start runs = %d, want %d", p, startupGCPercent)
	}
	end2()
	if p := gcPercent(); p != 150 {
		t.Fatalf("GOGC after the starts = %d, want the setting, 150", p)
	}
}
