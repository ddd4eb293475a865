package jwtverify_test

import (
	"context"
	"crypto/rsa"
	"errors"
	"testing"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// sentinels are the errors Verify may wrap; every failure must wrap exactly one
// (a key-source failure may add the sentinel of its cause).
var sentinels = []error{
	jwtverify.ErrMalformed, jwtverify.ErrTooLarge, jwtverify.ErrAlgorithm, jwtverify.ErrCritical,
	jwtverify.ErrUnknownKey, jwtverify.ErrWeakKey, jwtverify.ErrSignature, jwtverify.ErrExpired,
	jwtverify.ErrNotYetValid, jwtverify.ErrIssuedInFuture, jwtverify.ErrIssuer, jwtverify.ErrAudience,
	jwtverify.ErrMissingClaim, jwtverify.ErrUnavailable,
}

func FuzzVerify(f *testing.F) {
	iss := sharedIssuer()
	f.Add(iss.Mint(claims()))
	f.Add(iss.Mint(claims(), jwttest.WithAlg("ES256")))
	f.Add(iss.Mint(claims(), jwttest.WithAlg("EdDSA")))
	f.Add(iss.Mint(with("aud", []string{"x", testAudience})))
	f.Add(iss.Mint(claims(), jwttest.WithHeader("alg", "none")))
	f.Add(iss.Mint(claims(), jwttest.WithHeader("crit", []string{"b64"})))
	f.Add(jwttest.Raw([]byte(`{"alg":"RS256","kid":"rsa-1"}`), []byte(`{"a":1,"a":2}`), []byte("sig")))
	f.Add(jwttest.Raw([]byte(`{"alg":"RS256"}`), []byte("{\"\xff\":1}"), nil))
	f.Add(jwttest.Raw([]byte(`{"alg":"RS256","kid":"rsa-1"}`), []byte(`{"exp":1e999,"aud":[1]}`), []byte("x")))
	f.Add("a.b.c")
	f.Add("..")
	f.Add("")

	cached := newFixture(f, jwtverify.Config{})
	fresh := newFixture(f, jwtverify.Config{CacheSize: -1})
	f.Fuzz(func(t *testing.T, raw string) {
		ctx := context.Background()
		tok, err := cached.v.Verify(ctx, raw)
		tok2, err2 := fresh.v.Verify(ctx, raw)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("cached and fresh paths disagree: %v vs %v", err, err2)
		}
		if err != nil {
			if tok != nil {
				t.Fatal("token returned with an error")
			}
			n := 0
			for _, s := range sentinels {
				if errors.Is(err, s) {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("error wraps %d sentinels, want exactly one: %v", n, err)
			}
			return
		}
		if tok.Raw() != raw || tok2.Subject() != tok.Subject() {
			t.Fatal("accepted token does not round-trip")
		}
	})
}

func FuzzParseRSAKeyValue(f *testing.F) {
	f.Add([]byte(rsaKeyValue(sharedIssuer().PublicKey(jwttest.KidRSA).(*rsa.PublicKey))))
	f.Add([]byte(`<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY e "x">]><RSAKeyValue>&e;</RSAKeyValue>`))
	f.Add([]byte(`<?xml version="1.0"?><RSAKeyValue><Modulus/><Exponent/></RSAKeyValue>`))
	f.Add([]byte(`<a><b><c>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		pub, err := jwtverify.ParseRSAKeyValue(doc)
		if err != nil {
			if pub != nil {
				t.Fatal("key returned with an error")
			}
			if !errors.Is(err, jwtverify.ErrKeyDocument) && !errors.Is(err, jwtverify.ErrWeakKey) && !errors.Is(err, jwtverify.ErrTooLarge) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if pub.N.BitLen() < 2048 || pub.E%2 == 0 {
			t.Fatalf("weak key accepted: %d bits, e=%d", pub.N.BitLen(), pub.E)
		}
	})
}

func FuzzDecodeJWKS(f *testing.F) {
	good, _ := jsonOf(sharedIssuer().PublicJWKS())
	f.Add(good)
	f.Add([]byte(`{"keys":[]}`))
	f.Add([]byte(`{"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}]}`))
	f.Add([]byte(`{"keys":[{"kty":"oct","k":"AAAA"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		set, err := jwtverify.DecodeJWKS(body)
		if err != nil {
			if set != nil {
				t.Fatal("set returned with an error")
			}
			return
		}
		// An accepted document has a key a verifier can use.
		if _, err := jwtverify.NewStaticKeys(set); err != nil && !errors.Is(err, jwtverify.ErrWeakKey) {
			t.Fatalf("accepted set unusable: %v", err)
		}
	})
}
