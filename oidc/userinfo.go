package oidc

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
)

// UserInfo fetches the agent's claims with the access token and checks them
// against idToken (the verified ID token of the same login). The body is read
// by its content type. A signed userinfo (application/jwt) is verified as
// OpenID Connect Core 5.3.2 asks: signature (registered algorithms), iss and
// aud; exp and iat are checked when present, not required. Plain JSON
// (application/json) is refused when Config.SignedUserInfo is set (always under
// the ProConnect preset, unless Config.InsecureUnsignedUserInfo). In every case
// sub must equal the ID token's. A provider without a userinfo_endpoint is
// ErrUnsupported.
func (c *Client) UserInfo(ctx context.Context, accessToken string, idToken *IDToken) (*Agent, error) {
	if idToken == nil || idToken.Subject == "" {
		return nil, fmt.Errorf("%w: no verified ID token to match", ErrUserInfo)
	}
	resp, err := c.fetchUserInfo(ctx, accessToken)
	if err != nil {
		return nil, err
	}
	return c.checkUserInfo(ctx, resp, idToken)
}

// fetchUserInfo asks the provider's userinfo endpoint with the access token
// and returns its 200 answer, unread.
func (c *Client) fetchUserInfo(ctx context.Context, accessToken string) (*response, error) {
	md, err := c.disc.Get(ctx)
	if err != nil {
		return nil, err
	}
	if md.UserInfoEndpoint == "" {
		return nil, fmt.Errorf("%w: %w: no userinfo_endpoint", ErrUserInfo, ErrUnsupported)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, md.UserInfoEndpoint, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserInfo, err)
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/jwt, application/json;q=0.5")
	resp, err := do(c.get, req, c.cfg.MaxBodySize)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUserInfo, err)
	}
	if resp.status >= 500 {
		return nil, fmt.Errorf("%w: userinfo answered HTTP %d", ErrUnavailable, resp.status)
	}
	if resp.status != http.StatusOK {
		return nil, fmt.Errorf("%w: userinfo answered HTTP %d", ErrUserInfo, resp.status)
	}
	return resp, nil
}

// checkUserInfo reads a userinfo answer and checks it against the verified
// ID token of the same login.
func (c *Client) checkUserInfo(ctx context.Context, resp *response, idToken *IDToken) (*Agent, error) {
	agent, err := c.decodeUserInfo(ctx, resp)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(agent.Sub), []byte(idToken.Subject)) != 1 {
		return nil, fmt.Errorf("%w: userinfo sub %q, ID token sub %q", ErrSubject, clip(agent.Sub, 64), clip(idToken.Subject, 64))
	}
	agent.IDToken = idToken
	return agent, nil
}

// decodeUserInfo reads a userinfo body by its content type.
func (c *Client) decodeUserInfo(ctx context.Context, resp *response) (*Agent, error) {
	switch resp.contentType {
	case "application/jwt":
		vs, err := c.verifiers(ctx)
		if err != nil {
			return nil, err
		}
		tok, err := vs.userInfo.Verify(ctx, string(bytes.TrimSpace(resp.body)))
		if err != nil {
			return nil, verifyErr(ErrUserInfo, err)
		}
		return agentFrom(tok.Decode, tok.Claims())
	case "application/json":
		if c.cfg.SignedUserInfo {
			return nil, fmt.Errorf("%w: unsigned JSON userinfo, a signed JWT is expected", ErrUserInfo)
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(resp.body, &raw); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUserInfo, err)
		}
		return agentFrom(func(v any) error { return json.Unmarshal(resp.body, v) }, raw)
	}
	return nil, fmt.Errorf("%w: content type %q", ErrUserInfo, resp.contentType)
}
