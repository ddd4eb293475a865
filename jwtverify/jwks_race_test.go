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
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// TestRemoteJWKSCallerCancelDoesNotCancelFetch: the first caller giving up
// does not cancel the fetch the others wait on.
func TestRemoteJWKSCallerCancelDoesNotCancelFetch(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{})
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
	if !errors.Is(err, jwtverify.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: err = %v, want ErrUnavailable and context.Canceled", err)
	}
	if err := r.verify(t, tok); err != nil {
		t.Fatalf("second caller: %v", err)
	}
	if n := r.srv.Fetches(); n != 1 {
		t.Fatalf("fetches = %d, want 1 (the cancelled caller's fetch was shared)", n)
	}
}

// TestRemoteJWKSConcurrentRefresh runs Keys, Refresh and Verify together while
// the issuer rotates its key 20 times (run with -race). A rotation never happens
// during a worker's attempt, so every token, signed by a key published at the
// time, must verify within a few tries (a fetch that started before the rotation
// may land first); no attempt may fail for any other reason.
func TestRemoteJWKSConcurrentRefresh(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{RefreshCooldown: time.Second})
	r.srv.SetDelay(2 * time.Millisecond)
	v, err := jwtverify.New(r.jwks, jwtverify.Config{Issuer: testIssuer, Audience: []string{testAudience}, Algorithms: []string{"RS256", "ES256"}, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r.v = v
	exp := with("exp", epoch.Add(100*time.Hour).Unix())
	if err := r.verify(t, r.iss.Mint(exp)); err != nil {
		t.Fatal(err)
	}
	var rot sync.RWMutex // held exclusively while rotating
	kid := jwttest.KidEC
	var wg sync.WaitGroup
	errs := make(chan error, 4*60)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				rot.RLock()
				errs <- r.attempt(kid, i)
				rot.RUnlock()
			}
		}()
	}
	rotations := 0
	for ; rotations < 20; rotations++ {
		time.Sleep(3 * time.Millisecond)
		rot.Lock()
		kid = r.iss.Rotate(kid)
		rot.Unlock()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := r.srv.Fetches(); n < 2 {
		t.Fatalf("fetches = %d: the rotations were never fetched", n)
	}
}

// attempt mints an ES256 token under kid and verifies it, moving the clock past
// the cooldown between tries; it also exercises Keys and Refresh directly.
func (r *remote) attempt(kid string, i int) error {
	ctx := context.Background()
	switch i % 3 {
	case 0:
		if _, err := r.jwks.Keys(ctx); err != nil {
			return err
		}
	case 1:
		if _, err := r.jwks.Refresh(ctx); err != nil {
			return err
		}
	}
	tok, err := r.iss.MintE(with("exp", epoch.Add(100*time.Hour).Unix()), jwttest.WithKid(kid), jwttest.WithAlg("ES256"))
	if err != nil {
		return err
	}
	for try := 0; ; try++ {
		_, err = r.v.Verify(ctx, tok)
		if err == nil || !errors.Is(err, jwtverify.ErrUnknownKey) || try == 4 {
			return err
		}
		r.clock.Add(2 * time.Second)
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
	jwks, err := jwtverify.NewRemoteJWKS(u, jwtverify.RemoteKeysConfig{
		InsecureAllowHTTP: true,
		Logger:            slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = jwks.Keys(context.Background())
	if !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), "s3cret") || strings.Contains(logs.String(), "s3cret") {
		t.Fatalf("password leaked: %v\n%s", err, logs.String())
	}
}
