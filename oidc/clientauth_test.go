package oidc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"io"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// TestClientAssertion checks every member of a client assertion: alg and kid
// in the header, iss = sub = client ID, aud, a 256-bit jti fresh each time,
// iat now and exp a minute later, and a signature by the configured key.
func TestClientAssertion(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	secret := "a-client-secret-of-more-than-32-bytes!!"
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		name    string
		method  AuthMethod
		key     crypto.Signer
		alg     string
		wantAlg jwa.SignatureAlgorithm
		verify  any
	}{
		{"client_secret_jwt", ClientSecretJWT, nil, "", jwa.HS256, []byte(secret)},
		{"RSA default", PrivateKeyJWT, rk, "", jwa.RS256, rk.Public()},
		{"RSA PS256", PrivateKeyJWT, rk, "PS256", jwa.PS256, rk.Public()},
		{"P-384", PrivateKeyJWT, ek, "", jwa.ES384, ek.Public()},
		{"Ed25519", PrivateKeyJWT, edk, "", jwa.EdDSA, edk.Public()},
		{"opaque RSA signer (HSM, KMS)", PrivateKeyJWT, opaque{rk}, "", jwa.RS256, rk.Public()},
		{"opaque RSA signer PS256", PrivateKeyJWT, opaque{rk}, "PS256", jwa.PS256, rk.Public()},
		{"opaque ECDSA signer", PrivateKeyJWT, opaque{ek}, "", jwa.ES384, ek.Public()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Issuer: "https://sso.example", ClientID: "app-1", RedirectURL: "https://app.example/cb",
				AuthMethod: tc.method, PrivateKey: tc.key, PrivateKeyAlgorithm: tc.alg, Now: func() time.Time { return now }}
			if tc.key == nil {
				cfg.ClientSecret = secret
			} else {
				cfg.PrivateKeyID = "kid-1"
			}
			c, err := New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := c.clientAssertion("https://sso.example/token")
			if err != nil {
				t.Fatal(err)
			}
			msg, err := jws.Parse([]byte(raw))
			if err != nil {
				t.Fatal(err)
			}
			h := msg.Signatures()[0].ProtectedHeaders()
			if h.Algorithm() != tc.wantAlg || (tc.key != nil && h.KeyID() != "kid-1") {
				t.Errorf("header alg %s kid %q", h.Algorithm(), h.KeyID())
			}
			tok, err := jwt.Parse([]byte(raw), jwt.WithKey(tc.wantAlg, tc.verify), jwt.WithClock(jwt.ClockFunc(func() time.Time { return now })))
			if err != nil {
				t.Fatalf("signature or claims: %v", err)
			}
			jti, _ := base64.RawURLEncoding.DecodeString(tok.JwtID())
			if tok.Issuer() != "app-1" || tok.Subject() != "app-1" || len(tok.Audience()) != 1 || tok.Audience()[0] != "https://sso.example/token" ||
				len(jti) < 16 || !tok.IssuedAt().Equal(now) || !tok.Expiration().Equal(now.Add(time.Minute)) {
				t.Errorf("claims iss %q sub %q aud %q jti %q iat %v exp %v", tok.Issuer(), tok.Subject(), tok.Audience(), tok.JwtID(), tok.IssuedAt(), tok.Expiration())
			}
			again, _ := c.clientAssertion("https://sso.example/token")
			if t2, _ := jwt.Parse([]byte(again), jwt.WithVerify(false), jwt.WithValidate(false)); t2 == nil || t2.JwtID() == tok.JwtID() {
				t.Error("jti repeated")
			}
		})
	}
}

// opaque hides a key behind crypto.Signer alone, as an HSM or a KMS does.
type opaque struct{ s crypto.Signer }

func (o opaque) Public() crypto.PublicKey { return o.s.Public() }
func (o opaque) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.s.Sign(r, digest, opts)
}

// TestBasicAuth: id and secret are form-urlencoded before base64 (RFC 6749
// §2.3.1), so a ":" in the id cannot move the split.
func TestBasicAuth(t *testing.T) {
	for _, tc := range []struct{ id, secret, want string }{
		{"s6BhdRkqt3", "7Fjfp0ZBr1KtDRbnfVdmIw", "czZCaGRSa3F0Mzo3RmpmcDBaQnIxS3REUmJuZlZkbUl3"},
		{"a:b", "c d+é", base64.StdEncoding.EncodeToString([]byte("a%3Ab:c+d%2B%C3%A9"))},
	} {
		if got := basicAuth(tc.id, tc.secret); got != "Basic "+tc.want {
			t.Errorf("basicAuth(%q, %q) = %q, want Basic %s", tc.id, tc.secret, got, tc.want)
		}
	}
}
