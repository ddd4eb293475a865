package oidc_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

func TestLoginLogout(t *testing.T) {
	for _, tc := range []struct {
		name string
		fake func(testing.TB, oidctest.Config) *oidctest.Server
		cfg  oidctest.Config
		algs []string
		json bool
	}{
		{"http ES256", oidctest.Start, oidctest.Config{}, nil, false},
		{"tls RS256", oidctest.StartTLS, oidctest.Config{IDTokenAlg: "RS256"}, nil, false},
		{"HS256 registered", oidctest.Start, oidctest.Config{IDTokenAlg: "HS256"}, []string{"HS256"}, false},
		{"JSON userinfo", oidctest.Start, oidctest.Config{UserInfoAlg: "none"}, nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := tc.fake(t, tc.cfg)
			a := newApp(t, fake, func(c *oidc.Config) { c.Algorithms = tc.algs; c.InsecureUnsignedUserInfo = tc.json })
			b := newBrowser(t, a)
			p := b.follow(a.srv.URL+"/private/page?x=1", "")
			if p.status != http.StatusOK || p.body != "hello DUBOIS 34329377500037" {
				t.Fatalf("protected page: %d %q (errors %v)", p.status, p.body, a.errs)
			}
			l := onlyLogin(t, a)
			if l.ReturnTo != "/private/page?x=1" || l.IDToken.ACR != "eidas1" || l.IDToken.Nonce == "" || l.Tokens.RefreshToken == "" {
				t.Errorf("login = %+v, ID token %+v", l, l.IDToken)
			}
			// Logout: POST /logout → ProConnect session/end (303) → /logged-out → /.
			resp, err := b.c.PostForm(a.srv.URL+"/logout", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			end, _ := url.Parse(resp.Header.Get("Location"))
			q := end.Query()
			if end.Path != oidctest.PathEndSession || q.Get("id_token_hint") != l.IDToken.Raw || len(q.Get("state")) < 43 ||
				q.Get("post_logout_redirect_uri") != a.srv.URL+"/logged-out" {
				t.Fatalf("logout redirect %s", end)
			}
			if p := b.do(http.MethodGet, end.String()); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, a.srv.URL+"/logged-out?state=") {
				t.Fatalf("session/end: %d %s", p.status, p.location)
			} else if p := b.follow(p.location, ""); p.body != "home" {
				t.Fatalf("after logout: %d %q (errors %v)", p.status, p.body, a.errs)
			}
			if p := b.do(http.MethodGet, a.srv.URL+"/private/page"); p.status != http.StatusSeeOther {
				t.Errorf("still logged in after logout: %d", p.status)
			}
		})
	}
}

func onlyLogin(t *testing.T, a *app) *oidc.Login {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.sessions) != 1 {
		t.Fatalf("%d sessions, want 1 (errors %v)", len(a.sessions), a.errs)
	}
	for _, l := range a.sessions {
		return l
	}
	return nil
}

// TestWarmLogin asserts that after the first login no discovery or JWKS request
// reaches ProConnect.
func TestWarmLogin(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	a := newApp(t, fake, nil)
	for i := range 3 {
		b := newBrowser(t, a)
		if p := b.follow(a.srv.URL+"/private/", ""); p.status != http.StatusOK {
			t.Fatalf("login %d: %d %q %v", i, p.status, p.body, a.errs)
		}
		if i == 0 {
			fake.ResetRequests()
		}
	}
	if n, m := fake.Count(oidctest.PathDiscovery), fake.Count(oidctest.PathJWKS); n != 0 || m != 0 {
		t.Errorf("warm logins made %d discovery and %d JWKS requests, want 0", n, m)
	}
	if n := fake.Count(oidctest.PathToken); n != 2 {
		t.Errorf("%d token requests, want 2", n)
	}
}

