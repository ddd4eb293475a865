package jwtverify

import (
	"context"
	"errors"
	"fmt"
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
	// another scheme (Basic; DPoP when MiddlewareConfig.DPoP is nil; Bearer
	// when DPoP is required). Answered 401 with bare challenges.
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
	// DPoP, when set (NewDPoP), accepts DPoP-bound tokens with their proofs
	// (RFC 9449: Authorization: DPoP and one DPoP header), beside Bearer or,
	// with DPoPConfig.Required, instead of it; challenges then name both
	// schemes, or DPoP alone. Default nil: DPoP off, the DPoP scheme is
	// another scheme (ErrNoToken). Either way a token with a cnf claim is
	// refused as Bearer or in a cookie (ErrDPoPBound): a sender-constrained
	// token never passes without its proof.
	DPoP *DPoP
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
	tok    *Token
	m      *middleware
	scheme scheme
	jkt    string // the DPoP proof key's thumbprint, when scheme is DPoP
	// renewNonce: the proof's nonce is of the previous period; the answer
	// carries the current one.
	renewNonce bool
}

// Middleware admits requests with a valid token and puts the token in the
// request context (FromContext): a Bearer token (RFC 6750), or, with
// MiddlewareConfig.DPoP, a DPoP-bound token with its proof (RFC 9449). The
// answers, each with Cache-Control: no-store and a body that never carries
// the internal error (the full table is ErrorHeaders'):
//
//   - no credentials, or another scheme: 401, WWW-Authenticate: Bearer realm="api"
//   - a malformed request: 400, error="invalid_request"
//   - a bad token: 401, error="invalid_token"
//   - a bad DPoP proof: 401, DPoP error="invalid_dpop_proof" (use_dpop_nonce and a DPoP-Nonce header for a missing nonce)
//   - a missing scope (RequireScope): 403, error="insufficient_scope", scope="…"
//   - the key source, introspection endpoint or proof id store down: 503 with Retry-After
//
// Usage:
//
//	api := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{Logger: log})
//	mux.Handle("/api/", api(jwtverify.RequireScope("read")(handler)))
func Middleware(v TokenVerifier, cfg MiddlewareConfig) func(http.Handler) http.Handler {
	m := newMiddleware(cfg)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cv, raw, err := m.admit(v, r)
			if err != nil {
				m.refuse(w, r, err, cv.scheme, raw)
				return
			}
			if cv.renewNonce { // RFC 9449 §8.2: the next nonce, before the client needs it
				w.Header().Set("DPoP-Nonce", m.cfg.DPoP.nonce())
			}
			if m.cfg.Logger.Enabled(r.Context(), slog.LevelDebug) {
				m.cfg.Logger.DebugContext(r.Context(), "jwtverify: token accepted",
					"sub", clipLog(cv.tok.Subject()), "kid", clipLog(cv.tok.Header().Kid), "iss", clipLog(cv.tok.Issuer()), "dpop", cv.jkt != "", "client", r.RemoteAddr)
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, cv)))
		})
	}
}

// admit runs every check of a request: the token's extraction, the DPoP
// proof (before the token, whose verification may cost a call), the token,
// then its binding: a bound token only with its proof, a proof only with its
// bound token, each proof once. cv carries the scheme when err is set, and
// raw the token once it was read (its kid and iss are logged on a refusal,
// never the token).
func (m *middleware) admit(v TokenVerifier, r *http.Request) (cv ctxValue, raw string, err error) {
	cv.m = m
	if cv.scheme, raw, err = m.extract(r); err != nil {
		return cv, "", err
	}
	var p *dpopProof
	if cv.scheme == schemeDPoP {
		if p, err = m.cfg.DPoP.proofFor(r, raw); err != nil {
			return cv, raw, err
		}
	}
	if cv.tok, err = v.Verify(r.Context(), raw); err != nil {
		return cv, raw, err
	}
	if p == nil {
		_, bound, err := confirmation(cv.tok)
		if err == nil && bound {
			err = fmt.Errorf("%w: a token with cnf presented as Bearer", ErrDPoPBound)
		}
		return cv, raw, err
	}
	if err := m.cfg.DPoP.bind(r.Context(), cv.tok, p); err != nil {
		return cv, raw, err
	}
	cv.jkt, cv.renewNonce = p.key.jkt, p.staleNonce
	return cv, raw, nil
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

// refuse logs a refusal (rate-limited) and hands it to the error handler,
// after setting DPoP-Nonce when the proof lacked a fresh nonce (so a custom
// handler sends it too). raw, when known, is peeked at for its kid and iss;
// it is never logged.
func (m *middleware) refuse(w http.ResponseWriter, r *http.Request, err error, s scheme, raw string) {
	if m.cfg.Logger.Enabled(r.Context(), slog.LevelInfo) {
		kid, iss := peek(raw)
		m.limiter.Log(r.Context(), m.cfg.Logger, slog.LevelInfo, "jwtverify: request refused",
			"reason", Reason(err), "kid", kid, "iss", iss, "client", r.RemoteAddr)
	}
	if errors.Is(err, ErrDPoPNonce) && m.cfg.DPoP != nil && m.cfg.DPoP.nonces != nil {
		w.Header().Set("DPoP-Nonce", m.cfg.DPoP.nonce())
	}
	// The handler answers within the realm and schemes of this middleware.
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, ctxValue{m: m, scheme: s}))
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

// handlerOf returns the Middleware settings that handled r (defaults when
// none) and the scheme r's token came with.
func handlerOf(r *http.Request) (*middleware, scheme) {
	if v, ok := r.Context().Value(ctxKey{}).(ctxValue); ok && v.m != nil {
		return v.m, v.scheme
	}
	return newMiddleware(MiddlewareConfig{}), schemeNone
}

// DPoPThumbprint returns the RFC 7638 thumbprint (base64url SHA-256) of the
// key whose DPoP proof Middleware verified for this request; ok is false for
// a Bearer request. It equals the token's cnf.jkt: a handler may key its
// records by it, or compare it with a key it registered.
//
//	if jkt, ok := jwtverify.DPoPThumbprint(r.Context()); ok { … }
func DPoPThumbprint(ctx context.Context) (jkt string, ok bool) {
	v, _ := ctx.Value(ctxKey{}).(ctxValue)
	return v.jkt, v.jkt != ""
}

// Refuse answers r with err through the error handler of the Middleware that
// handled r (WriteError when none did). Authorization checks that run after
// Middleware (RequireScope, the profiles' rights) refuse through it, so that
// every refusal of a route has the same realm, page and status mapping.
func Refuse(w http.ResponseWriter, r *http.Request, err error) {
	m, _ := handlerOf(r)
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

// dpopRequired reports whether only DPoP is accepted.
func (m *middleware) dpopRequired() bool { return m.cfg.DPoP != nil && m.cfg.DPoP.required }
