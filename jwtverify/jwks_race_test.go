package jwtverify_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// TestRemoteJWKSCallerCancelDoesNotCancelFetch: the first caller giving up
// does not cancel the fetch the others wait on.
func TestRemoteJWKSCallerCancelDoesNotCancelFetch(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteJWKSConfig{})
	r.srv.SetDelay(300 * time.Millisecond)
	tok := r.iss.Mint(claims())
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := r.v.Verify(ctx, tok)
		first <- err
	}()
	waitFetches(t, r.srv, 1)
	cancel()
	err := <-first
	if !errors.Is(err, jwtverify.ErrKeySource) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: err = %v, want ErrKeySource and context.Canceled", err)
	}
	if err := r.verify(t, tok); err != nil {
		t.Fatalf("second caller: %v", err)
	}
	if n := r.srv.Fetches(); n != 1 {
		t.Fatalf("fetches = %d, want 1 (the cancelled caller's fetch was shared)", n)
	}
}

// TestRemoteJWKSConcurrentRefresh runs Keys, Refresh and Verify together while
// the set goes stale and keys rotate (run with -race).
func TestRemoteJWKSConcurrentRefresh(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteJWKSConfig{RefreshCooldown: time.Second})
	r.srv.SetDelay(2 * time.Millisecond)
	tok := r.iss.Mint(with("exp", epoch.Add(100*time.Hour).Unix()))
	if err := r.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 400)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				switch i % 3 {
				case 0:
					_, err := r.jwks.Keys(context.Background())
					errs <- err
				case 1:
					_, err := r.jwks.Refresh(context.Background())
					errs <- err
				default:
					errs <- r.verify(t, tok)
				}
				r.clock.Add(2 * time.Second)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent use: %v", err)
		}
	}
}

// TestRemoteJWKSRedactsPassword: a URL's password stays out of errors and logs.
func TestRemoteJWKSRedactsPassword(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	var logs strings.Builder
	u := strings.Replace(srv.URL, "http://", "http://user:s3cret@", 1)
	jwks, err := jwtverify.NewRemoteJWKS(u, jwtverify.RemoteJWKSConfig{
		InsecureAllowHTTP: true,
		Logger:            slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = jwks.Keys(context.Background())
	if !errors.Is(err, jwtverify.ErrKeySource) {
		t.Fatalf("err = %v, want ErrKeySource", err)
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(logs.String(), "s3cret") {
		t.Fatalf("password leaked: %v\n%s", err, logs.String())
	}
}
