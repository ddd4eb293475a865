package session

import (
	"context"
	"time"
)

// Store is where records live, by key. Implementations must be safe for concurrent
// use and return ErrUnavailable (wrapped) when the backend cannot answer.
type Store interface {
	// Load returns the value stored under key; found is false when there is none.
	Load(ctx context.Context, key string) (value []byte, found bool, err error)
	// Save stores value under key for ttl (> 0), replacing any value.
	Save(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// AtomicStore is a Store that can read-and-extend and compare-and-set in one
// step each. The Manager needs it: it is how a request that only reads costs one
// command and how concurrent writers lose nothing. RedisStore and MemoryStore
// implement it.
type AtomicStore interface {
	Store
	// LoadTouch is Load that also resets the TTL of a found key to ttl.
	LoadTouch(ctx context.Context, key string, ttl time.Duration) (value []byte, found bool, err error)
	// CompareAndSave stores value under key for ttl only if the stored value is
	// still old (byte for byte; a nil old means "no value"). Otherwise it stores
	// nothing and returns saved false with the current value (found false when
	// there is none), so the caller can merge and retry without another read.
	CompareAndSave(ctx context.Context, key string, old, value []byte, ttl time.Duration) (saved bool, current []byte, found bool, err error)
}
