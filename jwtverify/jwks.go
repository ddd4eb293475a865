package jwtverify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// RemoteJWKSConfig tunes a RemoteJWKS. Every zero value is a safe default.
type RemoteJWKSConfig struct {
	// HTTPClient makes the requests (default: a client with Timeout). Redirects to
	// another scheme than the URL's own are refused.
	HTTPClient *http.Client
	// InsecureAllowHTTP permits an http:// URL (tests, loopback). Off by default.
	InsecureAllowHTTP bool
	// MaxBodySize bounds the JWKS document (default 1 MiB).
	MaxBodySize int64
	// Timeout bounds one fetch (default 10 s). A caller whose context ends sooner
	// stops waiting; the fetch goes on for the others.
	Timeout time.Duration
	// MinRefresh and MaxRefresh clamp the response's Cache-Control max-age
	// (defaults 1 min and 24 h). Without max-age the set is kept 5 min, clamped.
	MinRefresh, MaxRefresh time.Duration
	// MaxStale is how long past its refresh time the last good set keeps being
	// served while the endpoint fails (default 1 h). After that Keys fails.
	MaxStale time.Duration
	// RefreshCooldown is the least time between two fetches triggered by unknown
	// kids or by failures (default 30 s). Unknown kids seen meanwhile fail at once.
	RefreshCooldown time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives fetch failures (once per outage) and recoveries.
	Logger *slog.Logger
}

// Defaults of RemoteJWKSConfig.
const (
	DefaultJWKSMaxBody         = 1 << 20
	DefaultJWKSTimeout         = 10 * time.Second
	DefaultJWKSMinRefresh      = time.Minute
	DefaultJWKSMaxRefresh      = 24 * time.Hour
	DefaultJWKSRefresh         = 5 * time.Minute
	DefaultJWKSMaxStale        = time.Hour
	DefaultJWKSRefreshCooldown = 30 * time.Second
)

// RemoteJWKS is a KeySource and Refresher over a JWKS URL. It fetches on first
// use, refreshes in the background when the Cache-Control max-age runs out,
// serves the last good set while the endpoint fails (up to MaxStale), and refetches
// for an unknown kid at most once per RefreshCooldown, single-flight: a thousand
// requests with the same unknown kid cause one fetch.
type RemoteJWKS struct {
	url    string
	logURL string // url without its password, for errors and logs
	cfg    RemoteJWKSConfig
	hc     *http.Client

	mu          sync.Mutex
	set         jwk.Set
	refreshAt   time.Time // the set is due for a refresh
	staleUntil  time.Time // past this the set is no longer served
	lastAttempt time.Time
	lastErr     error
	failing     bool
	inflight    *fetchCall

	fetches atomic.Int64
}

type fetchCall struct {
	done chan struct{}
	set  jwk.Set
	err  error
}

// NewRemoteJWKS returns a source for the JWKS at rawURL. Nothing is fetched yet.
//
//	jwks, err := jwtverify.NewRemoteJWKS("https://idp.example/jwks", jwtverify.RemoteJWKSConfig{})
func NewRemoteJWKS(rawURL string, cfg RemoteJWKSConfig) (*RemoteJWKS, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: JWKS URL %q", ErrConfig, rawURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && cfg.InsecureAllowHTTP) {
		return nil, fmt.Errorf("%w: %q (set InsecureAllowHTTP for http)", ErrInsecureURL, rawURL)
	}
	setDefault(&cfg.MaxBodySize, DefaultJWKSMaxBody)
	setDefault(&cfg.Timeout, DefaultJWKSTimeout)
	setDefault(&cfg.MinRefresh, DefaultJWKSMinRefresh)
	setDefault(&cfg.MaxRefresh, DefaultJWKSMaxRefresh)
	setDefault(&cfg.MaxStale, DefaultJWKSMaxStale)
	setDefault(&cfg.RefreshCooldown, DefaultJWKSRefreshCooldown)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := &http.Client{Timeout: cfg.Timeout}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	if hc.CheckRedirect == nil {
		scheme := u.Scheme
		hc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
			if req.URL.Scheme != scheme || len(via) >= 3 {
				return fmt.Errorf("%w: redirect to %s", ErrInsecureURL, req.URL.Redacted())
			}
			return nil
		}
	}
	return &RemoteJWKS{url: u.String(), logURL: u.Redacted(), cfg: cfg, hc: hc}, nil
}

func setDefault[T int64 | time.Duration](p *T, def T) {
	if *p <= 0 {
		*p = def
	}
}

// URL returns the JWKS URL.
func (r *RemoteJWKS) URL() string { return r.url }

// Fetches returns how many fetches were started, for tests and metrics.
func (r *RemoteJWKS) Fetches() int64 { return r.fetches.Load() }

// Keys returns the current set, fetching it on first use. A set past its refresh
// time is still returned while a background fetch replaces it.
func (r *RemoteJWKS) Keys(ctx context.Context) (jwk.Set, error) {
	r.mu.Lock()
	now := r.cfg.Now()
	if r.set != nil && now.Before(r.refreshAt) {
		set := r.set
		r.mu.Unlock()
		return set, nil
	}
	if r.set != nil && now.Before(r.staleUntil) {
		if r.inflight == nil && now.Sub(r.lastAttempt) >= r.cfg.RefreshCooldown {
			r.startLocked(ctx, now)
		}
		set := r.set
		r.mu.Unlock()
		return set, nil
	}
	call := r.inflight
	if call == nil {
		if r.lastErr != nil && now.Sub(r.lastAttempt) < r.cfg.RefreshCooldown {
			err := r.lastErr
			r.mu.Unlock()
			return nil, err
		}
		call = r.startLocked(ctx, now)
	}
	r.mu.Unlock()
	return wait(ctx, call)
}

