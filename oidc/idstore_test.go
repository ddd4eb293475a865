package oidc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sesame-go/sesame/internal/redistest"
	"github.com/sesame-go/sesame/oidc"
)

// TestRedisIDStore: an id is claimed once until it expires or is released,
// under the configured prefix, with its TTL.
func TestRedisIDStore(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	s, err := oidc.NewRedisIDStore(srv.Client, oidc.RedisIDStoreConfig{Prefix: "app.jti."})
	if err != nil {
		t.Fatal(err)
	}
	claim := func(id string, want bool) {
		t.Helper()
		if fresh, err := s.Claim(ctx, id, time.Minute); err != nil || fresh != want {
			t.Errorf("Claim(%s) = %v, %v; want %v", id, fresh, err, want)
		}
	}
	claim("a", true)
	claim("a", false)
	claim("b", true)
	if ttl := srv.Client.PTTL(ctx, "app.jti.a").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("TTL of app.jti.a = %v", ttl)
	}
	if err := s.Release(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	claim("a", true)
	if _, err := oidc.NewRedisIDStore(nil, oidc.RedisIDStoreConfig{}); !errors.Is(err, oidc.ErrConfig) {
		t.Errorf("nil client: %v, want ErrConfig", err)
	}
	if _, err := oidc.NewRedisIDStore(srv.Client, oidc.RedisIDStoreConfig{WaitReplicas: -1}); !errors.Is(err, oidc.ErrConfig) {
		t.Errorf("negative WaitReplicas: %v, want ErrConfig", err)
	}
}

// TestRedisIDStoreWaitReplicas: a claim that too few replicas acknowledged
// fails (ErrUnavailable) and is undone, so the provider's retry of the token
// is not taken for a replay; with the replica it asks for, it succeeds.
func TestRedisIDStoreWaitReplicas(t *testing.T) {
	c := redistest.StartClusterConfig(t, redistest.ClusterConfig{Replicas: 1})
	ctx := context.Background()
	short, err := oidc.NewRedisIDStore(c.Client, oidc.RedisIDStoreConfig{WaitReplicas: 2, WaitTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if fresh, err := short.Claim(ctx, "j1", time.Minute); fresh || !errors.Is(err, oidc.ErrUnavailable) {
		t.Fatalf("Claim with 2 replicas asked, 1 there: %v, %v; want ErrUnavailable", fresh, err)
	}
	if n := c.Client.Exists(ctx, oidc.DefaultIDPrefix+"j1").Val(); n != 0 {
		t.Errorf("the failed claim is still recorded")
	}
	one, err := oidc.NewRedisIDStore(c.Client, oidc.RedisIDStoreConfig{WaitReplicas: 1})
	if err != nil {
		t.Fatal(err)
	}
	if fresh, err := one.Claim(ctx, "j1", time.Minute); !fresh || err != nil {
		t.Errorf("Claim with its replica: %v, %v", fresh, err)
	}
}

// TestRedisIDStoreReload: on a cluster client, a claim's or release's
// connection error is ErrUnavailable and gets the client to reload its slot
// map.
func TestRedisIDStoreReload(t *testing.T) {
	ctx := context.Background()
	for suffix, cfg := range map[string]oidc.RedisIDStoreConfig{"": {}, ", WaitReplicas": {WaitReplicas: 1}} {
		build := func(c redis.UniversalClient) (*oidc.RedisIDStore, error) { return oidc.NewRedisIDStore(c, cfg) }
		redistest.CheckReloads(t, oidc.ErrUnavailable, build, map[string]func(*oidc.RedisIDStore) error{
			"Claim" + suffix:   func(s *oidc.RedisIDStore) error { _, err := s.Claim(ctx, "j", time.Minute); return err },
			"Release" + suffix: func(s *oidc.RedisIDStore) error { return s.Release(ctx, "j") },
		})
	}
}
