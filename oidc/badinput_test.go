package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// TestBadInput runs one login per attack against the fake ProConnect over HTTP
// and asserts the sentinel that ErrorHandler received and that no session was made.
func TestBadInput(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	login := func(t *testing.T, a *app, b *browser) { b.follow(a.srv.URL+"/login?return_to=/private/", "") }
	for _, tc := range []struct {
		name     string
		faults   oidctest.Faults
		tune     func(*oidc.Config)
		run      func(*testing.T, *app, *browser) // default: login
		want     []error
		sessions int // sessions made by run before the bad step
	}{
		{name: "state missing", run: func(t *testing.T, a *app, b *browser) {
			b.callbackURL(a, "/login")
			b.do(http.MethodGet, a.srv.URL+"/callback?code=abc")
		}, want: []error{oidc.ErrState}},
		{name: "state wrong", run: func(t *testing.T, a *app, b *browser) {
			b.do(http.MethodGet, withParam(t, b.callbackURL(a, "/login"), "state", strings.Repeat("x", 43)))
		}, want: []error{oidc.ErrState}},
		{name: "state replayed", run: func(t *testing.T, a *app, b *browser) {
			cb := b.callbackURL(a, "/login")
			saved := b.c.Jar.Cookies(mustURL(t, a.srv.URL))
			b.do(http.MethodGet, cb)
			b.c.Jar.SetCookies(mustURL(t, a.srv.URL), asSecure(saved))
			b.do(http.MethodGet, cb)
		}, want: []error{oidc.ErrState}, sessions: 1},
		{name: "state expired", run: func(t *testing.T, a *app, b *browser) {
			cb := b.callbackURL(a, "/login")
			a.clock.Add(11 * time.Minute)
			b.do(http.MethodGet, cb)
		}, want: []error{oidc.ErrState}},
		{name: "flow cookie tampered", run: func(t *testing.T, a *app, b *browser) {
			cb := b.callbackURL(a, "/login")
			u := mustURL(t, a.srv.URL)
			cs := b.c.Jar.Cookies(u)
			for _, c := range cs {
				c.Value = c.Value[:10] + flip(c.Value[10]) + c.Value[11:]
			}
			b.c.Jar.SetCookies(u, asSecure(cs))
			b.do(http.MethodGet, cb)
		}, want: []error{oidc.ErrFlowCorrupt}},
		{name: "code replayed", run: func(t *testing.T, a *app, b *browser) {
			first := b.callbackURL(a, "/login")
			b.do(http.MethodGet, first)
			code := mustURL(t, first).Query().Get("code")
			b.do(http.MethodGet, withParam(t, b.callbackURL(a, "/login"), "code", code))
		}, want: []error{oidc.ErrTokenEndpoint}, sessions: 1},
		{name: "ID token bad signature", faults: oidctest.Faults{BadSignature: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrSignature}},
		{name: "ID token wrong iss", faults: oidctest.Faults{WrongIssuer: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrIssuer}},
		{name: "ID token wrong aud", faults: oidctest.Faults{WrongAudience: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrAudience}},
		{name: "ID token extra aud without azp", faults: oidctest.Faults{ExtraAudience: true}, want: []error{oidc.ErrIDToken, oidc.ErrAuthorizedParty}},
		{name: "ID token expired", faults: oidctest.Faults{Expired: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrExpired}},
		{name: "ID token iat in the future", faults: oidctest.Faults{FutureIssuedAt: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrIssuedInFuture}},
		{name: "ID token without nonce", faults: oidctest.Faults{NoNonce: true}, want: []error{oidc.ErrIDToken, oidc.ErrNonce}},
		{name: "ID token wrong nonce", faults: oidctest.Faults{WrongNonce: true}, want: []error{oidc.ErrIDToken, oidc.ErrNonce}},
		{name: "ID token wrong at_hash", faults: oidctest.Faults{WrongAtHash: true}, want: []error{oidc.ErrIDToken, oidc.ErrAtHash}},
		{name: "ID token acr not requested", faults: oidctest.Faults{ACR: "eidas1"},
			tune: func(c *oidc.Config) { c.ACR = []string{"eidas2", "eidas3"} }, want: []error{oidc.ErrIDToken, oidc.ErrACR}},
		{name: "ID token alg none", faults: oidctest.Faults{AlgNone: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrAlgorithm}},
		{name: "ID token HS256 not registered", faults: oidctest.Faults{HS256: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrAlgorithm}},
		{name: "ID token unknown key", faults: oidctest.Faults{UnknownKid: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrUnknownKey}},
		{name: "ID token typ at+jwt", faults: oidctest.Faults{AccessTokenTyp: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrType}},
		{name: "ID token without iat", faults: oidctest.Faults{NoIssuedAt: true}, want: []error{oidc.ErrIDToken, jwtverify.ErrMissingClaim}},
		{name: "callback without iss (RFC 9207 advertised)", faults: oidctest.Faults{NoCallbackIss: true}, want: []error{oidc.ErrMixUp}},
		{name: "callback iss of another provider", faults: oidctest.Faults{CallbackIss: "https://evil.example/api/v2"}, want: []error{oidc.ErrMixUp}},
		{name: "callback iss repeated", run: func(t *testing.T, a *app, b *browser) {
			cb := b.callbackURL(a, "/login")
			b.do(http.MethodGet, cb+"&iss="+url.QueryEscape(a.fake.Issuer))
		}, want: []error{oidc.ErrMixUp}},
		{name: "error callback with a wrong iss", faults: oidctest.Faults{AccessDenied: true, CallbackIss: "https://evil.example/api/v2"}, want: []error{oidc.ErrMixUp}},
		{name: "userinfo for another client", faults: oidctest.Faults{UserInfoWrongAud: true}, want: []error{oidc.ErrUserInfo, jwtverify.ErrAudience}},
		{name: "userinfo wrong sub", faults: oidctest.Faults{UserInfoSub: "another-agent"}, want: []error{oidc.ErrSubject}},
		{name: "userinfo wrong iss", faults: oidctest.Faults{UserInfoWrongIssuer: true}, want: []error{oidc.ErrUserInfo, jwtverify.ErrIssuer}},
		{name: "userinfo unsigned JSON", faults: oidctest.Faults{UserInfoJSON: true}, want: []error{oidc.ErrUserInfo}},
		{name: "userinfo 10 MB", faults: oidctest.Faults{UserInfoHuge: true}, want: []error{oidc.ErrUserInfo, oidc.ErrTooLarge}},
		{name: "discovery issuer differs", faults: oidctest.Faults{DiscoveryIssuer: "https://evil.example/api/v2"}, want: []error{oidc.ErrIssuerMismatch}},
		{name: "end_session_endpoint on another host", faults: oidctest.Faults{EndSessionEndpoint: "https://evil.example/api/v2/session/end"}, want: []error{oidc.ErrEndpoint}},
		{name: "open redirect in the return URL", run: func(t *testing.T, a *app, b *browser) {
			to := "//evil.example/phish"
			if _, err := oidc.SafeReturnPath(to); err == nil {
				t.Error("SafeReturnPath accepted it")
			} else {
				wantErr(t, err, oidc.ErrRedirect)
			}
			cb := b.callbackURL(a, "/login?return_to="+url.QueryEscape(to))
			if p := b.do(http.MethodGet, cb); p.location != a.srv.URL+"/" {
				t.Errorf("sent to %q after login, want the app's /", p.location)
			}
		}, sessions: 1}, // logged in, but kept on the app
		{name: "access denied", faults: oidctest.Faults{AccessDenied: true}, want: []error{oidc.ErrProvider}},
		{name: "token endpoint down", faults: oidctest.Faults{Down: true, Endpoints: []string{oidctest.PathToken}}, want: []error{oidc.ErrUnavailable}},
		{name: "JWKS down", faults: oidctest.Faults{Down: true, Endpoints: []string{oidctest.PathJWKS}},
			want: []error{oidc.ErrIDToken, oidc.ErrUnavailable, jwtverify.ErrUnavailable}},
		{name: "userinfo slow", faults: oidctest.Faults{Delay: 5 * time.Second, Endpoints: []string{oidctest.PathUserInfo}},
			tune: func(c *oidc.Config) {
				c.HTTPClient = &http.Client{Timeout: 100 * time.Millisecond, Transport: c.HTTPClient.Transport}
			},
			want: []error{oidc.ErrUserInfo, oidc.ErrUnavailable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.SetFaults(tc.faults)
			defer fake.SetFaults(oidctest.Faults{})
			a := newApp(t, fake, tc.tune)
			b := newBrowser(t, a)
			run := tc.run
			if run == nil {
				run = login
			}
			run(t, a, b)
			if tc.want != nil {
				wantErr(t, a.lastErr(), tc.want...)
			}
			a.mu.Lock()
			defer a.mu.Unlock()
			if len(a.sessions) != tc.sessions {
				t.Errorf("%d sessions, want %d: the attack logged the agent in", len(a.sessions), tc.sessions)
			}
		})
	}
}

