package oidc_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

func TestNewConfig(t *testing.T) {
	ok := oidc.Config{Host: oidc.Integration, ClientID: "c", ClientSecret: "s", RedirectURL: "https://app.example/cb"}
	for _, tc := range []struct {
		name string
		edit func(*oidc.Config)
	}{
		{"issuer and host", func(c *oidc.Config) { c.Issuer = "https://x.example/api/v2" }},
		{"neither issuer nor host", func(c *oidc.Config) { c.Host = "" }},
		{"http issuer", func(c *oidc.Config) { c.Host, c.Issuer = "", "http://x.example/api/v2" }},
		{"no secret", func(c *oidc.Config) { c.ClientSecret = "" }},
		{"relative redirect", func(c *oidc.Config) { c.RedirectURL = "/cb" }},
		{"relative post-logout redirect", func(c *oidc.Config) { c.PostLogoutRedirectURL = "/bye" }},
		{"alg none", func(c *oidc.Config) { c.Algorithms = []string{"none"} }},
		{"HS256 mixed", func(c *oidc.Config) { c.Algorithms = []string{"HS256", "ES256"} }},
		{"HS256 short secret", func(c *oidc.Config) { c.Algorithms = []string{"HS256"} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := ok
			tc.edit(&cfg)
			if _, err := oidc.New(cfg); !errors.Is(err, oidc.ErrConfig) {
				t.Errorf("New: %v, want ErrConfig", err)
			}
		})
	}
	if _, err := oidc.New(ok); err != nil {
		t.Fatal(err)
	}
	for h, want := range map[oidc.Host]string{
		oidc.Integration:    "https://fca.integ01.dev-agentconnect.fr/api/v2",
		oidc.Production:     "https://auth.agentconnect.gouv.fr/api/v2",
		oidc.IntegrationRIE: "https://fca.integ02.agentconnect.rie.gouv.fr/api/v2",
		oidc.ProductionRIE:  "https://auth.agentconnect.rie.gouv.fr/api/v2",
	} {
		if h.Issuer() != want {
			t.Errorf("%s.Issuer() = %s", h, h.Issuer())
		}
	}
}

