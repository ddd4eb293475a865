// Package redistest runs real redis-server processes for Sesame's tests.
//
// Every Redis test in Sesame (the e2e and bench modules too: the import path
// allows it) talks to a real server started here on a free loopback
// port, with persistence off and its own temporary directory, and stopped when the
// test ends. A developer's own Redis (often on 127.0.0.1:6379) is never touched.
//
//	srv := redistest.Start(t)
//	store := session.NewRedisStore(srv.Client)
//
// Without redis-server on PATH the test is skipped with the install command in the
// message, or fails when SESAME_REQUIRE_REDIS=1 (as `make test` and CI set it), so a
// missing server can never pass silently.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// RequireEnv names the environment variable that turns a missing redis-server from
// a skip into a failure.
const RequireEnv = "SESAME_REQUIRE_REDIS"

// InstallHint is the command that installs redis-server on Debian and Ubuntu.
const InstallHint = "sudo apt-get install -y redis-server"

// Server is one redis-server process owned by a test.
type Server struct {
	// Addr is host:port of the server, on the loopback interface.
	Addr string
	// Client is a ready client on DB 0, closed at cleanup.
	Client *redis.Client

	t       testing.TB
	bin     string
	dir     string
	port    int
	cluster bool
	// nodeTimeout is a cluster node's cluster-node-timeout.
	nodeTimeout time.Duration
	extra       []string // more redis-server arguments (a replica's --replicaof)

	mu     sync.Mutex
	proc   *os.Process
	exited chan struct{} // closed when proc has exited
}

// Start runs a standalone redis-server and returns it once it answers PING. It is
// stopped, and its client closed, in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := lookPath(t)
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		s := &Server{t: t, bin: bin, dir: t.TempDir(), port: freePort(t, false)}
		if lastErr = s.own(); lastErr == nil {
			return s
		}
	}
	t.Fatalf("redistest: cannot start redis-server: %v", lastErr)
	return nil
}

// own starts s and, once it answers, gives it its address and client, both
// released at the test's cleanup.
func (s *Server) own() error {
	if err := s.start(); err != nil {
		return err
	}
	s.Addr = s.addr()
	s.Client = redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	s.t.Cleanup(func() {
		_ = s.Client.Close()
		s.Stop()
	})
	return nil
}

// Stop kills the server at once (SIGKILL), as an outage would. The client stays
// usable: its commands fail until Restart.
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	_ = s.proc.Kill()
	<-s.exited
	s.proc = nil
}

// Running reports whether the server runs (it was not stopped, or was
// restarted since).
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// Restart starts the server again on the same port, empty (persistence is off), and
// waits for PING.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		if err = s.start(); err == nil {
			return
		}
		time.Sleep(50 * time.Millisecond) // the port may linger for a moment
	}
	s.t.Fatalf("redistest: restart on port %d: %v", s.port, err)
}

func (s *Server) addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

func (s *Server) start() error {
	args := []string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
		"--protected-mode", "no",
		"--loglevel", "warning",
		"--logfile", "",
		// A replica's full sync starts at once, not after the default 5 s
		// wait for more replicas.
		"--repl-diskless-sync-delay", "0",
	}
	if s.cluster {
		args = append(args,
			"--cluster-enabled", "yes",
			"--cluster-config-file", "nodes.conf",
			"--cluster-node-timeout", strconv.FormatInt(s.nodeTimeout.Milliseconds(), 10),
		)
	}
	args = append(args, s.extra...)
	cmd := exec.Command(s.bin, args...)
	cmd.Dir = s.dir
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	if err := waitPing(s.addr(), exited, &waitErr); err != nil {
		_ = cmd.Process.Kill()
		<-exited
		return err
	}
	s.mu.Lock()
	s.proc, s.exited = cmd.Process, exited
	s.mu.Unlock()
	return nil
}

// waitPing polls addr until the server answers PING, the process exits, or 10 s
// pass.
func waitPing(addr string, exited <-chan struct{}, waitErr *error) error {
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		select {
		case <-exited:
			return fmt.Errorf("redis-server exited: %v", *waitErr)
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PING answer from %s: %w", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func lookPath(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err == nil {
		return bin
	}
	msg := "redistest: redis-server is not on PATH; install it with: " + InstallHint
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s (%s=1 makes this a failure)", msg, RequireEnv)
	}
	t.Skipf("%s (skipping; set %s=1 to fail instead)", msg, RequireEnv)
	return ""
}

// freePort returns a loopback TCP port that was free a moment ago. With bus set, the
// cluster bus port (port+10000) is checked as well.
func freePort(t testing.TB, bus bool) int {
	t.Helper()
	for i := 0; i < 100; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("redistest: no free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		if !bus {
			return port
		}
		if port+10000 > 65535 {
			continue
		}
		lb, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			continue
		}
		_ = lb.Close()
		return port
	}
	t.Fatal("redistest: no free port pair for a cluster node")
	return 0
}

// errClusterNotReady is returned while the cluster has not converged.
var errClusterNotReady = errors.New("redistest: cluster not ready")
