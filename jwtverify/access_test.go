package jwtverify_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

const testClient = "app-1"

// accessClaims returns valid RFC 9068 claims at the fixtures' epoch.
func accessClaims() map[string]any {
	return jwttest.AccessClaimsAt(epoch, testIssuer, "alice", testAudience, testClient, "orders:read", "orders:write")
}

// accessWith returns accessClaims with one claim set, or removed when v is nil.
func accessWith(name string, v any) map[string]any {
	c := accessClaims()
	if v == nil {
		delete(c, name)
	} else {
		c[name] = v
	}
	return c
}

// TestAccessTokenProfile: Config.AccessToken accepts RFC 9068 access tokens
// only: typ at+jwt in any spelling, every REQUIRED claim, the profile's claim
// types; an ID token of the same issuer and audience is refused.
func TestAccessTokenProfile(t *testing.T) {
	f := newFixture(t, jwtverify.Config{AccessToken: true})
	mint := func(c map[string]any, opts ...jwttest.Option) string { return f.iss.MintAccessToken(c, opts...) }
	cases := []struct {
		name string
		tok  string
		want error
	}{
		{"valid", mint(accessClaims()), nil},
		{"application/at+jwt", mint(accessClaims(), jwttest.WithHeader("typ", "application/at+jwt")), nil},
		{"upper case typ", mint(accessClaims(), jwttest.WithHeader("typ", "AT+JWT")), nil},
		{"ES256", mint(accessClaims(), jwttest.WithAlg("ES256")), nil},
		{"ID token (typ JWT)", f.iss.Mint(accessClaims()), jwtverify.ErrType},
		{"no typ", mint(accessClaims(), jwttest.WithoutTyp()), jwtverify.ErrType},
		{"typ dpop+jwt", mint(accessClaims(), jwttest.WithHeader("typ", "dpop+jwt")), jwtverify.ErrType},
		{"typ at+jwt with a space", mint(accessClaims(), jwttest.WithHeader("typ", "at+jwt ")), jwtverify.ErrType},
		{"wrong audience", mint(accessWith("aud", "other-api")), jwtverify.ErrAudience},
		{"wrong issuer", mint(accessWith("iss", "https://evil.test")), jwtverify.ErrIssuer},
		{"client_id a number", mint(accessWith("client_id", 7)), jwtverify.ErrMalformed},
		{"scope an array", mint(accessWith("scope", []string{"orders:read"})), jwtverify.ErrMalformed},
		{"auth_time a string", mint(accessWith("auth_time", "yesterday")), jwtverify.ErrMalformed},
		{"acr a number", mint(accessWith("acr", 2)), jwtverify.ErrMalformed},
		{"amr a string", mint(accessWith("amr", "pwd")), jwtverify.ErrMalformed},
		{"groups with null", mint(accessWith("groups", []any{"a", nil})), jwtverify.ErrMalformed},
		{"roles an object", mint(accessWith("roles", map[string]any{"admin": true})), jwtverify.ErrMalformed},
		{"entitlements a number", mint(accessWith("entitlements", 1)), jwtverify.ErrMalformed},
	}
	for _, name := range []string{"iss", "exp", "aud", "sub", "client_id", "iat", "jti"} {
		cases = append(cases, struct {
			name string
			tok  string
			want error
		}{"no " + name, mint(accessWith(name, nil)), jwtverify.ErrMissingClaim})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 2 { // fresh, then from the cache
				_, err := f.v.Verify(context.Background(), c.tok)
				if c.want == nil && err != nil || !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
			}
		})
	}
}

