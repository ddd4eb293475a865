package jwtverify_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// swappable is a key source whose set can be replaced, as a JWKS refresh does.
type swappable struct{ set atomic.Pointer[jwk.Set] }

func (s *swappable) Keys(context.Context) (jwk.Set, error) { return *s.set.Load(), nil }
func (s *swappable) put(set jwk.Set)                       { s.set.Store(&set) }

// swappableVerifier is a verifier over a swappable source holding iss's keys.
func swappableVerifier(iss *jwttest.Issuer) (*swappable, *jwtverify.Verifier) {
	src := &swappable{}
	src.put(iss.PublicJWKS())
	v, _ := jwtverify.New(src, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now})
	return src, v
}

func TestCacheRepeatToken(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	ctx := context.Background()
	tok := f.iss.Mint(claims())
	// Seen once, a token is not cached; seen twice, it is (cached fails
	// otherwise).
	cached(t, f.v, tok)
	// Claims are re-checked on every hit.
	f.clock.Add(2 * time.Hour)
	if _, err := f.v.Verify(ctx, tok); !errors.Is(err, jwtverify.ErrExpired) {
		t.Fatalf("cached token after exp: err = %v, want ErrExpired", err)
	}
}

func TestCacheDiesWithKey(t *testing.T) {
	iss := sharedIssuer()
	src, v := swappableVerifier(iss)
	ctx := context.Background()
	tok := iss.Mint(claims())
	cached(t, v, tok)
	without := iss.PublicJWKS()
	k, _ := without.LookupKeyID(jwttest.KidRSA)
	_ = without.RemoveKey(k)
	src.put(without)
	if _, err := v.Verify(ctx, tok); !errors.Is(err, jwtverify.ErrUnknownKey) {
		t.Fatalf("cached token whose key left the source: err = %v, want ErrUnknownKey", err)
	}
}

func TestCacheBoundedAndOptional(t *testing.T) {
	f := newFixture(t, jwtverify.Config{CacheSize: 2})
	ctx := context.Background()
	toks := []string{f.iss.Mint(claims()), f.iss.Mint(claims()), f.iss.Mint(claims())}
	first := cached(t, f.v, toks[0])
	cached(t, f.v, toks[1])
	// Tokens seen once never take a place: toks[0] stays.
	for range 10 {
		if _, err := f.v.Verify(ctx, f.iss.Mint(claims())); err != nil {
			t.Fatal(err)
		}
	}
	if again, err := f.v.Verify(ctx, toks[0]); err != nil || again != first {
		t.Fatalf("a stream of tokens seen once evicted a cached one: %v", err)
	}
	cached(t, f.v, toks[2]) // evicts toks[1], the least recently used
	if again, err := f.v.Verify(ctx, toks[0]); err != nil || again != first {
		t.Fatalf("the most recently used entry was evicted: %v", err)
	}
	a, _ := f.v.Verify(ctx, toks[1])
	b, _ := f.v.Verify(ctx, toks[1])
	if a == nil || a == b {
		t.Fatal("the least recently used entry was not evicted")
	}

	off := newFixture(t, jwtverify.Config{CacheSize: -1})
	for range 2 {
		_, _ = off.v.Verify(ctx, toks[1])
	}
	a, _ = off.v.Verify(ctx, toks[1])
	b, _ = off.v.Verify(ctx, toks[1])
	if a == nil || a == b {
		t.Fatal("CacheSize -1 still caches")
	}
}

// TestTokenAccessors covers the Token API.
func TestTokenAccessors(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	c := claims()
	c["aud"] = []string{testAudience, "b"}
	c["nbf"] = epoch.Add(-time.Minute).Unix()
	c["email"] = "agent@example.gouv.fr"
	c["n"] = 3
	tok, err := f.v.Verify(context.Background(), f.iss.Mint(c))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Issuer() != testIssuer || tok.Subject() != "alice" || tok.ID() == "" {
		t.Fatalf("iss/sub/jti = %q %q %q", tok.Issuer(), tok.Subject(), tok.ID())
	}
	if got := tok.Audience(); len(got) != 2 || got[1] != "b" {
		t.Fatalf("aud = %v", got)
	}
	if !tok.Expiry().Equal(epoch.Add(time.Hour)) || !tok.IssuedAt().Equal(epoch) || !tok.NotBefore().Equal(epoch.Add(-time.Minute)) {
		t.Fatalf("times = %v %v %v", tok.Expiry(), tok.IssuedAt(), tok.NotBefore())
	}
	if h := tok.Header(); h.Alg != "RS256" || h.Kid != jwttest.KidRSA || h.Typ != "JWT" {
		t.Fatalf("header = %+v", h)
	}
	if s, ok := tok.StringClaim("email"); !ok || s != "agent@example.gouv.fr" {
		t.Fatalf("email = %q %v", s, ok)
	}
	if _, ok := tok.StringClaim("n"); ok {
		t.Fatal("a number read as a string")
	}
	if raw, ok := tok.Claim("n"); !ok || string(raw) != "3" {
		t.Fatalf("n = %s", raw)
	}
	all := tok.Claims()
	all["email"] = []byte(`"mutated"`)
	if s, _ := tok.StringClaim("email"); s != "agent@example.gouv.fr" {
		t.Fatal("Claims() exposed the token's own storage")
	}
	var dst struct {
		Email string `json:"email"`
		N     int    `json:"n"`
	}
	if err := tok.Decode(&dst); err != nil || dst.Email != "agent@example.gouv.fr" || dst.N != 3 {
		t.Fatalf("Decode = %+v, %v", dst, err)
	}
	if tok.Raw() == "" {
		t.Fatal("Raw is empty")
	}
	if _, ok := tok.HeaderField("typ"); !ok {
		t.Fatal("HeaderField(typ) missing")
	}
}

