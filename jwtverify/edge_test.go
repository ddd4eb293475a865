package jwtverify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// onlySentinel fails unless err wraps want and no other sentinel of the package.
func onlySentinel(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	for _, s := range sentinels {
		if s != want && errors.Is(err, s) {
			t.Fatalf("err = %v wraps %v besides %v", err, s, want)
		}
	}
}

// TestNumericDateEdges: odd but valid JSON numbers are NumericDates; exp at the
// instant time.Time calls zero (-62135596800) is in the past, not "absent".
func TestNumericDateEdges(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	hdr := `{"alg":"RS256","kid":"rsa-1"}`
	base := `{"iss":"` + testIssuer + `","sub":"alice","aud":"api",`
	for _, tc := range []struct {
		claims string
		want   error
	}{
		{`"exp":-62135596800}`, jwtverify.ErrExpired},
		{`"exp":-62135596800.0}`, jwtverify.ErrExpired},
		{`"exp":-6.21355968e10}`, jwtverify.ErrExpired},
		{`"exp":1e3}`, jwtverify.ErrExpired},
		{`"exp":-0}`, jwtverify.ErrExpired},
		{`"exp":0}`, jwtverify.ErrExpired},
		{`"exp":1.0e+9}`, jwtverify.ErrExpired},
		{`"exp":-1099511627776}`, jwtverify.ErrExpired},
		{`"exp":1.9e9}`, nil},
		{`"exp":19E8}`, nil},
		{`"exp" : 1900000000 }`, nil},
		{`"exp":1900000000,"nbf":-62135596800,"iat":-62135596800}`, nil},
		{`"exp":1900000000,"nbf":1.9e9}`, jwtverify.ErrNotYetValid},
		{`"exp":1900000000,"iat":1.9e9}`, jwtverify.ErrIssuedInFuture},
		{`"exp":-1e-400}`, jwtverify.ErrExpired}, // underflows to -0
		{`"exp":1e400}`, jwtverify.ErrMalformed},
		{`"exp":true}`, jwtverify.ErrMalformed},
		{`"exp":[1900000000]}`, jwtverify.ErrMalformed},
	} {
		t.Run(tc.claims, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), signed(t, hdr, base+tc.claims))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			onlySentinel(t, err, tc.want)
		})
	}
}

// TestAudienceShapes: aud is a string or an array of strings; null is neither.
func TestAudienceShapes(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	hdr := `{"alg":"RS256","kid":"rsa-1"}`
	base := `{"iss":"` + testIssuer + `","sub":"alice","exp":1900000000,"aud":`
	for aud, want := range map[string]error{
		`"api"`:              nil,
		`["x","api"]`:        nil,
		`["x","null","api"]`: nil,
		`null`:               jwtverify.ErrMalformed,
		`[null,"api"]`:       jwtverify.ErrMalformed,
		`["api",null]`:       jwtverify.ErrMalformed,
		`[["api"]]`:          jwtverify.ErrMalformed,
		`{"api":1}`:          jwtverify.ErrMalformed,
		`[]`:                 jwtverify.ErrAudience,
		`""`:                 jwtverify.ErrAudience,
		`"API"`:              jwtverify.ErrAudience,
	} {
		t.Run(aud, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), signed(t, hdr, base+aud+`}`))
			if want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			onlySentinel(t, err, want)
		})
	}
}

