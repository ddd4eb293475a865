package jwtverify

import (
	"container/list"
	"sync"
)

// sigCache remembers tokens whose signature verified, keyed by the whole
// compact token (the entry's Token holds that string anyway, so the key costs
// no memory; the map compares keys in full, so there is no collision to forge),
// so a repeat token skips the signature math. It never skips
// the claim checks: the Verifier runs them on every call. An entry is only used
// while its key is still in the key source, and is dropped once the token expires.
type sigCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List // front = most recently used
	items map[string]*list.Element
}

type cacheEntry struct {
	raw string
	tok *Token
	key *preparedKey
	alg algorithm
}

func newSigCache(max int) *sigCache {
	return &sigCache{max: max, ll: list.New(), items: make(map[string]*list.Element, max)}
}

func (c *sigCache) get(raw string) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[raw]
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry), true
}

func (c *sigCache) add(e *cacheEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[e.raw]; ok {
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.items[e.raw] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).raw)
	}
}

func (c *sigCache) remove(raw string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[raw]; ok {
		c.ll.Remove(el)
		delete(c.items, raw)
	}
}
