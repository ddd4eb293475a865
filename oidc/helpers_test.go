package oidc_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
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

// clock is an adjustable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// app is a small web app using the handlers, with an in-memory session per
// cookie, served over TLS so that __Host- cookies work.
type app struct {
	t        *testing.T
	fake     *oidctest.Server
	client   *oidc.Client
	handlers *oidc.Handlers
	srv      *httptest.Server
	clock    *clock

	mu       sync.Mutex
	sessions map[string]*oidc.Login
	errs     []error
	silent   int
}

// newApp starts an app against fake; tune adjusts the client config.
func newApp(t *testing.T, fake *oidctest.Server, tune func(*oidc.Config)) *app {
	t.Helper()
	a := &app{t: t, fake: fake, sessions: map[string]*oidc.Login{}, clock: &clock{t: time.Now()}}
	a.srv = httptest.NewUnstartedServer(nil)
	a.srv.StartTLS()
	t.Cleanup(a.srv.Close)
	cfg := oidc.Config{
		Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: a.srv.URL + "/callback", PostLogoutRedirectURL: a.srv.URL + "/logged-out",
		HTTPClient: fake.Client(), InsecureAllowHTTP: strings.HasPrefix(fake.URL, "http:"),
		Now: a.clock.Now,
	}
	if tune != nil {
		tune(&cfg)
	}
	c, err := oidc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h, err := oidc.NewHandlers(c, oidc.HandlerConfig{
		FlowKey:  key,
		OnLogin:  a.onLogin,
		LoggedIn: func(r *http.Request) bool { return a.session(r) != nil },
		OnLogout: func(w http.ResponseWriter, r *http.Request) string {
			l := a.session(r)
			http.SetCookie(w, &http.Cookie{Name: "app", Path: "/", MaxAge: -1})
			if l == nil {
				return ""
			}
			return l.IDToken.Raw
		},
		OnSilentLoginFailed: func(w http.ResponseWriter, r *http.Request, to string) {
			a.mu.Lock()
			a.silent++
			a.mu.Unlock()
			http.Redirect(w, r, to, http.StatusSeeOther)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			a.mu.Lock()
			a.errs = append(a.errs, err)
			a.mu.Unlock()
			http.Error(w, "login failed", http.StatusBadRequest)
		},
		AuthOptions: func(r *http.Request) []oidc.AuthOption {
			if r.URL.Query().Get("silent") == "1" {
				return []oidc.AuthOption{oidc.WithPrompt(oidc.PromptNone)}
			}
			return nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.client, a.handlers = c, h
	mux := http.NewServeMux()
	mux.Handle("/login", h.Login())
	mux.Handle("/callback", h.Callback())
	mux.Handle("/logout", h.Logout())
	mux.Handle("/logged-out", h.LogoutCallback())
	mux.Handle("/private/", h.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l := a.session(r)
		fmt.Fprintf(w, "hello %s %s", l.Agent.UsualName, l.Agent.SIRET)
	})))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") })
	a.srv.Config.Handler = mux
	return a
}

func (a *app) onLogin(w http.ResponseWriter, r *http.Request, l *oidc.Login) error {
	id := rand.Text()
	a.mu.Lock()
	a.sessions[id] = l
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: "app", Value: id, Path: "/", HttpOnly: true, Secure: true})
	return nil
}

func (a *app) session(r *http.Request) *oidc.Login {
	c, err := r.Cookie("app")
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[c.Value]
}

// lastErr returns the last error ErrorHandler received.
func (a *app) lastErr() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.errs) == 0 {
		return nil
	}
	return a.errs[len(a.errs)-1]
}

// loggedIn reports whether any login reached OnLogin.
func (a *app) loggedIn() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.sessions) > 0
}

// browser is a cookie-keeping HTTP client that stops at every redirect.
type browser struct {
	t *testing.T
	c *http.Client
}

func newBrowser(t *testing.T, a *app) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := a.srv.Client() // trusts httptest's certificate, used by the fake too
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{t: t, c: c}
}

// page is one response, body read.
type page struct {
	status   int
	location string
	body     string
}

func (b *browser) do(method, u string) page {
	b.t.Helper()
	req, err := http.NewRequest(method, u, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc := resp.Header.Get("Location")
	if loc != "" {
		ref, _ := url.Parse(u)
		l, _ := ref.Parse(loc)
		loc = l.String()
	}
	return page{resp.StatusCode, loc, string(body)}
}

// follow GETs u and follows redirects until a non-redirect answer or a URL
// starting with stop (returned unvisited as location).
func (b *browser) follow(u, stop string) page {
	b.t.Helper()
	for range 10 {
		if stop != "" && strings.HasPrefix(u, stop) {
			return page{status: http.StatusSeeOther, location: u}
		}
		p := b.do(http.MethodGet, u)
		if p.location == "" {
			return p
		}
		u = p.location
	}
	b.t.Fatalf("too many redirects at %s", u)
	return page{}
}

// callbackURL runs a login up to (not including) the callback and returns the
// callback URL ProConnect redirected to.
func (b *browser) callbackURL(a *app, path string) string {
	b.t.Helper()
	p := b.follow(a.srv.URL+path, a.srv.URL+"/callback")
	if p.location == "" {
		b.t.Fatalf("login did not reach the callback: %d %q", p.status, p.body)
	}
	return p.location
}

// wantErr checks err wraps every target.
func wantErr(t *testing.T, err error, targets ...error) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", targets)
	}
	for _, target := range targets {
		if !errors.Is(err, target) {
			t.Errorf("error %q does not wrap %q", err, target)
		}
	}
}

func errorsAs(err error, target any) bool { return err != nil && errors.As(err, target) }

// silentCount returns how many silent logins failed.
func (a *app) silentCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.silent
}
