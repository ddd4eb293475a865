package jwttest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
)

// NewContext returns ctx carrying a verified *jwtverify.Token with claims, as
// jwtverify.Middleware leaves it for the handlers behind it: one line to test
// such a handler, with no key pair, JWKS or Authorization header to set up.
//
//	r = r.WithContext(jwttest.NewContext(t, r.Context(), map[string]any{"sub": "alice", "scope": "read"}))
//
// The token is really signed (by a throwaway Ed25519 key) and verified (any
// issuer and audience; exp, nbf and iat checked when given), so claims of the
// wrong type fail the test as they would fail the Middleware.
func NewContext(tb testing.TB, ctx context.Context, claims map[string]any) context.Context {
	tb.Helper()
	tok, err := verifiedToken(claims)
	if err != nil {
		tb.Fatalf("jwttest.NewContext: %v", err)
	}
	return jwtverify.NewContext(ctx, tok)
}

// verifiedToken signs claims with a fresh Ed25519 key and verifies them.
func verifiedToken(claims map[string]any) (*jwtverify.Token, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	i := &Issuer{used: map[string]bool{}}
	if err := i.addKey("ctx", priv, "EdDSA", true); err != nil {
		return nil, err
	}
	raw, err := i.MintE(claims, WithKid("ctx"), WithAlg("EdDSA"))
	if err != nil {
		return nil, err
	}
	keys, err := jwtverify.NewStaticKeys(priv.Public())
	if err != nil {
		return nil, err
	}
	v, err := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Algorithms: []string{"EdDSA"}, RequiredClaims: []string{}, CacheSize: -1})
	if err != nil {
		return nil, err
	}
	return v.Verify(context.Background(), raw)
}
