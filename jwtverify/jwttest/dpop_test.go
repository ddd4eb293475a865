package jwttest_test

import (
	"crypto"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// TestAccessToken: MintAccessToken writes typ at+jwt and AccessClaims the
// claims RFC 9068 requires.
func TestAccessToken(t *testing.T) {
	iss := jwttest.Start(t)
	now := time.Unix(1_800_000_000, 0)
	tok := iss.MintAccessToken(jwttest.AccessClaimsAt(now, "https://i.test", "alice", "https://api.test", "app", "a", "b"))
	var h struct{ Typ, Alg string }
	var c map[string]any
	if json.Unmarshal(segment(t, tok, 0), &h) != nil || json.Unmarshal(segment(t, tok, 1), &c) != nil {
		t.Fatal("undecodable token")
	}
	if h.Typ != "at+jwt" || h.Alg != "RS256" {
		t.Fatalf("header %+v", h)
	}
	for _, name := range []string{"iss", "exp", "aud", "sub", "client_id", "iat", "jti"} {
		if _, ok := c[name]; !ok {
			t.Errorf("no %s in %v", name, c)
		}
	}
	if c["scope"] != "a b" || c["client_id"] != "app" || c["aud"] != "https://api.test" || c["iat"] != float64(now.Unix()) {
		t.Fatalf("claims %v", c)
	}
	if h := string(segment(t, iss.MintAccessToken(c, jwttest.WithoutTyp()), 0)); strings.Contains(h, "typ") {
		t.Fatalf("WithoutTyp after MintAccessToken: %s", h)
	}
}

// TestDPoPProof: a proof is a dpop+jwt signed by the key it carries, with
// the claims RFC 9449 §4.2 lists, and the thumbprint is jwx's.
func TestDPoPProof(t *testing.T) {
	for _, alg := range []string{"ES256", "ES384", "EdDSA", "PS256"} {
		t.Run(alg, func(t *testing.T) {
			key, err := jwttest.NewDPoPKey(alg)
			if err != nil {
				t.Fatal(err)
			}
			p, err := key.Proof("POST", "https://api.test/x", "tok")
			if err != nil {
				t.Fatal(err)
			}
			var h struct {
				Typ, Alg string
				JWK      json.RawMessage
			}
			if err := json.Unmarshal(segment(t, p, 0), &h); err != nil || h.Typ != "dpop+jwt" || h.Alg != alg {
				t.Fatalf("header %s: %v", segment(t, p, 0), err)
			}
			pub, err := jwk.ParseKey(h.JWK)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := jws.Verify([]byte(p), jws.WithKey(jwa.SignatureAlgorithm(alg), pub)); err != nil {
				t.Fatalf("signature: %v", err)
			}
			tp, _ := pub.Thumbprint(crypto.SHA256)
			if got := base64.RawURLEncoding.EncodeToString(tp); got != key.Thumbprint() || key.Confirmation()["jkt"] != got {
				t.Fatalf("thumbprint %s, key says %s", got, key.Thumbprint())
			}
			var c map[string]any
			_ = json.Unmarshal(segment(t, p, 1), &c)
			sum := sha256.Sum256([]byte("tok"))
			if c["htm"] != "POST" || c["htu"] != "https://api.test/x" || c["ath"] != base64.RawURLEncoding.EncodeToString(sum[:]) || len(c["jti"].(string)) < 22 || c["iat"] == nil {
				t.Fatalf("claims %v", c)
			}
		})
	}
	if _, err := jwttest.NewDPoPKey("HS256"); !errors.Is(err, jwttest.ErrUnsupportedAlg) {
		t.Fatalf("HS256 key: %v", err)
	}
}

// TestDPoPBrokenProofs: each option breaks what it says, and only that.
func TestDPoPBrokenProofs(t *testing.T) {
	key, _ := jwttest.NewDPoPKey("ES256")
	other, _ := jwttest.NewDPoPKey("ES256")
	header := func(p string) map[string]any {
		var m map[string]any
		_ = json.Unmarshal(segment(t, p, 0), &m)
		return m
	}
	claims := func(p string) map[string]any {
		var m map[string]any
		_ = json.Unmarshal(segment(t, p, 1), &m)
		return m
	}
	mk := func(opts ...jwttest.ProofOption) string {
		p, err := key.Proof("GET", "https://api.test/", "", opts...)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	verifies := func(p string) bool {
		_, err := jws.Verify([]byte(p), jws.WithKey(jwa.ES256, key.PublicJWK()))
		return err == nil
	}
	if p := mk(); !verifies(p) || claims(p)["ath"] != nil {
		t.Fatal("a proof without a token: no ath, a good signature")
	}
	if p := mk(jwttest.WithPrivateJWK()); header(p)["jwk"].(map[string]any)["d"] == nil || !verifies(p) {
		t.Fatal("WithPrivateJWK: want d in the jwk")
	}
	if p := mk(jwttest.WithProofSigner(other)); verifies(p) || thumbprint(t, header(p)["jwk"]) != key.Thumbprint() {
		t.Fatal("WithProofSigner: want this key's jwk and a signature by the other key")
	}
	if p := mk(jwttest.WithProofHeader("alg", "HS256")); header(p)["alg"] != "HS256" || len(segment(t, p, 2)) != 32 {
		t.Fatal("HS256: want an HMAC-SHA256 signature")
	}
	if p := mk(jwttest.WithoutProofHeader("typ")); header(p)["typ"] != nil || !verifies(p) {
		t.Fatal("WithoutProofHeader")
	}
	at := time.Unix(1_700_000_000, 0)
	if p := mk(jwttest.WithProofTime(at), jwttest.WithProofJTI("j"), jwttest.WithProofNonce("n"), jwttest.WithoutProofClaim("htm")); claims(p)["iat"] != float64(at.Unix()) || claims(p)["jti"] != "j" || claims(p)["nonce"] != "n" || claims(p)["htm"] != nil {
		t.Fatalf("claims %v", claims(mk()))
	}
}

// thumbprint returns the RFC 7638 thumbprint of a decoded JWK.
func thumbprint(t *testing.T, j any) string {
	t.Helper()
	b, _ := json.Marshal(j)
	k, err := jwk.ParseKey(b)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := k.Thumbprint(crypto.SHA256)
	return base64.RawURLEncoding.EncodeToString(tp)
}
