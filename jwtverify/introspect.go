package jwtverify

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/sesame-go/sesame/internal/ratelog"
	"golang.org/x/sync/singleflight"
)

// Defaults of IntrospectionConfig.
const (
	DefaultIntrospectionTimeout = 5 * time.Second
	DefaultMaxIntrospection     = 64 << 10
	DefaultIntrospectionCache   = 4096
	DefaultMaxCacheTTL          = time.Minute
	DefaultNegativeCacheTTL     = 5 * time.Second
)

// Client authentication methods of an introspection request (RFC 7662 §2.1
// leaves the choice to the authorization server; these are RFC 6749 §2.3.1's).
const (
	// ClientSecretBasic sends the client id and secret in an HTTP Basic
	// Authorization header, each form-urlencoded first. The default.
	ClientSecretBasic = "client_secret_basic"
	// ClientSecretPost sends client_id and client_secret in the form body.
	ClientSecretPost = "client_secret_post"
)

// IntrospectionConfig says how to ask an RFC 7662 introspection endpoint
// about opaque tokens. Endpoint, ClientID and ClientSecret are required; the
// zero value of every other field is the default stated beside it.
type IntrospectionConfig struct {
	// Endpoint is the introspection endpoint's URL (https unless
	// InsecureAllowHTTP; the introspection_endpoint of the provider's
	// metadata).
	Endpoint string
	// ClientID and ClientSecret authenticate this resource server to the
	// endpoint.
	ClientID, ClientSecret string
	// AuthMethod is ClientSecretBasic (default) or ClientSecretPost.
	AuthMethod string
	// Issuer, when set, must equal the answer's iss (ErrIssuer). Default: not
	// checked (the endpoint vouches for its tokens).
	Issuer string
	// Audience, when set, lists acceptable audiences: the answer's aud must
	// name one (ErrAudience). Default: not checked.
	Audience []string
	// TokenTypeHint is sent as token_type_hint (default "access_token").
	TokenTypeHint string
	// HTTPClient makes the requests (default: a client with Timeout). It
	// never follows a redirect: a 3xx is ErrUnavailable.
	HTTPClient *http.Client
	// Timeout bounds one request to the endpoint (default 5 s).
	Timeout time.Duration
	// MaxResponseSize bounds the answer in bytes (default 64 KiB).
	MaxResponseSize int64
	// MaxTokenSize bounds the tokens sent to the endpoint (default 16 KiB):
	// a bigger one is ErrTooLarge, without a request.
	MaxTokenSize int
	// CacheSize is the number of active answers remembered (default 4096;
	// negative disables both caches). A quarter as many refusals are
	// remembered beside them.
	CacheSize int
	// MaxCacheTTL bounds how long an active answer is reused (default 1 min),
	// and so how long a revoked token still passes; the answer's exp bounds
	// it too.
	MaxCacheTTL time.Duration
	// NegativeCacheTTL is how long a refusal (active false, another issuer
	// or audience) is reused (default 5 s; negative: never).
	NegativeCacheTTL time.Duration
	// Leeway is the clock skew allowed on exp, nbf and iat: 0 means 30 s, a
	// negative value none (as Config.Leeway).
	Leeway time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the endpoint's failures, at most 10 lines a second
	// (default: discard). Tokens are never logged.
	Logger *slog.Logger
	// InsecureAllowHTTP permits an http:// Endpoint (tests, loopback). Off by
	// default.
	InsecureAllowHTTP bool
}

// Introspector is a TokenVerifier for opaque tokens: it asks an RFC 7662
// introspection endpoint, and remembers its answers. It is safe for
// concurrent use; build one per endpoint and share it.
//
// Tokens never appear in the clear outside the request to the endpoint: the
// caches and the single-flight key are their SHA-256, and nothing is logged.
type Introspector struct {
	endpoint   string
	id, secret string
	usePost    bool
	hint       string
	issuer     string
	audience   []string
	client     *http.Client
	timeout    time.Duration
	maxBody    int64
	maxToken   int
	leeway     time.Duration
	maxTTL     time.Duration
	negTTL     time.Duration
	now        func() time.Time
	log        *slog.Logger
	limiter    *ratelog.Limiter
	cache      *introCache // nil when disabled
	group      singleflight.Group
	fetches    atomic.Int64
}

