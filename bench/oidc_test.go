package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"runtime"
	"testing"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// BenchmarkLogin runs a full ProConnect login (authorize → token → ID token and
// userinfo verification) against the same fake ProConnect, with Sesame and with
// go-oidc v3 + x/oauth2. Both clients are warm (discovery and JWKS fetched
// before the timer); meta-req/op counts the discovery and JWKS requests made
// during the timed loop.
func BenchmarkLogin(b *testing.B) {
	fake, err := oidctest.New(oidctest.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer fake.Close()
	b.Run("impl=sesame", func(b *testing.B) { benchLogin(b, fake, sesameLogin(b, fake)) })
	b.Run("impl=gooidc", func(b *testing.B) { benchLogin(b, fake, goOIDCLogin(b, fake)) })
}

const benchRedirect = "https://app.example/callback"

// benchLogin warms login up, then times it.
func benchLogin(b *testing.B, fake *oidctest.Server, login func(context.Context) (string, error)) {
	ctx := context.Background()
	if usual, err := login(ctx); err != nil || usual != "DUBOIS" {
		b.Fatalf("first login: %q %v", usual, err)
	}
	meta := func() int {
		return fake.Count(fake.Path(oidctest.PathDiscovery)) + fake.Count(fake.Path(oidctest.PathJWKS))
	}
	before := meta()
	runtime.GC() // each timed loop starts from a collected heap, whatever ran before it
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := login(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(meta()-before)/float64(b.N), "meta-req/op")
	fake.ResetRequests()
}

// authorizeCode plays the browser: it follows the authorize URL to the redirect
// back and returns its query.
func authorizeCode(hc *http.Client, authURL string) (url.Values, error) {
	resp, err := hc.Get(authURL)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || loc.Query().Get("code") == "" {
		return nil, errors.New("no code in the redirect")
	}
	return loc.Query(), nil
}

func noFollow() *http.Client {
	return &http.Client{
		Transport:     http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

func sesameLogin(b *testing.B, fake *oidctest.Server) func(context.Context) (string, error) {
	client, err := oidc.New(oidc.Config{
		Issuer: fake.Issuer, ProConnect: true, ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(),
		RedirectURL: benchRedirect, InsecureAllowHTTP: true,
		HTTPClient: &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()},
	})
	if err != nil {
		b.Fatal(err)
	}
	return sesameLoginWith(client)
}

// sesameLoginWith is a login with Sesame's Client: AuthURL, the provider's
// redirect back, Complete.
func sesameLoginWith(client *oidc.Client) func(context.Context) (string, error) {
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

func goOIDCLogin(b *testing.B, fake *oidctest.Server) func(context.Context) (string, error) {
	return goOIDCFlow(b, fake, oauth2.AuthStyleInParams, // client_secret_post
		[]string{"openid", "email", "given_name", "usual_name", "uid", "siret"}, true)
}

// goOIDCFlow is a login with go-oidc and x/oauth2 as an app writes it: PKCE
// S256, state and nonce compared, at_hash checked (when present, unless
// atHashRequired), userinfo's sub compared with the ID token's.
func goOIDCFlow(b *testing.B, fake *oidctest.Server, style oauth2.AuthStyle, scopes []string, atHashRequired bool) func(context.Context) (string, error) {
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	provider, err := gooidc.NewProvider(gooidc.ClientContext(context.Background(), hc), fake.Issuer)
	if err != nil {
		b.Fatal(err)
	}
	verifier := provider.Verifier(&gooidc.Config{ClientID: fake.ClientID(), SupportedSigningAlgs: []string{"ES256", "RS256"}})
	ep := provider.Endpoint()
	ep.AuthStyle = style
	conf := &oauth2.Config{ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret(), Endpoint: ep,
		RedirectURL: benchRedirect, Scopes: scopes}
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
		if atHashRequired || idt.AccessTokenHash != "" {
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

// random returns 256 random bits, base64url (ProConnect wants 32+ characters).
func random() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
