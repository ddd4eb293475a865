// Package app is the passkey example's web app: sign up with a passkey, log
// in with it (autofill, discoverable or username-first), add another passkey,
// log out. Users and sessions are in memory unless given. Every handler that
// changes state refuses a request from another origin: the ceremonies and
// sign-up take same-origin JSON, logout a same-origin form POST.
package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"regexp"

	"github.com/sesame-go/sesame/session"
	"github.com/sesame-go/sesame/session/passkey"
)

// Users is a passkey.UserStore that can add accounts (passkey.MemoryStore,
// passkey.RedisStore).
type Users interface {
	passkey.UserStore
	// AddUser adds an account; passkey.ErrDuplicate when taken.
	AddUser(ctx context.Context, u passkey.User) error
}

// Config configures the app.
type Config struct {
	// RPID is the relying party id: the host name ("localhost").
	RPID string
	// Origin is the app's origin as the browser sees it ("http://localhost:8080").
	Origin string
	// Users keeps the accounts; default a passkey.MemoryStore.
	Users Users
	// Sessions keeps the sessions; default a session.MemoryStore.
	Sessions session.AtomicStore
	// InsecureCookie drops Secure from the session cookie, for plain-HTTP
	// localhost only.
	InsecureCookie bool
}

var namePattern = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// New returns the app's handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.Users == nil {
		cfg.Users = passkey.NewMemoryStore()
	}
	if cfg.Sessions == nil {
		cfg.Sessions = session.NewMemoryStore(nil)
	}
	sessions, err := session.NewManager(cfg.Sessions, session.Config{CookieName: "passkey.aiohttp", InsecureCookie: cfg.InsecureCookie})
	if err != nil {
		return nil, err
	}
	users := cfg.Users
	pk, err := passkey.New(passkey.Config{
		RPID: cfg.RPID, RPOrigins: []string{cfg.Origin}, RPName: "Sesame passkey example",
		Users: users, Sessions: sessions,
		// Sign-up: a visitor enrols a first passkey for a new account name.
		EnrollHook: func(r *http.Request) (*passkey.User, error) {
			var req struct {
				Username string `json:"username"`
			}
			if err := json.NewDecoder(r.Body).Decode(&req); err != nil || !namePattern.MatchString(req.Username) {
				return nil, errors.New("a user name is 1 to 64 of a-z 0-9 . _ -")
			}
			id := make([]byte, 16)
			_, _ = rand.Read(id)
			u := passkey.User{ID: base64.RawURLEncoding.EncodeToString(id), Name: req.Username}
			if err := users.AddUser(r.Context(), u); err != nil {
				return nil, err // taken: nobody enrols into an existing account
			}
			return &u, nil
		},
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/passkey/", pk.Handler())
	mux.HandleFunc("GET /{$}", home)
	// Logout is a form POST from this origin only (the ceremonies above, sign-up
	// included, take same-origin JSON only): no other page can log a user out.
	mux.Handle("POST /logout", sessions.Protect(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.FromContext(r.Context()).Destroy()
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})))
	return sessions.Middleware(mux), nil
}

var page = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sesame passkeys</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>Sesame passkeys</h1>
{{if .User}}
<p>Logged in as <b id="user">{{.User}}</b>.</p>
<button id="add" type="button">Add a passkey</button>
<form method="post" action="/logout"><button id="logout">Log out</button></form>
{{else}}
<p id="anonymous">Not logged in.</p>
<label>User name <input id="username" name="username" autocomplete="username webauthn"></label>
<button id="login" type="button">Log in with a passkey</button>
<button id="signup" type="button">Sign up with a passkey</button>
{{end}}
<p id="status" role="status"></p>
<script type="module">
import { supported, register, login, autofill } from "/passkey/passkey.js";
const status = document.getElementById("status");
const show = (msg) => { status.textContent = msg; };
const done = () => location.assign("/");
const on = (id, f) => { const el = document.getElementById(id); if (el) el.addEventListener("click", () => f().catch((e) => show(e.message))); };
if (!supported()) {
  show("This browser does not support passkeys (WebAuthn): use an up-to-date browser on a secure page.");
} else {
  const name = document.getElementById("username");
  // Passkey autofill once the user name field is focused.
  if (name) name.addEventListener("focus", () => autofill(name).then((r) => { if (r) done(); }).catch((e) => show(e.message)), { once: true });
  on("login", async () => { await login(name.value.trim()); done(); });
  on("signup", async () => { await register({ username: name.value.trim() }); show("Passkey created for " + name.value.trim() + ". Log in with it."); });
  on("add", async () => { await register({}); show("Passkey added."); });
}
</script>
</body></html>
`))

func home(w http.ResponseWriter, r *http.Request) {
	s := session.FromContext(r.Context())
	var data struct{ User string }
	if ok, _ := s.GetBool(passkey.KeyAuthenticated); ok {
		data.User, _ = s.GetString(passkey.KeyUserName)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = page.Execute(w, data)
}