// TestHeaderJSONShapes: whitespace, escapes and nesting around the header's
// members change nothing; a member is only a top-level name.
func TestHeaderJSONShapes(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	payload := mustJSON(t, claims())
	deep := strings.Repeat("[", 500) + strings.Repeat("]", 500)
	for hdr, want := range map[string]error{
		" {\t\"alg\" :\r\n\"RS256\" , \"kid\":\"rsa-1\" } ":                          nil,
		`{"alg":"RS\u0032\u00356","kid":"rsa\u002d1"}`:                               nil,
		`{"x":{"alg":"none","crit":["a"],"kid":"evil"},"alg":"RS256","kid":"rsa-1"}`: nil,
		`{"x":[[{"a":"}],\"alg\":\"none"}]],"alg":"RS256","kid":"rsa-1"}`:            nil,
		`{"x":` + deep + `,"alg":"RS256","kid":"rsa-1"}`:                             nil,
		`{"x":` + deep + `,"alg":"none","kid":"rsa-1"}`:                              jwtverify.ErrAlgorithm,
		`{"x":` + deep + `,"alg":"RS256","kid":"rsa-1","crit":["x"]}`:                jwtverify.ErrCritical,
		`{"alg":"RS256","kid":"rsa-1","cr\u0069t":["exp"]}`:                          jwtverify.ErrCritical,
		`{"alg":"RS256","kid":"rsa-1","crit":[]}`:                                    jwtverify.ErrCritical,
		`{"alg":"RS256","kid":"rsa-1","x":"\"alg\":\"none\""}`:                       nil,
		`{"alg":"RS256","kid":"rsa-1","\u0061lg":"none"}`:                            jwtverify.ErrMalformed,
		`{"alg":"RS256 ","kid":"rsa-1"}`:                                             jwtverify.ErrAlgorithm,
		`{"alg":"rs256","kid":"rsa-1"}`:                                              jwtverify.ErrAlgorithm,
		`{"alg":"RS256\u0000","kid":"rsa-1"}`:                                        jwtverify.ErrAlgorithm,
		`{"alg":"RS256","kid":"rsa-1 "}`:                                             jwtverify.ErrUnknownKey,
		`{"alg":"RS256","kid":null}`:                                                 jwtverify.ErrMalformed,
		`{"alg":"RS256","kid":"rsa-1","typ":1}`:                                      jwtverify.ErrMalformed,
	} {
		t.Run(hdr[:min(len(hdr), 60)], func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), signed(t, hdr, payload))
			if want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			onlySentinel(t, err, want)
		})
	}
}

// TestDecodeFoldedDuplicates: encoding/json maps "sub" and "SUB" to one field
// (last wins), so Decode could disagree with Subject; Decode refuses them.
func TestDecodeFoldedDuplicates(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	hdr := `{"alg":"RS256","kid":"rsa-1"}`
	base := `"iss":"` + testIssuer + `","aud":"api","exp":1900000000`
	type claimsT struct {
		Sub  string `json:"sub"`
		Addr struct {
			City string `json:"city"`
		} `json:"address"`
		Roles []string `json:"roles"`
	}
	for payload, wantErr := range map[string]bool{
		`{` + base + `,"sub":"alice","roles":["a","b"],"address":{"city":"Lyon"}}`:       false,
		`{` + base + `,"sub":"alice","SUB":"admin"}`:                                     true,
		`{` + base + `,"sub":"alice","\u0053ub":"admin"}`:                                true,
		`{` + base + `,"sub":"alice","ſub":"admin"}`:                                     true, // long s folds to s
		`{` + base + `,"sub":"alice","address":{"city":"Lyon","City":"Paris"}}`:          true,
		`{` + base + `,"sub":"alice","address":{"city":"Lyon","x":{"city":1,"city":2}}}`: true,
		`{` + base + `,"sub":"alice","x":[{"a":1},{"a":2}]}`:                             false,
		`{` + base + `,"sub":"alice","address":{"city":"Lyon"},"x":{"city":"Paris"}}`:    false,
		// The flat fast path: braces inside strings, and past 32 members.
		`{` + base + `,"sub":"alice","note":"{","SUB":"admin"}`:             true,
		`{` + base + `,"sub":"alice","{":1,"}":2,"Sub":"admin"}`:            true,
		`{` + base + `,"sub":"alice","note":"{{"}`:                          false,
		`{` + base + extraMembers(28) + `,"sub":"alice","SUB":"admin"}`:     true, // 33 members
		`{` + base + extraMembers(27) + `,"sub":"alice","SUB":"admin"}`:     true, // 32 members
		`{` + base + extraMembers(40) + `,"sub":"alice","n1":"x","N1":"y"}`: true,
		`{` + base + extraMembers(40) + `,"sub":"alice"}`:                   false,
	} {
		t.Run(payload, func(t *testing.T) {
			tok, err := f.v.Verify(context.Background(), signed(t, hdr, payload))
			if err != nil {
				t.Fatal(err)
			}
			var c claimsT
			err = tok.Decode(&c)
			if wantErr {
				onlySentinel(t, err, jwtverify.ErrMalformed)
				return
			}
			if err != nil || c.Sub != tok.Subject() {
				t.Fatalf("Decode: %v, sub %q vs Subject %q", err, c.Sub, tok.Subject())
			}
		})
	}
}

