package jwttest_test

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

func TestMintVerifies(t *testing.T) {
	iss := jwttest.Start(t)
	claims := map[string]any{"sub": "alice", "n": 1}
	want, _ := json.Marshal(claims)
	tests := []struct {
		name     string
		opts     []jwttest.Option
		alg, kid string
	}{
		{"default", nil, "RS256", jwttest.KidRSA},
		{"RS384", []jwttest.Option{jwttest.WithAlg("RS384")}, "RS384", jwttest.KidRSA},
		{"RS512", []jwttest.Option{jwttest.WithAlg("RS512")}, "RS512", jwttest.KidRSA},
		{"PS256", []jwttest.Option{jwttest.WithAlg("PS256")}, "PS256", jwttest.KidRSA},
		{"ES256", []jwttest.Option{jwttest.WithAlg("ES256")}, "ES256", jwttest.KidEC},
		{"EdDSA", []jwttest.Option{jwttest.WithAlg("EdDSA")}, "EdDSA", jwttest.KidEd25519},
		{"kid picks alg", []jwttest.Option{jwttest.WithKid(jwttest.KidEC)}, "ES256", jwttest.KidEC},
		{"kid and alg", []jwttest.Option{jwttest.WithKid(jwttest.KidRSA), jwttest.WithAlg("PS512")}, "PS512", jwttest.KidRSA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := iss.Mint(claims, tt.opts...)
			got, err := jws.Verify([]byte(tok), jws.WithKey(jwa.SignatureAlgorithm(tt.alg), iss.PublicKey(tt.kid)))
			if err != nil {
				t.Fatalf("jws.Verify: %v", err)
			}
			if string(got) != string(want) {
				t.Errorf("payload = %s, want %s", got, want)
			}
			wantHeader := `{"alg":"` + tt.alg + `","kid":"` + tt.kid + `","typ":"JWT"}`
			if h := string(segment(t, tok, 0)); h != wantHeader {
				t.Errorf("header = %s, want %s", h, wantHeader)
			}
		})
	}
}

// The default algorithms verify against the published JWKS, which a verifier
// uses with the JWK's own alg.
func TestMintVerifiesWithJWKS(t *testing.T) {
	iss := jwttest.Start(t)
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		tok := iss.Mint(jwttest.Claims("i", "s"), jwttest.WithAlg(alg))
		if _, err := jws.Verify([]byte(tok), jws.WithKeySet(iss.PublicJWKS())); err != nil {
			t.Errorf("%s: jws.Verify with the JWKS: %v", alg, err)
		}
	}
}

// ES256 and EdDSA signatures have the raw JWS form, checked with the standard
// library alone.
func TestSignatureFormats(t *testing.T) {
	iss := jwttest.Start(t)
	es := iss.Mint(nil, jwttest.WithAlg("ES256"))
	sig := segment(t, es, 2)
	if len(sig) != 64 {
		t.Fatalf("ES256 signature is %d bytes, want 64 (r || s)", len(sig))
	}
	cut := strings.LastIndexByte(es, '.')
	digest := sha256Sum(es[:cut])
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	if !ecdsa.Verify(iss.PublicKey(jwttest.KidEC).(*ecdsa.PublicKey), digest, r, s) {
		t.Error("ES256 signature does not verify with crypto/ecdsa")
	}
	ed := iss.Mint(nil, jwttest.WithAlg("EdDSA"))
	cut = strings.LastIndexByte(ed, '.')
	if !ed25519.Verify(iss.PublicKey(jwttest.KidEd25519).(ed25519.PublicKey), []byte(ed[:cut]), segment(t, ed, 2)) {
		t.Error("EdDSA signature does not verify with crypto/ed25519")
	}
}

func TestMintHeaderOptions(t *testing.T) {
	iss := jwttest.Start(t)
	tests := []struct {
		name   string
		opts   []jwttest.Option
		header string
	}{
		{"alg none", []jwttest.Option{jwttest.WithHeader("alg", "none")}, `{"alg":"none","kid":"rsa-1","typ":"JWT"}`},
		{"kid override", []jwttest.Option{jwttest.WithHeader("kid", "other")}, `{"alg":"RS256","kid":"other","typ":"JWT"}`},
		{"without kid", []jwttest.Option{jwttest.WithoutKid()}, `{"alg":"RS256","typ":"JWT"}`},
		{"without typ", []jwttest.Option{jwttest.WithoutTyp()}, `{"alg":"RS256","kid":"rsa-1"}`},
		{"jku", []jwttest.Option{jwttest.WithHeader("jku", "https://evil.test/jwks")}, `{"alg":"RS256","jku":"https://evil.test/jwks","kid":"rsa-1","typ":"JWT"}`},
		{"crit", []jwttest.Option{jwttest.WithHeader("crit", []string{"exp"})}, `{"alg":"RS256","crit":["exp"],"kid":"rsa-1","typ":"JWT"}`},
		{"null kid", []jwttest.Option{jwttest.WithHeader("kid", nil)}, `{"alg":"RS256","kid":null,"typ":"JWT"}`},
		{"remove then set", []jwttest.Option{jwttest.WithoutKid(), jwttest.WithHeader("kid", "x")}, `{"alg":"RS256","kid":"x","typ":"JWT"}`},
		{"set then remove", []jwttest.Option{jwttest.WithHeader("kid", "x"), jwttest.WithoutKid()}, `{"alg":"RS256","typ":"JWT"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := iss.Mint(map[string]any{"sub": "a"}, tt.opts...)
			if h := string(segment(t, tok, 0)); h != tt.header {
				t.Errorf("header = %s, want %s", h, tt.header)
			}
			verifyRS256(t, iss.PublicKey(jwttest.KidRSA), tok) // the key and alg chosen before the overrides
		})
	}
}

func TestMintErrors(t *testing.T) {
	iss := jwttest.Start(t)
	tests := []struct {
		name   string
		claims map[string]any
		opts   []jwttest.Option
		want   error // nil: any error
	}{
		{"unknown kid", nil, []jwttest.Option{jwttest.WithKid("nope")}, jwttest.ErrUnknownKid},
		{"unsupported alg", nil, []jwttest.Option{jwttest.WithAlg("XX256")}, jwttest.ErrUnsupportedAlg},
		{"HMAC alg", nil, []jwttest.Option{jwttest.WithAlg("HS256")}, jwttest.ErrNoKey},
		{"alg for another key", nil, []jwttest.Option{jwttest.WithKid(jwttest.KidEC), jwttest.WithAlg("RS256")}, jwttest.ErrAlgKeyMismatch},
		{"claims not JSON", map[string]any{"f": func() {}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := iss.MintE(tt.claims, tt.opts...)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("MintE = %q, %v; want error %v", tok, err, tt.want)
			}
			if tok != "" {
				t.Errorf("token %q returned with an error", tok)
			}
		})
	}
}

// fatalTB records Fatal calls instead of stopping the test.
type fatalTB struct {
	testing.TB
	fatals int
}

func (f *fatalTB) Fatal(...any) { f.fatals++ }

func TestMintFailure(t *testing.T) {
	tb := &fatalTB{TB: t}
	if tok := jwttest.Start(tb).Mint(nil, jwttest.WithKid("nope")); tok != "" || tb.fatals != 1 {
		t.Errorf("New issuer: Mint = %q with %d Fatal calls, want \"\" and 1", tok, tb.fatals)
	}
	iss, err := jwttest.New()
	if err != nil {
		t.Fatal(err)
	}
	if tok := iss.Mint(nil, jwttest.WithKid("nope")); tok != "" {
		t.Errorf("New issuer: Mint = %q, want \"\"", tok)
	}
}
