package oidc_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
	"github.com/sesame-go/sesame/session"
)

// A generic provider (here the fake, as a Keycloak realm) whose back-channel
// logout ends the app's session: HandlerConfig.Sessions tags each login's
// session, and BackChannelLogout ends the sessions a logout token names. With
// several instances of the app, give them one Redis: session.NewRedisStore for
// the sessions and their index, oidc.NewRedisIDStore as Config.LogoutIDs.
func ExampleHandlers_BackChannelLogout() {
	app := httptest.NewServer(nil)
	defer app.Close()
	fake, _ := oidctest.New(oidctest.Config{Generic: true, IssuerPath: "/realms/staff",
		BackChannelLogoutURI: app.URL + "/auth/backchannel-logout"}) // the client's registered URI
	defer fake.Close()

	client, _ := oidc.New(oidc.Config{Issuer: fake.Issuer, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: app.URL + "/auth/callback", InsecureAllowHTTP: true}) // client_secret_basic; plain http for the example
	sessions, _ := session.NewManager(session.NewMemoryStore(nil), session.Config{InsecureCookie: true})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h, _ := oidc.NewHandlers(client, oidc.HandlerConfig{FlowKey: key, InsecureCookie: true,
		Sessions: sessions,
		OnLogin: func(w http.ResponseWriter, r *http.Request, l *oidc.Login) error {
			s := session.FromContext(r.Context())
			if err := s.Renew(); err != nil {
				return err
			}
			return s.Put("sub", l.IDToken.Subject)
		},
	})
	mux := http.NewServeMux()
	mux.Handle("GET /auth/login", h.Login())
	mux.Handle("GET /auth/callback", h.Callback())
	mux.Handle("POST /auth/backchannel-logout", h.BackChannelLogout())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		ok, _ := session.FromContext(r.Context()).Has("sub")
		fmt.Fprintf(w, "logged in: %v", ok)
	})
	app.Config.Handler = sessions.Middleware(mux)

	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	show := func(u string) {
		resp, _ := browser.Get(u)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(string(body))
	}
	show(app.URL + "/auth/login") // to the provider and back to "/"
	// The user logs out at the provider: it posts a logout token to the app.
	status, _, _ := fake.LogoutSession(context.Background(), nil, fake.LastSessionID())
	fmt.Println("back-channel logout:", status)
	show(app.URL + "/")
	// Output:
	// logged in: true
	// back-channel logout: 200
	// logged in: false
}
