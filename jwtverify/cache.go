package jwtverify

import (
	"container/list"
	"crypto/sha256"
	"sync"
)

// sigCache remembers tokens whose signature verified, keyed by SHA-256 of the
// whole compact token, so a repeat token skips the signature math. It never skips
// the claim checks: the Verifier runs them on every call. An entry is only used
// while its key is still in the key source, and is dropped once the token expires.
type sigCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // front = most recently used
	items map[[sha256.Size]byte]*list.Element
}

type cacheEntry struct {
	sum [sha256.Size]byte
	tok *Token
	key *preparedKey
	alg algorithm
}

func newSigCache(max int) *sigCache {
	return &sigCache{max: max, ll: list.New(), items: make(map[[sha256.Size]byte]*list.Element, max)}
}

func (c *sigCache) get(sum [sha256.Size]byte) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[sum]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry), true
}

func (c *sigCache) add(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.sum]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.items[e.sum] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).sum)
	}
}

func (c *sigCache) remove(sum [sha256.Size]byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[sum]; ok {
		c.ll.Remove(el)
		delete(c.items, sum)
	}
}
