package oidc

import (
	"context"
	"fmt"
	"time"

	"github.com/sesame-go/sesame/internal/replay"
)

// IDStore remembers one-time ids until they expire, so that a second use is
// refused: the jti of back-channel logout tokens (Config.LogoutIDs). The
// default keeps them in the Client's memory; behind several instances of an
// app, give every Client one RedisIDStore so a token accepted by one instance
// is refused by all the others:
//
//	ids, err := oidc.NewRedisIDStore(rdb, oidc.RedisIDStoreConfig{})
//	client, err := oidc.New(oidc.Config{Issuer: issuer, ClientID: id, ClientSecret: secret, LogoutIDs: ids})
type IDStore interface {
	// Claim records id for ttl and reports whether it is new: false when id
	// is recorded and has not expired. An error means the store could not
	// tell (it wraps ErrUnavailable, or ErrBusy when a memory is full); the
	// token is then refused, never accepted unchecked. id is a digest the
	// Client computes (any string is safe as a key).
	Claim(ctx context.Context, id string, ttl time.Duration) (bool, error)
	// Release forgets id, so that a token whose processing failed after
	// Claim (the sessions could not be ended) is accepted when the provider
	// sends it again.
	Release(ctx context.Context, id string) error
}

// memoryIDs is the default IDStore: bounded, in this Client's memory.
type memoryIDs struct {
	set *replay.Set
	now func() time.Time
}

func newMemoryIDs(max int, now func() time.Time) *memoryIDs {
	return &memoryIDs{set: replay.New(max), now: now}
}

// Claim implements IDStore: ErrBusy when the memory is full (ids are never
// forgotten before they expire).
func (m *memoryIDs) Claim(_ context.Context, id string, ttl time.Duration) (bool, error) {
	fresh, err := m.set.Claim(id, ttl, m.now())
	if err != nil {
		return false, fmt.Errorf("%w: %w", ErrBusy, err)
	}
	return fresh, nil
}

// Release implements IDStore.
func (m *memoryIDs) Release(_ context.Context, id string) error {
	m.set.Release(id)
	return nil
}
