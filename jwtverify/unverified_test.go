package jwtverify_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// allSentinels are the sentinels a verification may wrap (sentinels and
// ErrType).
var allSentinels = append(slices.Clip(sentinels), jwtverify.ErrType)

// sentinelsOf lists the sentinels err wraps, in allSentinels' order.
func sentinelsOf(err error) []error {
	var out []error
	for _, s := range allSentinels {
		if errors.Is(err, s) {
			out = append(out, s)
		}
	}
	return out
}

// sameVerdict fails unless got and want wrap the same sentinels (none for
// both nil) and a Token comes back exactly when there is no error.
func sameVerdict(t testing.TB, what string, gotTok *jwtverify.Token, got error, wantTok *jwtverify.Token, want error) {
	t.Helper()
	if (got == nil) != (want == nil) || !slices.Equal(sentinelsOf(got), sentinelsOf(want)) {
		t.Fatalf("%s: err = %v, Verify says %v", what, got, want)
	}
	if (gotTok == nil) != (got != nil) || (wantTok == nil) != (want != nil) {
		t.Fatalf("%s: token %p with err %v; Verify: token %p with err %v", what, gotTok, got, wantTok, want)
	}
}

// tokenView is what a caller reads of a Token.
type tokenView struct {
	Raw                        string
	Header                     jwtverify.Header
	Issuer, Subject, ID, Email string
	Audience                   []string
	Expiry, NotBefore, Issued  time.Time
	Claims                     map[string]json.RawMessage
}

func viewOf(tok *jwtverify.Token) tokenView {
	email, _ := tok.StringClaim("email")
	return tokenView{
		Raw: tok.Raw(), Header: tok.Header(),
		Issuer: tok.Issuer(), Subject: tok.Subject(), ID: tok.ID(), Email: email,
		Audience: tok.Audience(),
		Expiry:   tok.Expiry(), NotBefore: tok.NotBefore(), Issued: tok.IssuedAt(),
		Claims: tok.Claims(),
	}
}

// sameClaims fails unless got reads exactly as want.
func sameClaims(t testing.TB, what string, got, want *jwtverify.Token) {
	t.Helper()
	if g, w := viewOf(got), viewOf(want); !reflect.DeepEqual(g, w) {
		t.Fatalf("%s: token reads\n%+v\nVerify's reads\n%+v", what, g, w)
	}
}

// richClaims are valid claims for issuer iss with a custom claim.
func richClaims(iss string) map[string]any {
	c := jwttest.ClaimsAt(epoch, iss, "alice", testAudience)
	c["email"] = "alice@example.test"
	c["roles"] = []string{"reader", "writer"}
	return c
}

