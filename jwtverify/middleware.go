package jwtverify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// TokenVerifier is what Middleware needs; *Verifier and test fakes satisfy it.
type TokenVerifier interface {
	Verify(ctx context.Context, raw string) (*Token, error)
}

// Errors of the Authorization header itself, passed to the error handler.
var (
	// ErrNoToken: the request carries no token.
	ErrNoToken = errors.New("jwtverify: no bearer token")
	// ErrInvalidRequest: the Authorization header is not exactly one Bearer token.
	ErrInvalidRequest = errors.New("jwtverify: malformed Authorization header")
)

// MiddlewareOption configures Middleware.
type MiddlewareOption func(*middleware)

// WithRealm sets the realm of the WWW-Authenticate challenge (default "api").
func WithRealm(realm string) MiddlewareOption {
	return func(m *middleware) { m.realm = realm }
}

// WithErrorHandler replaces the default error responses. err wraps ErrNoToken,
// ErrInvalidRequest, ErrKeySource, or any other Verify error.
func WithErrorHandler(h func(w http.ResponseWriter, r *http.Request, err error)) MiddlewareOption {
	return func(m *middleware) { m.onError = h }
}

// WithCookie also accepts the token from the named cookie when the request has
// no Authorization header (browser apps). A query-string token is never read.
//
// Browsers attach cookies to cross-site requests, so a cookie-borne token needs
// CSRF protection that a Bearer header does not: set the cookie SameSite=Strict
// (or Lax for read-only routes) and wrap state-changing handlers with
// http.CrossOriginProtection.
func WithCookie(name string) MiddlewareOption {
	return func(m *middleware) { m.cookie = name }
}

// WithRetryAfter sets the Retry-After seconds sent with a 503 (default 5).
func WithRetryAfter(seconds int) MiddlewareOption {
	return func(m *middleware) { m.retryAfter = seconds }
}

type middleware struct {
	v          TokenVerifier
	realm      string
	cookie     string
	retryAfter int
	onError    func(http.ResponseWriter, *http.Request, error)
}

type ctxKey struct{}

// Middleware admits requests with a valid Bearer token and puts the token in the
// request context (FromContext). A missing or malformed Authorization header gets
// 401 with error="invalid_request", a bad token 401 with error="invalid_token"
// (RFC 6750), an unavailable key source 503 with Retry-After. Bodies never carry
// the internal error.
//
//	mux.Handle("/api/", jwtverify.Middleware(v)(api))
func Middleware(v TokenVerifier, opts ...MiddlewareOption) func(http.Handler) http.Handler {
	m := &middleware{v: v, realm: "api", retryAfter: 5}
	for _, o := range opts {
		o(m)
	}
	if m.onError == nil {
		m.onError = m.defaultError
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, err := m.extract(r)
			if err != nil {
				m.onError(w, r, err)
				return
			}
			tok, err := m.v.Verify(r.Context(), raw)
			if err != nil {
				m.onError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, tok)))
		})
	}
}

// FromContext returns the token Middleware verified for this request.
func FromContext(ctx context.Context) (*Token, bool) {
	t, ok := ctx.Value(ctxKey{}).(*Token)
	return t, ok
}

// NewContext returns ctx carrying tok, for tests of handlers behind Middleware.
func NewContext(ctx context.Context, tok *Token) context.Context {
	return context.WithValue(ctx, ctxKey{}, tok)
}

// extract takes exactly one Bearer token from the Authorization header, or from
// the configured cookie when there is no header.
func (m *middleware) extract(r *http.Request) (string, error) {
	hs := r.Header.Values("Authorization")
	if len(hs) == 0 {
		if m.cookie != "" {
			if c, err := r.Cookie(m.cookie); err == nil && c.Value != "" {
				return c.Value, nil
			}
		}
		return "", ErrNoToken
	}
	if len(hs) > 1 {
		return "", fmt.Errorf("%w: several Authorization headers", ErrInvalidRequest)
	}
	scheme, tok, ok := strings.Cut(hs[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: not a Bearer credential", ErrInvalidRequest)
	}
	tok = strings.Trim(tok, " ")
	if tok == "" || strings.ContainsAny(tok, " \t,") {
		return "", fmt.Errorf("%w: want exactly one bearer token", ErrInvalidRequest)
	}
	return tok, nil
}

func (m *middleware) defaultError(w http.ResponseWriter, _ *http.Request, err error) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	switch {
	case errors.Is(err, ErrKeySource):
		h.Set("Retry-After", fmt.Sprint(m.retryAfter))
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("service unavailable\n"))
		return
	case errors.Is(err, ErrNoToken), errors.Is(err, ErrInvalidRequest):
		h.Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q, error=\"invalid_request\"", m.realm))
	default:
		h.Set("WWW-Authenticate", fmt.Sprintf("Bearer realm=%q, error=\"invalid_token\"", m.realm))
	}
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = w.Write([]byte("unauthorized\n"))
}
