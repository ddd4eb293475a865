package jwtverify

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/internal/tokencache"
)

// offer offers raw to c twice, as two verifications of it would: the first
// only passes the doorkeeper, the second is cached.
func offer(t *testing.T, c *sigCache, raw string) {
	t.Helper()
	h := c.hash(raw)
	c.add(h, &Token{raw: raw}, nil, algorithm{})
	c.add(h, &Token{raw: raw}, nil, algorithm{})
}

// A token whose hash collides with a cached one's is a miss: the entry's
// token is compared in full. (A real collision cannot be aimed at without
// the cache's seed; the test plants one by looking up under another
// token's hash.)
func TestSigCacheCollisionIsAMiss(t *testing.T) {
	c := newSigCache(4)
	offer(t, c, "token-a")
	h := c.hash("token-a")
	if _, ok := c.get("token-b", h); ok {
		t.Fatal("a colliding token got another token's entry")
	}
	if e, ok := c.get("token-a", h); !ok || e.raw != "token-a" {
		t.Fatal("the cached token was not found")
	}
	c.remove("token-b", h) // same hash slot only in a collision; never another token's entry
	if _, ok := c.get("token-a", h); !ok {
		t.Fatal("removing another token dropped the entry")
	}
}

// A token is admitted on its second verification: the first only leaves
// its hash with the doorkeeper, which never answers a lookup.
func TestSigCacheAdmitsOnSecondSighting(t *testing.T) {
	c := newSigCache(4)
	h := c.hash("token-a")
	c.add(h, &Token{raw: "token-a"}, nil, algorithm{})
	if _, ok := c.get("token-a", h); ok || len(c.items) != 0 {
		t.Fatal("a token seen once was cached")
	}
	c.add(h, &Token{raw: "token-a"}, nil, algorithm{})
	if _, ok := c.get("token-a", h); !ok {
		t.Fatal("a token seen twice was not cached")
	}
}

// Eviction drops the least recently used entries, by their stored hash;
// tokens seen once never take an entry's place.
func TestSigCacheEvicts(t *testing.T) {
	c := newSigCache(3)
	for i := range 5 {
		offer(t, c, fmt.Sprint("token-", i))
		if i == 2 {
			c.get("token-0", c.hash("token-0")) // token-0 becomes the most recent
		}
	}
	if len(c.items) != 3 || c.ll.Len() != 3 {
		t.Fatalf("%d items, %d in the list, want 3", len(c.items), c.ll.Len())
	}
	for i := range 100 { // a stream of tokens seen once
		raw := fmt.Sprint("once-", i)
		c.add(c.hash(raw), &Token{raw: raw}, nil, algorithm{})
	}
	for raw, want := range map[string]bool{"token-0": true, "token-1": false, "token-2": false, "token-3": true, "token-4": true} {
		if _, ok := c.get(raw, c.hash(raw)); ok != want {
			t.Errorf("%s cached %v, want %v", raw, ok, want)
		}
	}
}

// Tokens sharing their hashed tail share an index: each finds only its own
// entry, the newest holds the index, and neither ever gets the other's.
func TestSigCacheSharedTail(t *testing.T) {
	c := newSigCache(4)
	shared := strings.Repeat("s", tokencache.TailSize)
	a, b := "token-a."+shared, "token-b."+shared
	if c.hash(a) != c.hash(b) {
		t.Fatal("tokens with the same tail hashed apart: the index is not the tail's")
	}
	offer(t, c, a)
	offer(t, c, b)
	if e, ok := c.get(b, c.hash(b)); !ok || e.raw != b {
		t.Fatal("the newest token is not cached")
	}
	if e, ok := c.get(a, c.hash(a)); ok {
		t.Fatalf("token a answered with %q's entry", e.raw)
	}
}
