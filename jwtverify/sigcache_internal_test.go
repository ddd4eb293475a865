package jwtverify

import (
	"fmt"
	"hash/maphash"
	"testing"
)

// A token whose hash collides with a cached one's is a miss: the entry's
// token is compared in full. (A real collision cannot be aimed at without
// the cache's seed; the test plants one by looking up under another
// token's hash.)
func TestSigCacheCollisionIsAMiss(t *testing.T) {
	c := newSigCache(4)
	c.add(&cacheEntry{raw: "token-a"})
	h := maphash.String(c.seed, "token-a")
	if _, ok := c.lookup("token-b", h); ok {
		t.Fatal("a colliding token got another token's entry")
	}
	if e, ok := c.get("token-a"); !ok || e.raw != "token-a" {
		t.Fatal("the cached token was not found")
	}
	c.remove("token-b") // same hash slot only in a collision; never another token's entry
	if _, ok := c.get("token-a"); !ok {
		t.Fatal("removing another token dropped the entry")
	}
}

// Eviction drops the least recently used entries, by their stored hash.
func TestSigCacheEvicts(t *testing.T) {
	c := newSigCache(3)
	for i := range 5 {
		c.add(&cacheEntry{raw: fmt.Sprint("token-", i)})
		if i == 2 {
			c.get("token-0") // token-0 becomes the most recent
		}
	}
	if len(c.items) != 3 || c.ll.Len() != 3 {
		t.Fatalf("%d items, %d in the list, want 3", len(c.items), c.ll.Len())
	}
	for raw, want := range map[string]bool{"token-0": true, "token-1": false, "token-2": false, "token-3": true, "token-4": true} {
		if _, ok := c.get(raw); ok != want {
			t.Errorf("%s cached %v, want %v", raw, ok, want)
		}
	}
}
