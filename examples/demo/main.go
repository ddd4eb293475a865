// Command demo shows Sesame end to end on one machine, with nothing to set up:
// a test issuer mints a token, serves its keys as a JWKS over local HTTPS, and a
// jwtverify.Verifier checks the token against that JWKS and prints its claims.
//
//	go run ./examples/demo
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/jwtverify/jwttest"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	const issuer, audience = "https://idp.demo.local", "demo-api"

	idp, err := jwttest.New()
	if err != nil {
		return err
	}
	srv := idp.ServeTLS()
	defer srv.Close()
	fmt.Println("JWKS served at", srv.JWKSURL())

	jwks, err := jwtverify.NewRemoteJWKS(srv.JWKSURL(), jwtverify.RemoteKeysConfig{HTTPClient: srv.Client})
	if err != nil {
		return err
	}
	v, err := jwtverify.New(jwks, jwtverify.Config{
		Issuer:     issuer,
		Audience:   []string{audience},
		Algorithms: []string{"RS256", "ES256"},
	})
	if err != nil {
		return err
	}

	claims := jwttest.Claims(issuer, "agent-42", audience)
	claims["email"] = "agent@example.gouv.fr"
	raw := idp.Mint(claims, jwttest.WithAlg("ES256"))

	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	fmt.Printf("verified %s token (kid %s); claims:\n", tok.Header().Alg, tok.Header().Kid)
	all := tok.Claims()
	names := make([]string, 0, len(all))
	for n := range all {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Printf("  %-6s %s\n", n, all[n])
	}
	fmt.Println("expires in", time.Until(tok.Expiry()).Round(time.Minute))

	// The same token with a forged subject fails closed, with a typed error.
	claims["sub"] = "admin"
	forged, _ := jwttest.New()
	_, err = v.Verify(ctx, forged.Mint(claims, jwttest.WithAlg("ES256")))
	if !errors.Is(err, jwtverify.ErrSignature) {
		return fmt.Errorf("a forged token was not refused as forged: %v", err)
	}
	fmt.Println("forged token rejected:", err)
	return nil
}
