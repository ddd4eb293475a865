package oidc

import (
	"errors"
	"fmt"
)

// Every error returned by this package wraps one of these sentinels (test with
// errors.Is) together with a sentence on what was wrong. Errors about a token also
// wrap the jwtverify sentinel that names the failed check (jwtverify.ErrSignature,
// jwtverify.ErrIssuer, jwtverify.ErrAudience, jwtverify.ErrExpired, …).
var (
	// ErrConfig is returned by New, NewHandlers and NewCookieFlowStore when the
	// configuration is incomplete or contradictory.
	ErrConfig = errors.New("oidc: invalid configuration")

	// ErrDiscovery is returned when the discovery document cannot be fetched or is
	// not a well-formed OpenID Provider metadata document.
	ErrDiscovery = errors.New("oidc: discovery failed")

	// ErrIssuerMismatch is returned when the discovery document names an issuer other
	// than the configured one.
	ErrIssuerMismatch = errors.New("oidc: discovery issuer differs from the configured issuer")

	// ErrEndpoint is returned when an endpoint of the discovery document is not an
	// absolute https URL (on the issuer's host under the ProConnect preset; http
	// is refused unless Config.InsecureAllowHTTP is set).
	ErrEndpoint = errors.New("oidc: endpoint not on the issuer's host")

	// ErrUnsupported is returned when the provider does not offer what was
	// asked: LogoutURL without an end_session_endpoint, UserInfo without a
	// userinfo_endpoint, WithPAR without a pushed_authorization_request_endpoint.
	ErrUnsupported = errors.New("oidc: the provider does not offer this")

	// ErrTooLarge is returned when a response body from the provider exceeds its
	// size limit.
	ErrTooLarge = errors.New("oidc: response too large")

	// ErrUnavailable is returned when the provider cannot be reached or answers
	// with a server error.
	ErrUnavailable = errors.New("oidc: provider unavailable")

	// ErrTokenEndpoint is returned when the token endpoint refuses a code or a
	// refresh token, or answers with a malformed token response.
	ErrTokenEndpoint = errors.New("oidc: token endpoint refused the request")

	// ErrIDToken is returned when an ID token fails verification; the error also
	// wraps the sentinel of the failed check.
	ErrIDToken = errors.New("oidc: invalid ID token")

	// ErrNonce is returned when an ID token's nonce is missing or differs from the
	// nonce sent in the authorization request.
	ErrNonce = errors.New("oidc: ID token nonce mismatch")

	// ErrAuthorizedParty is returned when an ID token has several audiences and no
	// azp equal to the client ID, or an azp naming another client.
	ErrAuthorizedParty = errors.New("oidc: ID token azp does not name this client")

	// ErrAtHash is returned when an ID token's at_hash is missing or does not
	// match the access token it came with.
	ErrAtHash = errors.New("oidc: ID token at_hash mismatch")

	// ErrACR is returned when an ID token's acr is not one of the requested
	// values.
	ErrACR = errors.New("oidc: acr not among the requested values")

	// ErrUserInfo is returned when the userinfo endpoint refuses the access token
	// or answers with a malformed body or an unexpected content type (such as
	// plain JSON when Config.SignedUserInfo asks for a signed JWT).
	ErrUserInfo = errors.New("oidc: invalid userinfo response")

	// ErrSubject is returned when the userinfo sub differs from the ID token's.
	ErrSubject = errors.New("oidc: userinfo sub differs from the ID token sub")

	// ErrState is returned when a callback's state is missing, unknown, expired,
	// already used, or differs from the stored one.
	ErrState = errors.New("oidc: invalid state")

	// ErrFlowCorrupt is returned when a stored login flow does not decrypt or
	// decode: a tampered or foreign flow cookie.
	ErrFlowCorrupt = errors.New("oidc: flow record tampered or corrupt")

	// ErrProvider is returned when ProConnect redirects back with an error code
	// (access_denied, login_required, …); the error is a *ProviderError.
	ErrProvider = errors.New("oidc: provider returned an error")

	// ErrLoginRequired is returned (with ErrProvider) when a prompt=none request
	// cannot complete silently: login_required (no session at ProConnect),
	// consent_required or interaction_required.
	ErrLoginRequired = errors.New("oidc: login required")

	// ErrOption is returned when an authorization option is invalid, such as a
	// SIRET hint that is not 14 digits.
	ErrOption = errors.New("oidc: invalid authorization option")

	// ErrRedirect is returned when a return URL is not a same-origin path.
	ErrRedirect = errors.New("oidc: return URL is not a same-origin path")

	// ErrBusy is returned by CookieFlowStore.Take when the replay memory is
	// full (MaxUsedStates live used states): the login fails closed, 503.
	ErrBusy = errors.New("oidc: too many logins under way, try again later")

	// ErrMixUp is returned when a callback belongs to another provider or
	// client than the Client handling it: a flow started for another issuer or
	// client ID, an iss parameter naming another issuer, or (when the provider
	// advertises RFC 9207) no iss parameter at all.
	ErrMixUp = errors.New("oidc: response from another provider (issuer mix-up)")

	// ErrPAR is returned when the pushed authorization request endpoint
	// (RFC 9126) refuses a request or answers a malformed response.
	ErrPAR = errors.New("oidc: pushed authorization request refused")

	// ErrAuthTime is returned when a login asked for max_age and the ID token
	// has no auth_time, or an auth_time older than max_age allows.
	ErrAuthTime = errors.New("oidc: ID token auth_time missing or too old for max_age")

	// ErrLogoutToken is returned by VerifyLogoutToken when a back-channel
	// logout token fails validation; the error also wraps the sentinel of the
	// failed check when jwtverify made it.
	ErrLogoutToken = errors.New("oidc: invalid logout token")

	// ErrNoRefreshToken is returned by Refresh and TokenSource when no refresh
	// token is available.
	ErrNoRefreshToken = errors.New("oidc: no refresh token")
)

