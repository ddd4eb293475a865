package oidc_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// redirecting answers requests for path with a redirect to target (once per
// request: a request already carrying ?r=1 goes through), and passes the rest
// to base.
type redirecting struct {
	base   http.RoundTripper
	path   string
	target func(r *http.Request) string
	status int
}

func (rt *redirecting) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Path != rt.path || r.URL.Query().Get("r") == "1" {
		return rt.base.RoundTrip(r)
	}
	h := http.Header{"Location": {rt.target(r)}}
	return &http.Response{StatusCode: rt.status, Header: h, Body: http.NoBody, Request: r}, nil
}

// TestProviderRedirects: discovery, JWKS and userinfo follow a redirect only
// within their origin, with the caller's own HTTP client; the token request
// follows none. Before the fix the caller's client followed every redirect.
func TestProviderRedirects(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	var evilHits atomic.Int64
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		evilHits.Add(1)
		http.NotFound(w, r)
	}))
	t.Cleanup(evil.Close)
	toEvil := func(r *http.Request) string { return evil.URL + r.URL.Path }
	sameOrigin := func(r *http.Request) string { return fake.URL + r.URL.Path + "?r=1" }
	cases := []struct {
		name, path string
		target     func(*http.Request) string
		status     int
		ok         bool
		want       []error
	}{
		{"discovery, other origin", oidctest.PathDiscovery, toEvil, http.StatusFound, false, []error{oidc.ErrDiscovery, oidc.ErrEndpoint}},
		{"discovery, same origin", oidctest.PathDiscovery, sameOrigin, http.StatusFound, true, nil},
		{"JWKS, other origin", oidctest.PathJWKS, toEvil, http.StatusFound, false, []error{oidc.ErrIDToken, jwtverify.ErrUnavailable}},
		{"JWKS, same origin", oidctest.PathJWKS, sameOrigin, http.StatusMovedPermanently, true, nil},
		{"userinfo, other origin", oidctest.PathUserInfo, toEvil, http.StatusTemporaryRedirect, false, []error{oidc.ErrUserInfo, oidc.ErrEndpoint}},
		{"userinfo, same origin", oidctest.PathUserInfo, sameOrigin, http.StatusTemporaryRedirect, true, nil},
		{"token, same origin", oidctest.PathToken, sameOrigin, http.StatusTemporaryRedirect, false, []error{oidc.ErrTokenEndpoint}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			evilHits.Store(0)
			a := newApp(t, fake, func(cfg *oidc.Config) {
				cfg.HTTPClient = &http.Client{Transport: &redirecting{base: fake.Client().Transport, path: c.path, target: c.target, status: c.status}}
			})
			newBrowser(t, a).follow(a.srv.URL+"/private/", "")
			if c.ok {
				onlyLogin(t, a)
				return
			}
			wantErr(t, a.lastErr(), c.want...)
			if a.loggedIn() {
				t.Fatal("logged in through a refused redirect")
			}
			if n := evilHits.Load(); n != 0 {
				t.Fatalf("%d requests reached the other origin", n)
			}
		})
	}
}

// TestSignedUserInfoWithoutTimes: OpenID Connect Core 5.3.2 requires neither
// exp nor iat in a signed userinfo; such a response logs the agent in. Before
// the fix it was refused with ErrMissingClaim.
func TestSignedUserInfoWithoutTimes(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	fake.SetFaults(oidctest.Faults{UserInfoNoTimes: true})
	a := newApp(t, fake, nil)
	newBrowser(t, a).follow(a.srv.URL+"/private/", "")
	if l := onlyLogin(t, a); l.Agent.Sub == "" {
		t.Fatal("no agent")
	}
}

