package bench

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// BenchmarkVerifyBeSwarm verifies a BeSwarm user token as beswarmtest issues
// it (the claims of BeSwarm's documentation, XML-DSig rsa-sha256 header, RSA
// 2048) with its claims and rights decoded: compare impl=sesame with
// BenchmarkVerifyRS256/impl=sesame, and impl=sesame-cached (a repeat token)
// with the 2 µs target.
func BenchmarkVerifyBeSwarm(b *testing.B) {
	fake, err := beswarmtest.New(beswarmtest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	tok, err := fake.Mint(fake.Claims(beswarm.User, beswarm.CodeChallengeHash("bench")))
	if err != nil {
		b.Fatal(err)
	}
	keys, err := jwtverify.NewXMLKeys(map[string][]byte{fake.Kid(): []byte(fake.PublicKeyXML(fake.Kid()))})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		impl  string
		cache int
	}{{"sesame", -1}, {"sesame-cached", 0}} {
		b.Run("impl="+c.impl, func(b *testing.B) {
			v, err := beswarm.NewVerifier(keys, beswarm.Config{Audience: []string{beswarm.AnyAudience}, CacheSize: c.cache, Now: time.Now})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				cl, err := v.VerifyClaims(ctx, tok)
				if err != nil || !cl.Can("userbankaccount", beswarm.Write) {
					b.Fatal(err)
				}
			}
		})
	}
	// ratio times this verification and BenchmarkVerifyRS256's (impl=sesame)
	// in turn, each iteration, and reports beswarm/rs256: on a shared machine
	// a load that comes and goes weighs on both alike, where separate rows
	// drift apart.
	b.Run("impl=ratio", func(b *testing.B) {
		iss, err := jwttest.New()
		if err != nil {
			b.Fatal(err)
		}
		plainTok := iss.Mint(benchClaims(), jwttest.WithAlg("RS256"))
		plain := newSesame(b, iss.PublicJWKS(), "RS256", -1)
		v, err := beswarm.NewVerifier(keys, beswarm.Config{Audience: []string{beswarm.AnyAudience}, CacheSize: -1, Now: time.Now})
		if err != nil {
			b.Fatal(err)
		}
		var rs, bs time.Duration
		b.ReportAllocs()
		for b.Loop() {
			t0 := time.Now()
			if _, err := plain.Verify(ctx, plainTok); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			cl, err := v.VerifyClaims(ctx, tok)
			if err != nil || !cl.Can("userbankaccount", beswarm.Write) {
				b.Fatal(err)
			}
			rs, bs = rs+t1.Sub(t0), bs+time.Since(t1)
		}
		b.ReportMetric(float64(bs)/float64(rs), "beswarm/rs256")
	})
}
