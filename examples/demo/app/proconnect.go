package app

import (
	"context"
	"errors"
	"net/http"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
	"github.com/sesame-go/sesame/session"
)

// Session entries of a ProConnect login.
const (
	keyAgent   = "agent"
	keyIDToken = "id_token"
	keyACR     = "acr"
)

// proconnect wires the ProConnect login against the fake, with the session.
func (a *App) proconnect(context.Context) error {
	fake, err := oidctest.New(oidctest.Config{Interactive: true,
		RedirectURIs: []string{a.cfg.BaseURL + "/auth/callback"}, PostLogoutRedirectURIs: []string{a.cfg.BaseURL + "/auth/logged-out"}})
	if err != nil {
		return err
	}
	a.closers = append(a.closers, fake.Close)
	client, err := oidc.New(oidc.Config{Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: a.cfg.BaseURL + "/auth/callback", PostLogoutRedirectURL: a.cfg.BaseURL + "/auth/logged-out",
		InsecureAllowHTTP: true, ACR: nil, Logger: a.cfg.Logger})
	if err != nil {
		return err
	}
	h, err := oidc.NewHandlers(client, a.loginHandlers("/proconnect", keyAgent, keyIDToken, func(s *session.Session, l *oidc.Login) error {
		return s.Put(keyACR, l.IDToken.ACR)
	}))
	if err != nil {
		return err
	}
	a.mux.Handle("GET /auth/login", h.Login())
	a.mux.Handle("GET /auth/callback", h.Callback())
	a.mux.Handle("POST /auth/logout", h.Logout())
	a.mux.Handle("GET /auth/logged-out", h.LogoutCallback())
	a.mux.HandleFunc("GET /proconnect", a.proconnectPage)
	return nil
}

// proconnectPage shows the agent, the acr and the session record as stored.
func (a *App) proconnectPage(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	data := map[string]any{"LoggedOut": r.URL.Query().Get("deconnecte") == "1"}
	var agent oidc.Agent
	if ok, err := s.Get(keyAgent, &agent); ok && err == nil {
		data["Agent"] = agent
		data["ACR"], _ = s.GetString(keyACR)
		data["Record"] = a.storedRecord(r)
	}
	a.render(w, r, http.StatusOK, "proconnect", "ProConnect", data)
}

// loginHandlers is the HandlerConfig of a demo login whose page is page: a
// login renews the session and stores the agent under agentKey, the raw ID
// token under idTokenKey and what put adds; a logout destroys the session,
// then returns to page?deconnecte=1.
func (a *App) loginHandlers(page, agentKey, idTokenKey string, put func(*session.Session, *oidc.Login) error) oidc.HandlerConfig {
	return oidc.HandlerConfig{
		FlowKey: a.flowKey, InsecureCookie: true, Logger: a.cfg.Logger,
		OnLogin: func(_ http.ResponseWriter, r *http.Request, l *oidc.Login) error {
			s := session.FromContext(r.Context())
			if err := s.Renew(); err != nil { // a new session id at every login
				return err
			}
			return errors.Join(s.Put(agentKey, l.Agent), s.Put(idTokenKey, l.IDToken.Raw), put(s, l))
		},
		LoggedIn: func(r *http.Request) bool {
			ok, _ := session.FromContext(r.Context()).Has(agentKey)
			return ok
		},
		OnLogout: func(_ http.ResponseWriter, r *http.Request) string {
			s := session.FromContext(r.Context())
			hint, _ := s.GetString(idTokenKey)
			_ = s.Destroy()
			return hint
		},
		AfterLogout: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, page+"?deconnecte=1", http.StatusSeeOther)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			a.fail(w, r, http.StatusBadRequest, err)
		},
	}
}

// storedRecord returns the session record exactly as the store holds it.
func (a *App) storedRecord(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	raw, found, err := a.store.Load(r.Context(), sessionCookie+"_"+c.Value)
	if err != nil || !found {
		return ""
	}
	return string(raw)
}
