package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// IDToken is a verified ID token.
type IDToken struct {
	// Issuer is iss, equal to the configured issuer.
	Issuer string
	// Subject is sub, the agent's stable identifier for this client.
	Subject string
	// Audience is aud; it names the client ID.
	Audience []string
	// AuthorizedParty is azp ("" when absent).
	AuthorizedParty string
	// Expiry is exp.
	Expiry time.Time
	// IssuedAt is iat.
	IssuedAt time.Time
	// AuthTime is auth_time, when the user authenticated at the provider;
	// zero when absent. Checked against max_age when the login sent one
	// (WithMaxAge).
	AuthTime time.Time
	// Nonce is the login's nonce (kept from the original by a refresh).
	Nonce string
	// ACR is the authentication context class, e.g. "eidas1".
	ACR string
	// AMR lists the authentication methods; present when asked for (WithAMR).
	AMR []string
	// SessionID is sid, the provider's session ("" when absent): the key of
	// its back-channel and front-channel logouts.
	SessionID string
	// AccessTokenHash is at_hash, checked against the access token.
	AccessTokenHash string
	// Raw is the compact token, for LogoutURL's id_token_hint.
	Raw string

	tok *jwtverify.Token // the verified token, whose claims Claims copies
}

// Claims returns a copy of every claim of the token as raw JSON (none for an
// IDToken not made by this package's verification).
func (t *IDToken) Claims() map[string]json.RawMessage {
	if t.tok == nil {
		return map[string]json.RawMessage{}
	}
	return t.tok.Claims()
}

// IDTokenCheck is what an ID token must match beyond signature, iss, aud, exp and
// iat.
type IDTokenCheck struct {
	// Nonce sent in the authorization request. Required: an ID token without the
	// same nonce is refused.
	Nonce string
	// AccessToken returned with the ID token; when set, at_hash must be present
	// and match it (unless AtHashOptional).
	AccessToken string
	// AtHashOptional accepts an ID token without at_hash: OpenID Connect Core
	// §3.1.3.6 makes it optional in the code flow, where the ID token comes
	// from the token endpoint with the access token (panva's oidc-provider,
	// among others, leaves it out). An at_hash that is present must still
	// match AccessToken. Complete sets it for a generic provider; under the
	// ProConnect preset at_hash stays required, as ProConnect always sends it.
	AtHashOptional bool
	// ACR lists the acceptable acr values; empty accepts any.
	ACR []string
	// MaxAge is the max_age of the authorization request in seconds (Flow.MaxAge);
	// when set, auth_time is required and must be no older than MaxAge, with
	// Config.Leeway (ErrAuthTime). nil: auth_time is not checked.
	MaxAge *int64
}

// idClaims are the ID token claims beyond the registered ones.
type idClaims struct {
	AZP      string   `json:"azp"`
	Nonce    *string  `json:"nonce"`
	ACR      string   `json:"acr"`
	AMR      []string `json:"amr"`
	SID      string   `json:"sid"`
	AtHash   string   `json:"at_hash"`
	AuthTime *float64 `json:"auth_time"`
}

// VerifyIDToken checks raw's signature (the registered algorithms only), iss, aud,
// azp, exp, iat and typ (an RFC 9068 access token, typ at+jwt, is refused), then
// the nonce (constant time), at_hash and acr of want.
func (c *Client) VerifyIDToken(ctx context.Context, raw string, want IDTokenCheck) (*IDToken, error) {
	tok, ic, err := c.verifyIDToken(ctx, raw)
	if err != nil {
		return nil, err
	}
	if want.Nonce == "" || ic.Nonce == nil || subtle.ConstantTimeCompare([]byte(*ic.Nonce), []byte(want.Nonce)) != 1 {
		return nil, fmt.Errorf("%w: %w", ErrIDToken, ErrNonce)
	}
	if want.AccessToken != "" && (ic.AtHash != "" || !want.AtHashOptional) {
		if err := checkAtHash(tok.Header().Alg, want.AccessToken, ic.AtHash); err != nil {
			return nil, err
		}
	}
	if err := checkACR(ic.ACR, want.ACR); err != nil {
		return nil, err
	}
	if want.MaxAge != nil {
		if err := c.checkAuthTime(ic.AuthTime, *want.MaxAge); err != nil {
			return nil, err
		}
	}
	return newIDToken(tok, ic, raw), nil
}

