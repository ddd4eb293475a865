package certcache

import (
	"context"
	"fmt"
	"sync/atomic"
)

// MemoryCache is a Cache in process memory only: for a service without Redis,
// and for tests. Put verifies a chain once and Get answers from memory with no
// lock and no allocation. It is safe for concurrent use.
type MemoryCache struct {
	cfg    Config
	mem    *store
	checks atomic.Int64
}

// NewMemoryCache returns an empty MemoryCache of at most cfg.MemorySize chains
// (which must not be negative). cfg.TTL and cfg.Timeout are not used.
func NewMemoryCache(cfg Config) (*MemoryCache, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.MemorySize < 0 {
		return nil, fmt.Errorf("%w: a MemoryCache needs a positive MemorySize", ErrConfig)
	}
	return &MemoryCache{cfg: cfg, mem: newStore(cfg.MemorySize)}, nil
}

// Get returns the chain stored under fp (64 hex characters, either case), or
// ErrNotFound when there is none or it has expired; ErrInvalidFingerprint when
// fp is not a fingerprint.
func (m *MemoryCache) Get(_ context.Context, fp string) (*Chain, error) {
	fp, err := normalizeFingerprint(fp)
	if err != nil {
		return nil, err
	}
	if c, ok := m.mem.get(fp, m.cfg.Now()); ok {
		return c, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNotFound, fp)
}

// Put verifies chain (see Config.Roots) and keeps it until it expires or is
// evicted.
func (m *MemoryCache) Put(_ context.Context, chain *Chain) error {
	if chain == nil {
		return fmt.Errorf("%w: nil chain", ErrMalformed)
	}
	now := m.cfg.Now()
	m.checks.Add(1)
	expires, err := m.cfg.check(chain, now)
	if err != nil {
		return err
	}
	m.mem.put(chain, expires, now)
	return nil
}

// Stats returns the cache's counters.
func (m *MemoryCache) Stats() Stats {
	return Stats{Verifications: m.checks.Load(), Memory: m.mem.len()}
}

// Stats are a cache's counters, for tests and metrics. Hits are not counted:
// counting them would put a shared write on the lock-free hit path.
type Stats struct {
	// Reads is the number of Redis reads (GETEX) made.
	Reads int64
	// Verifications is the number of chains checked (Chain.Verify, or the dates
	// only with InsecureSkipVerify).
	Verifications int64
	// Deleted is the number of records deleted because their key's fingerprint
	// did not match their chain.
	Deleted int64
	// Memory is the number of chains in memory.
	Memory int
}
