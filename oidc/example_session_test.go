package oidc_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
	"github.com/sesame-go/sesame/session"
)

// The whole wiring of a ProConnect login with Sesame's sessions: login renews
// the session id and stores the agent; logout destroys the session, then goes
// through ProConnect's session/end.
func ExampleNewHandlers_session() {
	fake, _ := oidctest.New(oidctest.Config{}) // in production: oidc.Config{Host: oidc.Production}
	defer fake.Close()
	app := httptest.NewServer(nil)
	defer app.Close()

	client, _ := oidc.New(oidc.Config{Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: app.URL + "/auth/callback", PostLogoutRedirectURL: app.URL + "/auth/logged-out",
		InsecureAllowHTTP: true}) // the fake and the app run over plain http here
	sessions, _ := session.NewManager(session.NewMemoryStore(nil), session.Config{InsecureCookie: true})
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	h, _ := oidc.NewHandlers(client, oidc.HandlerConfig{FlowKey: key, InsecureCookie: true,
		OnLogin: func(w http.ResponseWriter, r *http.Request, l *oidc.Login) error {
			s := session.FromContext(r.Context())
			if err := s.Renew(); err != nil { // a new id at every login
				return err
			}
			return errors.Join(s.Put("agent", l.Agent), s.Put("id_token", l.IDToken.Raw))
		},
		LoggedIn: func(r *http.Request) bool { ok, _ := session.FromContext(r.Context()).Has("agent"); return ok },
		OnLogout: func(w http.ResponseWriter, r *http.Request) string {
			s := session.FromContext(r.Context())
			hint, _ := s.GetString("id_token")
			_ = s.Destroy()
			return hint
		},
	})
	mux := http.NewServeMux()
	mux.Handle("GET /auth/login", h.Login())
	mux.Handle("GET /auth/callback", h.Callback())
	mux.Handle("POST /auth/logout", h.Logout())
	mux.Handle("GET /auth/logged-out", h.LogoutCallback())
	mux.Handle("GET /private", h.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var a oidc.Agent
		_, _ = session.FromContext(r.Context()).Get("agent", &a)
		fmt.Fprintf(w, "hello %s %s", a.GivenName, a.UsualName)
	})))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "home") })
	app.Config.Handler = sessions.Middleware(mux)

	// A browser: it is sent to ProConnect, logs in, and comes back.
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	show := func(resp *http.Response) {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Println(resp.Request.URL.Path, string(body))
	}
	resp, _ := browser.Get(app.URL + "/private")
	show(resp)
	resp, _ = browser.PostForm(app.URL+"/auth/logout", nil) // a form POST, through ProConnect's session/end
	show(resp)
	fmt.Println("session/end calls:", fake.Count(oidctest.PathEndSession))
	// Output:
	// /private hello Angela Claire Louise DUBOIS
	// / home
	// session/end calls: 1
}
