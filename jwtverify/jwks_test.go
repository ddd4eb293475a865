package jwtverify_test

import (
	"bytes"
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

// remote builds a Verifier over a RemoteJWKS served by iss.
type remote struct {
	iss   *jwttest.Issuer
	srv   *jwttest.Server
	jwks  *jwtverify.RemoteKeys
	v     *jwtverify.Verifier
	clock *clock
	logs  *bytes.Buffer
}

func newRemote(t *testing.T, tls bool, cfg jwtverify.RemoteKeysConfig) *remote {
	t.Helper()
	iss := jwttest.Start(t)
	r := &remote{iss: iss, clock: newClock(), logs: &bytes.Buffer{}}
	if tls {
		r.srv = iss.ServeTLS()
	} else {
		r.srv = iss.Serve()
		cfg.InsecureAllowHTTP = true
	}
	cfg.HTTPClient = r.srv.Client
	cfg.Now = r.clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(&syncWriter{w: r.logs}, nil))
	jwks, err := jwtverify.NewRemoteJWKS(r.srv.JWKSURL(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	r.jwks = jwks
	r.v, err = jwtverify.New(jwks, jwtverify.Config{Issuer: testIssuer, Audience: []string{testAudience}, Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *remote) verify(t *testing.T, tok string) error {
	t.Helper()
	_, err := r.v.Verify(context.Background(), tok)
	return err
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// settle waits for the fetch in flight, if any, to land.
func (r *remote) settle() { jwtverify.WaitIdle(r.jwks) }

// waitFetches waits (bounded) for the server to have seen n fetches.
func waitFetches(t *testing.T, srv *jwttest.Server, n int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Fetches() < n {
		if time.Now().After(deadline) {
			t.Fatalf("fetches = %d, want %d", srv.Fetches(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRemoteJWKSOverTLS(t *testing.T) {
	r := newRemote(t, true, jwtverify.RemoteKeysConfig{})
	for i := 0; i < 3; i++ {
		if err := r.verify(t, r.iss.Mint(claims())); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
	if n := r.srv.Fetches(); n != 1 {
		t.Fatalf("fetches = %d, want 1", n)
	}
}

func TestRemoteJWKSRefusesHTTP(t *testing.T) {
	_, err := jwtverify.NewRemoteJWKS("http://idp.test/jwks", jwtverify.RemoteKeysConfig{})
	if !errors.Is(err, jwtverify.ErrInsecureURL) {
		t.Fatalf("err = %v, want ErrInsecureURL", err)
	}
	for _, u := range []string{"", "::", "ftp://x/y", "https://"} {
		if _, err := jwtverify.NewRemoteJWKS(u, jwtverify.RemoteKeysConfig{}); err == nil {
			t.Errorf("NewRemoteJWKS(%q) succeeded", u)
		}
	}
}

func TestRemoteJWKSRefusesRedirectToHTTP(t *testing.T) {
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	defer plain.Close()
	tls := httptest.NewTLSServer(http.RedirectHandler(plain.URL, http.StatusFound))
	defer tls.Close()
	jwks, err := jwtverify.NewRemoteJWKS(tls.URL, jwtverify.RemoteKeysConfig{HTTPClient: tls.Client()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jwks.Keys(context.Background()); !errors.Is(err, jwtverify.ErrUnavailable) || !errors.Is(err, jwtverify.ErrInsecureURL) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping ErrInsecureURL", err)
	}
}

func TestRemoteJWKSBodyBounded(t *testing.T) {
	for name, declared := range map[string]bool{"Content-Length": true, "chunked": false} {
		t.Run(name, func(t *testing.T) {
			r := newRemote(t, false, jwtverify.RemoteKeysConfig{})
			r.srv.SetHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				const size = 50 << 20
				if declared {
					w.Header().Set("Content-Length", "52428800")
				}
				chunk := bytes.Repeat([]byte(" "), 64<<10)
				_, _ = w.Write([]byte(`{"keys":[`))
				for n := 0; n < size; n += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return // the client hung up: good
					}
				}
			}))
			err := r.verify(t, r.iss.Mint(claims()))
			if !errors.Is(err, jwtverify.ErrUnavailable) || !errors.Is(err, jwtverify.ErrTooLarge) {
				t.Fatalf("err = %v, want ErrUnavailable and ErrTooLarge", err)
			}
		})
	}
}

func TestRemoteJWKSHangingEndpoint(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{})
	r.srv.SetDelay(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := r.v.Verify(ctx, r.iss.Mint(claims()))
	if !errors.Is(err, jwtverify.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable wrapping DeadlineExceeded", err)
	}
}

func TestRemoteJWKSBadDocuments(t *testing.T) {
	for name, body := range map[string]string{
		"not JSON":      `<html>`,
		"no keys":       `{"keys":[]}`,
		"only enc keys": `{"keys":[{"kty":"oct","use":"enc","k":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}]}`,
		"only weak":     `{"keys":[{"kty":"RSA","kid":"a","n":"AQAB","e":"AQAB"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := newRemote(t, false, jwtverify.RemoteKeysConfig{})
			r.srv.SetBody([]byte(body))
			if err := r.verify(t, r.iss.Mint(claims())); !errors.Is(err, jwtverify.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
		})
	}
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{})
	r.srv.SetStatus(http.StatusInternalServerError)
	if err := r.verify(t, r.iss.Mint(claims())); !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("status 500: err = %v, want ErrUnavailable", err)
	}
}

// TestRemoteJWKSUnknownKidSingleFlight: 1,000 concurrent requests with the same
// unknown kid cause exactly one fetch, and the rotated key is then known.
func TestRemoteJWKSUnknownKidSingleFlight(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{})
	if err := r.verify(t, r.iss.Mint(claims())); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Minute) // past the cooldown of the first fetch
	r.srv.SetDelay(50 * time.Millisecond)
	newKid := r.iss.Rotate(jwttest.KidRSA)
	tok := r.iss.Mint(claims(), jwttest.WithKid(newKid))
	errs := make(chan error, 1000)
	var wg sync.WaitGroup
	for i := 0; i < 1000; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.v.Verify(context.Background(), tok)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	if n := r.srv.Fetches(); n != 2 {
		t.Fatalf("fetches = %d, want 2 (initial + one refetch)", n)
	}
	for err := range errs {
		if err != nil && !errors.Is(err, jwtverify.ErrUnknownKey) {
			t.Fatalf("unexpected error %v", err)
		}
	}
	if err := r.verify(t, tok); err != nil {
		t.Fatalf("rotated key after refetch: %v", err)
	}

	// Within the cooldown another unknown kid fails at once, without a fetch.
	r.srv.SetDelay(0)
	newer := r.iss.Rotate(newKid)
	if err := r.verify(t, r.iss.Mint(claims(), jwttest.WithKid(newer))); !errors.Is(err, jwtverify.ErrUnknownKey) {
		t.Fatalf("err = %v, want ErrUnknownKey", err)
	}
	if n := r.srv.Fetches(); n != 2 {
		t.Fatalf("fetches = %d during cooldown, want 2", n)
	}
}

// TestRemoteJWKSMaxAge: the set is refreshed after max-age (clamped), in the
// background, without failing requests.
func TestRemoteJWKSMaxAge(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{MinRefresh: time.Minute, MaxRefresh: time.Hour})
	r.srv.SetCacheControl("public, max-age=600")
	tok := r.iss.Mint(claims())
	if err := r.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(9 * time.Minute)
	if err := r.verify(t, tok); err != nil || r.srv.Fetches() != 1 {
		t.Fatalf("before max-age: err %v, fetches %d", err, r.srv.Fetches())
	}
	r.clock.Add(2 * time.Minute)
	if err := r.verify(t, tok); err != nil {
		t.Fatalf("after max-age (stale served while refreshing): %v", err)
	}
	waitFetches(t, r.srv, 2)
	r.settle()

	// max-age=1 is clamped up to MinRefresh.
	r.srv.SetCacheControl("max-age=1")
	r.clock.Add(2 * time.Hour)
	_ = r.verify(t, tok)
	waitFetches(t, r.srv, 3)
	r.clock.Add(30 * time.Second)
	_ = r.verify(t, tok)
	if n := r.srv.Fetches(); n != 3 {
		t.Fatalf("fetches = %d, want 3 (max-age clamped to 1 min)", n)
	}
}

// TestRemoteJWKSStaleWhileError: the last good set is served while the endpoint
// fails, up to MaxStale, logging the outage once; then verification fails
// closed.
func TestRemoteJWKSStaleWhileError(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{MaxStale: time.Hour, RefreshCooldown: time.Second})
	r.srv.SetCacheControl("max-age=300")
	tok := r.iss.Mint(with("exp", epoch.Add(24*time.Hour).Unix()))
	if err := r.verify(t, tok); err != nil {
		t.Fatal(err)
	}
	r.srv.SetStatus(http.StatusBadGateway)
	for i := 0; i < 5; i++ {
		r.clock.Add(6 * time.Minute)
		if err := r.verify(t, tok); err != nil {
			t.Fatalf("stale set not served: %v", err)
		}
		waitFetches(t, r.srv, int64(2+i))
		r.settle()
	}
	if n := strings.Count(r.logs.String(), "fetch failed"); n != 1 {
		t.Fatalf("outage logged %d times, want once:\n%s", n, r.logs)
	}
	r.clock.Add(2 * time.Hour)
	if err := r.verify(t, tok); !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("past MaxStale: err = %v, want ErrUnavailable", err)
	}
	r.srv.SetStatus(0)
	r.clock.Add(time.Minute)
	if err := r.verify(t, tok); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
	if !strings.Contains(r.logs.String(), "recovered") {
		t.Fatalf("recovery not logged:\n%s", r.logs)
	}
}

// TestKeySourceContext: the caller's context reaches the key source.
func TestKeySourceContext(t *testing.T) {
	type key struct{}
	iss := sharedIssuer()
	var got any
	src := sourceFunc(func(ctx context.Context) (jwkSet, error) {
		got = ctx.Value(key{})
		return iss.PublicJWKS(), nil
	})
	v, _ := jwtverify.New(src, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now})
	ctx := context.WithValue(context.Background(), key{}, "trace-42")
	if _, err := v.Verify(ctx, iss.Mint(claims())); err != nil {
		t.Fatal(err)
	}
	if got != "trace-42" {
		t.Fatalf("key source saw context value %v", got)
	}
	down, _ := jwtverify.New(sourceFunc(func(context.Context) (jwkSet, error) { return nil, errors.New("redis down") }), jwtverify.Config{AnyIssuer: true, AnyAudience: true})
	if _, err := down.Verify(ctx, iss.Mint(claims())); !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
}