// TestAccessClaims: the profile's claims read back as written.
func TestAccessClaims(t *testing.T) {
	f := newFixture(t, jwtverify.Config{AccessToken: true})
	c := accessClaims()
	c["auth_time"] = epoch.Add(-time.Minute).Unix()
	c["acr"] = "eidas2"
	c["amr"] = []string{"pwd", "otp"}
	c["groups"] = []string{"staff"}
	c["roles"] = []string{"admin", "auditor"}
	c["entitlements"] = []string{}
	tok, err := f.v.Verify(context.Background(), f.iss.MintAccessToken(c))
	if err != nil {
		t.Fatal(err)
	}
	got, err := tok.AccessClaims()
	if err != nil {
		t.Fatal(err)
	}
	want := jwtverify.AccessClaims{
		ClientID: testClient, Scopes: []string{"orders:read", "orders:write"}, AuthTime: epoch.Add(-time.Minute),
		ACR: "eidas2", AMR: []string{"pwd", "otp"}, Groups: []string{"staff"}, Roles: []string{"admin", "auditor"}, Entitlements: []string{},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("AccessClaims = %+v, want %+v", got, want)
	}
	// Without the profile, a malformed claim is still an error, never a grant.
	open := newFixture(t, jwtverify.Config{})
	tok, err = open.v.Verify(context.Background(), open.iss.Mint(with("roles", "admin")))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.AccessClaims(); !errors.Is(err, jwtverify.ErrMalformed) {
		t.Fatalf("roles a string: err = %v, want ErrMalformed", err)
	}
}

// TestAccessTokenConfig: the profile needs an issuer and a resource, and
// accepts no other typ.
func TestAccessTokenConfig(t *testing.T) {
	for name, cfg := range map[string]jwtverify.Config{
		"AnyIssuer":   {AnyIssuer: true, Audience: []string{testAudience}, AccessToken: true},
		"AnyAudience": {Issuer: testIssuer, AnyAudience: true, AccessToken: true},
		"Types JWT":   {Issuer: testIssuer, Audience: []string{testAudience}, AccessToken: true, Types: []string{"at+jwt", "JWT"}},
	} {
		if _, err := jwtverify.New(sharedKeys(t), cfg); !errors.Is(err, jwtverify.ErrConfig) {
			t.Errorf("%s: err = %v, want ErrConfig", name, err)
		}
	}
	if _, err := jwtverify.New(sharedKeys(t), jwtverify.Config{Issuer: testIssuer, Audience: []string{testAudience}, AccessToken: true, Types: []string{"application/AT+JWT"}}); err != nil {
		t.Fatalf("Types at+jwt: %v", err)
	}
}

// TestAccessTokenRequireScope: RequireScope reads an access token's scope.
func TestAccessTokenRequireScope(t *testing.T) {
	f := newFixture(t, jwtverify.Config{AccessToken: true})
	auth := jwtverify.Middleware(f.v, jwtverify.MiddlewareConfig{})
	for _, c := range []struct {
		scope  string
		status int
	}{{"orders:read", 200}, {"orders:delete", 403}} {
		h := auth(jwtverify.RequireScope(c.scope)(whoami))
		r := httptest.NewRequest("GET", "/orders", nil)
		r.Header.Set("Authorization", "Bearer "+f.iss.MintAccessToken(accessClaims()))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != c.status {
			t.Errorf("scope %s: status %d, want %d", c.scope, w.Code, c.status)
		}
	}
}

// TestAccessClaimsAgree: the check Verify runs (without building anything)
// and AccessClaims accept the same claim values.
func TestAccessClaimsAgree(t *testing.T) {
	f := newFixture(t, jwtverify.Config{})
	values := []any{"a", "", 1, 1.5, true, nil, []any{}, []any{"a", "b"}, []any{"a", 1}, []any{"a", nil}, []any{[]any{"a"}},
		map[string]any{}, []any{map[string]any{"value": "a"}}, json.RawMessage(`[ "a" , "b" ]`), json.RawMessage(`["\u00e9"]`), -1e300}
	for _, name := range []string{"client_id", "scope", "acr", "auth_time", "amr", "groups", "roles", "entitlements"} {
		for _, v := range values {
			tok, err := f.v.Verify(context.Background(), f.iss.Mint(with(name, json.RawMessage(mustJSON(t, v)))))
			if err != nil {
				continue // a registered claim's own rules (none here) or a timeClaim range
			}
			_, full := tok.AccessClaims()
			if check := jwtverify.CheckAccessClaims(tok); (check == nil) != (full == nil) {
				t.Errorf("%s = %s: check %v, AccessClaims %v", name, mustJSON(t, v), check, full)
			}
		}
	}
}
