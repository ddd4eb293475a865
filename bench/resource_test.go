package bench

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/introspecttest"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// Issue 21: resource servers. Three figures, each against its baseline in
// the same run:
//
//   - BenchmarkVerifyRS256/impl=sesame-rfc9068: a fresh RFC 9068 access
//     token (typ at+jwt, the profile's claims checked), against
//     BenchmarkVerifyRS256/impl=sesame (a plain RS256 token, the same claims
//     but client_id, no cache).
//   - BenchmarkDPoP/impl=sesame: a whole DPoP request through Middleware (a
//     fresh ES256 proof, the access token from the verified-signature cache),
//     against BenchmarkDPoP/impl=proof-es256: the SHA-256 and ecdsa.Verify of
//     that proof alone.
//   - BenchmarkIntrospection/impl=sesame-hit: an introspected token answered
//     from the cache (the goal: under 1 µs, 0 allocations).

// benchAccessToken is BenchmarkVerifyRS256's impl=sesame-rfc9068: the same
// claims plus client_id, typ at+jwt, verified with Config.AccessToken and no
// cache.
func benchAccessToken(b *testing.B, iss *jwttest.Issuer) {
	c := benchClaims()
	c["client_id"] = "bench-client"
	tok := iss.MintAccessToken(c)
	keys, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		b.Fatal(err)
	}
	v, err := jwtverify.New(keys, jwtverify.Config{Issuer: benchIssuer, Audience: []string{benchAudience}, AccessToken: true, CacheSize: -1})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDPoP(b *testing.B) {
	iss, err := jwttest.New()
	if err != nil {
		b.Fatal(err)
	}
	key, err := jwttest.NewDPoPKey("ES256")
	if err != nil {
		b.Fatal(err)
	}
	c := benchClaims()
	c["client_id"] = "bench-client"
	c["cnf"] = key.Confirmation()
	tok := iss.MintAccessToken(c)
	keys, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		b.Fatal(err)
	}
	v, err := jwtverify.New(keys, jwtverify.Config{Issuer: benchIssuer, Audience: []string{benchAudience}, AccessToken: true})
	if err != nil {
		b.Fatal(err)
	}
	const url = "https://api.example/orders"
	proofs := func(b *testing.B) []string {
		ps := make([]string, b.N)
		for i := range ps {
			if ps[i], err = key.Proof("GET", url, tok); err != nil {
				b.Fatal(err)
			}
		}
		return ps
	}

	b.Run("impl=proof-es256", func(b *testing.B) {
		ps := proofs(b)
		pub := key.PublicJWK()
		var ec ecdsa.PublicKey
		if err := pub.Raw(&ec); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			// The irreducible work of the proof: its hash and the P-256
			// verification, with the signature already decoded.
			cut := strings.LastIndexByte(ps[i], '.')
			sig, _ := base64.RawURLEncoding.DecodeString(ps[i][cut+1:])
			h := sha256.Sum256([]byte(ps[i][:cut]))
			if !ecdsa.Verify(&ec, h[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
				b.Fatal("bad proof signature")
			}
		}
	})
	b.Run("impl=sesame", func(b *testing.B) {
		ps := proofs(b)
		d, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{Origin: "https://api.example", Required: true})
		if err != nil {
			b.Fatal(err)
		}
		h := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{DPoP: d})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
		if _, err := v.Verify(context.Background(), tok); err != nil { // the token in the cache
			b.Fatal(err)
		}
		r := httptest.NewRequest("GET", "http://10.0.0.7:8080/orders", nil)
		r.Header.Set("Authorization", "DPoP "+tok)
		w := &discard{h: http.Header{}}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r.Header["Dpop"] = ps[i : i+1 : i+1]
			w.code = 0
			h.ServeHTTP(w, r)
			if w.code != 0 {
				b.Fatalf("refused: %d %v", w.code, w.h)
			}
		}
	})
}

// discard is a ResponseWriter that keeps only the status.
type discard struct {
	h    http.Header
	code int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(code int)        { d.code = code }

func BenchmarkIntrospection(b *testing.B) {
	srv, err := introspecttest.New(introspecttest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	in, err := jwtverify.NewIntrospector(srv.IntrospectionConfig())
	if err != nil {
		b.Fatal(err)
	}
	tok := srv.Issue(map[string]any{"sub": "user-1234567890", "scope": "openid email profile", "client_id": "bench-client",
		"aud": benchAudience, "exp": time.Now().Add(time.Hour).Unix()})
	ctx := context.Background()
	if _, err := in.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.Run("impl=sesame-hit", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := in.Verify(ctx, tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
