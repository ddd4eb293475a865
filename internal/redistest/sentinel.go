package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SentinelMaster is the master name the sentinel monitors.
const SentinelMaster = "mymaster"

// Sentinel is a master, one replica or more and one sentinel (redis-server
// --sentinel, quorum 1, down after 1 s) owned by a test.
type Sentinel struct {
	// Master and Replica are the data servers; Master.Stop is an outage the
	// sentinel answers by promoting a replica (Replica, when it is the only
	// one).
	Master, Replica *Server
	// Replicas are all the replicas as started; Replicas[0] is Replica. With
	// two, a failover leaves the promoted master with a replica: the sentinel
	// points the other one at it.
	Replicas []*Server
	// Addr is the sentinel's host:port.
	Addr string
	// Client is a FailoverClient on DB 0 through the sentinel, closed at
	// cleanup.
	Client *redis.Client
}

// StartSentinel runs a master, a replica of it and a sentinel monitoring it, on
// free loopback ports, and returns once the replica is in sync and the sentinel
// knows both.
func StartSentinel(t testing.TB) *Sentinel {
	t.Helper()
	return StartSentinelReplicas(t, 1)
}

// StartSentinelReplicas is StartSentinel with n replicas (1 or 2).
func StartSentinelReplicas(t testing.TB, n int) *Sentinel {
	t.Helper()
	if n < 1 || n > 2 {
		t.Fatalf("redistest: %d replicas; 1 or 2 are supported", n)
	}
	master := Start(t)
	bin := lookPath(t)
	var replicas []*Server
	for range n {
		replica := &Server{t: t, bin: bin, dir: t.TempDir(), port: freePort(t, false),
			extra: []string{"--replicaof", "127.0.0.1", strconv.Itoa(master.port)}}
		if err := replica.own(); err != nil {
			t.Fatalf("redistest: replica: %v", err)
		}
		replicas = append(replicas, replica)
	}

	dir := t.TempDir()
	port := freePort(t, false)
	conf := filepath.Join(dir, "sentinel.conf")
	body := fmt.Sprintf("port %d\nbind 127.0.0.1\nprotected-mode no\ndir %s\nlogfile \"\"\nloglevel warning\n"+
		"sentinel monitor %s 127.0.0.1 %d 1\nsentinel down-after-milliseconds %[3]s 1000\n"+
		"sentinel failover-timeout %[3]s 3000\nsentinel parallel-syncs %[3]s 1\n", port, dir, SentinelMaster, master.port)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf, "--sentinel")
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatalf("redistest: sentinel: %v", err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	addr := "127.0.0.1:" + strconv.Itoa(port)
	if err := waitPing(addr, exited, &waitErr); err != nil {
		t.Fatalf("redistest: sentinel: %v", err)
	}
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr})
	defer sc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		synced := 0
		for _, r := range replicas {
			if strings.Contains(r.Client.Info(ctx, "replication").Val(), "master_link_status:up") {
				synced++
			}
		}
		known, _ := sc.Replicas(ctx, SentinelMaster).Result()
		if synced == n && len(known) == n {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("redistest: sentinel set not ready: %d of %d replicas in sync, %d known", synced, n, len(known))
		}
		time.Sleep(50 * time.Millisecond)
	}
	client := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: SentinelMaster, SentinelAddrs: []string{addr}, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	return &Sentinel{Master: master, Replica: replicas[0], Replicas: replicas, Addr: addr, Client: client}
}
