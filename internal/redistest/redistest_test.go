package redistest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/internal/redistest"
)

func TestStartStopRestart(t *testing.T) {
	srv := redistest.Start(t)
	ctx := context.Background()
	if srv.Addr == "127.0.0.1:6379" {
		t.Fatal("redistest must never use the default port")
	}
	if err := srv.Client.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET: %v", err)
	}
	srv.Stop()
	if err := srv.Client.Get(ctx, "k").Err(); err == nil {
		t.Fatal("GET succeeded against a stopped server")
	}
	srv.Restart()
	// Persistence is off: the restarted server is empty, and the old client
	// reconnects by itself.
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := srv.Client.Exists(ctx, "k").Result()
		if err == nil {
			if n != 0 {
				t.Fatalf("restarted server kept data: EXISTS = %d", n)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("client did not reconnect: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTwoServersAreIsolated(t *testing.T) {
	a, b := redistest.Start(t), redistest.Start(t)
	ctx := context.Background()
	if a.Addr == b.Addr {
		t.Fatalf("both servers on %s", a.Addr)
	}
	if err := a.Client.Set(ctx, "only-a", 1, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n := b.Client.Exists(ctx, "only-a").Val(); n != 0 {
		t.Fatal("a key written to one server is visible on the other")
	}
}

func TestCluster(t *testing.T) {
	c := redistest.StartCluster(t)
	ctx := context.Background()
	if len(c.Nodes) != 3 {
		t.Fatalf("got %d nodes, want 3", len(c.Nodes))
	}
	// Keys that hash to different slots land on different masters.
	seen := map[string]bool{}
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		if err := c.Client.Set(ctx, k, k, 0).Err(); err != nil {
			t.Fatalf("SET %s: %v", k, err)
		}
		for _, n := range c.Nodes {
			if n.Client.Do(ctx, "GET", k).Err() == nil {
				seen[n.Addr] = true
			}
		}
	}
	if len(seen) < 2 {
		t.Fatalf("keys landed on %d masters, want spread", len(seen))
	}
}

// TestMissingServer re-runs this test binary with an empty PATH: without
// SESAME_REQUIRE_REDIS the Redis test skips saying how to install redis-server, and
// with it the test fails saying the same.
func TestMissingServer(t *testing.T) {
	if os.Getenv("REDISTEST_CHILD") == "1" {
		return
	}
	for _, tc := range []struct {
		require  string
		wantFail bool
		want     string
	}{
		{"", false, "--- SKIP: TestStartStopRestart"},
		{"1", true, "--- FAIL: TestStartStopRestart"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestStartStopRestart$", "-test.v", "-test.count=1")
		cmd.Env = []string{"PATH=" + t.TempDir(), "REDISTEST_CHILD=1", redistest.RequireEnv + "=" + tc.require}
		out, err := cmd.CombinedOutput()
		if failed := err != nil; failed != tc.wantFail {
			t.Fatalf("%s=%q: failed=%v, want %v\n%s", redistest.RequireEnv, tc.require, failed, tc.wantFail, out)
		}
		for _, want := range []string{tc.want, redistest.InstallHint} {
			if !strings.Contains(string(out), want) {
				t.Errorf("%s=%q: output lacks %q:\n%s", redistest.RequireEnv, tc.require, want, out)
			}
		}
	}
}

func TestSentinel(t *testing.T) {
	s := redistest.StartSentinel(t)
	ctx := context.Background()
	if err := s.Client.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Client.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT = %d, %v", n, err)
	}
	if v := s.Replica.Client.Get(ctx, "k").Val(); v != "v" {
		t.Fatalf("replica has %q", v)
	}
}

// A cluster with replicas fails over by itself: a master stopped, its replica
// serves its slots a few node timeouts later, and the old master restarted
// rejoins as a replica of the new one.
func TestClusterReplicasFailover(t *testing.T) {
	c := redistest.StartClusterConfig(t, redistest.ClusterConfig{Replicas: 1, NodeTimeout: time.Second})
	ctx := context.Background()
	if len(c.Nodes) != 3 || len(c.Replicas) != 3 {
		t.Fatalf("got %d masters and %d replicas, want 3 and 3", len(c.Nodes), len(c.Replicas))
	}
	const key = "failover-key"
	if err := c.Client.Set(ctx, key, "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	old := c.MasterOf(ctx, key)
	if old == nil {
		t.Fatal("no master for the key")
	}
	start := time.Now()
	old.Stop()
	promoted := c.WaitServed(t, key, old, 20*time.Second)
	t.Logf("slot served by the promoted replica %s %v after the stop", promoted.Addr, time.Since(start).Round(100*time.Millisecond))
	old.Restart()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(old.Client.Info(ctx, "replication").Val(), "master_link_status:up") {
		if time.Now().After(deadline) {
			t.Fatalf("the restarted master did not rejoin as a replica: %s", old.Client.Info(ctx, "replication").Val())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
