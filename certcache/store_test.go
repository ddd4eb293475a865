package certcache

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// sameShard issues chains until n of them fall in one shard of s.
func sameShard(t *testing.T, p *pki, s *store, n int) []*Chain {
	t.Helper()
	byShard := map[*shard][]*Chain{}
	for range 64 * n * shardCount {
		c := p.chain(t, leafSpec{})
		sh := s.shard(c.Fingerprint())
		if byShard[sh] = append(byShard[sh], c); len(byShard[sh]) == n {
			return byShard[sh]
		}
	}
	t.Fatal("no shard filled")
	return nil
}

// A full shard evicts its least recently used chain.
func TestStoreEvictsLeastRecentlyUsed(t *testing.T) {
	p := newPKI(t)
	s := newStore(2 * shardCount) // two per shard
	c := sameShard(t, p, s, 3)
	exp := testNow.Add(time.Hour)
	s.put(c[0], exp, testNow)
	s.put(c[1], exp, testNow)
	if _, ok := s.get(c[0].Fingerprint(), testNow); !ok { // c[0] is now the most recent
		t.Fatal("c[0] missing")
	}
	s.put(c[2], exp, testNow)
	for i, want := range []bool{true, false, true} {
		if _, ok := s.get(c[i].Fingerprint(), testNow); ok != want {
			t.Errorf("chain %d present = %v, want %v", i, ok, want)
		}
	}
}

// The store never holds more than its bound, and dead entries go first.
func TestStoreBounded(t *testing.T) {
	p := newPKI(t)
	s := newStore(shardCount) // one per shard
	for range 3 * shardCount {
		s.put(p.chain(t, leafSpec{}), testNow.Add(time.Hour), testNow)
		if n := s.len(); n > shardCount {
			t.Fatalf("%d entries, bound %d", n, shardCount)
		}
	}
	s2 := newStore(2 * shardCount)
	c := sameShard(t, p, s2, 2)
	s2.put(c[0], testNow.Add(time.Second), testNow)
	s2.put(c[1], testNow.Add(time.Hour), testNow.Add(2*time.Second)) // c[0] is dead: dropped, not evicted for
	if n := len(s2.shard(c[1].Fingerprint()).load()); n != 1 {
		t.Fatalf("%d entries in the shard, want only the live one", n)
	}
}

// A memory hit allocates nothing, in RedisCache and MemoryCache alike.
func TestHitAllocatesNothing(t *testing.T) {
	p := newPKI(t)
	chain := p.chain(t, leafSpec{})
	m, err := NewMemoryCache(Config{Roots: p.roots(), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put(context.Background(), chain); err != nil {
		t.Fatal(err)
	}
	r := newRedisEnv(t).cache(t, Config{Roots: p.roots()}, testNow)
	if err := r.Put(context.Background(), chain); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]Cache{"memory": m, "redis": r} {
		ctx, fp := context.Background(), chain.Fingerprint()
		allocs := testing.AllocsPerRun(100, func() {
			if got, err := c.Get(ctx, fp); err != nil || got != chain {
				t.Fatalf("%s Get = %v, %v", name, got, err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per hit", name, allocs)
		}
	}
}

// MemoryCache: Put verifies, Get finds, expiry and absence are ErrNotFound.
func TestMemoryCache(t *testing.T) {
	p := newPKI(t)
	now := testNow
	m, err := NewMemoryCache(Config{Roots: p.roots(), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	chain := p.chain(t, leafSpec{})
	if _, err := m.Get(ctx, chain.Fingerprint()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Put = %v", err)
	}
	if err := m.Put(ctx, p.chain(t, leafSpec{org: "zOther"})); !errors.Is(err, ErrIDMG) {
		t.Fatalf("Put(bad O) = %v", err)
	}
	if err := m.Put(ctx, chain); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Get(ctx, chain.Fingerprint()); err != nil || got != chain {
		t.Fatalf("Get = %v, %v", got, err)
	}
	now = chain.NotAfter()
	if _, err := m.Get(ctx, chain.Fingerprint()); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get at expiry = %v, want ErrNotFound", err)
	}
	if s := m.Stats(); s.Memory != 0 || s.Verifications != 2 {
		t.Fatalf("Stats = %+v", s)
	}
}

// InsecureSkipVerify accepts a chain of unknown roots but still checks dates.
func TestInsecureSkipVerify(t *testing.T) {
	p := newPKI(t)
	m, err := NewMemoryCache(Config{InsecureSkipVerify: true, Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Put(context.Background(), p.chain(t, leafSpec{org: "zOther"})); err != nil {
		t.Fatalf("Put = %v", err)
	}
	expired := p.chain(t, leafSpec{notAfter: testNow.Add(-time.Second)})
	if err := m.Put(context.Background(), expired); !errors.Is(err, ErrExpired) {
		t.Fatalf("Put(expired) = %v, want ErrExpired", err)
	}
}

// Concurrent readers and writers of one store (run with -race).
func TestStoreConcurrent(t *testing.T) {
	p := newPKI(t)
	s := newStore(shardCount)
	chains := make([]*Chain, 8)
	for i := range chains {
		chains[i] = p.chain(t, leafSpec{})
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				c := chains[(g+i)%len(chains)]
				if i%3 == 0 {
					s.put(c, testNow.Add(time.Hour), testNow)
				} else if got, ok := s.get(c.Fingerprint(), testNow); ok && got != c {
					t.Error("wrong chain")
				}
			}
		})
	}
	wg.Wait()
}
