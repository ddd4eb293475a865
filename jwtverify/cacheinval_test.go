package jwtverify_test

import (
	"context"
	"crypto"
	"errors"
	"sync"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// swapSource returns whatever set was last stored.
type swapSource struct {
	mu  sync.Mutex
	set jwk.Set
}

func (s *swapSource) Keys(context.Context) (jwk.Set, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.set, nil
}

func (s *swapSource) store(set jwk.Set) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set = set
}

// keySet builds a new set of public keys; kids[i] names keys[i] ("" for none).
func keySet(t *testing.T, keys []crypto.PublicKey, kids []string) jwk.Set {
	t.Helper()
	set := jwk.NewSet()
	for i, k := range keys {
		jk, err := jwk.FromRaw(k)
		if err != nil {
			t.Fatal(err)
		}
		if kids[i] != "" {
			_ = jk.Set(jwk.KeyIDKey, kids[i])
		}
		_ = set.AddKey(jk)
	}
	return set
}

// TestCacheKidlessKeyInvalidation: a verified-signature cache entry made with a
// kid-less key lives only while that key would still be chosen for the token.
// Every change of the set that changes the choice drops it; changes that do
// not keep it. (With kid-less keys carried across refreshes and the old
// "is the key still in the set" check, "named key added" and "second kid-less
// key" kept verifying from the cache.)
func TestCacheKidlessKeyInvalidation(t *testing.T) {
	iss := sharedIssuer()
	rsaPub := iss.PublicKey(jwttest.KidRSA)
	ecPub := iss.PublicKey(jwttest.KidEC)
	otherRSA := otherIssuer().PublicKey(jwttest.KidRSA)
	noKid := iss.Mint(claims(), jwttest.WithoutKid())
	kidX := iss.Mint(claims(), jwttest.WithHeader("kid", "x"))

	cases := []struct {
		name  string
		keys  []crypto.PublicKey
		kids  []string
		valid map[string]bool // token -> still verifies
	}{
		{"unchanged, new set", []crypto.PublicKey{rsaPub}, []string{""}, map[string]bool{"none": true, "x": true}},
		{"kid-less key of another type added", []crypto.PublicKey{rsaPub, ecPub}, []string{"", ""}, map[string]bool{"none": true, "x": true}},
		{"named key added beside", []crypto.PublicKey{rsaPub, otherRSA}, []string{"", "y"}, map[string]bool{"none": true, "x": false}},
		{"second kid-less RSA key", []crypto.PublicKey{rsaPub, otherRSA}, []string{"", ""}, map[string]bool{"none": false, "x": false}},
		{"key removed", []crypto.PublicKey{ecPub}, []string{""}, map[string]bool{"none": false, "x": false}},
		{"key replaced", []crypto.PublicKey{otherRSA}, []string{""}, map[string]bool{"none": false, "x": false}},
		{"key given a kid", []crypto.PublicKey{rsaPub}, []string{"z"}, map[string]bool{"none": false, "x": false}},
		{"key given the token's kid", []crypto.PublicKey{rsaPub}, []string{"x"}, map[string]bool{"none": false, "x": true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := &swapSource{set: keySet(t, []crypto.PublicKey{rsaPub}, []string{""})}
			v, err := jwtverify.New(src, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			for _, tok := range []string{noKid, kidX} {
				cached(t, v, tok)
			}
			src.store(keySet(t, c.keys, c.kids))
			for name, tok := range map[string]string{"none": noKid, "x": kidX} {
				_, err := v.Verify(context.Background(), tok)
				if c.valid[name] && err != nil {
					t.Errorf("token with kid %s: %v, want valid", name, err)
				}
				if !c.valid[name] && !errors.Is(err, jwtverify.ErrUnknownKey) && !errors.Is(err, jwtverify.ErrSignature) {
					t.Errorf("token with kid %s: err = %v, want it refused", name, err)
				}
			}
		})
	}
}
