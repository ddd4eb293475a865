package e2e

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/internal/redistest"
)

// aiohttpPython is the interpreter Debian's python3-aiohttp-session is installed
// for; another python3 may come first on PATH.
const aiohttpPython = "/usr/bin/python3"

// aiohttpMissing fails the test when SESAME_REQUIRE_REDIS=1 (make test, CI), and
// skips it otherwise.
func aiohttpMissing(t *testing.T, what string) {
	t.Helper()
	msg := what + " is missing; `make deps` (scripts/deps.sh) installs it"
	if os.Getenv("SESAME_REQUIRE_REDIS") == "1" {
		t.Fatal(msg + " (SESAME_REQUIRE_REDIS=1 makes this a failure)")
	}
	t.Skip(msg)
}

func aiohttpFreePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// aiohttpStartRedis runs a throwaway redis-server (internal/redistest: no
// persistence, free port, required under SESAME_REQUIRE_REDIS=1) and returns its
// port.
func aiohttpStartRedis(t *testing.T) int {
	t.Helper()
	_, p, err := net.SplitHostPort(redistest.Start(t).Addr)
	if err != nil {
		t.Fatal(err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// aiohttpStartApp runs testdata/aiohttp_app.py against Redis on redisPort and
// returns its base URL once it prints "ready".
func aiohttpStartApp(t *testing.T, redisPort int) string {
	t.Helper()
	if _, err := os.Stat(aiohttpPython); err != nil {
		aiohttpMissing(t, aiohttpPython)
	}
	probe := exec.Command(aiohttpPython, "-c", "import aiohttp, aiohttp_session, redis.asyncio")
	if out, err := probe.CombinedOutput(); err != nil {
		aiohttpMissing(t, "python3-aiohttp-session or python3-redis ("+strings.TrimSpace(string(out))+")")
	}
	script, _ := filepath.Abs(filepath.Join("testdata", "aiohttp_app.py"))
	port := aiohttpFreePort(t)
	cmd := exec.Command(aiohttpPython, script, strconv.Itoa(redisPort), strconv.Itoa(port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = aiohttpLogWriter{t}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
			}
		}
		ready <- false
	}()
	select {
	case ok := <-ready:
		if !ok {
			t.Fatal("aiohttp app exited before it was ready")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("aiohttp app not ready after 30 s")
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

// aiohttpLogWriter sends a process's stderr to the test log.
type aiohttpLogWriter struct{ t *testing.T }

func (w aiohttpLogWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(b), "\n"))
	return len(b), nil
}
