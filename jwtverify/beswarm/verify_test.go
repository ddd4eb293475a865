package beswarm_test

import (
	"crypto"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/beswarm"
	"github.com/sesame-go/sesame/jwtverify/beswarm/beswarmtest"
)

// payloadWith returns the seed's claims with some replaced (nil removes).
func payloadWith(t *testing.T, changes map[string]any) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(seedPayload()), &m); err != nil {
		t.Fatal(err)
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func header(alg string) string {
	b, _ := json.Marshal(map[string]string{"alg": alg, "typ": "JWT", "kid": "k1"})
	return string(b)
}

func TestAlgorithms(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	uriOnly := []string{beswarm.AlgRSASHA256}
	rsOnly := []string{"RS256"}
	for _, c := range []struct {
		name string
		algs []string
		alg  string
		hash crypto.Hash
		want error
	}{
		{"default URI", nil, beswarm.AlgRSASHA256, crypto.SHA256, nil},
		{"default RS256", nil, "RS256", crypto.SHA256, nil},
		{"default sha384 URI", nil, beswarm.AlgRSASHA384, crypto.SHA384, nil},
		{"default sha512 URI", nil, beswarm.AlgRSASHA512, crypto.SHA512, nil},
		{"default refuses RS384", nil, "RS384", crypto.SHA384, jwtverify.ErrAlgorithm},
		{"URI only refuses RS256", uriOnly, "RS256", crypto.SHA256, jwtverify.ErrAlgorithm},
		{"URI only takes URI", uriOnly, beswarm.AlgRSASHA256, crypto.SHA256, nil},
		{"RS256 only refuses URI", rsOnly, beswarm.AlgRSASHA256, crypto.SHA256, jwtverify.ErrAlgorithm},
		{"sha384 header over a sha256 signature", nil, beswarm.AlgRSASHA384, crypto.SHA256, jwtverify.ErrSignature},
		{"sha256 header over a sha512 signature", nil, beswarm.AlgRSASHA256, crypto.SHA512, jwtverify.ErrSignature},
		{"unknown URI", nil, "http://www.w3.org/2000/09/xmldsig#rsa-sha1", crypto.SHA256, jwtverify.ErrAlgorithm},
		{"HMAC URI", nil, "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256", crypto.SHA256, jwtverify.ErrAlgorithm},
		{"URI in another case", nil, strings.ToUpper(beswarm.AlgRSASHA256), crypto.SHA256, jwtverify.ErrAlgorithm},
		{"none", nil, "none", crypto.SHA256, jwtverify.ErrAlgorithm},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := staticVerifier(t, fake, beswarm.Config{Algorithms: c.algs, Now: fixed(seedTime())})
			_, err := v.VerifyClaims(ctx, sign(t, fake, c.hash, header(c.alg), seedPayload()))
			if c.want == nil && err != nil {
				t.Fatal(err)
			}
			if c.want != nil {
				wantErr(t, err, c.want)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	keys, err := jwtverify.NewXMLKeys(map[string][]byte{"k": []byte(seedKeyXML)})
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]beswarm.Config{
		"no audience":  {},
		"unknown alg":  {Audience: []string{"*"}, Algorithms: []string{"ES256"}},
		"free text":    {Audience: []string{"*"}, Algorithms: []string{"rsa-sha256"}},
		"empty in aud": {Audience: []string{""}},
	} {
		if _, err := beswarm.NewVerifier(keys, cfg); err == nil {
			t.Errorf("%s: NewVerifier accepted %+v", name, cfg)
		} else {
			wantErr(t, err, jwtverify.ErrConfig)
		}
	}
	// The error names fields of the config the caller holds, not jwtverify's.
	_, err = beswarm.NewVerifier(keys, beswarm.Config{})
	if msg := err.Error(); !strings.Contains(msg, "beswarm.Config.Audience") || !strings.Contains(msg, "beswarm.AnyAudience") || strings.Contains(msg, "set AnyAudience") {
		t.Errorf("error %q does not name beswarm.Config's fields", msg)
	}
	if _, err := beswarm.NewVerifier(nil, beswarm.Config{Audience: []string{"*"}}); !errorsIs(err, jwtverify.ErrConfig) {
		t.Errorf("no key source: %v", err)
	}
}

func TestClaimChecks(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	var bigB strings.Builder
	for i := range 185 {
		fmt.Fprintf(&bigB, `"r%03d":{"read":true,"write":true,"delete":true},`, i)
	}
	big := bigB.String()
	for _, c := range []struct {
		name    string
		changes map[string]any
		cfg     beswarm.Config
		want    error
	}{
		{"older issuer refused", map[string]any{"iss": "mystrongbox"}, beswarm.Config{}, jwtverify.ErrIssuer},
		{"older issuer configured", map[string]any{"iss": "mystrongbox"}, beswarm.Config{Issuer: "mystrongbox"}, nil},
		{"no issuer", map[string]any{"iss": nil}, beswarm.Config{}, jwtverify.ErrIssuer},
		{"aud * not configured", nil, beswarm.Config{Audience: []string{"my-app"}}, jwtverify.ErrAudience},
		{"no nbf", map[string]any{"nbf": nil}, beswarm.Config{}, jwtverify.ErrMissingClaim},
		{"no exp", map[string]any{"exp": nil}, beswarm.Config{}, jwtverify.ErrMissingClaim},
		{"scope not a string", map[string]any{"scope": map[string]any{"a": map[string]bool{"read": true}}}, beswarm.Config{}, beswarm.ErrScope},
		{"scope not JSON", map[string]any{"scope": "userbankaccount:read"}, beswarm.Config{}, beswarm.ErrScope},
		{"scope of the wrong shape", map[string]any{"scope": `{"a":{"read":"yes","write":true,"delete":true}}`}, beswarm.Config{}, beswarm.ErrScope},
		{"scope an array", map[string]any{"scope": `["userbankaccount"]`}, beswarm.Config{}, beswarm.ErrScope},
		{"scope too large", map[string]any{"scope": "{" + big + `"z":{"read":true,"write":true,"delete":true}}`}, beswarm.Config{}, beswarm.ErrScope},
		{"funcs not JSON", map[string]any{"funcs": "a,b"}, beswarm.Config{}, beswarm.ErrScope},
		{"no scope", map[string]any{"scope": nil}, beswarm.Config{}, beswarm.ErrScope},
		{"scope empty", map[string]any{"scope": ""}, beswarm.Config{}, beswarm.ErrScope},
		{"no funcs", map[string]any{"funcs": nil}, beswarm.Config{}, beswarm.ErrScope},
		{"funcs empty", map[string]any{"funcs": ""}, beswarm.Config{}, beswarm.ErrScope},
		{"scope an explicit empty object", map[string]any{"scope": "{}"}, beswarm.Config{}, nil},
		{"unknown tokentype", map[string]any{"tokentype": "Admin"}, beswarm.Config{}, beswarm.ErrTokenType},
		{"no tokentype", map[string]any{"tokentype": nil}, beswarm.Config{}, beswarm.ErrTokenType},
		{"tokentype not a string", map[string]any{"tokentype": 1}, beswarm.Config{}, beswarm.ErrTokenType},
		{"application token", map[string]any{"tokentype": "Application"}, beswarm.Config{}, nil},
		{"swarmid not a string", map[string]any{"swarmid": 7}, beswarm.Config{}, jwtverify.ErrMalformed},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			cfg.Now = fixed(seedTime())
			_, err := staticVerifier(t, fake, cfg).VerifyClaims(ctx, sign(t, fake, crypto.SHA256, seedHeader, payloadWith(t, c.changes)))
			if c.want == nil && err != nil {
				t.Fatal(err)
			}
			if c.want != nil {
				wantErr(t, err, c.want)
			}
		})
	}
}

