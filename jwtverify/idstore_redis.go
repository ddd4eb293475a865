package jwtverify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redisx"
)

// DefaultIDPrefix prefixes the keys of a RedisIDStore whose Prefix is "".
const DefaultIDPrefix = "sesame.dpop.jti."

// RedisIDStoreConfig tunes a RedisIDStore. Its zero value is the default
// beside each field.
type RedisIDStoreConfig struct {
	// Prefix starts every key (default DefaultIDPrefix); give each API
	// sharing a Redis its own.
	Prefix string
	// WaitReplicas, when positive, makes every claim wait until that many
	// replicas acknowledged it (WAIT, in the same pipeline on the key's
	// master), so that a failover cannot forget an id and let its proof
	// through twice. Fewer acknowledgements within WaitTimeout refuse the
	// request (ErrUnavailable, 503). Default 0: no wait, as
	// session.RedisConfig.
	WaitReplicas int
	// WaitTimeout bounds that wait (default 1 s); it must be shorter than the
	// client's ReadTimeout.
	WaitTimeout time.Duration
	// Logger hears of the slot-map reloads asked after a connection error
	// (default: discard).
	Logger *slog.Logger
}

// RedisIDStore is an IDStore in Redis, shared by every instance of an API:
// one single-key SET prefix+id 1 NX PX ttl per proof (id is a digest, never
// the jti), so a single node, Sentinel and Cluster all work and two instances
// racing on one proof cannot both win. A Redis error is ErrUnavailable
// (503): a proof is never accepted unchecked.
type RedisIDStore struct{ once *redisx.OnceStore }

// NewRedisIDStore returns a store on client; a nil client, or a negative or
// too long wait, is ErrConfig.
//
//	ids, err := jwtverify.NewRedisIDStore(rdb, jwtverify.RedisIDStoreConfig{Prefix: "orders-api.dpop."})
func NewRedisIDStore(client redis.UniversalClient, cfg RedisIDStoreConfig) (*RedisIDStore, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultIDPrefix
	}
	once, err := redisx.NewOnceStore(client, cfg.Prefix, cfg.WaitReplicas, cfg.WaitTimeout, cfg.Logger)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &RedisIDStore{once: once}, nil
}

// Claim records id for ttl (at least a millisecond) with SET NX PX, then
// WAIT with WaitReplicas.
func (s *RedisIDStore) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	fresh, short, err := s.once.Claim(ctx, id, ttl)
	if err != nil {
		return false, fmt.Errorf("%w: DPoP proof ids: %w", ErrUnavailable, err)
	}
	if fresh && short != nil {
		return false, fmt.Errorf("%w: DPoP proof ids: %w", ErrUnavailable, short)
	}
	return fresh, nil
}
