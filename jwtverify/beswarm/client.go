package beswarm

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/sesame-go/sesame/internal/replay"
	"github.com/sesame-go/sesame/jwtverify"
)

// The paths of BeSwarm's access API, below a service URL.
const (
	PathUserToken    = "/api/access/v1/usertoken"
	PathRefreshToken = "/api/access/v1/refreshtoken"
)

// Defaults of ClientConfig.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodySize  = 256 << 10
	DefaultLoginTimeout = 10 * time.Minute
	// DefaultMaxUsedLogins bounds the memory of completed logins (about 64
	// bytes each); past it, callbacks are refused (ErrUnavailable) rather
	// than a completed login forgotten before it expires.
	DefaultMaxUsedLogins = 100_000
)

// maxParam bounds code and swarm as they arrive from the browser.
const maxParam = 1024

// ClientConfig configures a Client. Beyond AppID, ClientSecret and
// AuthorizeURL its zero value is the secure default.
type ClientConfig struct {
	// AppID is the application's identifier (the appid of the authorize URL).
	AppID string
	// ClientSecret authenticates the application when it exchanges a code. It
	// is only ever sent over HTTPS to a host of Domains.
	ClientSecret string
	// AuthorizeURL is BeSwarm's login page, e.g. "https://dev.beswarm.net/authorize".
	AuthorizeURL string
	// Domains lists the domains whose hosts may receive the client secret and
	// tokens: a callback's serviceurl, the token answer's hosts and discovery
	// answers must be inside them, matched exactly or as a dot-suffix
	// ("dev2.beswarm.net" is inside "beswarm.net"; "beswarm.net.evil.example"
	// is not). Default DefaultDomains().
	Domains []string
	// Ports lists the ports allowed besides the scheme's own (default none).
	Ports []string
	// InsecureAllowHTTP allows http:// service URLs (tests only).
	InsecureAllowHTTP bool
	// Verifier verifies the tokens of every answer (the user token's nonce is
	// also checked against the login's code challenge): a Client never hands
	// back an unverified token. Default: a Verifier on the public keys of the
	// AuthorizeURL's service (PublicKeys of its origin, with HTTPClient and
	// InsecureAllowHTTP), accepting BeSwarm's aud "*".
	Verifier *Verifier
	// CallbackURLs are the application's callback URLs registered at BeSwarm,
	// among which StartAt chooses (sent as callbackuri). Empty: Start only,
	// and BeSwarm uses the application's registered default.
	CallbackURLs []string
	// LoginTimeout bounds a login from Start to its callback (default 10 min).
	LoginTimeout time.Duration
	// MaxUsedLogins bounds the memory that makes each Login single-use
	// (default DefaultMaxUsedLogins).
	MaxUsedLogins int
	// HTTPClient makes the requests (default: a client with Timeout). Redirects
	// are never followed.
	HTTPClient *http.Client
	// Timeout bounds one request of the default client (default 10 s).
	Timeout time.Duration
	// MaxBodySize bounds an answer (default 256 KiB).
	MaxBodySize int64
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives refreshes and discovery failures (default: discard).
	Logger *slog.Logger
}

// Client logs users in with BeSwarm and obtains, refreshes and routes their
// tokens. It is safe for concurrent use.
type Client struct {
	cfg     ClientConfig
	allow   allowlist
	hc      *http.Client
	maxBody int64
	log     *slog.Logger
	used    *replay.Set // states of completed logins, until they expire
}