// NewIntrospector checks cfg and returns an Introspector, to give Middleware
// as its TokenVerifier:
//
//	in, err := jwtverify.NewIntrospector(jwtverify.IntrospectionConfig{
//		Endpoint: "https://idp.example/introspect", ClientID: "orders-api", ClientSecret: secret,
//	})
//	auth := jwtverify.Middleware(in, jwtverify.MiddlewareConfig{})
func NewIntrospector(cfg IntrospectionConfig) (*Introspector, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("%w: introspection Endpoint %q is not an http(s) URL", ErrConfig, cfg.Endpoint)
	}
	if u.Scheme == "http" && !cfg.InsecureAllowHTTP {
		return nil, fmt.Errorf("%w: introspection Endpoint %q", ErrInsecureURL, cfg.Endpoint)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, fmt.Errorf("%w: introspection needs ClientID and ClientSecret", ErrConfig)
	}
	if slices.Contains(cfg.Audience, "") {
		return nil, fmt.Errorf("%w: empty string in Audience", ErrConfig)
	}
	in := &Introspector{
		endpoint: cfg.Endpoint, id: cfg.ClientID, secret: cfg.ClientSecret, hint: cfg.TokenTypeHint,
		issuer: cfg.Issuer, audience: slices.Clone(cfg.Audience), timeout: cfg.Timeout, maxBody: cfg.MaxResponseSize,
		maxToken: cfg.MaxTokenSize, leeway: cfg.Leeway, maxTTL: cfg.MaxCacheTTL, negTTL: cfg.NegativeCacheTTL,
		now: cfg.Now, log: cfg.Logger, limiter: ratelog.New(0, 0),
	}
	switch cfg.AuthMethod {
	case "", ClientSecretBasic:
	case ClientSecretPost:
		in.usePost = true
	default:
		return nil, fmt.Errorf("%w: introspection AuthMethod %q", ErrConfig, cfg.AuthMethod)
	}
	in.defaults()
	in.client = noRedirects(cfg.HTTPClient, in.timeout)
	if n := sizeOr(cfg.CacheSize, DefaultIntrospectionCache); n > 0 {
		in.cache = newIntroCache(n)
	}
	return in, nil
}

// defaults fills in the zero fields.
func (in *Introspector) defaults() {
	if in.hint == "" {
		in.hint = "access_token"
	}
	if in.timeout <= 0 {
		in.timeout = DefaultIntrospectionTimeout
	}
	if in.maxBody <= 0 {
		in.maxBody = DefaultMaxIntrospection
	}
	if in.maxToken <= 0 {
		in.maxToken = DefaultMaxTokenSize
	}
	in.leeway = leewayOf(in.leeway)
	if in.maxTTL <= 0 {
		in.maxTTL = DefaultMaxCacheTTL
	}
	if in.negTTL == 0 {
		in.negTTL = DefaultNegativeCacheTTL
	}
	if in.now == nil {
		in.now = time.Now
	}
	if in.log == nil {
		in.log = slog.New(slog.DiscardHandler)
	}
}

// noRedirects returns a copy of c (or a new client) that never follows a
// redirect: the request carries the client's credentials and the token.
func noRedirects(c *http.Client, timeout time.Duration) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = timeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// Fetches returns how many requests were sent to the endpoint.
func (in *Introspector) Fetches() int64 { return in.fetches.Load() }

