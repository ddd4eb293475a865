// Package tokencache holds what Sesame's caches of tokens share: the index
// hash of a token (its signature's tail) and the doorkeeper that admits a
// token on its second sighting. jwtverify's verified-signature cache,
// beswarm's claims cache and googlecse's issuer memory use them.
package tokencache

import "hash/maphash"

// TailSize is how many of a token's last bytes its index hashes: 48
// base64url characters, 288 bits of its signature. Distinct tokens that
// verified differ there; a cache compares whole tokens on a hit, so tokens
// sharing a tail only share an index. Hashing the tail alone spares a fresh
// token's lookup the read of its whole (cold) text.
const TailSize = 48

// Hash returns the index hash of raw under seed: a hash of its last
// TailSize bytes (all of a shorter raw).
func Hash(seed maphash.Seed, raw string) uint64 {
	return maphash.String(seed, raw[max(0, len(raw)-TailSize):])
}

// Doorkeeper remembers the hashes of tokens seen once, in a direct-mapped
// table: a token is admitted to a cache on its second sighting, so tokens
// seen once (one-shot calls, a flood) cost the cache nothing and cannot
// push repeat tokens out. A hash that takes another's slot only delays that
// one's admission. It holds hashes only and decides admission, never a
// verdict. Not safe for concurrent use: callers hold their cache's lock.
type Doorkeeper struct {
	seen []uint64 // h|1 of a token seen once, at h&mask; 0 is empty
	mask uint64
}

// NewDoorkeeper returns a Doorkeeper of at least n slots (a power of two).
func NewDoorkeeper(n int) *Doorkeeper {
	size := 1
	for size < n {
		size <<= 1
	}
	return &Doorkeeper{seen: make([]uint64, size), mask: uint64(size - 1)}
}

// Admit reports whether the token of hash h was seen before (and still holds
// its slot); if not, it remembers h.
func (d *Doorkeeper) Admit(h uint64) bool {
	slot := &d.seen[h&d.mask]
	if *slot == h|1 { // |1: an empty slot (0) never matches
		return true
	}
	*slot = h | 1
	return false
}
