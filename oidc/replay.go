package oidc

import (
	"container/heap"
	"fmt"
)

// usedStates remembers taken states until their flow would have expired, in
// O(log n) per callback: a map for the lookup and a min-heap of expiries to
// forget them in order. The caller holds the lock.
type usedStates struct {
	max    int
	byKey  map[[16]byte]int64 // state hash -> expiry (Unix seconds)
	expiry expiryHeap
}

type usedState struct {
	exp int64
	key [16]byte
}

type expiryHeap []usedState

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].exp < h[j].exp }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(usedState)) }
func (h *expiryHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func newUsedStates(max int) usedStates {
	return usedStates{max: max, byKey: map[[16]byte]int64{}}
}

// forget drops the states expired at now.
func (u *usedStates) forget(now int64) {
	for len(u.expiry) > 0 && u.expiry[0].exp <= now {
		old := heap.Pop(&u.expiry).(usedState)
		delete(u.byKey, old.key)
	}
}

// full reports whether max states are live at now.
func (u *usedStates) full(now int64) bool {
	u.forget(now)
	return len(u.byKey) >= u.max
}

// mark records key until exp, first forgetting the states expired at now.
func (u *usedStates) mark(key [16]byte, exp, now int64) error {
	u.forget(now)
	if e, ok := u.byKey[key]; ok && now < e {
		return fmt.Errorf("%w: state already used", ErrState)
	}
	if len(u.byKey) >= u.max {
		return fmt.Errorf("%w: %d logins completed within the flow lifetime; refusing more rather than forgetting used states", ErrBusy, u.max)
	}
	u.byKey[key] = exp
	heap.Push(&u.expiry, usedState{exp: exp, key: key})
	return nil
}