// TestPrivateKeysRefused: a private JWK in a key set means its owner's key is
// public; it never verifies anything.
func TestPrivateKeysRefused(t *testing.T) {
	iss := sharedIssuer()
	priv, err := jwk.FromRaw(rsaKey(t, 2048))
	if err != nil {
		t.Fatal(err)
	}
	_ = priv.Set(jwk.KeyIDKey, "leaked")
	only := jwk.NewSet()
	_ = only.AddKey(priv)
	if _, err := jwtverify.NewStaticKeys(only); !errors.Is(err, jwtverify.ErrWeakKey) {
		t.Fatalf("NewStaticKeys(private JWK): err = %v, want ErrWeakKey", err)
	}
	doc, _ := jsonOf(only)
	if _, err := jwtverify.DecodeJWKS(doc); !errors.Is(err, jwtverify.ErrWeakKey) {
		t.Fatalf("DecodeJWKS(private JWK): err = %v, want ErrWeakKey", err)
	}

	// In a remote set next to public keys, the private key is refused by kid.
	mixed := iss.PublicJWKS()
	_ = mixed.AddKey(priv)
	doc, _ = jsonOf(mixed)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(doc) }))
	defer srv.Close()
	jwks, err := jwtverify.NewRemoteJWKS(srv.URL, jwtverify.RemoteKeysConfig{InsecureAllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := jwtverify.New(jwks, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now})
	if _, err := v.Verify(context.Background(), iss.Mint(claims())); err != nil {
		t.Fatalf("public key next to a private one: %v", err)
	}
	hdr := `{"alg":"RS256","kid":"leaked"}`
	_, err = v.Verify(context.Background(), signed(t, hdr, mustJSON(t, claims())))
	onlySentinel(t, err, jwtverify.ErrWeakKey)
}

// TestKidCollisions: two usable keys under one kid are never chosen between,
// whatever their types or order; an encryption key sharing a signing key's kid
// is ignored.
func TestKidCollisions(t *testing.T) {
	iss := sharedIssuer()
	pub := iss.PublicJWKS()
	rsaK, _ := pub.LookupKeyID(jwttest.KidRSA)
	ecK, _ := pub.LookupKeyID(jwttest.KidEC)
	weak, _ := jwk.FromRaw(rsaKey(t, 1024).Public())
	enc, _ := jwk.FromRaw(rsaKey(t, 2048).Public())
	_ = enc.Set(jwk.KeyUsageKey, "enc")
	ecSameKid, _ := ecK.Clone()
	_ = ecSameKid.Set(jwk.KeyIDKey, jwttest.KidRSA)
	for _, k := range []jwk.Key{weak, enc} {
		_ = k.Set(jwk.KeyIDKey, jwttest.KidRSA)
	}
	tokRS := iss.Mint(claims())
	for _, tc := range []struct {
		name string
		keys []jwk.Key
		want error
	}{
		{"RSA then EC", []jwk.Key{rsaK, ecSameKid}, jwtverify.ErrUnknownKey},
		{"EC then RSA", []jwk.Key{ecSameKid, rsaK}, jwtverify.ErrUnknownKey},
		{"good then weak", []jwk.Key{rsaK, weak}, jwtverify.ErrWeakKey},
		{"weak then good", []jwk.Key{weak, rsaK}, jwtverify.ErrWeakKey},
		{"enc then sig", []jwk.Key{enc, rsaK}, nil},
		{"sig then enc", []jwk.Key{rsaK, enc}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set := jwk.NewSet()
			for _, k := range tc.keys {
				c, _ := k.Clone()
				_ = set.AddKey(c)
			}
			v, err := jwtverify.New(sourceFunc(func(context.Context) (jwk.Set, error) { return set, nil }),
				jwtverify.Config{AnyIssuer: true, AnyAudience: true, Algorithms: []string{"RS256", "ES256"}, Now: newClock().Now})
			if err != nil {
				t.Fatal(err)
			}
			_, err = v.Verify(context.Background(), tokRS)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			onlySentinel(t, err, tc.want)
		})
	}
}

// refresher is a custom KeySource and Refresher.
type refresher struct {
	set     jwk.Set
	refresh func() (jwk.Set, error)
}

func (r refresher) Keys(context.Context) (jwk.Set, error)    { return r.set, nil }
func (r refresher) Refresh(context.Context) (jwk.Set, error) { return r.refresh() }

// TestRefresherWithoutSet: a Refresher answering no set and no error is a key
// source failure, not a panic.
func TestRefresherWithoutSet(t *testing.T) {
	iss := sharedIssuer()
	src := refresher{set: iss.PublicJWKS(), refresh: func() (jwk.Set, error) { return nil, nil }}
	v, _ := jwtverify.New(src, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now})
	_, err := v.Verify(context.Background(), iss.Mint(claims(), jwttest.WithHeader("kid", "unknown")))
	onlySentinel(t, err, jwtverify.ErrUnavailable)
}

