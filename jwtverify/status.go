package jwtverify

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
)

// ErrorStatus maps an error of Middleware, RequireScope or Verify to the
// answer RFC 6750 §3 asks for: the HTTP status and the WWW-Authenticate
// challenge ("" when none is sent). A custom error handler uses it to keep
// both:
//
//	status, challenge := jwtverify.ErrorStatus(err, "api")
//	if challenge != "" {
//		w.Header().Set("WWW-Authenticate", challenge)
//	}
//	w.WriteHeader(status)
//
// ErrNoToken: 401, bare challenge. ErrInvalidRequest: 400, invalid_request.
// ErrInsufficientScope: 403, insufficient_scope with the scopes needed.
// ErrUnavailable: 503, no challenge (send Retry-After). ErrDPoPProof and
// ErrDPoPNonce: 401 with a DPoP challenge, invalid_dpop_proof and
// use_dpop_nonce. Anything else: 401, invalid_token. Behind a Middleware with
// DPoP, use ErrorHeaders instead: it sends both schemes' challenges, the
// algs attribute and the DPoP-Nonce header.
func ErrorStatus(err error, realm string) (status int, challenge string) {
	if realm == "" {
		realm = DefaultRealm
	}
	status, cs := challenges(err, realm, nil, schemeBearer)
	if len(cs) == 0 {
		return status, ""
	}
	return status, cs[len(cs)-1] // DPoP's for a DPoP error, else Bearer's

}

// errorAttrs returns the status of err and the error attributes of its
// challenge; dpopErr is true for the errors only a DPoP challenge carries.
func errorAttrs(err error) (status int, attrs string, dpopErr bool) {
	var se *ScopeError
	switch {
	case errors.Is(err, ErrUnavailable):
		return http.StatusServiceUnavailable, "", false
	case errors.Is(err, ErrNoToken):
		return http.StatusUnauthorized, "", false
	case errors.Is(err, ErrInvalidRequest):
		return http.StatusBadRequest, `error="invalid_request"`, false
	case errors.As(err, &se):
		return http.StatusForbidden, `error="insufficient_scope", scope=` + strconv.Quote(strings.Join(se.Required, " ")), false
	case errors.Is(err, ErrInsufficientScope):
		return http.StatusForbidden, `error="insufficient_scope"`, false
	case errors.Is(err, ErrDPoPNonce):
		return http.StatusUnauthorized, `error="use_dpop_nonce"`, true
	case errors.Is(err, ErrDPoPProof):
		return http.StatusUnauthorized, `error="invalid_dpop_proof"`, true
	}
	return http.StatusUnauthorized, `error="invalid_token"`, false
}

// challenges returns the status of err and the WWW-Authenticate challenges
// of a middleware with DPoP checker d (nil: Bearer only) for a request that
// used scheme s. Every accepted scheme gets a challenge (RFC 9449 §7.2:
// Bearer first, then DPoP with its algs); the error attributes go on the
// challenge of the scheme the request used, or on DPoP's for the errors only
// DPoP has. A 503 has none.
func challenges(err error, realm string, d *DPoP, s scheme) (int, []string) {
	status, attrs, dpopErr := errorAttrs(err)
	if status == http.StatusServiceUnavailable {
		return status, nil
	}
	onDPoP := dpopErr || s == schemeDPoP
	var cs []string
	if d == nil || !d.required {
		bearer := "Bearer realm=" + strconv.Quote(realm)
		if attrs != "" && !onDPoP {
			bearer += ", " + attrs
		}
		cs = append(cs, bearer)
	}
	if d != nil || dpopErr {
		var a string
		if onDPoP || (d != nil && d.required) {
			a = attrs
		}
		cs = append(cs, d.challenge(realm, a))
	}
	return status, cs
}

// ErrorHeaders sets the headers of the answer to a refused request r, as the
// Middleware that handled r would (WriteError's headers), and returns the
// status to send; a custom error handler calls it, then writes the status
// and its own body:
//
//	ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
//		w.WriteHeader(jwtverify.ErrorHeaders(w, r, err))
//		page.Execute(w, nil)
//	}
//
// Headers: Cache-Control: no-store; Retry-After with a 503; one
// WWW-Authenticate per accepted scheme (Bearer realm="api", and DPoP
// realm="api", algs="ES256 PS256 EdDSA" when DPoP is on, DPoP alone when it
// is required), the error attributes on the scheme the request used:
//
//	error                                  status  error attribute
//	ErrNoToken (none, or another scheme)   401     none
//	ErrInvalidRequest                      400     invalid_request
//	ErrDPoPProof (ErrDPoPReplay too)       401     invalid_dpop_proof (DPoP)
//	ErrDPoPNonce                           401     use_dpop_nonce (DPoP) + DPoP-Nonce
//	ErrDPoPBinding, ErrDPoPBound, ErrInactive, any token error
//	                                       401     invalid_token
//	*ScopeError, ErrInsufficientScope      403     insufficient_scope, scope="…"
//	ErrUnavailable                         503     no challenge, Retry-After
//
// The DPoP-Nonce header of a use_dpop_nonce refusal is set by the Middleware
// before the error handler runs.
func ErrorHeaders(w http.ResponseWriter, r *http.Request, err error) int {
	m, s := handlerOf(r)
	status, cs := challenges(err, m.cfg.Realm, m.cfg.DPoP, s)
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	for _, c := range cs {
		h.Add("WWW-Authenticate", c)
	}
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", strconv.Itoa(m.cfg.RetryAfter))
	}
	return status
}

// WriteError is the default error handler of Middleware: the headers of
// ErrorHeaders (the status and challenges in the realm and schemes of the
// Middleware that handled r, Retry-After with a 503, Cache-Control:
// no-store), and a one-line plain-text body that never carries the internal
// error.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	status := ErrorHeaders(w, r, err)
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(strings.ToLower(http.StatusText(status)) + "\n"))
}

// Reason names the check err failed, for logs and metrics: the message of the
// first sentinel of this package it wraps ("jwtverify: token expired"), or
// "other".
func Reason(err error) string {
	for _, s := range []error{
		ErrNoToken, ErrInvalidRequest, ErrInsufficientScope, ErrUnavailable, ErrDPoPReplay, ErrDPoPNonce,
		ErrDPoPProof, ErrDPoPBinding, ErrDPoPBound, ErrInactive, ErrTooLarge, ErrMalformed,
		ErrAlgorithm, ErrCritical, ErrType, ErrUnknownKey, ErrWeakKey, ErrSignature, ErrExpired,
		ErrNotYetValid, ErrIssuedInFuture, ErrIssuer, ErrAudience, ErrMissingClaim, ErrInsecureURL, ErrConfig,
	} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other"
}
