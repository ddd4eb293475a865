package session

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// commandCounter is a go-redis hook recording the name of every command sent.
type commandCounter struct {
	mu   sync.Mutex
	cmds []string
}

func (c *commandCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *commandCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(cmd)
		return next(ctx, cmd)
	}
}

func (c *commandCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.add(cmds...)
		return next(ctx, cmds)
	}
}

func (c *commandCounter) add(cmds ...redis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cmd := range cmds {
		c.cmds = append(c.cmds, cmd.Name())
	}
}

// take returns the commands since the last call.
func (c *commandCounter) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.cmds
	c.cmds = nil
	return out
}

func TestRedisCommandCounts(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, DB: 2})
	t.Cleanup(func() { _ = client.Close() })
	counter := &commandCounter{}
	client.AddHook(counter)
	m := newTestManager(t, NewRedisStore(client), Config{CookieName: "auth.aiohttp"})

	id, _ := cookieOf(do(t, m, "", put("visits", 1)), "auth.aiohttp")
	counter.take() // the first write also loads the script (EVALSHA, then EVAL)

	steps := []struct {
		name string
		h    func(*Session) error
		want string
	}{
		{"read", func(s *Session) error { _, err := s.GetInt64("visits"); return err }, "get"},
		{"write", put("visits", 2), "get evalsha"},
		{"unchanged write", put("visits", 2), "get"},
		{"untouched", func(*Session) error { return nil }, ""},
	}
	for _, st := range steps {
		do(t, m, id, st.h)
		if got := strings.Join(counter.take(), " "); got != st.want {
			t.Errorf("%s: commands %q, want %q", st.name, got, st.want)
		}
	}

	sliding := newTestManager(t, NewRedisStore(client), Config{CookieName: "auth.aiohttp", SlidingIdle: true})
	do(t, sliding, id, func(s *Session) error { _, err := s.Keys(); return err })
	if got := strings.Join(counter.take(), " "); got != "getex" {
		t.Errorf("sliding read: %q, want getex", got)
	}
	ttl, _ := client.TTL(context.Background(), "auth.aiohttp_"+id).Result()
	if ttl <= 29*time.Minute {
		t.Errorf("TTL after write %v", ttl)
	}
}

func TestRedisReadOnlyLeavesTTL(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	m := newTestManager(t, NewRedisStore(srv.Client), Config{CookieName: "auth.aiohttp", IdleTimeout: time.Hour})
	id := strings.Repeat("7", 32)
	rec := `{"created": ` + fmt.Sprint(time.Now().Unix()) + `, "session": {"userId": "u"}}`
	if err := srv.Client.Set(ctx, "auth.aiohttp_"+id, rec, 100*time.Second).Err(); err != nil {
		t.Fatal(err)
	}
	res := do(t, m, id, func(s *Session) error { _, err := s.GetString("userId"); return err })
	if len(res.Header.Values("Set-Cookie")) != 0 {
		t.Error("read-only request set a cookie")
	}
	if ttl := srv.Client.TTL(ctx, "auth.aiohttp_"+id).Val(); ttl > 100*time.Second {
		t.Errorf("read-only request extended the TTL to %v", ttl)
	}
	if got := srv.Client.Get(ctx, "auth.aiohttp_"+id).Val(); got != rec {
		t.Errorf("record changed to %s", got)
	}
}

// concurrentPuts has n requests with one session cookie each put their own key
// at the same time, and checks that every key is there afterwards.
func concurrentPuts(t *testing.T, store AtomicStore, n int) {
	t.Helper()
	m := newTestManager(t, store, Config{Logger: testLogger(t)})
	id, _ := cookieOf(do(t, m, "", put("seed", 0)), DefaultCookieName)
	if id == "" {
		t.Fatal("no session")
	}
	var wg sync.WaitGroup
	codes := make([]int, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res := do(t, m, id, put(fmt.Sprintf("k%03d", i), i))
			codes[i] = res.StatusCode
		}()
	}
	close(start)
	wg.Wait()
	var keys []string
	do(t, m, id, func(s *Session) (err error) { keys, err = s.Keys(); return })
	have := make(map[string]bool, len(keys))
	for _, k := range keys {
		have[k] = true
	}
	for i := range n {
		if k := fmt.Sprintf("k%03d", i); !have[k] || codes[i] != http.StatusOK {
			t.Errorf("%s: present %v, status %d", k, have[k], codes[i])
		}
	}
	if len(keys) != n+1 {
		t.Errorf("%d keys, want %d", len(keys), n+1)
	}
}

