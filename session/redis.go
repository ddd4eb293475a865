package session

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisStore is an AtomicStore on a go-redis client: a single node, Sentinel or
// Cluster. Every operation touches one key. A read is one GET (GETEX for
// LoadTouch), a write one SET or one EVALSHA of a compare-and-set script.
type RedisStore struct {
	client redis.UniversalClient
}

// NewRedisStore returns a store on client. The caller picks the database in the
// client's options (MilleGrilles keeps sessions in DB 2).
func NewRedisStore(client redis.UniversalClient) *RedisStore {
	return &RedisStore{client: client}
}

// casScript sets KEYS[1] to ARGV[2] with PX ARGV[3] if the SHA-1 of its value is
// ARGV[1] ("" meaning absent). Otherwise it returns {0} (absent) or {0, current}.
// Comparing a hash keeps the request small; the value itself never leaves Redis
// on success.
var casScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == false then
  if ARGV[1] ~= '' then return {0} end
elseif redis.sha1hex(cur) ~= ARGV[1] then
  return {0, cur}
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return {1}
`)

// Load implements Store with one GET.
func (s *RedisStore) Load(ctx context.Context, key string) ([]byte, bool, error) {
	return result(s.client.Get(ctx, key).Bytes())
}

// LoadTouch implements AtomicStore with one GETEX (Redis ≥ 6.2).
func (s *RedisStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	return result(s.client.GetEx(ctx, key, ttl).Bytes())
}

func result(b []byte, err error) ([]byte, bool, error) {
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return b, true, nil
}

// Save implements Store with one SET … PX.
func (s *RedisStore) Save(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL(ctx, ttl); err != nil {
		return err
	}
	if err := s.client.Set(ctx, key, value, ttl).Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// Delete implements Store with one DEL.
func (s *RedisStore) Delete(ctx context.Context, key string) error {
	if err := s.client.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return nil
}

// CompareAndSave implements AtomicStore with one EVALSHA (plus one EVAL the first
// time after a server restart, when the script cache is empty).
func (s *RedisStore) CompareAndSave(ctx context.Context, key string, old, value []byte, ttl time.Duration) (bool, []byte, bool, error) {
	if err := checkTTL(ctx, ttl); err != nil {
		return false, nil, false, err
	}
	want := ""
	if old != nil {
		sum := sha1.Sum(old)
		want = hex.EncodeToString(sum[:])
	}
	ms := max(ttl.Milliseconds(), 1)
	res, err := casScript.Run(ctx, s.client, []string{key}, want, value, ms).Slice()
	if err != nil {
		return false, nil, false, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return casResult(res)
}

func casResult(res []any) (bool, []byte, bool, error) {
	if len(res) == 0 {
		return false, nil, false, fmt.Errorf("%w: empty script reply", ErrUnavailable)
	}
	if ok, _ := res[0].(int64); ok == 1 {
		return true, nil, false, nil
	}
	if len(res) < 2 {
		return false, nil, false, nil
	}
	cur, ok := res[1].(string)
	if !ok {
		return false, nil, false, fmt.Errorf("%w: script reply %T", ErrUnavailable, res[1])
	}
	return false, []byte(cur), true, nil
}
