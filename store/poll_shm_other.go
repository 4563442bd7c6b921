//go:build !unix

package store

import "errors"

type walHeader [12]uint32

type shmMap struct{}

func mapWALIndex(string) (*shmMap, error) {
	return nil, errors.New("no shared wal-index mapping on this platform")
}

func (m *shmMap) header() walHeader { return walHeader{} }

func (m *shmMap) close() {}
