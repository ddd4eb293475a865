// Command demo is Sesame's demonstration web app: run it, open the URL it
// prints, and see every package at work against in-process fakes (ProConnect,
// a generic OpenID provider, BeSwarm, Google CSE) with nothing else installed.
//
//	go run ./examples/demo                          # listens on 127.0.0.1:8080; open http://localhost:8080
//	go run ./examples/demo -addr 127.0.0.1:9000
//	go run ./examples/demo -redis redis://127.0.0.1:6379   # sessions DB 2, certificates DB 0, hosting DB 3
//
// It logs one line per request and stops cleanly on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/examples/demo/app"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	redisURL := flag.String("redis", "", "Redis URL (redis://host:port); empty keeps everything in memory")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *redisURL, log, func(url string) { fmt.Printf("Sesame demo: open %s\n", url) }); err != nil {
		log.Error("demo stopped", "err", err)
		os.Exit(1)
	}
}

// run serves the demo on addr until ctx ends, calling ready with its URL once
// it listens.
func run(ctx context.Context, addr, redisURL string, log *slog.Logger, ready func(url string)) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	base := baseURL(ln.Addr().(*net.TCPAddr))
	cfg := app.Config{BaseURL: base, Logger: log}
	if redisURL != "" {
		if cfg.Redis, err = redis.ParseURL(redisURL); err != nil {
			return fmt.Errorf("-redis: %w", err)
		}
	}
	a, err := app.New(ctx, cfg)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	ready(base)
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-done; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// baseURL is the demo's origin: http://localhost:<port> on a loopback address
// (passkeys need a host name, not an IP address), else the address itself.
func baseURL(a *net.TCPAddr) string {
	if a.IP.IsLoopback() {
		return fmt.Sprintf("http://localhost:%d", a.Port)
	}
	return "http://" + a.String()
}