// TestRefreshVerifiesIDToken: a refreshed ID token is verified (OpenID Connect
// Core 12.2) and returned as an *IDToken; each bad variant fails the refresh and
// hands out no tokens. Before the fix Refresh returned the raw token unchecked.
func TestRefreshVerifiesIDToken(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	a := newApp(t, fake, nil)
	b := newBrowser(t, a)
	ctx := context.Background()
	login := func(t *testing.T) *oidc.Login {
		t.Helper()
		a.mu.Lock()
		clear(a.sessions)
		a.mu.Unlock()
		b.follow(a.srv.URL+"/private/", "")
		return onlyLogin(t, a)
	}
	l := login(t)
	tok, err := a.client.Refresh(ctx, l.Tokens.RefreshToken, l.IDToken)
	if err != nil {
		t.Fatal(err)
	}
	if tok.IDToken == nil || tok.IDToken.Subject != l.IDToken.Subject || tok.IDToken.Raw == l.IDToken.Raw || tok.IDToken.Raw != tok.UnverifiedIDToken {
		t.Fatalf("refreshed ID token: %+v", tok.IDToken)
	}
	for _, c := range []struct {
		name   string
		faults oidctest.Faults
		want   []error
	}{
		{"another sub", oidctest.Faults{Subject: "someone-else"}, []error{oidc.ErrIDToken, oidc.ErrSubject}},
		{"another iss", oidctest.Faults{WrongIssuer: true}, []error{oidc.ErrIDToken, jwtverify.ErrIssuer}},
		{"another aud", oidctest.Faults{WrongAudience: true}, []error{oidc.ErrIDToken, jwtverify.ErrAudience}},
		{"extra aud", oidctest.Faults{ExtraAudience: true}, []error{oidc.ErrIDToken, oidc.ErrAuthorizedParty}},
		{"another nonce", oidctest.Faults{WrongNonce: true}, []error{oidc.ErrIDToken, oidc.ErrNonce}},
		{"no iat", oidctest.Faults{NoIssuedAt: true}, []error{oidc.ErrIDToken, jwtverify.ErrMissingClaim}},
		{"expired", oidctest.Faults{Expired: true}, []error{oidc.ErrIDToken, jwtverify.ErrExpired}},
		{"bad signature", oidctest.Faults{BadSignature: true}, []error{oidc.ErrIDToken, jwtverify.ErrSignature}},
		{"typ at+jwt", oidctest.Faults{AccessTokenTyp: true}, []error{oidc.ErrIDToken, jwtverify.ErrType}},
		{"wrong at_hash", oidctest.Faults{WrongAtHash: true}, []error{oidc.ErrIDToken, oidc.ErrAtHash}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := login(t)
			stale := *login(t).Tokens
			stale.AccessToken = "" // makes the TokenSource refresh at once
			fake.SetFaults(c.faults)
			defer fake.SetFaults(oidctest.Faults{})
			tok, err := a.client.Refresh(ctx, l.Tokens.RefreshToken, l.IDToken)
			if tok != nil {
				t.Fatalf("tokens handed out: %+v", tok)
			}
			wantErr(t, err, c.want...)
			if tok, err := a.client.TokenSource(&stale, nil).Token(ctx); tok != nil || err == nil {
				t.Fatalf("TokenSource handed out %+v, %v", tok, err)
			}
		})
	}
}

// TestMixUpTwoProviders: two Handlers for two fake providers behind one app
// (one cookie domain, one flow key): a callback carrying provider A's code and
// state, delivered to provider B's callback, is refused with ErrMixUp and
// nobody is logged in; each provider's own login works.
func TestMixUpTwoProviders(t *testing.T) {
	fakeA := oidctest.Start(t, oidctest.Config{})
	fakeB := oidctest.Start(t, oidctest.Config{})
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	var mu sync.Mutex
	var logins []string
	var errs []error
	mux := http.NewServeMux()
	for name, fake := range map[string]*oidctest.Server{"a": fakeA, "b": fakeB} {
		c, err := oidc.New(oidc.Config{Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
			RedirectURL: srv.URL + "/" + name + "/callback", HTTPClient: fake.Client(), InsecureAllowHTTP: true})
		if err != nil {
			t.Fatal(err)
		}
		h, err := oidc.NewHandlers(c, oidc.HandlerConfig{FlowKey: key,
			OnLogin: func(w http.ResponseWriter, r *http.Request, l *oidc.Login) error {
				mu.Lock()
				defer mu.Unlock()
				logins = append(logins, name+":"+l.Agent.Sub)
				return nil
			},
			ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
				mu.Lock()
				defer mu.Unlock()
				errs = append(errs, err)
				http.Error(w, "login failed", http.StatusBadRequest)
			}})
		if err != nil {
			t.Fatal(err)
		}
		mux.Handle("/"+name+"/login", h.Login())
		mux.Handle("/"+name+"/callback", h.Callback())
	}
	srv.Config.Handler = mux
	b := newBrowser(t, &app{srv: srv})
	p := b.follow(srv.URL+"/a/login", srv.URL+"/a/callback")
	cbA := mustURL(t, p.location)
	// The attacker sends A's callback to B's endpoint (same cookie domain).
	b.do(http.MethodGet, srv.URL+"/b/callback?"+cbA.RawQuery)
	mu.Lock()
	if len(logins) != 0 || len(errs) != 1 || !errors.Is(errs[0], oidc.ErrMixUp) {
		t.Fatalf("A's callback at B: logins %v, errors %v; want one ErrMixUp", logins, errs)
	}
	mu.Unlock()
	// Each provider's own flow still logs in.
	for _, name := range []string{"a", "b"} {
		b.follow(srv.URL+"/"+name+"/login", "")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logins) != 2 || !strings.HasPrefix(logins[0], "a:") || !strings.HasPrefix(logins[1], "b:") {
		t.Fatalf("own logins: %v (errors %v)", logins, errs)
	}
}

