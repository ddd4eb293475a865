package oidc_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// TestDiscoveryDown checks that a ProConnect answering 5xx on discovery is
// ErrUnavailable (503 from the handlers), not a malformed-document error (400).
func TestDiscoveryDown(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	fake.SetFaults(oidctest.Faults{Down: true, Endpoints: []string{oidctest.PathDiscovery}})
	c, _ := newClient(t, fake, nil)
	_, _, err := c.AuthURL(context.Background())
	wantErr(t, err, oidc.ErrDiscovery, oidc.ErrUnavailable)
}

// TestTokenSourceNil checks a TokenSource built from nil tokens fails with
// ErrNoRefreshToken rather than panicking.
func TestTokenSourceNil(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	c, _ := newClient(t, fake, nil)
	_, err := c.TokenSource(nil, nil).Token(context.Background())
	wantErr(t, err, oidc.ErrNoRefreshToken)
	// Only a refresh token (e.g. restored from storage): refreshed at once.
	a := newApp(t, fake, nil)
	newBrowser(t, a).follow(a.srv.URL+"/private/", "")
	l := onlyLogin(t, a)
	tok, err := a.client.TokenSource(&oidc.Tokens{RefreshToken: l.Tokens.RefreshToken}, nil).Token(context.Background())
	if err != nil || tok.AccessToken == "" || tok.AccessToken == l.Tokens.AccessToken {
		t.Errorf("refresh-only source: %+v %v", tok, err)
	}
}

// TestEmptyOptions checks that options given no value are refused rather than
// silently dropping a requirement (WithACR() would lift Config.ACR).
func TestEmptyOptions(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	c, _ := newClient(t, fake, func(c *oidc.Config) { c.ACR = []string{"eidas2"} })
	for name, o := range map[string]oidc.AuthOption{"WithACR()": oidc.WithACR(), "WithPrompt()": oidc.WithPrompt()} {
		if _, f, err := c.AuthURL(context.Background(), o); !errors.Is(err, oidc.ErrOption) {
			t.Errorf("%s: %v (flow acr %q), want ErrOption", name, err, f.ACR)
		}
	}
}

// TestLogoutCrossSite checks that a cross-site form POST to the logout handler
// is refused and does not send the browser to ProConnect's end_session_endpoint.
func TestLogoutCrossSite(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	a := newApp(t, fake, nil)
	b := newBrowser(t, a)
	b.follow(a.srv.URL+"/private/", "")
	for _, h := range []http.Header{
		{"Sec-Fetch-Site": {"cross-site"}},
		{"Origin": {"https://evil.example"}},
	} {
		req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/logout", nil)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header[k] = v
		}
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Location") != "" {
			t.Errorf("cross-site logout %v: %d %s, want 403", h, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	if p := b.do(http.MethodGet, a.srv.URL+"/private/"); p.status != http.StatusOK {
		t.Errorf("session ended by a cross-site POST: %d", p.status)
	}
	req, _ := http.NewRequest(http.MethodPost, a.srv.URL+"/logout", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), fake.URL+oidctest.PathEndSession) {
		t.Errorf("same-origin logout: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestTokenRedirectNotFollowed checks that the default HTTP client does not
// follow a redirect from the token endpoint, which would post the client secret
// to wherever it points.
func TestTokenRedirectNotFollowed(t *testing.T) {
	var leaked atomic.Bool
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if r.PostForm.Get("client_secret") != "" {
			leaked.Store(true)
		}
		http.Error(w, "nothing here", http.StatusNotFound)
	}))
	defer evil.Close()
	var op *httptest.Server
	op = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v2/.well-known/openid-configuration":
			base := op.URL + "/api/v2"
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"issuer":"` + base + `","authorization_endpoint":"` + base + `/authorize","token_endpoint":"` +
				base + `/token","userinfo_endpoint":"` + base + `/userinfo","jwks_uri":"` + base + `/jwks","end_session_endpoint":"` + base + `/session/end"}`))
		case "/api/v2/token":
			http.Redirect(w, r, evil.URL+"/steal", http.StatusTemporaryRedirect)
		default:
			http.NotFound(w, r)
		}
	}))
	defer op.Close()
	c, err := oidc.New(oidc.Config{Issuer: op.URL + "/api/v2", ProConnect: true, ClientID: "id", ClientSecret: "the-secret",
		RedirectURL: "https://app.example/cb", InsecureAllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Exchange(context.Background(), "code", "")
	wantErr(t, err, oidc.ErrTokenEndpoint)
	if leaked.Load() {
		t.Error("client secret posted to the redirect target")
	}
}

// TestWithACRValue checks the claims parameter names the values asked for.
func TestWithACRValue(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	c, _ := newClient(t, fake, nil)
	raw, f, err := c.AuthURL(context.Background(), oidc.WithACR("https://proconnect.gouv.fr/assurance/certification-dirigeant"))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	if !strings.Contains(u.Query().Get("claims"), "certification-dirigeant") || len(f.ACR) != 1 {
		t.Errorf("claims %s, flow acr %q", u.Query().Get("claims"), f.ACR)
	}
}
