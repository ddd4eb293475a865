package replay

import (
	"crypto/sha256"
	"errors"
	"time"
)

// KeyOf is the Key of a one-time id of any length: the first 16 bytes of its
// SHA-256, so the set never holds the id itself.
func KeyOf(id string) Key {
	sum := sha256.Sum256([]byte(id))
	return Key(sum[:16])
}

// Claim marks id (by KeyOf) for ttl from now, rounded up to the second, and
// reports whether it was new: false when it is marked and not expired. The
// error is Mark's ErrFull: the caller refuses rather than forget a live id.
// It is the memory half of an id store (oidc's logout token ids,
// jwtverify's DPoP proof ids).
func (s *Set) Claim(id string, ttl time.Duration, now time.Time) (bool, error) {
	err := s.Mark(KeyOf(id), now.Add(ttl+time.Second-1).Unix(), now.Unix())
	if errors.Is(err, ErrUsed) {
		return false, nil
	}
	return err == nil, err
}

// Release forgets id (by KeyOf), so that it can be claimed again.
func (s *Set) Release(id string) { s.Forget(KeyOf(id)) }
