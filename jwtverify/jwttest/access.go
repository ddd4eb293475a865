package jwttest

import (
	"strings"
	"time"
)

// AccessClaims returns the claims of an RFC 9068 JWT access token issued now:
// Claims(iss, sub, resource) (iss, sub, aud, iat, exp in one hour, a random
// jti) plus client_id and, when scopes are given, scope (space-separated).
// Mint it with MintAccessToken; add "auth_time", "acr", "amr", "groups",
// "roles", "entitlements" or "cnf" (DPoPKey.Confirmation) freely.
//
//	tok := iss.MintAccessToken(jwttest.AccessClaims("https://issuer.test", "alice", "https://api.test", "app", "orders:read"))
func AccessClaims(iss, sub, resource, clientID string, scopes ...string) map[string]any {
	return AccessClaimsAt(time.Now(), iss, sub, resource, clientID, scopes...)
}

// AccessClaimsAt is AccessClaims issued at now instead of the current time.
func AccessClaimsAt(now time.Time, iss, sub, resource, clientID string, scopes ...string) map[string]any {
	c := ClaimsAt(now, iss, sub, resource)
	c["client_id"] = clientID
	if len(scopes) > 0 {
		c["scope"] = strings.Join(scopes, " ")
	}
	return c
}

// MintAccessToken is Mint with the header typ "at+jwt" of RFC 9068 (§2.1);
// options given after it may change that (WithoutTyp, WithHeader("typ", …))
// to make the tokens a resource server must refuse.
func (i *Issuer) MintAccessToken(claims map[string]any, opts ...Option) string {
	if i.tb != nil {
		i.tb.Helper()
	}
	return i.Mint(claims, append([]Option{WithHeader("typ", "at+jwt")}, opts...)...)
}
