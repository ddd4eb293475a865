// Package app is the web app of the ProConnect example, importable so that the
// end-to-end browser test runs it in-process: a home page, a protected page
// showing the agent's name and SIRET, and ProConnect login and logout through
// oidc.Handlers, with a minimal in-memory session.
package app

import (
	"crypto/rand"
	"html/template"
	"net/http"
	"sync"

	"github.com/sesame-go/sesame/oidc"
)

// Config configures the app.
type Config struct {
	// Client is the ProConnect client; its RedirectURL must end in /auth/callback
	// and its PostLogoutRedirectURL in /auth/logged-out.
	Client *oidc.Client
	// FlowKey is the 32-byte key of the login flow cookies.
	FlowKey []byte
	// InsecureCookie allows plain http on localhost (no Secure, no __Host-).
	InsecureCookie bool
}

// App is the example's http.Handler.
type App struct {
	mux      *http.ServeMux
	cookie   string
	insecure bool

	mu       sync.Mutex
	sessions map[string]*oidc.Login // in memory: use Sesame's session package in a real app
}

// New wires the routes.
func New(cfg Config) (*App, error) {
	a := &App{mux: http.NewServeMux(), cookie: "__Host-example", insecure: cfg.InsecureCookie, sessions: map[string]*oidc.Login{}}
	if cfg.InsecureCookie {
		a.cookie = "example"
	}
	h, err := oidc.NewHandlers(cfg.Client, oidc.HandlerConfig{
		FlowKey: cfg.FlowKey, InsecureCookie: cfg.InsecureCookie,
		OnLogin: a.onLogin, LoggedIn: func(r *http.Request) bool { return a.session(r) != nil },
		OnLogout: a.onLogout,
	})
	if err != nil {
		return nil, err
	}
	a.mux.Handle("GET /auth/login", h.Login())
	a.mux.Handle("GET /auth/callback", h.Callback())
	a.mux.Handle("POST /auth/logout", h.Logout())
	a.mux.Handle("GET /auth/logged-out", h.LogoutCallback())
	a.mux.Handle("GET /private/", h.RequireLogin(http.HandlerFunc(a.private)))
	a.mux.HandleFunc("GET /{$}", a.home)
	return a, nil
}

// ServeHTTP serves the app.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self' *")
	a.mux.ServeHTTP(w, r)
}

// page is the one template: the agent when logged in, a login link otherwise.
const page = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{.Title}}</title></head><body>
<h1>{{.Title}}</h1>
{{with .Login}}<p id="agent">{{.Agent.GivenName}} <span id="usual_name">{{.Agent.UsualName}}</span>,
SIRET <span id="siret">{{.Agent.SIRET}}</span></p>
<form method="post" action="/auth/logout"><button id="logout" type="submit">Se déconnecter</button></form>
{{else}}<p id="anonymous">Non connecté.</p>
<p><a id="login" href="/auth/login?return_to=/private/">S’identifier avec ProConnect</a></p>{{end}}
</body></html>`

func (a *App) render(w http.ResponseWriter, title string, l *oidc.Login) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	t := template.Must(template.New("page").Parse(page)) // a constant: cannot fail
	_ = t.Execute(w, struct {
		Title string
		Login *oidc.Login
	}{title, l})
}

func (a *App) home(w http.ResponseWriter, r *http.Request) { a.render(w, "Accueil", a.session(r)) }

func (a *App) private(w http.ResponseWriter, r *http.Request) {
	a.render(w, "Espace agent", a.session(r))
}

// onLogin starts a session for the verified agent under a fresh id, ending the
// session the browser had before (if any): a session id known before the login
// is never valid after it.
func (a *App) onLogin(w http.ResponseWriter, r *http.Request, l *oidc.Login) error {
	id := rand.Text()
	a.mu.Lock()
	if c, err := r.Cookie(a.cookie); err == nil {
		delete(a.sessions, c.Value)
	}
	a.sessions[id] = l
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: a.cookie, Value: id, Path: "/", HttpOnly: true, Secure: !a.insecure, SameSite: http.SameSiteLaxMode})
	return nil
}

// onLogout ends the session and returns its ID token for id_token_hint.
func (a *App) onLogout(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(a.cookie)
	if err != nil {
		return ""
	}
	a.mu.Lock()
	l := a.sessions[c.Value]
	delete(a.sessions, c.Value)
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: a.cookie, Path: "/", MaxAge: -1, HttpOnly: true, Secure: !a.insecure})
	if l == nil {
		return ""
	}
	return l.IDToken.Raw
}

func (a *App) session(r *http.Request) *oidc.Login {
	c, err := r.Cookie(a.cookie)
	if err != nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.sessions[c.Value]
}
