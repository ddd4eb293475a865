package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/internal/redistest"
)

// TestDemoRedis: with -redis the demo keeps sessions in DB 2, certificates in
// DB 0 and hosting tokens in DB 3, as MilleGrilles does.
func TestDemoRedis(t *testing.T) {
	srv := redistest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", "redis://"+srv.Addr, slog.New(slog.DiscardHandler), func(u string) { urls <- u })
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	post := func(path string, form url.Values) string {
		t.Helper()
		resp, err := c.PostForm(base+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if page := post("/millegrilles/hebergement", nil); !strings.Contains(page, "cache vide") {
		t.Fatalf("hosting tokens: %.300s", page)
	}
	post("/beswarm/connexion", nil) // logs in at the fake BeSwarm: a session is written
	db := func(n int) []string {
		cl := redis.NewClient(&redis.Options{Addr: srv.Addr, DB: n})
		defer cl.Close()
		keys, err := cl.Keys(context.Background(), "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		return keys
	}
	if keys := db(0); len(keys) != 1 || !strings.HasPrefix(keys[0], "certificat_v1:e47052a4") {
		t.Errorf("DB 0 = %v, want the seed's certificate", keys)
	}
	if keys := db(3); len(keys) != 1 || keys[0] != "hebergement:5cb9d50e-110e-421a-b944-523b60af4c3b" {
		t.Errorf("DB 3 = %v, want the hosting tokens", keys)
	}
	if keys := db(2); len(keys) == 0 || !strings.HasPrefix(keys[0], "sesame_demo_") {
		t.Errorf("DB 2 = %v, want a session", keys)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
