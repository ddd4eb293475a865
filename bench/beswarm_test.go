package bench

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
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
}
