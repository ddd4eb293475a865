package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDemo runs the demo as `go run ./examples/demo` would, on a free port:
// it serves every page, logs one line per request, and stops cleanly when its
// context ends (Ctrl-C).
func TestDemo(t *testing.T) {
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", "", slog.New(slog.NewTextHandler(&syncBuffer{b: &logs}, nil)), func(u string) { urls <- u })
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/": "Sesame : démonstration", "/proconnect": "S’identifier avec", "/api": "Appeler l’API",
		"/beswarm": "Se connecter avec BeSwarm", "/kacls": "Chiffrer la clé", "/millegrilles": "Obtenir les jetons",
		"/passkey": "Clés d’accès", "/generique": "Se connecter avec le fournisseur",
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("%s: %d, want %q in the page", path, resp.StatusCode, want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("shutdown: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the demo did not stop")
	}
	if n := strings.Count(logs.String(), "msg=request"); n != 8 {
		t.Errorf("%d request log lines for 8 requests:\n%s", n, logs.String())
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
