package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/session"
)

// opSecret is long enough for client_secret_jwt's HS256 key.
const opSecret = "an-e2e-client-secret-of-more-than-32-bytes"

// opMethodCase is one client registration and the Sesame config that
// matches it.
type opMethodCase struct {
	method oidc.AuthMethod
	app    opAppConfig
	reg    func(map[string]any)
}

// opMethodCases covers every token endpoint authentication method Sesame
// speaks, each registered at the provider as a general-purpose client is.
func opMethodCases(t *testing.T) []opMethodCase {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return []opMethodCase{
		{method: oidc.ClientSecretBasic, app: opAppConfig{ClientSecret: opSecret}},
		{method: oidc.ClientSecretPost, app: opAppConfig{ClientSecret: opSecret}},
		{method: oidc.ClientSecretJWT, app: opAppConfig{ClientSecret: opSecret}},
		{method: oidc.PrivateKeyJWT, app: opAppConfig{PrivateKey: key, PrivateKeyID: "app-key-1"},
			reg: func(r map[string]any) { r["jwks"] = map[string]any{"keys": []any{publicJWK(t, key, "app-key-1")}} }},
		{method: oidc.AuthNone, app: opAppConfig{}},
	}
}

// publicJWK is key's public half as a JWK, as the app registers it.
func publicJWK(t *testing.T, key *ecdsa.PrivateKey, kid string) map[string]string {
	t.Helper()
	pub, err := key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	return map[string]string{"kty": "EC", "crv": "P-256", "x": enc(pub[1:33]), "y": enc(pub[33:]), "kid": kid, "alg": "ES256", "use": "sig"}
}

func flowKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// TestOPLifecycle runs a whole login lifecycle against panva's oidc-provider
// with each client authentication method: login through the provider's login
// page (the ID token's sid and auth_time, userinfo as plain JSON), a refresh
// with rotation (the old refresh token is then refused), and an RP-initiated
// logout that ends the session here and at the provider.
func TestOPLifecycle(t *testing.T) {
	cases := opMethodCases(t)
	servers := make([]*httptest.Server, len(cases))
	var regs []map[string]any
	for i, tc := range cases {
		servers[i] = newOPAppServer(t)
		reg := opRegistration("app-"+string(tc.method), tc.app.ClientSecret, tc.method, opAppURL(servers[i]))
		if tc.reg != nil {
			tc.reg(reg)
		}
		regs = append(regs, reg)
	}
	p := startOP(t, opConfig{Clients: regs})
	for i, tc := range cases {
		t.Run(string(tc.method), func(t *testing.T) {
			cfg := tc.app
			cfg.ClientID, cfg.AuthMethod = "app-"+string(tc.method), tc.method
			cfg.Store, cfg.FlowKey = session.NewMemoryStore(nil), flowKey(t)
			cfg.Scopes = []string{"openid", "email", "profile"}
			app := cfg.start(t, p, servers[i])
			opLifecycle(t, p, app, "alice-"+string(tc.method))
		})
	}
}

// opLifecycle logs user in at app, refreshes, and logs out.
func opLifecycle(t *testing.T, p *op, app *opApp, user string) {
	t.Helper()
	u := newOPUser(t)
	status, page := u.login(app.URL+"/auth/login?return_to=/me", user)
	me := opDecode(t, status, page)
	if me["sub"] != user || me["email"] != user+"@example.org" || me["sid"] == "" || me["auth_time"].(float64) <= 0 {
		t.Fatalf("after login /me = %v", me)
	}

	status, page = u.do(http.MethodPost, app.URL+"/refresh", url.Values{}, nil)
	ref := opDecode(t, status, page)
	if ref["refresh_token"] == ref["old_refresh_token"] || ref["access_token"] == ref["old_access_token"] || ref["new_id_token"] != true {
		t.Fatalf("refresh did not rotate the tokens: %v", ref)
	}
	// A rotated refresh token used again is refused (and, at oidc-provider,
	// revokes the grant: the refresh below fails too).
	_, err := app.Client.Refresh(context.Background(), ref["old_refresh_token"].(string), nil)
	var te *oidc.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" {
		t.Fatalf("replayed refresh token: %v, want the provider's invalid_grant", err)
	}

	status, page = u.do(http.MethodPost, app.URL+"/auth/logout", url.Values{}, http.Header{"Origin": {app.URL}})
	if status != http.StatusOK || !strings.Contains(page, `id="op-logout"`) {
		t.Fatalf("logout did not reach the provider's confirmation (%d at %s):\n%s", status, u.last, page)
	}
	status, page = u.submit(page, url.Values{"logout": {"yes"}})
	if status != http.StatusOK || opDecode(t, status, page)["logged_in"] != false || !strings.HasPrefix(u.last, app.URL+"/") {
		t.Fatalf("after logout: %d at %s: %s", status, u.last, page)
	}
	// Logged out at the provider too: /me sends the user to its login page.
	if status, page = u.do(http.MethodGet, app.URL+"/me", nil, nil); !strings.Contains(page, `name="login"`) {
		t.Fatalf("after logout /me answered %d at %s:\n%s", status, u.last, page)
	}
}

// getJSON GETs a JSON page of the app.
func (u *opUser) getJSON(target string) map[string]any {
	u.t.Helper()
	status, page := u.do(http.MethodGet, target, nil, nil)
	return opDecode(u.t, status, page)
}

// opDecode reads a JSON page of the app.
func opDecode(t *testing.T, status int, page string) map[string]any {
	t.Helper()
	var m map[string]any
	if status != http.StatusOK || json.Unmarshal([]byte(page), &m) != nil {
		t.Fatalf("want a JSON page of the app, got %d:\n%s", status, page)
	}
	return m
}
