package jwtverify_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// TestKeyAlgBinding: a key's own alg binds it, even when the allowlist would
// accept the header's alg (the check jwx v2 skips).
func TestKeyAlgBinding(t *testing.T) {
	f := newFixture(t, jwtverify.Config{Algorithms: []string{"RS256", "PS256", "HS256"}})
	iss := f.iss
	payload := mustJSON(t, claims())
	hs, _ := jwttest.SignHMAC("HS256", iss.PublicKeyPEM(jwttest.KidRSA), []byte(`{"alg":"HS256","kid":"rsa-1"}`), []byte(payload))
	hsNoKid, _ := jwttest.SignHMAC("HS256", iss.PublicKeyPEM(jwttest.KidRSA), []byte(`{"alg":"HS256"}`), []byte(payload))
	for name, tc := range map[string]struct {
		tok  string
		want error
	}{
		"RS256 ok":                     {iss.Mint(claims()), nil},
		"PS256 on an RS256 key":        {iss.Mint(claims(), jwttest.WithAlg("PS256")), jwtverify.ErrAlgorithm},
		"HS256 with RSA key as secret": {hs, jwtverify.ErrAlgorithm},
		"HS256 no kid":                 {hsNoKid, jwtverify.ErrUnknownKey},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), tc.tok)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestHMACWhenRegistered: HS256 verifies with a symmetric key only when the
// configuration allows it.
func TestHMACWhenRegistered(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef-client-secret")
	keys, err := jwtverify.NewHMACKey(secret, "")
	if err != nil {
		t.Fatal(err)
	}
	payload := mustJSON(t, claims())
	tok, _ := jwttest.SignHMAC("HS256", secret, []byte(`{"alg":"HS256"}`), []byte(payload))
	wrong, _ := jwttest.SignHMAC("HS256", []byte("another-secret-another-secret-xx"), []byte(`{"alg":"HS256"}`), []byte(payload))
	c := newClock()
	allow, _ := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Algorithms: []string{"HS256"}, Now: c.Now})
	deny, _ := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: c.Now})
	if _, err := allow.Verify(context.Background(), tok); err != nil {
		t.Fatalf("HS256 with the registered secret: %v", err)
	}
	if _, err := allow.Verify(context.Background(), wrong); !errors.Is(err, jwtverify.ErrSignature) {
		t.Fatalf("HS256 with another secret: %v", err)
	}
	if _, err := deny.Verify(context.Background(), tok); !errors.Is(err, jwtverify.ErrAlgorithm) {
		t.Fatalf("HS256 not allowed: %v", err)
	}
	if _, err := jwtverify.NewHMACKey([]byte("short"), ""); !errors.Is(err, jwtverify.ErrWeakKey) {
		t.Fatalf("short secret: %v", err)
	}
}

func rsaKey(t *testing.T, bits int) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func pemOf(t *testing.T, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// TestStaticKeysInputs: every accepted input form yields a working key.
func TestStaticKeysInputs(t *testing.T) {
	iss := sharedIssuer()
	rsaPub := iss.PublicKey(jwttest.KidRSA).(*rsa.PublicKey)
	ecPub := iss.PublicKey(jwttest.KidEC).(*ecdsa.PublicKey)
	edPub := iss.PublicKey(jwttest.KidEd25519).(ed25519.PublicKey)
	pkcs1 := pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(rsaPub))
	cert := selfSigned(t, iss)
	jwkKey, _ := iss.PublicJWKS().LookupKeyID(jwttest.KidRSA)

	tok := iss.Mint(claims(), jwttest.WithoutKid())
	for name, tc := range map[string]struct {
		in  []any
		tok string
	}{
		"PKIX PEM":        {[]any{iss.PublicKeyPEM(jwttest.KidRSA)}, tok},
		"PKCS1 PEM":       {[]any{pkcs1}, tok},
		"certificate PEM": {[]any{cert}, tok},
		"*rsa.PublicKey":  {[]any{rsaPub}, tok},
		"*ecdsa":          {[]any{ecPub}, iss.Mint(claims(), jwttest.WithAlg("ES256"), jwttest.WithoutKid())},
		"ed25519":         {[]any{edPub}, iss.Mint(claims(), jwttest.WithAlg("EdDSA"), jwttest.WithoutKid())},
		"jwk.Key":         {[]any{jwkKey}, iss.Mint(claims())},
		"jwk.Set":         {[]any{iss.PublicJWKS()}, iss.Mint(claims())},
		"PEM, any kid":    {[]any{iss.PublicKeyPEM(jwttest.KidRSA)}, iss.Mint(claims())},
	} {
		t.Run(name, func(t *testing.T) {
			keys, err := jwtverify.NewStaticKeys(tc.in...)
			if err != nil {
				t.Fatalf("NewStaticKeys: %v", err)
			}
			v, _ := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Algorithms: []string{"RS256", "ES256", "EdDSA"}, Now: newClock().Now})
			if _, err := v.Verify(context.Background(), tc.tok); err != nil {
				t.Fatalf("Verify: %v", err)
			}
		})
	}
}

