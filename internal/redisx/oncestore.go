package redisx

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// OnceStore is the Redis part of a store of one-time ids (oidc's logout
// token ids, jwtverify's DPoP proof ids): one SET prefix+id 1 NX PX ttl per
// claim (SetOnce, with WAIT when asked), a DEL to release, every error
// passed through a Reloader. The exported stores wrap it with their
// package's sentinels and their rule for a claim the replicas did not
// acknowledge.
type OnceStore struct {
	client redis.UniversalClient
	prefix string
	reload *Reloader
	wait   Wait
}

// ErrNilClient is NewOnceStore's error for a nil client.
var ErrNilClient = errors.New("nil Redis client")

// NewOnceStore returns a store on client whose keys start with prefix; a
// nil client is ErrNilClient, a bad wait NewWait's error.
func NewOnceStore(client redis.UniversalClient, prefix string, waitReplicas int, waitTimeout time.Duration, logger *slog.Logger) (*OnceStore, error) {
	if client == nil {
		return nil, ErrNilClient
	}
	wait, err := NewWait(client, waitReplicas, waitTimeout)
	if err != nil {
		return nil, err
	}
	return &OnceStore{client: client, prefix: prefix, reload: NewReloader(client, logger), wait: wait}, nil
}

// Claim records id for ttl and reports whether it was new; short, with
// fresh, says the replicas did not acknowledge it in time (see SetOnce).
// err has been through the Reloader.
func (s *OnceStore) Claim(ctx context.Context, id string, ttl time.Duration) (fresh bool, short, err error) {
	fresh, short, err = SetOnce(ctx, s.client, s.wait, s.prefix+id, ttl)
	if err != nil {
		return false, nil, s.reload.Check(ctx, err)
	}
	return fresh, short, nil
}

// Release forgets id with one DEL; the error has been through the Reloader.
func (s *OnceStore) Release(ctx context.Context, id string) error {
	if err := s.client.Del(ctx, s.prefix+id).Err(); err != nil {
		return s.reload.Check(ctx, err)
	}
	return nil
}
