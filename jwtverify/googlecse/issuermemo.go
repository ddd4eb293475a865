package googlecse

import (
	"hash/maphash"
	"sync"

	"github.com/sesame-go/sesame/internal/tokencache"
)

// issuerMemo remembers the issuer of tokens that verified, so a repeat
// token is routed to its key source without being decoded again (its
// signature is then answered by jwtverify's cache). It is a direct-mapped
// table: a token takes the slot its hash names, pushing out whatever was
// there, so remembering costs no allocation and no eviction. A fresh
// token costs one hash and one compare in a compact array of hashes (the
// tokens and issuers are read only on a hash match). A hit compares the
// whole token: a collision is a miss, never another token's issuer.
type issuerMemo struct {
	seed   maphash.Seed
	mu     sync.Mutex
	hashes []uint64   // hashes[i] is the hash of slots[i].raw (0: empty)
	slots  []memoSlot // read on a hash match only
}

type memoSlot struct {
	raw, iss string
}

// issuerMemoSize is the number of slots (a power of two).
const issuerMemoSize = 1024

func newIssuerMemo() *issuerMemo {
	return &issuerMemo{seed: maphash.MakeSeed(), hashes: make([]uint64, issuerMemoSize), slots: make([]memoSlot, issuerMemoSize)}
}

// hash is raw's slot index source (tokencache.Hash: its signature's tail);
// get compares the whole token.
func (m *issuerMemo) hash(raw string) uint64 { return tokencache.Hash(m.seed, raw) }

// get returns the issuer of raw (hash h), if raw verified before and still
// holds its slot.
func (m *issuerMemo) get(raw string, h uint64) (string, bool) {
	i := h & (issuerMemoSize - 1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.hashes[i] != h || m.slots[i].raw != raw {
		return "", false
	}
	return m.slots[i].iss, true
}

// put remembers the issuer of raw (hash h), which verified.
func (m *issuerMemo) put(raw string, h uint64, iss string) {
	i := h & (issuerMemoSize - 1)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hashes[i], m.slots[i] = h, memoSlot{raw: raw, iss: iss}
}
