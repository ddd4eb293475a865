package session

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// recordErr is an ErrorHandler keeping the error it was given in *got.
func recordErr(got *error) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		*got = err
		defaultErrorHandler(w, r, err)
	}
}

// checkUnavailable fails the test unless err is one ErrUnavailable whose text
// says so once.
func checkUnavailable(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("%s: %v, want ErrUnavailable", what, err)
		return
	}
	if n := strings.Count(err.Error(), "store unavailable"); n != 1 {
		t.Errorf("%s: %q says \"store unavailable\" %d times", what, err, n)
	}
}

// The cause of a store failure stays reachable through the session's
// errors: errors.As finds the Redis reply and the network error, errors.Is the
// request's deadline, and the text says "store unavailable" once.
func TestErrorsKeepTheirCause(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr, MaxRetries: -1, DialerRetries: 1, DialerRetryTimeout: time.Millisecond})
	t.Cleanup(func() { _ = client.Close() })
	var got error
	m := newTestManager(t, NewRedisStore(client), Config{CookieName: "auth.aiohttp", ErrorHandler: recordErr(&got)})
	id, _ := cookieOf(do(t, m, "", put("userId", "alice")), "auth.aiohttp")
	key := "auth.aiohttp_" + id

	// A Redis error reply: the key holds a list.
	srv.Client.Del(ctx, key)
	srv.Client.LPush(ctx, key, "x")
	doErr(m, id, put("cart", 1))
	var reply redis.Error
	if !errors.As(got, &reply) || !strings.HasPrefix(reply.Error(), "WRONGTYPE") {
		t.Errorf("WRONGTYPE: %v, errors.As finds no redis.Error", got)
	}
	checkUnavailable(t, "WRONGTYPE", got)
	srv.Client.Del(ctx, key)

	// The request's deadline, with the Redis store and the memory store.
	expired, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	for name, m := range map[string]*Manager{
		"redis":  m,
		"memory": newTestManager(t, NewMemoryStore(nil), Config{CookieName: "auth.aiohttp", ErrorHandler: recordErr(&got)}),
	} {
		got = nil
		r := httptest.NewRequestWithContext(expired, "GET", "https://app.example/", nil)
		r.AddCookie(&http.Cookie{Name: "auth.aiohttp", Value: id})
		m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = FromContext(r.Context()).Put("cart", 2)
		})).ServeHTTP(httptest.NewRecorder(), r)
		if !errors.Is(got, context.DeadlineExceeded) {
			t.Errorf("%s, expired request: %v, want context.DeadlineExceeded", name, got)
		}
	}
	store := NewRedisStore(client)
	if _, _, _, err := store.CompareAndSave(expired, key, nil, []byte("{}"), time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("CompareAndSave, expired: %v", err)
	}

	// Redis gone between the load and the commit: the write fails, reading it
	// back fails too, and the one error names the connection's failure.
	id, _ = cookieOf(do(t, m, "", put("userId", "alice")), "auth.aiohttp")
	got = nil
	doErr(m, id, func(s *Session) error {
		if _, err := s.GetString("userId"); err != nil {
			return err
		}
		srv.Stop()
		return s.Put("cart", 3)
	})
	var op *net.OpError
	if !errors.As(got, &op) {
		t.Errorf("Redis stopped: %v, errors.As finds no *net.OpError", got)
	}
	checkUnavailable(t, "Redis stopped", got)
	g := newMG(t, client, MGConfig{})
	_, err := g.Get(ctx, strings.Repeat("A", 43))
	if !errors.As(err, &op) {
		t.Errorf("MGSessions.Get, Redis stopped: %v, errors.As finds no *net.OpError", err)
	}
	checkUnavailable(t, "MGSessions.Get", err)
}

// On a cluster client, the connection errors of RedisStore and MGSessions get
// the client to reload its slot map, so a failover's promoted replica is
// reached within seconds.
func TestRedisClusterReload(t *testing.T) {
	ctx := context.Background()
	const key = "auth.aiohttp_0123456789abcdef0123456789abcdef"
	cfgs := map[string]RedisConfig{"": {}, ", WaitReplicas": {WaitReplicas: 1}}
	for suffix, cfg := range cfgs {
		build := func(c redis.UniversalClient) (*RedisStore, error) { return NewRedisStoreWith(c, cfg) }
		redistest.CheckReloads(t, ErrUnavailable, build, map[string]func(*RedisStore) error{
			"Load" + suffix:      func(s *RedisStore) error { _, _, err := s.Load(ctx, key); return err },
			"LoadTouch" + suffix: func(s *RedisStore) error { _, _, err := s.LoadTouch(ctx, key, time.Minute); return err },
			"Save" + suffix:      func(s *RedisStore) error { return s.Save(ctx, key, []byte("{}"), time.Minute) },
			"Delete" + suffix:    func(s *RedisStore) error { return s.Delete(ctx, key) },
			"CompareAndSave" + suffix: func(s *RedisStore) error {
				_, _, _, err := s.CompareAndSave(ctx, key, nil, []byte("{}"), time.Minute)
				return err
			},
			"AddTag" + suffix: func(s *RedisStore) error { return s.AddTag(ctx, "tag", key, 1, time.Minute) },
			"Tagged" + suffix: func(s *RedisStore) error { _, err := s.Tagged(ctx, "tag", key); return err },
			"TakeTagged" + suffix: func(s *RedisStore) error {
				_, err := s.TakeTagged(ctx, "tag", 1, time.Minute)
				return err
			},
		})
	}
	challenge := strings.Repeat("A", 43)
	build := func(c redis.UniversalClient) (*MGSessions, error) { return NewMGSessions(c, MGConfig{}) }
	redistest.CheckReloads(t, ErrUnavailable, build, map[string]func(*MGSessions) error{
		"Get":       func(g *MGSessions) error { _, err := g.Get(ctx, challenge); return err },
		"Revoke":    func(g *MGSessions) error { return g.Revoke(ctx, challenge) },
		"EvictUser": func(g *MGSessions) error { _, err := g.EvictUser(ctx, "alice"); return err },
		"Indexed":   func(g *MGSessions) error { _, err := g.Indexed(ctx, "alice", "k"); return err },
	})
}
