package e2e

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/session"
)

// Session entries of the lifecycle app.
const (
	opKeyUser    = "userId"   // the ID token's sub
	opKeyEmail   = "email"    // from userinfo (plain JSON at oidc-provider)
	opKeyIDToken = "id_token" // the verified ID token (its exported fields)
	opKeyTokens  = "tokens"   // the token endpoint's answer, for refresh
)

// opAppConfig configures one instance of the lifecycle app.
type opAppConfig struct {
	ClientID     string
	ClientSecret string
	AuthMethod   oidc.AuthMethod
	PrivateKey   crypto.Signer
	PrivateKeyID string
	UsePAR       bool
	Scopes       []string
	// Store keeps the sessions; instances of one app share it.
	Store session.AtomicStore
	// FlowKey seals the login flow cookies; instances of one app share it.
	FlowKey []byte
	// LogoutIDs remembers the logout tokens' jti; instances of one app
	// share it (a RedisIDStore). Default: each instance's memory.
	LogoutIDs oidc.IDStore
}

// opApp is one instance of the lifecycle app: a Sesame login with the
// provider, sessions in Config.Store, and a JSON page of the session (/me).
type opApp struct {
	URL    string
	Client *oidc.Client
	srv    *httptest.Server
}

// newOPAppServer reserves an instance's address: the provider's registration
// names its URLs before the app can be built.
func newOPAppServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	t.Cleanup(srv.Close)
	return srv
}

func opAppURL(srv *httptest.Server) string { return "http://" + srv.Listener.Addr().String() }

// start builds the app on srv against the provider and serves it.
func (cfg opAppConfig) start(t *testing.T, p *op, srv *httptest.Server) *opApp {
	t.Helper()
	base := opAppURL(srv)
	client, err := oidc.New(oidc.Config{
		Issuer: p.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		AuthMethod: cfg.AuthMethod, PrivateKey: cfg.PrivateKey, PrivateKeyID: cfg.PrivateKeyID,
		UsePAR: cfg.UsePAR, Scopes: cfg.Scopes, LogoutIDs: cfg.LogoutIDs,
		RedirectURL: base + "/auth/callback", PostLogoutRedirectURL: base + "/auth/logged-out",
		InsecureAllowHTTP: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	// One cookie name per app: cookies ignore ports, and every app of these
	// tests is on 127.0.0.1.
	sessions, err := session.NewManager(cfg.Store, session.Config{CookieName: "session-" + cfg.ClientID, InsecureCookie: true})
	if err != nil {
		t.Fatal(err)
	}
	// Sessions: each login's session is tagged with its provider session and
	// user, and back-channel logout ends the sessions a token names.
	h, err := oidc.NewHandlers(client, oidc.HandlerConfig{
		FlowKey: cfg.FlowKey, InsecureCookie: true, Sessions: sessions,
		OnLogin: opOnLogin, LoggedIn: opLoggedIn, OnLogout: opOnLogout,
		Logger: slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	a := &opApp{URL: base, Client: client, srv: srv}
	mux := http.NewServeMux()
	mux.Handle("GET /auth/login", h.Login())
	mux.Handle("GET /auth/callback", h.Callback())
	mux.Handle("POST /auth/logout", h.Logout())
	mux.Handle("GET /auth/logged-out", h.LogoutCallback())
	mux.Handle("POST /auth/backchannel-logout", h.BackChannelLogout())
	mux.Handle("GET /me", h.RequireLogin(http.HandlerFunc(opMe)))
	mux.HandleFunc("POST /refresh", a.refresh)
	mux.HandleFunc("GET /bye", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!doctype html><form method="post" action="/auth/logout"><button id="logout">Se déconnecter</button></form>`)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]bool{"logged_in": opLoggedIn(r)})
	})
	srv.Config.Handler = sessions.Middleware(mux)
	srv.Start()
	return a
}

// opRegistration is the provider's registration of an app whose instances
// serve at bases: every instance's callback and logout return, and the
// back-channel URI of the first (the provider knows one).
func opRegistration(id, secret string, method oidc.AuthMethod, bases ...string) map[string]any {
	reg := map[string]any{
		"client_id":                           id,
		"token_endpoint_auth_method":          string(method),
		"grant_types":                         []string{"authorization_code", "refresh_token"},
		"response_types":                      []string{"code"},
		"backchannel_logout_uri":              bases[0] + "/auth/backchannel-logout",
		"backchannel_logout_session_required": true,
		"require_auth_time":                   true,
	}
	if secret != "" {
		reg["client_secret"] = secret
	}
	var redirects, logouts []string
	for _, b := range bases {
		redirects = append(redirects, b+"/auth/callback")
		logouts = append(logouts, b+"/auth/logged-out")
	}
	reg["redirect_uris"], reg["post_logout_redirect_uris"] = redirects, logouts
	return reg
}

// opOnLogin renews the session id and keeps the login.
func opOnLogin(_ http.ResponseWriter, r *http.Request, l *oidc.Login) error {
	s := session.FromContext(r.Context())
	if err := s.Renew(); err != nil {
		return err
	}
	return errors.Join(s.Put(opKeyUser, l.IDToken.Subject), s.Put(opKeyEmail, l.Agent.Email),
		s.Put(opKeyIDToken, l.IDToken), s.Put(opKeyTokens, l.Tokens))
}

func opLoggedIn(r *http.Request) bool {
	ok, err := session.FromContext(r.Context()).Has(opKeyUser)
	return ok && err == nil
}

func opOnLogout(_ http.ResponseWriter, r *http.Request) string {
	s := session.FromContext(r.Context())
	var idt oidc.IDToken
	_, _ = s.Get(opKeyIDToken, &idt)
	_ = s.Destroy()
	return idt.Raw
}

// opMe answers the session's login as JSON.
func opMe(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	var idt oidc.IDToken
	email, _ := s.GetString(opKeyEmail)
	_, _ = s.Get(opKeyIDToken, &idt)
	writeJSON(w, map[string]any{"sub": idt.Subject, "email": email, "sid": idt.SessionID, "auth_time": idt.AuthTime.Unix()})
}

// refresh renews the session's tokens and answers the old and new refresh
// tokens, so that the test can replay the old one.
func (a *opApp) refresh(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	var (
		idt    oidc.IDToken
		tokens oidc.Tokens
	)
	if ok, err := s.Get(opKeyTokens, &tokens); !ok || err != nil {
		http.Error(w, "not logged in", http.StatusUnauthorized)
		return
	}
	_, _ = s.Get(opKeyIDToken, &idt)
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	next, err := a.Client.Refresh(ctx, tokens.RefreshToken, &idt)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if err := errors.Join(s.Put(opKeyTokens, next), s.Put(opKeyIDToken, next.IDToken)); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	writeJSON(w, map[string]any{
		"old_refresh_token": tokens.RefreshToken, "refresh_token": next.RefreshToken,
		"old_access_token": tokens.AccessToken, "access_token": next.AccessToken,
		// A refreshed ID token, verified (it may equal the login's byte for
		// byte: same claims in the same second, RS256 is deterministic).
		"sub": next.IDToken.Subject, "new_id_token": next.UnverifiedIDToken != "" && next.IDToken.Raw == next.UnverifiedIDToken,
	})
}

// testWriter sends the app's logs to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(v)
}
