package oidc

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/url"
)

// LogoutURL returns the URL of ProConnect's end_session_endpoint to send the
// browser to (ProConnect logout is a browser redirect), with id_token_hint (the
// raw ID token of the session, recommended), a fresh state and
// post_logout_redirect_uri; and the logout Flow to keep until ProConnect redirects
// back, where CheckState compares the returned state.
func (c *Client) LogoutURL(ctx context.Context, idTokenHint string) (string, Flow, error) {
	if c.cfg.PostLogoutRedirectURL == "" {
		return "", Flow{}, fmt.Errorf("%w: PostLogoutRedirectURL is required for logout", ErrConfig)
	}
	md, err := c.disc.get(ctx)
	if err != nil {
		return "", Flow{}, err
	}
	f := Flow{State: randomString(), Logout: true, Created: c.cfg.Now().Unix()}
	p := url.Values{
		"state":                    {f.State},
		"post_logout_redirect_uri": {c.cfg.PostLogoutRedirectURL},
	}
	if idTokenHint != "" {
		p.Set("id_token_hint", idTokenHint)
	}
	return withQuery(md.EndSessionEndpoint, p), f, nil
}

// CheckState compares the state a redirect brought back with the flow's, in
// constant time, and checks the flow is of the expected kind (login or logout).
func CheckState(f Flow, got string, logout bool) error {
	if got == "" || f.State == "" || subtle.ConstantTimeCompare([]byte(f.State), []byte(got)) != 1 {
		return fmt.Errorf("%w: state differs from the stored one", ErrState)
	}
	if f.Logout != logout {
		return fmt.Errorf("%w: flow is not a %s flow", ErrState, map[bool]string{true: "logout", false: "login"}[logout])
	}
	return nil
}
