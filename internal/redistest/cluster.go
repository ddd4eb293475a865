package redistest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cluster is a 3-master Redis Cluster (no replicas) owned by a test.
type Cluster struct {
	// Nodes are the three masters; Nodes[i].Stop and Restart work as for Start.
	Nodes []*Server
	// Client is a ready cluster client, closed at cleanup.
	Client *redis.ClusterClient
}

// Addrs returns the masters' addresses.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// StartCluster runs three cluster-enabled redis-server processes, splits the 16384
// slots between them, and returns once the cluster reports cluster_state:ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := lookPath(t)
	const n = 3
	c := &Cluster{}
	for i := 0; i < n; i++ {
		s := &Server{t: t, bin: bin, dir: t.TempDir(), port: freePort(t, true), cluster: true}
		if err := s.start(); err != nil {
			t.Fatalf("redistest: cluster node %d: %v", i, err)
		}
		s.Addr = s.addr()
		s.Client = redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
		t.Cleanup(func() {
			_ = s.Client.Close()
			s.Stop()
		})
		c.Nodes = append(c.Nodes, s)
	}
	if err := c.form(); err != nil {
		t.Fatalf("redistest: forming cluster: %v", err)
	}
	c.Client = redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs()})
	t.Cleanup(func() { _ = c.Client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		// A write to a key of every node proves the client sees the whole map.
		err := c.Client.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
			return m.Ping(ctx).Err()
		})
		if err == nil {
			err = c.Client.Set(ctx, "redistest:{a}", 1, time.Second).Err()
		}
		if err == nil {
			return c
		}
		if ctx.Err() != nil {
			t.Fatalf("redistest: cluster client not ready: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// form assigns slot ranges, introduces the nodes to each other and waits for
// cluster_state:ok on every node.
func (c *Cluster) form() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	per := 16384 / len(c.Nodes)
	for i, n := range c.Nodes {
		lo, hi := i*per, (i+1)*per-1
		if i == len(c.Nodes)-1 {
			hi = 16383
		}
		if err := n.Client.Do(ctx, "CLUSTER", "ADDSLOTSRANGE", lo, hi).Err(); err != nil {
			return fmt.Errorf("ADDSLOTSRANGE on %s: %w", n.Addr, err)
		}
	}
	first := c.Nodes[0]
	for _, n := range c.Nodes[1:] {
		if err := first.Client.Do(ctx, "CLUSTER", "MEET", "127.0.0.1", n.port).Err(); err != nil {
			return fmt.Errorf("CLUSTER MEET %s: %w", n.Addr, err)
		}
	}
	for {
		ok := true
		for _, n := range c.Nodes {
			info, err := n.Client.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", len(c.Nodes))) {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
		if ctx.Err() != nil {
			return errClusterNotReady
		}
		time.Sleep(50 * time.Millisecond)
	}
}
