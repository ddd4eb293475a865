package googlecse

import (
	"sync"
	"sync/atomic"
)

// registry maps keys to values made once, then only read: the key sources,
// IdP documents and verifiers a Verifier builds as tenants' tokens name
// them. A lookup is one atomic load; adding a value replaces the map (copy
// on write, under a lock), so the per-token path never waits on another
// token's.
type registry[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex // serialises additions
}

// get returns the value of k, made by build on first use (under the lock,
// so once: build must not block).
func (r *registry[K, V]) get(k K, build func() (V, error)) (V, error) {
	if m := r.m.Load(); m != nil {
		if v, ok := (*m)[k]; ok {
			return v, nil
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v, nil
		}
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	next := make(map[K]V, r.lenOf(old)+1)
	if old != nil {
		for key, val := range *old {
			next[key] = val
		}
	}
	next[k] = v
	r.m.Store(&next)
	return v, nil
}

// len is the number of values.
func (r *registry[K, V]) len() int { return r.lenOf(r.m.Load()) }

func (r *registry[K, V]) lenOf(m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