// Verify asks the endpoint whether raw is active, unless a remembered answer
// says so: an active answer is reused until its exp or MaxCacheTTL, whichever
// comes first; a refusal for NegativeCacheTTL. Concurrent calls for one token
// share one request. Errors: ErrInactive (active false), ErrIssuer,
// ErrAudience, ErrExpired, ErrNotYetValid (401); ErrTooLarge for a token over
// MaxTokenSize; ErrUnavailable (503) when the endpoint cannot be reached, or
// answers anything but a 200 with a JSON object whose active is a boolean
// and whose RFC 7662 members have their types. The *Token holds the answer's
// members as claims: Subject, Scopes, AccessClaims and cnf (for DPoP) read
// them.
func (in *Introspector) Verify(ctx context.Context, raw string) (*Token, error) {
	if len(raw) > in.maxToken {
		return nil, fmt.Errorf("%w: token of %d bytes, limit %d", ErrTooLarge, len(raw), in.maxToken)
	}
	if raw == "" {
		return nil, fmt.Errorf("%w: empty token", ErrMalformed)
	}
	key := sha256.Sum256(unsafe.Slice(unsafe.StringData(raw), len(raw)))
	if in.cache != nil {
		if tok, err, ok := in.cache.get(&key, in.now().UnixNano()); ok {
			return tok, err
		}
	}
	return in.shared(ctx, raw, key)
}

// shared runs one introspection per token at a time: concurrent callers wait
// for the same answer. (Apart from Verify, so that the hit path allocates
// nothing: the closure's key escapes.)
func (in *Introspector) shared(ctx context.Context, raw string, key [32]byte) (*Token, error) {
	ch := in.group.DoChan(string(key[:]), func() (any, error) {
		// The request outlives a caller who gives up: the others may wait on it.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), in.timeout)
		defer cancel()
		return in.introspect(rctx, raw, &key)
	})
	select {
	case res := <-ch:
		tok, _ := res.Val.(*Token)
		return tok, res.Err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: introspection: %w", ErrUnavailable, ctx.Err())
	}
}

// introspect asks the endpoint, judges the answer and remembers it.
func (in *Introspector) introspect(ctx context.Context, raw string, key *[32]byte) (*Token, error) {
	body, err := in.post(ctx, raw)
	if err != nil {
		in.limiter.Log(ctx, in.log, slog.LevelWarn, "jwtverify: introspection endpoint failed", "err", err.Error())
		return nil, err
	}
	now := in.now()
	tok, err := parseIntrospection(raw, body)
	if err == nil {
		err = checkRegistered(tok, now, in.leeway, in.issuer, in.audience)
	}
	if in.cache == nil || errors.Is(err, ErrUnavailable) {
		return tok, err
	}
	if err != nil {
		if in.negTTL > 0 {
			in.cache.putRefusal(key, err, now.Add(in.negTTL).UnixNano())
		}
		return nil, err
	}
	until := now.Add(in.maxTTL)
	if tok.hasExp && tok.exp.Before(until) {
		until = tok.exp
	}
	in.cache.putActive(key, tok, until.UnixNano())
	return tok, nil
}

// post sends the introspection request and returns the body of a 200
// application/json answer.
func (in *Introspector) post(ctx context.Context, raw string) ([]byte, error) {
	form := url.Values{"token": {raw}, "token_type_hint": {in.hint}}
	if in.usePost {
		form.Set("client_id", in.id)
		form.Set("client_secret", in.secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, in.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("%w: introspection request: %w", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if !in.usePost { // RFC 6749 §2.3.1: each form-urlencoded, then Basic
		req.SetBasicAuth(url.QueryEscape(in.id), url.QueryEscape(in.secret))
	}
	in.fetches.Add(1)
	resp, err := in.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: introspection: %w", ErrUnavailable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: introspection answered %d", ErrUnavailable, resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, fmt.Errorf("%w: introspection answered %s", ErrUnavailable, quote(resp.Header.Get("Content-Type")))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, in.maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("%w: introspection: %w", ErrUnavailable, err)
	}
	if int64(len(body)) > in.maxBody {
		return nil, fmt.Errorf("%w: %w: introspection answer over %d bytes", ErrUnavailable, ErrTooLarge, in.maxBody)
	}
	return body, nil
}
