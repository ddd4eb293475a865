package jwtverify

import (
	"container/list"
	"hash/maphash"
	"sync"

	"github.com/sesame-go/sesame/internal/tokencache"
)

// sigCache remembers tokens whose signature verified, so a repeat token
// skips the signature math. It never skips the claim checks: the Verifier
// runs them on every call. An entry is only used while its key is still in
// the key source, and is dropped once the token expires.
//
// Entries are indexed by tokencache.Hash (a hash of the token's signature
// tail under a seed drawn per cache), and each keeps its token: a hit
// compares the whole token, so a collision (tokens sharing a tail, or a
// hash collision no one can aim at without the seed) is a miss, never
// another token's verdict. Evicting deletes by the
// stored hash, so it does not read the old token's bytes again: with fresh
// tokens cycling through a full cache, hashing the evicted (cold) token was
// a measurable part of a verification.
//
// A token is admitted on its second verification, not its first: a
// tokencache.Doorkeeper remembers the first. Most tokens of some flows are seen once (a KACLS's
// token pairs, a client's one-shot calls); caching them cost every fresh
// verification an insert, an eviction and a retained token for nothing, and
// a stream of fresh tokens pushed the repeat ones out. A token used again
// pays one more full verification, then hits.
type sigCache struct {
	mu    sync.Mutex
	max   int
	seed  maphash.Seed
	ll    *list.List // front = most recently used
	items map[uint64]*list.Element
	door  *tokencache.Doorkeeper
}

type cacheEntry struct {
	raw  string
	hash uint64 // maphash of raw under the cache's seed
	tok  *Token
	key  *preparedKey
	alg  algorithm
}

func newSigCache(max int) *sigCache {
	return &sigCache{max: max, seed: maphash.MakeSeed(), ll: list.New(), items: make(map[uint64]*list.Element, max),
		door: tokencache.NewDoorkeeper(max)}
}

// hash is raw's index under the cache's seed.
func (c *sigCache) hash(raw string) uint64 { return tokencache.Hash(c.seed, raw) }

// lookup returns raw's element, if cached; c.mu is held.
func (c *sigCache) lookup(raw string, h uint64) (*list.Element, bool) {
	el, ok := c.items[h]
	if !ok || el.Value.(*cacheEntry).raw != raw {
		return nil, false
	}
	return el, true
}

// get returns the entry of raw, whose hash is h.
func (c *sigCache) get(raw string, h uint64) (*cacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.lookup(raw, h)
	if !ok {
		return nil, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*cacheEntry), true
}

// add offers a freshly verified token, whose hash is h: it is cached if the
// doorkeeper saw it before, else the doorkeeper remembers it.
func (c *sigCache) add(h uint64, tok *Token, key *preparedKey, a algorithm) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.door.Admit(h) {
		return
	}
	e := &cacheEntry{raw: tok.raw, hash: h, tok: tok, key: key, alg: a}
	if el, ok := c.items[h]; ok { // the same token, or a colliding one: the newest wins
		el.Value = e
		c.ll.MoveToFront(el)
		return
	}
	c.items[h] = c.ll.PushFront(e)
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*cacheEntry).hash)
	}
}

// remove drops raw, whose hash is h.
func (c *sigCache) remove(raw string, h uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.lookup(raw, h); ok {
		c.ll.Remove(el)
		delete(c.items, h)
	}
}
