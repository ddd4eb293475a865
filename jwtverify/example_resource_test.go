package jwtverify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/introspecttest"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// Accept RFC 9068 access tokens only: an ID token of the same issuer and
// audience is refused.
func ExampleConfig_accessToken() {
	idp, _ := jwttest.New()
	keys, _ := jwtverify.NewStaticKeys(idp.PublicJWKS())
	v, _ := jwtverify.New(keys, jwtverify.Config{
		Issuer:      "https://idp.example",
		Audience:    []string{"https://api.example"}, // the resource identifier
		AccessToken: true,
	})
	claims := jwttest.AccessClaims("https://idp.example", "alice", "https://api.example", "shop", "orders:read")
	claims["roles"] = []string{"clerk"}
	tok, err := v.Verify(context.Background(), idp.MintAccessToken(claims))
	if err != nil {
		fmt.Println(err)
		return
	}
	ac, _ := tok.AccessClaims()
	fmt.Println(tok.Subject(), ac.ClientID, ac.Scopes, ac.Roles)

	_, err = v.Verify(context.Background(), idp.Mint(claims)) // typ JWT: an ID token
	fmt.Println(errors.Is(err, jwtverify.ErrType))
	// Output:
	// alice shop [orders:read] [clerk]
	// true
}

// Accept DPoP-bound tokens with their proofs; a proof passes once.
func ExampleNewDPoP() {
	idp, _ := jwttest.New()
	keys, _ := jwtverify.NewStaticKeys(idp.PublicJWKS())
	v, _ := jwtverify.New(keys, jwtverify.Config{Issuer: "https://idp.example", Audience: []string{"https://api.example"}, AccessToken: true})
	dpop, _ := jwtverify.NewDPoP(jwtverify.DPoPConfig{Origin: "https://api.example"})
	api := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{DPoP: dpop})(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		jkt, _ := jwtverify.DPoPThumbprint(r.Context())
		fmt.Fprint(w, "key ", len(jkt), " chars")
	}))

	client, _ := jwttest.NewDPoPKey("ES256") // the client's key pair
	claims := jwttest.AccessClaims("https://idp.example", "alice", "https://api.example", "shop")
	claims["cnf"] = client.Confirmation() // the token is bound to it
	tok := idp.MintAccessToken(claims)
	proof, _ := client.Proof("GET", "https://api.example/orders", tok)

	for range 2 {
		r := httptest.NewRequest("GET", "http://10.0.0.7:8080/orders", nil) // behind a proxy
		r.Header.Set("Authorization", "DPoP "+tok)
		r.Header.Set("DPoP", proof)
		w := httptest.NewRecorder()
		api.ServeHTTP(w, r)
		fmt.Printf("%d %q %q\n", w.Code, strings.TrimSpace(w.Body.String()), w.Header().Values("WWW-Authenticate"))
	}
	// Output:
	// 200 "key 43 chars" []
	// 401 "unauthorized" ["Bearer realm=\"api\"" "DPoP realm=\"api\", error=\"invalid_dpop_proof\", algs=\"ES256 PS256 EdDSA\""]
}

// Verify opaque tokens with an introspection endpoint.
func ExampleNewIntrospector() {
	idp, _ := introspecttest.New(introspecttest.Config{}) // in production, your IdP's endpoint
	defer idp.Close()
	cfg := idp.IntrospectionConfig() // Endpoint, ClientID, ClientSecret, …
	in, _ := jwtverify.NewIntrospector(cfg)

	opaque := idp.Issue(map[string]any{"sub": "alice", "scope": "orders:read"})
	tok, err := in.Verify(context.Background(), opaque)
	fmt.Println(tok.Subject(), tok.HasScopes("orders:read"), err)
	_, err = in.Verify(context.Background(), "unknown")
	fmt.Println(errors.Is(err, jwtverify.ErrInactive))
	// Output:
	// alice true <nil>
	// true
}
