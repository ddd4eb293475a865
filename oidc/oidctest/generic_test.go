package oidctest_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/sesame-go/sesame/oidc/oidctest"
)

// post sends form to the fake's path with an optional Basic header and
// returns the status and the JSON answer.
func post(t *testing.T, s *oidctest.Server, path string, form url.Values, basic string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+s.Path(path), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic != "" {
		req.Header.Set("Authorization", basic)
	}
	return doJSON(t, req)
}

// assertion signs an RFC 7523 client assertion with key under alg, edited by
// edit before signing.
func assertion(t *testing.T, alg jwa.SignatureAlgorithm, key any, kid string, edit func(*jwt.Builder)) string {
	t.Helper()
	now := time.Now()
	b := jwt.NewBuilder().Issuer(oidctest.DefaultClientID).Subject(oidctest.DefaultClientID).
		JwtID(strings.Repeat("j", 10) + time.Now().Format(time.RFC3339Nano)).IssuedAt(now).Expiration(now.Add(time.Minute))
	if edit != nil {
		edit(b)
	}
	tok, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	h := jws.NewHeaders()
	if kid != "" {
		_ = h.Set(jws.KeyIDKey, kid)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(alg, key, jws.WithProtectedHeaders(h)))
	if err != nil {
		t.Fatal(err)
	}
	return string(signed)
}

// TestGenericClientAuth: the fake's token endpoint accepts exactly the
// registered client authentication method, well formed. A request whose
// authentication passes fails later with invalid_grant (a bogus refresh
// token); one whose authentication fails is invalid_client.
func TestGenericClientAuth(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte(oidctest.DefaultClientSecret)
	grant := func() url.Values { return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"bogus"}} }
	with := func(kv ...string) url.Values {
		f := grant()
		for i := 0; i < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return f
	}
	basic := func(id, secret string) string {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
		return r.Header.Get("Authorization")
	}
	const jwtBearer = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	type call struct {
		name   string
		form   func(s *oidctest.Server) url.Values
		basic  string
		passes bool
	}
	hs := func(s *oidctest.Server, edit func(*jwt.Builder)) url.Values {
		return with("client_assertion_type", jwtBearer, "client_assertion", assertion(t, jwa.HS256, secret, "", edit))
	}
	replayed := ""
	for _, tc := range []struct {
		method string
		calls  []call
	}{
		{"client_secret_basic", []call{
			{"header", func(*oidctest.Server) url.Values { return grant() }, basic(oidctest.DefaultClientID, oidctest.DefaultClientSecret), true},
			{"wrong secret", func(*oidctest.Server) url.Values { return grant() }, basic(oidctest.DefaultClientID, "nope"), false},
			{"in the body", func(*oidctest.Server) url.Values {
				return with("client_id", oidctest.DefaultClientID, "client_secret", oidctest.DefaultClientSecret)
			}, "", false},
		}},
		{"client_secret_post", []call{
			{"body", func(*oidctest.Server) url.Values {
				return with("client_id", oidctest.DefaultClientID, "client_secret", oidctest.DefaultClientSecret)
			}, "", true},
			{"header", func(*oidctest.Server) url.Values { return grant() }, basic(oidctest.DefaultClientID, oidctest.DefaultClientSecret), false},
		}},
		{"client_secret_jwt", []call{
			{"token endpoint audience", func(s *oidctest.Server) url.Values {
				f := hs(s, func(b *jwt.Builder) { b.Audience([]string{s.URL + s.Path(oidctest.PathToken)}) })
				replayed = f.Get("client_assertion")
				return f
			}, "", true},
			{"replayed", func(s *oidctest.Server) url.Values {
				return with("client_assertion_type", jwtBearer, "client_assertion", replayed)
			}, "", false},
			{"issuer audience", func(s *oidctest.Server) url.Values {
				return hs(s, func(b *jwt.Builder) { b.Audience([]string{s.Issuer}).JwtID("another-jti-of-enough-length") })
			}, "", true},
			{"other audience", func(s *oidctest.Server) url.Values {
				return hs(s, func(b *jwt.Builder) { b.Audience([]string{"https://other.example"}) })
			}, "", false},
			{"long-lived", func(s *oidctest.Server) url.Values {
				return hs(s, func(b *jwt.Builder) { b.Audience([]string{s.Issuer}).Expiration(time.Now().Add(time.Hour)) })
			}, "", false},
			{"short jti", func(s *oidctest.Server) url.Values {
				return hs(s, func(b *jwt.Builder) { b.Audience([]string{s.Issuer}).JwtID("short") })
			}, "", false},
			{"another sub", func(s *oidctest.Server) url.Values {
				return hs(s, func(b *jwt.Builder) {
					b.Audience([]string{s.Issuer}).Subject("other").JwtID("a-third-jti-of-enough-length")
				})
			}, "", false},
			{"wrong key", func(s *oidctest.Server) url.Values {
				return with("client_assertion_type", jwtBearer, "client_assertion",
					assertion(t, jwa.HS256, []byte(strings.Repeat("k", 40)), "", func(b *jwt.Builder) { b.Audience([]string{s.Issuer}) }))
			}, "", false},
			{"the secret itself", func(*oidctest.Server) url.Values {
				return with("client_id", oidctest.DefaultClientID, "client_secret", oidctest.DefaultClientSecret)
			}, "", false},
		}},
		{"private_key_jwt", []call{
			{"registered kid", func(s *oidctest.Server) url.Values {
				return with("client_assertion_type", jwtBearer, "client_assertion",
					assertion(t, jwa.ES256, key, "k1", func(b *jwt.Builder) { b.Audience([]string{s.Issuer}) }))
			}, "", true},
			{"other kid", func(s *oidctest.Server) url.Values {
				return with("client_assertion_type", jwtBearer, "client_assertion",
					assertion(t, jwa.ES256, key, "k2", func(b *jwt.Builder) { b.Audience([]string{s.Issuer}).JwtID("yet-another-jti-enough-len") }))
			}, "", false},
			{"HS256 with the secret", func(s *oidctest.Server) url.Values {
				return hs(s, func(b *jwt.Builder) { b.Audience([]string{s.Issuer}).JwtID("hs-jti-of-sufficient-length") })
			}, "", false},
		}},
		{"none", []call{
			{"client_id", func(*oidctest.Server) url.Values { return with("client_id", oidctest.DefaultClientID) }, "", true},
			{"with a secret", func(*oidctest.Server) url.Values {
				return with("client_id", oidctest.DefaultClientID, "client_secret", oidctest.DefaultClientSecret)
			}, "", false},
			{"another client", func(*oidctest.Server) url.Values { return with("client_id", "other") }, "", false},
		}},
	} {
		t.Run(tc.method, func(t *testing.T) {
			s := oidctest.Start(t, oidctest.Config{Generic: true, AuthMethod: tc.method, ClientKey: key.Public(), ClientKeyID: "k1"})
			for _, c := range tc.calls {
				st, out := post(t, s, oidctest.PathToken, c.form(s), c.basic)
				if c.passes && (st != http.StatusBadRequest || out["error"] != "invalid_grant") {
					t.Errorf("%s: %d %v, want invalid_grant (authenticated)", c.name, st, out)
				}
				if !c.passes && (st != http.StatusUnauthorized || out["error"] != "invalid_client") {
					t.Errorf("%s: %d %v, want invalid_client", c.name, st, out)
				}
			}
		})
	}
}

