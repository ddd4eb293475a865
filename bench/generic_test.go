package bench

import (
	"context"
	"errors"
	"net/http"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// genericScopes are asked by both clients of the generic login.
var genericScopes = []string{"openid", "email", "given_name", "usual_name"}

// startGeneric starts the generic fake as a Keycloak realm: client_secret_basic,
// JSON userinfo, ES256 ID tokens with sid.
func startGeneric(tb testing.TB) *oidctest.Server {
	tb.Helper()
	return oidctest.Start(tb, oidctest.Config{Generic: true, IssuerPath: "/realms/staff"})
}

// BenchmarkGenericLogin runs a whole login with a generic provider
// (authorization URL → the fake's authorize redirect → code exchange with
// client_secret_basic, ID token verification, JSON userinfo) against the
// generic fake, with Sesame and with go-oidc v3 + x/oauth2 doing the same
// flow (PKCE S256, state, nonce, at_hash when present, userinfo sub). Both
// are warm: discovery and JWKS fetched before the timer; meta-req/op counts
// the discovery and JWKS requests made during the timed loop. Each timed
// loop gets a fake of its own, started empty: the fake remembers every grant
// and ID token it issued, so a shared one would make the heap, and the
// garbage collector's pace, differ between the row timed first and the next.
func BenchmarkGenericLogin(b *testing.B) {
	for _, impl := range []struct {
		name  string
		login func(*testing.B, *oidctest.Server) func(context.Context) (string, error)
	}{
		{"impl=sesame", sesameGenericLogin},
		{"impl=go-oidc", goOIDCGenericLogin},
	} {
		b.Run(impl.name, func(b *testing.B) {
			fake := startGeneric(b)
			benchLogin(b, fake, impl.login(b, fake))
		})
	}
}

// TestGenericLoginWarm: once warm, a generic login asks for neither the
// discovery document nor the JWKS, as Sesame's client counts them and as the
// fake saw.
func TestGenericLoginWarm(t *testing.T) {
	fake := startGeneric(t)
	client := newSesameGeneric(t, fake)
	login := sesameGenericLoginWith(client)
	ctx := context.Background()
	if usual, err := login(ctx); err != nil || usual != "DUBOIS" {
		t.Fatalf("first login: %q %v", usual, err)
	}
	disc, jwks := client.DiscoveryFetches(), client.JWKSFetches()
	if disc != 1 || jwks != 1 {
		t.Fatalf("the first login fetched discovery %d times and the JWKS %d times, want 1 and 1", disc, jwks)
	}
	fake.ResetRequests()
	for range 5 {
		if _, err := login(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if d, j := client.DiscoveryFetches()-disc, client.JWKSFetches()-jwks; d != 0 || j != 0 {
		t.Errorf("5 warm logins fetched discovery %d times and the JWKS %d times, want 0", d, j)
	}
	for _, p := range []string{oidctest.PathDiscovery, oidctest.PathJWKS} {
		if n := fake.Count(fake.Path(p)); n != 0 {
			t.Errorf("5 warm logins: %d requests to %s, want 0", n, fake.Path(p))
		}
	}
	if n := fake.Count(fake.Path(oidctest.PathToken)); n != 5 {
		t.Errorf("5 warm logins: %d token requests, want 5 (the counts are not counting)", n)
	}
}

func newSesameGeneric(tb testing.TB, fake *oidctest.Server) *oidc.Client {
	tb.Helper()
	client, err := oidc.New(oidc.Config{
		Issuer: fake.Issuer, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(), // client_secret_basic, the default
		Scopes: genericScopes, RedirectURL: benchRedirect, InsecureAllowHTTP: true,
		HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return client
}

func sesameGenericLogin(b *testing.B, fake *oidctest.Server) func(context.Context) (string, error) {
	return sesameGenericLoginWith(newSesameGeneric(b, fake))
}

func sesameGenericLoginWith(client *oidc.Client) func(context.Context) (string, error) {
	browser := noFollow()
	return func(ctx context.Context) (string, error) {
		u, flow, err := client.AuthURL(ctx)
		if err != nil {
			return "", err
		}
		q, err := authorizeCode(browser, u)
		if err != nil {
			return "", err
		}
		l, err := client.Complete(ctx, flow, q)
		if err != nil {
			return "", err
		}
		return l.Agent.UsualName, nil
	}
}

func goOIDCGenericLogin(b *testing.B, fake *oidctest.Server) func(context.Context) (string, error) {
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	provider, err := gooidc.NewProvider(gooidc.ClientContext(context.Background(), hc), fake.Issuer)
	if err != nil {
		b.Fatal(err)
	}
	verifier := provider.Verifier(&gooidc.Config{ClientID: fake.ClientID(), SupportedSigningAlgs: []string{"ES256", "RS256"}})
	ep := provider.Endpoint()
	ep.AuthStyle = oauth2.AuthStyleInHeader // client_secret_basic
	conf := &oauth2.Config{ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(), Endpoint: ep,
		RedirectURL: benchRedirect, Scopes: genericScopes}
	browser := noFollow()
	return func(ctx context.Context) (string, error) {
		ctx = gooidc.ClientContext(ctx, hc)
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
		state, nonce, pkce := random(), random(), oauth2.GenerateVerifier()
		q, err := authorizeCode(browser, conf.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(pkce)))
		if err != nil {
			return "", err
		}
		if q.Get("state") != state {
			return "", errors.New("state")
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pkce))
		if err != nil {
			return "", err
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := verifier.Verify(ctx, raw)
		if err != nil {
			return "", err
		}
		if idt.Nonce != nonce {
			return "", errors.New("nonce")
		}
		if idt.AccessTokenHash != "" { // optional in the code flow, checked when present, as Sesame does
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				return "", err
			}
		}
		ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return "", err
		}
		if ui.Subject != idt.Subject {
			return "", errors.New("userinfo sub")
		}
		var agent oidc.Agent
		if err := ui.Claims(&agent); err != nil {
			return "", err
		}
		return agent.UsualName, nil
	}
}
