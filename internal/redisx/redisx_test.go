package redisx_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
	"github.com/sesame-go/sesame/internal/redisx"
)

// reply is a Redis error reply, as go-redis returns them.
type reply string

func (r reply) Error() string { return string(r) }
func (reply) RedisError()     {}

func TestNeedsReload(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{nil, false},
		{redis.Nil, false},
		{context.Canceled, false},
		{fmt.Errorf("wrapped: %w", context.Canceled), false},
		{reply("WRONGTYPE Operation against a key holding the wrong kind of value"), false},
		{redis.ErrNoScript, false},
		{reply("ERR Error running script"), false},
		{refused, true},
		{fmt.Errorf("wrapped: %w", refused), true},
		{io.EOF, true},
		{io.ErrUnexpectedEOF, true},
		{context.DeadlineExceeded, true},
		{redis.ErrPoolTimeout, true},
		{reply("CLUSTERDOWN The cluster is down"), true},
		{reply("TRYAGAIN Multiple keys request during rehashing of slot"), true},
		{reply("MASTERDOWN Link with MASTER is down"), true},
		{reply("LOADING Redis is loading the dataset in memory"), true},
		{reply("READONLY You can't write against a read only replica."), true},
		{reply("MOVED 3999 127.0.0.1:6381"), true},
		{reply("ASK 3999 127.0.0.1:6381"), true},
	} {
		if got := redisx.NeedsReload(tc.err); got != tc.want {
			t.Errorf("NeedsReload(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

// fakeCluster counts ReloadState calls.
type fakeCluster struct {
	redis.UniversalClient
	n atomic.Int64
}

func (f *fakeCluster) ReloadState(context.Context) { f.n.Add(1) }

// A Reloader asks for one reload per ReloadInterval however many commands
// fail, none for errors that are not about the connection, and nothing on a
// client that is not a cluster client.
func TestReloaderRate(t *testing.T) {
	ctx := context.Background()
	f := &fakeCluster{}
	r := redisx.NewReloader(f, nil)
	if err := r.Check(ctx, redis.Nil); !errors.Is(err, redis.Nil) || f.n.Load() != 0 {
		t.Fatalf("redis.Nil: %v, %d reloads", err, f.n.Load())
	}
	for range 100 {
		if err := r.Check(ctx, io.EOF); err != io.EOF {
			t.Fatalf("Check changed the error: %v", err)
		}
	}
	if n := f.n.Load(); n != 1 || r.Reloads() != 1 {
		t.Fatalf("%d reloads (Reloads %d) for a burst of failures, want 1", n, r.Reloads())
	}
	time.Sleep(redisx.ReloadInterval + 50*time.Millisecond)
	_ = r.Check(ctx, io.EOF)
	if n := f.n.Load(); n != 2 {
		t.Fatalf("%d reloads after the interval, want 2", n)
	}

	plain := redisx.NewReloader(redis.NewClient(&redis.Options{Addr: redistest.DeadAddr(t)}), nil)
	_ = plain.Check(ctx, io.EOF)
	if plain.Reloads() != 0 {
		t.Fatal("a Reloader on a single-node client asked for a reload")
	}
	var none *redisx.Reloader
	if err := none.Check(ctx, io.EOF); err != io.EOF || none.Reloads() != 0 {
		t.Fatal("a nil Reloader is not inert")
	}
}

// On a real ClusterClient with go-redis's defaults, a connection error alone
// never reloads the slot map; through a Reloader it does.
func TestReloaderReloadsClusterClient(t *testing.T) {
	ctx := context.Background()
	c, loads := redistest.DeadCluster(t)
	err := c.Get(ctx, "k").Err()
	if !redisx.NeedsReload(err) {
		t.Fatalf("GET on a dead node: %v, not a connection error", err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := loads(); n != 1 {
		t.Fatalf("go-redis loaded the slot map %d times by itself; this test assumes once", n)
	}
	_ = redisx.NewReloader(c, nil).Check(ctx, err)
	redistest.WaitReloads(t, loads, 2)
}

func TestNewWait(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: redistest.DeadAddr(t)})
	t.Cleanup(func() { _ = c.Close() })
	w, err := redisx.NewWait(c, 0, 0)
	if err != nil || w.On() {
		t.Fatalf("zero option: %+v, %v", w, err)
	}
	w, err = redisx.NewWait(c, 1, 0)
	if err != nil || !w.On() || w.Timeout != redisx.DefaultWaitTimeout {
		t.Fatalf("one replica: %+v, %v", w, err)
	}
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": redistest.DeadAddr(t)}})
	t.Cleanup(func() { _ = ring.Close() })
	for _, tc := range []struct {
		name     string
		c        redis.UniversalClient
		replicas int
		timeout  time.Duration
	}{
		{"negative replicas", c, -1, 0},
		{"negative timeout", c, 1, -time.Second},
		{"timeout beyond the read timeout", c, 1, 10 * time.Second},
		{"ring", ring, 1, 0},
	} {
		if _, err := redisx.NewWait(tc.c, tc.replicas, tc.timeout); !errors.Is(err, redisx.ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", tc.name, err)
		}
	}
}

// WAIT runs on the connection of the write: with a replica in sync the write
// is acknowledged; with none it is applied but short; a script the server
// forgot is sent again in full.
func TestWaitPipelined(t *testing.T) {
	ctx := context.Background()
	s := redistest.StartSentinel(t)
	// Long where the replica must answer (WAIT returns as soon as it did, and
	// a loaded machine may take a while), short where none can.
	w := redisx.Wait{Replicas: 1, Timeout: 3 * time.Second}
	quick := redisx.Wait{Replicas: 1, Timeout: 100 * time.Millisecond}
	set := func(p redis.Pipeliner) { p.Set(ctx, "k", "v1", 0) }
	if short, err := w.Pipelined(ctx, s.Client, "k", set); err != nil || short != nil {
		t.Fatalf("with a replica: short %v, err %v", short, err)
	}
	script := redis.NewScript(`redis.call('SET', KEYS[1], ARGV[1]) return 7`)
	if err := s.Master.Client.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	cmd, short, err := w.RunScript(ctx, s.Client, script, "k", "v2")
	if err != nil || short != nil || cmd.Val() != int64(7) {
		t.Fatalf("script after SCRIPT FLUSH: %v, short %v, err %v", cmd.Val(), short, err)
	}
	if v := s.Replica.Client.Get(ctx, "k").Val(); v != "v2" {
		t.Fatalf("acknowledged, but the replica holds %q", v)
	}

	s.Replica.Stop()
	short, err = quick.Pipelined(ctx, s.Client, "k", func(p redis.Pipeliner) { p.Set(ctx, "k", "v3", 0) })
	if err != nil || !errors.Is(short, redisx.ErrShort) {
		t.Fatalf("without a replica: short %v, err %v", short, err)
	}
	if v := s.Master.Client.Get(ctx, "k").Val(); v != "v3" {
		t.Fatalf("a short write is still applied by the master; it holds %q", v)
	}
	// A failing write is its own error, not a short wait.
	_, err = quick.Pipelined(ctx, s.Client, "k", func(p redis.Pipeliner) { p.LPush(ctx, "k", 1) })
	var rerr redis.Error
	if !errors.As(err, &rerr) {
		t.Fatalf("LPUSH on a string: %v, want the server's error", err)
	}
	// Off, the commands go without WAIT.
	if short, err := (redisx.Wait{}).Pipelined(ctx, s.Client, "k", set); err != nil || short != nil {
		t.Fatalf("option off: short %v, err %v", short, err)
	}
}
