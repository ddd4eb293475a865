package beswarm_test

import (
	"testing"

	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// BenchmarkParseClaims measures the claim decoding a fresh token adds to the
// signature check (the verify itself is in bench/).
func BenchmarkParseClaims(b *testing.B) {
	fake, err := beswarmtest.New(beswarmtest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	tok, err := fake.Mint(fake.Claims(beswarm.User, beswarm.CodeChallengeHash("bench")))
	if err != nil {
		b.Fatal(err)
	}
	v := staticVerifierB(b, fake)
	c, err := v.VerifyClaims(ctx, tok)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := beswarm.ParseClaims(c.Token); err != nil {
			b.Fatal(err)
		}
	}
}
