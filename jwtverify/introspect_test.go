package jwtverify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/introspecttest"
)

// introFixture is a fake endpoint and an Introspector on the fixtures' clock.
type introFixture struct {
	srv   *introspecttest.Server
	in    *jwtverify.Introspector
	clock *clock
}

func newIntroFixture(t testing.TB, fake introspecttest.Config, edit func(*jwtverify.IntrospectionConfig)) *introFixture {
	t.Helper()
	f := &introFixture{srv: introspecttest.Start(t, fake), clock: newClock()}
	cfg := f.srv.IntrospectionConfig()
	cfg.Now = f.clock.Now
	if edit != nil {
		edit(&cfg)
	}
	var err error
	if f.in, err = jwtverify.NewIntrospector(cfg); err != nil {
		t.Fatal(err)
	}
	return f
}

// answer returns an active answer's members at the fixtures' epoch.
func answer() map[string]any {
	return map[string]any{"sub": "alice", "scope": "orders:read", "client_id": testClient, "aud": testAudience,
		"exp": epoch.Add(time.Hour).Unix(), "iat": epoch.Unix(), "token_type": "Bearer"}
}

// TestIntrospection: what each answer of the endpoint makes of a token.
func TestIntrospection(t *testing.T) {
	f := newIntroFixture(t, introspecttest.Config{}, func(c *jwtverify.IntrospectionConfig) {
		c.Issuer, c.Audience, c.CacheSize = "", []string{testAudience}, -1
	})
	ctx := context.Background()
	tok := f.srv.Issue(answer())
	got, err := f.in.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	ac, err := got.AccessClaims()
	if got.Subject() != "alice" || got.Raw() != tok || err != nil || ac.ClientID != testClient || !got.HasScopes("orders:read") || !got.Expiry().Equal(epoch.Add(time.Hour)) {
		t.Fatalf("token: sub %q, client %q, exp %v, %v", got.Subject(), ac.ClientID, got.Expiry(), err)
	}
	if form := f.srv.LastForm(); form.Get("token_type_hint") != "access_token" || form.Has("client_secret") {
		t.Fatalf("form %v", form)
	}
	set := func(name string, v any) string {
		a := answer()
		if v == nil {
			delete(a, name)
		} else {
			a[name] = v
		}
		return f.srv.Issue(a)
	}
	revoked := f.srv.Issue(answer())
	f.srv.Revoke(revoked)
	for _, c := range []struct {
		name string
		tok  string
		want error
	}{
		{"unknown members kept", set("ext", map[string]any{"x": []int{1}}), nil},
		{"no exp", set("exp", nil), nil},
		{"aud array", set("aud", []string{"other", testAudience}), nil},
		{"revoked", revoked, jwtverify.ErrInactive},
		{"unknown token", "never-issued", jwtverify.ErrInactive},
		{"other audience", set("aud", "other"), jwtverify.ErrAudience},
		{"expired", set("exp", epoch.Add(-time.Minute).Unix()), jwtverify.ErrExpired},
		{"not yet valid", set("nbf", epoch.Add(time.Hour).Unix()), jwtverify.ErrNotYetValid},
		{"active a string", set("active", "true"), jwtverify.ErrUnavailable},
		{"active a number", set("active", 1), jwtverify.ErrUnavailable},
		{"active null", set("active", json.RawMessage("null")), jwtverify.ErrUnavailable},
		{"scope an array", set("scope", []string{"a"}), jwtverify.ErrUnavailable},
		{"client_id a number", set("client_id", 1), jwtverify.ErrUnavailable},
		{"exp a string", set("exp", "soon"), jwtverify.ErrUnavailable},
		{"sub an object", set("sub", map[string]any{}), jwtverify.ErrUnavailable},
		{"cnf a string", set("cnf", "x"), jwtverify.ErrUnavailable},
		{"too large", strings.Repeat("t", 16<<10+1), jwtverify.ErrTooLarge},
		{"empty", "", jwtverify.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.in.Verify(ctx, c.tok)
			if c.want == nil && err != nil || !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), c.tok) && c.tok != "" {
				t.Fatalf("the error quotes the token: %v", err)
			}
		})
	}
}

