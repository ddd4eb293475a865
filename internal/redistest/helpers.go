package redistest

import (
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Python3 returns the path of python3, skipping the test without it unless
// RequireEnv=1 (as CI sets), which makes its absence a failure.
func Python3(t testing.TB) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err == nil {
		return py
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("python3 is not on PATH (%s=1)", RequireEnv)
	}
	t.Skip("python3 is not on PATH")
	return ""
}

// DeadAddr returns a loopback address where nothing listens: a Redis that is
// down.
func DeadAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

// DeadCluster returns a cluster client whose slot map puts every slot on a
// dead address (so every command fails with a connection error), and a
// function counting the slot maps it has loaded: 1 after the first command,
// one more after each reload. It shows whether a store asks for a reload after
// a connection error without starting any server.
func DeadCluster(t testing.TB) (*redis.ClusterClient, func() int64) {
	t.Helper()
	addr := DeadAddr(t)
	var loads atomic.Int64
	c := redis.NewClusterClient(&redis.ClusterOptions{
		ClusterSlots: func(context.Context) ([]redis.ClusterSlot, error) {
			loads.Add(1)
			return []redis.ClusterSlot{{Start: 0, End: 16383, Nodes: []redis.ClusterNode{{Addr: addr}}}}, nil
		},
		MaxRedirects:       -1,
		DialTimeout:        200 * time.Millisecond,
		DialerRetries:      1,
		DialerRetryTimeout: time.Millisecond,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c, loads.Load
}

// WaitReloads waits up to 2 s for loads (from DeadCluster) to reach want, and
// fails the test otherwise: the reload runs in the background.
func WaitReloads(t testing.TB, loads func() int64, want int64) {
	t.Helper()
	if !waitLoads(loads, want) {
		t.Fatalf("the cluster client loaded its slot map %d times, want %d: no reload after a connection error", loads(), want)
	}
}

// waitLoads reports whether loads reached want within 2 s.
func waitLoads(loads func() int64, want int64) bool {
	deadline := time.Now().Add(2 * time.Second)
	for loads() < want {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
	return true
}

// CheckReloads builds one store with build for each of ops on DeadCluster's
// client and runs the op, which sends one command through it. It fails the
// test unless every op fails with an error wrapping want and its connection
// error got the client to reload its slot map.
func CheckReloads[S any](t *testing.T, want error, build func(redis.UniversalClient) (S, error), ops map[string]func(S) error) {
	t.Helper()
	c, loads := DeadCluster(t)
	names := make([]string, 0, len(ops))
	for name := range ops {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		store, err := build(c)
		if err != nil {
			t.Fatal(err)
		}
		before := max(loads(), 1) // the first command loads the map
		if err := ops[name](store); !errors.Is(err, want) {
			t.Errorf("%s on a dead cluster node: %v, want %v", name, err, want)
		}
		if !waitLoads(loads, before+1) {
			t.Errorf("%s: no slot-map reload after its connection error", name)
		}
	}
}
