package oidc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
)

// Login is the result of a completed login, handed to HandlerConfig.OnLogin.
type Login struct {
	// Agent is the verified userinfo; Agent.IDToken is the verified ID token.
	Agent *Agent
	// IDToken is the verified ID token (keep IDToken.Raw for logout).
	IDToken *IDToken
	// Tokens are the token endpoint's answer (access and refresh tokens).
	Tokens *Tokens
	// ReturnTo is the same-origin path to send the agent to afterwards.
	ReturnTo string
}

// Complete finishes a login from the callback's query and the flow stored for its
// state: it checks the flow was started by this Client (issuer and client ID)
// and the RFC 9207 iss parameter (required when the provider advertises it),
// surfaces a provider error as *ProviderError, compares the state (constant
// time), exchanges the code, verifies the ID token against the flow's nonce and
// acr, and fetches and checks userinfo. The userinfo request is sent while
// the ID token is verified (to the provider's own userinfo_endpoint, with the
// access token its token endpoint just gave), and its answer is read only
// once the ID token passed: a refused ID token is the error, whatever
// userinfo answers, and Complete returns with the request cancelled and
// ended.
func (c *Client) Complete(ctx context.Context, f Flow, q url.Values) (*Login, error) {
	if err := c.checkOrigin(ctx, f, q); err != nil {
		return nil, err
	}
	if code := q.Get("error"); code != "" {
		return nil, &ProviderError{Code: clip(code, 64), Description: clip(q.Get("error_description"), 256)}
	}
	if err := CheckState(f, q.Get("state"), false); err != nil {
		return nil, err
	}
	tokens, err := c.Exchange(ctx, q.Get("code"), f.Verifier)
	if err != nil {
		return nil, err
	}
	md, err := c.disc.Get(ctx)
	if err != nil {
		return nil, err
	}
	var userinfo <-chan fetched
	if md.UserInfoEndpoint != "" {
		uctx, cancel := context.WithCancel(ctx)
		userinfo = c.fetchUserInfoAsync(uctx, tokens.AccessToken)
		defer func() { // never leave the request running: cancelled (when refused) and waited for
			cancel()
			<-userinfo
		}()
	}
	idt, err := c.VerifyIDToken(ctx, tokens.UnverifiedIDToken, IDTokenCheck{
		Nonce: f.Nonce, AccessToken: tokens.AccessToken, AtHashOptional: !c.cfg.ProConnect, ACR: f.ACR, MaxAge: f.MaxAge,
	})
	if err != nil {
		return nil, err
	}
	tokens.IDToken = idt
	agent, err := c.loginAgent(ctx, userinfo, idt)
	if err != nil {
		return nil, err
	}
	return &Login{Agent: agent, IDToken: idt, Tokens: tokens, ReturnTo: f.ReturnTo}, nil
}

// fetched is a userinfo answer, or why there is none.
type fetched struct {
	resp *response
	err  error
}

// fetchUserInfoAsync asks userinfo while the caller verifies the ID token:
// the access token goes to the provider's own userinfo endpoint, as it would
// a moment later, and the answer is read only once the ID token is verified.
// The channel yields one value, then is closed.
func (c *Client) fetchUserInfoAsync(ctx context.Context, accessToken string) <-chan fetched {
	ch := make(chan fetched, 1)
	go func() {
		defer close(ch)
		resp, err := c.fetchUserInfo(ctx, accessToken)
		ch <- fetched{resp, err}
	}()
	return ch
}

// loginAgent checks the userinfo answer asked by Complete (nil: the provider
// has no userinfo_endpoint, and the agent's claims are read from the
// verified ID token).
func (c *Client) loginAgent(ctx context.Context, userinfo <-chan fetched, idt *IDToken) (*Agent, error) {
	if userinfo != nil {
		got := <-userinfo
		if got.err != nil {
			return nil, got.err
		}
		return c.checkUserInfo(ctx, got.resp, idt)
	}
	claims := idt.Claims()
	agent, err := agentFrom(func(v any) error { return decodeRaw(claims, v) }, claims)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIDToken, err)
	}
	agent.IDToken = idt
	return agent, nil
}

// checkOrigin refuses a callback that belongs to another provider or client
// (issuer mix-up): a flow started by another Client, or an iss parameter
// (RFC 9207) that is repeated, names another issuer, or is missing although the
// provider advertises authorization_response_iss_parameter_supported.
func (c *Client) checkOrigin(ctx context.Context, f Flow, q url.Values) error {
	if f.Issuer != c.cfg.Issuer || f.ClientID != c.cfg.ClientID {
		return fmt.Errorf("%w: the flow was started for issuer %q, client %q", ErrMixUp, clip(f.Issuer, 256), clip(f.ClientID, 64))
	}
	iss, given := q["iss"]
	switch {
	case len(iss) > 1:
		return fmt.Errorf("%w: %d iss parameters", ErrMixUp, len(iss))
	case given && iss[0] != c.cfg.Issuer:
		return fmt.Errorf("%w: callback iss %q, expected %q", ErrMixUp, clip(iss[0], 256), c.cfg.Issuer)
	case given:
		return nil
	}
	md, err := c.disc.Get(ctx)
	if err != nil {
		return err
	}
	if md.AuthorizationResponseISSParameterSupported {
		return fmt.Errorf("%w: the provider sends iss (RFC 9207) and this callback has none", ErrMixUp)
	}
	return nil
}

// SafeReturnPath accepts only a same-origin path ("/..." but not "//..." nor
// anything with a scheme, host, backslash or control character); "" becomes "/".
// Anything else is ErrRedirect. The path is also refused when a percent-decoding
// of it, once or repeatedly ("/%2F%2Fevil.example", "/%255C%255Cevil.example"),
// starts with "//" or "/\" or holds a control character (which browsers strip:
// "/\t/evil.example" is "//evil.example" to them), so that it stays
// same-origin whatever later decodes it again.
func SafeReturnPath(s string) (string, error) {
	if s == "" {
		return "/", nil
	}
	if len(s) > maxParamLen || s[0] != '/' || strings.HasPrefix(s, "//") || strings.ContainsRune(s, '\\') {
		return "", fmt.Errorf("%w: %q", ErrRedirect, clip(s, 64))
	}
	if hasControl(s) {
		return "", fmt.Errorf("%w: control character", ErrRedirect)
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "", fmt.Errorf("%w: %q", ErrRedirect, clip(s, 64))
	}
	for d, i := s, 0; ; i++ {
		next, err := url.PathUnescape(d)
		if err != nil || next == d {
			break // nothing more to decode; a stray '%' decodes to nothing
		}
		if i == maxDecodes {
			return "", fmt.Errorf("%w: encoded more than %d times", ErrRedirect, maxDecodes)
		}
		d = next
		if strings.HasPrefix(d, "//") || strings.HasPrefix(d, "/\\") || hasControl(d) {
			return "", fmt.Errorf("%w: %q decodes to %q", ErrRedirect, clip(s, 64), clip(d, 64))
		}
	}
	return s, nil
}

// maxDecodes bounds how many percent-decodings SafeReturnPath follows: a path
// encoded more often than that is refused.
const maxDecodes = 4

// hasControl reports whether s holds an ASCII control character.
func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// clip shortens an untrusted string before it goes into an error or a log.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// decodeRaw decodes claims (raw JSON members) into v.
func decodeRaw(claims map[string]json.RawMessage, v any) error {
	b, err := json.Marshal(claims)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