// TokenError is the OAuth error a token endpoint answered (RFC 6749 §5.2),
// so that an app can tell a refresh token the provider no longer honours
// (invalid_grant: log the user in again) from a misconfigured client
// (invalid_client) or an outage (ErrUnavailable, not a TokenError). It
// wraps ErrTokenEndpoint:
//
//	var te *oidc.TokenError
//	if errors.As(err, &te) && te.Code == "invalid_grant" { … log in again … }
type TokenError struct {
	// Status is the HTTP status of the answer (400 or 401 as a rule).
	Status int
	// Code is the error member, such as "invalid_grant", clipped to 64 bytes.
	Code string
	// Description is the error_description member, if any, clipped to 256
	// bytes.
	Description string
}

// Error returns the status, code and description.
func (e *TokenError) Error() string {
	return fmt.Sprintf("%s: HTTP %d, error %q: %s", ErrTokenEndpoint, e.Status, e.Code, e.Description)
}

// Is reports whether target is ErrTokenEndpoint.
func (e *TokenError) Is(target error) bool { return target == ErrTokenEndpoint }

// ProviderError is an error ProConnect returned on the redirect back to the
// client (RFC 6749 section 4.1.2.1). It wraps ErrProvider, and ErrLoginRequired
// when the code is login_required, consent_required or interaction_required.
type ProviderError struct {
	// Code is the error parameter, such as "access_denied" or "login_required".
	Code string
	// Description is the error_description parameter, if any.
	Description string
}

// Error returns the code and description.
func (e *ProviderError) Error() string {
	if e.Description == "" {
		return fmt.Sprintf("oidc: provider returned error %q", e.Code)
	}
	return fmt.Sprintf("oidc: provider returned error %q: %s", e.Code, e.Description)
}

// Is reports whether target is ErrProvider, or ErrLoginRequired for that code.
func (e *ProviderError) Is(target error) bool {
	switch target {
	case ErrProvider:
		return true
	case ErrLoginRequired:
		return e.Code == "login_required" || e.Code == "consent_required" || e.Code == "interaction_required"
	}
	return false
}