// verifierOf returns a Verifier of issuer name trusting set, at epoch.
func verifierOf(t testing.TB, set jwk.Set, name string, cfg jwtverify.Config) *jwtverify.Verifier {
	t.Helper()
	keys, err := jwtverify.NewStaticKeys(set)
	if err != nil {
		t.Fatalf("NewStaticKeys: %v", err)
	}
	cfg.Issuer, cfg.Audience, cfg.Now = name, []string{testAudience}, func() time.Time { return epoch }
	v, err := jwtverify.New(keys, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return v
}

// padded returns valid claims with a pad claim of n bytes.
func padded(n int) map[string]any {
	c := richClaims(testIssuer)
	c["pad"] = strings.Repeat("x", n)
	return c
}

// trailingBits encodes doc (not a multiple of 3 bytes long) in base64url
// with non-zero unused bits in its last character: a second encoding the
// lenient decoder reads as doc and the strict one refuses.
func trailingBits(doc string) string {
	if len(doc)%3 == 0 {
		panic("trailingBits: no unused bits")
	}
	e := b64(doc)
	// The last character has zero unused bits (one of AQgw, or of AEIM...w048):
	// the next one in ASCII is in the alphabet, with an unused bit set.
	return e[:len(e)-1] + string(e[len(e)-1]+1)
}

// TestVerifyParsedAgrees: for each token, ParseUnverified refuses what it
// should, and VerifyParsed gives Verify's verdict and, on success, a Token
// that reads the same, on a Verifier with a warm cache, a new one, and one
// without a cache.
func TestVerifyParsedAgrees(t *testing.T) {
	iss, evil := sharedIssuer(), otherIssuer()
	good := iss.Mint(richClaims(testIssuer))
	s := segs(good)
	rsaHeader := `{"alg":"RS256","kid":"rsa-1","typ":"JWT"}`
	payloadJSON := mustJSON(t, richClaims(testIssuer))
	flipped := []byte(s[2]) // one base64 character of the signature changed
	if flipped[20] = 'A'; s[2][20] == 'A' {
		flipped[20] = 'B'
	}
	bigDup := signed(t, rsaHeader, `{"a":1,"a":2,"pad":"`+strings.Repeat("x", 20<<10)+`"}`)

	tests := []struct {
		name   string
		tok    string
		parse  error // ParseUnverified's sentinel
		verify error // Verify's and VerifyParsed's
	}{
		{"good RS256", good, nil, nil},
		{"good ES256", iss.Mint(richClaims(testIssuer), jwttest.WithAlg("ES256")), nil, nil},
		{"good EdDSA, aud array", iss.Mint(with("aud", []string{"x", testAudience}), jwttest.WithAlg("EdDSA")), nil, nil},
		{"good, escaped claims", signed(t, rsaHeader, `{"iss":"https:\/\/issuer.test","sub":"\u0061lice","aud":["api"],"exp":1800003600,"email":"a\"b"}`), nil, nil},
		{"good, 13 claims", iss.Mint(func() map[string]any {
			c := richClaims(testIssuer)
			for _, n := range []string{"c1", "c2", "c3", "c4", "c5", "c6"} {
				c[n] = n
			}
			return c
		}()), nil, nil},
		{"expired", iss.Mint(with("exp", epoch.Add(-time.Hour).Unix())), nil, jwtverify.ErrExpired},
		{"wrong issuer", iss.Mint(with("iss", "https://evil.test")), nil, jwtverify.ErrIssuer},
		{"wrong audience", iss.Mint(with("aud", "other")), nil, jwtverify.ErrAudience},
		{"missing exp", iss.Mint(with("exp", nil)), nil, jwtverify.ErrMissingClaim},
		{"exp a string", iss.Mint(with("exp", "1800003600")), nil, jwtverify.ErrMalformed},
		{"bad signature", s[0] + "." + s[1] + "." + string(flipped), nil, jwtverify.ErrSignature},
		{"attacker key", evil.Mint(richClaims(testIssuer)), nil, jwtverify.ErrSignature},
		{"payload swapped", s[0] + "." + b64(mustJSON(t, with("sub", "admin"))) + "." + s[2], nil, jwtverify.ErrSignature},
		{"empty signature", s[0] + "." + s[1] + ".", nil, jwtverify.ErrSignature},
		{"alg none", b64(`{"alg":"none"}`) + "." + s[1] + ".", nil, jwtverify.ErrAlgorithm},
		{"alg none, signed", iss.Mint(claims(), jwttest.WithHeader("alg", "none")), nil, jwtverify.ErrAlgorithm},
		{"unknown kid", iss.Mint(claims(), jwttest.WithHeader("kid", "nope")), nil, jwtverify.ErrUnknownKey},
		{"crit", iss.Mint(claims(), jwttest.WithHeader("crit", []string{"b64"})), nil, jwtverify.ErrCritical},
		{"bad header base64", "e!J." + s[1] + "." + s[2], nil, jwtverify.ErrMalformed},
		{"padded header base64", s[0] + "=." + s[1] + "." + s[2], nil, jwtverify.ErrMalformed},
		{"bad signature base64", s[0] + "." + s[1] + "." + s[2][:len(s[2])-1] + "*", nil, jwtverify.ErrMalformed},
		{"header base64 with trailing bits", trailingBits(`{"alg":"RS256","kid":"rsa-1"}`) + "." + s[1] + "." + s[2], nil, jwtverify.ErrMalformed},
		{"header not JSON", b64(`{"alg":"RS256",`) + "." + s[1] + "." + s[2], nil, jwtverify.ErrMalformed},
		{"header an array", b64(`["RS256"]`) + "." + s[1] + "." + s[2], nil, jwtverify.ErrMalformed},
		{"duplicate header names", signed(t, `{"alg":"none","alg":"RS256","kid":"rsa-1"}`, payloadJSON), nil, jwtverify.ErrMalformed},
		{"bad payload base64", s[0] + ".e!J." + s[2], jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"payload base64 with trailing bits", s[0] + "." + trailingBits(`{"a":1}`) + "." + s[2], jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"duplicate claim names", signed(t, rsaHeader, `{"iss":"https://evil.test","iss":"`+testIssuer+`","sub":"alice","aud":"api","exp":1800003600}`), jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"duplicate claim names via escape", signed(t, rsaHeader, `{"sub":"admin","\u0073ub":"alice","iss":"`+testIssuer+`","aud":"api","exp":1800003600}`), jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"payload not an object", signed(t, rsaHeader, `[1,2]`), jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"payload not JSON", signed(t, rsaHeader, `{"iss":`), jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"payload not UTF-8", signed(t, rsaHeader, "{\"sub\":\"\xff\"}"), jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"payload with trailing data", signed(t, rsaHeader, payloadJSON+"{}"), jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"2 segments", s[0] + "." + s[1], jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"4 segments", good + "." + s[2], jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"empty header", "." + s[1] + "." + s[2], jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"empty payload", s[0] + ".." + s[2], jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"empty token", "", jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"line break", s[0] + "." + s[1][:10] + "\n" + s[1][10:] + "." + s[2], jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"CR in signature", s[0] + "." + s[1] + "." + s[2][:10] + "\r" + s[2][10:], jwtverify.ErrMalformed, jwtverify.ErrMalformed},
		{"over MaxTokenSize, under 64 KiB", iss.Mint(padded(20 << 10)), nil, jwtverify.ErrTooLarge},
		// The one divergence: ParseUnverified knows no Verifier, so a malformed
		// token over the Verifier's MaxTokenSize (but under 64 KiB) is
		// ErrMalformed to it and ErrTooLarge to Verify (which looks at the
		// size first). Both refuse it.
		{"malformed, over MaxTokenSize", bigDup, jwtverify.ErrMalformed, jwtverify.ErrTooLarge},
		{"over 64 KiB", iss.Mint(padded(50 << 10)), jwtverify.ErrTooLarge, jwtverify.ErrTooLarge},
		{"over 64 KiB, malformed", strings.Repeat("A", 64<<10) + "..", jwtverify.ErrTooLarge, jwtverify.ErrTooLarge},
	}
	for _, tc := range tests {
		if n := len(tc.tok); tc.verify == jwtverify.ErrTooLarge && tc.parse != jwtverify.ErrTooLarge &&
			(n <= jwtverify.DefaultMaxTokenSize || n > 64<<10) {
			t.Fatalf("%s: token of %d bytes, want over MaxTokenSize and under 64 KiB", tc.name, n)
		}
	}

	warm := newFixture(t, jwtverify.Config{})
	uncached := newFixture(t, jwtverify.Config{CacheSize: -1})
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			u, perr := jwtverify.ParseUnverified(tc.tok)
			if tc.parse != nil {
				onlySentinel(t, perr, tc.parse)
				if u != nil {
					t.Fatal("ParseUnverified returned an Unverified with an error")
				}
			} else {
				if perr != nil {
					t.Fatalf("ParseUnverified: %v", perr)
				}
				if u.Raw() != tc.tok {
					t.Fatal("Raw() is not the token")
				}
			}
			cold := newFixture(t, jwtverify.Config{})
			for _, v := range []struct {
				name string
				v    *jwtverify.Verifier
			}{{"warm", warm.v}, {"cold", cold.v}, {"uncached", uncached.v}} {
				want, werr := v.v.Verify(ctx, tc.tok)
				if tc.verify == nil {
					if werr != nil {
						t.Fatalf("%s: Verify: %v", v.name, werr)
					}
				} else {
					onlySentinel(t, werr, tc.verify)
				}
				if perr != nil {
					// Both refuse; the sentinel is the same unless Verify stops
					// at its MaxTokenSize first.
					if len(tc.tok) <= jwtverify.DefaultMaxTokenSize {
						sameVerdict(t, v.name+": ParseUnverified", nil, perr, nil, werr)
					}
					continue
				}
				// Twice: the second VerifyParsed of u uses other storage, and
				// on the cached Verifiers a good token is then cached.
				for i := range 2 {
					got, gerr := v.v.VerifyParsed(ctx, u)
					sameVerdict(t, v.name+": VerifyParsed", got, gerr, want, werr)
					if gerr == nil {
						sameClaims(t, v.name+": VerifyParsed", got, want)
						if i == 1 && v.name != "uncached" {
							if again, err := v.v.Verify(ctx, tc.tok); err != nil || again != got {
								t.Fatalf("%s: a repeat verification was not answered from the cache: %p %v, want %p", v.name, again, err, got)
							}
						}
					}
				}
			}
			if tc.verify != nil {
				return
			}
			want, _ := uncached.v.Verify(ctx, tc.tok)
			if want.Subject() != "alice" || want.Issuer() != testIssuer || !slices.Contains(want.Audience(), testAudience) ||
				!want.Expiry().Equal(epoch.Add(time.Hour)) {
				t.Fatalf("good token reads %+v", viewOf(want))
			}
			if tc.name != "good EdDSA, aud array" {
				if email, ok := want.StringClaim("email"); !ok || !strings.HasPrefix(email, "a") {
					t.Fatalf("email = %q, %v", email, ok)
				}
			}
		})
	}
}