// TestIntrospectionEndpointFailures: an endpoint that is down or answers
// anything but an introspection answer is ErrUnavailable (503), never a
// refusal of the token; the token is never logged.
func TestIntrospectionEndpointFailures(t *testing.T) {
	var logs bytes.Buffer
	f := newIntroFixture(t, introspecttest.Config{}, func(c *jwtverify.IntrospectionConfig) {
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	tok := f.srv.Issue(answer())
	huge := `{"active":true,"pad":"` + strings.Repeat("p", 64<<10) + `"}`
	for _, c := range []struct {
		name  string
		setup func()
	}{
		{"503", func() { f.srv.SetStatus(503) }},
		{"401 (credentials)", func() { f.srv.SetStatus(401) }},
		{"not JSON", func() { f.srv.SetBody([]byte("<html>")) }},
		{"JSON array", func() { f.srv.SetBody([]byte(`[{"active":true}]`)) }},
		{"repeated active", func() { f.srv.SetBody([]byte(`{"active":false,"active":true}`)) }},
		{"no active", func() { f.srv.SetBody([]byte(`{"sub":"alice"}`)) }},
		{"trailing data", func() { f.srv.SetBody([]byte(`{"active":true} {}`)) }},
		{"invalid UTF-8", func() { f.srv.SetBody([]byte("{\"active\":true,\"sub\":\"\xff\"}")) }},
		{"over 64 KiB", func() { f.srv.SetBody([]byte(huge)) }},
		{"closed", func() { f.srv.Close() }}, // last: the server stays closed
	} {
		t.Run(c.name, func(t *testing.T) {
			c.setup()
			defer f.srv.SetBody(nil)
			defer f.srv.SetStatus(0)
			if _, err := f.in.Verify(context.Background(), tok); !errors.Is(err, jwtverify.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
		})
	}
	if logs.Len() == 0 || strings.Contains(logs.String(), tok) {
		t.Fatalf("logs %q: want failures logged, never the token", logs.String())
	}
	// Wrong credentials: the endpoint refuses the resource server.
	g := newIntroFixture(t, introspecttest.Config{}, func(c *jwtverify.IntrospectionConfig) { c.ClientSecret = "wrong" })
	if _, err := g.in.Verify(context.Background(), g.srv.Issue(answer())); !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("wrong secret: %v", err)
	}
	// A content type other than JSON.
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(`{"active":true}`))
	}))
	defer ts.Close()
	in, _ := jwtverify.NewIntrospector(jwtverify.IntrospectionConfig{Endpoint: ts.URL, ClientID: "a", ClientSecret: "b", InsecureAllowHTTP: true})
	if _, err := in.Verify(context.Background(), "t"); !errors.Is(err, jwtverify.ErrUnavailable) {
		t.Fatalf("text/plain: %v", err)
	}
}

// TestIntrospectionRedirect: a redirect is not followed (it would carry the
// credentials and the token elsewhere): 503.
func TestIntrospectionRedirect(t *testing.T) {
	f := newIntroFixture(t, introspecttest.Config{}, nil)
	ts := httptest.NewServer(http.RedirectHandler(f.srv.Endpoint(), http.StatusTemporaryRedirect))
	defer ts.Close()
	cfg := f.srv.IntrospectionConfig()
	cfg.Endpoint = ts.URL
	in, err := jwtverify.NewIntrospector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := in.Verify(context.Background(), f.srv.Issue(answer())); !errors.Is(err, jwtverify.ErrUnavailable) || f.srv.Requests() != 0 {
		t.Fatalf("err = %v, endpoint requests %d: want ErrUnavailable and none", err, f.srv.Requests())
	}
}

// TestIntrospectionClientAuth: client_secret_basic form-urlencodes the id
// and secret before Basic (RFC 6749 §2.3.1); client_secret_post sends them
// in the form.
func TestIntrospectionClientAuth(t *testing.T) {
	for _, method := range []string{jwtverify.ClientSecretBasic, jwtverify.ClientSecretPost} {
		t.Run(method, func(t *testing.T) {
			f := newIntroFixture(t, introspecttest.Config{ClientID: "api:1 +%", ClientSecret: "s3cr:t é&=", AuthMethod: method}, nil)
			if _, err := f.in.Verify(context.Background(), f.srv.Issue(answer())); err != nil {
				t.Fatal(err)
			}
			if form := f.srv.LastForm(); form.Has("client_id") != (method == jwtverify.ClientSecretPost) {
				t.Fatalf("form %v", form)
			}
		})
	}
}