// newClient returns a client of fake with an adjustable clock.
func newClient(t *testing.T, fake *oidctest.Server, tune func(*oidc.Config)) (*oidc.Client, *clock) {
	t.Helper()
	clk := &clock{t: time.Now()}
	cfg := oidc.Config{Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: "https://app.example/callback", PostLogoutRedirectURL: "https://app.example/bye",
		HTTPClient: fake.Client(), InsecureAllowHTTP: true, Now: clk.Now}
	if tune != nil {
		tune(&cfg)
	}
	c, err := oidc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

// noFollow returns a client of fake that does not follow redirects.
func noFollow(fake *oidctest.Server) *http.Client {
	c := *fake.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func TestAuthOptions(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	c, _ := newClient(t, fake, func(c *oidc.Config) { c.ACR = []string{"eidas1"} })
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		opts  []oidc.AuthOption
		want  map[string]string
		err   error
		check func(*testing.T, oidc.Flow)
	}{
		{name: "defaults", want: map[string]string{"response_type": "code", "scope": "openid email given_name usual_name uid siret",
			"claims": `{"id_token":{"acr":{"essential":true,"values":["eidas1"]}}}`, "code_challenge_method": "S256"}},
		{name: "hints", opts: []oidc.AuthOption{oidc.WithLoginHint("a@b.fr"), oidc.WithIDPHint("fia1v2"), oidc.WithSIRETHint("34329377500037")},
			want: map[string]string{"login_hint": "a@b.fr", "idp_hint": "fia1v2", "siret_hint": "34329377500037"}},
		{name: "prompt", opts: []oidc.AuthOption{oidc.WithPrompt(oidc.PromptLogin, oidc.PromptConsent)}, want: map[string]string{"prompt": "login consent"}},
		{name: "silent", opts: []oidc.AuthOption{oidc.WithPrompt(oidc.PromptNone)}, want: map[string]string{"prompt": "none"},
			check: func(t *testing.T, f oidc.Flow) {
				if !f.Silent {
					t.Error("flow not silent")
				}
			}},
		{name: "acr and amr", opts: []oidc.AuthOption{oidc.WithACR("eidas2", "eidas3"), oidc.WithAMR()},
			want: map[string]string{"claims": `{"id_token":{"acr":{"essential":true,"values":["eidas2","eidas3"]},"amr":{"essential":true}}}`},
			check: func(t *testing.T, f oidc.Flow) {
				if strings.Join(f.ACR, " ") != "eidas2 eidas3" {
					t.Errorf("flow acr %q", f.ACR)
				}
			}},
		{name: "siret 13 digits", opts: []oidc.AuthOption{oidc.WithSIRETHint("3432937750003")}, err: oidc.ErrOption},
		{name: "siret letters", opts: []oidc.AuthOption{oidc.WithSIRETHint("3432937750003A")}, err: oidc.ErrOption},
		{name: "bad login hint", opts: []oidc.AuthOption{oidc.WithLoginHint("nobody")}, err: oidc.ErrOption},
		{name: "login hint without dotted domain", opts: []oidc.AuthOption{oidc.WithLoginHint("a@b")}, err: oidc.ErrOption},
		{name: "login hint with a name", opts: []oidc.AuthOption{oidc.WithLoginHint("Agent <a@b.fr>")}, err: oidc.ErrOption},
		{name: "login hint empty label", opts: []oidc.AuthOption{oidc.WithLoginHint("a@b..fr")}, err: oidc.ErrOption},
		{name: "login hint two ats", opts: []oidc.AuthOption{oidc.WithLoginHint("a@b@c.fr")}, err: oidc.ErrOption},
		{name: "none combined", opts: []oidc.AuthOption{oidc.WithPrompt(oidc.PromptNone, oidc.PromptLogin)}, err: oidc.ErrOption},
		{name: "unknown prompt", opts: []oidc.AuthOption{oidc.WithPrompt("select_account")}, err: oidc.ErrOption},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, f, err := c.AuthURL(ctx, tc.opts...)
			if tc.err != nil {
				wantErr(t, err, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			q := mustURL(t, raw).Query()
			for k, v := range tc.want {
				if q.Get(k) != v {
					t.Errorf("%s = %q, want %q", k, q.Get(k), v)
				}
			}
			if q.Get("state") != f.State || q.Get("nonce") != f.Nonce || len(f.State) < 43 || len(f.Nonce) < 43 || len(f.Verifier) < 43 {
				t.Errorf("state/nonce/verifier %q %q %q", f.State, f.Nonce, f.Verifier)
			}
			if tc.check != nil {
				tc.check(t, f)
			}
			// ProConnect refuses unknown parameters: the fake, like it, must
			// answer with a redirect to the app (a code or an OAuth error).
			resp, err := noFollow(fake).Get(raw)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "https://app.example/callback?") {
				t.Errorf("authorize answered %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
	_, f1, _ := c.AuthURL(ctx)
	_, f2, _ := c.AuthURL(ctx)
	if f1.State == f2.State || f1.Nonce == f2.Nonce || f1.Verifier == f2.Verifier || f1.State == f1.Nonce {
		t.Error("state, nonce or verifier repeated")
	}
	nopkce, _ := newClient(t, fake, func(c *oidc.Config) { c.InsecureDisablePKCE = true })
	if raw, f, _ := nopkce.AuthURL(ctx); strings.Contains(raw, "code_challenge") || f.Verifier != "" {
		t.Error("PKCE not disabled")
	}
}

func TestDiscoveryCache(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	c, clk := newClient(t, fake, nil)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, _, err := c.AuthURL(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := fake.Count(oidctest.PathDiscovery); n != 1 {
		t.Fatalf("%d discovery fetches for 20 concurrent calls, want 1", n)
	}
	clk.Add(9 * time.Minute)
	c.AuthURL(ctx)
	if n := fake.Count(oidctest.PathDiscovery); n != 1 {
		t.Fatalf("refetched before max-age=600: %d", n)
	}
	clk.Add(2 * time.Minute)
	c.AuthURL(ctx) // served from the cache while a background fetch refreshes it
	waitCount(t, fake, oidctest.PathDiscovery, 2)
	oidc.WaitDiscovery(c) // the refresh has landed before the clock moves on
	// ProConnect down: the last document is served for up to an hour.
	fake.SetFaults(oidctest.Faults{Down: true})
	clk.Add(11 * time.Minute)
	if _, _, err := c.AuthURL(ctx); err != nil {
		t.Fatalf("stale document not served: %v", err)
	}
	clk.Add(2 * time.Hour)
	if _, _, err := c.AuthURL(ctx); !errors.Is(err, oidc.ErrDiscovery) {
		t.Fatalf("after an hour down: %v, want ErrDiscovery", err)
	}
	fake.SetFaults(oidctest.Faults{})
	clk.Add(31 * time.Second) // past the back-off of the failed fetch
	if md, err := c.Metadata(ctx); err != nil || md.EndSessionEndpoint != fake.URL+oidctest.PathEndSession {
		t.Fatalf("recovery: %+v %v", md, err)
	}
}

func TestFlowStore(t *testing.T) {
	now := time.Now()
	s, err := oidc.NewCookieFlowStore(oidc.CookieFlowStoreConfig{Key: make([]byte, 32), MaxFlows: 2, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oidc.NewCookieFlowStore(oidc.CookieFlowStoreConfig{Key: make([]byte, 16)}); !errors.Is(err, oidc.ErrConfig) {
		t.Errorf("16-byte key: %v", err)
	}
	var jar []*http.Cookie
	save := func(state string, created int64) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, c := range jar {
			r.AddCookie(c)
		}
		w := httptest.NewRecorder()
		if err := s.Save(w, r, oidc.Flow{State: state, Nonce: "n", Created: created}); err != nil {
			t.Fatal(err)
		}
		for _, c := range w.Result().Cookies() {
			jar = slicesDeleteByName(jar, c.Name)
			if c.MaxAge > 0 {
				if !strings.HasPrefix(c.Name, "__Host-") || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge != 600 || c.Path != "/" {
					t.Errorf("cookie attributes %+v", c)
				}
				jar = append(jar, c)
			}
		}
	}
	save("one", now.Unix()-3)
	save("two", now.Unix()-2)
	save("three", now.Unix()-1)
	if len(jar) != 2 {
		t.Fatalf("%d flow cookies, want MaxFlows=2", len(jar))
	}
	take := func(state string) error {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for _, c := range jar {
			r.AddCookie(c)
		}
		_, err := s.Take(httptest.NewRecorder(), r, state)
		return err
	}
	if err := take("one"); !errors.Is(err, oidc.ErrState) {
		t.Errorf("oldest flow kept: %v", err)
	}
	if err := take("three"); err != nil {
		t.Errorf("newest flow: %v", err)
	}
	if err := take("three"); !errors.Is(err, oidc.ErrState) {
		t.Errorf("flow taken twice: %v", err)
	}
}

func slicesDeleteByName(cs []*http.Cookie, name string) []*http.Cookie {
	out := cs[:0]
	for _, c := range cs {
		if c.Name != name {
			out = append(out, c)
		}
	}
	return out
}

func TestLogoutState(t *testing.T) {
	fake := oidctest.Start(t, oidctest.Config{})
	a := newApp(t, fake, nil)
	b := newBrowser(t, a)
	b.follow(a.srv.URL+"/private/", "")
	// A login flow's state does not end a logout.
	cb := b.callbackURL(a, "/login")
	b.do(http.MethodGet, a.srv.URL+"/logged-out?state="+url.QueryEscape(mustURL(t, cb).Query().Get("state")))
	wantErr(t, a.lastErr(), oidc.ErrState)
	resp, err := b.c.PostForm(a.srv.URL+"/logout", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	b.do(http.MethodGet, a.srv.URL+"/logged-out?state=forged")
	wantErr(t, a.lastErr(), oidc.ErrState)
	if p := b.do(http.MethodGet, a.srv.URL+"/logout"); p.status != http.StatusMethodNotAllowed {
		t.Errorf("GET /logout: %d", p.status)
	}
	// Without an ID token the URL still names the client, which ProConnect needs
	// to accept post_logout_redirect_uri.
	u, _, err := a.client.LogoutURL(context.Background(), "")
	if err != nil || mustURL(t, u).Query().Get("client_id") != a.fake.ClientID() {
		t.Fatalf("LogoutURL without hint: %s %v", u, err)
	}
	if p := b.do(http.MethodGet, u); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, a.srv.URL+"/logged-out?state=") {
		t.Errorf("session/end without hint: %d %s", p.status, p.location)
	}
	if err := oidc.CheckState(oidc.Flow{State: "abc", Logout: true}, "abd", true); !errors.Is(err, oidc.ErrState) {
		t.Error(err)
	}
}

func TestStringList(t *testing.T) {
	for in, want := range map[string]string{`"a"`: "a", `["a","b"]`: "a,b", `null`: ""} {
		var l oidc.StringList
		if err := l.UnmarshalJSON([]byte(in)); err != nil || strings.Join(l, ",") != want {
			t.Errorf("%s: %q %v", in, l, err)
		}
	}
	var l oidc.StringList
	if err := l.UnmarshalJSON([]byte(`42`)); err == nil {
		t.Error("number accepted")
	}
}

// TestDefaultErrorHandler checks the default error page: never 500, never the error
// text, the provider named as ProConnect under its preset, generically otherwise.
func TestDefaultErrorHandler(t *testing.T) {
	for _, generic := range []bool{false, true} {
		fake := oidctest.Start(t, oidctest.Config{Generic: generic})
		name := "ProConnect"
		if generic {
			name = "the identity provider"
		}
		for _, tc := range []struct {
			name     string
			faults   oidctest.Faults
			want     int
			wantText string
		}{
			{"access denied", oidctest.Faults{AccessDenied: true}, http.StatusForbidden, "login refused by " + name},
			{"token endpoint down", oidctest.Faults{Down: true, Endpoints: []string{fake.Path(oidctest.PathToken)}}, http.StatusServiceUnavailable, name + " is unavailable"},
			{"discovery down", oidctest.Faults{Down: true, Endpoints: []string{fake.Path(oidctest.PathDiscovery)}}, http.StatusServiceUnavailable, name + " is unavailable"},
			{"bad signature", oidctest.Faults{BadSignature: true}, http.StatusBadRequest, "login failed"},
		} {
			t.Run(fmt.Sprintf("generic %v, %s", generic, tc.name), func(t *testing.T) {
				fake.SetFaults(tc.faults)
				defer fake.SetFaults(oidctest.Faults{})
				srv := httptest.NewUnstartedServer(nil)
				srv.StartTLS()
				defer srv.Close()
				c, _ := newClient(t, fake, func(c *oidc.Config) {
					c.RedirectURL = srv.URL + "/callback"
					if generic {
						c.ProConnect, c.AuthMethod = false, ""
					}
				})
				h, err := oidc.NewHandlers(c, oidc.HandlerConfig{FlowKey: make([]byte, 32),
					OnLogin: func(http.ResponseWriter, *http.Request, *oidc.Login) error { t.Error("logged in"); return nil }})
				if err != nil {
					t.Fatal(err)
				}
				mux := http.NewServeMux()
				mux.Handle("/login", h.Login())
				mux.Handle("/callback", h.Callback())
				srv.Config.Handler = mux
				b := &browser{t: t, c: srv.Client()}
				b.c.Jar, _ = cookiejar.New(nil)
				b.c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				p := b.follow(srv.URL+"/login", "")
				if p.status != tc.want || strings.Contains(p.body, "oidc:") || !strings.Contains(p.body, tc.wantText) {
					t.Errorf("status %d body %q, want %d and %q", p.status, p.body, tc.want, tc.wantText)
				}
			})
		}
	}
}

// waitCount waits (bounded) for the fake to have answered n requests on path.
func waitCount(t *testing.T, fake *oidctest.Server, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for fake.Count(path) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d requests on %s, want %d", fake.Count(path), path, n)
		}
		time.Sleep(time.Millisecond)
	}
}
