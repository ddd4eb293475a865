package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alexedwards/scs/redisstore"
	"github.com/alexedwards/scs/v2"
	redigo "github.com/gomodule/redigo/redis"
	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/session"
)

// A session request through each library's middleware, on the same real Redis,
// with a 30-minute idle timeout that every request extends (scs's IdleTimeout;
// Sesame's SlidingIdle). cmds/op counts the commands the client sends (a go-redis
// hook for Sesame; for scs, which sends no scripts, the server's INFO
// commandstats); server-cmds/op counts what the server executes, commands run
// inside Sesame's compare-and-set script included.
//
//	read:  the handler reads one value
//	write: the handler reads one value and writes another

type sessionImpl struct {
	name string
	// setup returns the wrapped handler for op, a cookie for a live session and,
	// if the client can count its own commands, a counter.
	setup func(b *testing.B, addr, op string) (http.Handler, *http.Cookie, *atomic.Int64)
}

var sessionImpls = []sessionImpl{
	{"sesame", sesameSession},
	{"scs", scsSession},
}

func BenchmarkSessionRead(b *testing.B)  { benchSession(b, "read") }
func BenchmarkSessionWrite(b *testing.B) { benchSession(b, "write") }

func benchSession(b *testing.B, op string) {
	addr := sessionRedis(b)
	stats := redis.NewClient(&redis.Options{Addr: addr})
	b.Cleanup(func() { _ = stats.Close() })
	for _, impl := range sessionImpls {
		b.Run("impl="+impl.name, func(b *testing.B) {
			h, cookie, sent := impl.setup(b, addr, op)
			r := httptest.NewRequest("GET", "https://app.example/", nil)
			r.AddCookie(cookie)
			before := commandsServed(b, stats)
			if sent == nil {
				sent = &atomic.Int64{}
			} else {
				sent.Store(0)
			}
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d", w.Code)
				}
				n++
			}
			served := float64(commandsServed(b, stats)-before) / float64(n)
			b.ReportMetric(served, "server-cmds/op")
			if impl.name == "scs" {
				b.ReportMetric(served, "cmds/op")
			} else {
				b.ReportMetric(float64(sent.Load())/float64(n), "cmds/op")
			}
		})
	}
}

// handler reads "userId" and, for a write, bumps "visits".
func sessionHandler(op string, read func(*http.Request) string, write func(*http.Request, int)) http.Handler {
	i := 0
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if read(r) != "z2i3XjxM2VA9wGr8s3vVdfNpv3tL7XwADo6YbWe8dgXuQUStLZa" {
			http.Error(w, "no user", http.StatusUnauthorized)
			return
		}
		if op == "write" {
			i++
			write(r, i)
		}
	})
}

const benchUser = "z2i3XjxM2VA9wGr8s3vVdfNpv3tL7XwADo6YbWe8dgXuQUStLZa"

func sesameSession(b *testing.B, addr, op string) (http.Handler, *http.Cookie, *atomic.Int64) {
	client := redis.NewClient(&redis.Options{Addr: addr, DB: 2})
	b.Cleanup(func() { _ = client.Close() })
	counter := &commandCounter{}
	client.AddHook(counter)
	m, err := session.NewManager(session.NewRedisStore(client), session.Config{
		CookieName: "auth.aiohttp", IdleTimeout: 30 * time.Minute, SlidingIdle: true,
	})
	if err != nil {
		b.Fatal(err)
	}
	login := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		_ = s.Put("userId", benchUser)
		_ = s.Put("userName", "proprietaire")
	}))
	h := m.Middleware(sessionHandler(op,
		func(r *http.Request) string { v, _ := session.FromContext(r.Context()).GetString("userId"); return v },
		func(r *http.Request, i int) { _ = session.FromContext(r.Context()).Put("visits", i) }))
	return h, loginCookie(b, login, "auth.aiohttp"), &counter.n
}

func scsSession(b *testing.B, addr, op string) (http.Handler, *http.Cookie, *atomic.Int64) {
	pool := &redigo.Pool{MaxIdle: 10, Dial: func() (redigo.Conn, error) { return redigo.Dial("tcp", addr, redigo.DialDatabase(2)) }}
	b.Cleanup(func() { _ = pool.Close() })
	sm := scs.New()
	sm.Store = redisstore.New(pool)
	sm.IdleTimeout = 30 * time.Minute
	sm.Lifetime = 24 * time.Hour
	login := sm.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "userId", benchUser)
		sm.Put(r.Context(), "userName", "proprietaire")
	}))
	h := sm.LoadAndSave(sessionHandler(op,
		func(r *http.Request) string { return sm.GetString(r.Context(), "userId") },
		func(r *http.Request, i int) { sm.Put(r.Context(), "visits", i) }))
	return h, loginCookie(b, login, sm.Cookie.Name), nil
}

func loginCookie(b *testing.B, login http.Handler, name string) *http.Cookie {
	b.Helper()
	w := httptest.NewRecorder()
	login.ServeHTTP(w, httptest.NewRequest("GET", "https://app.example/login", nil).WithContext(context.Background()))
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	b.Fatalf("no %s cookie", name)
	return nil
}

// commandCounter is a go-redis hook counting the commands a client sends.
type commandCounter struct{ n atomic.Int64 }

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}