// TestOpenRedirect checks that only same-origin return paths survive a login.
func TestOpenRedirect(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	for _, to := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`, "javascript:alert(1)", "/ok\r\nLocation: x", "evil"} {
		t.Run(to, func(t *testing.T) {
			if _, err := oidc.SafeReturnPath(to); err == nil {
				t.Fatal("SafeReturnPath accepted it")
			} else {
				wantErr(t, err, oidc.ErrRedirect)
			}
			a := newApp(t, fake, nil)
			b := newBrowser(t, a)
			cb := b.callbackURL(a, "/login?"+url.Values{"return_to": {to}}.Encode())
			if p := b.do(http.MethodGet, cb); p.location != a.srv.URL+"/" {
				t.Errorf("after login: %d %s, want /", p.status, p.location)
			}
		})
	}
	for _, ok := range []string{"/", "/private/page?x=1&y=%2F", "/a/b#frag"} {
		if got, err := oidc.SafeReturnPath(ok); err != nil || got != ok {
			t.Errorf("SafeReturnPath(%q) = %q, %v", ok, got, err)
		}
	}
}

// TestKeyRotation checks that a key rotated one second after the first JWKS
// fetch is fetched and logins go on (before the fix the first fetch started
// the unknown-kid cooldown, and logins failed for 30 s).
func TestKeyRotation(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	a := newApp(t, fake, nil)
	newBrowser(t, a).follow(a.srv.URL+"/private/", "")
	fake.RotateKey()
	a.clock.Add(time.Second)
	fake.ResetRequests()
	if p := newBrowser(t, a).follow(a.srv.URL+"/private/", ""); p.status != http.StatusOK {
		t.Fatalf("login after rotation: %d %v", p.status, a.errs)
	}
	if n := fake.Count(oidctest.PathJWKS); n != 1 {
		t.Errorf("%d JWKS fetches after rotation, want 1", n)
	}
}

func withParam(t *testing.T, u, name, value string) string {
	t.Helper()
	p := mustURL(t, u)
	q := p.Query()
	q.Set(name, value)
	p.RawQuery = q.Encode()
	return p.String()
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// asSecure marks jar cookies (which lose their attributes) as the app's.
func asSecure(cs []*http.Cookie) []*http.Cookie {
	for _, c := range cs {
		c.Path, c.Secure, c.HttpOnly = "/", true, true
	}
	return cs
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}
