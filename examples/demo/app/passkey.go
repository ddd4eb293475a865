package app

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"regexp"

	"github.com/sesame-go/sesame/session"
	"github.com/sesame-go/sesame/session/passkey"
)

//go:embed static/demo-passkey.js
var staticFiles embed.FS

// passkeyUsers is a UserStore that can add accounts.
type passkeyUsers interface {
	passkey.UserStore
	AddUser(ctx context.Context, u passkey.User) error
}

// userNamePattern is what a demo account name may be.
var userNamePattern = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// passkeys wires passkey sign-up, login (button and autofill) and logout.
func (a *App) passkeys(context.Context) error {
	base, err := url.Parse(a.cfg.BaseURL)
	if err != nil {
		return err
	}
	var users passkeyUsers = passkey.NewMemoryStore()
	if a.cfg.Redis != nil {
		users = passkey.NewRedisStore(a.redis(2), passkey.DefaultRedisPrefix)
	}
	pk, err := passkey.New(passkey.Config{
		RPID: base.Hostname(), RPOrigins: []string{a.cfg.BaseURL}, RPName: "Démonstration Sesame",
		Users: users, Sessions: a.sessions, Logger: a.cfg.Logger,
		// Sign-up: a visitor enrols a first passkey for a new account name;
		// nobody enrols into an existing account.
		EnrollHook: func(r *http.Request) (*passkey.User, error) {
			var req struct {
				Username string `json:"username"`
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !userNamePattern.MatchString(req.Username) {
				return nil, errors.New("a user name is 1 to 64 of a-z 0-9 . _ -")
			}
			id := make([]byte, 16)
			_, _ = rand.Read(id)
			u := passkey.User{ID: base64.RawURLEncoding.EncodeToString(id), Name: req.Username}
			if err := users.AddUser(r.Context(), u); err != nil {
				return nil, err
			}
			return &u, nil
		},
	})
	if err != nil {
		return err
	}
	a.mux.Handle("/passkey/", pk.Handler())
	a.mux.Handle("GET /static/", http.FileServerFS(staticFiles))
	a.mux.HandleFunc("GET /passkey", func(w http.ResponseWriter, r *http.Request) {
		s := session.FromContext(r.Context())
		data := map[string]any{}
		if ok, _ := s.GetBool(passkey.KeyAuthenticated); ok {
			data["User"], _ = s.GetString(passkey.KeyUserName)
		}
		a.render(w, r, http.StatusOK, "passkey", "Clés d’accès", data)
	})
	a.post("/passkey-deconnexion", func(w http.ResponseWriter, r *http.Request) {
		_ = session.FromContext(r.Context()).Destroy()
		http.Redirect(w, r, "/passkey", http.StatusSeeOther)
	})
	return nil
}
