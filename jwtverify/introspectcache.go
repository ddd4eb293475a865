package jwtverify

import "sync"

// introCache remembers an Introspector's answers by the SHA-256 of the
// token: active ones (a *Token) until their exp or the maximum TTL, refusals
// (the error) for the negative TTL. Both maps are bounded; when one is full,
// an insert first drops the expired entries it meets (a few), else one
// entry. A hit costs one read lock and one map lookup, and allocates nothing.
type introCache struct {
	mu             sync.RWMutex
	active         map[[32]byte]activeEntry
	refused        map[[32]byte]refusedEntry
	maxActive, max int // max bounds refused
}

type activeEntry struct {
	tok   *Token
	until int64 // Unix nanoseconds
}

type refusedEntry struct {
	err   error
	until int64
}

// evictScan bounds how many entries an insert into a full map looks at.
const evictScan = 8

func newIntroCache(size int) *introCache {
	return &introCache{
		active:    make(map[[32]byte]activeEntry),
		refused:   make(map[[32]byte]refusedEntry),
		maxActive: size,
		max:       max(size/4, 16),
	}
}

// get returns the remembered answer for key at now, if any.
func (c *introCache) get(key *[32]byte, now int64) (*Token, error, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if e, ok := c.active[*key]; ok && now < e.until {
		return e.tok, nil, true
	}
	if e, ok := c.refused[*key]; ok && now < e.until {
		return nil, e.err, true
	}
	return nil, nil, false
}

func (c *introCache) putActive(key *[32]byte, tok *Token, until int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.refused, *key)
	putBounded(c.active, key, activeEntry{tok, until}, c.maxActive, func(e activeEntry) int64 { return e.until })
}

func (c *introCache) putRefusal(key *[32]byte, err error, until int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.active, *key)
	putBounded(c.refused, key, refusedEntry{err, until}, c.max, func(e refusedEntry) int64 { return e.until })
}

// putBounded stores e under key, first making room in a full map.
func putBounded[E any](m map[[32]byte]E, key *[32]byte, e E, max int, until func(E) int64) {
	if _, ok := m[*key]; !ok && len(m) >= max {
		makeRoom(m, until)
	}
	m[*key] = e
}

// makeRoom deletes from a full map the entry that expires first among the
// first evictScan ones the (random) iteration yields.
func makeRoom[E any](m map[[32]byte]E, until func(E) int64) {
	var victim [32]byte
	first := int64(1<<63 - 1)
	n := 0
	for k, e := range m {
		if u := until(e); u < first {
			victim, first = k, u
		}
		if n++; n == evictScan {
			break
		}
	}
	delete(m, victim)
}
