package jwtverify_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
	"github.com/sesame-go/sesame/jwtverify"
)

// TestJTIStores: both stores refuse a second use of an id until its ttl
// runs out, and the Redis one keeps a hashed key with the ttl (SET NX PX).
func TestJTIStores(t *testing.T) {
	srv := redistest.Start(t)
	rs, err := jwtverify.NewRedisJTIStore(srv.Client, jwtverify.RedisJTIConfig{Prefix: "t:"})
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	for name, s := range map[string]jwtverify.JTIStore{"memory": jwtverify.NewMemoryJTIStore(4, c.Now), "redis": rs} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			id := jwtverify.JTIKey{1, 2, 3}
			if err := s.Use(ctx, id, time.Minute); err != nil {
				t.Fatalf("first use: %v", err)
			}
			if err := s.Use(ctx, id, time.Minute); !errors.Is(err, jwtverify.ErrDPoPReplay) {
				t.Fatalf("second use: %v, want ErrDPoPReplay", err)
			}
			if err := s.Use(ctx, jwtverify.JTIKey{4}, time.Minute); err != nil {
				t.Fatalf("another id: %v", err)
			}
		})
	}
	key := "t:" + base64.RawURLEncoding.EncodeToString((&jwtverify.JTIKey{1, 2, 3})[:])
	if pttl := srv.Client.PTTL(context.Background(), key).Val(); pttl <= 0 || pttl > time.Minute {
		t.Fatalf("PTTL of %s: %v, want within a minute", key, pttl)
	}
	// The memory store forgets an id once its ttl ran out, and is bounded.
	m := jwtverify.NewMemoryJTIStore(2, c.Now)
	ctx := context.Background()
	_ = m.Use(ctx, jwtverify.JTIKey{1}, time.Second)
	_ = m.Use(ctx, jwtverify.JTIKey{2}, time.Minute)
	if err := m.Use(ctx, jwtverify.JTIKey{3}, time.Minute); !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("full: %v, want ErrUnavailable", err)
	}
	c.Add(2 * time.Second)
	if err := m.Use(ctx, jwtverify.JTIKey{1}, time.Minute); err != nil {
		t.Fatalf("after the ttl: %v", err)
	}
}

// TestRedisJTIStoreShared: two instances sharing one Redis accept a proof
// once between them: of N concurrent requests with one proof, exactly one
// passes, round after round (run with -race).
func TestRedisJTIStoreShared(t *testing.T) {
	srv := redistest.Start(t)
	f := newDPoPFixture(t, jwtverify.DPoPConfig{})
	var handlers []http.Handler
	for range 2 {
		store, err := jwtverify.NewRedisJTIStore(srv.Client, jwtverify.RedisJTIConfig{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{JTIStore: store, Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		handlers = append(handlers, f.handler(jwtverify.MiddlewareConfig{DPoP: d}))
	}
	tok := f.bound(f.key)
	for round := range 30 {
		if passed := race(8, handlers, tok, proof(t, f.key, "GET", apiURL, tok)); passed != 1 {
			t.Fatalf("round %d: %d of 8 requests passed, want 1", round, passed)
		}
	}
	keys := srv.Client.Keys(context.Background(), "*").Val()
	if len(keys) != 30 || !strings.HasPrefix(keys[0], jwtverify.DefaultJTIPrefix) {
		t.Fatalf("keys %q, want 30 under %s", keys[:min(len(keys), 3)], jwtverify.DefaultJTIPrefix)
	}
	// Redis down: 503, never a pass.
	srv.Stop()
	w := send(handlers[0], "GET", apiURL, "DPoP "+tok, proof(t, f.key, "GET", apiURL, tok))
	if w.Code != http.StatusServiceUnavailable || f.lastReason() != jwtverify.Reason(jwtverify.ErrUnavailable) {
		t.Fatalf("Redis down: %d %s", w.Code, f.lastReason())
	}
}

// TestRedisJTIStoreReloads: a connection error gets a cluster client to
// reload its slot map, and is ErrUnavailable.
func TestRedisJTIStoreReloads(t *testing.T) {
	redistest.CheckReloads(t, jwtverify.ErrUnavailable,
		func(c redis.UniversalClient) (*jwtverify.RedisJTIStore, error) {
			return jwtverify.NewRedisJTIStore(c, jwtverify.RedisJTIConfig{})
		},
		map[string]func(*jwtverify.RedisJTIStore) error{
			"Use": func(s *jwtverify.RedisJTIStore) error {
				return s.Use(context.Background(), jwtverify.JTIKey{9}, time.Minute)
			},
		})
}
