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
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Prompt is a value of the authorize prompt parameter.
type Prompt string

// The prompt values (OpenID Connect Core 3.1.2.1); ProConnect accepts login,
// consent and none.
const (
	// PromptSelectAccount asks the provider to let the user pick an account
	// (generic providers only).
	PromptSelectAccount Prompt = "select_account"
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
	params     url.Values
	acr        []string
	amr        bool
	silent     bool
	maxAge     *int64
	par        bool
	claims     map[string]json.RawMessage
	proconnect bool
}

// WithPrompt sets the prompt parameter (login, consent, none).
func WithPrompt(prompts ...Prompt) AuthOption {
	return func(r *authRequest) error {
		if len(prompts) == 0 {
			return fmt.Errorf("%w: WithPrompt needs a prompt", ErrOption)
		}
		parts := make([]string, 0, len(prompts))
		for _, p := range prompts {
			switch {
			case p == PromptLogin, p == PromptConsent, p == PromptNone:
			case p == PromptSelectAccount && !r.proconnect:
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

// WithLoginHint pre-fills the user's identifier at the provider (login_hint).
// Under the ProConnect preset it must be an email address, a bare addr-spec
// with a dotted domain: ProConnect answers anything else with an error page of
// its own (Y000400), the agent stranded there. Elsewhere any non-empty value
// of at most 256 bytes without control characters.
func WithLoginHint(email string) AuthOption {
	return func(r *authRequest) error {
		if !r.proconnect {
			if !plainValue(email, 256) {
				return fmt.Errorf("%w: empty, oversized or unprintable login hint", ErrOption)
			}
			r.params.Set("login_hint", email)
			return nil
		}
		if !isEmail(email) {
			return fmt.Errorf("%w: login hint %q is not an email address", ErrOption, clip(email, 64))
		}
		r.params.Set("login_hint", email)
		return nil
	}
}

// WithIDPHint sends the agent straight to one identity provider (its idp_id).
// ProConnect only: ErrOption elsewhere.
func WithIDPHint(idpID string) AuthOption {
	return func(r *authRequest) error {
		if !r.proconnect {
			return fmt.Errorf("%w: idp_hint is a ProConnect parameter", ErrOption)
		}
		if idpID == "" || len(idpID) > 256 {
			return fmt.Errorf("%w: empty or oversized idp hint", ErrOption)
		}
		r.params.Set("idp_hint", idpID)
		return nil
	}
}

// WithSIRETHint pre-selects an organization by its SIRET, which must be 14
// digits. ProConnect only: ErrOption elsewhere.
func WithSIRETHint(siret string) AuthOption {
	return func(r *authRequest) error {
		if !r.proconnect {
			return fmt.Errorf("%w: siret_hint is a ProConnect parameter", ErrOption)
		}
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

// WithACRValues sends acr_values, the voluntary form of an acr request
// (OpenID Connect Core 3.1.2.1): the provider may answer another level, which
// the callback accepts (unless Config.ACR or WithACR require one). Generic
// providers only (ProConnect deprecates acr_values: use WithACR).
func WithACRValues(values ...string) AuthOption {
	return func(r *authRequest) error {
		if r.proconnect {
			return fmt.Errorf("%w: ProConnect deprecates acr_values, use WithACR", ErrOption)
		}
		if len(values) == 0 {
			return fmt.Errorf("%w: WithACRValues needs a value", ErrOption)
		}
		for _, v := range values {
			if !plainValue(v, 256) || strings.Contains(v, " ") {
				return fmt.Errorf("%w: acr value %q", ErrOption, clip(v, 64))
			}
		}
		r.params.Set("acr_values", strings.Join(values, " "))
		return nil
	}
}

// WithMaxAge sends max_age: the provider must authenticate the user again
// when its session is older than d (whole seconds; 0 forces a new
// authentication), and the callback requires an ID token whose auth_time is
// within d, with Config.Leeway (OpenID Connect Core 3.1.2.1, 3.1.3.7).
// Generic providers only (ProConnect's authorize endpoint refuses max_age).
func WithMaxAge(d time.Duration) AuthOption {
	return func(r *authRequest) error {
		if r.proconnect { // its authorize endpoint refuses unknown parameters on a page of its own
			return fmt.Errorf("%w: ProConnect does not take max_age", ErrOption)
		}
		if d < 0 {
			return fmt.Errorf("%w: negative max_age", ErrOption)
		}
		secs := int64(d / time.Second)
		r.maxAge = &secs
		r.params.Set("max_age", strconv.FormatInt(secs, 10))
		return nil
	}
}

// WithClaims asks for individual claims through the claims parameter (OpenID
// Connect Core 5.5): claims maps "id_token" or "userinfo" to the requests of
// that member, as JSON, e.g. {"userinfo":{"email":{"essential":true}}}. The
// acr and amr requests of WithACR and WithAMR are merged into its id_token
// member. Asking is not requiring: the callback does not check these claims.
func WithClaims(claims map[string]map[string]json.RawMessage) AuthOption {
	return func(r *authRequest) error {
		for member, reqs := range claims {
			if member != "id_token" && member != "userinfo" {
				return fmt.Errorf("%w: claims member %q is neither id_token nor userinfo", ErrOption, clip(member, 64))
			}
			b, err := json.Marshal(reqs)
			if err != nil {
				return fmt.Errorf("%w: claims %s: %w", ErrOption, member, err)
			}
			if r.claims == nil {
				r.claims = map[string]json.RawMessage{}
			}
			r.claims[member] = b
		}
		return nil
	}
}

// WithPAR sends this request through the provider's pushed authorization
// request endpoint (RFC 9126) even when neither Config.UsePAR nor the
// provider requires it; ErrUnsupported when the provider has no PAR endpoint.
func WithPAR() AuthOption {
	return func(r *authRequest) error { r.par = true; return nil }
}

// AuthURL returns the URL to send the agent's browser to, and the Flow to keep
// (in a FlowStore) until the callback: fresh 256-bit state and nonce, a PKCE S256
// verifier, the acr values the callback must find and the max_age sent. The
// request is pushed first (PAR, RFC 9126, authenticated as at the token
// endpoint) when the provider requires it (require_pushed_authorization_requests),
// when Config.UsePAR is set or with WithPAR; the URL then carries only
// client_id and request_uri.
func (c *Client) AuthURL(ctx context.Context, opts ...AuthOption) (string, Flow, error) {
	md, err := c.disc.Get(ctx)
	if err != nil {
		return "", Flow{}, err
	}
	req := authRequest{params: url.Values{}, acr: c.cfg.ACR, proconnect: c.cfg.ProConnect, par: c.cfg.UsePAR}
	for _, o := range opts {
		if err := o(&req); err != nil {
			return "", Flow{}, err
		}
	}
	f := Flow{
		State: randomString(), Nonce: randomString(), ACR: req.acr, Silent: req.silent, Created: c.cfg.Now().Unix(),
		Issuer: c.cfg.Issuer, ClientID: c.cfg.ClientID, MaxAge: req.maxAge,
	}
	p := req.params
	p.Set("response_type", "code")
	p.Set("client_id", c.cfg.ClientID)
	p.Set("redirect_uri", c.cfg.RedirectURL)
	p.Set("scope", strings.Join(c.cfg.Scopes, " "))
	p.Set("state", f.State)
	p.Set("nonce", f.Nonce)
	claims, err := claimsParam(req.acr, req.amr, req.claims)
	if err != nil {
		return "", Flow{}, err
	}
	if claims != "" {
		p.Set("claims", claims)
	}
	if !c.cfg.InsecureDisablePKCE {
		f.Verifier = randomString()
		p.Set("code_challenge", pkceChallenge(f.Verifier))
		p.Set("code_challenge_method", "S256")
	}
	if req.par || md.RequirePushedAuthorizationRequests {
		u, err := c.pushRequest(ctx, md, p)
		if err != nil {
			return "", Flow{}, err
		}
		return u, f, nil
	}
	return withQuery(md.AuthorizationEndpoint, p), f, nil
}

// claimsParam builds {"id_token":{"acr":{"essential":true,"values":[…]},"amr":…}},
// merged with the claims of WithClaims.
func claimsParam(acr []string, amr bool, extra map[string]json.RawMessage) (string, error) {
	type claim struct {
		Essential bool     `json:"essential"`
		Values    []string `json:"values,omitempty"`
	}
	members := map[string]map[string]any{}
	for name, raw := range extra {
		var reqs map[string]any
		if err := json.Unmarshal(raw, &reqs); err != nil {
			return "", fmt.Errorf("%w: claims %s: %w", ErrOption, name, err)
		}
		members[name] = reqs
	}
	if len(acr) > 0 || amr {
		if members["id_token"] == nil {
			members["id_token"] = map[string]any{}
		}
		if len(acr) > 0 {
			members["id_token"]["acr"] = claim{Essential: true, Values: acr}
		}
		if amr {
			members["id_token"]["amr"] = claim{Essential: true}
		}
	}
	if len(members) == 0 {
		return "", nil
	}
	b, err := json.Marshal(members)
	if err != nil {
		return "", fmt.Errorf("%w: claims: %w", ErrOption, err)
	}
	return string(b), nil
}

// plainValue reports whether s is non-empty, at most max bytes of UTF-8
// without control characters.
func plainValue(s string, max int) bool {
	if s == "" || len(s) > max || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
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
