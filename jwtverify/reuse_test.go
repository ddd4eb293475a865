package jwtverify_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// rsaJWK returns a copy of iss's RSA public JWK, edited by edit.
func rsaJWK(t *testing.T, iss *jwttest.Issuer, edit func(jwk.Key)) jwk.Key {
	t.Helper()
	k, ok := iss.PublicJWKS().LookupKeyID(jwttest.KidRSA)
	if !ok {
		t.Fatal("no RSA key")
	}
	c, err := k.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(c)
	}
	return c
}

func setOf(t *testing.T, keys ...jwk.Key) jwk.Set {
	t.Helper()
	s := jwk.NewSet()
	for _, k := range keys {
		if err := s.AddKey(k); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// TestCacheReuseNeverOutlivesItsKey: a refresh that keeps a kid's key material
// but changes its alg, makes the kid ambiguous, or marks it for encryption must
// not answer a cached token: the fresh checks decide.
func TestCacheReuseNeverOutlivesItsKey(t *testing.T) {
	iss := sharedIssuer()
	same := func(t *testing.T) jwk.Key { return rsaJWK(t, iss, nil) }
	tests := []struct {
		name string
		set  func(t *testing.T) jwk.Set
		want error
	}{
		{"alg changed", func(t *testing.T) jwk.Set {
			return setOf(t, rsaJWK(t, iss, func(k jwk.Key) { _ = k.Set(jwk.AlgorithmKey, jwa.PS256) }))
		}, jwtverify.ErrAlgorithm},
		{"kid ambiguous", func(t *testing.T) jwk.Set {
			return setOf(t, same(t), rsaJWK(t, otherIssuer(), nil))
		}, jwtverify.ErrUnknownKey},
		{"kid ambiguous, same key twice", func(t *testing.T) jwk.Set {
			return setOf(t, same(t), same(t))
		}, jwtverify.ErrUnknownKey},
		{"now an encryption key", func(t *testing.T) jwk.Set {
			return setOf(t, rsaJWK(t, iss, func(k jwk.Key) { _ = k.Set(jwk.KeyUsageKey, "enc") }))
		}, jwtverify.ErrUnknownKey},
		{"kid gone", func(t *testing.T) jwk.Set {
			return setOf(t, rsaJWK(t, iss, func(k jwk.Key) { _ = k.Set(jwk.KeyIDKey, "rsa-9") }))
		}, jwtverify.ErrUnknownKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, v := swappableVerifier(iss)
			ctx := context.Background()
			tok := iss.Mint(claims())
			cached(t, v, tok)
			src.put(tt.set(t))
			if _, err := v.Verify(ctx, tok); !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			// Back to the original keys: the token verifies again (fresh).
			src.put(iss.PublicJWKS())
			if _, err := v.Verify(ctx, tok); err != nil {
				t.Fatalf("after restoring the keys: %v", err)
			}
		})
	}
}

// TestHeaderCacheConcurrent: many goroutines verifying tokens with distinct
// headers, good and forged, race on the header cache (run with -race); every
// verdict stays right.
func TestHeaderCacheConcurrent(t *testing.T) {
	iss, evil := sharedIssuer(), otherIssuer()
	v, _ := jwtverify.New(&swappableOf{iss.PublicJWKS()}, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now, CacheSize: -1})
	ctx := context.Background()
	const n = 80
	good, bad := make([]string, n), make([]string, n)
	for i := range n {
		h := jwttest.WithHeader("x", fmt.Sprint(i))
		good[i], bad[i] = iss.Mint(claims(), h), evil.Mint(claims(), h)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range n {
				i := (j + w*17) % n
				tok, err := v.Verify(ctx, good[i])
				if err != nil {
					errs <- fmt.Errorf("good %d: %w", i, err)
					continue
				}
				if raw, ok := tok.HeaderField("x"); !ok || string(raw) != fmt.Sprintf("%q", fmt.Sprint(i)) {
					errs <- fmt.Errorf("good %d: header x = %s", i, raw)
				}
				if _, err := v.Verify(ctx, bad[i]); !errors.Is(err, jwtverify.ErrSignature) {
					errs <- fmt.Errorf("forged %d: %v", i, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// swappableOf is a fixed key source.
type swappableOf struct{ set jwk.Set }

func (s *swappableOf) Keys(context.Context) (jwk.Set, error) { return s.set, nil }