// TestIntrospectionCache: an active answer is reused until MaxCacheTTL or
// its exp, a refusal for NegativeCacheTTL; so a revocation shows within
// MaxCacheTTL.
func TestIntrospectionCache(t *testing.T) {
	f := newIntroFixture(t, introspecttest.Config{}, func(c *jwtverify.IntrospectionConfig) {
		c.MaxCacheTTL, c.NegativeCacheTTL = time.Minute, 10*time.Second
	})
	ctx := context.Background()
	tok := f.srv.Issue(answer())
	verify := func(want error, requests int64) {
		t.Helper()
		_, err := f.in.Verify(ctx, tok)
		if want == nil && err != nil || !errors.Is(err, want) || f.srv.Requests() != requests {
			t.Fatalf("err = %v, requests %d; want %v, %d", err, f.srv.Requests(), want, requests)
		}
	}
	verify(nil, 1)
	verify(nil, 1)
	f.srv.Revoke(tok)
	f.clock.Add(59 * time.Second)
	verify(nil, 1) // still within MaxCacheTTL
	f.clock.Add(time.Second)
	verify(jwtverify.ErrInactive, 2)
	verify(jwtverify.ErrInactive, 2) // negative cache
	f.clock.Add(10 * time.Second)
	verify(jwtverify.ErrInactive, 3)
	// An exp sooner than MaxCacheTTL bounds the entry.
	a := answer()
	a["exp"] = f.clock.Now().Add(20 * time.Second).Unix()
	short := f.srv.Issue(a)
	for range 2 {
		if _, err := f.in.Verify(ctx, short); err != nil || f.srv.Requests() != 4 {
			t.Fatalf("short: %v, %d requests", err, f.srv.Requests())
		}
	}
	f.clock.Add(20*time.Second + jwtverify.DefaultLeeway)
	if _, err := f.in.Verify(ctx, short); !errors.Is(err, jwtverify.ErrExpired) || f.srv.Requests() != 5 {
		t.Fatalf("short after exp: %v, %d requests", err, f.srv.Requests())
	}
	if f.in.Fetches() != 5 {
		t.Fatalf("Fetches %d, want 5", f.in.Fetches())
	}
}

// TestIntrospectionCacheBounded: the caches never hold more than their
// size, and a full cache still takes new answers.
func TestIntrospectionCacheBounded(t *testing.T) {
	f := newIntroFixture(t, introspecttest.Config{}, func(c *jwtverify.IntrospectionConfig) { c.CacheSize = 4 })
	ctx := context.Background()
	var toks []string
	for range 10 {
		toks = append(toks, f.srv.Issue(answer()))
		if _, err := f.in.Verify(ctx, toks[len(toks)-1]); err != nil {
			t.Fatal(err)
		}
	}
	if n := jwtverify.IntrospectionCached(f.in); n != 4 {
		t.Fatalf("%d answers remembered, want 4", n)
	}
	before := f.srv.Requests()
	if _, err := f.in.Verify(ctx, toks[9]); err != nil || f.srv.Requests() != before {
		t.Fatalf("the newest answer was evicted: %v", err)
	}
}

