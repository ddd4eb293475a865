package redistest

import (
	"context"
	"net"
	"os"
	"os/exec"
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
		MaxRedirects: -1,
		DialTimeout:  200 * time.Millisecond,
	})
	t.Cleanup(func() { _ = c.Close() })
	return c, loads.Load
}

// WaitReloads waits up to 2 s for loads (from DeadCluster) to reach want, and
// fails the test otherwise: the reload runs in the background.
func WaitReloads(t testing.TB, loads func() int64, want int64) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for loads() < want {
		if time.Now().After(deadline) {
			t.Fatalf("the cluster client loaded its slot map %d times, want %d: no reload after a connection error", loads(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
