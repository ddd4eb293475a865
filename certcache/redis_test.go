package certcache

import (
	"context"
	"errors"
	"github.com/sesame-go/sesame/internal/redistest"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// seedCfg is a Config trusting the seed's root.
func seedCfg(t testing.TB) Config {
	t.Helper()
	return Config{Roots: seedRoots(t)}
}

func wantCmds(t *testing.T, e *redisEnv, want map[string]int) {
	t.Helper()
	if got := e.cmds.take(); !maps.Equal(got, want) {
		t.Fatalf("Redis commands %v, want %v", got, want)
	}
}

// The seed record, stored as the document shows it (literal \n), is read with one
// bounded GET (EVALSHA), verified once, its 48 h sliding TTL set (EXPIRE), then
// served from memory.
func TestRedisGetSeed(t *testing.T) {
	e := newRedisEnv(t)
	e.set(t, Key(seedFingerprint), seedRecord(t))
	c := e.cache(t, seedCfg(t), seedTime)
	ctx := context.Background()
	chain, err := c.Get(ctx, seedFingerprint)
	if err != nil || chain.Fingerprint() != seedFingerprint || chain.Role() != "maitrecomptes" {
		t.Fatalf("Get = %v, %v", chain, err)
	}
	wantCmds(t, e, map[string]int{"evalsha": 1, "expire": 1})
	if ttl := e.raw.TTL(ctx, Key(seedFingerprint)).Val(); ttl <= 47*time.Hour || ttl > 48*time.Hour {
		t.Fatalf("TTL after Get = %v, want 48 h", ttl)
	}
	again, err := c.Get(ctx, seedFingerprint)
	if err != nil || again != chain {
		t.Fatalf("second Get = %v, %v; want the same chain from memory", again, err)
	}
	wantCmds(t, e, map[string]int{})
	if s := c.Stats(); s.Reads != 1 || s.Verifications != 1 || s.Memory != 1 {
		t.Fatalf("Stats = %+v", s)
	}
}

// Refused records: each Get answers its sentinel with the commands listed, and
// nothing refused is kept in memory (the next Get reads again).
func TestRedisGetRefuses(t *testing.T) {
	p := newPKI(t)
	good := p.chain(t, leafSpec{})
	otherFP := strings.Repeat("ab", 32)
	tests := []struct {
		name   string
		key    string // Get's fingerprint; the record is stored under Key(key)
		record []byte // nil: nothing stored
		now    time.Time
		want   error
		cmds   map[string]int
	}{
		{"missing", good.Fingerprint(), nil, testNow, ErrNotFound, map[string]int{"evalsha": 1}},
		{"not JSON", good.Fingerprint(), []byte("{pems"), testNow, ErrMalformed, map[string]int{"evalsha": 1}},
		{"10 MB", good.Fingerprint(), []byte(strings.Repeat(" ", 10<<20)), testNow, ErrTooLarge, map[string]int{"evalsha": 1}},
		{"expired", good.Fingerprint(), EncodeRecord(good), good.NotAfter().Add(time.Second), ErrExpired, map[string]int{"evalsha": 1}},
		{"O not the IDMG", "", EncodeRecord(p.chain(t, leafSpec{org: "zOther"})), testNow, ErrIDMG, map[string]int{"evalsha": 1}},
		{"fingerprint mismatch", otherFP, EncodeRecord(good), testNow, ErrFingerprint, map[string]int{"evalsha": 2, "eval": 1}},
		{"wrong type", good.Fingerprint(), nil, testNow, ErrMalformed, map[string]int{"evalsha": 1}},
		{"fingerprint not hex", strings.Repeat("g", 64), nil, testNow, ErrInvalidFingerprint, map[string]int{}},
		{"fingerprint too short", good.Fingerprint()[:63], nil, testNow, ErrInvalidFingerprint, map[string]int{}},
		{"fingerprint too long", good.Fingerprint() + "0", nil, testNow, ErrInvalidFingerprint, map[string]int{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRedisEnv(t)
			if tt.key == "" {
				c, _ := DecodeRecord(tt.record)
				tt.key = c.Fingerprint()
			}
			if tt.record != nil {
				e.set(t, Key(tt.key), tt.record)
			}
			if tt.name == "wrong type" {
				e.raw.HSet(context.Background(), Key(tt.key), "pems", "x")
			}
			c := e.cache(t, Config{Roots: p.roots()}, tt.now)
			if chain, err := c.Get(context.Background(), tt.key); !errors.Is(err, tt.want) || chain != nil {
				t.Fatalf("Get = %v, %v; want %v", chain, err, tt.want)
			}
			wantCmdsAtMost(t, e, tt.cmds)
			if tt.want == ErrFingerprint { // deleted: see TestRedisMismatchDeleted
				return
			}
			if _, err := c.Get(context.Background(), tt.key); !errors.Is(err, tt.want) {
				t.Fatalf("second Get = %v; want %v", err, tt.want)
			}
			wantCmdsAtMost(t, e, tt.cmds) // the same: nothing refused was kept
		})
	}
}

// wantCmdsAtMost is wantCmds for commands whose count depends on Redis' script
// cache: "eval" is sent only when EVALSHA finds no script.
func wantCmdsAtMost(t *testing.T, e *redisEnv, want map[string]int) {
	t.Helper()
	got := e.cmds.take()
	for name, n := range got {
		if n > want[name] {
			t.Fatalf("Redis commands %v, want at most %v", got, want)
		}
	}
	for name, n := range want {
		if name != "eval" && got[name] != n {
			t.Fatalf("Redis commands %v, want %v", got, want)
		}
	}
}

// A record whose key is not its chain's fingerprint is deleted; a correct record
// written in its place meanwhile would survive (the delete compares the value).
func TestRedisMismatchDeleted(t *testing.T) {
	e := newRedisEnv(t)
	p := newPKI(t)
	good := p.chain(t, leafSpec{})
	wrong := strings.Repeat("0", 64)
	e.set(t, Key(wrong), EncodeRecord(good))
	c := e.cache(t, Config{Roots: p.roots()}, testNow)
	if _, err := c.Get(context.Background(), wrong); !errors.Is(err, ErrFingerprint) {
		t.Fatalf("Get = %v, want ErrFingerprint", err)
	}
	if n := e.raw.Exists(context.Background(), Key(wrong)).Val(); n != 0 || c.Stats().Deleted != 1 {
		t.Fatalf("mismatching record still there (%d) or not counted (%+v)", n, c.Stats())
	}
	e.set(t, Key(wrong), []byte("newer"))
	c.deleteMismatch(context.Background(), wrong, EncodeRecord(good))
	if v := e.raw.Get(context.Background(), Key(wrong)).Val(); v != "newer" {
		t.Fatalf("a record written after the read was deleted (%q)", v)
	}
}

// 1,000 concurrent misses of one fingerprint cost one Redis read and one chain
// verification, and all get the chain.
func TestRedisConcurrentMissesCoalesce(t *testing.T) {
	e := newRedisEnv(t)
	e.set(t, Key(seedFingerprint), seedRecord(t))
	c := e.cache(t, seedCfg(t), seedTime)
	const n = 1000
	var wg sync.WaitGroup
	var failed atomic.Int64
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			if chain, err := c.Get(context.Background(), seedFingerprint); err != nil || chain == nil {
				failed.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	if failed.Load() != 0 {
		t.Fatalf("%d of %d Gets failed", failed.Load(), n)
	}
	wantCmds(t, e, map[string]int{"evalsha": 1, "expire": 1})
	if s := c.Stats(); s.Reads != 1 || s.Verifications != 1 {
		t.Fatalf("Stats = %+v, want one read and one verification", s)
	}
	// A caller that missed memory just before the chain was stored starts a new
	// flight once the first has ended: that flight finds the chain in memory.
	if _, err := c.load(context.Background(), seedFingerprint); err != nil {
		t.Fatal(err)
	}
	wantCmds(t, e, map[string]int{})
}

// Put verifies, writes one SET with the TTL, and the next Get answers from memory.
// A chain that does not verify is not written.
func TestRedisPut(t *testing.T) {
	e := newRedisEnv(t)
	p := newPKI(t)
	c := e.cache(t, Config{Roots: p.roots()}, testNow)
	ctx := context.Background()
	chain := p.chain(t, leafSpec{})
	if err := c.Put(ctx, chain); err != nil {
		t.Fatal(err)
	}
	wantCmds(t, e, map[string]int{"set": 1})
	if ttl := e.raw.TTL(ctx, Key(chain.Fingerprint())).Val(); ttl <= 47*time.Hour || ttl > 48*time.Hour {
		t.Fatalf("TTL after Put = %v, want 48 h", ttl)
	}
	if got, err := c.Get(ctx, chain.Fingerprint()); err != nil || got != chain {
		t.Fatalf("Get after Put = %v, %v", got, err)
	}
	wantCmds(t, e, map[string]int{})
	bad := p.chain(t, leafSpec{org: "zOther"})
	if err := c.Put(ctx, bad); !errors.Is(err, ErrIDMG) {
		t.Fatalf("Put(bad) = %v, want ErrIDMG", err)
	}
	if err := c.Put(ctx, nil); !errors.Is(err, ErrMalformed) {
		t.Fatalf("Put(nil) = %v, want ErrMalformed", err)
	}
	wantCmds(t, e, map[string]int{})
}

// A chain in memory is dropped when it expires; the Redis record is then read and
// refused.
func TestRedisMemoryExpires(t *testing.T) {
	e := newRedisEnv(t)
	p := newPKI(t)
	chain := p.chain(t, leafSpec{})
	var now atomic.Pointer[time.Time]
	now.Store(&testNow)
	c, err := NewRedisCache(e.counted, Config{Roots: p.roots(), Now: func() time.Time { return *now.Load() }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.Put(ctx, chain); err != nil {
		t.Fatal(err)
	}
	e.cmds.take()
	later := chain.NotAfter().Add(time.Nanosecond)
	now.Store(&later)
	if _, err := c.Get(ctx, chain.Fingerprint()); !errors.Is(err, ErrExpired) {
		t.Fatalf("Get after expiry = %v, want ErrExpired", err)
	}
	wantCmds(t, e, map[string]int{"evalsha": 1})
	if n := c.Stats().Memory; n != 0 {
		t.Fatalf("%d chains left in memory", n)
	}
}

// Redis down: ErrUnavailable, for Get and Put.
func TestRedisUnavailable(t *testing.T) {
	p := newPKI(t)
	client := redis.NewClient(&redis.Options{Addr: redistest.DeadAddr(t), MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	c, err := NewRedisCache(client, Config{Roots: p.roots(), Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	chain := p.chain(t, leafSpec{})
	if _, err := c.Get(context.Background(), chain.Fingerprint()); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get = %v, want ErrUnavailable", err)
	}
	if err := c.Put(context.Background(), chain); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Put = %v, want ErrUnavailable", err)
	}
}

// A caller whose context ends stops waiting for a coalesced read; the read goes on
// for the others.
func TestRedisGetContextEnds(t *testing.T) {
	e := newRedisEnv(t)
	e.set(t, Key(seedFingerprint), seedRecord(t))
	release := make(chan struct{})
	e.counted.AddHook(gate(release))
	c := e.cache(t, seedCfg(t), seedTime)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.Get(ctx, seedFingerprint); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("Get = %v, want ErrUnavailable and context.Canceled", err)
	}
	close(release)
	if _, err := c.Get(context.Background(), seedFingerprint); err != nil {
		t.Fatalf("Get after the read resumed: %v", err)
	}
}

// gate is a hook holding every command until release is closed.
type gate chan struct{}

func (g gate) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g gate) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		<-g
		return next(ctx, cmd)
	}
}

func (g gate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// Configurations that would accept chains unchecked, or cannot work, are refused.
func TestConfigRefused(t *testing.T) {
	e := newRedisEnv(t)
	roots := newPKI(t).roots()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"zero Config: no roots", Config{}},
		{"negative TTL", Config{Roots: roots, TTL: -time.Second}},
		{"TTL not whole seconds", Config{Roots: roots, TTL: 1500 * time.Millisecond}},
		{"negative Timeout", Config{Roots: roots, Timeout: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewRedisCache(e.counted, tt.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("NewRedisCache = %v, want ErrConfig", err)
			}
			if _, err := NewMemoryCache(tt.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("NewMemoryCache = %v, want ErrConfig", err)
			}
		})
	}
	if _, err := NewRedisCache(nil, Config{Roots: roots}); !errors.Is(err, ErrConfig) {
		t.Fatalf("nil client: %v", err)
	}
	if _, err := NewMemoryCache(Config{Roots: roots, MemorySize: -1}); !errors.Is(err, ErrConfig) {
		t.Fatalf("MemoryCache without memory: %v", err)
	}
}

// A refused record is not kept alive by reads, and one over MaxRecordSize is
// not even transferred: the server's output bytes grow by far less than the
// record. A good record has its sliding TTL renewed.
func TestRedisRefusedRecordsKeepTheirTTL(t *testing.T) {
	p := newPKI(t)
	good := p.chain(t, leafSpec{})
	refused := p.chain(t, leafSpec{org: "zOther"})
	big := []byte(`{"pems": ["` + strings.Repeat("A", MaxRecordSize) + `"]}`)
	tests := []struct {
		name   string
		record []byte
		want   error
		renew  bool
	}{
		{"good", EncodeRecord(good), nil, true},
		{"not JSON", []byte("{pems"), ErrMalformed, false},
		{"over MaxRecordSize", big, ErrTooLarge, false},
		{"a chain refused", EncodeRecord(refused), ErrIDMG, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newRedisEnv(t)
			ctx := context.Background()
			fp := good.Fingerprint()
			if tt.want == ErrIDMG {
				fp = refused.Fingerprint()
			}
			if err := e.raw.Set(ctx, Key(fp), tt.record, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			before := e.srv.NetOutputBytes(t)
			c := e.cache(t, Config{Roots: p.roots()}, testNow)
			if _, err := c.Get(ctx, fp); !errors.Is(err, tt.want) {
				t.Fatalf("Get = %v, want %v", err, tt.want)
			}
			if sent := e.srv.NetOutputBytes(t) - before; sent > int64(len(tt.record))+4096 || (tt.want == ErrTooLarge && sent > 4096) {
				t.Fatalf("the server sent %d bytes for a record of %d", sent, len(tt.record))
			}
			ttl := e.raw.TTL(ctx, Key(fp)).Val()
			if renewed := ttl > time.Hour; renewed != tt.renew {
				t.Fatalf("TTL after Get = %v; renewed %v, want %v", ttl, renewed, tt.renew)
			}
		})
	}
}

// A fingerprint in uppercase names the same certificate as in lowercase, from
// Redis and from memory.
func TestRedisFingerprintCase(t *testing.T) {
	e := newRedisEnv(t)
	e.set(t, Key(seedFingerprint), seedRecord(t))
	c := e.cache(t, seedCfg(t), seedTime)
	for _, fp := range []string{strings.ToUpper(seedFingerprint), seedFingerprint, strings.ToUpper(seedFingerprint[:10]) + seedFingerprint[10:]} {
		if chain, err := c.Get(context.Background(), fp); err != nil || chain.Fingerprint() != seedFingerprint {
			t.Fatalf("Get(%s) = %v, %v", fp, chain, err)
		}
	}
	if s := c.Stats(); s.Reads != 1 {
		t.Fatalf("Stats = %+v, want one read", s)
	}
	m, err := NewMemoryCache(Config{Roots: seedRoots(t), Now: func() time.Time { return seedTime }})
	if err != nil {
		t.Fatal(err)
	}
	chain, _ := c.Get(context.Background(), seedFingerprint)
	if err := m.Put(context.Background(), chain); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Get(context.Background(), strings.ToUpper(seedFingerprint)); err != nil || got != chain {
		t.Fatalf("MemoryCache.Get(upper) = %v, %v", got, err)
	}
	if _, err := m.Get(context.Background(), "zz"); !errors.Is(err, ErrInvalidFingerprint) || errors.Is(err, ErrMalformed) {
		t.Fatalf("MemoryCache.Get(zz) = %v, want ErrInvalidFingerprint only", err)
	}
}

// On a cluster client, Get's and Put's connection errors get the client to
// reload its slot map: after a failover, the promoted replica is reached
// within seconds, not at go-redis's next periodic reload.
func TestRedisClusterReload(t *testing.T) {
	p := newPKI(t)
	chain := p.chain(t, leafSpec{})
	ctx := context.Background()
	build := func(c redis.UniversalClient) (*RedisCache, error) {
		return NewRedisCache(c, Config{Roots: p.roots(), Now: func() time.Time { return testNow }})
	}
	redistest.CheckReloads(t, ErrUnavailable, build, map[string]func(*RedisCache) error{
		"Get": func(rc *RedisCache) error { _, err := rc.Get(ctx, chain.Fingerprint()); return err },
		"Put": func(rc *RedisCache) error { return rc.Put(ctx, chain) },
	})
}
