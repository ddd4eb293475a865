package oidc

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesame-go/sesame/internal/redisx"
)

// DefaultIDPrefix is RedisIDStoreConfig.Prefix's default.
const DefaultIDPrefix = "sesame.oidc.jti."

// RedisIDStore is an IDStore in Redis, shared by every instance of an app: a
// claim is one SET prefix+id 1 NX PX ttl, a single-key command, so a single
// node, Sentinel and Cluster all work. It lives in package oidc beside the
// handler that needs it; the session package's Redis types are the session's.
type RedisIDStore struct{ once *redisx.OnceStore }

// RedisIDStoreConfig tunes a RedisIDStore. The zero value is the default:
// keys under DefaultIDPrefix, a claim acknowledged once the master applied
// it.
type RedisIDStoreConfig struct {
	// Prefix precedes each id in its key; default DefaultIDPrefix.
	Prefix string
	// WaitReplicas, when positive, makes every claim wait until that many
	// replicas acknowledged it (WAIT, in the same pipeline on the key's
	// master), so that a failover cannot forget an id and let its token
	// through twice. Fewer acknowledgements within WaitTimeout fail the claim
	// (ErrUnavailable: the token is refused for now and its claim undone, the
	// provider sends it again). Default 0: no wait, as session.RedisConfig.
	WaitReplicas int
	// WaitTimeout bounds that wait; default 1 s. It must be shorter than the
	// client's ReadTimeout.
	WaitTimeout time.Duration
	// Logger hears of the slot-map reloads asked after connection errors; nil
	// discards.
	Logger *slog.Logger
}

// NewRedisIDStore returns a RedisIDStore on client; a nil client, or a
// negative or too long wait, is ErrConfig.
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

// Claim implements IDStore with one SET … NX PX (then WAIT, with
// WaitReplicas).
func (s *RedisIDStore) Claim(ctx context.Context, id string, ttl time.Duration) (bool, error) {
	fresh, short, err := s.once.Claim(ctx, id, ttl)
	switch {
	case err != nil:
		return false, unavailableIDs(err)
	case !fresh:
		return false, nil
	case short != nil:
		_ = s.Release(ctx, id) // the provider's retry must not look like a replay
		return false, fmt.Errorf("%w: %w", ErrUnavailable, short)
	}
	return true, nil
}

// Release implements IDStore with one DEL.
func (s *RedisIDStore) Release(ctx context.Context, id string) error {
	if err := s.once.Release(ctx, id); err != nil {
		return unavailableIDs(err)
	}
	return nil
}

// unavailableIDs wraps a command's error in ErrUnavailable.
func unavailableIDs(err error) error {
	return fmt.Errorf("%w: jti store: %w", ErrUnavailable, err)
}
