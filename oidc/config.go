package oidc

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// Host is a ProConnect deployment; its issuer is https://<host>/api/v2.
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

// The default scopes asked for when Config.Scopes is empty.
func defaultScopes() []string {
	return []string{"openid", "email", "given_name", "usual_name", "uid", "siret"}
}

// Config configures a Client. The zero value of every optional field is the secure
// default stated beside it.
type Config struct {
	// Issuer is the issuer URL, e.g. "https://fca.integ01.dev-agentconnect.fr/api/v2".
	// Set exactly one of Issuer and Host.
	Issuer string
	// Host selects a ProConnect deployment (Integration, Production, …).
	Host Host

	// ClientID is the client identifier given at registration. Required.
	ClientID string
	// ClientSecret is the secret given at registration, sent with
	// client_secret_post, never in an Authorization header. Required.
	ClientSecret string

	// RedirectURL is the registered callback URL (REDIRECT_URI).
	RedirectURL string
	// PostLogoutRedirectURL is the registered POST_LOGOUT_REDIRECT_URI. Required
	// for LogoutURL.
	PostLogoutRedirectURL string

	// Scopes to ask for; default openid email given_name usual_name uid siret.
	// openid is added when missing.
	Scopes []string

	// ACR lists the acr values required of every login (e.g. "eidas1"). When set,
	// AuthURL asks for them through the claims parameter and VerifyIDToken refuses
	// an ID token whose acr is not among them. Empty: any acr is accepted.
	ACR []string

	// Algorithms are the signing algorithms registered for this client's ID token
	// and userinfo; default ES256 and RS256. HS256 (keyed by ClientSecret) is
	// accepted only when listed here, and then cannot be mixed with others.
	Algorithms []string

	// InsecureUnsignedUserInfo accepts userinfo as plain JSON (a client registered
	// without a userinfo signing algorithm). Default: userinfo must be a signed JWT.
	InsecureUnsignedUserInfo bool

	// InsecureDisablePKCE turns PKCE (S256) off. Default: on.
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
	iss, err := url.Parse(cfg.Issuer)
	if err != nil || iss.Host == "" || iss.RawQuery != "" || iss.Fragment != "" {
		return cfg, fmt.Errorf("%w: issuer %q is not an absolute URL", ErrConfig, cfg.Issuer)
	}
	if iss.Scheme != "https" && !(cfg.InsecureAllowHTTP && iss.Scheme == "http") {
		return cfg, fmt.Errorf("%w: issuer %q is not https", ErrConfig, cfg.Issuer)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return cfg, fmt.Errorf("%w: ClientID and ClientSecret are required", ErrConfig)
	}
	if u, err := url.Parse(cfg.RedirectURL); err != nil || !u.IsAbs() {
		return cfg, fmt.Errorf("%w: RedirectURL %q is not an absolute URL", ErrConfig, cfg.RedirectURL)
	}
	if cfg.PostLogoutRedirectURL != "" {
		if u, err := url.Parse(cfg.PostLogoutRedirectURL); err != nil || !u.IsAbs() {
			return cfg, fmt.Errorf("%w: PostLogoutRedirectURL %q is not an absolute URL", ErrConfig, cfg.PostLogoutRedirectURL)
		}
	}
	cfg.Scopes = normalizeScopes(cfg.Scopes)
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
func normalizeScopes(scopes []string) []string {
	if len(scopes) == 0 {
		return defaultScopes()
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
