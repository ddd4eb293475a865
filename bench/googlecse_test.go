package bench

import (
	"context"
	"testing"

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
// is two signatures, so a fresh pair should cost about 2x it. Fresh tokens
// cycle through more pairs than the verified-signature caches hold; repeat
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
	v, err := googlecse.New(googlecse.Config{Tenants: tenants, Auditor: audit, HTTPClient: fake.Client(), GoogleKeysURL: fake.GoogleKeysURL()})
	if err != nil {
		b.Fatal(err)
	}
	const n = 1500 // > the 1,024-entry signature caches: every fresh token misses
	authns, authzs := make([]string, n), make([]string, n)
	for i := range n {
		authns[i] = fake.MintAuthentication("alice@example.com", map[string]any{"jti": itoa(i)})
		authzs[i], _ = fake.MintAuthorization(googlecse.IssuerDrive, map[string]any{"email": "alice@example.com", "role": "reader",
			"kacls_url": kacls, "resource_name": "//googleapis.com/drive/files/1", "jti": itoa(i)})
	}
	ctx := context.Background()
	pair := func(i int) {
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
	pair(0) // warm: configurations and keys fetched
	// single: no signature cache, the plain verification; single-cached:
	// jwtverify's default cache, missed by every fresh token as the pair's
	// two verifiers miss theirs (the cache's bookkeeping, not pair work).
	for _, c := range []struct {
		impl  string
		cache int
	}{{"single", -1}, {"single-cached", 0}} {
		b.Run("impl="+c.impl, func(b *testing.B) {
			keys, err := jwtverify.NewRemoteJWKS(fake.URL+googlecsetest.PathIdPJWKS, jwtverify.RemoteKeysConfig{HTTPClient: fake.Client()})
			if err != nil {
				b.Fatal(err)
			}
			jv, _ := jwtverify.New(keys, jwtverify.Config{Issuer: fake.Issuer, Audience: []string{googlecsetest.DefaultClientID}, CacheSize: c.cache})
			if _, err := jv.Verify(ctx, authns[0]); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := jv.Verify(ctx, authns[i%n]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
	b.Run("impl=pair-fresh", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			pair(i % n)
			i++
		}
	})
	b.Run("impl=pair-repeat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			pair(0)
		}
	})
}

func itoa(i int) string {
	return string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26))
}
