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
	idp, _ := jwttest.New() // a test issuer; in production, your IdP
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

// Protect an HTTP handler with Bearer tokens and a scope.
func ExampleMiddleware() {
	idp, _ := jwttest.New()
	keys, _ := jwtverify.NewStaticKeys(idp.PublicJWKS())
	v, _ := jwtverify.New(keys, jwtverify.Config{Issuer: "https://idp.example", Audience: []string{"orders"}})

	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := jwtverify.FromContext(r.Context())
		fmt.Fprintf(w, "hello %s", tok.Subject())
	})
	auth := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{Realm: "example"})
	h := auth(jwtverify.RequireScope("orders:read")(api))

	call := func(claims map[string]any) {
		req := httptest.NewRequest("GET", "/orders", nil)
		if claims != nil {
			req.Header.Set("Authorization", "Bearer "+idp.Mint(claims))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
	}
	claims := jwttest.Claims("https://idp.example", "bob", "orders")
	call(nil)
	call(claims)
	claims["scope"] = "orders:read"
	call(claims)
	// Output:
	// 401 Bearer realm="example" unauthorized
	//
	// 403 Bearer realm="example", error="insufficient_scope", scope="orders:read" forbidden
	//
	// 200  hello bob
}

// Keep the RFC 6750 status and challenge in a custom error page.
func ExampleErrorStatus() {
	page := func(w http.ResponseWriter, r *http.Request, err error) {
		status, challenge := jwtverify.ErrorStatus(err, "api")
		if challenge != "" {
			w.Header().Set("WWW-Authenticate", challenge)
		}
		w.WriteHeader(status)
		fmt.Fprintf(w, "<h1>%d</h1>", status)
	}
	v, _ := jwtverify.New(must(jwtverify.NewHMACKey(make([]byte, 32), "")), jwtverify.Config{AnyIssuer: true, AnyAudience: true, Algorithms: []string{"HS256"}})
	h := jwtverify.Middleware(v, jwtverify.MiddlewareConfig{ErrorHandler: page})(http.NotFoundHandler())
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer not-a-jwt")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	fmt.Println(rec.Code, rec.Header().Get("WWW-Authenticate"), rec.Body.String())
	// Output: 401 Bearer realm="api", error="invalid_token" <h1>401</h1>
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Read a .NET RSAKeyValue public key.
func ExampleParseRSAKeyValue() {
	_, err := jwtverify.ParseRSAKeyValue([]byte(`<RSAKeyValue><Modulus>AQAB</Modulus><Exponent>AQAB</Exponent></RSAKeyValue>`))
	fmt.Println(errors.Is(err, jwtverify.ErrWeakKey))
	// Output: true
}

// Route tokens of several issuers to the Verifier configured for each,
// decoding every token once.
func ExampleParseUnverified() {
	verifiers := map[string]*jwtverify.Verifier{}
	var minted []string
	for _, name := range []string{"https://a.example", "https://b.example"} {
		idp, _ := jwttest.New()
		keys, _ := jwtverify.NewStaticKeys(idp.PublicJWKS())
		verifiers[name], _ = jwtverify.New(keys, jwtverify.Config{Issuer: name, Audience: []string{"my-api"}})
		minted = append(minted, idp.Mint(jwttest.Claims(name, "alice", "my-api")))
	}
	// b's token claiming to be a's: routed to a's Verifier, refused there.
	forged := jwttest.Claims("https://a.example", "mallory", "my-api")
	idp, _ := jwttest.New()
	minted = append(minted, idp.Mint(forged))

	for _, raw := range minted {
		u, err := jwtverify.ParseUnverified(raw)
		if err != nil {
			fmt.Println("not a JWT:", err)
			continue
		}
		iss, _ := u.StringClaim("iss") // unverified: only picks among our Verifiers
		v, ok := verifiers[iss]
		if !ok {
			fmt.Println("unknown issuer")
			continue
		}
		tok, err := v.VerifyParsed(context.Background(), u)
		switch {
		case err != nil:
			fmt.Println(iss, "refused:", errors.Is(err, jwtverify.ErrSignature))
		default:
			fmt.Println(iss, "verified", tok.Subject())
		}
	}
	// Output:
	// https://a.example verified alice
	// https://b.example verified alice
	// https://a.example refused: true
}
