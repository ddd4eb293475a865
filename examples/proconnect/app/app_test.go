package app_test

import (
	"crypto/rand"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/examples/proconnect/app"
	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// TestSessionLifecycle logs in twice and out through the app and the fake
// ProConnect: each login gets a new session id and ends the previous one, and
// logout ends the session and comes back through ProConnect.
func TestSessionLifecycle(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{})
	srv := httptest.NewUnstartedServer(nil)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	client, err := oidc.New(oidc.Config{Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: srv.URL + "/auth/callback", PostLogoutRedirectURL: srv.URL + "/auth/logged-out", HTTPClient: fake.Client()})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	a, err := app.New(app.Config{Client: client, FlowKey: key})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a
	jar, _ := cookiejar.New(nil)
	tr := fake.Client().Transport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs.AddCert(srv.Certificate())
	b := &http.Client{Jar: jar, Transport: tr}

	get := func(u string) string {
		t.Helper()
		resp, err := b.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return string(body)
	}
	sessionID := func() string {
		u, _ := url.Parse(srv.URL)
		for _, c := range jar.Cookies(u) {
			if c.Name == "__Host-example" {
				return c.Value
			}
		}
		return ""
	}
	if body := get(srv.URL + "/private/"); !strings.Contains(body, `id="usual_name">DUBOIS<`) || !strings.Contains(body, "34329377500037") {
		t.Fatalf("first login: %s", body)
	}
	// The callback's answer carries one Cache-Control field (oidc's no-store;
	// the session cookie adds none beside it).
	nf := &http.Client{Jar: jar, Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp0, err := nf.Get(srv.URL + "/auth/login?return_to=/private/")
	if err != nil {
		t.Fatal(err)
	}
	resp0.Body.Close()
	resp0, err = nf.Get(resp0.Header.Get("Location")) // the fake's authorize, logging in at once
	if err != nil {
		t.Fatal(err)
	}
	resp0.Body.Close()
	resp0, err = nf.Get(resp0.Header.Get("Location")) // the callback
	if err != nil {
		t.Fatal(err)
	}
	resp0.Body.Close()
	if cc := resp0.Header.Values("Cache-Control"); resp0.StatusCode != http.StatusSeeOther || len(cc) != 1 || cc[0] != "no-store" {
		t.Fatalf("callback: %d, Cache-Control %q, want 303 and one no-store", resp0.StatusCode, cc)
	}
	first := sessionID()
	get(srv.URL + "/auth/login?return_to=/private/")
	second := sessionID()
	if first == "" || second == "" || first == second {
		t.Fatalf("session id not renewed: %q then %q", first, second)
	}
	// The first session id must be dead: replay it in a fresh browser.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "__Host-example", Value: first})
	nb := &http.Client{Transport: tr}
	resp, err := nb.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `id="anonymous"`) {
		t.Errorf("old session id still logged in: %s", body)
	}
	// Logout: POST (same origin) → ProConnect session/end → /auth/logged-out → /.
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/auth/logout", nil)
	req.Header.Set("Origin", srv.URL)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded") // what the page's form sends
	resp, err = b.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/" || !strings.Contains(string(body), `id="anonymous"`) || fake.Count(oidctest.PathEndSession) != 1 {
		t.Fatalf("after logout at %s: %s", resp.Request.URL, body)
	}
	if sessionID() != "" {
		t.Error("session cookie not cleared")
	}
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: "__Host-example", Value: second})
	if resp, err = nb.Do(req); err == nil {
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if !strings.Contains(string(body), `id="anonymous"`) {
		t.Errorf("session still valid after logout: %s", body)
	}
}
