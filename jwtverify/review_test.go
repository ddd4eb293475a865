package jwtverify_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// TestUnusableKeysIgnored: one rule for StaticKeys, DecodeJWKS and RemoteKeys
// (RFC 7517 §5): a JWKS holding a 1024-bit key beside good ones loads, the weak
// key is logged and refused by kid (ErrWeakKey), the good ones verify. Before
// the fix NewStaticKeys refused the whole set.
func TestUnusableKeysIgnored(t *testing.T) {
	iss, err := jwttest.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := iss.AddKey("weak", rsaKey(t, 1024), "RS256"); err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(iss.PublicJWKS())
	decoded, err := jwtverify.DecodeJWKS(body)
	if err != nil {
		t.Fatalf("DecodeJWKS: %v", err)
	}
	static, err := jwtverify.NewStaticKeys(iss.PublicJWKS())
	if err != nil {
		t.Fatalf("NewStaticKeys(JWKS with a weak key): %v", err)
	}
	mixed, err := jwtverify.NewStaticKeys(&rsaKey(t, 1024).PublicKey, iss.PublicKey(jwttest.KidRSA))
	if err != nil {
		t.Fatalf("NewStaticKeys(weak crypto key, good key): %v", err)
	}
	for name, src := range map[string]jwtverify.KeySource{
		"DecodeJWKS":  sourceFunc(func(context.Context) (jwk.Set, error) { return decoded, nil }),
		"StaticKeys":  static,
		"crypto keys": mixed,
	} {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			v, err := jwtverify.New(src, jwtverify.Config{AnyIssuer: true, AnyAudience: true, Now: newClock().Now, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := v.Verify(context.Background(), iss.Mint(claims())); err != nil {
				t.Fatalf("good key: %v", err)
			}
			if name != "crypto keys" {
				if _, err := v.Verify(context.Background(), iss.Mint(claims(), jwttest.WithKid("weak"))); !errors.Is(err, jwtverify.ErrWeakKey) {
					t.Fatalf("weak key: err = %v, want ErrWeakKey", err)
				}
			}
			if !strings.Contains(logs.String(), "key refused") {
				t.Fatalf("the weak key was not logged:\n%s", logs.String())
			}
		})
	}
	// Only weak keys: nothing usable is left.
	onlyWeak := jwk.NewSet()
	k, _ := iss.PublicJWKS().LookupKeyID("weak")
	_ = onlyWeak.AddKey(k)
	body, _ = json.Marshal(onlyWeak)
	if _, err := jwtverify.DecodeJWKS(body); !errors.Is(err, jwtverify.ErrWeakKey) {
		t.Fatalf("DecodeJWKS(only a weak key): err = %v, want ErrWeakKey", err)
	}
	if _, err := jwtverify.NewStaticKeys(onlyWeak); !errors.Is(err, jwtverify.ErrWeakKey) {
		t.Fatalf("NewStaticKeys(only a weak key): err = %v, want ErrWeakKey", err)
	}
}

// TestTypes: Config.Types accepts only the listed typ values, compared
// case-insensitively with or without "application/", and refuses a token
// without typ; an ID token cannot pass as an RFC 9068 access token.
func TestTypes(t *testing.T) {
	f := newFixture(t, jwtverify.Config{Types: []string{"at+jwt"}})
	cases := []struct {
		typ  any // nil: no typ header
		want error
	}{
		{"at+jwt", nil},
		{"AT+JWT", nil},
		{"application/at+jwt", nil},
		{"Application/At+JWT", nil},
		{"JWT", jwtverify.ErrType},
		{nil, jwtverify.ErrType},
		{"", jwtverify.ErrType},
		{"application/jwt", jwtverify.ErrType},
		{"at+jwt ", jwtverify.ErrType},
		{"xapplication/at+jwt", jwtverify.ErrType},
		{42, jwtverify.ErrMalformed},
	}
	for _, c := range cases {
		opt := jwttest.WithHeader("typ", c.typ)
		if c.typ == nil {
			opt = jwttest.WithoutTyp()
		}
		_, err := f.v.Verify(context.Background(), f.iss.Mint(claims(), opt))
		if !errors.Is(err, c.want) || (c.want == nil && err != nil) {
			t.Errorf("typ %v: err = %v, want %v", c.typ, err, c.want)
		}
	}
	// Without Types, any typ (and none) passes.
	open := newFixture(t, jwtverify.Config{})
	if _, err := open.v.Verify(context.Background(), open.iss.Mint(claims(), jwttest.WithoutTyp())); err != nil {
		t.Fatalf("no Types, no typ: %v", err)
	}
	if _, err := jwtverify.New(sharedKeys(t), jwtverify.Config{AnyIssuer: true, AnyAudience: true, Types: []string{""}}); !errors.Is(err, jwtverify.ErrConfig) {
		t.Fatalf("empty Types entry: err = %v, want ErrConfig", err)
	}
	if !jwtverify.SameType("Application/AT+JWT", "at+jwt") || jwtverify.SameType("jwt", "at+jwt") {
		t.Fatal("SameType")
	}
}