func selfSigned(t *testing.T, iss *jwttest.Issuer) []byte {
	t.Helper()
	// The certificate's key is the issuer's RSA public key; it is signed by a
	// throwaway P-256 CA (only the public key matters here).
	ca, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "t"}, NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, iss.PublicKey(jwttest.KidRSA), ca)
	if err != nil {
		t.Fatal(err)
	}
	return pemOf(t, "CERTIFICATE", der)
}

// TestWeakKeysRefused: weak or odd keys are refused when loaded, and a token
// naming one in a JWKS gets ErrWeakKey.
func TestWeakKeysRefused(t *testing.T) {
	k1024 := rsaKey(t, 1024)
	evenExp := &rsa.PublicKey{N: sharedIssuer().PublicKey(jwttest.KidRSA).(*rsa.PublicKey).N, E: 65536}
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	for name, in := range map[string]any{
		"RSA 1024":      &k1024.PublicKey,
		"RSA 1024 PEM":  pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(&k1024.PublicKey)),
		"even exponent": evenExp,
		"P-224":         &p224.PublicKey,
		"private key":   k1024,
		"not a key":     42,
		"PEM private":   pemOf(t, "PRIVATE KEY", []byte{1}),
		"no PEM at all": []byte("hello"),
		"short Ed25519": ed25519.PublicKey(make([]byte, 16)),
		"empty jwk.Set": jwk.NewSet(),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := jwtverify.NewStaticKeys(in)
			if !errors.Is(err, jwtverify.ErrWeakKey) && !errors.Is(err, jwtverify.ErrConfig) {
				t.Fatalf("err = %v, want ErrWeakKey or ErrConfig", err)
			}
			if name == "RSA 1024" || name == "even exponent" || name == "P-224" || name == "RSA 1024 PEM" {
				if !errors.Is(err, jwtverify.ErrWeakKey) {
					t.Fatalf("err = %v, want ErrWeakKey", err)
				}
			}
		})
	}

	// In a JWKS: the weak key is kept out of use, by kid, with ErrWeakKey.
	iss, err := jwttest.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.AddKey("weak", k1024, "RS256"); err != nil {
		t.Fatal(err)
	}
	v, _ := jwtverify.New(sourceFunc(func(context.Context) (jwk.Set, error) { return iss.PublicJWKS(), nil }),
		jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now})
	_, err = v.Verify(context.Background(), iss.Mint(claims(), jwttest.WithKid("weak")))
	if !errors.Is(err, jwtverify.ErrWeakKey) {
		t.Fatalf("token signed by a 1024-bit JWKS key: %v", err)
	}
	if _, err := v.Verify(context.Background(), iss.Mint(claims())); err != nil {
		t.Fatalf("the good key of the same set: %v", err)
	}
}

// TestStaticKeysSkipsEncryptionKeys: a JWKS mixing signature and encryption keys
// (as many IdPs publish) loads, keeping only the signature keys.
func TestStaticKeysSkipsEncryptionKeys(t *testing.T) {
	iss := sharedIssuer()
	set := iss.PublicJWKS()
	enc, err := jwk.FromRaw(iss.PublicKey(jwttest.KidEC))
	if err != nil {
		t.Fatal(err)
	}
	_ = enc.Set(jwk.KeyIDKey, "enc-1")
	_ = enc.Set(jwk.KeyUsageKey, "enc")
	_ = set.AddKey(enc)
	keys, err := jwtverify.NewStaticKeys(set)
	if err != nil {
		t.Fatalf("NewStaticKeys with an enc key in the set: %v", err)
	}
	v, _ := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Algorithms: []string{"ES256"}, Now: newClock().Now})
	if _, err := v.Verify(context.Background(), iss.Mint(claims(), jwttest.WithAlg("ES256"), jwttest.WithHeader("kid", "enc-1"))); !errors.Is(err, jwtverify.ErrUnknownKey) {
		t.Fatalf("token naming the encryption key: err = %v, want ErrUnknownKey", err)
	}
	onlyEnc := jwk.NewSet()
	_ = onlyEnc.AddKey(enc)
	if _, err := jwtverify.NewStaticKeys(onlyEnc); !errors.Is(err, jwtverify.ErrConfig) {
		t.Fatalf("only an enc key: err = %v, want ErrConfig", err)
	}
}