// NewClient returns a Client.
//
//	c, err := beswarm.NewClient(beswarm.ClientConfig{
//		AppID: appID, ClientSecret: secret, AuthorizeURL: "https://dev.beswarm.net/authorize",
//	})
func NewClient(cfg ClientConfig) (*Client, error) {
	if cfg.AppID == "" || cfg.ClientSecret == "" {
		return nil, fmt.Errorf("%w: AppID and ClientSecret are required", jwtverify.ErrConfig)
	}
	allow, err := newAllowlist(cfg.Domains, cfg.Ports, cfg.InsecureAllowHTTP)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", jwtverify.ErrConfig, err)
	}
	u, err := url.Parse(cfg.AuthorizeURL)
	if err != nil || u.Host == "" || !(u.Scheme == "https" || u.Scheme == "http" && cfg.InsecureAllowHTTP) {
		return nil, fmt.Errorf("%w: AuthorizeURL %s is not an https URL", jwtverify.ErrConfig, quote(cfg.AuthorizeURL))
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBodySize <= 0 {
		cfg.MaxBodySize = DefaultMaxBodySize
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.LoginTimeout <= 0 {
		cfg.LoginTimeout = DefaultLoginTimeout
	}
	if cfg.MaxUsedLogins <= 0 {
		cfg.MaxUsedLogins = DefaultMaxUsedLogins
	}
	for _, cb := range cfg.CallbackURLs {
		if cu, err := url.Parse(cb); err != nil || cu.Host == "" || !(cu.Scheme == "https" || cu.Scheme == "http" && cfg.InsecureAllowHTTP) {
			return nil, fmt.Errorf("%w: ClientConfig.CallbackURLs: %s is not an https URL", jwtverify.ErrConfig, quote(cb))
		}
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	if cfg.Verifier == nil {
		v, err := defaultVerifier(u, hc, cfg)
		if err != nil {
			return nil, err
		}
		cfg.Verifier = v
	}
	c := &Client{cfg: cfg, allow: allow, hc: noRedirects(hc), maxBody: cfg.MaxBodySize, log: cfg.Logger}
	c.used = replay.New(cfg.MaxUsedLogins)
	return c, nil
}

// defaultVerifier verifies tokens with the public keys of the authorize
// URL's service: configuration, never a URL from a callback.
func defaultVerifier(authorize *url.URL, hc *http.Client, cfg ClientConfig) (*Verifier, error) {
	keys, err := PublicKeys(authorize.Scheme+"://"+authorize.Host, jwtverify.RemoteKeysConfig{
		HTTPClient: hc, InsecureAllowHTTP: cfg.InsecureAllowHTTP, Now: cfg.Now, Logger: cfg.Logger,
	})
	if err != nil {
		return nil, err
	}
	return NewVerifier(keys, Config{Audience: []string{AnyAudience}, Now: cfg.Now, Logger: cfg.Logger})
}

// Login is a login in progress: keep it (in the user's session, it is JSON)
// until the callback, and never show CodeChallenge to anyone. It is
// single-use: Callback refuses a second callback of the same Login.
type Login struct {
	// State binds the callback to this login (256 random bits).
	State string `json:"state"`
	// CodeChallenge is the secret whose SHA-256 the authorize URL carries; the
	// exchange and every refresh send it (it travels on in the TokenSet).
	CodeChallenge string `json:"code_challenge"`
	// URL is where to send the user's browser.
	URL string `json:"url"`
	// CallbackURL is the callbackuri chosen with StartAt ("" for BeSwarm's
	// registered default).
	CallbackURL string `json:"callback_url,omitempty"`
	// Expires is when the login stops being accepted (ClientConfig.LoginTimeout
	// after Start).
	Expires time.Time `json:"expires"`
}

// Start begins a login: a fresh State and CodeChallenge from crypto/rand, and
// the authorize URL (BeSwarm's registered callback).
func (c *Client) Start() (Login, error) { return c.StartAt("") }

// StartAt begins a login whose callback is callbackURL, one of
// ClientConfig.CallbackURLs (sent as callbackuri; "" for BeSwarm's
// registered default). Another URL is refused with jwtverify.ErrConfig.
//
//	login, err := client.StartAt("https://app.example/beswarm/callback")
func (c *Client) StartAt(callbackURL string) (Login, error) {
	if callbackURL != "" && !slices.Contains(c.cfg.CallbackURLs, callbackURL) {
		return Login{}, fmt.Errorf("%w: callback URL %s is not one of ClientConfig.CallbackURLs", jwtverify.ErrConfig, quote(callbackURL))
	}
	state, err := random()
	if err != nil {
		return Login{}, err
	}
	cc, err := random()
	if err != nil {
		return Login{}, err
	}
	return Login{
		State: state, CodeChallenge: cc, CallbackURL: callbackURL,
		URL: c.authorizeURL(state, cc, callbackURL), Expires: c.cfg.Now().Add(c.cfg.LoginTimeout),
	}, nil
}

func random() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("beswarm: crypto/rand: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// AuthorizeURL returns the login URL for state and the secret code challenge:
// <AuthorizeURL>?state=…&appid=…&code_challenge=<lowercase hex SHA-256 of codeChallenge>.
// Start calls it with fresh values.
func (c *Client) AuthorizeURL(state, codeChallenge string) string {
	return c.authorizeURL(state, codeChallenge, "")
}

func (c *Client) authorizeURL(state, codeChallenge, callbackURL string) string {
	u, _ := url.Parse(c.cfg.AuthorizeURL) // checked by NewClient
	q := u.Query()
	q.Set("state", state)
	q.Set("appid", c.cfg.AppID)
	q.Set("code_challenge", CodeChallengeHash(codeChallenge))
	if callbackURL != "" {
		q.Set("callbackuri", callbackURL)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Callback completes a login from the query of the callback request (state,
// code, swarm, serviceurl): the state must be the login's (constant-time
// compare), the login not expired and not completed before (ErrState: a
// Login is single-use, whatever the app does with it), then the code is
// exchanged. The memory of completed logins is this Client's: behind several
// instances, also delete the Login from the session when its callback
// arrives.
//
//	set, err := client.Callback(r.Context(), login, r.URL.Query())
func (c *Client) Callback(ctx context.Context, login Login, query url.Values) (*TokenSet, error) {
	got := query.Get("state")
	if login.State == "" || len(query["state"]) != 1 || subtle.ConstantTimeCompare([]byte(got), []byte(login.State)) != 1 {
		return nil, ErrState
	}
	now := c.cfg.Now()
	if !now.Before(login.Expires) {
		return nil, fmt.Errorf("%w: the login expired", ErrState)
	}
	sum := sha256.Sum256([]byte(login.State))
	var key replay.Key
	copy(key[:], sum[:])
	switch err := c.used.Mark(key, login.Expires.Unix()+1, now.Unix()); {
	case errors.Is(err, replay.ErrUsed):
		return nil, fmt.Errorf("%w: the login's callback was already used", ErrState)
	case err != nil:
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return c.Exchange(ctx, query.Get("code"), query.Get("swarm"), query.Get("serviceurl"), login.CodeChallenge)
}

// Exchange trades an authorization code for the user's and the application's
// tokens: POST <serviceURL>/api/access/v1/usertoken with
// {"code_challenge","client_secret","code","swarm"}. serviceURL and swarm come
// from the browser: serviceURL must pass the domain allowlist (ErrServiceURL)
// before the secret is sent. Both tokens are verified and the user token's
// nonce checked (ErrNonce); the returned set carries codeChallenge for
// Refresh.
func (c *Client) Exchange(ctx context.Context, code, swarm, serviceURL, codeChallenge string) (*TokenSet, error) {
	base, err := c.allow.check(serviceURL)
	if err != nil {
		return nil, err
	}
	if code == "" || swarm == "" || codeChallenge == "" || len(code) > maxParam || len(swarm) > maxParam || len(codeChallenge) > maxParam {
		return nil, fmt.Errorf("%w: code, swarm and code challenge must be 1 to %d bytes", ErrDenied, maxParam)
	}
	datas, err := c.call(ctx, http.MethodPost, base+PathUserToken, "", map[string]string{
		"code_challenge": codeChallenge, "client_secret": c.cfg.ClientSecret, "code": code, "swarm": swarm,
	})
	if err != nil {
		return nil, err
	}
	set, err := decodeAuthResult(datas)
	if err != nil {
		return nil, err
	}
	set.ServiceURL, set.Swarm, set.CodeChallenge = base, swarm, codeChallenge
	set.User.Hosts = c.allowedHosts(ctx, set.User.Hosts)
	set.Application.Hosts = c.allowedHosts(ctx, set.Application.Hosts)
	if err := c.complete(ctx, &set.User, codeChallenge); err != nil {
		return nil, err
	}
	if err := c.complete(ctx, &set.Application, ""); err != nil {
		return nil, err
	}
	if set.User.Claims.TokenType != User || set.Application.Claims.TokenType != Application {
		return nil, fmt.Errorf("%w: usertoken is a %s token, applicationtoken a %s token", ErrTokenType, set.User.Claims.TokenType, set.Application.Claims.TokenType)
	}
	return set, nil
}

// Refresh renews both tokens of set: for each, POST
// <set.ServiceURL>/api/access/v1/refreshtoken with {"Token":"Bearer …",
// "Code_challenge":…}, as BeSwarm's own client sends it, with the code
// challenge set carries. Both answers are verified (and the user token's
// nonce checked); the renewed tokens replace set's in the returned copy.
func (c *Client) Refresh(ctx context.Context, set *TokenSet) (*TokenSet, error) {
	if set == nil || set.User.Raw == "" || set.Application.Raw == "" || set.CodeChallenge == "" {
		return nil, fmt.Errorf("%w: a token set with both tokens and its code challenge is needed", ErrDenied)
	}
	base, err := c.allow.check(set.ServiceURL)
	if err != nil {
		return nil, err
	}
	out := *set
	for _, t := range []struct {
		dst   *Token
		typ   TokenType
		nonce string
	}{{&out.User, User, set.CodeChallenge}, {&out.Application, Application, ""}} {
		datas, err := c.call(ctx, http.MethodPost, base+PathRefreshToken, "", map[string]string{
			"Token": "Bearer " + t.dst.Raw, "Code_challenge": set.CodeChallenge,
		})
		if err != nil {
			return nil, err
		}
		tr, err := decodeTokenResult(datas)
		if err != nil {
			return nil, err
		}
		tr.Hosts = c.allowedHosts(ctx, tr.Hosts)
		if err := c.complete(ctx, &tr, t.nonce); err != nil {
			return nil, err
		}
		if tr.Claims.TokenType != t.typ {
			return nil, fmt.Errorf("%w: the %s token renewed as a %s token", ErrTokenType, t.typ, tr.Claims.TokenType)
		}
		*t.dst = tr
	}
	return &out, nil
}

// allowedHosts keeps the hosts that pass the service-URL allowlist
// (ClientConfig.Domains, Ports), in the form it returns; a host outside it is
// dropped and logged, never handed to the app.
func (c *Client) allowedHosts(ctx context.Context, hosts []string) []string {
	if hosts == nil {
		return nil
	}
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		base, err := c.allow.check(h)
		if err != nil {
			c.log.WarnContext(ctx, "beswarm: token answer host dropped", "err", err)
			continue
		}
		out = append(out, base)
	}
	return out
}

// complete verifies t, checks its nonce when codeChallenge is given, and
// sets its expiry from the token's own exp.
func (c *Client) complete(ctx context.Context, t *Token, codeChallenge string) error {
	claims, err := c.cfg.Verifier.VerifyClaims(ctx, t.Raw)
	if err != nil {
		return err
	}
	if codeChallenge != "" {
		if err := CheckNonce(claims, codeChallenge); err != nil {
			return err
		}
	}
	t.Claims, t.Expiry = claims, claims.Expiry
	return nil
}