// Refresh refetches the set for an unknown kid, unless a fetch ran less than
// RefreshCooldown ago: then it returns the current set at once. Callers already
// waiting on a fetch share it.
func (r *RemoteJWKS) Refresh(ctx context.Context) (jwk.Set, error) {
	r.mu.Lock()
	now := r.cfg.Now()
	call := r.inflight
	if call == nil {
		if now.Sub(r.lastAttempt) < r.cfg.RefreshCooldown {
			set, err := r.set, r.lastErr
			r.mu.Unlock()
			if set == nil {
				return nil, err
			}
			return set, nil
		}
		call = r.startLocked(ctx, now)
	}
	r.mu.Unlock()
	return wait(ctx, call)
}

func wait(ctx context.Context, call *fetchCall) (jwk.Set, error) {
	select {
	case <-call.done:
		return call.set, call.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%w: waiting for JWKS: %w", ErrKeySource, ctx.Err())
	}
}

// startLocked starts one fetch; r.mu is held. The fetch keeps the caller's
// context values but not its cancellation: other callers may be waiting on it.
func (r *RemoteJWKS) startLocked(ctx context.Context, now time.Time) *fetchCall {
	call := &fetchCall{done: make(chan struct{})}
	r.inflight, r.lastAttempt = call, now
	r.fetches.Add(1)
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
	go func() {
		defer cancel()
		set, ttl, err := r.fetch(fctx)
		r.finish(call, set, ttl, err)
	}()
	return call
}

func (r *RemoteJWKS) finish(call *fetchCall, set jwk.Set, ttl time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer close(call.done)
	r.inflight = nil
	if err != nil {
		err = fmt.Errorf("%w: %s: %w", ErrKeySource, r.logURL, err)
		r.lastErr = err
		if !r.failing {
			r.failing = true
			r.cfg.Logger.Warn("jwtverify: JWKS fetch failed; serving the last good set while it lasts",
				"url", r.logURL, "err", err, "stale_until", r.staleUntil)
		}
		call.err = err
		return
	}
	if r.failing {
		r.cfg.Logger.Info("jwtverify: JWKS fetch recovered", "url", r.logURL)
	}
	now := r.cfg.Now()
	r.set, r.failing, r.lastErr = set, false, nil
	r.refreshAt = now.Add(ttl)
	r.staleUntil = r.refreshAt.Add(r.cfg.MaxStale)
	call.set = set
}

// fetch GETs and decodes the set, returning how long to keep it.
func (r *RemoteJWKS) fetch(ctx context.Context) (jwk.Set, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/jwk-set+json, application/json")
	resp, err := r.hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		return nil, 0, fmt.Errorf("status %d", resp.StatusCode)
	}
	body, err := readLimited(resp.Body, resp.ContentLength, r.cfg.MaxBodySize)
	if err != nil {
		return nil, 0, err
	}
	set, err := DecodeJWKS(body)
	if err != nil {
		return nil, 0, err
	}
	return set, r.ttl(resp.Header.Get("Cache-Control")), nil
}

// readLimited reads a body of at most max bytes, failing with ErrTooLarge beyond.
func readLimited(body io.Reader, declared, max int64) ([]byte, error) {
	if declared > max {
		return nil, fmt.Errorf("%w: body of %d bytes, limit %d", ErrTooLarge, declared, max)
	}
	b, err := io.ReadAll(io.LimitReader(body, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%w: body over %d bytes", ErrTooLarge, max)
	}
	return b, nil
}

// DecodeJWKS parses a JWKS document and checks that at least one of its keys is
// usable for verification. Unusable keys stay in the set; the Verifier refuses
// them by kid with ErrWeakKey.
func DecodeJWKS(body []byte) (jwk.Set, error) {
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("%w: JWKS: %v", ErrMalformed, err)
	}
	var firstErr error
	for i := 0; i < set.Len(); i++ {
		jk, _ := set.Key(i)
		_, err := prepareJWK(jk)
		if err == nil {
			return set, nil
		}
		if firstErr == nil && !errors.Is(err, errNotForSignatures) {
			firstErr = err
		}
	}
	if firstErr != nil {
		return nil, fmt.Errorf("no usable key in JWKS: %w", firstErr)
	}
	return nil, fmt.Errorf("%w: JWKS has no signature keys", ErrMalformed)
}

// ttl reads max-age from Cache-Control, clamped to [MinRefresh, MaxRefresh].
func (r *RemoteJWKS) ttl(cc string) time.Duration {
	d := DefaultJWKSRefresh
	for _, dir := range strings.Split(cc, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(dir), "=")
		switch strings.ToLower(name) {
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n >= 0 && n < 1<<31 {
				d = time.Duration(n) * time.Second
			}
		case "no-store", "no-cache":
			d = 0
		}
	}
	return min(max(d, r.cfg.MinRefresh), r.cfg.MaxRefresh)
}
