package jwtverify

import (
	"context"
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/sesame-go/sesame/internal/replay"
)

// IDStore remembers one-time ids until they expire, so that a second use is
// refused: the jti of the DPoP proofs a Middleware accepted (RFC 9449
// §11.1). MemoryIDStore serves one instance; RedisIDStore serves every
// instance sharing a Redis. oidc's IDStores (logout token ids) have the same
// method, so one type serves both.
type IDStore interface {
	// Claim records id for ttl and reports whether it is new: false when id
	// is recorded and has not expired. An error means the store could not
	// tell (it should wrap ErrUnavailable); the request is then refused with
	// 503, never accepted unchecked. id is a digest (43 base64url
	// characters), never the jti itself.
	Claim(ctx context.Context, id string, ttl time.Duration) (bool, error)
}

// proofID names a proof in an IDStore: the base64url SHA-256 of the proof
// key's thumbprint and the proof's jti, so a store never holds a jti in the
// clear and two clients cannot collide. It hashes from a stack buffer (a
// thumbprint is 43 bytes, a jti at most maxProofJTI).
func proofID(jkt, jti string) string {
	var buf [64 + 1 + maxProofJTI]byte
	sum := sha256.Sum256(append(append(append(buf[:0], jkt...), 0), jti...))
	return b64.EncodeToString(sum[:])
}

// DefaultMaxIDs bounds a MemoryIDStore made with max ≤ 0: at the default
// 60 s window, about 4,000 proofs a second.
const DefaultMaxIDs = 1 << 18

// MemoryIDStore is an IDStore in this process's memory, for one instance
// (several instances need RedisIDStore, or a proof accepted by one is
// accepted again by the next). It is bounded: when max ids are live it
// refuses new ones with ErrUnavailable (503) rather than forget one still
// usable.
type MemoryIDStore struct {
	set *replay.Set
	now func() time.Time
}

// NewMemoryIDStore returns a store holding at most max live ids
// (DefaultMaxIDs when max ≤ 0); now is its clock (nil: time.Now).
//
//	dpop, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{ProofIDs: jwtverify.NewMemoryIDStore(1<<20, nil)})
func NewMemoryIDStore(max int, now func() time.Time) *MemoryIDStore {
	if max <= 0 {
		max = DefaultMaxIDs
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryIDStore{set: replay.New(max), now: now}
}

// Claim records id for ttl (rounded up to the second).
func (s *MemoryIDStore) Claim(_ context.Context, id string, ttl time.Duration) (bool, error) {
	fresh, err := s.set.Claim(id, ttl, s.now())
	if err != nil {
		return false, fmt.Errorf("%w: DPoP proof ids in memory: %w", ErrUnavailable, err)
	}
	return fresh, nil
}
