package httpkit_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/switchboard-dev/switchboard/server/httpkit"
)

// countingLoader decodes a fresh document per call and counts the calls.
type countingLoader struct{ calls atomic.Int32 }

func (l *countingLoader) load() (*openapi3.T, error) {
	l.calls.Add(1)
	return openapi3.NewLoader().LoadFromData([]byte(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{}}`))
}

func TestSpecSourceWithoutPrefetchDecodesEachTime(t *testing.T) {
	var l countingLoader
	src := httpkit.NewSpecSource(l.load)
	a, err := src.Get()
	if err != nil {
		t.Fatal(err)
	}
	b, err := src.Get()
	if err != nil {
		t.Fatal(err)
	}
	if a == b || l.calls.Load() != 2 {
		t.Fatalf("two Gets: same document %v, %d decodes; want two documents", a == b, l.calls.Load())
	}
}

// A prefetched document is handed out once; every Get has a document of its own.
func TestSpecSourcePrefetchedOnce(t *testing.T) {
	var l1, l2 countingLoader
	s1, s2 := httpkit.NewSpecSource(l1.load), httpkit.NewSpecSource(l2.load)
	httpkit.PrefetchSpecs(s1, s2)
	httpkit.PrefetchSpecs(s1, s2) // already queued or prefetched: no second decode each
	var wg sync.WaitGroup
	docs := make([]*openapi3.T, 4)
	for i := range docs {
		src := s1
		if i%2 == 1 {
			src = s2
		}
		wg.Go(func() {
			d, err := src.Get()
			if err != nil {
				t.Error(err)
			}
			docs[i] = d
		})
	}
	wg.Wait()
	seen := map[*openapi3.T]bool{}
	for _, d := range docs {
		if d == nil || seen[d] {
			t.Fatalf("documents %v: each Get must have its own", docs)
		}
		seen[d] = true
	}
	if l1.calls.Load() != 2 || l2.calls.Load() != 2 {
		t.Fatalf("decodes = %d, %d; want 2 each (one prefetched, or taken off the queue, and one more)", l1.calls.Load(), l2.calls.Load())
	}
}
