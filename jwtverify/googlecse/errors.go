package googlecse

import (
	"errors"
	"fmt"
)

// Every error of this package wraps one of these sentinels, or a jwtverify
// sentinel naming the failed token check (jwtverify.ErrExpired,
// jwtverify.ErrAudience, jwtverify.ErrSignature, jwtverify.ErrMalformed for a
// string that is not a JWT, jwtverify.ErrMissingClaim for a missing email, …),
// so a KACLS can branch with errors.Is and map it to Google's error JSON. A
// refusal about one claim is also a *ClaimError naming it.
var (
	// ErrConfig: a Config, Tenant or IdP is invalid (returned by constructors).
	ErrConfig = errors.New("googlecse: invalid configuration")
	// ErrTenant: the tenant id is not a uuid v4, or no tenant has it; or
	// VerifyPair was given tokens verified for another tenant.
	ErrTenant = errors.New("googlecse: unknown tenant")
	// ErrTokenType: the call does not verify this kind of token, or not for
	// this operation (a kacls-to-kacls type passed to VerifyAuthentication, an
	// unknown Operation, rewrap passed to VerifyAuthentication, a pair of
	// tokens verified for two operations).
	ErrTokenType = errors.New("googlecse: wrong token type")
	// ErrIssuer: the token's issuer is not one this tenant trusts: no IdP of
	// the tenant has it, it is not one of Google's authorization token issuers,
	// or not one of the tenant's trusted peer KACLS. Nothing was fetched for it.
	ErrIssuer = errors.New("googlecse: untrusted issuer")
	// ErrIdPConfiguration: an IdP's cse-configuration or discovery document is
	// wrong: not JSON, a repeated member, a non-https discovery_uri or
	// jwks_uri, no client_id, or a discovery document whose issuer is not the
	// one it was fetched for (OpenID Connect Discovery §4.3). The IdP's
	// administrator must fix it. A document that fails to decode is also
	// ErrUnavailable (the last good one is served meanwhile, and it is fetched
	// again after the back-off); an issuer mismatch is ErrIdPConfiguration
	// only.
	ErrIdPConfiguration = errors.New("googlecse: wrong IdP configuration")
	// ErrRole: the authorization token's role is missing or does not allow the
	// operation.
	ErrRole = errors.New("googlecse: role not allowed for the operation")
	// ErrKACLSURL: the token's kacls_url is missing or is not this service's
	// URL.
	ErrKACLSURL = errors.New("googlecse: kacls_url is not this service")
	// ErrResourceName: resource_name is missing, too long (128 bytes, 512 for
	// Gmail), differs from the delegate token's, or (kacls-to-kacls) differs
	// from the request's.
	ErrResourceName = errors.New("googlecse: bad resource_name")
	// ErrEmail: the authorization email differs from the authentication
	// google_email (or email), compared case-insensitively.
	ErrEmail = errors.New("googlecse: email mismatch")
	// ErrDelegation: a delegate token's delegated_to differs from the
	// authorization token's, or is missing (from a delegate authentication
	// token, or from the authorization token of OpDelegate).
	ErrDelegation = errors.New("googlecse: delegation mismatch")
	// ErrOwnerDomain: the authorization token's kacls_owner_domain is not the
	// tenant's OwnerDomain, or (OpDelegate) the tenant has no OwnerDomain to
	// check it against.
	ErrOwnerDomain = errors.New("googlecse: kacls_owner_domain is not the tenant's")
	// ErrGuest: the authorization is for a guest (email_type google-visitor or
	// customer-idp) and the tenant does not allow guests.
	ErrGuest = errors.New("googlecse: guest access not allowed")
	// ErrUnavailable: keys or an IdP configuration could not be fetched; try
	// later. When keys could not be fetched it also wraps
	// jwtverify.ErrUnavailable.
	ErrUnavailable = errors.New("googlecse: key source unavailable")
)

// errOtherTenant is VerifyPair's ErrTenant for tokens verified for another
// tenant than the call's; the audit record's details say so.
var errOtherTenant = fmt.Errorf("%w: tokens verified for another tenant", ErrTenant)