func TestConcurrentPutsMemory(t *testing.T) { concurrentPuts(t, NewMemoryStore(nil), 100) }

func TestConcurrentPutsRedis(t *testing.T) {
	concurrentPuts(t, NewRedisStore(redistest.Start(t).Client), 100)
}

func TestConcurrentPutsCluster(t *testing.T) {
	concurrentPuts(t, NewRedisStore(redistest.StartCluster(t).Client), 100)
}

func TestSameKeyLaterCommitWins(t *testing.T) {
	mem := NewMemoryStore(nil)
	m := newTestManager(t, mem, Config{})
	id, _ := cookieOf(do(t, m, "", put("color", "red", "size", 1)), DefaultCookieName)
	r1, r2 := m.loadID(t, id), m.loadID(t, id)
	_ = r1.Put("color", "green")
	_ = r2.Put("color", "blue")
	_ = r2.Delete("size")
	if err := r1.commit(http.Header{}); err != nil {
		t.Fatal(err)
	}
	if err := r2.commit(http.Header{}); err != nil {
		t.Fatal(err)
	}
	s := m.loadID(t, id)
	color, _ := s.GetString("color")
	has, _ := s.Has("size")
	if color != "blue" || has {
		t.Errorf("color %q, size present %v; want blue, deleted", color, has)
	}
}

// loadID returns a Session of a request carrying id.
func (m *Manager) loadID(t *testing.T, id string) *Session {
	t.Helper()
	r, _ := http.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: m.cfg.CookieName, Value: id})
	return m.Load(r)
}

func TestConcurrentDestroyWins(t *testing.T) {
	mem := NewMemoryStore(nil)
	m := newTestManager(t, mem, Config{})
	id, _ := cookieOf(do(t, m, "", put("userId", "u1")), DefaultCookieName)
	logout, other := m.loadID(t, id), m.loadID(t, id)
	_ = logout.Destroy()
	_ = other.Put("cart", 1)
	if err := logout.commit(http.Header{}); err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	if err := other.commit(h); !errorsIs(err, ErrEnded) {
		t.Fatalf("a write racing a logout: %v, want ErrEnded", err)
	}
	raw, _, _ := mem.Load(context.Background(), m.key(id))
	if string(raw) != "{}" {
		t.Errorf("destroyed record is %s", raw)
	}
	if strings.Contains(h.Get("Set-Cookie"), id) {
		t.Error("a write raced with logout revived the old id")
	}
}

func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	m := newTestManager(t, NewRedisStore(client), Config{})
	id, _ := cookieOf(do(t, m, "", put("userId", "u1")), DefaultCookieName)

	srv.Stop()
	for _, h := range []func(*Session) error{
		func(s *Session) error { _, err := s.GetString("userId"); return err },
		put("cart", 2),
		func(s *Session) error { return s.Destroy() },
	} {
		res, herr := doErr(m, id, h)
		if !errorsIs(herr, ErrUnavailable) && herr != nil {
			t.Errorf("handler error %v, want ErrUnavailable", herr)
		}
		if res.StatusCode != http.StatusServiceUnavailable || len(res.Header.Values("Set-Cookie")) != 0 {
			t.Errorf("while down: status %d, Set-Cookie %q", res.StatusCode, res.Header.Values("Set-Cookie"))
		}
		if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
	}

	srv.Restart() // empty again: persistence is off
	res := do(t, m, id, put("cart", 3))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("after restart: status %d", res.StatusCode)
	}
	id2, _ := cookieOf(res, DefaultCookieName)
	var cart int64
	do(t, m, id2, func(s *Session) (err error) { cart, err = s.GetInt64("cart"); return })
	if cart != 3 {
		t.Errorf("after restart: cart %d", cart)
	}
}

func TestCustomErrorHandler(t *testing.T) {
	srv := redistest.Start(t)
	var got error
	m := newTestManager(t, NewRedisStore(srv.Client), Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(http.StatusTeapot)
	}})
	srv.Stop()
	res, _ := doErr(m, strings.Repeat("1", 32), put("a", 1))
	if res.StatusCode != http.StatusTeapot || !errorsIs(got, ErrUnavailable) {
		t.Errorf("status %d, err %v", res.StatusCode, got)
	}
}
