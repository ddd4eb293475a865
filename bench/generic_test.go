package bench

import (
	"context"
	"net/http"
	"testing"

	"golang.org/x/oauth2"

	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// genericScopes are asked by both clients of the generic login.
var genericScopes = []string{"openid", "email", "given_name", "usual_name"}

// genericConfig is the generic fake as a Keycloak realm: client_secret_basic,
// JSON userinfo, ES256 ID tokens with sid.
var genericConfig = oidctest.Config{Generic: true, IssuerPath: "/realms/staff"}

// startGeneric starts the generic fake until the test ends.
func startGeneric(tb testing.TB) *oidctest.Server {
	tb.Helper()
	return oidctest.Start(tb, genericConfig)
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
	impls := []struct {
		name  string
		login func(*testing.B, *oidctest.Server) func(context.Context) (string, error)
	}{
		{"impl=sesame", sesameGenericLogin},
		{"impl=go-oidc", goOIDCGenericLogin},
	}
	// Warm the process up with both, alternately, before either is timed:
	// the row timed first would otherwise pay for the heap's growth.
	warm, err := oidctest.New(genericConfig)
	if err != nil {
		b.Fatal(err)
	}
	logins := make([]func(context.Context) (string, error), len(impls))
	for i, impl := range impls {
		logins[i] = impl.login(b, warm)
	}
	for range 200 {
		for _, login := range logins {
			if _, err := login(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	}
	warm.Close()
	for _, impl := range impls {
		b.Run(impl.name, func(b *testing.B) {
			fake, err := oidctest.New(genericConfig)
			if err != nil {
				b.Fatal(err)
			}
			defer fake.Close() // now, not at the sub-benchmark's end: each round's fake goes
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
	login := sesameLoginWith(client)
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
	return sesameLoginWith(newSesameGeneric(b, fake))
}

func goOIDCGenericLogin(b *testing.B, fake *oidctest.Server) func(context.Context) (string, error) {
	return goOIDCFlow(b, fake, oauth2.AuthStyleInHeader, genericScopes, false) // client_secret_basic; at_hash optional
}
