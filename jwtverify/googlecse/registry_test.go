package googlecse

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent first uses of a key build its value once and all get it; a
// failed build stores nothing; other keys keep their values (run with
// -race).
func TestRegistry(t *testing.T) {
	var r registry[string, *int]
	var builds atomic.Int32
	errBroken := errors.New("broken")
	var wg, ready sync.WaitGroup
	got := make([]*int, 16)
	ready.Add(len(got))
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ready.Done()
			got[i], _ = r.get("a", func() (*int, error) {
				builds.Add(1)
				ready.Wait()
				time.Sleep(20 * time.Millisecond) // the others, past the lock-free miss, queue on the lock
				return new(int), nil
			})
			_, _ = r.get("broken", func() (*int, error) { return nil, errBroken })
		}()
	}
	wg.Wait()
	if builds.Load() != 1 {
		t.Fatalf("%d builds of one key", builds.Load())
	}
	for _, p := range got {
		if p != got[0] || p == nil {
			t.Fatal("callers got different values for one key")
		}
	}
	if _, err := r.get("broken", func() (*int, error) { return nil, errBroken }); !errors.Is(err, errBroken) || r.len() != 1 {
		t.Fatalf("a failed build: err %v, %d values", err, r.len())
	}
	b, _ := r.get("b", func() (*int, error) { return new(int), nil })
	if a, _ := r.get("a", nil); a != got[0] || r.len() != 2 {
		t.Fatal("adding a key lost another")
	}
	if again, _ := r.get("b", nil); again != b {
		t.Fatal("a second lookup built again")
	}
}
