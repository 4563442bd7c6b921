package httpkit

import (
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
)

// SpecSource hands out an API's decoded OpenAPI document. Decoding (kin-openapi's loader over
// the generated package's embedded spec) is most of what building an API costs, so a server
// can start it early with PrefetchSpecs — at process start, while the database is opened and
// migrated — and the API's constructor takes the result with Get. Every Get returns a document
// of its own, decoded in full by the same loader: a prefetched one is handed out once.
type SpecSource struct {
	load func() (*openapi3.T, error)

	mu      sync.Mutex
	queued  bool            // in a PrefetchSpecs queue, not started
	pending chan specResult // decoding or decoded by PrefetchSpecs, not yet taken
}

type specResult struct {
	spec *openapi3.T
	err  error
}

// NewSpecSource returns a source decoding with load (a generated package's Spec).
func NewSpecSource(load func() (*openapi3.T, error)) *SpecSource {
	return &SpecSource{load: load}
}

// PrefetchSpecs decodes a document of each source in the background, one after the other on a
// single goroutine: the process's other core stays free for what runs meanwhile (opening and
// migrating the database: round trips that would otherwise wait for a decoder to be
// preempted). A Get on a source still queued takes it off the queue and decodes at once on the
// caller's goroutine, so once the caller is ready for the documents the rest decode in parallel.
func PrefetchSpecs(sources ...*SpecSource) {
	var queue []*SpecSource
	for _, s := range sources {
		s.mu.Lock()
		if !s.queued && s.pending == nil {
			s.queued = true
			queue = append(queue, s)
		}
		s.mu.Unlock()
	}
	go func() {
		for _, s := range queue {
			s.mu.Lock()
			if !s.queued { // taken by Get meanwhile
				s.mu.Unlock()
				continue
			}
			s.queued = false
			ch := make(chan specResult, 1)
			s.pending = ch
			s.mu.Unlock()
			spec, err := s.load()
			ch <- specResult{spec, err}
		}
	}()
}

// Get returns the prefetched document (waiting for it) when there is one being decoded or
// decoded, else decodes one now.
func (s *SpecSource) Get() (*openapi3.T, error) {
	s.mu.Lock()
	ch := s.pending
	s.pending, s.queued = nil, false
	s.mu.Unlock()
	if ch == nil {
		return s.load()
	}
	r := <-ch
	return r.spec, r.err
}
