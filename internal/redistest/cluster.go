package redistest

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultNodeTimeout is the cluster-node-timeout of StartCluster's nodes.
const DefaultNodeTimeout = 2 * time.Second

// ClusterConfig shapes the cluster StartClusterConfig runs. The zero value is
// StartCluster's: three masters, no replica.
type ClusterConfig struct {
	// Replicas is how many replicas each master gets (0 to 2). With two, a
	// failover leaves the promoted master with a replica: the other one
	// follows it.
	Replicas int
	// NodeTimeout is cluster-node-timeout; default DefaultNodeTimeout. A
	// master stopped is marked failed, and its replica promoted, about two
	// NodeTimeouts later.
	NodeTimeout time.Duration
}

// Cluster is a 3-master Redis Cluster, with or without replicas, owned by a
// test.
type Cluster struct {
	// Nodes are the three masters as started; Nodes[i].Stop and Restart work as
	// for Start (a master restarted after a failover rejoins as a replica of
	// the node that replaced it).
	Nodes []*Server
	// Replicas are the replicas as started: Replicas[i] replicates
	// Nodes[i%len(Nodes)].
	Replicas []*Server
	// Client is a ready cluster client with go-redis's default options, closed
	// at cleanup.
	Client *redis.ClusterClient
}

// Addrs returns the masters' addresses, as started.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.Addr
	}
	return addrs
}

// all returns every node, masters first.
func (c *Cluster) all() []*Server { return append(append([]*Server(nil), c.Nodes...), c.Replicas...) }

// StartCluster runs three cluster-enabled redis-server processes, splits the 16384
// slots between them, and returns once the cluster reports cluster_state:ok.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	return StartClusterConfig(t, ClusterConfig{})
}

// StartClusterConfig runs a cluster shaped by cfg: three masters splitting the
// 16384 slots and cfg.Replicas replicas of each, and returns once every node
// reports cluster_state:ok, every replica is in sync and Client reaches every
// master.
func StartClusterConfig(t testing.TB, cfg ClusterConfig) *Cluster {
	t.Helper()
	if cfg.Replicas < 0 || cfg.Replicas > 2 {
		t.Fatalf("redistest: %d replicas per master; 0 to 2 are supported", cfg.Replicas)
	}
	if cfg.NodeTimeout <= 0 {
		cfg.NodeTimeout = DefaultNodeTimeout
	}
	bin := lookPath(t)
	const masters = 3
	c := &Cluster{}
	for i := 0; i < masters*(1+cfg.Replicas); i++ {
		s := &Server{t: t, bin: bin, dir: t.TempDir(), port: freePort(t, true), cluster: true, nodeTimeout: cfg.NodeTimeout}
		if err := s.own(); err != nil {
			t.Fatalf("redistest: cluster node %d: %v", i, err)
		}
		if i < masters {
			c.Nodes = append(c.Nodes, s)
		} else {
			c.Replicas = append(c.Replicas, s)
		}
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

// form assigns slot ranges, introduces the nodes to each other, attaches the
// replicas and waits for cluster_state:ok on every node and every replica in
// sync.
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
	all := c.all()
	for _, n := range all[1:] {
		if err := all[0].Client.Do(ctx, "CLUSTER", "MEET", "127.0.0.1", n.port).Err(); err != nil {
			return fmt.Errorf("CLUSTER MEET %s: %w", n.Addr, err)
		}
	}
	known := fmt.Sprintf("cluster_known_nodes:%d", len(all))
	if err := poll(ctx, func() bool {
		for _, n := range all {
			info, err := n.Client.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, known) {
				return false
			}
		}
		return true
	}); err != nil {
		return err
	}
	for i, r := range c.Replicas {
		m := c.Nodes[i%len(c.Nodes)]
		id, err := m.Client.Do(ctx, "CLUSTER", "MYID").Text()
		if err != nil {
			return fmt.Errorf("CLUSTER MYID on %s: %w", m.Addr, err)
		}
		if err := r.Client.Do(ctx, "CLUSTER", "REPLICATE", id).Err(); err != nil {
			return fmt.Errorf("CLUSTER REPLICATE on %s: %w", r.Addr, err)
		}
	}
	return poll(ctx, func() bool {
		for _, n := range all {
			info, err := n.Client.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return false
			}
		}
		for _, r := range c.Replicas {
			if !strings.Contains(r.Client.Info(ctx, "replication").Val(), "master_link_status:up") {
				return false
			}
		}
		return true
	})
}

// poll calls ok every 50 ms until it is true or ctx ends.
func poll(ctx context.Context, ok func() bool) error {
	for !ok() {
		if ctx.Err() != nil {
			return errClusterNotReady
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

// MasterOf returns the node that serves key's slot according to the running
// nodes (CLUSTER SHARDS of the first running node that answers: the shard's
// online master), or nil when none answers or the slot has no online master.
func (c *Cluster) MasterOf(ctx context.Context, key string) *Server {
	for _, n := range c.all() {
		if !n.Running() {
			continue
		}
		slot, err := n.Client.Do(ctx, "CLUSTER", "KEYSLOT", key).Int64()
		if err != nil {
			continue
		}
		shards, err := n.Client.ClusterShards(ctx).Result()
		if err != nil {
			continue
		}
		for _, sh := range shards {
			for _, r := range sh.Slots {
				if slot < r.Start || slot > r.End {
					continue
				}
				for _, node := range sh.Nodes {
					if node.Role == "master" && node.Health == "online" {
						return c.byPort(node.Port)
					}
				}
			}
		}
		return nil
	}
	return nil
}

func (c *Cluster) byPort(port int64) *Server {
	for _, n := range c.all() {
		if int64(n.port) == port {
			return n
		}
	}
	return nil
}

// WaitServed waits until every running node reports cluster_state:ok and key's
// slot is served by a running master other than gone, and returns that
// master. It fails the test after limit.
func (c *Cluster) WaitServed(t testing.TB, key string, gone *Server, limit time.Duration) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var m *Server
	err := poll(ctx, func() bool {
		for _, n := range c.all() {
			if n == gone || !n.Running() {
				continue
			}
			info, err := n.Client.ClusterInfo(ctx).Result()
			if err != nil || !strings.Contains(info, "cluster_state:ok") {
				return false
			}
		}
		m = c.MasterOf(ctx, key)
		return m != nil && m != gone && m.Running()
	})
	if err != nil {
		t.Fatalf("redistest: %s not served by another master within %v", key, limit)
	}
	return m
}