func sharedKeys(t *testing.T) *jwtverify.StaticKeys {
	t.Helper()
	keys, err := jwtverify.NewStaticKeys(sharedIssuer().PublicJWKS())
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestErrorsBoundedAndEscaped: attacker-chosen header and claim values come
// back in errors clipped to 64 bytes and quoted (%q), whatever their size.
// Before the fix a 1 MiB alg gave a 1 MiB error and crit was printed raw.
func TestErrorsBoundedAndEscaped(t *testing.T) {
	f := newFixture(t, jwtverify.Config{Issuer: testIssuer, Audience: []string{testAudience}, Types: []string{"at+jwt"}, MaxTokenSize: 8 << 20})
	huge := strings.Repeat("\x1b[31mA", 1<<20/6)
	name, _ := json.Marshal(huge)
	dupName, err := f.iss.SignRaw(jwttest.KidRSA, "RS256", []byte(`{"alg":"RS256","typ":"at+jwt","kid":"`+jwttest.KidRSA+`"}`),
		[]byte(`{`+string(name)+`:1,`+string(name)+`:2}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		tok  string
		want error
	}{
		"alg":  {f.iss.Mint(claims(), jwttest.WithHeader("alg", huge)), jwtverify.ErrAlgorithm},
		"kid":  {f.iss.Mint(claims(), jwttest.WithHeader("typ", "at+jwt"), jwttest.WithHeader("kid", huge)), jwtverify.ErrUnknownKey},
		"typ":  {f.iss.Mint(claims(), jwttest.WithHeader("typ", huge)), jwtverify.ErrType},
		"crit": {f.iss.Mint(claims(), jwttest.WithHeader("typ", "at+jwt"), jwttest.WithHeader("crit", []string{huge})), jwtverify.ErrCritical},
		"iss":  {f.iss.Mint(with("iss", huge), jwttest.WithHeader("typ", "at+jwt")), jwtverify.ErrIssuer},
		"aud":  {f.iss.Mint(with("aud", []string{huge, huge, "a", "b", "c", "d"}), jwttest.WithHeader("typ", "at+jwt")), jwtverify.ErrAudience},
		"name": {dupName, jwtverify.ErrMalformed},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := f.v.Verify(context.Background(), c.tok)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if err == nil {
				t.Fatal("accepted")
			}
			msg := err.Error()
			if len(msg) > 600 {
				t.Fatalf("error of %d bytes: %.200s…", len(msg), msg)
			}
			if strings.Contains(msg, "\x1b") {
				t.Fatalf("unescaped control character in %q", msg)
			}
		})
	}
}

// TestErrorsWrapTheirCause: errors wrap their cause with %w, so a caller can
// tell a timeout from a bad token.
func TestErrorsWrapTheirCause(t *testing.T) {
	r := newRemote(t, false, jwtverify.RemoteKeysConfig{Timeout: 50 * time.Millisecond})
	r.srv.SetDelay(2 * time.Second)
	err := r.verify(t, r.iss.Mint(claims()))
	if !errors.Is(err, jwtverify.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want ErrUnavailable and context.DeadlineExceeded", err)
	}
	_, err = jwtverify.ParseRSAKeyValue([]byte("<RSAKeyValue><Modulus>%%%</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>"))
	var cie base64.CorruptInputError
	if !errors.Is(err, jwtverify.ErrKeyDocument) || !errors.As(err, &cie) {
		t.Fatalf("err = %v, want ErrKeyDocument wrapping the base64 error", err)
	}
}

// TestLookupAlgorithm: the one table of algorithms answers every JWA name
// Sesame implements, with its key type and at_hash hash, and nothing else.
func TestLookupAlgorithm(t *testing.T) {
	for name, want := range map[string]jwtverify.Algorithm{
		"RS256": {Name: "RS256", KeyType: "RSA", TokenHash: crypto.SHA256},
		"PS384": {Name: "PS384", KeyType: "RSA", TokenHash: crypto.SHA384},
		"ES512": {Name: "ES512", KeyType: "EC", Curve: "P-521", TokenHash: crypto.SHA512},
		"EdDSA": {Name: "EdDSA", KeyType: "OKP", TokenHash: crypto.SHA512},
		"HS256": {Name: "HS256", KeyType: "oct", Symmetric: true, TokenHash: crypto.SHA256},
	} {
		got, ok := jwtverify.LookupAlgorithm(name)
		if !ok || got != want {
			t.Errorf("LookupAlgorithm(%q) = %+v %v, want %+v", name, got, ok, want)
		}
	}
	for _, name := range []string{"none", "None", "RS1", "rs256", "", "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"} {
		if _, ok := jwtverify.LookupAlgorithm(name); ok {
			t.Errorf("LookupAlgorithm(%q) found", name)
		}
	}
}

// TestUnverifiedStringClaim reads a claim without trust, and nothing from
// malformed tokens; ClaimNames lists a verified token's claims in order.
func TestUnverifiedStringClaim(t *testing.T) {
	tok := sharedIssuer().Mint(with("iss", "https://x.example"))
	if s, ok := jwtverify.UnverifiedStringClaim(tok, "iss"); !ok || s != "https://x.example" {
		t.Fatalf("iss = %q %v", s, ok)
	}
	for _, raw := range []string{"", "a", "a.b", "a.!!.c", "a." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":1}`)) + ".c",
		"a." + base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"a","iss":"b"}`)) + ".c", strings.Repeat("a", 70<<10) + ".b.c"} {
		if s, ok := jwtverify.UnverifiedStringClaim(raw, "iss"); ok {
			t.Errorf("%.40q: read %q", raw, s)
		}
	}
	f := newFixture(t, jwtverify.Config{})
	v, err := f.v.Verify(context.Background(), f.iss.Mint(claims()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range v.ClaimNames() {
		names = append(names, n)
	}
	if len(names) != len(v.Claims()) || !v.Expires() || !v.HasIssuedAt() {
		t.Fatalf("ClaimNames %v, Claims %d", names, len(v.Claims()))
	}
}

// FuzzUnverifiedStringClaim: never panics, and what it reads is what a full
// JSON decoder reads from the same payload.
func FuzzUnverifiedStringClaim(f *testing.F) {
	for _, p := range []string{`{"iss":"a"}`, `{"iss":"\u00e9\n"}`, `{"a":{"iss":"x"},"iss":"y"}`, `{"iss":null}`, `{"ISS":"a"}`, `[]`} {
		f.Add("h." + base64.RawURLEncoding.EncodeToString([]byte(p)) + ".s")
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, ok := jwtverify.UnverifiedStringClaim(raw, "iss")
		if !ok {
			return
		}
		parts := strings.SplitN(raw, ".", 3)
		b, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatalf("read %q from an undecodable payload", s)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("read %q from invalid JSON %q", s, b)
		}
		var want string
		if json.Unmarshal(m["iss"], &want) != nil || want != s {
			t.Fatalf("read %q, encoding/json reads %q", s, want)
		}
	})
}
