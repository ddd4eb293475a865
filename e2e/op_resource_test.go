package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// opResource is the resource indicator (RFC 8707) of the API these tests
// protect: the audience of its access tokens.
const opResource = "https://api.example"

// opResourceClients are the registrations of a service calling the API
// (client_credentials) and of the API itself (its introspection
// credentials).
func opResourceClients() []map[string]any {
	none := []string{}
	return []map[string]any{
		{"client_id": "svc", "client_secret": opSecret, "grant_types": []string{"client_credentials"},
			"response_types": none, "redirect_uris": none},
		{"client_id": "api", "client_secret": opSecret, "grant_types": none, "response_types": none, "redirect_uris": none},
	}
}

// opToken asks the provider for an access token to the API with the
// client_credentials grant, bound to key when it is not nil (a DPoP proof at
// the token endpoint, RFC 9449 §5).
func opToken(t *testing.T, p *op, key *jwttest.DPoPKey) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "resource": {opResource}, "scope": {"api:read"}}
	req, err := http.NewRequest(http.MethodPost, p.Issuer+"/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("svc", opSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	wantType := "Bearer"
	if key != nil {
		proof, err := key.Proof(http.MethodPost, p.Issuer+"/token", "")
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("DPoP", proof)
		wantType = "DPoP"
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tr struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tr); err != nil || resp.StatusCode != http.StatusOK || tr.TokenType != wantType {
		t.Fatalf("token endpoint: %s, %+v, %v", resp.Status, tr, err)
	}
	return tr.AccessToken
}

// opAPI serves GET /orders behind v and dpop, answering who called.
func opAPI(t *testing.T, v jwtverify.TokenVerifier, dpop *jwtverify.DPoP) string {
	t.Helper()
	orders := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := jwtverify.FromContext(r.Context())
		jkt, _ := jwtverify.DPoPThumbprint(r.Context())
		client, _ := tok.StringClaim("client_id")
		writeJSON(w, map[string]string{"sub": tok.Subject(), "client_id": client, "jkt": jkt})
	})
	auth := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{DPoP: dpop})
	mux := http.NewServeMux()
	mux.Handle("GET /orders", auth(jwtverify.RequireScope("api:read")(orders)))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// opCall calls the API with an Authorization header and an optional DPoP
// proof, returning the status, the challenges (Bearer, then DPoP) and the
// body.
func opCall(t *testing.T, target, authorization, proof string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", authorization)
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.Join(resp.Header.Values("WWW-Authenticate"), "; "), string(body)
}

