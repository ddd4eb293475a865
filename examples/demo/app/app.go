// Package app is Sesame's demo web app, importable so that the end-to-end
// browser test runs it in-process. It starts the fakes (ProConnect, a generic
// OpenID provider, BeSwarm, Google CSE) in-process and shows every package
// working: a ProConnect login with the session record as stored, a login with
// a generic provider that its back-channel logout ends, a Bearer API
// playground, a BeSwarm login with its rights, a Google CSE key service with
// its audit records, and the MilleGrilles certificate and hosting-token
// caches. Every page is plain server-rendered HTML in French, with no
// external asset.
package app

import (
	"context"
	"crypto/rand"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/sesame-go/sesame/oidc/oidctest"
	"github.com/sesame-go/sesame/session"
)

// Config configures the demo.
type Config struct {
	// BaseURL is the demo's one origin, e.g. "http://localhost:8080" (passkeys
	// need a host name: an IP address cannot be a WebAuthn relying party id).
	BaseURL string
	// Redis, when set, keeps sessions in DB 2, certificates in DB 0 and
	// hosting tokens in DB 3, as MilleGrilles does; nil keeps everything in
	// memory.
	Redis *redis.Options
	// Logger receives one line per request and the audit records; nil discards.
	Logger *slog.Logger
}

// App is the demo's http.Handler. Close stops its fakes.
type App struct {
	cfg      Config
	pages    *template.Template
	mux      *http.ServeMux
	handler  http.Handler
	sessions *session.Manager
	store    session.AtomicStore
	flowKey  []byte // seals the login flows of both OpenID providers
	closers  []func()

	genericFake *oidctest.Server // the generic provider, which sends logout tokens
}

// sessionCookie names the demo's session cookie.
const sessionCookie = "sesame_demo"

// New starts the fakes and wires every part of the demo.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	a := &App{cfg: cfg, mux: http.NewServeMux(), pages: parsePages(), flowKey: randomKey(32)}
	a.store = session.NewMemoryStore(nil)
	if cfg.Redis != nil {
		a.store = session.NewRedisStore(a.redis(2))
	}
	var err error
	a.sessions, err = session.NewManager(a.store, session.Config{CookieName: sessionCookie, InsecureCookie: true, Logger: cfg.Logger})
	if err != nil {
		return nil, err
	}
	for _, part := range []func(context.Context) error{a.home, a.proconnect, a.generic, a.api, a.beswarm, a.kacls, a.millegrilles, a.passkeys} {
		if err := part(ctx); err != nil {
			a.Close()
			return nil, err
		}
	}
	a.handler = a.logRequests(a.canonicalHost(a.sessions.Middleware(a.mux)))
	return a, nil
}

// canonicalHost sends a GET for another host name of the demo (127.0.0.1 for
// localhost, say) to BaseURL: cookies, redirect URLs and passkeys are bound to
// one origin.
func (a *App) canonicalHost(next http.Handler) http.Handler {
	base, err := url.Parse(a.cfg.BaseURL)
	if err != nil || base.Host == "" {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Host != base.Host && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			http.Redirect(w, r, a.cfg.BaseURL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// post mounts a form handler at "POST "+path behind the session Manager's
// rule for every handler that changes state: a form POST from the demo's own
// origin (403 for another origin, same-site siblings included, 415 for a body
// that is not a form, 405 for a GET). The ceremonies of session/passkey and
// oidc's logout apply the same rule themselves; the KACLS service
// (/kacls/service/) is an API authenticated by the tokens of its JSON body,
// not by a cookie, called across origins by design.
func (a *App) post(path string, h http.HandlerFunc) {
	a.mux.Handle("POST "+path, a.sessions.Protect(h))
}

// redis returns a client on database db of Config.Redis.
func (a *App) redis(db int) *redis.Client {
	o := *a.cfg.Redis
	o.DB = db
	c := redis.NewClient(&o)
	a.closers = append(a.closers, func() { _ = c.Close() })
	return c
}

// ServeHTTP serves the demo.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.handler.ServeHTTP(w, r) }

// Close stops the fakes and closes the Redis clients.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
}

// logRequests writes one slog line per request.
func (a *App) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; form-action 'self' http://127.0.0.1:* http://localhost:*")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(rec, r)
		a.cfg.Logger.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Duration("duration", time.Since(start)))
	})
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// randomKey returns n random bytes.
func randomKey(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// fail renders an error page.
func (a *App) fail(w http.ResponseWriter, r *http.Request, status int, err error) {
	a.cfg.Logger.InfoContext(r.Context(), "demo: refused", "path", r.URL.Path, "err", err)
	a.render(w, r, status, "error", "Erreur", map[string]any{"Status": status, "Text": http.StatusText(status)})
}
