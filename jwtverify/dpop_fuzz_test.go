package jwtverify_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// FuzzDPoPProof feeds the proof checks (shape, header, jwk, signature, htm,
// htu, iat, ath) arbitrary DPoP headers: never a panic, and every refusal
// wraps ErrDPoPProof. The seeds are a good proof, which passes every check,
// and proofs broken at each step, so the fuzzer starts past the first ones.
func FuzzDPoPProof(f *testing.F) {
	key := dpopKey(f, "ES256")
	const token = "the.access.token"
	seed := func(opts ...jwttest.ProofOption) {
		p, err := key.Proof("GET", apiURL, token, append([]jwttest.ProofOption{jwttest.WithProofTime(epoch)}, opts...)...)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(p)
	}
	seed()
	seed(jwttest.WithProofClaim("htu", "HTTP://API.test:80/a/../orders?q#f"))
	seed(jwttest.WithProofClaim("htm", "POST"))
	seed(jwttest.WithProofTime(epoch.Add(-time.Hour)))
	seed(jwttest.WithProofClaim("ath", "x"))
	seed(jwttest.WithProofSigner(dpopKey(f, "ES256-other")))
	seed(jwttest.WithPrivateJWK())
	seed(jwttest.WithProofHeader("alg", "HS256"))
	seed(jwttest.WithoutProofHeader("typ"))
	seed(jwttest.WithProofHeader("crit", []string{"x"}))
	seed(jwttest.WithoutProofClaim("jti"))
	seed(jwttest.WithProofClaim("iat", 1e300))
	p, _ := dpopKey(f, "EdDSA").Proof("GET", apiURL, token, jwttest.WithProofTime(epoch))
	f.Add(p)
	f.Add(jwttest.Raw([]byte(`{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}}`), []byte(`{"jti":"a"}`), []byte("s")))
	f.Add("a.b.c")
	f.Add("")

	d, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{Now: func() time.Time { return epoch }, Algorithms: []string{"ES256", "EdDSA", "RS256"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, proof string) {
		r := httptest.NewRequest("GET", apiURL, nil)
		r.Header["Dpop"] = []string{proof}
		err := jwtverify.CheckDPoPProof(d, r, token)
		if err != nil && !errors.Is(err, jwtverify.ErrDPoPProof) {
			t.Fatalf("%q: %v does not wrap ErrDPoPProof", proof, err)
		}
	})
}
