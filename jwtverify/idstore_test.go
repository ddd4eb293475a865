package jwtverify_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// TestIDStores: both stores refuse a second claim of an id until its ttl
// runs out, and the Redis one keeps the id with the ttl (SET NX PX).
func TestIDStores(t *testing.T) {
	srv := redistest.Start(t)
	rs, err := jwtverify.NewRedisIDStore(srv.Client, jwtverify.RedisIDStoreConfig{Prefix: "t."})
	if err != nil {
		t.Fatal(err)
	}
	c := newClock()
	for name, s := range map[string]jwtverify.IDStore{"memory": jwtverify.NewMemoryIDStore(4, c.Now), "redis": rs} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for i, want := range []bool{true, false} {
				if fresh, err := s.Claim(ctx, "id-1", time.Minute); fresh != want || err != nil {
					t.Fatalf("claim %d: %v, %v; want %v", i, fresh, err, want)
				}
			}
			if fresh, err := s.Claim(ctx, "id-2", time.Minute); !fresh || err != nil {
				t.Fatalf("another id: %v, %v", fresh, err)
			}
		})
	}
	if pttl := srv.Client.PTTL(context.Background(), "t.id-1").Val(); pttl <= 0 || pttl > time.Minute {
		t.Fatalf("PTTL of t.id-1: %v, want within a minute", pttl)
	}
	// The memory store forgets an id once its ttl ran out, and is bounded.
	m := jwtverify.NewMemoryIDStore(2, c.Now)
	ctx := context.Background()
	_, _ = m.Claim(ctx, "a", time.Second)
	_, _ = m.Claim(ctx, "b", time.Minute)
	if _, err := m.Claim(ctx, "c", time.Minute); !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("full: %v, want ErrUnavailable", err)
	}
	c.Add(2 * time.Second)
	if fresh, err := m.Claim(ctx, "a", time.Minute); !fresh || err != nil {
		t.Fatalf("after the ttl: %v, %v", fresh, err)
	}
}

// TestRedisIDStoreWait: with WaitReplicas, a claim no replica acknowledged
// is ErrUnavailable (the single node here has none).
func TestRedisIDStoreWait(t *testing.T) {
	srv := redistest.Start(t)
	s, err := jwtverify.NewRedisIDStore(srv.Client, jwtverify.RedisIDStoreConfig{WaitReplicas: 1, WaitTimeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Claim(context.Background(), "x", time.Minute); !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if _, err := jwtverify.NewRedisIDStore(srv.Client, jwtverify.RedisIDStoreConfig{WaitReplicas: -1}); !errors.Is(err, jwtverify.ErrConfig) {
		t.Fatalf("negative WaitReplicas: %v", err)
	}
}

// TestRedisIDStoreShared: two instances sharing one Redis accept a proof
// once between them: of N concurrent requests with one proof, exactly one
// passes, round after round (run with -race); the keys hold digests, never
// a jti.
func TestRedisIDStoreShared(t *testing.T) {
	srv := redistest.Start(t)
	f := newDPoPFixture(t, jwtverify.DPoPConfig{})
	var handlers []http.Handler
	for range 2 {
		store, err := jwtverify.NewRedisIDStore(srv.Client, jwtverify.RedisIDStoreConfig{})
		if err != nil {
			t.Fatal(err)
		}
		d, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{ProofIDs: store, Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		handlers = append(handlers, f.handler(jwtverify.MiddlewareConfig{DPoP: d}))
	}
	tok := f.bound(f.key)
	const jti = "my-own-jti-value"
	for round := range 30 {
		p := proof(t, f.key, "GET", apiURL, tok)
		if round == 0 {
			p = proof(t, f.key, "GET", apiURL, tok, jwttest.WithProofJTI(jti))
		}
		if passed := race(8, handlers, tok, p); passed != 1 {
			t.Fatalf("round %d: %d of 8 requests passed, want 1", round, passed)
		}
	}
	keys := srv.Client.Keys(context.Background(), "*").Val()
	if len(keys) != 30 || !strings.HasPrefix(keys[0], jwtverify.DefaultIDPrefix) || len(keys[0]) != len(jwtverify.DefaultIDPrefix)+43 {
		t.Fatalf("keys %q, want 30 digests under %s", keys[:min(len(keys), 3)], jwtverify.DefaultIDPrefix)
	}
	for _, k := range keys {
		if strings.Contains(k, jti) {
			t.Fatalf("key %q holds the jti", k)
		}
	}
	// Redis down: 503, never a pass.
	srv.Stop()
	w := send(handlers[0], "GET", apiURL, "DPoP "+tok, proof(t, f.key, "GET", apiURL, tok))
	if w.Code != http.StatusServiceUnavailable || f.lastReason() != jwtverify.Reason(jwtverify.ErrUnavailable) {
		t.Fatalf("Redis down: %d %s", w.Code, f.lastReason())
	}
}

// TestRedisIDStoreReloads: a connection error gets a cluster client to
// reload its slot map, and is ErrUnavailable.
func TestRedisIDStoreReloads(t *testing.T) {
	redistest.CheckReloads(t, jwtverify.ErrUnavailable,
		func(c redis.UniversalClient) (*jwtverify.RedisIDStore, error) {
			return jwtverify.NewRedisIDStore(c, jwtverify.RedisIDStoreConfig{})
		},
		map[string]func(*jwtverify.RedisIDStore) error{
			"Claim": func(s *jwtverify.RedisIDStore) error {
				_, err := s.Claim(context.Background(), "id", time.Minute)
				return err
			},
		})
}
