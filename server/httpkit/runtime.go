package httpkit

import (
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
)

// openConns counts the process's open client connections, kept by the ConnState hook that
// Limits.Configure installs.
var openConns atomic.Int64

func trackConn(_ net.Conn, s http.ConnState) {
	switch s {
	case http.StateNew:
		openConns.Add(1)
	case http.StateHijacked, http.StateClosed:
		openConns.Add(-1)
	}
}

// RuntimeStats are what the process holds.
type RuntimeStats struct {
	Connections int   // open client connections of the servers configured by Limits.Configure
	Goroutines  int   // goroutines
	HeapBytes   int64 // Go heap in use
	RSSBytes    int64 // resident memory; 0 where /proc/self/statm does not exist
}

// Runtime returns the process's figures now.
func Runtime() RuntimeStats {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return RuntimeStats{
		Connections: int(openConns.Load()),
		Goroutines:  runtime.NumGoroutine(),
		HeapBytes:   int64(ms.HeapInuse),
		RSSBytes:    rss(),
	}
}

func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}
