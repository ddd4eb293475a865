package bench

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/session"
)

// contentionWriters is how many requests write one session at the same time.
const contentionWriters = 50

// BenchmarkSessionContention sends rounds of 50 concurrent requests of one
// process, all carrying the same session cookie and each writing its own key,
// to a Manager on a real redis-server. One op is one round (50 commits).
// attempts/commit is the mean number of compare-and-set scripts sent per
// commit (1 means no request lost a race); commits/s the throughput.
func BenchmarkSessionContention(b *testing.B) {
	addr := sessionRedis(b)
	client := redis.NewClient(&redis.Options{Addr: addr, DB: 2, PoolSize: contentionWriters + 10})
	b.Cleanup(func() { _ = client.Close() })
	evals := &evalCounter{}
	client.AddHook(evals)
	m, err := session.NewManager(session.NewRedisStore(client), session.Config{CookieName: "auth.aiohttp", IdleTimeout: 30 * time.Minute})
	if err != nil {
		b.Fatal(err)
	}
	login := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.FromContext(r.Context()).Put("userId", benchUser)
	}))
	cookie := loginCookie(b, login, "auth.aiohttp")
	keys := make([]string, contentionWriters)
	for i := range keys {
		keys[i] = fmt.Sprintf("w%02d", i)
	}
	round := 0
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := r.Context().Value(writerKey{}).(int)
		if err := session.FromContext(r.Context()).Put(keys[i], round); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	evals.n.Store(0)
	commits := 0
	start := time.Now()
	for b.Loop() {
		round++
		var wg sync.WaitGroup
		var failed atomic.Int64
		for i := range contentionWriters {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := httptest.NewRequest("GET", "https://app.example/", nil)
				r = r.WithContext(context.WithValue(r.Context(), writerKey{}, i))
				r.AddCookie(cookie)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					failed.Add(1)
				}
			}()
		}
		wg.Wait()
		if failed.Load() != 0 {
			b.Fatalf("%d of %d writers failed", failed.Load(), contentionWriters)
		}
		commits += contentionWriters
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(evals.n.Load())/float64(commits), "attempts/commit")
	b.ReportMetric(float64(commits)/elapsed.Seconds(), "commits/s")
}

type writerKey struct{}

// evalCounter is a go-redis hook counting the scripts a client sends (EVALSHA
// and EVAL): for a Manager without an Index, one per compare-and-set attempt.
type evalCounter struct{ n atomic.Int64 }

func (c *evalCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *evalCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if n := cmd.Name(); n == "evalsha" || n == "eval" {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (c *evalCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, cmd := range cmds {
			if n := cmd.Name(); n == "evalsha" || n == "eval" {
				c.n.Add(1)
			}
		}
		return next(ctx, cmds)
	}
}
