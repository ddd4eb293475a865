package certcache

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redisread"
	"github.com/sesame-go/sesame/internal/redistest"
)

// counter is a go-redis hook counting the commands sent, by name, leaving out
// the connection handshake (HELLO, CLIENT SETINFO) go-redis sends on each new
// connection.
type counter struct {
	mu    sync.Mutex
	names map[string]int
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.count(cmd)
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			c.count(cmd)
		}
		return next(ctx, cmds)
	}
}

func (c *counter) count(cmd redis.Cmder) {
	if name := cmd.Name(); name != "hello" && name != "client" {
		c.mu.Lock()
		c.names[name]++
		c.mu.Unlock()
	}
}

// take returns the counts so far and starts again from zero.
func (c *counter) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.names
	c.names = map[string]int{}
	return n
}

// redisEnv is a real redis-server, a raw client on it for the test's own
// commands, and a counted client for the cache under test.
type redisEnv struct {
	srv     *redistest.Server
	raw     *redis.Client
	counted *redis.Client
	cmds    *counter
}

func newRedisEnv(t testing.TB) *redisEnv {
	t.Helper()
	srv := redistest.Start(t)
	e := &redisEnv{srv: srv, raw: srv.Client, cmds: &counter{names: map[string]int{}}}
	// Loaded ahead, so that every read counts as one EVALSHA.
	if err := redisread.Script().Load(context.Background(), e.raw).Err(); err != nil {
		t.Fatal(err)
	}
	e.counted = redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	e.counted.AddHook(e.cmds)
	t.Cleanup(func() { _ = e.counted.Close() })
	return e
}

// cache returns a RedisCache on the counted client, at clock now.
func (e *redisEnv) cache(t testing.TB, roots Config, now time.Time) *RedisCache {
	t.Helper()
	roots.Now = func() time.Time { return now }
	c, err := NewRedisCache(e.counted, roots)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *redisEnv) set(t testing.TB, key string, value []byte) {
	t.Helper()
	if err := e.raw.Set(context.Background(), key, value, 0).Err(); err != nil {
		t.Fatal(err)
	}
}
