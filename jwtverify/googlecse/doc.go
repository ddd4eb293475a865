// Package googlecse verifies the tokens of Google Workspace Client-Side
// Encryption key service calls, for a multi-tenant KACLS (key access control
// list service), and writes the audit record of every verification.
//
// On every wrap or unwrap a KACLS receives an authentication token from the
// customer's identity provider and an authorization token from Google. A
// Verifier checks each one for its tenant and the call's Operation, then the
// rules between them:
//
//	v, err := googlecse.New(googlecse.Config{Tenants: tenants, Auditor: googlecse.NewJSONAuditor(os.Stdout)})
//	authn, err := v.VerifyAuthentication(ctx, tenantID, req.Authentication, googlecse.UserAuthentication, googlecse.OpUnwrap)
//	authz, err := v.VerifyAuthorization(ctx, tenantID, req.Authorization, googlecse.OpUnwrap)
//	err = v.VerifyPair(ctx, tenantID, authn, authz) // then unwrap
//
// A privileged unwrap from a peer KACLS during a migration passes the
// request's resource_name, which the token must name:
//
//	peer, err := v.VerifyKACLSToKACLS(ctx, tenantID, req.Authentication, req.ResourceName)
//
// What is checked: a string that is not a JWT is jwtverify.ErrMalformed
// before anything looks at what it names; RS256 only; the authentication
// token's iss is one of the tenant's IdPs (a local configuration, or one found
// through https://cse.<domain>/.well-known/cse-configuration, its
// discovery_uri, whose document must name the issuer it was fetched for, and
// jwks_uri), its aud one of the IdP's client ids, exp, iat and an email; the
// authorization token's iss is one of Google's token issuers (a fixed,
// configurable list, checked before its key URL is built), aud
// cse-authorization, kacls_url this service's URL, kacls_owner_domain the
// tenant's OwnerDomain, a role allowed for the operation (wrap: writer,
// upgrader; unwrap: reader, writer; privatekeydecrypt: decrypter;
// privatekeysign: signer; rewrap: migrator; digest: verifier; delegate: any,
// with delegated_to) and a resource_name of at most 128 bytes (512 for Gmail);
// the pair's emails match (google_email first, case-insensitively), a
// delegate token's delegated_to and resource_name match the authorization's,
// and guests (email_type google-visitor or customer-idp) are refused unless
// the tenant allows them. A kacls-to-kacls token of a migration is verified
// only when its iss is one of the tenant's trusted peers (a token never
// chooses where its keys come from), and its resource_name must be the
// request's. Each case ends in its sentinel (a delegate token without
// resource_name is ErrResourceName, without delegated_to ErrDelegation), and a
// refusal about one claim is a *ClaimError naming it.
//
// Every fetch (IdP configurations, discovery documents, JWKS, Google's
// per-issuer keys) goes through Sesame's remote engine: cached for its max-age,
// single-flight, served stale while the source fails, backed off after
// failures, redirected only within its origin. Sources are made on first use
// and shared by every tenant, so 10,000 tenants cost memory only for the
// sources their calls use.
//
// The audit record is the seed's: tenant_id, jwk{kid, alg}, jwt{email,
// google_email, iss, aud[], exp, iat, number_of_custom_claims, kacls_url,
// resource_name}, valid, source, type, details, and operation. Every
// verification, valid or not, calls the Auditor exactly once. A claim the
// token lacks is absent from the record, never "" or 0; a valid token's values
// are whole, a refused token's bounded where no valid token's reach (cut on a
// UTF-8 boundary); number_of_custom_claims counts the claims Google's CSE
// reference does not define for the token's kind (Gmail's message_id,
// spki_hash and spki_hash_algorithm, the delegate token's delegated_to and
// resource_name, kacls_owner_domain are defined). SlogAuditor writes valid
// records at Info and refusals at LevelNotice ("NOTICE", between Info and
// Warn) with details a short cause naming the claim, such as "JWT expired" or
// "resource_name missing"; a record never holds the token.
//
// googlecsetest fakes the IdP, Google's issuers and a peer KACLS over TLS;
// examples/kacls is a KACLS built on this package.
//
// What it does NOT do: wrap or unwrap keys (the KACLS's own business), or
// accept algorithms other than RS256.
package googlecse