// TestIntrospectionSingleFlight: concurrent calls for one token share one
// request.
func TestIntrospectionSingleFlight(t *testing.T) {
	f := newIntroFixture(t, introspecttest.Config{}, nil)
	f.srv.SetDelay(100 * time.Millisecond)
	tok := f.srv.Issue(answer())
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 16)
	for range 16 {
		wg.Go(func() {
			<-start
			_, err := f.in.Verify(context.Background(), tok)
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.srv.Requests(); n != 1 {
		t.Fatalf("%d requests for 16 concurrent calls, want 1", n)
	}
}

// TestIntrospectionCallerGivesUp: a caller whose context ends gets
// ErrUnavailable at once; the shared request goes on for the others.
func TestIntrospectionCallerGivesUp(t *testing.T) {
	f := newIntroFixture(t, introspecttest.Config{}, nil)
	f.srv.SetDelay(200 * time.Millisecond)
	tok := f.srv.Issue(answer())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.in.Verify(ctx, tok); !errors.Is(err, jwtverify.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if _, err := f.in.Verify(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
}

// TestIntrospectionHitAllocates: a cache hit allocates nothing.
func TestIntrospectionHitAllocates(t *testing.T) {
	f := newIntroFixture(t, introspecttest.Config{}, nil)
	tok := f.srv.Issue(answer())
	ctx := context.Background()
	if _, err := f.in.Verify(ctx, tok); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(200, func() { _, _ = f.in.Verify(ctx, tok) }); n != 0 {
		t.Fatalf("%v allocations per hit, want 0", n)
	}
}

// TestIntrospectionConfig: constructors refuse what cannot be safe.
func TestIntrospectionConfig(t *testing.T) {
	ok := jwtverify.IntrospectionConfig{Endpoint: "https://idp.test/introspect", ClientID: "a", ClientSecret: "b"}
	if _, err := jwtverify.NewIntrospector(ok); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		edit func(*jwtverify.IntrospectionConfig)
		want error
	}{
		"http":           {func(c *jwtverify.IntrospectionConfig) { c.Endpoint = "http://idp.test/i" }, jwtverify.ErrInsecureURL},
		"relative":       {func(c *jwtverify.IntrospectionConfig) { c.Endpoint = "/introspect" }, jwtverify.ErrConfig},
		"no secret":      {func(c *jwtverify.IntrospectionConfig) { c.ClientSecret = "" }, jwtverify.ErrConfig},
		"no client":      {func(c *jwtverify.IntrospectionConfig) { c.ClientID = "" }, jwtverify.ErrConfig},
		"auth method":    {func(c *jwtverify.IntrospectionConfig) { c.AuthMethod = "private_key_jwt" }, jwtverify.ErrConfig},
		"empty audience": {func(c *jwtverify.IntrospectionConfig) { c.Audience = []string{""} }, jwtverify.ErrConfig},
	} {
		cfg := ok
		c.edit(&cfg)
		if _, err := jwtverify.NewIntrospector(cfg); !errors.Is(err, c.want) {
			t.Errorf("%s: err = %v, want %v", name, err, c.want)
		}
	}
}

// TestIntrospectionMiddleware: an Introspector behind Middleware answers
// as a Verifier does, DPoP binding included (cnf in the answer).
func TestIntrospectionMiddleware(t *testing.T) {
	f := newIntroFixture(t, introspecttest.Config{}, nil)
	key := dpopKey(t, "ES256")
	d, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	h := jwtverify.Middleware(f.in, jwtverify.MiddlewareConfig{DPoP: d})(jwtverify.RequireScope("orders:read")(whoami))
	plain := f.srv.Issue(answer())
	a := answer()
	a["cnf"] = key.Confirmation()
	bound := f.srv.Issue(a)
	revoked := f.srv.Issue(answer())
	f.srv.Revoke(revoked)
	for _, c := range []struct {
		name   string
		authz  string
		proof  string
		status int
	}{
		{"Bearer", "Bearer " + plain, "", 200},
		{"revoked", "Bearer " + revoked, "", 401},
		{"DPoP", "DPoP " + bound, proof(t, key, "GET", apiURL, bound), 200},
		{"bound as Bearer", "Bearer " + bound, "", 401},
	} {
		var proofs []string
		if c.proof != "" {
			proofs = []string{c.proof}
		}
		if w := send(h, "GET", apiURL, c.authz, proofs...); w.Code != c.status {
			t.Errorf("%s: status %d, want %d (%q)", c.name, w.Code, c.status, w.Header().Values("WWW-Authenticate"))
		}
	}
	f.srv.Close()
	if w := send(h, "GET", apiURL, "Bearer "+f.srv.Issue(answer())); w.Code != 503 || w.Header().Get("Retry-After") == "" {
		t.Fatalf("endpoint down: %d", w.Code)
	}
}
