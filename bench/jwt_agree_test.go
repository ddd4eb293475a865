package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// TestImplementationsAgree checks the benchmark's setup: every implementation
// accepts the benchmarked token and refuses it with a tampered payload, so the
// benchmarks compare the same work.
func TestImplementationsAgree(t *testing.T) {
	iss, err := jwttest.New()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []jwtCase{{"RS256", jwttest.KidRSA}, {"ES256", jwttest.KidEC}} {
		good := iss.Mint(benchClaims(), jwttest.WithAlg(c.alg))
		parts := strings.Split(good, ".")
		forged := iss.Mint(map[string]any{"iss": benchIssuer, "sub": "admin", "aud": benchAudience, "exp": time.Now().Add(time.Hour).Unix()}, jwttest.WithAlg(c.alg))
		tampered := parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2]
		pub := iss.PublicKey(c.kid)
		set := iss.PublicJWKS()
		sesame := newSesame(t, set, c.alg, -1)
		p := gojwt.NewParser(gojwt.WithValidMethods([]string{c.alg}), gojwt.WithIssuer(benchIssuer), gojwt.WithAudience(benchAudience))
		impls := map[string]func(string) error{
			"sesame": func(tok string) error { _, err := sesame.Verify(context.Background(), tok); return err },
			"jwx": func(tok string) error {
				_, err := jwt.Parse([]byte(tok), jwt.WithKeySet(set), jwt.WithValidate(true), jwt.WithIssuer(benchIssuer), jwt.WithAudience(benchAudience))
				return err
			},
			"golang-jwt": func(tok string) error {
				_, err := p.ParseWithClaims(tok, &gojwt.RegisteredClaims{}, func(*gojwt.Token) (any, error) { return pub, nil })
				return err
			},
		}
		for name, verify := range impls {
			if err := verify(good); err != nil {
				t.Errorf("%s %s: good token refused: %v", c.alg, name, err)
			}
			if err := verify(tampered); err == nil {
				t.Errorf("%s %s: tampered token accepted", c.alg, name)
			}
		}
	}
}
