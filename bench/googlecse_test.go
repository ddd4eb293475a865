package bench

import (
	"context"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/googlecse"
	"github.com/sesame-go/sesame/jwtverify/googlecse/googlecsetest"
)

// countAuditor counts records (the records are built either way).
type countAuditor struct{ n int }

func (a *countAuditor) Audit(context.Context, *googlecse.AuditRecord) { a.n++ }

// BenchmarkGoogleCSEPair runs a full KACLS check: an authentication token
// (remote IdP), an authorization token (Google's Drive issuer), the pair rules,
// and the three audit records. impl=single is one plain RS256 verification of
// the same authentication token with jwtverify, the unit of the ratio: a pair
// is two signatures, so a fresh pair should cost about 2x it.
//
// Fresh rows never show a verifier a token twice: the verified-signature
// caches admit a token on its second sighting, so after each pass over the n
// pairs the verifiers are replaced, timer stopped, as a KACLS whose every
// pair is new keeps them cold. impl=single-cached is one verification with
// jwtverify's default cache, missed by every fresh token as the pair's two
// verifiers miss theirs: the cache's bookkeeping, not pair work. repeat
// verifies one pair again and again.
func BenchmarkGoogleCSEPair(b *testing.B) {
	fake, err := googlecsetest.New(googlecsetest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	const tenant, kacls = "025f02fe-bee2-444b-bf76-b5ead30327c0", "https://kacls.example/t"
	tenants, _ := googlecse.NewTenantMap(googlecse.Tenant{ID: tenant, KACLSURL: kacls,
		IdPs: []googlecse.IdP{{CSEConfigurationURL: fake.CSEConfigurationURL()}}})
	audit := &countAuditor{}
	newVerifier := func() *googlecse.Verifier {
		v, err := googlecse.New(googlecse.Config{Tenants: tenants, Auditor: audit, HTTPClient: fake.Client(), GoogleKeysURL: fake.GoogleKeysURL()})
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	const n = 1024 // pairs per pass; one more warms each new verifier
	authns, authzs := make([]string, n+1), make([]string, n+1)
	for i := range n + 1 {
		authns[i] = fake.MintAuthentication("alice@example.com", map[string]any{"jti": itoa(i)})
		authzs[i], _ = fake.MintAuthorization(googlecse.IssuerDrive, map[string]any{"email": "alice@example.com", "role": "reader",
			"kacls_url": kacls, "resource_name": "//googleapis.com/drive/files/1", "jti": itoa(i)})
	}
	ctx := context.Background()
	pair := func(v *googlecse.Verifier, i int) {
		a, err := v.VerifyAuthentication(ctx, tenant, authns[i], googlecse.UserAuthentication, googlecse.OpUnwrap)
		if err != nil {
			b.Fatal(err)
		}
		z, err := v.VerifyAuthorization(ctx, tenant, authzs[i], googlecse.OpUnwrap)
		if err != nil {
			b.Fatal(err)
		}
		if err := v.VerifyPair(ctx, tenant, a, z); err != nil {
			b.Fatal(err)
		}
	}
	keys, err := jwtverify.NewRemoteJWKS(fake.URL+googlecsetest.PathIdPJWKS, jwtverify.RemoteKeysConfig{HTTPClient: fake.Client()})
	if err != nil {
		b.Fatal(err)
	}
	// single: no signature cache, the plain verification; single-cached:
	// jwtverify's default cache.
	for _, c := range []struct {
		impl  string
		cache int
	}{{"single", -1}, {"single-cached", 0}} {
		b.Run("impl="+c.impl, func(b *testing.B) {
			var jv *jwtverify.Verifier
			freshLoop(b, n, func() {
				jv, _ = jwtverify.New(keys, jwtverify.Config{Issuer: fake.Issuer, Audience: []string{googlecsetest.DefaultClientID}, CacheSize: c.cache})
				if _, err := jv.Verify(ctx, authns[n]); err != nil { // the key index built
					b.Fatal(err)
				}
			}, func(i int) {
				if _, err := jv.Verify(ctx, authns[i]); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
	b.Run("impl=pair-fresh", func(b *testing.B) {
		var v *googlecse.Verifier
		freshLoop(b, n, func() {
			v = newVerifier()
			pair(v, n) // configurations and keys fetched
		}, func(i int) { pair(v, i) })
	})
	// ratio times, in turn each iteration, a fresh single verification, the
	// same two verifications a pair makes done by plain jwtverify verifiers
	// (default caches, each token parsed once as googlecse does: the floor of
	// a pair), and a fresh pair; it reports pair/single and two/single. On a
	// shared machine a load that comes and goes then weighs on all three
	// alike, where separate rows drift apart. The single verifies another
	// pair's authentication token, so no timing warms another's memory.
	b.Run("impl=ratio", func(b *testing.B) {
		kz, err := jwtverify.NewRemoteJWKS(fake.GoogleKeysURL()+googlecse.IssuerDrive, jwtverify.RemoteKeysConfig{HTTPClient: fake.Client()})
		if err != nil {
			b.Fatal(err)
		}
		var v *googlecse.Verifier
		var single, ja, jz *jwtverify.Verifier
		var ts, tt, tp time.Duration
		verify := func(jv *jwtverify.Verifier, raw string) {
			u, err := jwtverify.ParseUnverified(raw)
			if err == nil {
				_, err = jv.VerifyParsed(ctx, u)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
		freshLoop(b, n, func() {
			v = newVerifier()
			pair(v, n)
			single, _ = jwtverify.New(keys, jwtverify.Config{Issuer: fake.Issuer, Audience: []string{googlecsetest.DefaultClientID}, CacheSize: -1})
			ja, _ = jwtverify.New(keys, jwtverify.Config{Issuer: fake.Issuer, Audience: []string{googlecsetest.DefaultClientID}})
			jz, _ = jwtverify.New(kz, jwtverify.Config{Issuer: googlecse.IssuerDrive, Audience: []string{googlecse.AudienceAuthorization}})
			verify(single, authns[n])
			verify(ja, authns[n])
			verify(jz, authzs[n])
		}, func(i int) {
			t0 := time.Now()
			if _, err := single.Verify(ctx, authns[(i+n/3)%n]); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			verify(ja, authns[(i+2*n/3)%n])
			verify(jz, authzs[(i+2*n/3)%n])
			t2 := time.Now()
			pair(v, i)
			ts, tt, tp = ts+t1.Sub(t0), tt+t2.Sub(t1), tp+time.Since(t2)
		})
		b.ReportMetric(float64(tp)/float64(ts), "pair/single")
		b.ReportMetric(float64(tt)/float64(ts), "two/single")
	})
	b.Run("impl=pair-repeat", func(b *testing.B) {
		v := newVerifier()
		pair(v, 0)
		b.ReportAllocs()
		for b.Loop() {
			pair(v, 0)
		}
	})
}

// freshLoop runs op(0), op(1), … op(n-1), then again, calling reset with the
// timer stopped before each pass: reset replaces the verifiers, so no
// verifier sees a token twice.
func freshLoop(b *testing.B, n int, reset func(), op func(i int)) {
	b.Helper()
	reset()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == n {
			b.StopTimer()
			reset()
			b.StartTimer()
			i = 0
		}
		op(i)
		i++
	}
}

func itoa(i int) string {
	return string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
}
