package googlecse

import (
	"hash/maphash"
	"sync"
)

// issuerMemo remembers the issuer of tokens that verified, so a repeat
// token is routed to its key source without being decoded again (its
// signature is then answered by jwtverify's cache). It is a direct-mapped
// table: a token takes the slot its hash names, pushing out whatever was
// there, so remembering costs no allocation and no eviction, and a fresh
// token costs one hash and one compare. A hit compares the whole token:
// a collision is a miss, never another token's issuer.
type issuerMemo struct {
	seed  maphash.Seed
	mu    sync.Mutex
	slots []memoSlot
	mask  uint64
}

type memoSlot struct {
	hash     uint64 // compared first: a miss never reads an old token's bytes
	raw, iss string
}

// issuerMemoSize is the number of slots (a power of two).
const issuerMemoSize = 1024

func newIssuerMemo() *issuerMemo {
	return &issuerMemo{seed: maphash.MakeSeed(), slots: make([]memoSlot, issuerMemoSize), mask: issuerMemoSize - 1}
}

// hash is raw's slot index source: a hash of its last 48 bytes (of its
// signature), which sets apart tokens that verified without reading a fresh
// token's whole (cold) text; get compares the whole token.
func (m *issuerMemo) hash(raw string) uint64 {
	return maphash.String(m.seed, raw[max(0, len(raw)-48):])
}

// get returns the issuer of raw (hash h), if raw verified before and still
// holds its slot.
func (m *issuerMemo) get(raw string, h uint64) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := &m.slots[h&m.mask]
	if s.hash != h || s.raw != raw {
		return "", false
	}
	return s.iss, true
}

// put remembers the issuer of raw (hash h), which verified.
func (m *issuerMemo) put(raw string, h uint64, iss string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.slots[h&m.mask] = memoSlot{hash: h, raw: raw, iss: iss}
}
