package session

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redisx"
)

// RedisStore is an AtomicStore on a go-redis client: a single node, Sentinel or
// Cluster. Every operation touches one key. A read is one GET (GETEX for
// LoadTouch), a write one SET or one EVALSHA of a compare-and-set script; with
// RedisConfig.WaitReplicas, a WAIT follows each write in the same pipeline.
//
// On a cluster client, a command that fails with a connection error gets the
// client to reload its slot map (at most twice a second), so that requests
// reach a promoted replica seconds after a failover rather than at go-redis's
// next periodic reload, a minute later by default.
type RedisStore struct {
	client redis.UniversalClient
	reload *redisx.Reloader
	wait   redisx.Wait
}

// RedisConfig tunes a RedisStore. The zero value is the default: a write is
// acknowledged once the master applied it, as Redis replicates asynchronously.
type RedisConfig struct {
	// WaitReplicas, when positive, makes every write (Save, Delete, and a
	// CompareAndSave that stored) wait until that many replicas acknowledged it:
	// the write and a WAIT go in one pipeline on one connection to the key's
	// master. A write acknowledged by fewer replicas within WaitTimeout fails
	// with ErrNotReplicated (a 503): the master applied it, but whether it
	// survives a failover is unknown. The cost is the replicas' round trip on
	// every write (see the README's benchmarks); reads are unchanged. A single
	// node has no replica, so every write fails there; after a failover, writes
	// fail until the new master has WaitReplicas replicas again. Default 0:
	// no wait.
	WaitReplicas int
	// WaitTimeout bounds that wait (cut to the request's deadline); default
	// DefaultWaitTimeout. It must be shorter than the client's ReadTimeout.
	WaitTimeout time.Duration
	// Logger hears of the slot-map reloads asked after connection errors; nil
	// discards.
	Logger *slog.Logger
}

// DefaultWaitTimeout is RedisConfig.WaitTimeout's default.
const DefaultWaitTimeout = redisx.DefaultWaitTimeout

// NewRedisStore returns a store on client with the zero RedisConfig. The caller
// picks the database in the client's options (MilleGrilles keeps sessions in DB
// 2).
func NewRedisStore(client redis.UniversalClient) *RedisStore {
	return &RedisStore{client: client, reload: redisx.NewReloader(client, nil)}
}

// NewRedisStoreWith returns a store on client tuned by cfg; a nil client or a
// negative or too long wait is ErrConfig.
func NewRedisStoreWith(client redis.UniversalClient, cfg RedisConfig) (*RedisStore, error) {
	if client == nil {
		return nil, fmt.Errorf("%w: nil client", ErrConfig)
	}
	wait, err := redisx.NewWait(client, cfg.WaitReplicas, cfg.WaitTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &RedisStore{client: client, reload: redisx.NewReloader(client, cfg.Logger), wait: wait}, nil
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
	b, err := s.client.Get(ctx, key).Bytes()
	return s.result(ctx, b, err)
}

// LoadTouch implements AtomicStore with one GETEX (Redis ≥ 6.2). It does not
// wait for replicas: a lost TTL extension costs a session some idle time, not
// a change.
func (s *RedisStore) LoadTouch(ctx context.Context, key string, ttl time.Duration) ([]byte, bool, error) {
	b, err := s.client.GetEx(ctx, key, ttl).Bytes()
	return s.result(ctx, b, err)
}

func (s *RedisStore) result(ctx context.Context, b []byte, err error) ([]byte, bool, error) {
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, s.unavailable(ctx, err)
	}
	return b, true, nil
}

// unavailable wraps the error of a command in ErrUnavailable, once the
// Reloader saw it.
func (s *RedisStore) unavailable(ctx context.Context, err error) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, s.reload.Check(ctx, err))
}

// Save implements Store with one SET … PX (then WAIT, with WaitReplicas).
func (s *RedisStore) Save(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := checkTTL(ctx, ttl); err != nil {
		return err
	}
	return s.write(ctx, key, func(c redis.Cmdable) error { return c.Set(ctx, key, value, ttl).Err() })
}

// Delete implements Store with one DEL (then WAIT, with WaitReplicas).
func (s *RedisStore) Delete(ctx context.Context, key string) error {
	return s.write(ctx, key, func(c redis.Cmdable) error { return c.Del(ctx, key).Err() })
}

// write runs the single-command write do on the client, or, with
// WaitReplicas, in a pipeline followed by WAIT.
func (s *RedisStore) write(ctx context.Context, key string, do func(redis.Cmdable) error) error {
	if !s.wait.On() {
		if err := do(s.client); err != nil {
			return s.unavailable(ctx, err)
		}
		return nil
	}
	short, err := s.wait.Pipelined(ctx, s.client, key, func(p redis.Pipeliner) { _ = do(p) })
	if err != nil {
		return s.unavailable(ctx, err)
	}
	return notReplicated(short)
}

// notReplicated wraps a WAIT that fell short in ErrNotReplicated.
func notReplicated(short error) error {
	if short == nil {
		return nil
	}
	return fmt.Errorf("%w: %w", ErrNotReplicated, short)
}

// CompareAndSave implements AtomicStore with one EVALSHA (plus one EVAL the first
// time after a server restart, when the script cache is empty); with
// WaitReplicas, a WAIT follows in the same pipeline and counts when the script
// stored the value.
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
	var res []any
	cmd, short, err := s.script(ctx, casScript, key, want, value, ms)
	if err == nil {
		res, err = cmd.Slice()
	}
	if err != nil {
		return false, nil, false, s.unavailable(ctx, err)
	}
	saved, cur, found, err := casResult(res)
	if saved && short != nil {
		return false, nil, false, notReplicated(short)
	}
	return saved, cur, found, err
}

// script runs sc on key with args (EVALSHA, EVAL when the server lacks it)
// and, with WaitReplicas, WAIT in the same pipeline; short is the WAIT's
// shortfall, meaningful only if the script wrote.
func (s *RedisStore) script(ctx context.Context, sc *redis.Script, key string, args ...any) (cmd *redis.Cmd, short, err error) {
	if s.wait.On() {
		return s.wait.RunScript(ctx, s.client, sc, key, args...)
	}
	cmd = sc.Run(ctx, s.client, []string{key}, args...)
	return cmd, nil, cmd.Err()
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