// checkAuthTime requires an auth_time no older than maxAge seconds, with the
// leeway (OpenID Connect Core 3.1.3.7 rule 11).
func (c *Client) checkAuthTime(authTime *float64, maxAge int64) error {
	if authTime == nil {
		return fmt.Errorf("%w: %w: max_age was sent and auth_time is missing", ErrIDToken, ErrAuthTime)
	}
	at := time.Unix(int64(*authTime), 0)
	if c.cfg.Now().After(at.Add(time.Duration(maxAge)*time.Second + c.leeway())) {
		return fmt.Errorf("%w: %w: auth_time %s is older than max_age %d s", ErrIDToken, ErrAuthTime, at.UTC().Format(time.RFC3339), maxAge)
	}
	return nil
}

// VerifyRefreshedIDToken checks an ID token returned by a refresh (OpenID
// Connect Core 12.2): signature, iss, aud, azp, exp, iat and typ as
// VerifyIDToken; acr among Config.ACR when set; at_hash, when present, matching
// accessToken. Against original, the verified ID token of the login: the same
// sub and audience, a nonce absent or equal, an auth_time (when both have one)
// equal. original may be nil only for tokens restored from storage without it:
// those comparisons are then impossible and skipped, so keep Login.IDToken with
// stored tokens. Refresh calls it.
func (c *Client) VerifyRefreshedIDToken(ctx context.Context, raw string, original *IDToken, accessToken string) (*IDToken, error) {
	tok, ic, err := c.verifyIDToken(ctx, raw)
	if err != nil {
		return nil, err
	}
	if ic.AtHash != "" && accessToken != "" {
		if err := checkAtHash(tok.Header().Alg, accessToken, ic.AtHash); err != nil {
			return nil, err
		}
	}
	if err := checkACR(ic.ACR, c.cfg.ACR); err != nil {
		return nil, err
	}
	t := newIDToken(tok, ic, raw)
	if original == nil {
		return t, nil
	}
	if err := sameLogin(t, ic, original); err != nil {
		return nil, err
	}
	// The login's nonce and auth_time stay the reference for the next refresh.
	t.Nonce = original.Nonce
	if t.AuthTime.IsZero() {
		t.AuthTime = original.AuthTime
	}
	return t, nil
}

// sameLogin checks that a refreshed ID token t is of the same login as original.
func sameLogin(t *IDToken, ic *idClaims, original *IDToken) error {
	if subtle.ConstantTimeCompare([]byte(t.Subject), []byte(original.Subject)) != 1 {
		return fmt.Errorf("%w: %w: refreshed sub %q, original %q", ErrIDToken, ErrSubject, clip(t.Subject, 64), clip(original.Subject, 64))
	}
	if !sameSet(t.Audience, original.Audience) {
		return fmt.Errorf("%w: %w: refreshed aud differs from the original's", ErrIDToken, jwtverify.ErrAudience)
	}
	if ic.Nonce != nil && subtle.ConstantTimeCompare([]byte(*ic.Nonce), []byte(original.Nonce)) != 1 {
		return fmt.Errorf("%w: %w: refreshed ID token has another nonce", ErrIDToken, ErrNonce)
	}
	if ic.AuthTime != nil && !original.AuthTime.IsZero() && int64(*ic.AuthTime) != original.AuthTime.Unix() {
		return fmt.Errorf("%w: refreshed auth_time differs from the original's", ErrIDToken)
	}
	return nil
}

