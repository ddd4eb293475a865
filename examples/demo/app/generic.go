package app

import (
	"context"
	"net/http"
	"net/url"
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
	hc := a.loginHandlers("/generique", keyGenericAgent, keyGenericIDToken, func(s *session.Session, l *oidc.Login) error {
		return s.Put(keyGenericSID, l.IDToken.SessionID)
	})
	hc.Sessions = a.sessions // logins tagged by (iss, sid) and (iss, sub); back-channel logouts end them
	h, err := oidc.NewHandlers(client, hc)
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

// backChannelStatus reads the status the app answered the provider's logout
// token (providerLogout's redirect): 0 without one, -1 when no answer came,
// so that nothing but a status from the query reaches the page.
func backChannelStatus(q url.Values) int {
	if !q.Has("fournisseur") {
		return 0
	}
	n, err := strconv.Atoi(q.Get("fournisseur"))
	if err != nil || n < 100 || n > 599 {
		return -1
	}
	return n
}

// genericPage shows the user and the session record as stored, tags
// included, or what ended it.
func (a *App) genericPage(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	q := r.URL.Query()
	data := map[string]any{"LoggedOut": q.Get("deconnecte") == "1", "BackChannel": backChannelStatus(q)}
	var agent oidc.Agent
	if ok, err := s.Get(keyGenericAgent, &agent); ok && err == nil {
		data["Agent"] = agent
		data["SID"], _ = s.GetString(keyGenericSID)
		data["Record"] = a.storedRecord(r)
	}
	a.render(w, r, http.StatusOK, "generique", "Fournisseur générique", data)
}