// TestVerifyParsedNil: a nil Unverified is malformed, not a panic.
func TestVerifyParsedNil(t *testing.T) {
	for _, cfg := range []jwtverify.Config{{}, {CacheSize: -1}} {
		f := newFixture(t, cfg)
		tok, err := f.v.VerifyParsed(context.Background(), nil)
		onlySentinel(t, err, jwtverify.ErrMalformed)
		if tok != nil {
			t.Fatal("a token came back with an error")
		}
	}
}

// TestVerifyParsedLimit: ParseUnverified refuses over 64 KiB whatever the
// Verifier's MaxTokenSize, even a token that Verifier accepts (the documented
// bound of a parse that knows no Verifier).
func TestVerifyParsedLimit(t *testing.T) {
	f := newFixture(t, jwtverify.Config{MaxTokenSize: 128 << 10})
	raw := f.iss.Mint(padded(50 << 10))
	if _, err := f.v.Verify(context.Background(), raw); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	_, err := jwtverify.ParseUnverified(raw)
	onlySentinel(t, err, jwtverify.ErrTooLarge)
	at := raw[:64<<10]
	if _, err := jwtverify.ParseUnverified(at); errors.Is(err, jwtverify.ErrTooLarge) {
		t.Fatalf("ParseUnverified refused %d bytes as too large: %v", len(at), err)
	}
}

