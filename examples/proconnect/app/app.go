// Package app is the web app of the ProConnect example, importable so that the
// end-to-end browser test runs it in-process: a home page, a protected page
// showing the agent's name and SIRET, and ProConnect login and logout through
// oidc.Handlers, with the logged-in state in a session.Manager.
package app

import (
	"errors"
	"html/template"
	"net/http"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/session"
)

// Session entries of a logged-in agent.
const (
	keyAgent   = "agent"    // the verified userinfo (oidc.Agent)
	keyIDToken = "id_token" // the raw ID token, for id_token_hint at logout
	keyACR     = "acr"
)

// Config configures the app.
type Config struct {
	// Client is the ProConnect client; its RedirectURL must end in /auth/callback
	// and its PostLogoutRedirectURL in /auth/logged-out.
	Client *oidc.Client
	// FlowKey is the 32-byte key of the login flow cookies.
	FlowKey []byte
	// Sessions keeps the sessions; default an in-memory store (use a
	// session.RedisStore to share sessions between instances).
	Sessions session.AtomicStore
	// InsecureCookie allows plain http on localhost (no Secure, no __Host-).
	InsecureCookie bool
}

// App is the example's http.Handler.
type App struct {
	handler http.Handler
	page    *template.Template
}

// CookieName is the session cookie (without __Host- over plain http).
const CookieName = "__Host-example"

// New wires the routes.
func New(cfg Config) (*App, error) {
	store := cfg.Sessions
	if store == nil {
		store = session.NewMemoryStore(nil)
	}
	name := CookieName
	if cfg.InsecureCookie {
		name = "example"
	}
	sessions, err := session.NewManager(store, session.Config{CookieName: name, InsecureCookie: cfg.InsecureCookie})
	if err != nil {
		return nil, err
	}
	h, err := oidc.NewHandlers(cfg.Client, oidc.HandlerConfig{
		FlowKey: cfg.FlowKey, InsecureCookie: cfg.InsecureCookie,
		OnLogin: onLogin, LoggedIn: loggedIn, OnLogout: onLogout,
	})
	if err != nil {
		return nil, err
	}
	a := &App{page: template.Must(template.New("page").Parse(page))} // a constant: cannot fail
	mux := http.NewServeMux()
	mux.Handle("GET /auth/login", h.Login())
	mux.Handle("GET /auth/callback", h.Callback())
	mux.Handle("POST /auth/logout", h.Logout())
	mux.Handle("GET /auth/logged-out", h.LogoutCallback())
	mux.Handle("GET /private/", h.RequireLogin(http.HandlerFunc(a.private)))
	mux.HandleFunc("GET /{$}", a.home)
	a.handler = sessions.Middleware(mux)
	return a, nil
}

// ServeHTTP serves the app.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'none'; form-action 'self' *")
	a.handler.ServeHTTP(w, r)
}

// onLogin renews the session id (an id known before the login is never valid
// after it) and stores the verified agent.
func onLogin(_ http.ResponseWriter, r *http.Request, l *oidc.Login) error {
	s := session.FromContext(r.Context())
	if err := s.Renew(); err != nil {
		return err
	}
	return errors.Join(s.Put(keyAgent, l.Agent), s.Put(keyIDToken, l.IDToken.Raw), s.Put(keyACR, l.IDToken.ACR))
}

// loggedIn reports whether the session holds an agent.
func loggedIn(r *http.Request) bool {
	ok, err := session.FromContext(r.Context()).Has(keyAgent)
	return ok && err == nil
}

// onLogout destroys the session and returns its ID token for id_token_hint;
// the handler then redirects to ProConnect's session/end.
func onLogout(_ http.ResponseWriter, r *http.Request) string {
	s := session.FromContext(r.Context())
	hint, _ := s.GetString(keyIDToken)
	_ = s.Destroy() // a failure to save reaches the session ErrorHandler (503)
	return hint
}

// page is the one template: the agent when logged in, a login link otherwise.
const page = `<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>{{.Title}}</title></head><body>
<h1>{{.Title}}</h1>
{{with .Agent}}<p id="agent">{{.GivenName}} <span id="usual_name">{{.UsualName}}</span>,
SIRET <span id="siret">{{.SIRET}}</span>, acr <span id="acr">{{$.ACR}}</span></p>
<form method="post" action="/auth/logout"><button id="logout" type="submit">Se déconnecter</button></form>
{{else}}<p id="anonymous">Non connecté.</p>
<p><a id="login" href="/auth/login?return_to=/private/">S’identifier avec ProConnect</a></p>{{end}}
</body></html>`

func (a *App) render(w http.ResponseWriter, r *http.Request, title string) {
	data := struct {
		Title string
		Agent *oidc.Agent
		ACR   string
	}{Title: title}
	s := session.FromContext(r.Context())
	var agent oidc.Agent
	if ok, err := s.Get(keyAgent, &agent); ok && err == nil {
		data.Agent = &agent
		data.ACR, _ = s.GetString(keyACR)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = a.page.Execute(w, data)
}

func (a *App) home(w http.ResponseWriter, r *http.Request)    { a.render(w, r, "Accueil") }
func (a *App) private(w http.ResponseWriter, r *http.Request) { a.render(w, r, "Espace agent") }
