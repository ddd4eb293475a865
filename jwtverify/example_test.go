package jwtverify_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// Verify a token against a JWKS served over HTTPS.
func Example() {
	idp, _ := jwttest.NewIssuer() // a test issuer; in production, your IdP
	srv := idp.ServeTLS()
	defer srv.Close()

	jwks, _ := jwtverify.NewRemoteJWKS(srv.JWKSURL(), jwtverify.RemoteKeysConfig{HTTPClient: srv.Client})
	v, _ := jwtverify.New(jwks, jwtverify.Config{
		Issuer:   "https://idp.example",
		Audience: []string{"my-api"},
	})

	raw := idp.Mint(jwttest.Claims("https://idp.example", "alice", "my-api"))
	tok, err := v.Verify(context.Background(), raw)
	if err != nil {
		fmt.Println("rejected:", err)
		return
	}
	fmt.Println("subject:", tok.Subject(), "audience:", tok.Audience())

	late := jwttest.ClaimsAt(time.Now().Add(-2*time.Hour), "https://idp.example", "alice", "my-api")
	_, err = v.Verify(context.Background(), idp.Mint(late))
	fmt.Println("expired:", errors.Is(err, jwtverify.ErrExpired))
	// Output:
	// subject: alice audience: [my-api]
	// expired: true
}

// Protect an HTTP handler with Bearer tokens.
func ExampleMiddleware() {
	idp, _ := jwttest.NewIssuer()
	keys, _ := jwtverify.NewStaticKeys(idp.PublicJWKS())
	v, _ := jwtverify.New(keys, jwtverify.Config{Issuer: "https://idp.example"})

	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := jwtverify.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", tok.Subject())
	})
	h := jwtverify.Middleware(v, jwtverify.WithRealm("example"))(api)

	req := httptest.NewRequest("GET", "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"))

	req.Header.Set("Authorization", "Bearer "+idp.Mint(jwttest.Claims("https://idp.example", "bob")))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Body.String())
	// Output:
	// 401 Bearer realm="example", error="invalid_request"
	// 200 hello bob
}

// Read a .NET RSAKeyValue public key.
func ExampleParseRSAKeyValue() {
	_, err := jwtverify.ParseRSAKeyValue([]byte(`<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>`))
	fmt.Println(errors.Is(err, jwtverify.ErrWeakKey))
	// Output: true
}