// TestRouteByIssuer is the routing example: parse once, pick the Verifier
// by the unverified iss, verify the same parse. A token handed to the
// Verifier of another issuer fails as Verify would fail it there.
func TestRouteByIssuer(t *testing.T) {
	a, b := sharedIssuer(), otherIssuer() // same kids, different keys
	const issA, issB, issA2, issC = "https://a.test", "https://b.test", "https://tenant2.a.test", "https://c.test"
	bEC, ok := b.PublicJWKS().LookupKeyID(jwttest.KidEC)
	if !ok {
		t.Fatal("no EC key")
	}
	onlyEC := jwk.NewSet()
	if err := onlyEC.AddKey(bEC); err != nil {
		t.Fatal(err)
	}
	algs := jwtverify.Config{Algorithms: []string{"RS256", "ES256"}}
	verifiers := map[string]*jwtverify.Verifier{
		issA:  verifierOf(t, a.PublicJWKS(), issA, algs),
		issB:  verifierOf(t, b.PublicJWKS(), issB, algs),
		issA2: verifierOf(t, a.PublicJWKS(), issA2, algs), // another tenant of A's keys
		issC:  verifierOf(t, onlyEC, issC, algs),          // knows no RSA key
	}
	ctx := context.Background()
	route := func(raw string) (*jwtverify.Token, error) {
		u, err := jwtverify.ParseUnverified(raw)
		if err != nil {
			return nil, err
		}
		iss, _ := u.StringClaim("iss")
		v, ok := verifiers[iss]
		if !ok {
			return nil, errors.New("unknown issuer")
		}
		return v.VerifyParsed(ctx, u)
	}

	tokA := a.Mint(richClaims(issA))
	tokB := b.Mint(richClaims(issB), jwttest.WithAlg("ES256"))
	for _, tc := range []struct {
		raw, iss string
	}{{tokA, issA}, {tokB, issB}} {
		tok, err := route(tc.raw)
		if err != nil {
			t.Fatalf("%s: %v", tc.iss, err)
		}
		if tok.Issuer() != tc.iss || tok.Subject() != "alice" {
			t.Fatalf("routed token reads iss %q sub %q", tok.Issuer(), tok.Subject())
		}
		want, err := verifiers[tc.iss].Verify(ctx, tc.raw)
		if err != nil {
			t.Fatal(err)
		}
		sameClaims(t, tc.iss, tok, want)
	}

	for _, tc := range []struct {
		name string
		raw  string
		err  error // nil: not routed
	}{
		{"B's key claiming A", b.Mint(richClaims(issA)), jwtverify.ErrSignature},
		{"A's key claiming B", a.Mint(richClaims(issB)), jwtverify.ErrSignature},
		{"A's key claiming C", a.Mint(richClaims(issC)), jwtverify.ErrUnknownKey},
		{"unknown issuer", a.Mint(richClaims("https://evil.test")), nil},
		{"iss not a string", a.Mint(with("iss", 7)), nil},
		{"no iss", a.Mint(with("iss", nil)), nil},
	} {
		tok, err := route(tc.raw)
		if tok != nil {
			t.Fatalf("%s: routed and accepted", tc.name)
		}
		if tc.err == nil {
			if err == nil || err.Error() != "unknown issuer" {
				t.Fatalf("%s: err = %v, want unknown issuer", tc.name, err)
			}
			continue
		}
		onlySentinel(t, err, tc.err)
	}

	// One parse handed to every Verifier, the right one first or last: each
	// judges it as Verify would, the signature, the key and the issuer.
	wants := map[string]error{issA: nil, issB: jwtverify.ErrSignature, issA2: jwtverify.ErrIssuer, issC: jwtverify.ErrUnknownKey}
	for _, order := range [][]string{{issA, issB, issA2, issC}, {issC, issA2, issB, issA}} {
		raw := a.Mint(richClaims(issA))
		u, err := jwtverify.ParseUnverified(raw)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range order {
			v := verifiers[name]
			want, werr := v.Verify(ctx, raw)
			if wants[name] == nil {
				if werr != nil {
					t.Fatalf("Verify at %s: %v", name, werr)
				}
			} else {
				onlySentinel(t, werr, wants[name])
			}
			got, gerr := v.VerifyParsed(ctx, u)
			sameVerdict(t, "A's token at "+name, got, gerr, want, werr)
			if gerr == nil {
				sameClaims(t, "A's token at "+name, got, want)
			}
		}
	}
}

