package bench

import (
	"context"
	"crypto/x509"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/certcache"
)

// The seed chain of MilleGrilles' documentation, at a time it was valid.
const certFP = "e47052a4ec2461152f0efe577305a0dc16836dfea36b4bd7d5ec6f875b0497b6"

var certNow = time.Unix(1717000000, 0)

func certConfig(b *testing.B) certcache.Config {
	b.Helper()
	pem, err := os.ReadFile("../certcache/testdata/millegrille-root.pem")
	if err != nil {
		b.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	return certcache.Config{Roots: roots, Now: func() time.Time { return certNow }}
}

func certRecord(b *testing.B) []byte {
	b.Helper()
	rec, err := os.ReadFile("../certcache/testdata/seed-record.json")
	if err != nil {
		b.Fatal(err)
	}
	return rec
}

// certRedis starts a redis-server holding the seed record and returns a client.
func certRedis(b *testing.B) *redis.Client {
	b.Helper()
	c := redis.NewClient(&redis.Options{Addr: sessionRedis(b)})
	b.Cleanup(func() { _ = c.Close() })
	if err := c.Set(context.Background(), certcache.Key(certFP), certRecord(b), 0).Err(); err != nil {
		b.Fatal(err)
	}
	return c
}

// lockedMap is the floor a memory hit is compared with: a map behind one global
// sync.RWMutex, the usual hand-written cache.
type lockedMap struct {
	mu sync.RWMutex
	m  map[string]*certcache.Chain
}

func (l *lockedMap) Get(_ context.Context, fp string) (*certcache.Chain, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.m[fp], nil
}

// certImpls are the memory tiers compared: Sesame's MemoryCache, the memory
// tier of its RedisCache, and the global-lock map.
func certImpls(b *testing.B) map[string]func(context.Context, string) (*certcache.Chain, error) {
	b.Helper()
	chain, err := certcache.DecodeRecord(certRecord(b))
	if err != nil {
		b.Fatal(err)
	}
	mem, err := certcache.NewMemoryCache(certConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	if err := mem.Put(context.Background(), chain); err != nil {
		b.Fatal(err)
	}
	rc, err := certcache.NewRedisCache(certRedis(b), certConfig(b))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := rc.Get(context.Background(), certFP); err != nil {
		b.Fatal(err)
	}
	locked := &lockedMap{m: map[string]*certcache.Chain{certFP: chain}}
	return map[string]func(context.Context, string) (*certcache.Chain, error){
		"sesame-memory": mem.Get,
		"sesame-redis":  rc.Get,
		"rwmutex-map":   locked.Get,
	}
}

// BenchmarkCertcacheHit: one goroutine reading a chain held in memory.
func BenchmarkCertcacheHit(b *testing.B) {
	impls := certImpls(b)
	for _, name := range []string{"sesame-memory", "sesame-redis", "rwmutex-map"} {
		get := impls[name]
		b.Run("impl="+name, func(b *testing.B) {
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if c, err := get(ctx, certFP); err != nil || c == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCertcacheHit8: eight goroutines reading the same chain at once.
func BenchmarkCertcacheHit8(b *testing.B) {
	impls := certImpls(b)
	for _, name := range []string{"sesame-memory", "sesame-redis", "rwmutex-map"} {
		get := impls[name]
		b.Run("impl="+name, func(b *testing.B) {
			b.SetParallelism(max(1, 8/runtime.GOMAXPROCS(0)))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					if c, err := get(ctx, certFP); err != nil || c == nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkCertcacheRedisMiss: the memory tier off, every Get reads and verifies
// the record (one GETEX).
func BenchmarkCertcacheRedisMiss(b *testing.B) {
	client := certRedis(b)
	cfg := certConfig(b)
	cfg.MemorySize = -1
	c, err := certcache.NewRedisCache(client, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("impl=sesame", func(b *testing.B) {
		ctx := context.Background()
		before := commandsServed(b, client)
		n := 0
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Get(ctx, certFP); err != nil {
				b.Fatal(err)
			}
			n++
		}
		b.ReportMetric(float64(commandsServed(b, client)-before)/float64(n), "cmds/op")
	})
}

// BenchmarkCertcacheMiss1000: 1,000 goroutines miss the same fingerprint on a cold
// cache; reported per round of 1,000.
func BenchmarkCertcacheMiss1000(b *testing.B) {
	client := certRedis(b)
	b.Run("impl=sesame", func(b *testing.B) {
		var reads, checks int64
		rounds := 0
		for b.Loop() {
			c, err := certcache.NewRedisCache(client, certConfig(b))
			if err != nil {
				b.Fatal(err)
			}
			var wg sync.WaitGroup
			for range 1000 {
				wg.Go(func() {
					if _, err := c.Get(context.Background(), certFP); err != nil {
						b.Error(err)
					}
				})
			}
			wg.Wait()
			s := c.Stats()
			reads, checks, rounds = reads+s.Reads, checks+s.Verifications, rounds+1
		}
		b.ReportMetric(float64(reads)/float64(rounds), "redis-reads/op")
		b.ReportMetric(float64(checks)/float64(rounds), "verifications/op")
	})
}