// verifyIDToken runs the checks every ID token gets: signature, iss, aud, exp,
// iat, typ, azp.
func (c *Client) verifyIDToken(ctx context.Context, raw string) (*jwtverify.Token, *idClaims, error) {
	vs, err := c.verifiers(ctx)
	if err != nil {
		return nil, nil, err
	}
	tok, err := vs.idToken.Verify(ctx, raw)
	if err != nil {
		return nil, nil, verifyErr(ErrIDToken, err)
	}
	if jwtverify.SameType(tok.Header().Typ, "at+jwt") {
		return nil, nil, fmt.Errorf("%w: %w: typ at+jwt is an access token", ErrIDToken, jwtverify.ErrType)
	}
	var ic idClaims
	if err := tok.Decode(&ic); err != nil {
		return nil, nil, fmt.Errorf("%w: %w: claims: %w", ErrIDToken, jwtverify.ErrMalformed, err)
	}
	if err := c.checkAZP(tok.Audience(), ic.AZP); err != nil {
		return nil, nil, err
	}
	return tok, &ic, nil
}

// checkACR refuses an acr outside want (when want is not empty).
func checkACR(acr string, want []string) error {
	if len(want) > 0 && !slices.Contains(want, acr) {
		return fmt.Errorf("%w: %w: got %q, want one of %q", ErrIDToken, ErrACR, clip(acr, 64), want)
	}
	return nil
}

// newIDToken builds the verified IDToken.
func newIDToken(tok *jwtverify.Token, ic *idClaims, raw string) *IDToken {
	t := &IDToken{
		Issuer: tok.Issuer(), Subject: tok.Subject(), Audience: tok.Audience(), AuthorizedParty: ic.AZP,
		Expiry: tok.Expiry(), IssuedAt: tok.IssuedAt(), ACR: ic.ACR, AMR: ic.AMR,
		SessionID: ic.SID, AccessTokenHash: ic.AtHash, Raw: raw, tok: tok,
	}
	if ic.Nonce != nil {
		t.Nonce = *ic.Nonce
	}
	if ic.AuthTime != nil {
		t.AuthTime = time.Unix(int64(*ic.AuthTime), 0)
	}
	return t
}

// sameSet reports whether a and b hold the same strings, in any order.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// checkAZP requires azp = client ID when there are several audiences, and refuses
// an azp naming another client.
func (c *Client) checkAZP(aud []string, azp string) error {
	if (len(aud) > 1 || azp != "") && azp != c.cfg.ClientID {
		return fmt.Errorf("%w: %w: %w: %d audiences, azp %q", ErrIDToken, ErrAuthorizedParty, jwtverify.ErrAudience, len(aud), clip(azp, 64))
	}
	return nil
}

// checkAtHash compares at_hash with the left half of the access token's hash
// under the hash of alg (OpenID Connect Core 3.1.3.6), as jwtverify's algorithm
// table gives it.
func checkAtHash(alg, accessToken, atHash string) error {
	a, ok := jwtverify.LookupAlgorithm(alg)
	if !ok || !a.TokenHash.Available() {
		return fmt.Errorf("%w: %w: no at_hash rule for alg %q", ErrIDToken, ErrAtHash, clip(alg, 64))
	}
	h := a.TokenHash.New()
	h.Write([]byte(accessToken))
	sum := h.Sum(nil)
	want := base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
	if atHash == "" || subtle.ConstantTimeCompare([]byte(atHash), []byte(want)) != 1 {
		return fmt.Errorf("%w: %w", ErrIDToken, ErrAtHash)
	}
	return nil
}

// verifyErr wraps a jwtverify error under kind, adding ErrUnavailable when the
// keys could not be fetched.
func verifyErr(kind, err error) error {
	if errors.Is(err, jwtverify.ErrUnavailable) {
		return fmt.Errorf("%w: %w: %w", kind, ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", kind, err)
}