// TestGenericPAR: with RequirePAR the fake refuses an authorization request
// that was not pushed, and a request_uri works once.
func TestGenericPAR(t *testing.T) {
	s := oidctest.Start(t, oidctest.Config{Generic: true, RequirePAR: true, AuthMethod: "client_secret_post"})
	params := url.Values{"response_type": {"code"}, "client_id": {s.ClientID()}, "redirect_uri": {redirect},
		"scope": {"openid"}, "state": {state}, "nonce": {nonce}, "code_challenge": {challenge}, "code_challenge_method": {"S256"}}
	get := func(q url.Values) *http.Response {
		t.Helper()
		resp, err := noRedirect().Get(s.URL + s.Path(oidctest.PathAuthorize) + "?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get(params); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("unpushed request: %d, want 400", resp.StatusCode)
	}
	push := url.Values{"client_secret": {s.ClientSecret()}}
	for k, v := range params {
		push[k] = v
	}
	if st, out := post(t, s, oidctest.PathPAR, url.Values{"client_id": {s.ClientID()}, "client_secret": {"wrong"}}, ""); st != http.StatusUnauthorized {
		t.Errorf("PAR with a wrong secret: %d %v", st, out)
	}
	st, out := post(t, s, oidctest.PathPAR, push, "")
	uri, _ := out["request_uri"].(string)
	if st != http.StatusCreated || !strings.HasPrefix(uri, "urn:ietf:params:oauth:request_uri:") || out["expires_in"] != 60.0 {
		t.Fatalf("PAR: %d %v", st, out)
	}
	ref := url.Values{"client_id": {s.ClientID()}, "request_uri": {uri}}
	resp := get(ref)
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc.Query().Get("code") == "" || loc.Query().Get("state") != state {
		t.Errorf("pushed request: %d %v", resp.StatusCode, loc)
	}
	if resp := get(ref); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("request_uri reused: %d, want 400", resp.StatusCode)
	}
}