// TestVerifyParsedStorage: each VerifyParsed of one Unverified returns its
// own Token (the first in the Unverified's storage, the others in new
// storage), and a Token never changes under its holder, whatever later
// verifications of the same parse do, concurrent ones included.
func TestVerifyParsedStorage(t *testing.T) {
	f := newFixture(t, jwtverify.Config{CacheSize: -1})
	other := newFixture(t, jwtverify.Config{})
	strict := newFixture(t, jwtverify.Config{Audience: []string{"other-api"}})
	ctx := context.Background()
	raw := f.iss.Mint(richClaims(testIssuer))
	u, err := jwtverify.ParseUnverified(raw)
	if err != nil {
		t.Fatal(err)
	}
	t1, err := f.v.VerifyParsed(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	want := viewOf(t1)
	if want.Subject != "alice" || want.Email != "alice@example.test" {
		t.Fatalf("token reads %+v", want)
	}
	t2, err := f.v.VerifyParsed(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := strict.v.VerifyParsed(ctx, u); !errors.Is(err, jwtverify.ErrAudience) {
		t.Fatalf("err = %v, want ErrAudience", err)
	}
	t3, err := other.v.VerifyParsed(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	if t1 == t2 || t1 == t3 || t2 == t3 {
		t.Fatalf("verifications of one Unverified share a Token: %p %p %p", t1, t2, t3)
	}
	for i, tok := range []*jwtverify.Token{t1, t2, t3} {
		if got := viewOf(tok); !reflect.DeepEqual(got, want) {
			t.Fatalf("token %d reads\n%+v\nwant\n%+v", i+1, got, want)
		}
	}

	// Concurrently, on a fresh parse: 8 Tokens, each read as soon as it is
	// returned while the others are being built (go test -race).
	u, err = jwtverify.ParseUnverified(raw)
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	var (
		wg    sync.WaitGroup
		toks  [n]*jwtverify.Token
		views [n]tokenView
		errs  [n]error
		start = make(chan struct{})
	)
	for i := range n {
		wg.Go(func() {
			<-start
			v := f.v
			if i%2 == 1 {
				v = strict.v // fails after building its Token
				if _, err := v.VerifyParsed(ctx, u); !errors.Is(err, jwtverify.ErrAudience) {
					errs[i] = err
					return
				}
				v = f.v
			}
			toks[i], errs[i] = v.VerifyParsed(ctx, u)
			if errs[i] == nil {
				views[i] = viewOf(toks[i])
			}
		})
	}
	close(start)
	wg.Wait()
	seen := map[*jwtverify.Token]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if !reflect.DeepEqual(views[i], want) || !reflect.DeepEqual(viewOf(toks[i]), want) {
			t.Fatalf("goroutine %d: token reads\n%+v\nwant\n%+v", i, views[i], want)
		}
		if seen[toks[i]] {
			t.Fatalf("goroutine %d: a Token returned twice", i)
		}
		seen[toks[i]] = true
	}
}

// TestVerifyParsedSharesCache: Verify and VerifyParsed share the
// verified-signature cache: a token verified once by each is answered from
// the cache on its third verification, by either.
func TestVerifyParsedSharesCache(t *testing.T) {
	ctx := context.Background()
	parse := func(t *testing.T, raw string) *jwtverify.Unverified {
		t.Helper()
		u, err := jwtverify.ParseUnverified(raw)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	type call func(t *testing.T, v *jwtverify.Verifier, raw string) *jwtverify.Token
	verify := func(t *testing.T, v *jwtverify.Verifier, raw string) *jwtverify.Token {
		t.Helper()
		tok, err := v.Verify(ctx, raw)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return tok
	}
	parsed := func(t *testing.T, v *jwtverify.Verifier, raw string) *jwtverify.Token {
		t.Helper()
		tok, err := v.VerifyParsed(ctx, parse(t, raw))
		if err != nil {
			t.Fatalf("VerifyParsed: %v", err)
		}
		return tok
	}
	for _, tc := range []struct {
		name          string
		first, second call
	}{
		{"Verify then VerifyParsed", verify, parsed},
		{"VerifyParsed then Verify", parsed, verify},
		{"VerifyParsed twice", parsed, parsed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, jwtverify.Config{})
			raw := f.iss.Mint(richClaims(testIssuer))
			t1 := tc.first(t, f.v, raw)
			t2 := tc.second(t, f.v, raw)
			if t1 == t2 {
				t.Fatal("a token seen once was answered from the cache")
			}
			if t3 := verify(t, f.v, raw); t3 != t2 {
				t.Fatalf("Verify's third verification is not the cached Token: %p, want %p", t3, t2)
			}
			if t4 := parsed(t, f.v, raw); t4 != t2 {
				t.Fatalf("VerifyParsed's third verification is not the cached Token: %p, want %p", t4, t2)
			}
			sameClaims(t, "cached", t2, t1)
			// The cached answer is still judged: once expired, both refuse it.
			f.clock.Add(2 * time.Hour)
			if _, err := f.v.VerifyParsed(ctx, parse(t, raw)); !errors.Is(err, jwtverify.ErrExpired) {
				t.Fatalf("VerifyParsed after exp: %v", err)
			}
			if _, err := f.v.Verify(ctx, raw); !errors.Is(err, jwtverify.ErrExpired) {
				t.Fatalf("Verify after exp: %v", err)
			}
		})
	}
}

// scribble overwrites b up to its capacity: past its end too, where a
// slice sharing the payload would reach the claims that follow.
func scribble(b []byte) {
	b = b[:cap(b)]
	for i := range b {
		b[i] = 'X'
	}
}

// TestUnverifiedClaims: Claim returns a copy, StringClaim reads strings only,
// and neither is changed by what a caller does with a Claim.
func TestUnverifiedClaims(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	c := richClaims(testIssuer)
	c["n"] = 7
	c["obj"] = map[string]string{"k": "v"}
	c["null"] = nil
	c["esc"] = "a\"b\\c/é"
	raw := f.iss.Mint(c)
	u, err := jwtverify.ParseUnverified(raw)
	if err != nil {
		t.Fatal(err)
	}
	sub, ok := u.Claim("sub")
	if !ok || string(sub) != `"alice"` {
		t.Fatalf("Claim(sub) = %s, %v", sub, ok)
	}
	scribble(sub)
	if got, ok := u.StringClaim("sub"); !ok || got != "alice" {
		t.Fatalf("after writing to a Claim, StringClaim(sub) = %q, %v", got, ok)
	}
	if again, _ := u.Claim("sub"); string(again) != `"alice"` {
		t.Fatalf("after writing to a Claim, Claim(sub) = %s", again)
	}
	roles, _ := u.Claim("roles")
	scribble(roles)
	if got, _ := u.Claim("roles"); string(got) != `["reader","writer"]` {
		t.Fatalf("after writing to a Claim, Claim(roles) = %s", got)
	}
	tok, err := f.v.VerifyParsed(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Subject() != "alice" {
		t.Fatalf("after writing to a Claim, Subject = %q", tok.Subject())
	}
	if got, _ := tok.StringClaim("email"); got != "alice@example.test" {
		t.Fatalf("email = %q", got)
	}

	for _, tc := range []struct {
		name, want string
		ok         bool
	}{
		{"iss", testIssuer, true},
		{"esc", "a\"b\\c/é", true},
		{"email", "alice@example.test", true},
		{"n", "", false},
		{"exp", "", false},
		{"obj", "", false},
		{"roles", "", false},
		{"null", "", false},
		{"absent", "", false},
		{"ISS", "", false},
	} {
		got, ok := u.StringClaim(tc.name)
		if got != tc.want || ok != tc.ok {
			t.Errorf("StringClaim(%s) = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.ok)
		}
		if got2, ok2 := jwtverify.UnverifiedStringClaim(raw, tc.name); got2 != got || ok2 != ok {
			t.Errorf("UnverifiedStringClaim(%s) = %q, %v; StringClaim says %q, %v", tc.name, got2, ok2, got, ok)
		}
	}
	if v, ok := u.Claim("absent"); ok || v != nil {
		t.Fatalf("Claim(absent) = %s, %v", v, ok)
	}
	if v, ok := u.Claim("null"); !ok || string(v) != "null" {
		t.Fatalf("Claim(null) = %s, %v", v, ok)
	}
	if v, ok := u.Claim("obj"); !ok || string(v) != `{"k":"v"}` {
		t.Fatalf("Claim(obj) = %s, %v", v, ok)
	}
}
