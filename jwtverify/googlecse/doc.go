// Package googlecse verifies the tokens of Google Workspace Client-Side
// Encryption key service calls, for a multi-tenant KACLS (key access control
// list service), and writes the audit record of every verification.
//
// On every wrap or unwrap a KACLS receives an authentication token from the
// customer's identity provider and an authorization token from Google. A
// Verifier checks each one for its tenant, then the rules between them:
//
//	v, err := googlecse.New(googlecse.Config{Tenants: tenants, Auditor: googlecse.NewJSONAuditor(os.Stdout)})
//	authn, err := v.VerifyAuthentication(ctx, tenantID, req.Authentication, googlecse.UserAuthentication)
//	authz, err := v.VerifyAuthorization(ctx, tenantID, req.Authorization, googlecse.OpUnwrap)
//	err = v.VerifyPair(ctx, tenantID, authn, authz) // then unwrap
//
// What is checked: RS256 only; the authentication token's iss is one of the
// tenant's IdPs (a local configuration, or one found through
// https://cse.<domain>/.well-known/cse-configuration, its discovery_uri and
// jwks_uri), its aud one of the IdP's client ids, exp, iat and an email; the
// authorization token's iss is one of Google's token issuers (a fixed,
// configurable list, checked before its key URL is built), aud
// cse-authorization, kacls_url this service's URL, a role allowed for the
// operation (wrap: writer, upgrader; unwrap: reader, writer; privatekeydecrypt:
// decrypter; privatekeysign: signer; rewrap: migrator; digest: verifier) and a
// resource_name of at most 128 bytes (512 for Gmail); the pair's emails match
// (google_email first, case-insensitively), a delegate token's delegated_to and
// resource_name match the authorization's, and guests (email_type
// google-visitor or customer-idp) are refused unless the tenant allows them.
// A kacls-to-kacls token of a migration is verified only when its iss is one of
// the tenant's trusted peers: a token never chooses where its keys come from.
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
// resource_name}, valid, source, type, details. Every verification, valid or
// not, calls the Auditor exactly once; SlogAuditor writes valid records at Info
// and refusals at LevelNotice ("NOTICE", between Info and Warn) with details a
// short cause such as "JWT expired"; a record never holds the token.
//
// googlecsetest fakes the IdP, Google's issuers and a peer KACLS over TLS;
// examples/kacls is a KACLS built on this package.
//
// What it does NOT do: wrap or unwrap keys (the KACLS's own business), or
// accept algorithms other than RS256.
package googlecse