// TestAuthorizeRequest checks what reaches ProConnect's authorize and token
// endpoints.
func TestAuthorizeRequest(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	a := newApp(t, fake, func(c *oidc.Config) {
		c.Scopes = []string{"email", "usual_name", "siret", "chorusdt", "phone"}
		c.ACR = []string{"eidas1", "eidas2"}
	})
	b := newBrowser(t, a)
	if p := b.follow(a.srv.URL+"/private/", ""); p.status != http.StatusOK {
		t.Fatalf("login: %d %q %v", p.status, p.body, a.errs)
	}
	var authz, token oidctest.Request
	for _, r := range fake.Requests() {
		switch r.Path {
		case oidctest.PathAuthorize:
			authz = r
		case oidctest.PathToken:
			token = r
		}
	}
	q := authz.Query
	if q.Get("scope") != "openid email usual_name siret chorusdt phone" || len(q.Get("state")) < 43 ||
		len(q.Get("nonce")) < 43 || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 {
		t.Errorf("authorize query %v", q)
	}
	var claims map[string]map[string]struct {
		Essential bool     `json:"essential"`
		Values    []string `json:"values"`
	}
	if err := json.Unmarshal([]byte(q.Get("claims")), &claims); err != nil {
		t.Fatal(err)
	}
	if acr := claims["id_token"]["acr"]; !acr.Essential || strings.Join(acr.Values, ",") != "eidas1,eidas2" {
		t.Errorf("claims %s", q.Get("claims"))
	}
	f := token.Form
	if f.Get("client_secret") != fake.ClientSecret() || token.Header.Get("Authorization") != "" || len(f.Get("code_verifier")) != 43 {
		t.Errorf("token request %v %v", f, token.Header)
	}
	l := onlyLogin(t, a)
	if l.Agent.ChorusDTMatricule != "USER_AGC" || l.Agent.ChorusDTSociete != "CHT" || l.Agent.PhoneNumber == "" ||
		l.Agent.GivenName != "" || string(l.Agent.Raw["chorusdt:societe"]) != `"CHT"` {
		t.Errorf("agent %+v", l.Agent)
	}
}

func TestSeveralTabs(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	a := newApp(t, fake, nil)
	b := newBrowser(t, a)
	first := b.callbackURL(a, "/login?return_to=/private/one")
	second := b.callbackURL(a, "/login?return_to=/private/two")
	for _, tc := range []struct{ cb, want string }{{second, "/private/two"}, {first, "/private/one"}} {
		if p := b.do(http.MethodGet, tc.cb); p.status != http.StatusSeeOther || p.location != a.srv.URL+tc.want {
			t.Fatalf("callback: %d %s %v", p.status, p.location, a.errs)
		}
	}
}

func TestProviderErrors(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	t.Run("access_denied", func(t *testing.T) {
		a := newApp(t, fake, nil)
		fake.SetFaults(oidctest.Faults{AccessDenied: true})
		defer fake.SetFaults(oidctest.Faults{})
		p := newBrowser(t, a).follow(a.srv.URL+"/login", "")
		var pe *oidc.ProviderError
		if err := a.lastErr(); !errorsAs(err, &pe) || pe.Code != "access_denied" || p.status == http.StatusInternalServerError {
			t.Fatalf("error %v, status %d", err, p.status)
		}
		if a.loggedIn() {
			t.Error("logged in")
		}
	})
	t.Run("prompt none without session", func(t *testing.T) {
		a := newApp(t, fake, nil)
		p := newBrowser(t, a).follow(a.srv.URL+"/login?silent=1&return_to=/x", "")
		if a.silentCount() != 1 || a.loggedIn() || p.status != http.StatusOK || p.body != "home" {
			t.Fatalf("silent=%d status %d %q errors %v", a.silent, p.status, p.body, a.errs)
		}
	})
	t.Run("prompt none with session", func(t *testing.T) {
		a := newApp(t, fake, nil)
		b := newBrowser(t, a)
		b.follow(a.srv.URL+"/login", "")
		if p := b.follow(a.srv.URL+"/login?silent=1&return_to=/private/", ""); p.status != http.StatusOK || a.silentCount() != 0 {
			t.Fatalf("silent login: %d %q %v", p.status, p.body, a.errs)
		}
	})
}

func TestRefresh(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	a := newApp(t, fake, nil)
	newBrowser(t, a).follow(a.srv.URL+"/private/", "")
	l := onlyLogin(t, a)
	var saved []*oidc.Tokens
	ts := a.client.TokenSource(l.Tokens, func(_ context.Context, t *oidc.Tokens) error { saved = append(saved, t); return nil })
	ctx := context.Background()
	if tok, err := ts.Token(ctx); err != nil || tok.AccessToken != l.Tokens.AccessToken || len(saved) != 0 {
		t.Fatalf("fresh token: %v %v", tok, err)
	}
	a.clock.Add(59*time.Minute + 45*time.Second) // within the 30 s refresh margin
	tok, err := ts.Token(ctx)
	if err != nil || tok.AccessToken == l.Tokens.AccessToken || len(saved) != 1 || tok.RefreshToken == l.Tokens.RefreshToken {
		t.Fatalf("refreshed: %+v %v (saved %d)", tok, err, len(saved))
	}
	if _, err := a.client.Refresh(ctx, l.Tokens.RefreshToken, l.IDToken); err == nil {
		t.Error("a rotated refresh token was accepted again")
	}
}
