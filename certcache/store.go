package certcache

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// shardCount is the number of independent shards of the in-memory tier.
const shardCount = 16

// store is the in-memory tier: shards of copy-on-write maps. A hit takes no lock
// and allocates nothing: one atomic load of the shard's map, a lookup, a clock
// comparison and, at most once per insert anywhere in the store, an atomic store
// of the entry's recency. Inserts and removals copy their shard's map under the
// shard's mutex; they follow a Redis read and a chain verification, which cost far
// more. When a shard is full, the least recently used entry (to the resolution
// of one insert) gives way.
type store struct {
	seed     maphash.Seed
	perShard int
	epoch    atomic.Uint64 // advanced by 2 by every insert; recency stamps
	shards   [shardCount]shard
}

type shard struct {
	m  atomic.Pointer[map[string]*entry]
	mu sync.Mutex // serialises writers; readers never take it
	_  [48]byte   // keeps shards on separate cache lines
}

type entry struct {
	chain   *Chain
	expires int64 // unix nanoseconds; the entry is dead from then on
	used    atomic.Uint64
}

// newStore returns a store holding about size chains (at least one per shard).
func newStore(size int) *store {
	return &store{seed: maphash.MakeSeed(), perShard: max(1, (size+shardCount-1)/shardCount)}
}

func (s *store) shard(fp string) *shard {
	return &s.shards[maphash.String(s.seed, fp)%shardCount]
}

// get returns the live chain stored under fp. A dead entry is removed.
func (s *store) get(fp string, now time.Time) (*Chain, bool) {
	sh := s.shard(fp)
	m := sh.m.Load()
	if m == nil {
		return nil, false
	}
	e := (*m)[fp]
	if e == nil {
		return nil, false
	}
	if now.UnixNano() >= e.expires {
		sh.remove(fp, e)
		return nil, false
	}
	if ep := s.epoch.Load() + 1; e.used.Load() != ep {
		e.used.Store(ep) // newer than the latest insert, older than the next
	}
	return e.chain, true
}

// put stores chain under its fingerprint until expires.
func (s *store) put(c *Chain, expires time.Time, now time.Time) {
	e := &entry{chain: c, expires: expires.UnixNano()}
	e.used.Store(s.epoch.Add(2))
	sh := s.shard(c.Fingerprint())
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.load()
	next := make(map[string]*entry, min(len(old)+1, s.perShard))
	for fp, o := range old {
		if o.expires > now.UnixNano() && fp != c.Fingerprint() {
			next[fp] = o
		}
	}
	for len(next) >= s.perShard {
		delete(next, leastRecent(next))
	}
	next[c.Fingerprint()] = e
	sh.m.Store(&next)
}

// len returns the number of entries, live or not yet removed.
func (s *store) len() int {
	n := 0
	for i := range s.shards {
		n += len(s.shards[i].load())
	}
	return n
}

func (sh *shard) load() map[string]*entry {
	if m := sh.m.Load(); m != nil {
		return *m
	}
	return nil
}

// remove drops fp if it still maps to e.
func (sh *shard) remove(fp string, e *entry) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	old := sh.load()
	if old[fp] != e {
		return
	}
	next := make(map[string]*entry, len(old)-1)
	for k, v := range old {
		if k != fp {
			next[k] = v
		}
	}
	sh.m.Store(&next)
}

func leastRecent(m map[string]*entry) string {
	var victim string
	var oldest uint64
	for fp, e := range m {
		if u := e.used.Load(); victim == "" || u < oldest {
			victim, oldest = fp, u
		}
	}
	return victim
}
