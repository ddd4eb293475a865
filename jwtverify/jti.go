package jwtverify

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/sesame-go/sesame/internal/replay"
)

// JTIStore remembers the ids of the DPoP proofs a Middleware accepted, so
// that a proof is used once (RFC 9449 §11.1). MemoryJTIStore serves one
// instance; RedisJTIStore serves every instance sharing a Redis.
type JTIStore interface {
	// Use records id for ttl and returns nil, or an error wrapping
	// ErrDPoPReplay when id is recorded and its ttl has not run out, or an
	// error wrapping ErrUnavailable when the store cannot tell (the request
	// is then refused with 503, never accepted unchecked).
	Use(ctx context.Context, id JTIKey, ttl time.Duration) error
}

// JTIKey names one proof in a JTIStore: the SHA-256 of the proof key's
// thumbprint and the proof's jti, so a store never holds a jti in the clear
// and two clients cannot collide.
type JTIKey [32]byte

// jtiKey derives the store key of a proof: SHA-256(jkt || 0 || jti), hashed
// from a stack buffer (a thumbprint is 43 bytes, a jti at most maxProofJTI).
func jtiKey(jkt, jti string) JTIKey {
	var buf [64 + 1 + maxProofJTI]byte
	return sha256.Sum256(append(append(append(buf[:0], jkt...), 0), jti...))
}

// DefaultMaxJTIs bounds a MemoryJTIStore made with max ≤ 0: at the default
// 60 s window, about 4,000 proofs a second.
const DefaultMaxJTIs = 1 << 18

// MemoryJTIStore is a JTIStore in this process's memory, for one instance
// (several instances need RedisJTIStore, or a proof accepted by one is
// accepted again by the next). It is bounded: when max ids are live it
// refuses new ones with ErrUnavailable (503) rather than forget one still
// usable.
type MemoryJTIStore struct {
	set *replay.Set
	now func() time.Time
}

// NewMemoryJTIStore returns a store holding at most max live ids
// (DefaultMaxJTIs when max ≤ 0); now is its clock (nil: time.Now).
//
//	dpop, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{JTIStore: jwtverify.NewMemoryJTIStore(0, nil)})
func NewMemoryJTIStore(max int, now func() time.Time) *MemoryJTIStore {
	if max <= 0 {
		max = DefaultMaxJTIs
	}
	if now == nil {
		now = time.Now
	}
	return &MemoryJTIStore{set: replay.New(max), now: now}
}

// Use records id for ttl (rounded up to the second).
func (s *MemoryJTIStore) Use(_ context.Context, id JTIKey, ttl time.Duration) error {
	now := s.now()
	exp := now.Add(ttl + time.Second - 1).Unix()
	err := s.set.Mark(replay.Key(id[:16]), exp, now.Unix())
	switch {
	case errors.Is(err, replay.ErrUsed):
		return ErrDPoPReplay
	case err != nil:
		return fmt.Errorf("%w: DPoP jti memory: %w", ErrUnavailable, err)
	}
	return nil
}
