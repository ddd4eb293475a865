package jwtverify

import (
	"errors"
	"fmt"
	"strings"
)

// Every error Verify returns wraps exactly one of these sentinels, so callers can
// branch with errors.Is and still log the wrapped detail (which may quote the token
// and must not be shown to the client). The one exception is a key-source
// failure: it wraps ErrUnavailable and, when the cause is one of these, that
// sentinel too (ErrTooLarge for an oversized key document, ErrKeyDocument for an
// unreadable one, ErrWeakKey when none of its keys is usable), so test
// ErrUnavailable first. ErrMalformed always means a malformed token.
var (
	// ErrMalformed: the token is not a compact JWS of three base64url segments
	// holding a JSON object header and payload (bad base64, padding, invalid UTF-8,
	// duplicate member names, a registered claim of the wrong type, ...).
	ErrMalformed = errors.New("jwtverify: malformed token")
	// ErrTooLarge: the token, a key document or a response body exceeds its bound.
	ErrTooLarge = errors.New("jwtverify: too large")
	// ErrAlgorithm: the header alg is not allowed, or does not match the key.
	ErrAlgorithm = errors.New("jwtverify: algorithm not allowed")
	// ErrCritical: the header lists a "crit" extension this package does not implement.
	ErrCritical = errors.New("jwtverify: unsupported critical header")
	// ErrUnknownKey: no key of the key source matches the token's kid and alg.
	ErrUnknownKey = errors.New("jwtverify: unknown key")
	// ErrWeakKey: a key is refused: RSA under 2048 bits, an even or huge exponent,
	// an unsupported curve or key type, an HMAC secret under 32 bytes, or a
	// private key published where a public key belongs.
	ErrWeakKey = errors.New("jwtverify: key refused")
	// ErrSignature: the signature does not verify with the selected key.
	ErrSignature = errors.New("jwtverify: invalid signature")
	// ErrExpired: exp is in the past (beyond the leeway).
	ErrExpired = errors.New("jwtverify: token expired")
	// ErrNotYetValid: nbf is in the future (beyond the leeway).
	ErrNotYetValid = errors.New("jwtverify: token not yet valid")
	// ErrIssuedInFuture: iat is in the future (beyond the leeway).
	ErrIssuedInFuture = errors.New("jwtverify: token issued in the future")
	// ErrIssuer: iss differs from Config.Issuer.
	ErrIssuer = errors.New("jwtverify: wrong issuer")
	// ErrAudience: aud names none of Config.Audience.
	ErrAudience = errors.New("jwtverify: wrong audience")
	// ErrMissingClaim: a claim listed in Config.RequiredClaims is absent.
	ErrMissingClaim = errors.New("jwtverify: missing claim")
	// ErrUnavailable: the key source failed (endpoint down, bad response, stale set
	// past MaxStale). Middleware answers 503, not 401.
	ErrUnavailable = errors.New("jwtverify: key source unavailable")
	// ErrInsecureURL: a key URL is not https and InsecureAllowHTTP is off.
	ErrInsecureURL = errors.New("jwtverify: insecure key URL")
	// ErrConfig: a Config or option is invalid (returned by constructors only).
	ErrConfig = errors.New("jwtverify: invalid configuration")
)

// ErrType: the header typ is not one of Config.Types.
var ErrType = errors.New("jwtverify: token type not accepted")

// ErrKeyDocument: a key document (a JWKS, an RSAKeyValue, a profile's key
// answer) cannot be read: not its format, a repeated or missing element, bad
// base64. Fetched, it is wrapped in ErrUnavailable (the keys are missing, the
// token is not at fault); given to a constructor, it is the caller's
// configuration. It never wraps ErrMalformed, which is about tokens.
var ErrKeyDocument = errors.New("jwtverify: malformed key document")

// maxEcho bounds how much of an attacker-chosen value (alg, kid, typ, crit, iss,
// aud) an error repeats.
const maxEcho = 64

// quote returns s clipped to maxEcho bytes (marked with "…") and quoted with
// %q, so an error never carries an unbounded or unescaped token value.
func quote(s string) string {
	if len(s) > maxEcho {
		s = s[:maxEcho] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// quoteAll quotes each of ss (at most 4, then a count) for an error.
func quoteAll(ss []string) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, s := range ss {
		if i == 4 {
			fmt.Fprintf(&b, " and %d more", len(ss)-i)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(quote(s))
	}
	b.WriteByte(']')
	return b.String()
}

// Errors of DPoP (RFC 9449) and of token introspection (RFC 7662). Middleware
// answers each as ErrorHeaders says; Reason names them.
var (
	// ErrDPoPProof: the DPoP proof is missing, repeated, too large, malformed,
	// or fails a check of RFC 9449 §4.3 (typ, alg, jwk, signature, htm, htu,
	// iat, ath). Answered 401 with a DPoP challenge error="invalid_dpop_proof".
	ErrDPoPProof = errors.New("jwtverify: invalid DPoP proof")
	// ErrDPoPReplay: the proof's jti was seen within its window; always
	// wrapped together with ErrDPoPProof.
	ErrDPoPReplay = errors.New("jwtverify: DPoP proof replayed")
	// ErrDPoPNonce: the proof lacks the server nonce, or carries one that is
	// not (or no longer) valid (RFC 9449 §9). Answered 401 with
	// error="use_dpop_nonce" and a fresh DPoP-Nonce header.
	ErrDPoPNonce = errors.New("jwtverify: DPoP nonce required")
	// ErrDPoPBinding: a token presented with the DPoP scheme is not bound to
	// the proof's key: no cnf.jkt, or another thumbprint. Answered 401
	// error="invalid_token" on the DPoP challenge.
	ErrDPoPBinding = errors.New("jwtverify: token not bound to the DPoP proof key")
	// ErrDPoPBound: a token with a confirmation (cnf) was presented as Bearer
	// or in a cookie, without its proof: no downgrade (RFC 9449 §7.2).
	// Answered 401 error="invalid_token".
	ErrDPoPBound = errors.New("jwtverify: sender-constrained token presented without its proof")
	// ErrInactive: the introspection endpoint says the token is not active
	// (RFC 7662 §2.2: unknown, expired, revoked). Answered 401
	// error="invalid_token".
	ErrInactive = errors.New("jwtverify: token not active")
)
