package app

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
	"github.com/sesame-go/sesame/session"
)

// Session entries of a login with the generic provider.
const (
	keyGenericAgent   = "generique_agent"
	keyGenericSID     = "generique_sid"
	keyGenericIDToken = "generique_id_token"
)

// generic wires a login with a generic OpenID provider (the fake, served as
// a Keycloak realm: client_secret_basic, JSON userinfo, sid) whose
// back-channel logout ends the session: HandlerConfig.Sessions is the demo's
// Manager, and with Redis the logout tokens' jti are remembered there, as
// several instances of an app would share them.
func (a *App) generic(context.Context) error {
	fake, err := oidctest.New(oidctest.Config{Generic: true, IssuerPath: "/realms/demo", Interactive: true,
		RedirectURIs: []string{a.cfg.BaseURL + "/generique/retour"}, PostLogoutRedirectURIs: []string{a.cfg.BaseURL + "/generique/deconnecte"},
		BackChannelLogoutURI: a.cfg.BaseURL + "/generique/backchannel-logout", Logger: a.cfg.Logger})
	if err != nil {
		return err
	}
	a.closers = append(a.closers, fake.Close)
	a.genericFake = fake
	cfg := oidc.Config{Issuer: fake.Issuer, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(), // client_secret_basic
		Scopes:      []string{"openid", "email", "given_name", "usual_name"},
		RedirectURL: a.cfg.BaseURL + "/generique/retour", PostLogoutRedirectURL: a.cfg.BaseURL + "/generique/deconnecte",
		InsecureAllowHTTP: true, Logger: a.cfg.Logger}
	if a.cfg.Redis != nil {
		if cfg.LogoutIDs, err = oidc.NewRedisIDStore(a.redis(2), oidc.RedisIDStoreConfig{Logger: a.cfg.Logger}); err != nil {
			return err
		}
	}
	client, err := oidc.New(cfg)
	if err != nil {
		return err
	}
	h, err := oidc.NewHandlers(client, oidc.HandlerConfig{
		FlowKey: a.flowKey, InsecureCookie: true, Logger: a.cfg.Logger,
		Sessions: a.sessions, // logins tagged by (iss, sid) and (iss, sub); back-channel logouts end them
		OnLogin: func(_ http.ResponseWriter, r *http.Request, l *oidc.Login) error {
			s := session.FromContext(r.Context())
			if err := s.Renew(); err != nil { // a new session id at every login
				return err
			}
			return errors.Join(s.Put(keyGenericAgent, l.Agent), s.Put(keyGenericSID, l.IDToken.SessionID), s.Put(keyGenericIDToken, l.IDToken.Raw))
		},
		LoggedIn: func(r *http.Request) bool {
			ok, _ := session.FromContext(r.Context()).Has(keyGenericAgent)
			return ok
		},
		OnLogout: func(_ http.ResponseWriter, r *http.Request) string {
			s := session.FromContext(r.Context())
			hint, _ := s.GetString(keyGenericIDToken)
			_ = s.Destroy()
			return hint
		},
		AfterLogout: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/generique?deconnecte=1", http.StatusSeeOther)
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { a.fail(w, r, http.StatusBadRequest, err) },
	})
	if err != nil {
		return err
	}
	a.mux.Handle("GET /generique/connexion", h.Login())
	a.mux.Handle("GET /generique/retour", h.Callback())
	a.mux.Handle("POST /generique/deconnexion", h.Logout())
	a.mux.Handle("GET /generique/deconnecte", h.LogoutCallback())
	a.mux.Handle("POST /generique/backchannel-logout", h.BackChannelLogout()) // server to server: no browser rule
	a.post("/generique/deconnexion-fournisseur", a.providerLogout)
	a.mux.HandleFunc("GET /generique", a.genericPage)
	return nil
}

// providerLogout plays the user logging out at the provider, elsewhere: the
// fake ends its session sid and posts a logout token to the demo's
// back-channel endpoint, whose answer the page then shows.
func (a *App) providerLogout(w http.ResponseWriter, r *http.Request) {
	sid, _ := session.FromContext(r.Context()).GetString(keyGenericSID)
	if sid == "" {
		http.Redirect(w, r, "/generique", http.StatusSeeOther)
		return
	}
	status, _, err := a.genericFake.LogoutSession(r.Context(), nil, sid)
	if err != nil {
		a.cfg.Logger.InfoContext(r.Context(), "demo: the fake's back-channel logout failed", "err", err)
	}
	http.Redirect(w, r, "/generique?fournisseur="+strconv.Itoa(status), http.StatusSeeOther)
}

// genericPage shows the user and the session record as stored, tags
// included, or what ended it.
func (a *App) genericPage(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	q := r.URL.Query()
	data := map[string]any{"LoggedOut": q.Get("deconnecte") == "1", "BackChannel": q.Get("fournisseur")}
	var agent oidc.Agent
	if ok, err := s.Get(keyGenericAgent, &agent); ok && err == nil {
		data["Agent"] = agent
		data["SID"], _ = s.GetString(keyGenericSID)
		data["Record"] = a.storedRecord(r)
	}
	a.render(w, r, http.StatusOK, "generique", "Fournisseur générique", data)
}