// TestCacheIsPerVerifier: a token accepted (and cached) by one verifier is
// judged afresh by another with a stricter configuration.
func TestCacheIsPerVerifier(t *testing.T) {
	iss := sharedIssuer()
	keys, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		t.Fatal(err)
	}
	now := newClock().Now
	lax, _ := jwtverify.New(keys, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Algorithms: []string{"RS256", "ES256"}, Now: now})
	tok := iss.Mint(claims())
	tokES := iss.Mint(claims(), jwttest.WithAlg("ES256"))
	for i := 0; i < 2; i++ {
		for _, raw := range []string{tok, tokES} {
			if _, err := lax.Verify(context.Background(), raw); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, tc := range []struct {
		name string
		cfg  jwtverify.Config
		tok  string
		want error
	}{
		{"audience", jwtverify.Config{AnyIssuer: true, Audience: []string{"other"}}, tok, jwtverify.ErrAudience},
		{"issuer", jwtverify.Config{AnyAudience: true, Issuer: "https://other.test"}, tok, jwtverify.ErrIssuer},
		{"algorithm", jwtverify.Config{AnyIssuer: true, AnyAudience: true}, tokES, jwtverify.ErrAlgorithm},
		{"required claim", jwtverify.Config{AnyIssuer: true, AnyAudience: true, RequiredClaims: []string{"exp", "nonce"}}, tok, jwtverify.ErrMissingClaim},
		{"leeway", jwtverify.Config{AnyIssuer: true, AnyAudience: true, Leeway: -1, Now: func() time.Time { return epoch.Add(time.Hour) }}, tok, jwtverify.ErrExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.cfg.Now == nil {
				tc.cfg.Now = now
			}
			strict, _ := jwtverify.New(keys, tc.cfg)
			for i := 0; i < 2; i++ {
				_, err := strict.Verify(context.Background(), tc.tok)
				onlySentinel(t, err, tc.want)
			}
		})
	}
}

// manyMembers is a JSON object of n distinct members plus extra (raw JSON
// members, may be empty).
func manyMembers(n int, extra string) string {
	var sb strings.Builder
	sb.WriteString("{")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, `"m%x":0,`, i)
	}
	sb.WriteString(extra + `}`)
	return sb.String()
}

// TestManyMembers: past the linear scan's threshold, duplicates are still found.
func TestManyMembers(t *testing.T) {
	f := newFixture(t, jwtverify.Config{MaxTokenSize: 64 << 10})
	hdr := `{"alg":"RS256","kid":"rsa-1"}`
	base := `"iss":"` + testIssuer + `","sub":"alice","aud":"api","exp":1900000000`
	for _, tc := range []struct {
		name    string
		payload string
		want    error
	}{
		{"2000 members", manyMembers(2000, base), nil},
		{"duplicate after 2000", manyMembers(2000, base+`,"m7":1`), jwtverify.ErrMalformed},
		{"duplicate at 33", manyMembers(32, base+`,"m1f":1`), jwtverify.ErrMalformed},
		{"duplicate exp late", manyMembers(100, base+`,"\u0065xp":1`), jwtverify.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), signed(t, hdr, tc.payload))
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			onlySentinel(t, err, tc.want)
		})
	}
	hdrMany := manyMembers(500, `"alg":"RS256","kid":"rsa-1","m3":1`)
	_, err := f.v.Verify(context.Background(), signed(t, hdrMany, `{`+base+`}`))
	onlySentinel(t, err, jwtverify.ErrMalformed)
}

// BenchmarkForgedManyMembers measures an unsigned token of the largest default
// size packed with distinct members: the work an attacker gets for free, to
// compare with a signature check (it was quadratic in the member count).
func BenchmarkForgedManyMembers(b *testing.B) {
	f := newFixture(b, jwtverify.Config{})
	payload := manyMembers(1300, `"z":0`)
	tok := b64(`{"alg":"RS256","kid":"rsa-1"}`) + "." + b64(payload) + ".AAAA"
	if len(tok) > jwtverify.DefaultMaxTokenSize {
		b.Fatalf("token of %d bytes", len(tok))
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _ = f.v.Verify(context.Background(), tok)
	}
}

// extraMembers returns n distinct members, each after a comma.
func extraMembers(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `,"m%d":%d`, i, i)
	}
	return b.String()
}
