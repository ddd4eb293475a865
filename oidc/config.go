package oidc

import (
	"crypto"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// Host is a ProConnect deployment; its issuer is https://<host>/api/v2. Setting
// Config.Host selects the ProConnect preset (see Config.ProConnect).
type Host string

// The ProConnect deployments.
const (
	// Integration is ProConnect's integration (test) platform on the Internet.
	Integration Host = "fca.integ01.dev-agentconnect.fr"
	// Production is ProConnect's production platform on the Internet.
	Production Host = "auth.agentconnect.gouv.fr"
	// IntegrationRIE is the integration platform on the RIE (the State's network).
	IntegrationRIE Host = "fca.integ02.agentconnect.rie.gouv.fr"
	// ProductionRIE is the production platform on the RIE.
	ProductionRIE Host = "auth.agentconnect.rie.gouv.fr"
)

// Issuer returns the issuer URL of the deployment.
func (h Host) Issuer() string { return "https://" + string(h) + "/api/v2" }

// hosts are the ProConnect deployments, whose issuers select the preset.
func hosts() []Host { return []Host{Integration, Production, IntegrationRIE, ProductionRIE} }

// The default scopes asked for when Config.Scopes is empty.
func defaultScopes(proconnect bool) []string {
	if proconnect {
		return []string{"openid", "email", "given_name", "usual_name", "uid", "siret"}
	}
	return []string{"openid"}
}

// Config configures a Client. The zero value of every optional field is the secure
// default stated beside it.
//
// Two presets: a generic OpenID Provider (any OpenID Certified provider:
// Keycloak, Auth0, Entra, Google, Ory, …) named by Issuer, and ProConnect,
// selected by Host or ProConnect, which keeps every ProConnect rule
// (client_secret_post, signed userinfo, ProConnect's scopes, endpoints on the
// issuer's host).
type Config struct {
	// Issuer is the issuer URL exactly as the provider's discovery document
	// spells it, e.g. "https://sso.example.com/realms/staff" or
	// "https://accounts.example.com/" (a trailing / is removed before
	// /.well-known/openid-configuration is appended, OpenID Connect Discovery
	// §4, and the document's issuer must then equal Issuer exactly, §4.3).
	// Set exactly one of Issuer and Host.
	Issuer string
	// Host selects a ProConnect deployment (Integration, Production, …) and the
	// ProConnect preset.
	Host Host
	// ProConnect applies the ProConnect preset to Issuer (a fake ProConnect,
	// or a deployment not among the Host constants): client_secret_post by
	// default, userinfo required signed, ProConnect's default scopes, every
	// endpoint on the issuer's host. Implied by Host, and by an Issuer equal to
	// a Host constant's. Default false: a generic provider.
	ProConnect bool

	// ClientID is the client identifier given at registration. Required.
	ClientID string
	// ClientSecret is the secret given at registration. Required by
	// client_secret_basic, client_secret_post and client_secret_jwt (32 bytes
	// or more for client_secret_jwt, its HS256 key); refused with
	// private_key_jwt and none, so that a secret is never held in vain.
	ClientSecret string

	// AuthMethod is the token endpoint authentication method of the client's
	// registration (token_endpoint_auth_method), used at the token and PAR
	// endpoints. Default: client_secret_basic, the OpenID Connect default for
	// a confidential client; client_secret_post under the ProConnect preset.
	// AuthNone is a public client (no secret, PKCE required).
	AuthMethod AuthMethod
	// PrivateKey signs the client assertions of private_key_jwt (RFC 7523):
	// an RSA key of 2048 bits or more, an ECDSA P-256, P-384 or P-521 key, or
	// an Ed25519 key, possibly held by an HSM or a KMS. Required by
	// private_key_jwt, refused with any other method.
	PrivateKey crypto.Signer
	// PrivateKeyID is the kid of PrivateKey's public key in the JWKS
	// registered with the provider. Required with PrivateKey.
	PrivateKeyID string
	// PrivateKeyAlgorithm is the assertions' alg; default by key: RS256 for
	// RSA, ES256, ES384 or ES512 by curve, EdDSA for Ed25519. PS256, PS384,
	// PS512, RS384 and RS512 may be chosen for an RSA key.
	PrivateKeyAlgorithm string
	// ClientAssertionAudienceIssuer makes the issuer the audience of the
	// client assertions of client_secret_jwt and private_key_jwt, for providers
	// that require it (draft-ietf-oauth-rfc7523bis). Default: the URL of the
	// endpoint each assertion is posted to (the token endpoint, as OpenID
	// Connect Core §9 says and Okta and Entra require; the PAR endpoint).
	ClientAssertionAudienceIssuer bool

	// RedirectURL is the registered callback URL (REDIRECT_URI).
	RedirectURL string
	// PostLogoutRedirectURL is the registered POST_LOGOUT_REDIRECT_URI. Required
	// for LogoutURL.
	PostLogoutRedirectURL string

	// Scopes to ask for; default openid alone (the least disclosure) for a
	// generic provider, openid email given_name usual_name uid siret under
	// the ProConnect preset. openid is added when missing.
	Scopes []string

	// ACR lists the acr values required of every login (e.g. "eidas1"). When set,
	// AuthURL asks for them through the claims parameter and VerifyIDToken refuses
	// an ID token whose acr is not among them. Empty: any acr is accepted.
	ACR []string

	// Algorithms are the signing algorithms registered for this client's ID token
	// and userinfo; default ES256 and RS256. HS256 (keyed by ClientSecret) is
	// accepted only when listed here, and then cannot be mixed with others.
	Algorithms []string

	// SignedUserInfo requires userinfo as a signed JWT, for a client
	// registered with userinfo_signed_response_alg: plain JSON is then refused.
	// Default for a generic provider: userinfo is read by its content type,
	// JSON over TLS or a verified JWT. Always on under the ProConnect preset.
	SignedUserInfo bool

	// InsecureUnsignedUserInfo accepts userinfo as plain JSON under the
	// ProConnect preset (a client registered without a userinfo signing
	// algorithm). Default: ProConnect userinfo must be a signed JWT. Refused
	// together with SignedUserInfo.
	InsecureUnsignedUserInfo bool

	// UsePAR sends every authorization request through the provider's pushed
	// authorization request endpoint (RFC 9126), keeping its parameters out of
	// the browser. Default: only when the provider requires it
	// (require_pushed_authorization_requests).
	UsePAR bool

	// InsecureDisablePKCE turns PKCE (S256) off. Default: on. Refused with
	// AuthNone: a public client always uses PKCE.
	InsecureDisablePKCE bool

	// InsecureAllowHTTP accepts an http issuer and http endpoints, for local
	// tests only (oidctest over HTTP). Default: https only.
	InsecureAllowHTTP bool

	// HTTPClient makes every request to the provider; default a client with
	// Timeout. Whatever client is given, GETs (discovery, JWKS, userinfo) follow
	// a redirect only to the same origin (scheme, host and port), and the token
	// request follows none (a redirected POST would carry the client secret to
	// the redirect's target). The client's own CheckRedirect runs first and
	// keeps what it refuses.
	HTTPClient *http.Client

	// Timeout bounds each request to the provider when HTTPClient is nil, and
	// each discovery or JWKS fetch; default 10 s.
	Timeout time.Duration

	// RefreshCooldown is the least time between two JWKS fetches forced by ID
	// tokens naming an unknown kid, and the back-off after a failed discovery or
	// JWKS fetch (during which logins fail at once with ErrUnavailable instead of
	// each asking the provider again); default 30 s.
	RefreshCooldown time.Duration

	// MaxBodySize bounds every response body read from the provider (discovery,
	// JWKS, token, userinfo); default 1 MiB.
	MaxBodySize int64

	// Leeway is the clock skew allowed on exp and iat: 0 means the default
	// 30 s, a negative value means none (jwtverify.Config's rule).
	Leeway time.Duration

	// LogoutIDs remembers the jti of the back-channel logout tokens accepted,
	// each until the token expires, so that a replayed token is refused.
	// Default: this Client's memory (100,000 ids; past that, logout tokens are
	// refused with ErrBusy rather than ids forgotten). Behind several
	// instances of an app, set one RedisIDStore so a token is accepted once
	// across them all.
	LogoutIDs IDStore

	// Now returns the current time; default time.Now.
	Now func() time.Time

	// Logger receives debug and warning logs; nil discards them.
	Logger *slog.Logger
}

// Defaults applied by normalize.
const (
	defaultMaxBody  = 1 << 20
	defaultTimeout  = 10 * time.Second
	defaultCooldown = 30 * time.Second
)

// normalize checks cfg and fills in its defaults, returning a copy.
func (cfg Config) normalize() (Config, error) {
	if (cfg.Issuer == "") == (cfg.Host == "") {
		return cfg, fmt.Errorf("%w: set exactly one of Issuer and Host", ErrConfig)
	}
	if cfg.Host != "" {
		cfg.Issuer = cfg.Host.Issuer()
	}
	for _, h := range hosts() {
		cfg.ProConnect = cfg.ProConnect || cfg.Issuer == h.Issuer()
	}
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || iss.Host == "" || iss.RawQuery != "" || iss.Fragment != "" {
		return cfg, fmt.Errorf("%w: issuer %q is not an absolute URL", ErrConfig, cfg.Issuer)
	}
	if iss.Scheme != "https" && !(cfg.InsecureAllowHTTP && iss.Scheme == "http") {
		return cfg, fmt.Errorf("%w: issuer %q is not https", ErrConfig, cfg.Issuer)
	}
	if cfg.ClientID == "" {
		return cfg, fmt.Errorf("%w: ClientID is required", ErrConfig)
	}
	if err := cfg.normalizeAuth(); err != nil {
		return cfg, err
	}
	if cfg.SignedUserInfo && cfg.InsecureUnsignedUserInfo {
		return cfg, fmt.Errorf("%w: SignedUserInfo and InsecureUnsignedUserInfo contradict each other", ErrConfig)
	}
	if cfg.ProConnect && !cfg.InsecureUnsignedUserInfo {
		cfg.SignedUserInfo = true
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || !u.IsAbs() {
		return cfg, fmt.Errorf("%w: RedirectURL %q is not an absolute URL", ErrConfig, cfg.RedirectURL)
	}
	if cfg.PostLogoutRedirectURL != "" {
		if u, err := url.Parse(cfg.PostLogoutRedirectURL); err != nil || !u.IsAbs() {
			return cfg, fmt.Errorf("%w: PostLogoutRedirectURL %q is not an absolute URL", ErrConfig, cfg.PostLogoutRedirectURL)
		}
	}
	cfg.Scopes = normalizeScopes(cfg.Scopes, cfg.ProConnect)
	if err := checkAlgorithms(cfg.Algorithms); err != nil {
		return cfg, err
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = []string{"ES256", "RS256"}
	}
	cfg.ACR = slices.Clone(cfg.ACR)
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	if cfg.RefreshCooldown <= 0 {
		cfg.RefreshCooldown = defaultCooldown
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = defaultMaxBody
	}
	// Leeway: jwtverify's rule (0: the default 30 s; negative: none), passed
	// through as is.
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.Logger = orDiscard(cfg.Logger)
	return cfg, nil
}

// normalizeScopes returns scopes (or the defaults) with openid first and no
// duplicates.
func normalizeScopes(scopes []string, proconnect bool) []string {
	if len(scopes) == 0 {
		return defaultScopes(proconnect)
	}
	out := []string{"openid"}
	for _, s := range scopes {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// checkAlgorithms refuses what jwtverify does not implement, "none", and HS256
// mixed with asymmetric algorithms or other HMACs (ProConnect registers HS256
// keyed by the client secret, or asymmetric ones).
func checkAlgorithms(algs []string) error {
	hs := false
	for _, name := range algs {
		a, ok := jwtverify.LookupAlgorithm(name)
		switch {
		case !ok:
			return fmt.Errorf("%w: algorithm %q is not supported", ErrConfig, name)
		case a.Symmetric && name != "HS256":
			return fmt.Errorf("%w: algorithm %q is not supported (HS256 is the only HMAC)", ErrConfig, name)
		}
		hs = hs || a.Symmetric
	}
	if hs && len(algs) > 1 {
		return fmt.Errorf("%w: HS256 cannot be mixed with other algorithms", ErrConfig)
	}
	return nil
}

// noRedirect makes an http.Client return a redirect as the response instead of
// following it.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// orDiscard returns l, or a logger that discards everything when l is nil.
func orDiscard(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