// TestDiscoveryBackOff: with no document cached and the provider down, 50
// concurrent logins cause one discovery fetch, logins within the back-off fail
// at once without fetching, and the provider is used again once it is back and
// the back-off is over. Before the fix every login fetched discovery again.
func TestDiscoveryBackOff(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	fake.SetFaults(oidctest.Faults{Down: true, Endpoints: []string{oidctest.PathDiscovery}})
	c, clk := newClient(t, fake, func(c *oidc.Config) { c.RefreshCooldown = 10 * time.Second })
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if _, _, err := c.AuthURL(ctx); !errors.Is(err, oidc.ErrUnavailable) {
				t.Errorf("provider down: err = %v, want ErrUnavailable", err)
			}
		})
	}
	wg.Wait()
	if n := c.DiscoveryFetches(); n != 1 {
		t.Fatalf("%d discovery fetches for 50 concurrent logins, want 1", n)
	}
	for range 20 {
		clk.Add(400 * time.Millisecond)
		if _, _, err := c.AuthURL(ctx); !errors.Is(err, oidc.ErrUnavailable) {
			t.Fatalf("within the back-off: err = %v", err)
		}
	}
	if n := c.DiscoveryFetches(); n != 1 || fake.Count(oidctest.PathDiscovery) != 1 {
		t.Fatalf("%d fetches within the back-off, want none after the first", n-1)
	}
	fake.SetFaults(oidctest.Faults{})
	clk.Add(2 * time.Second) // 10 s after the failure
	if _, _, err := c.AuthURL(ctx); err != nil {
		t.Fatalf("provider back, back-off over: %v", err)
	}
	if n := c.DiscoveryFetches(); n != 2 {
		t.Fatalf("%d fetches, want 2", n)
	}
	if n := c.JWKSFetches(); n != 0 {
		t.Fatalf("JWKSFetches = %d before any token, want 0", n)
	}
}

// TestCompleteRefusesAnotherClientsFlow: a flow started for another issuer or
// client is refused before anything is sent to the provider, whatever the
// callback says.
func TestCompleteRefusesAnotherClientsFlow(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	c, _ := newClient(t, fake, nil)
	_, f, err := c.AuthURL(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	q := map[string][]string{"state": {f.State}, "code": {"x"}, "iss": {fake.Issuer}}
	for name, mutate := range map[string]func(*oidc.Flow){
		"other issuer": func(f *oidc.Flow) { f.Issuer = "https://other.example/api/v2" },
		"other client": func(f *oidc.Flow) { f.ClientID = "other-client" },
		"unbound":      func(f *oidc.Flow) { f.Issuer, f.ClientID = "", "" },
	} {
		g := f
		mutate(&g)
		before := fake.Count(oidctest.PathToken)
		_, err := c.Complete(context.Background(), g, q)
		wantErr(t, err, oidc.ErrMixUp)
		if fake.Count(oidctest.PathToken) != before {
			t.Errorf("%s: the code was sent to the token endpoint", name)
		}
	}
}

// TestHandlersLogRefusals: each refused callback is logged at Info with its
// reason and client address, never the code or state; a flood is rate-limited;
// a login is logged at Debug.
func TestHandlersLogRefusals(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	var logs strings.Builder
	var mu sync.Mutex
	w := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return logs.Write(p) })
	a := newApp(t, fake, nil)
	key := make([]byte, 32)
	h, err := oidc.NewHandlers(a.client, oidc.HandlerConfig{FlowKey: key, OnLogin: a.onLogin,
		Logger: slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	cb := h.Callback()
	start := time.Now()
	for i := range 500 {
		r := httptest.NewRequest(http.MethodGet, "/callback?code=secret-code-123&state=state-"+fmt.Sprint(i), nil)
		r.RemoteAddr = "192.0.2.9:4000"
		cb.ServeHTTP(httptest.NewRecorder(), r)
	}
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	limit := 20 + int(time.Since(start).Seconds()*10) + 1
	if n := strings.Count(out, "\n"); n < 1 || n > limit {
		t.Fatalf("%d lines for 500 refusals, want 1..%d", n, limit)
	}
	if !strings.Contains(out, `"level":"INFO"`) || !strings.Contains(out, `"reason":"oidc: invalid state"`) || !strings.Contains(out, `"client":"192.0.2.9:4000"`) {
		t.Fatalf("refusal line lacks level, reason or client: %.300s", out)
	}
	if strings.Contains(out, "secret-code-123") {
		t.Fatal("the code was logged")
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
