// Package jwtverify verifies JSON Web Tokens (compact JWS) strictly and fast.
//
// A Verifier checks a token against a KeySource (StaticKeys, RemoteKeys,
// XMLKeys, or your own) and a Config that says what a valid token is:
//
//	jwks, err := jwtverify.NewRemoteJWKS("https://idp.example/jwks", jwtverify.RemoteKeysConfig{})
//	v, err := jwtverify.New(jwks, jwtverify.Config{
//		Issuer:     "https://idp.example",
//		Audience:   []string{"my-api"},
//		Algorithms: []string{"RS256", "ES256"},
//	})
//	tok, err := v.Verify(ctx, raw)          // errors.Is(err, jwtverify.ErrExpired), ...
//	mux.Handle("/api/", jwtverify.Middleware(v, jwtverify.MiddlewareConfig{})(api))
//
// What it enforces: an algorithm allowlist (RS256 only by default) checked
// against the key's type, curve and own alg before any signature math; never
// "none", never HMAC with a public key; a kid is only a map lookup, and jku, x5u,
// jwk and x5c headers are never used; unknown crit headers are refused; the
// token is bounded (16 KiB), its base64url strict and unpadded, its JSON valid
// UTF-8 objects without duplicate names; exp is required; exp, nbf, iat, iss and
// aud are checked with an injectable clock and a 30 s leeway. Keys are checked
// when loaded: RSA of 2048 to 8192 bits with an odd exponent, P-256/384/521,
// Ed25519, HMAC secrets of 32 bytes or more.
//
// Speed: the signature check is the whole cost of a fresh token (within a few
// percent of crypto/rsa alone); a repeat token is answered from a bounded
// verified-signature cache, with every claim check run again and the entry
// dropped once its key leaves the source. A token enters the cache on its
// second verification, so tokens seen once (a stream of one-shot calls, or a
// flood) cost the cache nothing and cannot push the repeat ones out.
//
// Many issuers: ParseUnverified decodes a token once; read its claimed iss
// to pick the Verifier you configured for it, then hand the same parse to
// that Verifier's VerifyParsed, which runs every check Verify runs:
//
//	u, err := jwtverify.ParseUnverified(raw)
//	iss, _ := u.StringClaim("iss") // never trusted: only picks among yours
//	tok, err := verifiers[iss].VerifyParsed(ctx, u)
//
// Resource servers: Config.AccessToken takes RFC 9068 access tokens only
// (typ at+jwt, client_id, iat, jti, sub required; Token.AccessClaims reads
// scope, auth_time, acr, amr, groups, roles and entitlements), so an ID token
// is never taken for one. MiddlewareConfig.DPoP (NewDPoP) accepts
// sender-constrained tokens with their DPoP proofs (RFC 9449: typ, an
// asymmetric alg, a public jwk, signature, htm, htu, iat, ath, cnf.jkt, each
// proof once in an IDStore, optional server nonces) and refuses a bound token
// presented as Bearer. An Introspector is a TokenVerifier for opaque tokens
// (RFC 7662), with hashed-key caches and single-flight requests:
//
//	dpop, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{Origin: "https://api.example"})
//	api := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{DPoP: dpop})
//	in, err := jwtverify.NewIntrospector(jwtverify.IntrospectionConfig{Endpoint: url, ClientID: id, ClientSecret: secret})
//
// What it does not do: issue or sign tokens (see jwttest for tests), decrypt
// JWE, follow key URLs named by a token, or interpret application claims
// (profiles such as beswarm and googlecse do that on top of Token.Decode).
package jwtverify
