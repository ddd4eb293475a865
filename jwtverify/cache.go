package jwtverify

import (
	"container/list"
	"hash/maphash"
	"sync"
)

// sigCache remembers tokens whose signature verified, so a repeat token
// skips the signature math. It never skips the claim checks: the Verifier
// runs them on every call. An entry is only used while its key is still in
// the key source, and is dropped once the token expires.
//
// Entries are indexed by a 64-bit hash of the compact token under a seed
// drawn per cache (hash/maphash), and each keeps its token: a hit compares
// the whole token, so a collision (which no one can aim at without the
// seed) is a miss, never another token's verdict. Evicting deletes by the
// stored hash, so it does not read the old token's bytes again: with fresh
// tokens cycling through a full cache, hashing the evicted (cold) token was
// a measurable part of a verification.
type sigCache struct {
	mu    sync.Mutex
	max   int
	seed  maphash.Seed
	ll    *list.List // front = most recently used
	items map[uint64]*list.Element
}

type cacheEntry struct {
	raw  string
	hash uint64 // maphash of raw under the cache's seed, set by add
	tok  *Token
	key  *preparedKey
	alg  algorithm
}

func newSigCache(max int) *sigCache {
	return &sigCache{max: max, seed: maphash.MakeSeed(), ll: list.New(), items: make(map[uint64]*list.Element, max)}
}

// lookup returns raw's element, if cached; c.mu is held.
func (c *sigCache) lookup(raw string, h uint64) (*list.Element, bool) {
	el, ok := c.items[h]
	if !ok || el.Value.(*cacheEntry).raw != raw {
		return nil, false
	}
	return el, true
}

func (c *sigCache) get(raw string) (*cacheEntry, bool) {
	h := maphash.String(c.seed, raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.lookup(raw, h)
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry), true
}

func (c *sigCache) add(e *cacheEntry) {
	e.hash = maphash.String(c.seed, e.raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.hash]; ok { // the same token, or a colliding one: the newest wins
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.items[e.hash] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).hash)
	}
}

func (c *sigCache) remove(raw string) {
	h := maphash.String(c.seed, raw)
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.lookup(raw, h); ok {
		c.ll.Remove(el)
		delete(c.items, h)
	}
}
