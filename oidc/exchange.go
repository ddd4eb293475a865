package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Tokens is a token endpoint response.
type Tokens struct {
	// AccessToken is sent to the userinfo endpoint.
	AccessToken string `json:"access_token"`
	// TokenType is "Bearer".
	TokenType string `json:"token_type"`
	// RefreshToken obtains new tokens with Refresh (always issued by
	// ProConnect; other providers may need the offline_access scope). After a
	// Refresh it is the provider's new refresh token when it rotated it, the
	// old one otherwise.
	RefreshToken string `json:"refresh_token,omitempty"`
	// UnverifiedIDToken is the raw id_token as the token endpoint sent it.
	// Exchange does not verify it (call VerifyIDToken); Complete and Refresh do,
	// and put the result in IDToken.
	UnverifiedIDToken string `json:"id_token,omitempty"`
	// IDToken is the verified ID token: set by Complete (the login's) and by
	// Refresh (the new one, or the previous one when the provider sent none);
	// nil after Exchange. It is not serialized: keep the login's IDToken beside
	// stored Tokens and set it again before a refresh.
	IDToken *IDToken `json:"-"`
	// Scope is the granted scope, when the provider says it.
	Scope string `json:"scope,omitempty"`
	// Expiry is when AccessToken expires (zero when the provider did not say).
	Expiry time.Time `json:"expiry,omitzero"`
}

// tokenResponse is the wire form of a token endpoint answer, success or error.
type tokenResponse struct {
	AccessToken      string  `json:"access_token"`
	TokenType        string  `json:"token_type"`
	RefreshToken     string  `json:"refresh_token"`
	IDToken          string  `json:"id_token"`
	Scope            string  `json:"scope"`
	ExpiresIn        float64 `json:"expires_in"`
	Error            string  `json:"error"`
	ErrorDescription string  `json:"error_description"`
}

// Exchange trades an authorization code (and the flow's PKCE verifier, empty when
// PKCE is off) for tokens, authenticating with Config.AuthMethod. The ID token is
// not verified here: call VerifyIDToken (the Callback handler does both).
func (c *Client) Exchange(ctx context.Context, code, verifier string) (*Tokens, error) {
	if code == "" || len(code) > maxParamLen {
		return nil, fmt.Errorf("%w: missing or oversized code", ErrTokenEndpoint)
	}
	form := url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {c.cfg.RedirectURL},
	}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	t, err := c.token(ctx, form)
	if err != nil {
		return nil, err
	}
	if t.UnverifiedIDToken == "" {
		return nil, fmt.Errorf("%w: response has no id_token", ErrTokenEndpoint)
	}
	return t, nil
}

// Refresh trades a refresh token for new tokens. original is the verified ID
// token of the login (Login.IDToken). A new ID token, when the provider sends
// one, is verified per OpenID Connect Core 12.2 (see VerifyRefreshedIDToken) and
// returned in Tokens.IDToken; without one, Tokens.IDToken is original.
func (c *Client) Refresh(ctx context.Context, refreshToken string, original *IDToken) (*Tokens, error) {
	if refreshToken == "" {
		return nil, ErrNoRefreshToken
	}
	t, err := c.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}})
	if err != nil {
		return nil, err
	}
	if t.RefreshToken == "" {
		t.RefreshToken = refreshToken
	}
	t.IDToken = original
	if t.UnverifiedIDToken != "" {
		if t.IDToken, err = c.VerifyRefreshedIDToken(ctx, t.UnverifiedIDToken, original, t.AccessToken); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// token posts form, with the client's credentials (Config.AuthMethod), to the
// token endpoint.
func (c *Client) token(ctx context.Context, form url.Values) (*Tokens, error) {
	md, err := c.disc.Get(ctx)
	if err != nil {
		return nil, err
	}
	header := http.Header{}
	if err := c.authenticate(form, header, md.TokenEndpoint); err != nil {
		return nil, err
	}
	resp, err := postForm(ctx, c.post, md.TokenEndpoint, form, header, c.cfg.MaxBodySize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTokenEndpoint, err)
	}
	if resp.status >= 500 {
		return nil, fmt.Errorf("%w: token endpoint answered HTTP %d", ErrUnavailable, resp.status)
	}
	return parseTokenResponse(resp.status, resp.body, c.cfg.Now())
}

// parseTokenResponse reads a token endpoint answer: an OAuth error, or a Bearer
// access token with an optional refresh token, ID token and lifetime.
func parseTokenResponse(status int, body []byte, now time.Time) (*Tokens, error) {
	var tr tokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, fmt.Errorf("%w: HTTP %d, malformed body: %w", ErrTokenEndpoint, status, err)
	}
	if status != http.StatusOK || tr.Error != "" {
		return nil, &TokenError{Status: status, Code: clip(tr.Error, 64), Description: clip(tr.ErrorDescription, 256)}
	}
	if tr.AccessToken == "" || !strings.EqualFold(tr.TokenType, "Bearer") {
		return nil, fmt.Errorf("%w: no access_token or token_type %q is not Bearer", ErrTokenEndpoint, clip(tr.TokenType, 64))
	}
	if tr.ExpiresIn < 0 || tr.ExpiresIn > 1e9 {
		return nil, fmt.Errorf("%w: expires_in %v out of range", ErrTokenEndpoint, tr.ExpiresIn)
	}
	t := &Tokens{AccessToken: tr.AccessToken, TokenType: "Bearer", RefreshToken: tr.RefreshToken, UnverifiedIDToken: tr.IDToken, Scope: tr.Scope}
	if tr.ExpiresIn > 0 {
		t.Expiry = now.Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return t, nil
}

// maxParamLen bounds codes, states and other values read from a callback URL.
const maxParamLen = 2048
