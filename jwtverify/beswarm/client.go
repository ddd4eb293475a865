package beswarm

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sesame-go/sesame/jwtverify"
)

// The paths of BeSwarm's access API, below a service URL.
const (
	PathUserToken    = "/api/access/v1/usertoken"
	PathRefreshToken = "/api/access/v1/refreshtoken"
)

// Defaults of ClientConfig.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultMaxBodySize = 256 << 10
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
	// Verifier, when set, verifies the tokens of every answer and checks the
	// user token's nonce against the login's code challenge. Without it the
	// tokens are not verified: their exp is read only to schedule refreshes.
	Verifier *Verifier
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
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.Timeout}
	}
	return &Client{cfg: cfg, allow: allow, hc: noRedirects(hc), maxBody: cfg.MaxBodySize, log: cfg.Logger}, nil
}

// Login is a login in progress: keep it (in the user's session) until the
// callback, and never show CodeChallenge to anyone.
type Login struct {
	// State binds the callback to this login (256 random bits).
	State string
	// CodeChallenge is the secret whose SHA-256 the authorize URL carries; the
	// exchange and every refresh send it.
	CodeChallenge string
	// URL is where to send the user's browser.
	URL string
}

// Start begins a login: a fresh State and CodeChallenge from crypto/rand, and
// the authorize URL.
func (c *Client) Start() (Login, error) {
	state, err := random()
	if err != nil {
		return Login{}, err
	}
	cc, err := random()
	if err != nil {
		return Login{}, err
	}
	return Login{State: state, CodeChallenge: cc, URL: c.AuthorizeURL(state, cc)}, nil
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
	u, _ := url.Parse(c.cfg.AuthorizeURL) // checked by NewClient
	q := u.Query()
	q.Set("state", state)
	q.Set("appid", c.cfg.AppID)
	q.Set("code_challenge", CodeChallengeHash(codeChallenge))
	u.RawQuery = q.Encode()
	return u.String()
}

// Callback completes a login from the query of the callback request (state,
// code, swarm, serviceurl): the state must be the login's (constant-time
// compare; ErrState), then the code is exchanged.
//
//	set, err := client.Callback(r.Context(), login, r.URL.Query())
func (c *Client) Callback(ctx context.Context, login Login, query url.Values) (*TokenSet, error) {
	got := query.Get("state")
	if login.State == "" || len(query["state"]) != 1 || subtle.ConstantTimeCompare([]byte(got), []byte(login.State)) != 1 {
		return nil, ErrState
	}
	return c.Exchange(ctx, query.Get("code"), query.Get("swarm"), query.Get("serviceurl"), login.CodeChallenge)
}

// Exchange trades an authorization code for the user's and the application's
// tokens: POST <serviceURL>/api/access/v1/usertoken with
// {"code_challenge","client_secret","code","swarm"}. serviceURL and swarm come
// from the browser: serviceURL must pass the domain allowlist (ErrServiceURL)
// before the secret is sent. With a Verifier, both tokens are verified and the
// user token's nonce checked (ErrNonce).
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
	set.ServiceURL, set.Swarm = base, swarm
	set.User.Hosts = c.allowedHosts(ctx, set.User.Hosts)
	set.Application.Hosts = c.allowedHosts(ctx, set.Application.Hosts)
	if err := c.complete(ctx, &set.User, codeChallenge); err != nil {
		return nil, err
	}
	if err := c.complete(ctx, &set.Application, ""); err != nil {
		return nil, err
	}
	return set, nil
}

// Refresh renews the user token of set: POST
// <set.ServiceURL>/api/access/v1/refreshtoken with {"Token":"Bearer …",
// "Code_challenge":…}, as BeSwarm's own client sends it. The answer's token
// replaces set.User in the returned copy; the application token is kept.
func (c *Client) Refresh(ctx context.Context, set *TokenSet, codeChallenge string) (*TokenSet, error) {
	if set == nil || set.User.Raw == "" {
		return nil, fmt.Errorf("%w: no user token to refresh", ErrDenied)
	}
	base, err := c.allow.check(set.ServiceURL)
	if err != nil {
		return nil, err
	}
	datas, err := c.call(ctx, http.MethodPost, base+PathRefreshToken, "", map[string]string{
		"Token": "Bearer " + set.User.Raw, "Code_challenge": codeChallenge,
	})
	if err != nil {
		return nil, err
	}
	tr, err := decodeTokenResult(datas)
	if err != nil {
		return nil, err
	}
	tr.Hosts = c.allowedHosts(ctx, tr.Hosts)
	if err := c.complete(ctx, &tr, codeChallenge); err != nil {
		return nil, err
	}
	out := *set
	out.User = tr
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

// complete verifies t (when the client has a Verifier) and sets its expiry
// from the token's own exp.
func (c *Client) complete(ctx context.Context, t *Token, codeChallenge string) error {
	if v := c.cfg.Verifier; v != nil {
		claims, err := v.VerifyClaims(ctx, t.Raw)
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
	exp, err := unverifiedExp(t.Raw)
	if err != nil {
		return err
	}
	t.Expiry = exp
	return nil
}

// unverifiedExp reads exp from a token without verifying it, to schedule a
// refresh only.
func unverifiedExp(raw string) (time.Time, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return time.Time{}, fmt.Errorf("%w: id_token is not a compact JWS", ErrResponse)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: id_token payload: %w", ErrResponse, err)
	}
	var p struct {
		Exp *json.Number `json:"exp"`
	}
	if err := json.Unmarshal(payload, &p); err != nil || p.Exp == nil {
		return time.Time{}, fmt.Errorf("%w: id_token without a numeric exp", ErrResponse)
	}
	n, err := strconv.ParseInt(p.Exp.String(), 10, 64)
	if err != nil || n <= 0 || n > 1<<40 {
		return time.Time{}, fmt.Errorf("%w: id_token exp out of range", ErrResponse)
	}
	return time.Unix(n, 0), nil
}
