package jwtverify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// smallMaxTokenSize is the MaxTokenSize of one of FuzzParseUnverified's
// Verifiers: above a minted token, below one with a padding claim.
const smallMaxTokenSize = 1200

// unverifiedSeeds are FuzzParseUnverified's seeds: minted tokens, valid at
// epoch, and broken variants of them.
func unverifiedSeeds(tb testing.TB) []string {
	tb.Helper()
	iss, evil := sharedIssuer(), otherIssuer()
	good := iss.Mint(richClaims(testIssuer))
	s := segs(good)
	raw := func(header, payload string) string {
		tok, err := iss.SignRaw(jwttest.KidRSA, "RS256", []byte(header), []byte(payload))
		if err != nil {
			tb.Fatal(err)
		}
		return tok
	}
	rsaHeader := `{"alg":"RS256","kid":"rsa-1","typ":"JWT"}`
	pad := richClaims(testIssuer)
	pad["pad"] = strings.Repeat("x", smallMaxTokenSize)
	return []string{
		good,
		iss.Mint(richClaims(testIssuer), jwttest.WithAlg("ES256")),
		iss.Mint(with("aud", []string{"x", testAudience}), jwttest.WithAlg("EdDSA")),
		raw(rsaHeader, `{"iss":"https:\/\/issuer.test","sub":"\u0061lice","aud":["api"],"exp":1800003600.5,"x":{"y":[1,null]}}`),
		iss.Mint(pad), // over smallMaxTokenSize
		iss.Mint(with("exp", epoch.Add(-2*time.Hour).Unix())),
		iss.Mint(with("iss", "https://evil.test")),
		iss.Mint(with("aud", "other")),
		iss.Mint(with("exp", nil)),
		iss.Mint(with("exp", "soon")),
		evil.Mint(richClaims(testIssuer)),
		iss.Mint(claims(), jwttest.WithHeader("alg", "none")),
		b64(`{"alg":"none"}`) + "." + s[1] + ".",
		iss.Mint(claims(), jwttest.WithHeader("kid", "nope")),
		iss.Mint(claims(), jwttest.WithHeader("crit", []string{"b64"})),
		s[0] + "." + s[1] + "." + s[2][:40] + other(s[2][40]) + s[2][41:],
		s[0] + "." + s[1] + ".",
		"e!J." + s[1] + "." + s[2],
		b64(`{"alg":"RS256",`) + "." + s[1] + "." + s[2],
		raw(rsaHeader, `{"sub":"a","sub":"b"}`),
		raw(rsaHeader, `[1]`),
		raw(`{"alg":"RS256","alg":"RS256","kid":"rsa-1"}`, mustJSONTB(tb, claims())),
		s[0] + "." + s[1],
		good + "." + s[2],
		"." + s[1] + "." + s[2],
		s[0] + "\n." + s[1] + "." + s[2],
		"", "..", "a.b.c", "e30.e30.",
	}
}

// other is a base64url character other than c.
func other(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func mustJSONTB(tb testing.TB, v any) string {
	tb.Helper()
	b, err := jsonOf(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// fuzzVerifier is a Verifier with its MaxTokenSize.
type fuzzVerifier struct {
	name string
	v    *jwtverify.Verifier
	max  int
}

func fuzzVerifiers(tb testing.TB) []fuzzVerifier {
	tb.Helper()
	return []fuzzVerifier{
		{"cached", newFixture(tb, jwtverify.Config{}).v, jwtverify.DefaultMaxTokenSize},
		{"uncached", newFixture(tb, jwtverify.Config{CacheSize: -1}).v, jwtverify.DefaultMaxTokenSize},
		{"small", newFixture(tb, jwtverify.Config{CacheSize: -1, MaxTokenSize: smallMaxTokenSize}).v, smallMaxTokenSize},
	}
}

// checkParsed holds ParseUnverified and VerifyParsed to Verify's verdict
// on raw at each Verifier, and returns how many accepted it.
func checkParsed(t *testing.T, vs []fuzzVerifier, raw string) (accepted int) {
	t.Helper()
	ctx := context.Background()
	u, perr := jwtverify.ParseUnverified(raw)
	if perr != nil {
		if u != nil {
			t.Fatal("ParseUnverified returned an Unverified with an error")
		}
		want := jwtverify.ErrMalformed
		if len(raw) > 64<<10 {
			want = jwtverify.ErrTooLarge
		}
		onlySentinel(t, perr, want)
	} else {
		if u.Raw() != raw {
			t.Fatal("Raw() is not the token")
		}
		iss, ok := u.StringClaim("iss")
		if iss2, ok2 := jwtverify.UnverifiedStringClaim(raw, "iss"); iss2 != iss || ok2 != ok {
			t.Fatalf("StringClaim(iss) = %q, %v; UnverifiedStringClaim %q, %v", iss, ok, iss2, ok2)
		}
	}
	for _, v := range vs {
		want, werr := v.v.Verify(ctx, raw)
		if perr != nil {
			if werr == nil {
				t.Fatalf("%s: Verify accepts what ParseUnverified refuses (%v)", v.name, perr)
			}
			if len(raw) > v.max {
				onlySentinel(t, werr, jwtverify.ErrTooLarge)
			} else {
				sameVerdict(t, v.name+": ParseUnverified", nil, perr, nil, werr)
			}
			continue
		}
		got, gerr := v.v.VerifyParsed(ctx, u)
		sameVerdict(t, v.name+": VerifyParsed", got, gerr, want, werr)
		if gerr != nil {
			continue
		}
		accepted++
		sameClaims(t, v.name+": VerifyParsed", got, want)
		for name, val := range got.Claims() {
			if uv, ok := u.Claim(name); !ok || string(uv) != string(val) {
				t.Fatalf("%s: Unverified claim %q = %s, Token's %s", v.name, name, uv, val)
			}
		}
	}
	return accepted
}

// FuzzParseUnverified: on any input, ParseUnverified then VerifyParsed
// never panic and agree with Verify (the same sentinels, or Tokens that
// read the same) on a cached, an uncached and a small-MaxTokenSize
// Verifier; ParseUnverified refuses only what Verify refuses.
func FuzzParseUnverified(f *testing.F) {
	for _, s := range unverifiedSeeds(f) {
		f.Add(s)
	}
	vs := fuzzVerifiers(f)
	f.Fuzz(func(t *testing.T, raw string) {
		checkParsed(t, vs, raw)
	})
}

// TestParseUnverifiedSeeds: FuzzParseUnverified's seeds reach verification
// (some verify, the padded one only where MaxTokenSize allows), so the
// seed run of go test compares real verdicts.
func TestParseUnverifiedSeeds(t *testing.T) {
	vs, seeds := fuzzVerifiers(t), unverifiedSeeds(t)
	ok, parsed := 0, 0
	for _, s := range seeds {
		n := checkParsed(t, vs, s)
		if n > 0 {
			ok++
		}
		if _, err := jwtverify.ParseUnverified(s); err == nil {
			parsed++
		}
		if len(s) > smallMaxTokenSize && len(s) < jwtverify.DefaultMaxTokenSize && n != 2 {
			t.Fatalf("a token of %d bytes verified at %d Verifiers, want 2 (not the small one)", len(s), n)
		}
	}
	t.Logf("%d of %d seeds verify somewhere, %d parse", ok, len(seeds), parsed)
	if ok < 4 || parsed < 15 {
		t.Fatalf("%d seeds verify, %d parse; want at least 4 and 15", ok, parsed)
	}
}
