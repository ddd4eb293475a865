package jwtverify_test

import (
	"context"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// segs returns the three raw segments of a token.
func segs(tok string) []string { return strings.Split(tok, ".") }

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// signed signs exact header and payload JSON with the shared RSA key.
func signed(t *testing.T, header, payload string) string {
	t.Helper()
	tok, err := sharedIssuer().SignRaw(jwttest.KidRSA, "RS256", []byte(header), []byte(payload))
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// mustKey returns the public JWK of iss's RSA key.
func mustKey(t *testing.T, iss *jwttest.Issuer) any {
	t.Helper()
	k, ok := iss.PublicJWKS().LookupKeyID(jwttest.KidRSA)
	if !ok {
		t.Fatal("no RSA key")
	}
	return k
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestVerifyAttacks is the attack table: every row asserts the exact sentinel.
func TestVerifyAttacks(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	iss, evil := f.iss, otherIssuer()
	good := iss.Mint(claims())
	payloadJSON := mustJSON(t, claims())
	rsaHeader := `{"alg":"RS256","kid":"rsa-1","typ":"JWT"}`
	pemSecret := iss.PublicKeyPEM(jwttest.KidRSA)
	hsConfusion, _ := jwttest.SignHMAC("HS256", pemSecret, []byte(`{"alg":"HS256","kid":"rsa-1"}`), []byte(payloadJSON))
	hsConfusionNoKid, _ := jwttest.SignHMAC("HS256", pemSecret, []byte(`{"alg":"HS256"}`), []byte(payloadJSON))
	evilSrv := evil.Serve()
	evilJWK := mustJSON(t, mustKey(t, evil))

	flip := func(tok string) string {
		s := segs(tok)
		sig, _ := base64.RawURLEncoding.DecodeString(s[2])
		sig[10] ^= 0xff
		return s[0] + "." + s[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	derES256 := func() string {
		// A valid ES256 signature re-encoded as ASN.1 DER instead of JWS's r||s.
		tok := iss.Mint(claims(), jwttest.WithAlg("ES256"))
		s := segs(tok)
		sig, _ := base64.RawURLEncoding.DecodeString(s[2])
		der, err := asn1.Marshal(struct{ R, S *big.Int }{new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])})
		if err != nil {
			t.Fatal(err)
		}
		return s[0] + "." + s[1] + "." + base64.RawURLEncoding.EncodeToString(der)
	}

	tests := []struct {
		name string
		tok  string
		want error
	}{
		{"valid RS256", good, nil},
		{"valid ES256", iss.Mint(claims(), jwttest.WithAlg("ES256")), nil},
		{"valid EdDSA", iss.Mint(claims(), jwttest.WithAlg("EdDSA")), nil},
		{"valid aud array", iss.Mint(with("aud", []string{"other", testAudience})), nil},
		{"valid expired within leeway", iss.Mint(with("exp", epoch.Add(-10*time.Second).Unix())), nil},
		{"valid fractional exp", iss.Mint(with("exp", float64(epoch.Unix())+3600.5)), nil},

		{"alg none", b64(`{"alg":"none"}`) + "." + b64(payloadJSON) + ".", jwtverify.ErrAlgorithm},
		{"alg none with signature", iss.Mint(claims(), jwttest.WithHeader("alg", "none")), jwtverify.ErrAlgorithm},
		{"alg None", iss.Mint(claims(), jwttest.WithHeader("alg", "None")), jwtverify.ErrAlgorithm},
		{"alg empty", iss.Mint(claims(), jwttest.WithHeader("alg", "")), jwtverify.ErrAlgorithm},
		{"alg missing", iss.Mint(claims(), jwttest.WithoutHeader("alg")), jwtverify.ErrAlgorithm},
		{"alg not a string", iss.Mint(claims(), jwttest.WithHeader("alg", 256)), jwtverify.ErrMalformed},
		{"HS256 keyed by the RSA public key", hsConfusion, jwtverify.ErrAlgorithm},
		{"HS256 keyed by the RSA public key, no kid", hsConfusionNoKid, jwtverify.ErrAlgorithm},
		{"alg unknown URI", iss.Mint(claims(), jwttest.WithHeader("alg", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")), jwtverify.ErrAlgorithm},
		{"alg differs from key alg", iss.Mint(claims(), jwttest.WithAlg("PS256")), jwtverify.ErrAlgorithm},
		{"ES256 header on the RSA key", iss.Mint(claims(), jwttest.WithHeader("alg", "ES256")), jwtverify.ErrAlgorithm},
		{"RS256 header on the EC key", iss.Mint(claims(), jwttest.WithAlg("ES256"), jwttest.WithHeader("alg", "RS256")), jwtverify.ErrAlgorithm},
		{"unknown kid", iss.Mint(claims(), jwttest.WithHeader("kid", "nope")), jwtverify.ErrUnknownKey},
		{"no kid", iss.Mint(claims(), jwttest.WithoutKid()), jwtverify.ErrUnknownKey},
		{"kid path traversal", iss.Mint(claims(), jwttest.WithHeader("kid", "../../dev/null")), jwtverify.ErrUnknownKey},
		{"kid not a string", iss.Mint(claims(), jwttest.WithHeader("kid", 1)), jwtverify.ErrMalformed},
		{"attacker key, our kid", evil.Mint(claims()), jwtverify.ErrSignature},
		{"attacker key, unknown kid", evil.Mint(claims(), jwttest.WithHeader("kid", "evil")), jwtverify.ErrUnknownKey},
		{"jku to attacker JWKS", evil.Mint(claims(), jwttest.WithHeader("jku", evilSrv.JWKSURL())), jwtverify.ErrSignature},
		{"jku to attacker JWKS, unknown kid", evil.Mint(claims(), jwttest.WithHeader("jku", evilSrv.JWKSURL()), jwttest.WithHeader("kid", "evil")), jwtverify.ErrUnknownKey},
		{"x5u to attacker", evil.Mint(claims(), jwttest.WithHeader("x5u", evilSrv.URL+"/cert.pem")), jwtverify.ErrSignature},
		{"embedded attacker jwk", evil.Mint(claims(), jwttest.WithHeader("jwk", json.RawMessage(evilJWK))), jwtverify.ErrSignature},
		{"embedded x5c", evil.Mint(claims(), jwttest.WithHeader("x5c", []string{"MIIB"})), jwtverify.ErrSignature},
		{"unknown crit", iss.Mint(claims(), jwttest.WithHeader("crit", []string{"exp"}), jwttest.WithHeader("exp", 1)), jwtverify.ErrCritical},
		{"crit b64", iss.Mint(claims(), jwttest.WithHeader("crit", []string{"b64"}), jwttest.WithHeader("b64", false)), jwtverify.ErrCritical},
		{"bad signature", flip(good), jwtverify.ErrSignature},
		{"empty signature", segs(good)[0] + "." + segs(good)[1] + ".", jwtverify.ErrSignature},
		{"ES256 DER signature", derES256(), jwtverify.ErrSignature},
		{"payload swapped", segs(good)[0] + "." + b64(mustJSON(t, with("sub", "admin"))) + "." + segs(good)[2], jwtverify.ErrSignature},

		{"expired", iss.Mint(with("exp", epoch.Add(-time.Minute).Unix())), jwtverify.ErrExpired},
		{"expired at exactly exp+leeway", iss.Mint(with("exp", epoch.Add(-30*time.Second).Unix())), jwtverify.ErrExpired},
		{"nbf in the future", iss.Mint(with("nbf", epoch.Add(time.Minute).Unix())), jwtverify.ErrNotYetValid},
		{"iat in the future", iss.Mint(with("iat", epoch.Add(time.Hour).Unix())), jwtverify.ErrIssuedInFuture},
		{"wrong iss", iss.Mint(with("iss", "https://evil.test")), jwtverify.ErrIssuer},
		{"iss with trailing slash", iss.Mint(with("iss", testIssuer+"/")), jwtverify.ErrIssuer},
		{"missing iss", iss.Mint(with("iss", nil)), jwtverify.ErrIssuer},
		{"wrong aud", iss.Mint(with("aud", "other")), jwtverify.ErrAudience},
		{"missing aud", iss.Mint(with("aud", nil)), jwtverify.ErrAudience},
		{"empty aud array", iss.Mint(with("aud", []string{})), jwtverify.ErrAudience},
		{"missing exp", iss.Mint(with("exp", nil)), jwtverify.ErrMissingClaim},
		{"exp as string", iss.Mint(with("exp", "1900000000")), jwtverify.ErrMalformed},
		{"exp null", iss.Mint(with("exp", json.RawMessage("null"))), jwtverify.ErrMalformed},
		{"exp huge", iss.Mint(with("exp", 1e300)), jwtverify.ErrMalformed},
		{"aud as number", iss.Mint(with("aud", 7)), jwtverify.ErrMalformed},
		{"aud array of numbers", iss.Mint(with("aud", []int{1})), jwtverify.ErrMalformed},
		{"iss as object", iss.Mint(with("iss", map[string]string{"a": "b"})), jwtverify.ErrMalformed},

		{"empty token", "", jwtverify.ErrMalformed},
		{"2 segments", segs(good)[0] + "." + segs(good)[1], jwtverify.ErrMalformed},
		{"4 segments", good + "." + segs(good)[2], jwtverify.ErrMalformed},
		{"5 segments", good + ".a.b", jwtverify.ErrMalformed},
		{"trailing dot", good + ".", jwtverify.ErrMalformed},
		{"leading dot", "." + good, jwtverify.ErrMalformed},
		{"padded base64", segs(good)[0] + "=." + segs(good)[1] + "." + segs(good)[2], jwtverify.ErrMalformed},
		{"standard alphabet", strings.NewReplacer("-", "+", "_", "/").Replace(segs(good)[0]+"."+segs(good)[1]) + "." + strings.NewReplacer("-", "+", "_", "/").Replace(segs(good)[2]) + "+/", jwtverify.ErrMalformed},
		{"line break in token", segs(good)[0] + "\n." + segs(good)[1] + "." + segs(good)[2], jwtverify.ErrMalformed},
		{"space in token", " " + good, jwtverify.ErrMalformed},
		{"invalid UTF-8 payload", signed(t, rsaHeader, `{"iss":"`+testIssuer+`","sub":"\xff\xfe","aud":"api","exp":1900000000}`), jwtverify.ErrMalformed},
		{"invalid UTF-8 header", signed(t, `{"alg":"RS256","kid":"rsa-1","x":"\xc3"}`, payloadJSON), jwtverify.ErrMalformed},
		{"payload is an array", signed(t, rsaHeader, `[1,2]`), jwtverify.ErrMalformed},
		{"payload is a string", signed(t, rsaHeader, `"claims"`), jwtverify.ErrMalformed},
		{"payload is null", signed(t, rsaHeader, `null`), jwtverify.ErrMalformed},
		{"payload not JSON", signed(t, rsaHeader, `{"iss":`), jwtverify.ErrMalformed},
		{"payload with trailing data", signed(t, rsaHeader, payloadJSON+`{}`), jwtverify.ErrMalformed},
		{"header is an array", b64(`["RS256"]`) + "." + b64(payloadJSON) + ".c2ln", jwtverify.ErrMalformed},
		{"duplicate claim", signed(t, rsaHeader, `{"iss":"https://evil.test","iss":"`+testIssuer+`","aud":"api","exp":1900000000}`), jwtverify.ErrMalformed},
		{"duplicate claim via escape", signed(t, rsaHeader, `{"sub":"admin","\u0073ub":"alice","iss":"`+testIssuer+`","aud":"api","exp":1900000000}`), jwtverify.ErrMalformed},
		{"duplicate header alg", signed(t, `{"alg":"none","alg":"RS256","kid":"rsa-1"}`, payloadJSON), jwtverify.ErrMalformed},
		{"1 MiB token", good + strings.Repeat("A", 1<<20), jwtverify.ErrTooLarge},
	}
	if len(tests) < 30 {
		t.Fatalf("attack table has %d rows, want at least 30", len(tests))
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := f.v.Verify(context.Background(), tc.tok)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if tok.Subject() != "alice" {
					t.Fatalf("sub = %q", tok.Subject())
				}
				return
			}
			onlySentinel(t, err, tc.want)
			if tok != nil {
				t.Fatal("a token came back with an error")
			}
		})
	}
	if n := evilSrv.Fetches(); n != 0 {
		t.Fatalf("the attacker's JWKS was fetched %d times", n)
	}
}
