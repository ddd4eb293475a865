package jwtverify

import (
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redisx"
)

// DefaultJTIPrefix prefixes the keys of a RedisJTIStore whose Prefix is "".
const DefaultJTIPrefix = "sesame:dpop:jti:"

// RedisJTIConfig tunes a RedisJTIStore. Its zero value is the default
// beside each field.
type RedisJTIConfig struct {
	// Prefix starts every key (default DefaultJTIPrefix); give each
	// application sharing a Redis its own.
	Prefix string
	// Logger hears of the slot-map reloads asked after a connection error
	// (default: discard).
	Logger *slog.Logger
}

// RedisJTIStore is a JTIStore in Redis, shared by every instance of an API:
// one single-key SET NX PX per proof (the key is the prefix and the base64url
// JTIKey, never the jti), so a single node, Sentinel and Cluster all work and
// two instances racing on one proof cannot both win. A Redis error is
// ErrUnavailable (503): a proof is never accepted unchecked.
type RedisJTIStore struct {
	client redis.UniversalClient
	prefix string
	reload *redisx.Reloader
}

// NewRedisJTIStore returns a store on client.
//
//	jtis, err := jwtverify.NewRedisJTIStore(rdb, jwtverify.RedisJTIConfig{Prefix: "orders-api:dpop:"})
func NewRedisJTIStore(client redis.UniversalClient, cfg RedisJTIConfig) (*RedisJTIStore, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil Redis client", ErrConfig)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultJTIPrefix
	}
	return &RedisJTIStore{client: client, prefix: cfg.Prefix, reload: redisx.NewReloader(client, cfg.Logger)}, nil
}

// Use records id for ttl (at least a millisecond) with SET NX PX.
func (s *RedisJTIStore) Use(ctx context.Context, id JTIKey, ttl time.Duration) error {
	ttl = max((ttl + time.Millisecond - 1).Truncate(time.Millisecond), time.Millisecond)
	key := s.prefix + base64.RawURLEncoding.EncodeToString(id[:])
	fresh, err := s.client.SetNX(ctx, key, 1, ttl).Result()
	if err != nil {
		return fmt.Errorf("%w: DPoP jti store: %w", ErrUnavailable, s.reload.Check(ctx, err))
	}
	if !fresh {
		return ErrDPoPReplay
	}
	return nil
}
