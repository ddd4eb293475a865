// Package replay remembers one-time values (OAuth states, login ids, proof
// ids) until they would have expired anyway, so that a second use is refused.
// Lookups and inserts are O(log n): a map for the lookup and a min-heap of
// expiries to forget them in order. Bounded: past Max live values it refuses
// new ones (fail closed) rather than forget a value still usable.
package replay

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
)

// Errors of Set.Mark.
var (
	// ErrUsed: the value was marked before and has not expired.
	ErrUsed = errors.New("replay: already used")
	// ErrFull: Max values are live; nothing new is accepted until some expire.
	ErrFull = errors.New("replay: too many live values")
)

// Key is a fixed-size digest of a value (never the value itself, which may
// be a secret).
type Key [16]byte

// Set is a bounded set of used keys with expiries. It is safe for concurrent
// use. The zero value is not usable; call New.
type Set struct {
	mu     sync.Mutex
	max    int
	byKey  map[Key]int64 // key -> expiry (Unix seconds)
	expiry expiryHeap
}

type entry struct {
	exp int64
	key Key
}

type expiryHeap []entry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].exp < h[j].exp }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(entry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// New returns a Set holding at most max live keys.
func New(max int) *Set {
	return &Set{max: max, byKey: map[Key]int64{}}
}

// forget drops the keys expired at now; the caller holds mu.
func (s *Set) forget(now int64) {
	for len(s.expiry) > 0 && s.expiry[0].exp <= now {
		old := heap.Pop(&s.expiry).(entry)
		if s.byKey[old.key] == old.exp { // not marked again since a Forget
			delete(s.byKey, old.key)
		}
	}
}

// Full reports whether Max keys are live at now (Unix seconds).
func (s *Set) Full(now int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forget(now)
	return len(s.byKey) >= s.max
}

// Mark records key until exp (Unix seconds): ErrUsed when it is already
// recorded and not expired at now, ErrFull when Max keys are live.
func (s *Set) Mark(key Key, exp, now int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forget(now)
	if e, ok := s.byKey[key]; ok && now < e {
		return ErrUsed
	}
	if len(s.byKey) >= s.max {
		return fmt.Errorf("%w: %d", ErrFull, s.max)
	}
	s.byKey[key] = exp
	heap.Push(&s.expiry, entry{exp: exp, key: key})
	return nil
}

// Forget drops key, so that it can be marked again. Its heap entry stays
// until it expires, and then forgets nothing marked since.
func (s *Set) Forget(key Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.byKey, key)
}

// Len returns the number of keys recorded, expired or not.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byKey)
}
