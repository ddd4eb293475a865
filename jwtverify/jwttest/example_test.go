package jwttest_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

// Mint a token and look inside it.
func Example() {
	iss, err := jwttest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	now := time.Unix(1700000000, 0)
	tok := iss.Mint(jwttest.ClaimsAt(now, "https://issuer.test", "alice", "my-api"))

	parts := strings.Split(tok, ".")
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Iss, Sub, Aud string
		Iat, Exp      int64
	}
	if err := json.Unmarshal(payload, &claims); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(header))
	fmt.Println(claims.Iss, claims.Sub, claims.Aud, claims.Exp-claims.Iat)
	// Output:
	// {"alg":"RS256","kid":"rsa-1","typ":"JWT"}
	// https://issuer.test alice my-api 3600
}

// Publish the keys over HTTP, as an identity provider would.
func ExampleIssuer_Serve() {
	iss, err := jwttest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := iss.Serve()
	defer srv.Close()

	resp, err := srv.Client.Get(srv.JWKSURL())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var jwks struct {
		Keys []struct{ Kid, Alg, Use string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(resp.StatusCode == http.StatusOK, srv.Fetches())
	for _, k := range jwks.Keys {
		fmt.Println(k.Kid, k.Alg, k.Use)
	}
	// Output:
	// true 1
	// rsa-1 RS256 sig
	// ec-1 ES256 sig
	// ed-1 EdDSA sig
}

// Test a handler that sits behind jwtverify.Middleware, without keys or headers.
func ExampleNewContext() {
	orders := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := jwtverify.FromContext(r.Context())
		if !tok.HasScopes("orders:read") {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		fmt.Fprintf(w, "orders of %s", tok.Subject())
	})
	// An Example has no *testing.T: testing.Benchmark lends one. In a test, pass t.
	testing.Benchmark(func(t *testing.B) {
		r := httptest.NewRequest("GET", "/orders", nil).WithContext(context.Background())
		r = r.WithContext(jwttest.NewContext(t, r.Context(), map[string]any{"sub": "alice", "scope": "orders:read"}))
		rec := httptest.NewRecorder()
		orders.ServeHTTP(rec, r)
		fmt.Println(rec.Code, rec.Body.String())
		t.SkipNow()
	})
	// Output: 200 orders of alice
}
