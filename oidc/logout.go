package oidc

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/url"
)

// LogoutURL returns the URL of the provider's end_session_endpoint to send the
// browser to (RP-initiated logout is a browser redirect; a provider without
// one is ErrUnsupported), with id_token_hint (the
// raw ID token of the session, recommended), client_id, a fresh state and
// post_logout_redirect_uri (ErrConfig without Config.PostLogoutRedirectURL);
// and the logout Flow to keep until the provider redirects back, where CheckState compares the returned state. client_id is always sent:
// ProConnect (node-oidc-provider) refuses a post_logout_redirect_uri with neither
// id_token_hint nor client_id, so a logout without a hint still comes back.
func (c *Client) LogoutURL(ctx context.Context, idTokenHint string) (string, Flow, error) {
	md, err := c.disc.Get(ctx)
	if err != nil {
		return "", Flow{}, err
	}
	if md.EndSessionEndpoint == "" { // checked first: such a client needs no PostLogoutRedirectURL
		return "", Flow{}, fmt.Errorf("%w: no end_session_endpoint: the provider has no RP-initiated logout; end the local session only", ErrUnsupported)
	}
	if c.cfg.PostLogoutRedirectURL == "" {
		return "", Flow{}, fmt.Errorf("%w: PostLogoutRedirectURL is required for logout", ErrConfig)
	}
	f := Flow{State: randomString(), Logout: true, Created: c.cfg.Now().Unix(), Issuer: c.cfg.Issuer, ClientID: c.cfg.ClientID}
	p := url.Values{
		"client_id":                {c.cfg.ClientID},
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
