package jwtverify

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// ErrorStatus maps an error of Middleware, RequireScope or Verify to the answer
// RFC 6750 §3 asks for: the HTTP status and the WWW-Authenticate challenge
// ("" when none is sent). A custom error handler uses it to keep both:
//
//	status, challenge := jwtverify.ErrorStatus(err, "api")
//	if challenge != "" {
//		w.Header().Set("WWW-Authenticate", challenge)
//	}
//	w.WriteHeader(status)
//
// ErrNoToken: 401, bare challenge. ErrInvalidRequest: 400, invalid_request.
// ErrInsufficientScope: 403, insufficient_scope with the scopes needed.
// ErrUnavailable: 503, no challenge (send Retry-After). Anything else: 401,
// invalid_token.
func ErrorStatus(err error, realm string) (status int, challenge string) {
	if realm == "" {
		realm = DefaultRealm
	}
	base := "Bearer realm=" + strconv.Quote(realm)
	var se *ScopeError
	switch {
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, ""
	case errors.Is(err, ErrNoToken):
		return http.StatusUnauthorized, base
	case errors.Is(err, ErrInvalidRequest):
		return http.StatusBadRequest, base + `, error="invalid_request"`
	case errors.As(err, &se):
		return http.StatusForbidden, base + `, error="insufficient_scope", scope=` + strconv.Quote(strings.Join(se.Required, " "))
	case errors.Is(err, ErrInsufficientScope):
		return http.StatusForbidden, base + `, error="insufficient_scope"`
	}
	return http.StatusUnauthorized, base + `, error="invalid_token"`
}

// WriteError is the default error handler of Middleware: the status and
// challenge of ErrorStatus in the realm of the Middleware that handled r,
// Retry-After with a 503, Cache-Control: no-store, and a one-line plain-text
// body that never carries the internal error.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	m := handlerOf(r)
	status, challenge := ErrorStatus(err, m.cfg.Realm)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	if challenge != "" {
		h.Set("WWW-Authenticate", challenge)
	}
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(m.cfg.RetryAfter))
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(strings.ToLower(http.StatusText(status)) + "\n"))
}

// Reason names the check err failed, for logs and metrics: the message of the
// first sentinel of this package it wraps ("jwtverify: token expired"), or
// "other".
func Reason(err error) string {
	for _, s := range []error{
		ErrNoToken, ErrInvalidRequest, ErrInsufficientScope, ErrUnavailable, ErrTooLarge, ErrMalformed,
		ErrAlgorithm, ErrCritical, ErrType, ErrUnknownKey, ErrWeakKey, ErrSignature, ErrExpired,
		ErrNotYetValid, ErrIssuedInFuture, ErrIssuer, ErrAudience, ErrMissingClaim, ErrInsecureURL, ErrConfig,
	} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other"
}
