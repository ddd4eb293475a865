package oidc_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
	"github.com/sesame-go/sesame/oidc"
	"github.com/sesame-go/sesame/oidc/oidctest"
)

// TestVerifyLogoutToken checks each rule of Back-Channel Logout 1.0 §2.6 on
// tokens minted by the fake, well formed or broken one way each.
func TestVerifyLogoutToken(t *testing.T) {
	for _, alg := range []string{"ES256", "RS256", "HS256"} {
		fake := oidctest.StartTLS(t, oidctest.Config{Generic: true, IDTokenAlg: alg})
		c := genericClient(t, fake, func(cfg *oidc.Config) {
			if alg == "HS256" {
				cfg.Algorithms = []string{"HS256"}
			}
		})
		for _, tc := range []struct {
			name string
			lt   oidctest.LogoutToken
			want []error // nil: accepted
		}{
			{"sid and sub", oidctest.LogoutToken{Subject: "u1", SessionID: "s1"}, nil},
			{"sid only, typ JWT, no exp (Ory Hydra)", oidctest.LogoutToken{SessionID: "s1", Typ: "JWT", NoExp: true}, nil},
			{"sub only, untyped", oidctest.LogoutToken{Subject: "u1", Typ: "-"}, nil},
			{"neither sid nor sub", oidctest.LogoutToken{}, []error{oidc.ErrLogoutToken}},
			{"typ at+jwt", oidctest.LogoutToken{Subject: "u1", Typ: "at+jwt"}, []error{oidc.ErrLogoutToken, jwtverify.ErrType}},
			{"no events", oidctest.LogoutToken{Subject: "u1", NoEvent: true}, []error{oidc.ErrLogoutToken}},
			{"event not an object", oidctest.LogoutToken{Subject: "u1", EventNotObject: true}, []error{oidc.ErrLogoutToken}},
			{"nonce", oidctest.LogoutToken{Subject: "u1", Nonce: true}, []error{oidc.ErrLogoutToken}},
			{"no jti", oidctest.LogoutToken{Subject: "u1", NoID: true}, []error{oidc.ErrLogoutToken}},
			{"no iat", oidctest.LogoutToken{Subject: "u1", NoIssuedAt: true}, []error{oidc.ErrLogoutToken}},
			{"expired", oidctest.LogoutToken{Subject: "u1", IssuedAgo: 10 * time.Minute}, []error{oidc.ErrLogoutToken, jwtverify.ErrExpired}},
			{"no exp, too old", oidctest.LogoutToken{Subject: "u1", NoExp: true, IssuedAgo: 10 * time.Minute}, []error{oidc.ErrLogoutToken, jwtverify.ErrExpired}},
			{"issued in the future", oidctest.LogoutToken{Subject: "u1", IssuedAgo: -time.Hour}, []error{oidc.ErrLogoutToken, jwtverify.ErrIssuedInFuture}},
			{"wrong issuer", oidctest.LogoutToken{Subject: "u1", WrongIssuer: true}, []error{oidc.ErrLogoutToken, jwtverify.ErrIssuer}},
			{"wrong audience", oidctest.LogoutToken{Subject: "u1", WrongAudience: true}, []error{oidc.ErrLogoutToken, jwtverify.ErrAudience}},
			{"bad signature", oidctest.LogoutToken{Subject: "u1", BadSignature: true}, []error{oidc.ErrLogoutToken, jwtverify.ErrSignature}},
		} {
			t.Run(alg+" "+tc.name, func(t *testing.T) {
				raw, err := fake.LogoutToken(tc.lt)
				if err != nil {
					t.Fatal(err)
				}
				lt, err := c.VerifyLogoutToken(context.Background(), raw)
				if tc.want != nil {
					wantErr(t, err, tc.want...)
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if lt.Subject != tc.lt.Subject || lt.SessionID != tc.lt.SessionID || lt.Issuer != fake.Issuer || lt.ID == "" ||
					lt.Expiry.Sub(lt.IssuedAt) > oidc.MaxLogoutTokenAge {
					t.Errorf("token %+v", lt)
				}
				// Accepted once: the same token again is refused.
				if _, err := c.VerifyLogoutToken(context.Background(), raw); !errors.Is(err, oidc.ErrLogoutToken) {
					t.Errorf("replayed: %v, want ErrLogoutToken", err)
				}
			})
		}
	}
}

// TestLogoutTokenNotIDToken: an ID token of the same issuer and audience is
// not a logout token (no events, a nonce).
func TestLogoutTokenNotIDToken(t *testing.T) {
	fake := oidctest.StartTLS(t, oidctest.Config{Generic: true})
	c := genericClient(t, fake, nil)
	l, err := genericLogin(t, fake, c)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyLogoutToken(context.Background(), l.IDToken.Raw); !errors.Is(err, oidc.ErrLogoutToken) {
		t.Fatalf("ID token as logout token: %v, want ErrLogoutToken", err)
	}
	// The same jti with another issuer's key would be another token; the same
	// jti from this issuer is refused even in a new token.
	a, _ := fake.LogoutToken(oidctest.LogoutToken{SessionID: l.IDToken.SessionID, ID: "fixed-jti-0123456789abcdef"})
	b, _ := fake.LogoutToken(oidctest.LogoutToken{Subject: l.IDToken.Subject, ID: "fixed-jti-0123456789abcdef"})
	if _, err := c.VerifyLogoutToken(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if _, err := c.VerifyLogoutToken(context.Background(), b); !errors.Is(err, oidc.ErrLogoutToken) {
		t.Fatalf("same jti in a new token: %v, want ErrLogoutToken", err)
	}
}
