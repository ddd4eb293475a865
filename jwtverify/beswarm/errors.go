package beswarm

import (
	"errors"
	"fmt"

	"github.com/sesame-go/sesame/jwtverify"
)

// Sentinels of this package. Token verification errors are jwtverify's
// (ErrSignature, ErrExpired, ErrAlgorithm, ...); these cover what BeSwarm adds.
var (
	// ErrScope: the scope or funcs claim is not the JSON-in-a-string BeSwarm
	// writes (not a string, not JSON, the wrong shape, over MaxScopeSize). A
	// malformed scope is never read as an empty grant.
	ErrScope = errors.New("beswarm: malformed scope")
	// ErrTokenType: the tokentype claim is absent or neither "User" nor
	// "Application".
	ErrTokenType = errors.New("beswarm: bad token type")
	// ErrNonce: the token's nonce is not the SHA-256 of the code challenge.
	ErrNonce = errors.New("beswarm: nonce does not match the code challenge")
	// ErrState: the callback's state is not the one of the login that started it.
	ErrState = errors.New("beswarm: callback state mismatch")
	// ErrServiceURL: a service URL or host (from a callback, a token answer or a
	// discovery answer) is not an HTTPS URL of an allowed domain, or carries
	// userinfo, a port that is not allowed, a query or a fragment. Nothing is
	// sent to it.
	ErrServiceURL = errors.New("beswarm: service URL not allowed")
	// ErrResponse: BeSwarm answered something other than the documented JSON
	// shape (see the package documentation), or an oversized body.
	ErrResponse = errors.New("beswarm: unexpected answer")
	// ErrDenied: BeSwarm refused the request (a 4xx answer, or a body whose
	// status is not 200): a bad code, secret, code challenge or token.
	ErrDenied = errors.New("beswarm: request refused")
	// ErrNoHost: discovery found no host serving the role.
	ErrNoHost = errors.New("beswarm: no host for role")
	// ErrUnavailable: BeSwarm could not be reached or answered 5xx; try later.
	// It wraps jwtverify.ErrUnavailable, so Middleware answers 503.
	ErrUnavailable = fmt.Errorf("beswarm: service unavailable: %w", jwtverify.ErrUnavailable)
)

// maxEcho bounds how much of an attacker-chosen value an error repeats.
const maxEcho = 64

// quote clips s to maxEcho bytes and quotes it with %q.
func quote(s string) string {
	if len(s) > maxEcho {
		s = s[:maxEcho] + "…"
	}
	return fmt.Sprintf("%q", s)
}