func newDPoPKey(t *testing.T) *jwttest.DPoPKey {
	t.Helper()
	k, err := jwttest.NewDPoPKey("ES256")
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func proof(t *testing.T, k *jwttest.DPoPKey, target, token string) string {
	t.Helper()
	p, err := k.Proof(http.MethodGet, target, token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// opWantRefused checks a refusal's status and challenge.
func opWantRefused(t *testing.T, what string, status int, challenge, body string, wantChallenge string) {
	t.Helper()
	if status != http.StatusUnauthorized || !strings.Contains(challenge, wantChallenge) {
		t.Errorf("%s: %d, WWW-Authenticate %q, want 401 with %q:\n%s", what, status, challenge, wantChallenge, body)
	}
}

// TestOPAccessTokensDPoP calls a Sesame-protected API (the RFC 9068 profile,
// DPoP allowed) with access tokens oidc-provider issued for it: a
// DPoP-bound one with a fresh proof passes and the handler sees the proof
// key's thumbprint; the same proof replayed, the stolen token as Bearer, and
// the stolen token with a proof of the thief's own key are refused; an
// unbound token passes as Bearer.
func TestOPAccessTokensDPoP(t *testing.T) {
	p := startOP(t, opConfig{Clients: opResourceClients(), Resource: opResource, AccessTokenFormat: "jwt"})
	jwks, err := jwtverify.NewRemoteJWKS(p.Issuer+"/jwks", jwtverify.RemoteKeysConfig{InsecureAllowHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwtverify.New(jwks, jwtverify.Config{Issuer: p.Issuer, Audience: []string{opResource}, Algorithms: []string{"ES256"}, AccessToken: true})
	if err != nil {
		t.Fatal(err)
	}
	dpop, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	api := opAPI(t, v, dpop) + "/orders"

	key := newDPoPKey(t)
	tok := opToken(t, p, key)
	good := proof(t, key, api, tok)
	status, _, body := opCall(t, api, "DPoP "+tok, good)
	var who map[string]string
	if status != http.StatusOK || json.Unmarshal([]byte(body), &who) != nil || who["sub"] != "svc" || who["client_id"] != "svc" ||
		who["jkt"] != key.Confirmation()["jkt"] {
		t.Fatalf("a bound token with its proof: %d %s (key %v)", status, body, key.Confirmation())
	}

	status, challenge, body := opCall(t, api, "DPoP "+tok, good)
	opWantRefused(t, "the proof replayed", status, challenge, body, `error="invalid_dpop_proof"`)
	status, challenge, body = opCall(t, api, "Bearer "+tok, "")
	opWantRefused(t, "the stolen token as Bearer", status, challenge, body, `error="invalid_token"`)
	thief := newDPoPKey(t)
	status, challenge, body = opCall(t, api, "DPoP "+tok, proof(t, thief, api, tok))
	opWantRefused(t, "the stolen token with the thief's key", status, challenge, body, `error="invalid`)

	plain := opToken(t, p, nil)
	if status, _, body := opCall(t, api, "Bearer "+plain, ""); status != http.StatusOK {
		t.Fatalf("an unbound RFC 9068 token as Bearer: %d %s", status, body)
	}
}

// TestOPIntrospection calls a Sesame-protected API that checks opaque
// tokens at oidc-provider's introspection endpoint: an active token passes;
// a DPoP-bound one needs its proof (its cnf comes from the introspection
// answer); a revoked one is refused once the API asks again; an unknown
// string is refused.
func TestOPIntrospection(t *testing.T) {
	p := startOP(t, opConfig{Clients: opResourceClients(), Resource: opResource, AccessTokenFormat: "opaque"})
	introspector := func(cacheSize int) *jwtverify.Introspector {
		t.Helper()
		in, err := jwtverify.NewIntrospector(jwtverify.IntrospectionConfig{
			Endpoint: p.Issuer + "/token/introspection", ClientID: "api", ClientSecret: opSecret,
			Issuer: p.Issuer, Audience: []string{opResource}, CacheSize: cacheSize, InsecureAllowHTTP: true,
		})
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	dpop, err := jwtverify.NewDPoP(jwtverify.DPoPConfig{})
	if err != nil {
		t.Fatal(err)
	}
	cached := opAPI(t, introspector(0), dpop) + "/orders"
	uncached := opAPI(t, introspector(-1), dpop) + "/orders"

	tok := opToken(t, p, nil)
	if strings.Count(tok, ".") == 2 {
		t.Fatalf("want an opaque token, got a JWT")
	}
	for _, api := range []string{cached, uncached} {
		if status, _, body := opCall(t, api, "Bearer "+tok, ""); status != http.StatusOK || !strings.Contains(body, `"client_id":"svc"`) {
			t.Fatalf("an active opaque token: %d %s", status, body)
		}
	}
	status, challenge, body := opCall(t, cached, "Bearer not-a-token-the-provider-issued", "")
	opWantRefused(t, "an unknown token", status, challenge, body, `error="invalid_token"`)

	key := newDPoPKey(t)
	bound := opToken(t, p, key)
	if status, _, body := opCall(t, cached, "DPoP "+bound, proof(t, key, cached, bound)); status != http.StatusOK {
		t.Fatalf("a bound opaque token with its proof: %d %s", status, body)
	}
	status, challenge, body = opCall(t, cached, "Bearer "+bound, "")
	opWantRefused(t, "a bound opaque token as Bearer", status, challenge, body, `error="invalid_token"`)

	// Revoked at the provider: the API without a cache refuses it at once.
	form := url.Values{"token": {tok}, "token_type_hint": {"access_token"}}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, p.Issuer+"/token/revocation", strings.NewReader(form.Encode()))
	req.SetBasicAuth("svc", opSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("revocation: %v %v", resp, err)
	}
	resp.Body.Close()
	status, challenge, body = opCall(t, uncached, "Bearer "+tok, "")
	opWantRefused(t, "a revoked token", status, challenge, body, `error="invalid_token"`)
}
