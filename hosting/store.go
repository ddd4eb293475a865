package hosting

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesame-go/sesame/internal/redisread"
	"github.com/sesame-go/sesame/internal/redisx"
)

// store is where records live: Redis, or process memory.
type store interface {
	get(ctx context.Context, key string) (value []byte, found bool, err error)
	set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	ttl(ctx context.Context, key string) (time.Duration, bool, error)
}

// redisStore is a store on a go-redis client: one bounded GET, one SET … EX,
// one TTL. Its errors go through reload, so a cluster client reloads its slot
// map after a connection error.
type redisStore struct {
	client redis.UniversalClient
	reload *redisx.Reloader
}

// get refuses a record over MaxRecordSize (ErrTooLarge) without transferring
// it, and a key holding another type than a string (ErrMalformed); any other
// error is Redis's.
func (s redisStore) get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := redisread.Get(ctx, s.client, key, MaxRecordSize)
	switch {
	case errors.Is(err, redisread.ErrNotFound):
		return nil, false, nil
	case errors.Is(err, redisread.ErrTooLarge):
		return nil, true, fmt.Errorf("%w: %w", ErrTooLarge, err)
	case errors.Is(err, redisread.ErrWrongType):
		return nil, true, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return b, err == nil, s.reload.Check(ctx, err)
}

func (s redisStore) set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	return s.reload.Check(ctx, s.client.Set(ctx, key, value, ttl).Err())
}

func (s redisStore) ttl(ctx context.Context, key string) (time.Duration, bool, error) {
	d, err := s.client.TTL(ctx, key).Result()
	if err != nil {
		return 0, false, s.reload.Check(ctx, err)
	}
	return d, d > 0, nil
}

// maxMemoryRecords bounds a memory cache; beyond it, expired records are swept
// and then the write is refused rather than grow without bound.
const maxMemoryRecords = 10_000

// memoryStore is a store in process memory with expiry.
type memoryStore struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]memoryRecord
}

type memoryRecord struct {
	value   []byte
	expires time.Time
}

func newMemoryStore(now func() time.Time) *memoryStore {
	return &memoryStore{now: now, m: map[string]memoryRecord{}}
}

func (s *memoryStore) get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[key]
	if !ok || !s.now().Before(r.expires) {
		delete(s.m, key)
		return nil, false, nil
	}
	return r.value, true, nil
}

func (s *memoryStore) set(_ context.Context, key string, value []byte, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if _, ok := s.m[key]; !ok && len(s.m) >= maxMemoryRecords {
		for k, r := range s.m {
			if !now.Before(r.expires) {
				delete(s.m, k)
			}
		}
		if len(s.m) >= maxMemoryRecords {
			return errors.New("hosting: memory cache full")
		}
	}
	s.m[key] = memoryRecord{value: append([]byte(nil), value...), expires: now.Add(ttl)}
	return nil
}

func (s *memoryStore) ttl(_ context.Context, key string) (time.Duration, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[key]
	if !ok {
		return 0, false, nil
	}
	d := r.expires.Sub(s.now())
	return d, d > 0, nil
}

// TTL returns how long instanceID's record has left (ErrNotFound when there is
// none): the earliest exp of its tokens minus 30 s, as written.
func (c *Cache) TTL(ctx context.Context, instanceID string) (time.Duration, error) {
	if err := checkInstanceID(instanceID); err != nil {
		return 0, err
	}
	rctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	d, found, err := c.kv.ttl(rctx, Key(instanceID))
	switch {
	case err != nil:
		return 0, fmt.Errorf("%w: %w", ErrUnavailable, err)
	case !found:
		return 0, ErrNotFound
	}
	return d, nil
}
