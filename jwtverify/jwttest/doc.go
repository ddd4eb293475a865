// Package jwttest is a token issuer for tests of code that verifies JWTs: it
// holds RSA, EC and Ed25519 signing keys, mints signed tokens, publishes the
// public keys as a JWKS over HTTP or HTTPS, and builds deliberately broken
// tokens for attack tests.
//
//	iss := jwttest.Start(t)                 // keys rsa-1, ec-1, ed-1
//	srv := iss.Serve()                    // JWKS at srv.JWKSURL(), closed at cleanup
//	tok := iss.Mint(jwttest.Claims("https://issuer.test", "alice", "my-api"))
//	ecTok := iss.Mint(claims, jwttest.WithAlg("ES256"))
//	noneTok := iss.Mint(claims, jwttest.WithHeader("alg", "none"))
//	newKid := iss.Rotate(jwttest.KidRSA)  // "rsa-2"; the next fetch shows it
//	srv.SetStatus(http.StatusServiceUnavailable)
//	confused, _ := jwttest.SignHMAC("HS256", iss.PublicKeyPEM(jwttest.KidRSA), header, payload)
//	broken := jwttest.Raw([]byte(`{"alg":"RS256"`), payload, nil)
//
// For resource servers: MintAccessToken and AccessClaims make RFC 9068 access
// tokens (typ at+jwt), and a DPoPKey makes DPoP proofs (RFC 9449), good and
// deliberately broken (WithProofTime, WithProofJTI, WithProofClaim,
// WithoutProofHeader, WithPrivateJWK, WithProofSigner, an HS256 alg …):
//
//	key, _ := jwttest.NewDPoPKey("ES256")
//	c := jwttest.AccessClaims("https://issuer.test", "alice", "https://api.test", "app", "orders:read")
//	c["cnf"] = key.Confirmation()           // bound to key
//	tok := iss.MintAccessToken(c)
//	proof, _ := key.Proof("GET", "https://api.test/orders", tok)
//	stale, _ := key.Proof("GET", "https://api.test/orders", tok, jwttest.WithProofTime(time.Now().Add(-time.Hour)))
//
// The fake introspection endpoint for opaque tokens is package introspecttest.
//
// A token signed by a key the verifier does not trust comes from a second
// Issuer: its kids are the same, its keys are not.
//
// Key generation costs about 100 ms, so share one Issuer between subtests.
//
// For a handler behind jwtverify.Middleware, NewContext puts a verified token
// in a request context in one line:
//
//	r = r.WithContext(jwttest.NewContext(t, r.Context(), map[string]any{"sub": "alice"}))
//
// Apart from NewContext, jwttest does not verify tokens or check claims or key
// sizes: it is a test helper, never meant to issue tokens in production.
package jwttest
