package redistest

import (
	"net"
	"os"
	"os/exec"
	"testing"
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