// TestConfigErrors: a bad configuration fails at New, not at Verify.
func TestConfigErrors(t *testing.T) {
	keys, _ := jwtverify.NewStaticKeys(sharedIssuer().PublicJWKS())
	for name, cfg := range map[string]jwtverify.Config{
		"none":                       {Algorithms: []string{"none"}},
		"unknown":                    {Algorithms: []string{"RS1"}},
		"alias to none":              {AlgorithmAliases: map[string]string{"x": "none"}},
		"alias outside":              {AlgorithmAliases: map[string]string{"x": "ES256"}},
		"alias renames an algorithm": {Algorithms: []string{"RS256", "ES256"}, AlgorithmAliases: map[string]string{"ES256": "RS256"}},
		"alias named none":           {AlgorithmAliases: map[string]string{"None": "RS256"}},
		"empty alias":                {AlgorithmAliases: map[string]string{"": "RS256"}},
		"empty Types entry":          {Types: []string{""}},
	} {
		cfg.Issuer, cfg.Audience = testIssuer, []string{testAudience} // only the named field is wrong
		if _, err := jwtverify.New(keys, cfg); !errors.Is(err, jwtverify.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
	if _, err := jwtverify.New(nil, jwtverify.Config{AnyIssuer: true, AnyAudience: true}); !errors.Is(err, jwtverify.ErrConfig) {
		t.Errorf("nil source: err = %v", err)
	}
}

// TestStrictByConstruction: an empty Issuer or Audience is refused unless the
// caller opts out by name; with the opt-out, any issuer or audience passes.
func TestStrictByConstruction(t *testing.T) {
	keys, _ := jwtverify.NewStaticKeys(sharedIssuer().PublicJWKS())
	for name, cfg := range map[string]jwtverify.Config{
		"zero":             {},
		"no issuer":        {Audience: []string{testAudience}},
		"no audience":      {Issuer: testIssuer},
		"empty audience":   {Issuer: testIssuer, Audience: []string{}},
		"audience of \"\"": {Issuer: testIssuer, Audience: []string{""}},
	} {
		if _, err := jwtverify.New(keys, cfg); !errors.Is(err, jwtverify.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
	v, err := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), sharedIssuer().Mint(with("iss", "https://anyone.example"))); err != nil {
		t.Fatalf("AnyIssuer, AnyAudience: %v", err)
	}
}

// TestAlgorithmAlias: a fixed alias maps an XML-DSig URI to RS256.
func TestAlgorithmAlias(t *testing.T) {
	const uri = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	f := newFixture(t, jwtverify.Config{AlgorithmAliases: map[string]string{uri: "RS256"}, Algorithms: []string{"RS256"}})
	tok, err := f.v.Verify(context.Background(), f.iss.Mint(claims(), jwttest.WithHeader("alg", uri)))
	if err != nil {
		t.Fatalf("aliased alg: %v", err)
	}
	if tok.Header().Alg != uri {
		t.Fatalf("Header().Alg = %q", tok.Header().Alg)
	}
	other := "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
	if _, err := f.v.Verify(context.Background(), f.iss.Mint(claims(), jwttest.WithHeader("alg", other))); !errors.Is(err, jwtverify.ErrAlgorithm) {
		t.Fatalf("unlisted URI: %v", err)
	}
}

// TestCacheSurvivesUnchangedRefresh: a refresh that returns the same keys in a
// new set keeps cache entries (only a key that left or changed kills them).
func TestCacheSurvivesUnchangedRefresh(t *testing.T) {
	iss := sharedIssuer()
	src, v := swappableVerifier(iss)
	ctx := context.Background()
	tok := iss.Mint(claims())
	first := cached(t, v, tok)
	src.put(iss.PublicJWKS()) // a fresh copy of the same keys
	again, err := v.Verify(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Fatal("an unchanged refresh emptied the cache")
	}
	// A different key under the same kid is a different key.
	other := otherIssuer().PublicJWKS()
	src.put(other)
	if _, err := v.Verify(ctx, tok); !errors.Is(err, jwtverify.ErrSignature) {
		t.Fatalf("same kid, new key material: err = %v, want ErrSignature", err)
	}
}
