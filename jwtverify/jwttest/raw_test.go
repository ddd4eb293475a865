package jwttest_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

func TestRaw(t *testing.T) {
	tests := []struct {
		name                 string
		header, payload, sig []byte
		want                 string
	}{
		{"exact bytes", []byte(`{"alg":"RS256"`), []byte("\xff\xfe"), []byte{0, 1, 2}, "eyJhbGciOiJSUzI1NiI.__4.AAEC"},
		{"no signature", []byte(`{}`), []byte(`{}`), nil, "e30.e30."},
		{"all empty", nil, nil, nil, ".."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := jwttest.Raw(tt.header, tt.payload, tt.sig)
			if tok != tt.want {
				t.Fatalf("Raw = %q, want %q", tok, tt.want)
			}
			for n, want := range [][]byte{tt.header, tt.payload, tt.sig} {
				if got := segment(t, tok, n); !bytes.Equal(got, want) {
					t.Errorf("segment %d = %q, want %q", n, got, want)
				}
			}
		})
	}
}

func TestSignRaw(t *testing.T) {
	iss := jwttest.Start(t)
	header := []byte(`{"alg":"none","alg":"RS256","kid":"rsa-1"}`)
	payload := []byte(`{"sub":"alice","sub":"admin"}`)
	tok, err := iss.SignRaw(jwttest.KidRSA, "RS256", header, payload)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(segment(t, tok, 0), header) || !bytes.Equal(segment(t, tok, 1), payload) {
		t.Errorf("SignRaw changed the header or payload: %q", tok)
	}
	verifyRS256(t, iss.PublicKey(jwttest.KidRSA), tok)

	es, err := iss.SignRaw(jwttest.KidEC, "ES256", []byte(`{"alg":"ES256"}`), payload)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := jws.Verify([]byte(es), jws.WithKey(jwa.ES256, iss.PublicKey(jwttest.KidEC))); err != nil {
		t.Errorf("ES256 SignRaw token: %v", err)
	}

	errTests := []struct {
		kid, alg string
		want     error
	}{
		{"nope", "RS256", jwttest.ErrUnknownKid},
		{jwttest.KidRSA, "ES256", jwttest.ErrAlgKeyMismatch},
		{jwttest.KidRSA, "none", jwttest.ErrUnsupportedAlg},
		{jwttest.KidEd25519, "HS256", jwttest.ErrAlgKeyMismatch},
	}
	for _, tt := range errTests {
		if tok, err := iss.SignRaw(tt.kid, tt.alg, header, payload); !errors.Is(err, tt.want) {
			t.Errorf("SignRaw(%s, %s) = %q, %v; want %v", tt.kid, tt.alg, tok, err, tt.want)
		}
	}
}

func TestSignHMAC(t *testing.T) {
	iss := jwttest.Start(t)
	secret := iss.PublicKeyPEM(jwttest.KidRSA)
	header, payload := []byte(`{"alg":"HS256","kid":"rsa-1"}`), []byte(`{"sub":"admin"}`)
	tok, err := jwttest.SignHMAC("HS256", secret, header, payload)
	if err != nil {
		t.Fatal(err)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(tok[:strings.LastIndexByte(tok, '.')]))
	if want := jwttest.Raw(header, payload, mac.Sum(nil)); tok != want {
		t.Errorf("SignHMAC = %q, want %q", tok, want)
	}
	for _, alg := range []string{"HS384", "HS512"} {
		tok, err := jwttest.SignHMAC(alg, secret, []byte(`{"alg":"`+alg+`"}`), payload)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := jws.Verify([]byte(tok), jws.WithKey(jwa.SignatureAlgorithm(alg), secret)); err != nil {
			t.Errorf("%s: jws.Verify: %v", alg, err)
		}
	}
	if _, err := jwttest.SignHMAC("RS256", secret, header, payload); !errors.Is(err, jwttest.ErrAlgKeyMismatch) {
		t.Errorf("SignHMAC(RS256) error = %v, want ErrAlgKeyMismatch", err)
	}
	if _, err := jwttest.SignHMAC("HS1", secret, header, payload); !errors.Is(err, jwttest.ErrUnsupportedAlg) {
		t.Errorf("SignHMAC(HS1) error = %v, want ErrUnsupportedAlg", err)
	}
}
