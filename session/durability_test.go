package session

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// durableStore is a RedisStore waiting for one replica, timeout at most: short
// where no replica can answer, long where one must (a WAIT answers as soon as
// the replica did).
func durableStore(t *testing.T, c redis.UniversalClient, timeout time.Duration) *RedisStore {
	t.Helper()
	s, err := NewRedisStoreWith(c, RedisConfig{WaitReplicas: 1, WaitTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRedisConfigRefused(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: redistest.DeadAddr(t)})
	t.Cleanup(func() { _ = c.Close() })
	for _, tc := range []struct {
		name string
		c    redis.UniversalClient
		cfg  RedisConfig
	}{
		{"nil client", nil, RedisConfig{}},
		{"negative replicas", c, RedisConfig{WaitReplicas: -1}},
		{"negative timeout", c, RedisConfig{WaitReplicas: 1, WaitTimeout: -time.Second}},
		{"timeout beyond the client's ReadTimeout", c, RedisConfig{WaitReplicas: 1, WaitTimeout: time.Minute}},
	} {
		if _, err := NewRedisStoreWith(tc.c, tc.cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", tc.name, err)
		}
	}
	if s, err := NewRedisStoreWith(c, RedisConfig{WaitReplicas: 2}); err != nil || s.wait.Timeout != DefaultWaitTimeout {
		t.Errorf("default timeout: %+v, %v", s, err)
	}
}

// With WaitReplicas, a write no replica acknowledged is a 503 whose error says
// the outcome is unknown (ErrNotReplicated, an ErrUnavailable); without it,
// the same write on the same server is a 200.
func TestWaitReplicasWithoutReplica(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	plain := newTestManager(t, NewRedisStore(srv.Client), Config{CookieName: "plain"})
	if res := do(t, plain, "", put("userId", "alice")); res.StatusCode != http.StatusOK {
		t.Fatalf("without WaitReplicas: %d", res.StatusCode)
	}
	store := durableStore(t, srv.Client, 100*time.Millisecond)
	var got error
	m := newTestManager(t, store, Config{CookieName: "durable", ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		defaultErrorHandler(w, r, err)
	}})
	res := do(t, m, "", put("userId", "alice"))
	if res.StatusCode != http.StatusServiceUnavailable || !errors.Is(got, ErrNotReplicated) || !errors.Is(got, ErrUnavailable) {
		t.Fatalf("no replica: status %d, error %v; want 503 with ErrNotReplicated", res.StatusCode, got)
	}
	if _, ok := cookieOf(res, "durable"); ok {
		t.Error("a 503 set the session cookie")
	}
	_, takeErr := store.TakeTagged(ctx, "tag", 1, time.Minute)
	for name, err := range map[string]error{
		"Save":       store.Save(ctx, "k", []byte("v"), time.Minute),
		"Delete":     store.Delete(ctx, "k"),
		"AddTag":     store.AddTag(ctx, "tag", "k", 2, time.Minute),
		"TakeTagged": takeErr,
	} {
		if !errors.Is(err, ErrNotReplicated) {
			t.Errorf("%s: %v, want ErrNotReplicated", name, err)
		}
	}
	// A compare-and-set that stores nothing (a lost race) does not depend on
	// replicas.
	if saved, cur, found, err := store.CompareAndSave(ctx, "k2", []byte("x"), []byte("y"), time.Minute); err != nil || saved || found || cur != nil {
		t.Errorf("lost race: saved %v, found %v, %v", saved, found, err)
	}
}

// Through Sentinel: with the replica in sync a durable write is acknowledged
// and already on the replica; with the replica down it is ErrNotReplicated,
// while a store without WaitReplicas goes on acknowledging.
func TestWaitReplicasSentinel(t *testing.T) {
	s := redistest.StartSentinel(t)
	ctx := context.Background()
	m := newTestManager(t, durableStore(t, s.Client, 3*time.Second), Config{CookieName: "auth.aiohttp"})
	id, _ := cookieOf(do(t, m, "", put("userId", "alice")), "auth.aiohttp")
	if id == "" {
		t.Fatal("durable login failed with a replica in sync")
	}
	if v := s.Replica.Client.Get(ctx, "auth.aiohttp_"+id).Val(); v == "" {
		t.Fatal("a write acknowledged with WaitReplicas is not on the replica")
	}
	s.Replica.Stop()
	short := newTestManager(t, durableStore(t, s.Client, 100*time.Millisecond), Config{CookieName: "auth.aiohttp"})
	res, _ := doErr(short, id, put("cart", 1))
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("replica down, durable write: %d, want 503", res.StatusCode)
	}
	plain := newTestManager(t, NewRedisStore(s.Client), Config{CookieName: "auth.aiohttp"})
	if res := do(t, plain, id, put("cart", 2)); res.StatusCode != http.StatusOK {
		t.Fatalf("replica down, plain write: %d", res.StatusCode)
	}
}

// On a cluster the WAIT goes to the master of the key written: with the
// replica of one master stopped, every durable write to that master's keys is
// ErrNotReplicated and every one to the other masters' keys succeeds. A WAIT
// sent to any other node would break one or the other.
func TestWaitReplicasClusterKeyMaster(t *testing.T) {
	c := redistest.StartClusterConfig(t, redistest.ClusterConfig{Replicas: 1})
	ctx := context.Background()
	// One store for the keys that must fail, quickly, one for those that must
	// not, which may wait long: the WAIT answers as soon as the replica did.
	short, long := durableStore(t, c.Client, 100*time.Millisecond), durableStore(t, c.Client, 3*time.Second)
	c.Replicas[0].Stop() // the replica of c.Nodes[0]
	perMaster := map[*redistest.Server]int{}
	for i := 0; len(perMaster) < 3 || minCount(perMaster) < 4; i++ {
		if i > 500 {
			t.Fatalf("keys did not spread over the masters: %v", perMaster)
		}
		key := "k" + newID()
		owner := c.MasterOf(ctx, key)
		if perMaster[owner] == 4 {
			continue
		}
		perMaster[owner]++
		if owner == c.Nodes[0] {
			if _, _, _, err := short.CompareAndSave(ctx, key, nil, []byte("v"), time.Minute); !errors.Is(err, ErrNotReplicated) {
				t.Fatalf("key of the master without replica: %v, want ErrNotReplicated", err)
			}
		} else if _, _, _, err := long.CompareAndSave(ctx, key, nil, []byte("v"), time.Minute); err != nil {
			t.Fatalf("key of %s, whose replica runs: %v", owner.Addr, err)
		}
	}
}

func minCount(m map[*redistest.Server]int) int {
	n := -1
	for _, v := range m {
		if n < 0 || v < n {
			n = v
		}
	}
	return n
}
