package jwttest_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"reflect"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// kids returns the kids of set, in order.
func kids(t *testing.T, set jwk.Set) []string {
	t.Helper()
	var out []string
	for n := 0; n < set.Len(); n++ {
		k, _ := set.Key(n)
		out = append(out, k.KeyID())
	}
	return out
}

func TestPublicJWKS(t *testing.T) {
	iss := jwttest.Start(t)
	set := iss.PublicJWKS()
	want := []struct{ kid, alg string }{{jwttest.KidRSA, "RS256"}, {jwttest.KidEC, "ES256"}, {jwttest.KidEd25519, "EdDSA"}}
	if set.Len() != len(want) {
		t.Fatalf("JWKS has %d keys, want %d", set.Len(), len(want))
	}
	for n, w := range want {
		k, _ := set.Key(n)
		if k.KeyID() != w.kid || k.Algorithm().String() != w.alg || k.KeyUsage() != string(jwk.ForSignature) {
			t.Errorf("key %d: kid %q alg %q use %q; want %q %q sig", n, k.KeyID(), k.Algorithm(), k.KeyUsage(), w.kid, w.alg)
		}
		var raw any
		if err := k.Raw(&raw); err != nil {
			t.Fatal(err)
		}
		if pub := iss.PublicKey(w.kid).(interface{ Equal(crypto.PublicKey) bool }); !pub.Equal(raw) {
			t.Errorf("key %d is not the public key of %s", n, w.kid)
		}
		if private, err := jwk.IsPrivateKey(k); err != nil || private {
			t.Errorf("key %d is private", n)
		}
	}
	set.RemoveKey(mustKey(t, set, 0))
	if got := iss.PublicJWKS().Len(); got != 3 {
		t.Errorf("changing a returned set changed the issuer: %d keys", got)
	}
}

func mustKey(t *testing.T, set jwk.Set, n int) jwk.Key {
	t.Helper()
	k, ok := set.Key(n)
	if !ok {
		t.Fatalf("no key %d", n)
	}
	return k
}

func TestPublicKeyPEM(t *testing.T) {
	iss := jwttest.Start(t)
	for _, kid := range []string{jwttest.KidRSA, jwttest.KidEC, jwttest.KidEd25519} {
		block, rest := pem.Decode(iss.PublicKeyPEM(kid))
		if block == nil || block.Type != "PUBLIC KEY" || len(rest) != 0 {
			t.Fatalf("%s: not one PUBLIC KEY PEM block", kid)
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(pub, iss.PublicKey(kid)) {
			t.Errorf("%s: PEM key differs from PublicKey", kid)
		}
	}
	if iss.PublicKeyPEM("nope") != nil || iss.PublicKey("nope") != nil {
		t.Error("unknown kid: want nil keys")
	}
}

func TestAddRemoveKey(t *testing.T) {
	iss := jwttest.Start(t)
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.AddKey("weak", weak, "RS256"); err != nil {
		t.Fatalf("AddKey: %v", err)
	}
	if got, want := kids(t, iss.PublicJWKS()), []string{"rsa-1", "ec-1", "ed-1", "weak"}; !reflect.DeepEqual(got, want) {
		t.Errorf("kids = %v, want %v", got, want)
	}
	verifyRS256(t, &weak.PublicKey, iss.Mint(nil, jwttest.WithKid("weak")))
	verifyRS256(t, iss.PublicKey(jwttest.KidRSA), iss.Mint(nil)) // an added key is no default

	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	errTests := []struct {
		name string
		kid  string
		key  crypto.Signer
		alg  string
		want error // nil: any error
	}{
		{"duplicate kid", jwttest.KidEC, ec, "ES384", jwttest.ErrDuplicateKid},
		{"alg for another key", "ec", ec, "RS256", jwttest.ErrAlgKeyMismatch},
		{"unsupported alg", "ec", ec, "ES999", jwttest.ErrUnsupportedAlg},
		{"no kid", "", ec, "ES384", nil},
		{"no key", "ec", nil, "ES384", nil},
	}
	for _, tt := range errTests {
		if err := iss.AddKey(tt.kid, tt.key, tt.alg); err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: AddKey error = %v, want %v", tt.name, err, tt.want)
		}
	}

	iss.RemoveKey(jwttest.KidRSA)
	iss.RemoveKey("nope")
	if got, want := kids(t, iss.PublicJWKS()), []string{"ec-1", "ed-1", "weak"}; !reflect.DeepEqual(got, want) {
		t.Errorf("kids after RemoveKey = %v, want %v", got, want)
	}
	if _, err := iss.MintE(nil, jwttest.WithKid(jwttest.KidRSA)); !errors.Is(err, jwttest.ErrUnknownKid) {
		t.Errorf("Mint with a removed kid: %v, want ErrUnknownKid", err)
	}
	if kid := headerKid(t, iss.Mint(nil)); kid != "weak" {
		t.Errorf("default RSA key after removing rsa-1 = %q, want weak", kid)
	}
}

func TestRotate(t *testing.T) {
	iss := jwttest.Start(t)
	oldPub := iss.PublicKey(jwttest.KidRSA)
	if kid := iss.Rotate(jwttest.KidRSA); kid != "rsa-2" {
		t.Fatalf("Rotate = %q, want rsa-2", kid)
	}
	if got, want := kids(t, iss.PublicJWKS()), []string{"ec-1", "ed-1", "rsa-2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("kids = %v, want %v", got, want)
	}
	newPub := iss.PublicKey("rsa-2").(*rsa.PublicKey)
	if newPub.Equal(oldPub) || newPub.N.BitLen() != 2048 || iss.PublicKey(jwttest.KidRSA) != nil {
		t.Error("rsa-2 is not a fresh 2048-bit key replacing rsa-1")
	}
	tok := iss.Mint(nil)
	if kid := headerKid(t, tok); kid != "rsa-2" {
		t.Errorf("Mint after Rotate used kid %q, want rsa-2", kid)
	}
	verifyRS256(t, newPub, tok)

	// Kids are never reused, and kids without a number get one.
	ec, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err := iss.AddKey("ec-2", ec, "ES384"); err != nil {
		t.Fatal(err)
	}
	iss.RemoveKey("ec-2")
	steps := []struct{ from, want string }{{"ec-1", "ec-3"}, {"ec-3", "ec-4"}, {"ed-1", "ed-2"}}
	for _, s := range steps {
		if got := iss.Rotate(s.from); got != s.want {
			t.Errorf("Rotate(%s) = %q, want %q", s.from, got, s.want)
		}
	}
	if err := iss.AddKey("main", ec, "ES384"); err != nil {
		t.Fatal(err)
	}
	if got := iss.Rotate("main"); got != "main-2" {
		t.Errorf("Rotate(main) = %q, want main-2", got)
	}
	if pub := iss.PublicKey("main-2").(*ecdsa.PublicKey); pub.Curve != elliptic.P384() || pub.Equal(&ec.PublicKey) {
		t.Error("main-2 is not a fresh P-384 key")
	}
	if kid, err := iss.RotateE("nope"); !errors.Is(err, jwttest.ErrUnknownKid) {
		t.Errorf("RotateE(nope) = %q, %v; want ErrUnknownKid", kid, err)
	}
}
