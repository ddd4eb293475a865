package hosting

import (
	"context"
	"encoding/json"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redisread"
	"github.com/sesame-go/sesame/internal/redistest"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// testNow is the tests' clock.
var testNow = time.Unix(1717497930, 0)

const (
	instance = "5cb9d50e-110e-421a-b944-523b60af4c3b"
	consURL  = "https://thinkcentre1.maple.maceroc.com/fichiers_transfert"
)

// unsigned returns a compact JWT of claims with a meaningless signature: exp is
// decoded, never verified, when no Verifier is configured.
func unsigned(t testing.TB, claims map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return jwttest.Raw([]byte(`{"alg":"EdDSA","typ":"JWT"}`), payload, []byte("not a signature"))
}

// expiring returns an unsigned token expiring d after testNow.
func expiring(t testing.TB, d time.Duration) string {
	t.Helper()
	return unsigned(t, map[string]any{"sub": instance, "exp": testNow.Add(d).Unix()})
}

// tokens returns Tokens whose read-only token expires after ro, read-write after rw.
func tokens(t testing.TB, ro, rw time.Duration) Tokens {
	t.Helper()
	return Tokens{ReadOnly: expiring(t, ro), ReadWrite: expiring(t, rw), URL: consURL}
}

// counter is a go-redis hook counting commands by name, leaving out the
// connection handshake (HELLO, CLIENT SETINFO).
type counter struct {
	mu    sync.Mutex
	names map[string]int
}

func (c *counter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *counter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if name := cmd.Name(); name != "hello" && name != "client" {
			c.mu.Lock()
			c.names[name]++
			c.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (c *counter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next // the package sends no pipelines
}

// env is a real redis-server with a raw client and a counted one.
type env struct {
	srv          *redistest.Server
	raw, counted *redis.Client
	cmds         *counter
}

func newEnv(t testing.TB) *env {
	t.Helper()
	srv := redistest.Start(t)
	e := &env{srv: srv, raw: srv.Client, cmds: &counter{names: map[string]int{}}}
	// Loaded ahead, so that every read counts as one EVALSHA.
	if err := redisread.Script().Load(context.Background(), e.raw).Err(); err != nil {
		t.Fatal(err)
	}
	e.counted = redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1})
	e.counted.AddHook(e.cmds)
	t.Cleanup(func() { _ = e.counted.Close() })
	return e
}

// cache returns a Cache on the counted client at testNow.
func (e *env) cache(t testing.TB, cfg Config) *Cache {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	c, err := NewCache(e.counted, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) wantCmds(t *testing.T, want map[string]int) {
	t.Helper()
	e.cmds.mu.Lock()
	got := e.cmds.names
	e.cmds.names = map[string]int{}
	e.cmds.mu.Unlock()
	if !maps.Equal(got, want) {
		t.Fatalf("Redis commands %v, want %v", got, want)
	}
}

func (e *env) set(t testing.TB, key string, value []byte) {
	t.Helper()
	if err := e.raw.Set(context.Background(), key, value, 0).Err(); err != nil {
		t.Fatal(err)
	}
}
