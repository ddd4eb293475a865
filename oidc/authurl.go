package oidc

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
)

// Prompt is a value of the authorize prompt parameter.
type Prompt string

// The prompt values ProConnect accepts.
const (
	// PromptLogin forces the agent to authenticate again.
	PromptLogin Prompt = "login"
	// PromptConsent asks the agent to consent again.
	PromptConsent Prompt = "consent"
	// PromptNone is a silent login: ProConnect answers login_required when the
	// agent has no session there.
	PromptNone Prompt = "none"
)

// AuthOption tunes one authorization request.
type AuthOption func(*authRequest) error

// authRequest collects the options of one AuthURL call.
type authRequest struct {
	params url.Values
	acr    []string
	amr    bool
	silent bool
}

// WithPrompt sets the prompt parameter (login, consent, none).
func WithPrompt(prompts ...Prompt) AuthOption {
	return func(r *authRequest) error {
		if len(prompts) == 0 {
			return fmt.Errorf("%w: WithPrompt needs a prompt", ErrOption)
		}
		parts := make([]string, 0, len(prompts))
		for _, p := range prompts {
			switch p {
			case PromptLogin, PromptConsent, PromptNone:
			default:
				return fmt.Errorf("%w: unknown prompt %q", ErrOption, p)
			}
			if p == PromptNone && len(prompts) > 1 {
				return fmt.Errorf("%w: prompt none cannot be combined", ErrOption)
			}
			r.silent = r.silent || p == PromptNone
			parts = append(parts, string(p))
		}
		r.params.Set("prompt", strings.Join(parts, " "))
		return nil
	}
}

// WithLoginHint pre-fills the agent's email address at ProConnect. The address
// must be a bare addr-spec with a dotted domain: ProConnect answers anything else
// with an error page of its own (Y000400), the agent stranded there.
func WithLoginHint(email string) AuthOption {
	return func(r *authRequest) error {
		if !isEmail(email) {
			return fmt.Errorf("%w: login hint %q is not an email address", ErrOption, clip(email, 64))
		}
		r.params.Set("login_hint", email)
		return nil
	}
}

// WithIDPHint sends the agent straight to one identity provider (its idp_id).
func WithIDPHint(idpID string) AuthOption {
	return func(r *authRequest) error {
		if idpID == "" || len(idpID) > 256 {
			return fmt.Errorf("%w: empty or oversized idp hint", ErrOption)
		}
		r.params.Set("idp_hint", idpID)
		return nil
	}
}

// WithSIRETHint pre-selects an organization by its SIRET, which must be 14 digits.
func WithSIRETHint(siret string) AuthOption {
	return func(r *authRequest) error {
		if !isDigits(siret, 14) {
			return fmt.Errorf("%w: SIRET hint %q is not 14 digits", ErrOption, siret)
		}
		r.params.Set("siret_hint", siret)
		return nil
	}
}

// WithACR asks for one of these acr values through the claims parameter (as
// essential) and makes the callback require one of them; it replaces Config.ACR
// for this request. At least one value is required: WithACR() is ErrOption, so
// that it cannot lift Config.ACR by accident.
func WithACR(values ...string) AuthOption {
	return func(r *authRequest) error {
		if len(values) == 0 {
			return fmt.Errorf("%w: WithACR needs an acr value", ErrOption)
		}
		for _, v := range values {
			if v == "" {
				return fmt.Errorf("%w: empty acr value", ErrOption)
			}
		}
		r.acr = append([]string(nil), values...)
		return nil
	}
}

// WithAMR asks for the amr claim in the ID token.
func WithAMR() AuthOption {
	return func(r *authRequest) error { r.amr = true; return nil }
}

// AuthURL returns the URL to send the agent's browser to, and the Flow to keep
// (in a FlowStore) until the callback: fresh 256-bit state and nonce, a PKCE S256
// verifier, and the acr values the callback must find.
func (c *Client) AuthURL(ctx context.Context, opts ...AuthOption) (string, Flow, error) {
	md, err := c.disc.Get(ctx)
	if err != nil {
		return "", Flow{}, err
	}
	req := authRequest{params: url.Values{}, acr: c.cfg.ACR}
	for _, o := range opts {
		if err := o(&req); err != nil {
			return "", Flow{}, err
		}
	}
	f := Flow{
		State: randomString(), Nonce: randomString(), ACR: req.acr, Silent: req.silent, Created: c.cfg.Now().Unix(),
		Issuer: c.cfg.Issuer, ClientID: c.cfg.ClientID,
	}
	p := req.params
	p.Set("response_type", "code")
	p.Set("client_id", c.cfg.ClientID)
	p.Set("redirect_uri", c.cfg.RedirectURL)
	p.Set("scope", strings.Join(c.cfg.Scopes, " "))
	p.Set("state", f.State)
	p.Set("nonce", f.Nonce)
	if claims := claimsParam(req.acr, req.amr); claims != "" {
		p.Set("claims", claims)
	}
	if !c.cfg.InsecureDisablePKCE {
		f.Verifier = randomString()
		p.Set("code_challenge", pkceChallenge(f.Verifier))
		p.Set("code_challenge_method", "S256")
	}
	return withQuery(md.AuthorizationEndpoint, p), f, nil
}

// claimsParam builds {"id_token":{"acr":{"essential":true,"values":[…]},"amr":…}}.
func claimsParam(acr []string, amr bool) string {
	type claim struct {
		Essential bool     `json:"essential"`
		Values    []string `json:"values,omitempty"`
	}
	idToken := map[string]claim{}
	if len(acr) > 0 {
		idToken["acr"] = claim{Essential: true, Values: acr}
	}
	if amr {
		idToken["amr"] = claim{Essential: true}
	}
	if len(idToken) == 0 {
		return ""
	}
	b, _ := json.Marshal(map[string]any{"id_token": idToken}) // cannot fail: strings and bools
	return string(b)
}

// withQuery appends params to endpoint, keeping a query it may already have.
func withQuery(endpoint string, params url.Values) string {
	sep := "?"
	if strings.Contains(endpoint, "?") {
		sep = "&"
	}
	return endpoint + sep + params.Encode()
}

// randomString returns 256 bits from crypto/rand as 43 base64url characters.
func randomString() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// pkceChallenge is the S256 code challenge of verifier (RFC 7636).
func pkceChallenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// isEmail reports whether s is a bare email address (no display name, no
// comment) whose domain has a dot and no empty label, as ProConnect's login_hint
// check (class-validator IsEmail) requires.
func isEmail(s string) bool {
	if len(s) > 320 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	if !strings.Contains(domain, ".") {
		return false
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" {
			return false
		}
	}
	return true
}

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
