package jwtverify

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/sesame-go/sesame/internal/ratelog"
)

// TokenVerifier is what Middleware needs; *Verifier and test fakes satisfy it.
type TokenVerifier interface {
	// Verify checks a compact token and returns it verified, or an error
	// wrapping one of this package's sentinels.
	Verify(ctx context.Context, raw string) (*Token, error)
}

// Errors of the request itself (RFC 6750 §3.1), passed to the error handler.
var (
	// ErrNoToken: the request carries no credentials, or credentials of
	// another scheme (Basic, DPoP, …). Answered 401 with a bare challenge.
	ErrNoToken = errors.New("jwtverify: no bearer token")
	// ErrInvalidRequest: the request is malformed: several Authorization
	// headers, "Bearer" without a token, more than one token, a value that is
	// not one b64token, or a token in the query string. Answered 400.
	ErrInvalidRequest = errors.New("jwtverify: malformed bearer request")
	// ErrInsufficientScope: the token lacks a scope the route needs (see
	// RequireScope and *ScopeError). Answered 403.
	ErrInsufficientScope = errors.New("jwtverify: insufficient scope")
)

// MiddlewareConfig tunes Middleware. Its zero value is the default stated
// beside each field.
type MiddlewareConfig struct {
	// Realm is the realm of the WWW-Authenticate challenge (default "api").
	Realm string
	// Cookie, when set, also takes the token from this cookie when the request
	// has no Authorization header (browser apps). A query-string token is never
	// read: it is refused with 400.
	//
	// Browsers attach cookies to cross-site requests, so a cookie-borne token
	// needs CSRF protection that a Bearer header does not: set the cookie
	// SameSite=Strict (or Lax for read-only routes) and put state-changing
	// handlers behind Sesame's rule for them, session.Manager.Protect (POST,
	// same origin, the documented body type; see the README's Security
	// section), or at least http.CrossOriginProtection.
	Cookie string
	// RetryAfter is the Retry-After seconds sent with a 503 (default 5).
	RetryAfter int
	// ErrorHandler answers a refused request (default WriteError). err wraps
	// ErrNoToken, ErrInvalidRequest, ErrInsufficientScope, ErrUnavailable or
	// another Verify sentinel; ErrorStatus gives the status and challenge RFC
	// 6750 asks for, so a custom page keeps them.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives one Info line per refusal (the reason, kid, iss and
	// client address, never the token), at most 10 a second with bursts of 20
	// (the next line says how many were left out), and one Debug line per
	// accepted token (default: discard).
	Logger *slog.Logger
}

// Defaults of MiddlewareConfig.
const (
	DefaultRealm      = "api"
	DefaultRetryAfter = 5
)

// middleware is a normalized MiddlewareConfig; it rides in the request context
// so that RequireScope and the profiles' checks answer with the same realm and
// handler.
type middleware struct {
	cfg     MiddlewareConfig
	limiter *ratelog.Limiter
}

type ctxKey struct{}

// ctxValue is what Middleware puts in the request context.
type ctxValue struct {
	tok *Token
	m   *middleware
}

// Middleware admits requests with a valid Bearer token (RFC 6750) and puts the
// token in the request context (FromContext). The answers, each with
// Cache-Control: no-store and a body that never carries the internal error:
//
//   - no credentials, or another scheme: 401, WWW-Authenticate: Bearer realm="api"
//   - a malformed request: 400, error="invalid_request"
//   - a bad token: 401, error="invalid_token"
//   - a missing scope (RequireScope): 403, error="insufficient_scope", scope="…"
//   - the key source down: 503 with Retry-After
//
// Usage:
//
//	api := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{Logger: log})
//	mux.Handle("/api/", api(jwtverify.RequireScope("read")(handler)))
func Middleware(v TokenVerifier, cfg MiddlewareConfig) func(http.Handler) http.Handler {
	m := newMiddleware(cfg)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, err := m.extract(r)
			if err != nil {
				m.refuse(w, r, err, "")
				return
			}
			tok, err := v.Verify(r.Context(), raw)
			if err != nil {
				m.refuse(w, r, err, raw)
				return
			}
			if m.cfg.Logger.Enabled(r.Context(), slog.LevelDebug) {
				m.cfg.Logger.DebugContext(r.Context(), "jwtverify: token accepted",
					"sub", clipLog(tok.Subject()), "kid", clipLog(tok.Header().Kid), "iss", clipLog(tok.Issuer()), "client", r.RemoteAddr)
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, ctxValue{tok, m})))
		})
	}
}

func newMiddleware(cfg MiddlewareConfig) *middleware {
	if cfg.Realm == "" {
		cfg.Realm = DefaultRealm
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultRetryAfter
	}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = WriteError
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &middleware{cfg: cfg, limiter: ratelog.New(0, 0)}
}

// refuse logs a refusal (rate-limited) and hands it to the error handler.
// raw, when known, is peeked at for its kid and iss; it is never logged.
func (m *middleware) refuse(w http.ResponseWriter, r *http.Request, err error, raw string) {
	if m.cfg.Logger.Enabled(r.Context(), slog.LevelInfo) {
		kid, iss := peek(raw)
		m.limiter.Log(r.Context(), m.cfg.Logger, slog.LevelInfo, "jwtverify: request refused",
			"reason", Reason(err), "kid", kid, "iss", iss, "client", r.RemoteAddr)
	}
	// The handler answers within the realm of this middleware.
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ctxValue{m: m}))
	m.cfg.ErrorHandler(w, r, err)
}

// FromContext returns the token Middleware verified for this request.
func FromContext(ctx context.Context) (*Token, bool) {
	v, _ := ctx.Value(ctxKey{}).(ctxValue)
	return v.tok, v.tok != nil
}

// NewContext returns ctx carrying tok, as Middleware does; tests of handlers
// behind Middleware use it (jwttest.NewContext builds the token too).
func NewContext(ctx context.Context, tok *Token) context.Context {
	v, _ := ctx.Value(ctxKey{}).(ctxValue)
	v.tok = tok
	return context.WithValue(ctx, ctxKey{}, v)
}

// handlerOf returns the Middleware settings that handled r (defaults when none).
func handlerOf(r *http.Request) *middleware {
	if v, ok := r.Context().Value(ctxKey{}).(ctxValue); ok && v.m != nil {
		return v.m
	}
	return newMiddleware(MiddlewareConfig{})
}

// Refuse answers r with err through the error handler of the Middleware that
// handled r (WriteError when none did). Authorization checks that run after
// Middleware (RequireScope, the profiles' rights) refuse through it, so that
// every refusal of a route has the same realm, page and status mapping.
func Refuse(w http.ResponseWriter, r *http.Request, err error) {
	m := handlerOf(r)
	if m.cfg.Logger.Enabled(r.Context(), slog.LevelInfo) {
		m.limiter.Log(r.Context(), m.cfg.Logger, slog.LevelInfo, "jwtverify: request refused",
			"reason", Reason(err), "client", r.RemoteAddr)
	}
	m.cfg.ErrorHandler(w, r, err)
}

// clipLog bounds a token value before it goes into a log line.
func clipLog(s string) string {
	if len(s) > maxEcho {
		return s[:maxEcho] + "…"
	}
	return s
}
