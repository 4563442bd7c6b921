//go:build unix

package store

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// walHeaderWords is the size of the first copy of the WAL-index header in 32-bit words
// (https://sqlite.org/walformat.html#the_wal_index_file_format): it holds iChange, incremented by
// every commit, and mxFrame, so it differs after any commit.
const walHeaderWords = 12

type walHeader [walHeaderWords]uint32

// shmMap is a read-only shared mapping of the first page of a WAL database's "-shm" file, the
// wal-index every SQLite connection on the file (in any process) updates at each commit before
// the commit returns.
type shmMap struct{ b []byte }

func mapWALIndex(dbPath string) (*shmMap, error) {
	f, err := os.Open(dbPath + "-shm")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	const size = 4096
	if st.Size() < size {
		return nil, errors.New("wal-index not initialised")
	}
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, err
	}
	return &shmMap{b: b}, nil
}

// header reads the first header copy word by word (atomically: another process writes it).
func (m *shmMap) header() walHeader {
	var h walHeader
	for i := range h {
		h[i] = atomic.LoadUint32((*uint32)(unsafe.Pointer(&m.b[4*i])))
	}
	return h
}

func (m *shmMap) close() { _ = syscall.Munmap(m.b) }