// A repeat token is answered with the same claims from its third
// verification (jwtverify caches a token on its second), and still expires.
func TestRepeatToken(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	now := seedTime()
	v := staticVerifier(t, fake, beswarm.Config{Now: func() time.Time { return now }})
	tok := sign(t, fake, crypto.SHA256, seedHeader, seedPayload())
	var got [3]*beswarm.Claims
	for i := range got {
		var err error
		if got[i], err = v.VerifyClaims(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if got[1] != got[2] {
		t.Fatalf("repeat: %p %p", got[1], got[2])
	}
	now = time.Unix(seedExp+3600, 0)
	_, err := v.VerifyClaims(ctx, tok)
	wantErr(t, err, jwtverify.ErrExpired)
}

// A stream of tokens verified once does not push out the claims of a
// repeat token: its claims stay decoded (the same *Claims).
func TestRepeatTokenKeepsClaims(t *testing.T) {
	fake := beswarmtest.Start(t, beswarmtest.Config{})
	now := seedTime()
	v := staticVerifier(t, fake, beswarm.Config{Now: func() time.Time { return now }, CacheSize: 2})
	mint := func(nonce string) string {
		return sign(t, fake, crypto.SHA256, seedHeader, strings.Replace(seedPayload(), seedNonce, nonce, 1))
	}
	tok := mint("repeat")
	var cached *beswarm.Claims
	for range 3 {
		c, err := v.VerifyClaims(ctx, tok)
		if err != nil {
			t.Fatal(err)
		}
		cached = c
	}
	for i := range 20 {
		if _, err := v.VerifyClaims(ctx, mint(fmt.Sprint("once-", i))); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := v.VerifyClaims(ctx, tok); err != nil || c != cached {
		t.Fatalf("the repeat token's claims were decoded again (%p, was %p): %v", c, cached, err)
	}
}
